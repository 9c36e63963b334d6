"""Chapter "Children missing from care" (book/missing.md) and the derived datasets it reads.

Numbers and rules, not wording. Expected values are recomputed here from DfE's own files in the mirror
(../shared/upstream), read with the csv module, or taken from the audit's issue text (issue 10: England 11.175
unrounded, 76 councils above it, not 74; 7 councils with more away than missing, not 8, because Slough's missing
count is suppressed). The datasets are read as published (data/tidy), as the chapter reads them.
"""

from __future__ import annotations

import ast
import csv
import re
from pathlib import Path

import polars as pl
import pytest

from analysis import data, settings

CLA = "dfe/children-looked-after"
EES_2024_LA = (
    f"{CLA}/ees-2024/data/la_children_who_were_missing_or_away_from_placement_without_authorisation.csv"
)
EES_2023_LA = (
    f"{CLA}/ees-2023/data/la_children_who_were_missing_or_away_from_placement_without_authorisation.csv"
)
EES_2024_NATIONAL = f"{CLA}/ees-2024/data/official_statistics_cla_who_were_missing.csv"
SFR_2015 = f"{CLA}/sfr-2015/SFR34_Missing2015.csv"
SFR_2017 = f"{CLA}/sfr-2017/SFR50_Missing_2017.csv"
SFR_2011 = f"{CLA}/sfr-2011/SFR21_CLA.csv"
PAGE = settings.PROJECT_ROOT / "book" / "missing.md"

MISSING = "Children who had a missing incident during the year"
AWAY = "Children who were away from placement without authorisation during the year"
LOOKED_AFTER = "Children looked after during the year"
INCIDENTS = "Number of missing incidents during the year"


# ---------------------------------------------------------------------------------------------------------
# Independent readers of DfE's files


def read_rows(path: Path) -> list[dict[str, str]]:
    with path.open(newline="", encoding="utf-8-sig") as handle:
        return list(csv.DictReader(handle))


def group_column(row: dict[str, str]) -> str:
    return row.get("CLA_group") or row["cla_group"]


@pytest.fixture(scope="module")
def la_2024(mirror_dir: Path) -> list[dict[str, str]]:
    return read_rows(mirror_dir / EES_2024_LA)


def council_cells(rows: list[dict[str, str]], year: str, label: str) -> dict[str, str]:
    """{council code: the published cell as text ('c', '0', '57', ...)} for one year and label."""
    return {
        r["new_la_code"]: r["number"]
        for r in rows
        if r["time_period"] == year
        and r["geographic_level"] == "Local authority"
        and group_column(r) == label
    }


def national_cell(rows: list[dict[str, str]], year: str, label: str) -> int:
    found = [
        r["number"]
        for r in rows
        if r["time_period"] == year and r["geographic_level"] == "National" and group_column(r) == label
    ]
    assert len(found) == 1, (year, label, found)
    return int(found[0])


def is_count(cell: str) -> bool:
    return cell.isdigit()


@pytest.fixture(scope="module")
def national() -> pl.DataFrame:
    return data.load("missing_national")


@pytest.fixture(scope="module")
def councils() -> pl.DataFrame:
    return data.load("missing_by_council")


@pytest.fixture(scope="module")
def summary() -> pl.DataFrame:
    return data.load("missing_councils_summary")


@pytest.fixture(scope="module")
def shares() -> pl.DataFrame:
    return data.load("missing_incidents_shares")


def one(frame: pl.DataFrame, **filters) -> dict:
    for column, wanted in filters.items():
        frame = frame.filter(pl.col(column) == wanted)
    assert frame.height == 1, (filters, frame)
    return frame.row(0, named=True)


# ---------------------------------------------------------------------------------------------------------
# England's rate and the councils above it


def test_england_rate_is_unrounded_and_is_the_issues_11_175(national, summary, la_2024):
    children = national_cell(la_2024, "2024", MISSING)
    looked_after = national_cell(la_2024, "2024", LOOKED_AFTER)
    expected = children / looked_after * 100
    row = one(national, time_period=2024, measure="children_missing")
    assert row["per_100_looked_after"] == pytest.approx(expected, rel=1e-12)
    assert one(summary, time_period=2024)["england_per_100_looked_after"] == pytest.approx(
        expected, rel=1e-12
    )
    assert round(expected, 3) == 11.175  # issue 10
    # DfE's whole-number percentage is kept beside the derived rate, not instead of it
    assert row["published_percent"] == 11


