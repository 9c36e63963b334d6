"""Chapter "Children missing from care" (analysis/stories/missing.py, book/missing.md).

The chapter reads the published datasets in data/tidy. These tests check its frames, sentences and charts
against the upstream files in the mirror (../shared/upstream), parsed here independently with the csv module,
and against the seed documents (../shared/seeds) for the quoted figures. No expected value is copied from the
module's output.
"""

from __future__ import annotations

import csv
import re
from pathlib import Path

import polars as pl
import pytest

from analysis import charts, settings
from analysis.stories import missing

CLA = "dfe/children-looked-after"
EES_2024_LA = (
    f"{CLA}/ees-2024/data/la_children_who_were_missing_or_away_from_placement_without_authorisation.csv"
)
EES_2024_NATIONAL = f"{CLA}/ees-2024/data/official_statistics_cla_who_were_missing.csv"
EES_2022_NATIONAL = f"{CLA}/ees-2022/data/official_statistics_national_cla_missing.csv"
SFR_2015 = f"{CLA}/sfr-2015/SFR34_Missing2015.csv"
SFR_2011 = f"{CLA}/sfr-2011/SFR21_CLA.csv"
SEEDS = settings.DEFAULT_MIRROR.parent / "seeds"


# ---------------------------------------------------------------------------------------------------------
# Independent readers of the raw files


def read_rows(path: Path) -> list[dict[str, str]]:
    with path.open(newline="", encoding="utf-8-sig") as handle:
        return list(csv.DictReader(handle))


def sfr_national(path: Path) -> dict[str, str]:
    rows = [r for r in read_rows(path) if r["geog_l"] == "NATIONAL"]
    assert len(rows) == 1
    return rows[0]


@pytest.fixture(scope="module")
def ees_la_2024(mirror_dir: Path) -> list[dict[str, str]]:
    return read_rows(mirror_dir / EES_2024_LA)


def ees_la_value(rows: list[dict[str, str]], year: str, level: str, label: str, code: str = "") -> str:
    found = [
        r["number"]
        for r in rows
        if r["time_period"] == year
        and r["geographic_level"] == level
        and r["CLA_group"] == label
        and (not code or r["new_la_code"] == code)
    ]
    assert len(found) == 1, (year, level, label, code, found)
    return found[0]


def national_file_value(path: Path, year: str, status: str, characteristic: str) -> int:
    found = [
        r["number"]
        for r in read_rows(path)
        if r["time_period"] == year
        and r["missing_status"].strip() == status
        and r["characteristic"] == characteristic
    ]
    assert len(found) == 1, (year, status, characteristic, found)
    return int(found[0])


def value_of(frame: pl.DataFrame, year: int, **filters: str) -> object:
    rows = frame.filter(pl.col("time_period") == year)
    for column, wanted in filters.items():
        rows = rows.filter(pl.col(column) == wanted)
    assert rows.height == 1, rows
    return rows["value"][0]


# ---------------------------------------------------------------------------------------------------------
# National trends


def test_2015_children_and_incidents_equal_the_sfr(mirror_dir):
    sfr = sfr_national(mirror_dir / SFR_2015)
    children = missing.children_trend()
    incidents = missing.incidents_trend()
    assert value_of(children, 2015, measure="children_missing") == int(sfr["CLA_MissDuringYear"])
    assert value_of(children, 2015, measure="children_missing_more_than_once") == int(sfr["CLA_MissMoreOnce"])
    assert value_of(children, 2015, measure="children_away") == int(sfr["CLA_AwayDuringYear"])
    assert value_of(incidents, 2015, measure="missing_incidents") == int(sfr["CLA_MissIncs"])
    assert value_of(incidents, 2015, measure="away_incidents") == int(sfr["CLA_AwayIncs"])


def test_trends_start_in_2015_and_hold_only_their_measures():
    for frame, measures in (
        (missing.children_trend(), missing.CHILDREN_MEASURES),
        (missing.incidents_trend(), missing.INCIDENT_MEASURES),
    ):
        assert set(frame["measure"]) == set(measures)
        assert frame["time_period"].min() == 2015
        assert set(frame["geographic_level"]) == {"National"}
        assert not frame.select("time_period", "measure").is_duplicated().any()