def test_councils_above_england_are_counted_on_unrounded_rates(councils, summary, la_2024):
    england = national_cell(la_2024, "2024", MISSING) / national_cell(la_2024, "2024", LOOKED_AFTER) * 100
    missing = council_cells(la_2024, "2024", MISSING)
    looked_after = council_cells(la_2024, "2024", LOOKED_AFTER)
    rates = {
        code: int(missing[code]) / int(looked_after[code]) * 100
        for code in missing
        if is_count(missing[code]) and is_count(looked_after[code]) and int(looked_after[code]) > 0
    }
    above = {code for code, rate in rates.items() if rate > england}
    rounded_above = {code for code, rate in rates.items() if round(rate, 1) > round(england, 1)}
    assert len(above) == 76 and len(rounded_above) == 74  # issue 10: 76, not 74

    year = councils.filter(pl.col("time_period") == 2024)
    assert set(year.filter(pl.col("above_england"))["new_la_code"]) == above
    assert one(summary, time_period=2024)["councils_above_england"] == len(above)
    assert one(summary, time_period=2024)["councils_with_rate"] == len(rates)
    # the two councils the issue names: shown as 11.2 like England, yet above it
    for name in ("Haringey", "West Northamptonshire"):
        council = one(year, la_name=name)
        assert council["above_england"] is True
        assert round(council["per_100_looked_after"], 1) == round(england, 1)


def test_ranks_follow_the_unrounded_rates(councils):
    year = councils.filter(pl.col("time_period") == 2024, pl.col("per_100_looked_after").is_not_null())
    ordered = year.sort("per_100_looked_after", descending=True)
    assert ordered["rank_highest_first"][0] == 1
    assert ordered["rank_highest_first"].is_sorted()
    assert (year["councils_ranked"] == year.height).all()


# ---------------------------------------------------------------------------------------------------------
# Suppressed figures are never 0


def test_a_suppressed_count_gives_no_rate_and_is_counted_apart(councils, summary, la_2024):
    missing = council_cells(la_2024, "2024", MISSING)
    suppressed = {code for code, cell in missing.items() if cell == "c"}
    assert suppressed, "the 2024 file has suppressed council counts"
    year = councils.filter(pl.col("time_period") == 2024)
    rows = year.filter(pl.col("new_la_code").is_in(list(suppressed)))
    assert rows["children_missing"].is_null().all()
    assert rows["per_100_looked_after"].is_null().all()
    assert set(rows["rate_status"]) == {"count_suppressed"}
    assert rows["above_england"].is_null().all() and rows["rank_highest_first"].is_null().all()
    assert one(summary, time_period=2024)["councils_rate_count_suppressed"] == len(suppressed)


def test_more_away_than_missing_counts_only_councils_with_both_published(councils, summary, la_2024):
    missing = council_cells(la_2024, "2024", MISSING)
    away = council_cells(la_2024, "2024", AWAY)
    both = [code for code in missing if is_count(missing[code]) and is_count(away.get(code, ""))]
    more_away = {code for code in both if int(away[code]) > int(missing[code])}
    suppressed = {code for code in missing if "c" in (missing[code], away.get(code))}
    # Slough: missing suppressed, 48 away; reading 'c' as 0 made it an eighth council (issue 10)
    slough = one(councils.filter(pl.col("time_period") == 2024), la_name="Slough")
    assert missing[slough["new_la_code"]] == "c" and slough["missing_vs_away"] == "not_compared_suppressed"
    wrongly_zeroed = {
        code
        for code in missing
        if is_count(away.get(code, ""))
        and int(away[code]) > (int(missing[code]) if is_count(missing[code]) else 0)
    }
    assert len(more_away) == 7 and len(wrongly_zeroed) == 8  # issue 10: 7 can be stated, not 8

    year = councils.filter(pl.col("time_period") == 2024)
    assert set(year.filter(pl.col("missing_vs_away") == "more_away")["new_la_code"]) == more_away
    row = one(summary, time_period=2024)
    assert row["councils_more_away_than_missing"] == len(more_away)
    assert row["councils_compared"] == len(both)
    assert row["councils_not_compared_suppressed"] == len(suppressed)


def test_no_derived_module_turns_a_missing_value_into_zero():
    modules = ["missing_national", "missing_at_31_march", "missing_by_council", "missing_incidents_shares"]
    for name in modules:
        source = (settings.PROJECT_ROOT / "analysis" / "datasets" / f"{name}.py").read_text("utf-8")
        assert "fill_null(0)" not in source.replace('councils_without_data").fill_null(0)', ""), name


# ---------------------------------------------------------------------------------------------------------
# Coverage: councils left out of England's figures


def test_hackney_2021_is_left_out_not_zero(national, councils, mirror_dir):
    row = one(national, time_period=2021, measure="children_missing")
    assert row["councils_without_data_names"] == "Hackney" and row["councils_without_data"] == 1
    # the denominator includes Hackney's children (its count is published), so the 2021 rate is a little low
    assert row["denominator_includes_councils_without_data"] is True
    hackney = one(councils, time_period=2021, la_name="Hackney")
    assert hackney["children_missing"] is None and hackney["rate_status"] == "no_data"
    assert hackney["children_looked_after_during_year"] > 0
    # the EES 2024 file publishes Hackney's 2021 missing cells as 0
    cells = council_cells(read_rows(mirror_dir / EES_2024_LA), "2021", MISSING)
    assert cells[hackney["new_la_code"]] == "0"
    for year in national["time_period"].unique().to_list():
        if year != 2021:
            assert one(national, time_period=year, measure="children_missing")["councils_without_data"] == 0


def test_2017_away_figures_name_the_councils_dfe_published_no_figure_for(national, mirror_dir):
    rows = [r for r in read_rows(mirror_dir / SFR_2017) if r["geog_l"] == "LA"]
    not_available = sorted(r["geog_n"] for r in rows if r["Miss_Away_DuringYear"].strip() == "..")
    row = one(national, time_period=2017, measure="children_away")
    assert row["councils_without_data"] == len(not_available) > 0
    # England's 2017 figure leaves them out: the other councils' figures, each suppressed one at most 5,
    # already reach the national count within DfE's rounding to 10
    published = [int(r["Miss_Away_DuringYear"]) for r in rows if r["Miss_Away_DuringYear"].strip().isdigit()]
    suppressed = [r for r in rows if r["Miss_Away_DuringYear"].strip() == "x"]
    assert sum(published) <= row["value"] + 5 <= sum(published) + 5 * len(suppressed) + 10


# ---------------------------------------------------------------------------------------------------------
# National trend


def test_2015_counts_and_change_equal_dfes_files(national, mirror_dir):
    sfr = next(r for r in read_rows(mirror_dir / SFR_2015) if r["geog_l"] == "NATIONAL")
    first = one(national, time_period=2015, measure="missing_incidents")
    assert first["value"] == int(sfr["CLA_MissIncs"])
    assert one(national, time_period=2015, measure="children_missing")["value"] == int(
        sfr["CLA_MissDuringYear"]
    )
    # 2019 comes from the 2023 release (the latest that has it)
    later = national_cell(read_rows(mirror_dir / EES_2023_LA), "2019", INCIDENTS)
    row = one(national, time_period=2019, measure="missing_incidents")
    assert row["value"] == later
    assert row["change_since_first_year_percent"] == pytest.approx(
        (later - int(sfr["CLA_MissIncs"])) / int(sfr["CLA_MissIncs"]) * 100, rel=1e-12
    )


def test_rates_exist_only_where_dfe_publishes_the_denominator(national):
    rated = national.filter(pl.col("per_100_looked_after").is_not_null())
    assert set(rated["measure"]) <= {
        "children_missing",
        "children_missing_more_than_once",
        "children_away",
        "children_away_more_than_once",
    }
    no_denominator = national.filter(pl.col("children_looked_after_during_year").is_null())
    assert no_denominator["per_100_looked_after"].is_null().all() and no_denominator.height > 0
    # each rate is its two published counts (recomputed here, not read from the module)
    for row in rated.iter_rows(named=True):
        assert row["per_100_looked_after"] == pytest.approx(
            row["value"] / row["children_looked_after_during_year"] * 100, rel=1e-12
        )


# ---------------------------------------------------------------------------------------------------------
# The 2011-2014 measure is a different definition


def test_the_over_24_hours_measure_is_kept_apart(mirror_dir):
    frame = data.load("missing_at_31_march")
    old = frame.filter(pl.col("measure") == "children_missing_over_24_hours_at_31_march")
    new = frame.filter(pl.col("measure") == "children_missing_at_31_march")
    assert old["time_period"].max() < new["time_period"].min()
    assert old["definition"].n_unique() == 1 and new["definition"].n_unique() == 1
    assert old["definition"][0] != new["definition"][0]
    sfr = next(r for r in read_rows(mirror_dir / SFR_2011) if r["geog_l"] == "NATIONAL")
    assert one(old, time_period=2011)["value"] == int(sfr["CLA_Miss"])


# ---------------------------------------------------------------------------------------------------------
# Placement shares and the 2024 regrouping


def test_each_share_equals_its_two_published_counts(shares, mirror_dir):
    for row in shares.iter_rows(named=True):
        assert row["share_of_total_percent"] == pytest.approx(row["value"] / row["total"] * 100, rel=1e-12)
    raw = {
        r["characteristic"]: int(r["number"])
        for r in read_rows(mirror_dir / EES_2024_NATIONAL)
        if r["time_period"] == "2024"
        and r["missing_status"].strip() == "Placement locations from which children were missing"
    }
    outside = one(
        shares, time_period=2024, measure="missing_incidents", placement_location="outside_council_boundary"
    )
    assert outside["value"] == raw["Missing from placement outside council boundary"]
    assert outside["total"] == raw["Total incidents"]
    placements = data.load("placements_at_31_march").filter(
        pl.col("geographic_level") == "National", pl.col("time_period") == 2024
    )
    placed = one(placements, measure="placed_outside_la_boundary")["value"]
    looked_after = one(placements, measure="children_looked_after")["value"]
    assert outside["placed_outside_share_at_31_march"] == pytest.approx(
        placed / looked_after * 100, rel=1e-12
    )