def test_trend_titles_follow_the_raw_direction(mirror_dir, ees_la_2024):
    sfr = sfr_national(mirror_dir / SFR_2015)
    latest = int(
        ees_la_value(ees_la_2024, "2024", "National", "Children who had a missing incident during the year")
    )
    first = int(sfr["CLA_MissDuringYear"])
    title = missing.children_trend_text(missing.children_trend()).title
    assert ("rose" in title) == (latest > first) and ("fell" in title) == (latest < first)
    assert f"{first:,}" in title and f"{latest:,}" in title


def test_rates_are_derived_from_the_published_counts(ees_la_2024):
    frame = missing.rates()
    # DfE publishes the denominator with the missing figures from 2018 only: no rate before then
    assert frame["time_period"].min() == 2018
    n = int(
        ees_la_value(ees_la_2024, "2024", "National", "Children who had a missing incident during the year")
    )
    d = int(ees_la_value(ees_la_2024, "2024", "National", "Children looked after during the year"))
    published = float(
        ees_la_value(
            ees_la_2024,
            "2024",
            "National",
            "Percentage of children who had a missing incident during the year",
        )
    )
    row = frame.filter(
        (pl.col("time_period") == 2024) & (pl.col("derived_measure") == "children_missing_per_100_derived")
    ).row(0, named=True)
    assert row["numerator"] == n and row["denominator"] == d
    assert row["value"] == pytest.approx(round(n / d * 100, 1))
    assert row["published_percent"] == published
    assert round(row["value"]) == published  # the derived rate agrees with DfE's rounded percentage
    assert "derived" in missing.rates_text(frame).title


# ---------------------------------------------------------------------------------------------------------
# The 2011-2014 measure is never on the same line as 2015 onwards


def test_snapshot_keeps_the_two_definitions_apart(mirror_dir):
    frame = missing.snapshot_trend()
    old = frame.filter(pl.col("measure") == missing.SNAPSHOT_OLD)
    new = frame.filter(pl.col("measure") == missing.SNAPSHOT_NEW)
    assert old.height and new.height and old.height + new.height == frame.height
    assert old["time_period"].max() < 2015 <= new["time_period"].min()
    assert all(re.search(r"sfr-201[1-4]", s) for s in old["source_id"])
    # 2011 at 31 March from the SFR (CLA_Miss), not the 930 the APPG quoted (a different DfE count)
    assert value_of(old, 2011) == int(sfr_national(mirror_dir / SFR_2011)["CLA_Miss"])
    chart = charts.line(
        frame,
        color="measure",
        labels=missing.SERIES_LABELS,
        title="t",
        y_title="Children (number)",
        breaks=[charts.Break(2015, missing.snapshot_break_label())],
    )
    segments = chart.data.group_by("measure").agg(pl.col("_ffh_segment").unique())
    by_measure = {r["measure"]: set(r["_ffh_segment"]) for r in segments.iter_rows(named=True)}
    assert by_measure[missing.SNAPSHOT_OLD].isdisjoint(by_measure[missing.SNAPSHOT_NEW])


def test_childrens_homes_groups_do_not_cross_the_regrouping(mirror_dir):
    frame = missing.homes_trend()
    old = frame.filter(pl.col("placement_type_group") == missing.HOMES_OLD)
    new = frame.filter(pl.col("placement_type_group") == missing.HOMES_NEW)
    assert old["time_period"].max() < missing.REGROUPED_FROM <= new["time_period"].min()
    # values as published: 2018 from the EES 2022 file, 2024 from the EES 2024 file
    label_2018 = "Secure units, children's homes and semi-independent living accommodation"
    assert value_of(old, 2018) == national_file_value(
        mirror_dir / EES_2022_NATIONAL, "2018", "Placements from which children were missing", label_2018
    )
    assert value_of(new, 2024) == national_file_value(
        mirror_dir / EES_2024_NATIONAL,
        "2024",
        "Placements from which children were missing",
        "4: Secure homes and children's homes",
    )