def test_the_two_placement_groupings_are_never_joined(shares):
    types = shares.filter(pl.col("breakdown") == "placement_type")
    per_year = types.group_by("time_period").agg(pl.col("placement_grouping").n_unique())
    assert (per_year["placement_grouping"] == 1).all()
    spans = types.group_by("placement_type_group").agg(
        pl.col("placement_grouping").n_unique().alias("groupings"),
        pl.col("same_group_in_both_groupings").first(),
    )
    # only the groups DfE left unchanged (measures.csv: foster placements, adoption, placed with parents) span both
    assert set(spans.filter(pl.col("groupings") == 2)["placement_type_group"]) == {
        "foster_placements",
        "placed_for_adoption",
        "placed_with_parents",
    }
    assert (spans["same_group_in_both_groupings"] == (spans["groupings"] == 2)).all()
    old = types.filter(
        pl.col("placement_type_group") == "secure_units_childrens_homes_and_semi_independent_living"
    )
    new = types.filter(pl.col("placement_type_group") == "secure_homes_and_childrens_homes")
    assert old["time_period"].max() < new["time_period"].min()


# ---------------------------------------------------------------------------------------------------------
# The page


def _page() -> str:
    return PAGE.read_text("utf-8")


def _glued_keys(page: str) -> set[str]:
    """The keys the page's code cells glue: book.glue("key", ...) and book.glue_all({"key": ...})."""
    keys: set[str] = set()
    for cell in re.findall(r"```\{code-cell\}[^\n]*\n(.*?)```", page, flags=re.S):
        source = "\n".join(line for line in cell.splitlines() if not line.startswith(":tags:"))
        for node in ast.walk(ast.parse(source)):
            if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)):
                continue
            if node.func.attr == "glue" and isinstance(node.args[0], ast.Constant):
                keys.add(node.args[0].value)
            if node.func.attr == "glue_all" and isinstance(node.args[0], ast.Dict):
                keys.update(k.value for k in node.args[0].keys if isinstance(k, ast.Constant))
    return keys


def test_every_glued_key_in_the_page_is_glued_by_a_cell():
    page = _page()
    used = set(re.findall(r"\{glue:(?:text|md)\}`([A-Za-z0-9_]+)`", page))
    glued = _glued_keys(page)
    assert used, "the page glues its numbers"
    assert used <= glued, sorted(used - glued)


def test_the_page_reads_only_published_datasets_and_says_each_caveat_once():
    page = _page()
    assert "analysis.stories" not in page and "data.load(" not in page
    for name in re.findall(r'book\.load\("([a-z0-9_]+)"\)', page):
        assert name in data.dataset_names(), name
    # DfE's recording caveat is quoted once, in About these figures, and every chart links there
    assert page.count("a growing number of local authorities") == 1
    assert page.index("a growing number of local authorities") > page.index("(missing-about)=")
    shows = re.findall(r"charts\.show\((.*?)\n\)", page, flags=re.S)
    assert shows and all("notes=[ABOUT]" in show for show in shows)
    assert '"#missing-about"' in page


def test_the_page_types_no_figure_that_a_new_release_would_change():
    """Numbers in the page's prose come from glue; the typed ones are the documents' own (dates, paragraphs)
    and DfE's quoted words."""
    page = _page().split("\n---\n", 1)[1]  # after the notebook's front matter
    prose = re.sub(r"```\{code-cell\}.*?```", "", page, flags=re.S)
    prose = "\n".join(line for line in prose.splitlines() if not line.startswith(">"))  # quotations
    prose = re.sub(r"\{glue:text\}`[^`]*`", "", prose)
    prose = re.sub(r"\(missing-about\)=", "", prose)
    typed = re.findall(r"\b\d[\d,.]*\b", prose)
    # the years of documents and of DfE's own statements: 2012 (the inquiry), 2017 (DfE: recording changed),
    # 2019 (the debate), 2022, 2023 and 2024 (DfE releases: data guidance, the regrouping); and the words of the
    # rules: 31 March, 24 hours, per 100, the nearest 10, never as 0
    allowed = {"2012", "2017", "2019", "2022", "2023", "2024", "31", "24", "100", "10", "0"}
    assert set(typed) <= allowed, sorted(set(typed) - allowed)