def test_placement_type_split_starts_where_the_raw_files_start(mirror_dir):
    years = {
        int(r["time_period"])
        for r in read_rows(mirror_dir / EES_2022_NATIONAL)
        if r["missing_status"].strip() == "Placements from which children were missing"
    }
    text = missing.claim_97_text()
    assert "cannot be reproduced" in text
    assert f"year ending 31 March {min(years)}" in text
    assert min(years) > missing.FIRST_INCIDENT_YEAR  # so no children's homes figure exists for 2015
    assert "97%" in text


def test_placement_latest_excludes_total_and_matches_raw(mirror_dir):
    frame = missing.placement_latest()
    assert "total" not in set(frame["placement_type_group"])
    total = national_file_value(
        mirror_dir / EES_2024_NATIONAL,
        "2024",
        "Placements from which children were missing",
        "Total incidents",
    )
    assert frame["value"].sum() == total  # the groups add up to DfE's total for the year
    assert missing.placement_total(2024) == total


# ---------------------------------------------------------------------------------------------------------
# Out of area


def test_location_split_matches_raw_and_share_is_derived_right(mirror_dir):
    path = mirror_dir / EES_2024_NATIONAL
    status = "Placement locations from which children were missing"
    outside = national_file_value(path, "2024", status, "Missing from placement outside council boundary")
    inside = national_file_value(path, "2024", status, "Missing from placement inside council boundary")
    frame = missing.location_trend()
    assert value_of(frame, 2024, placement_location="outside_council_boundary") == outside
    assert value_of(frame, 2024, placement_location="inside_council_boundary") == inside
    title = missing.location_text(frame).title
    assert title.startswith(f"{outside / (inside + outside) * 100:.0f}%")
    assert "cannot be checked" in missing.location_summary()


# ---------------------------------------------------------------------------------------------------------
# Councils


def test_council_rates_against_the_raw_la_file(ees_la_2024):
    frame = missing.council_rates(2024)
    assert frame["new_la_code"].n_unique() == frame.height
    raw = [
        r for r in ees_la_2024 if r["time_period"] == "2024" and r["geographic_level"] == "Local authority"
    ]
    # the file still lists councils abolished before 2024 (e.g. Cumbria) with every cell 'z': not councils then
    abolished = {r["new_la_code"] for r in raw} - {r["new_la_code"] for r in raw if r["number"] != "z"}
    raw_codes = {r["new_la_code"] for r in raw} - abolished
    assert set(frame["new_la_code"]) == raw_codes
    rows = {r["new_la_code"]: r for r in frame.iter_rows(named=True)}
    for code in raw_codes:
        n = ees_la_value(
            ees_la_2024,
            "2024",
            "Local authority",
            "Children who had a missing incident during the year",
            code,
        )
        d = ees_la_value(
            ees_la_2024, "2024", "Local authority", "Children looked after during the year", code
        )
        row = rows[code]
        if n.isdigit() and d.isdigit() and int(d) > 0:
            assert row["value"] == pytest.approx(round(int(n) / int(d) * 100, 1)), code
            assert row["value_note"] is None
        else:  # suppressed ('c') or not applicable ('z'): shown as not published, never as 0
            assert row["value"] is None, code
            assert row["value_note"].startswith("not published"), code


def test_top_councils_keeps_ties_and_order():
    base = missing.council_rates(2024).head(6)
    frame = base.with_columns(pl.Series("value", [9.0, 8.0, 7.0, 7.0, 5.0, None], dtype=pl.Float64))
    top = missing.top_councils(frame, n=3)
    assert top["value"].to_list() == [9.0, 8.0, 7.0, 7.0]  # the council tied with the 3rd is not cut
    assert missing.top_councils(frame, n=10)["value"].null_count() == 0


def test_council_text_names_every_unpublished_council():
    frame = missing.council_rates()
    text = missing.council_text(frame)
    for name in frame.filter(pl.col("value").is_null())["la_name"]:
        assert name in text


# ---------------------------------------------------------------------------------------------------------
# The 2012 figures, quoted with their citations


def test_fog_figures_are_quoted_from_the_appg_report():
    rows = missing.fog_rows()
    figures = [r["figure"] for r in rows]
    seed = (SEEDS / "004_6468e72dc836d18f.txt").read_text(encoding="utf-8")
    para_85 = next(line for line in seed.splitlines() if "930 children in care" in line)
    for stated in ("930", "10,000", "42,000"):
        assert stated in para_85
        match = [r for r in rows if r["figure"].endswith(stated)]
        assert len(match) == 1, stated
        assert "para 85" in match[0]["source"]
    assert figures.index("930") < figures.index("approximately 10,000")
    text = missing.fog_text()
    assert "different measures" in text and "not among this site's sources" in text


def test_fog_latest_figures_match_raw(ees_la_2024):
    children = int(
        ees_la_value(ees_la_2024, "2024", "National", "Children who had a missing incident during the year")
    )
    incidents = int(
        ees_la_value(ees_la_2024, "2024", "National", "Number of missing incidents during the year")
    )
    latest = [r for r in missing.fog_rows() if r["period"] == "the year ending 31 March 2024"]
    assert {r["figure"] for r in latest} == {f"{children:,}", f"{incidents:,}"}


# ---------------------------------------------------------------------------------------------------------
# Sentences and charts


def test_key_findings_name_numbers_periods_and_sources(ees_la_2024):
    text = missing.key_findings()
    bullets = [line for line in text.splitlines() if line.startswith("- ")]
    assert 3 <= len(bullets) <= 5
    children = int(
        ees_la_value(ees_la_2024, "2024", "National", "Children who had a missing incident during the year")
    )
    assert f"{children:,}" in bullets[0]
    assert "the year ending 31 March 2024" in bullets[0]
    assert "Department for Education" in bullets[0]
    assert "derived" in bullets[1]


def test_about_text_records_the_data_quality_notes():
    text = missing.about_text()
    assert "Hackney" in text
    assert "missing rather than away" in text
    assert "Police" in text


def test_every_chart_frame_keeps_the_source_columns():
    frames = [
        missing.children_trend(),
        missing.incidents_trend(),
        missing.rates(),
        missing.snapshot_trend(),
        missing.placement_latest(),
        missing.homes_trend(),
        missing.location_trend(),
        missing.council_rates(),
    ]
    for frame in frames:
        assert set(charts.REQUIRED_COLUMNS) <= set(frame.columns)
        assert frame["source_id"].null_count() == 0


def test_charts_render_with_breaks_notes_and_csv(tmp_path):
    frame = missing.snapshot_trend()
    text = missing.snapshot_text(frame)
    chart = charts.line(
        frame,
        color="measure",
        labels=missing.SERIES_LABELS,
        title=text.title,
        y_title="Children on 31 March (number)",
        breaks=[charts.Break(2015, missing.snapshot_break_label())],
    )
    rendered = charts.render(
        chart, name="test-snapshot", alt=text.alt, notes=missing.snapshot_notes(), store=tmp_path
    )
    assert "Break in the series from 2015" in rendered.html
    assert pl.read_csv(rendered.files["csv"]).height == frame.height

    councils = missing.council_rates()
    text = missing.council_map_text(councils)
    chart = charts.hex_map(
        councils,
        title=text.title,
        value_title="Children missing per 100 looked after (derived)",
        value_format=".1f",
    )
    chart = missing.legend_title_lines(chart, ["Children missing", "per 100 looked after", "(derived)"])
    rendered = charts.render(chart, name="test-map", alt=text.alt, store=tmp_path)
    table = rendered.table
    unpublished = councils.filter(pl.col("value").is_null())["current_la_name"].to_list()
    cells = dict(zip(table["Council"].to_list(), table[table.columns[1]].to_list(), strict=True))
    assert all("not published" in cells[name] for name in unpublished)

    top = missing.top_councils(councils)
    text = missing.council_top_text(top)
    chart = charts.ranked_bar(
        top,
        title=text.title,
        value_title="Children missing per 100 looked after (derived)",
        reference=(missing.england_rate(2024), "England"),
    )
    rendered = charts.render(chart, name="test-top", alt=text.alt, store=tmp_path)
    assert rendered.table.height == top.height
