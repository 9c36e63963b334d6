"""The children's homes chapters (book/ownership.md, book/where-homes-are.md) and the derived datasets they read.

Every figure on those pages is a column of childrens_homes_by_sector, councils_running_homes,
childrens_homes_openings_by_sector, childrens_homes_by_region or childrens_homes_by_council (or of the existing
ownership and reconciliation datasets). These tests check the published values against an independent count made
here from the per-home table (childrens_homes), the per-year openings, the population dataset, the publishers'
figures (published_figures) or the audit (issue 10), and the rules the pages rely on: shares equal their counts,
medians and counts over a threshold use unrounded values, a missing figure is never 0, the two kinds of Ofsted list
are never joined, and the owner-to-council table is checked row by row.
"""

from __future__ import annotations

import re
import statistics
from datetime import date
from pathlib import Path

import polars as pl
import pytest

from analysis import book, charts, settings, text
from analysis.datasets import SourceFiles
from analysis.datasets import councils_running_homes as running_module
from analysis.manifest import load_sources
from analysis.validate import validate

COMPLETE = "providers_and_places"
COUNCIL = "Local authority"
THREE_REGIONS = {"North West", "West Midlands", "South East"}
BOOK = Path(__file__).resolve().parents[1] / "book"
OWNERS = settings.REFERENCE_DIR / running_module.OWNERS_FILE


@pytest.fixture(scope="module")
def homes() -> pl.DataFrame:
    return book.load("childrens_homes")


@pytest.fixture(scope="module")
def councils() -> pl.DataFrame:
    return book.load("councils")


def _latest_complete(homes: pl.DataFrame) -> date:
    return homes.filter(pl.col("snapshot_kind") == COMPLETE)["snapshot_date"].max()


def _existing(councils: pl.DataFrame, on: date) -> set[str]:
    alive = councils.filter(
        (pl.col("start_date").is_null() | (pl.col("start_date") <= on))
        & (pl.col("end_date").is_null() | (pl.col("end_date") >= on))
    )
    return set(alive["new_la_code"].to_list())


def _ofsted_source_files() -> SourceFiles:
    """The run's Ofsted list files, for the suites' {"$dates": ...} placeholders (after corrections)."""
    sources = load_sources()
    families = {"ofsted:providers_places", "ofsted:provider_level"}
    ids = [sid for sid, s in sources.items() if s.family in families]
    return SourceFiles(sources, {sid: settings.DEFAULT_MIRROR / sources[sid].mirror_path for sid in ids})


# ------------------------------------------------------------------------------------------ homes by sector


def test_sector_counts_and_shares_recount_the_per_home_table(homes):
    sector = book.load("childrens_homes_by_sector")
    counted = homes.group_by("snapshot_date", "sector").len()
    totals = homes.group_by("snapshot_date").len().rename({"len": "all"})
    expected = counted.join(totals, on="snapshot_date").with_columns(
        share=pl.col("len") * 100 / pl.col("all")
    )
    joined = sector.join(expected, on=["snapshot_date", "sector"], how="inner")
    assert joined.height == counted.height  # every sector of every list is published
    assert (joined["homes"] == joined["len"]).all()
    assert ((joined["share_of_homes_percent"] - joined["share"]).abs() < 1e-9).all()
    every = sector.filter(pl.col("sector") == "All sectors").join(totals, on="snapshot_date")
    assert (every["homes"] == every["all"]).all()


def test_31_march_2018_complete_list_matches_ofsteds_published_totals():
    sector = book.load("childrens_homes_by_sector")
    figures = book.load("published_figures")
    published_all = book.one(figures, figure_id="ofsted18_003")["value"]  # 2,209 homes, 31 March 2018
    published_council = book.one(figures, figure_id="ofsted18_004")["value"]  # 423 council-run
    day = date(2018, 3, 31)
    assert book.one(sector, snapshot_date=day, sector="All sectors")["homes"] == published_all
    council = book.one(sector, snapshot_date=day, sector=COUNCIL)
    assert council["homes"] == published_council
    assert council["list_label"] == "complete list"


def test_latest_complete_list_is_the_corrected_31_march_2024_list(homes):
    sector = book.load("childrens_homes_by_sector")
    flagged = sector.filter(pl.col("latest_complete_list"))["snapshot_date"].unique().to_list()
    assert flagged == [_latest_complete(homes)]
    # the correction (data/reference/corrections.csv): the file labelled 31 August 2024 is the 31 March 2024 list
    assert flagged == [date(2024, 3, 31)]
    assert date(2024, 8, 31) not in sector["snapshot_date"].to_list()
    assert book.one(sector, latest_complete_list=True, sector="All sectors")["homes"] == 3491


def test_list_labels_never_mix_the_two_kinds_of_list():
    sector = book.load("childrens_homes_by_sector")
    pairs = set(sector.select("snapshot_kind", "list_label").unique().iter_rows())
    assert pairs == {(COMPLETE, "complete list"), ("provider_level", "inspected-homes list")}


# ------------------------------------------------------------------------------------------ councils running homes


def test_2019_debate_counted_councils_that_run_no_home_the_site_those_with_none_located():
    """Issue 10: the debate's 47 councils 'did not run any children's homes'; counted by location the 31 March
    2019 list gives 48, because Wolverhampton runs a home located in Staffordshire."""
    running = book.load("councils_running_homes")
    debate = book.one(book.load("published_figures"), figure_id="deb19_012")["value"]
    england = book.one(running, geographic_level="National", snapshot_date=date(2019, 3, 31))
    assert england["councils_running_no_council_run_home"] == debate == 47
    assert england["councils_without_council_run_home_located"] == 48
    assert england["council_run_homes_located"] == 403
    wolverhampton = book.one(
        running, geographic_level="Local authority", snapshot_date=date(2019, 3, 31), la_name="Wolverhampton"
    )
    assert wolverhampton["no_council_run_home_located"] is True
    assert wolverhampton["runs_no_council_run_home"] is False
    assert wolverhampton["council_run_homes_run_outside_area_in"] == "Staffordshire"


def test_councils_without_a_located_home_recount_the_per_home_table(homes, councils):
    running = book.load("councils_running_homes")
    for day in homes["snapshot_date"].unique().to_list():
        located = set(
            homes.filter(pl.col("snapshot_date") == day, pl.col("sector") == COUNCIL)["new_la_code"].to_list()
        )
        existing = _existing(councils, day)
        england = book.one(running, geographic_level="National", snapshot_date=day)
        assert england["councils"] == len(existing)
        assert england["councils_without_council_run_home_located"] == len(existing - located)


def _named_council(code: str, on: date, located: str, councils: pl.DataFrame) -> str:
    """Written here for the test: the council in existence on `on` that an owner name naming `code` stands for."""
    existing = _existing(councils, on)
    if code in existing:
        return code
    successors = {
        c: (s.split(",") if s else [])
        for c, s in councils.select("new_la_code", "successor_codes").iter_rows()
    }
    later = [c for c in successors[code] if c in existing]
    earlier = [c for c in existing if code in successors[c]]
    for found in (later, earlier):
        if len(found) == 1:
            return found[0]
        if located in found:
            return located
    raise AssertionError(f"no council for {code} on {on}")


def test_councils_running_no_home_recount_the_owner_names(homes, councils):
    running = book.load("councils_running_homes")
    owners = pl.read_csv(OWNERS, infer_schema=False).filter(pl.col("council_code").is_not_null())
    codes = {}
    for owner, code in owners.select("owner_name", "council_code").iter_rows():
        codes.setdefault(owner, []).append(code)
    with_owners = homes.filter(pl.col("owner_name").is_not_null())["snapshot_date"].unique().to_list()
    assert min(with_owners) == date(2018, 3, 31)
    for day in with_owners:
        council_homes = homes.filter(pl.col("snapshot_date") == day, pl.col("sector") == COUNCIL)
        runners = {
            _named_council(code, day, located, councils)
            for owner, located in council_homes.select("owner_name", "new_la_code").iter_rows()
            for code in codes.get(owner, [])
        }
        england = book.one(running, geographic_level="National", snapshot_date=day)
        assert england["councils_running_no_council_run_home"] == len(_existing(councils, day) - runners)


def test_run_counts_are_empty_not_zero_before_owners_are_published():
    running = book.load("councils_running_homes")
    before = running.filter(~pl.col("owners_published"))
    assert before.height > 0
    assert set(before["snapshot_date"].dt.year().to_list()) == {2014, 2015, 2016, 2017}
    las = before.filter(pl.col("geographic_level") == "Local authority")
    for column in ("runs_no_council_run_home", "council_run_homes_run", "council_run_homes_run_outside_area"):
        assert las[column].null_count() == las.height, column
    assert before["councils_running_no_council_run_home"].drop_nulls().is_empty()


def test_every_owner_mapping_names_an_existing_council_spelt_as_the_councils_dataset(homes, councils):
    owners = pl.read_csv(OWNERS, infer_schema=False)
    names = dict(councils.select("new_la_code", "la_name").iter_rows())
    council_owners = set(homes.filter(pl.col("sector") == COUNCIL)["owner_name"].drop_nulls().to_list())
    assert council_owners == set(owners["owner_name"].to_list())  # every published owner is mapped, no extra

    def words(value: str) -> str:
        value = value.lower().replace("&", " and ").replace("-", " ").replace(".", " ").replace(",", " ")
        return re.sub(r"\s+", " ", value).strip()

    for row in owners.iter_rows(named=True):
        if row["relationship"] == "not a council":
            assert row["council_code"] is None
            continue
        assert names[row["council_code"]] == row["council_name"]
        located = set(homes.filter(pl.col("owner_name") == row["owner_name"])["la_name"].to_list())
        if row["relationship"] == "school governing body":
            assert located == {row["council_name"]}  # the school is in the council's area
            continue
        # the owner's name names the council: its name without 'City of' / 'County', or the official short form
        stem = words(row["council_name"]).replace(" city of", "").replace("county ", "")
        short = {"kingston upon hull": "hull", "newcastle upon tyne": "newcastle"}.get(stem, stem)
        assert re.search(rf"\b{re.escape(short)}\b", words(row["owner_name"])), row


def _fixture_homes(owner: str, located: str, on: date, la_name: str = "Somewhere") -> pl.DataFrame:
    return pl.DataFrame(
        {
            "time_period": [on.year],
            "time_identifier": ["As at 31 March"],
            "snapshot_date": [on],
            "snapshot_kind": [COMPLETE],
            "source_id": ["test"],
            "source_release": ["test"],
            "urn": ["SC000001"],
            "sector": [COUNCIL],
            "owner_name": [owner],
            "new_la_code": [located],
            "la_name": [la_name],
            "region_code": ["E12000001"],
            "region_name": ["North East"],
        }
    )


def test_an_owner_missing_from_the_table_stops_the_build(councils):
    owners = running_module.read_owners(OWNERS)
    stray = _fixture_homes("A Council Nobody Mapped", "E06000001", date(2024, 3, 31), "Hartlepool")
    with pytest.raises(running_module.OwnerMappingError, match="A Council Nobody Mapped"):
        running_module.owner_councils(stray, owners, councils)


def test_a_wrongly_spelt_or_unknown_mapping_is_refused(councils, tmp_path):
    wrong = pl.DataFrame(
        {
            "owner_name": ["Hartlepool Borough Council"],
            "council_code": ["E06000002"],
            "council_name": ["Hartlepool"],
            "relationship": ["council"],
            "note": [None],
        }
    )
    with pytest.raises(running_module.OwnerMappingError, match="Middlesbrough"):
        running_module.check_owners(wrong, councils)
    path = tmp_path / "owners.csv"
    wrong.with_columns(pl.lit("cousin").alias("relationship")).write_csv(path)
    with pytest.raises(running_module.OwnerMappingError, match="relationship"):
        running_module.read_owners(path)


@pytest.mark.parametrize(
    ("code", "on", "located", "expected"),
    [
        (
            "E10000002",
            date(2021, 3, 31),
            "E06000060",
            "E06000060",
        ),  # Buckinghamshire CC after 2020: its successor
        ("E06000063", date(2023, 3, 31), "E10000006", "E10000006"),  # Cumberland, the day before: Cumbria
        (
            "E10000009",
            date(2020, 3, 31),
            "E06000059",
            "E06000059",
        ),  # Dorset CC after the split: where the home is
        ("E08000031", date(2024, 3, 31), "E10000028", "E08000031"),  # Wolverhampton, home in Staffordshire
    ],
)
def test_a_name_of_a_council_not_in_existence_is_counted_for_the_one_that_was(
    councils, code, on, located, expected
):
    existing = _existing(councils, on)
    successors = running_module._successors(councils)
    assert running_module.council_on_date(code, on, located, existing, successors)[0] == expected


def test_the_suite_catches_a_council_count_that_does_not_add_up():
    dataset = running_module.DATASET
    frame = book.load(dataset.name).drop("current_la_code", "current_la_name")
    broken = frame.with_columns(
        pl.when(pl.col("geographic_level") == "National")
        .then(pl.col("councils_running_no_council_run_home") + 1)
        .otherwise(pl.col("councils_running_no_council_run_home"))
        .alias("councils_running_no_council_run_home")
    )
    files = _ofsted_source_files()
    assert validate(dataset, frame, dataset.views(frame), source_files=files).success
    report = validate(dataset, broken, dataset.views(broken), source_files=files)
    assert not report.success


# ------------------------------------------------------------------------------------------ openings and closures


def test_openings_running_totals_are_the_sums_of_the_published_years():
    """The 1,957 homes opened and 1,733 private ones (issue 10: unsourced on the page) are these sums."""
    openings = book.load("childrens_homes_openings_by_sector")
    years = book.load("childrens_homes_openings_closures").filter(
        pl.col("geographic_level") == "National", pl.col("provision_type") == "All children's homes"
    )
    last = openings["year_end_date"].max()
    for sector in ("All sectors", COUNCIL, "Private", "Voluntary", "Health authority"):
        rows = years.filter(pl.col("sector") == sector)
        total = book.one(openings, year_end_date=last, sector=sector)
        assert total["cumulative_opened"] == rows["opened"].sum()
        assert total["cumulative_closed"] == rows["closed"].sum()
        assert total["years_in_total"] == rows.height
    every = book.one(openings, year_end_date=last, sector="All sectors")
    private = book.one(openings, year_end_date=last, sector="Private")
    assert (every["cumulative_opened"], private["cumulative_opened"]) == (1957, 1733)
    assert private["cumulative_share_of_opened_percent"] == pytest.approx(1733 * 100 / 1957, abs=1e-9)


# ------------------------------------------------------------------------------------------ regions


def test_three_region_share_is_computed_from_counts_not_rounded_shares(homes):
    regions = book.load("childrens_homes_by_region")
    for day in homes["snapshot_date"].unique().to_list():
        listed = homes.filter(pl.col("snapshot_date") == day)
        expected = listed.filter(pl.col("region_name").is_in(THREE_REGIONS)).height * 100 / listed.height
        england = book.one(regions, snapshot_date=day, geographic_level="National")
        assert england["three_regions_share_of_homes_percent"] == pytest.approx(expected, abs=1e-9)
        shares = regions.filter(pl.col("snapshot_date") == day, pl.col("geographic_level") == "Regional")
        assert shares["share_of_england_homes_percent"].sum() == pytest.approx(100, abs=1e-9)


def test_region_rates_use_the_dfe_population_of_the_previous_mid_year(homes):
    regions = book.load("childrens_homes_by_region")
    population = book.load("population").filter(
        pl.col("measure") == "population_0_to_17", pl.col("geographic_level") == "Regional"
    )
    day = regions.filter(pl.col("places_per_10000_children").is_not_null())["snapshot_date"].max()
    places = homes.filter(pl.col("snapshot_date") == day).group_by("region_code").agg(pl.col("places").sum())
    for region_code, total in places.iter_rows():
        people = book.one(population, region_code=region_code, time_period=day.year - 1)["value"]
        row = book.one(regions, snapshot_date=day, region_code=region_code)
        assert row["places_per_10000_children"] == pytest.approx(total * 10_000 / people, abs=1e-9)


def test_a_region_without_a_children_figure_has_no_ratio_and_no_verdict():
    regions = book.load("childrens_homes_by_region").filter(pl.col("geographic_level") == "Regional")
    missing = regions.filter(pl.col("children_in_childrens_homes").is_null())
    assert missing.height > 0  # e.g. 2018-2019: DfE published the category for England only
    assert missing["places_per_child_in_childrens_homes"].null_count() == missing.height
    assert missing["fewer_places_than_children"].null_count() == missing.height
    england = book.load("childrens_homes_by_region").filter(
        pl.col("geographic_level") == "National",
        pl.col("snapshot_date").is_in(missing["snapshot_date"].unique().implode()),
    )
    assert england["regions_with_fewer_places_than_children"].null_count() == england.height


# ------------------------------------------------------------------------------------------ council areas


def test_median_council_rate_is_the_median_of_unrounded_rates():
    councils = book.load("childrens_homes_by_council")
    for day in councils.filter(pl.col("places_per_10000_children").is_not_null())["snapshot_date"].unique():
        rows = councils.filter(
            pl.col("snapshot_date") == day, pl.col("geographic_level") == "Local authority"
        )
        rated = rows.filter(pl.col("population_0_to_17").is_not_null())
        rates = [p * 10_000 / n for p, n in rated.select("places", "population_0_to_17").iter_rows()]
        england = book.one(councils, snapshot_date=day, geographic_level="National")
        assert england["median_council_places_per_10000_children"] == pytest.approx(
            statistics.median(rates), abs=1e-9
        )
        assert england["councils_with_places_rate"] == len(rates)
        assert england["councils_without_places_rate"] == rows.height - len(rates)
        above = sum(rate > england["places_per_10000_children"] for rate in rates)  # unrounded comparison
        assert england["councils_above_england_places_rate"] == above


def test_a_council_without_a_population_has_no_rate_not_zero():
    councils = book.load("childrens_homes_by_council").filter(pl.col("geographic_level") == "Local authority")
    unrated = councils.filter(
        pl.col("population_0_to_17").is_null(), pl.col("time_identifier") == "As at 31 March"
    )
    assert unrated.height > 0  # Bournemouth, Poole and Dorset county before April 2019
    assert unrated["places_per_10000_children"].null_count() == unrated.height
    zero = councils.filter(pl.col("places_per_10000_children") == 0)
    assert (zero["homes"] == 0).all() and zero["no_home"].all()  # a rate of 0 means no home, never a gap


def test_councils_holding_half_of_homes_recount_the_per_home_table(homes):
    councils = book.load("childrens_homes_by_council")
    for day in homes["snapshot_date"].unique().to_list():
        counts = sorted(
            homes.filter(pl.col("snapshot_date") == day).group_by("new_la_code").len()["len"], reverse=True
        )
        total, running, k = sum(counts), 0, 0
        while running * 2 < total:
            running += counts[k]
            k += 1
        england = book.one(councils, snapshot_date=day, geographic_level="National")
        assert england["councils_holding_half_of_homes"] == k
        assert england["share_of_homes_in_those_councils_percent"] == pytest.approx(
            running * 100 / total, abs=1e-9
        )


# ------------------------------------------------------------------------------------------ pages


@pytest.mark.parametrize("page", ["ownership.md", "where-homes-are.md"])
def test_pages_read_only_published_data_and_speak_of_publishers(page):
    source = (BOOK / page).read_text(encoding="utf-8")
    assert "analysis.stories" not in source and "from analysis import data" not in source
    assert re.search(r"mirror|DATA-MAP|shared/upstream", source) is None
    # 'seed' only in the pattern that strips the published citation's working note, never in the page's words
    assert all("re.sub(" in line for line in source.splitlines() if "seed" in line)
    # no sentence dates a list 31 August 2024 except the one explaining the correction
    assert source.count("31 August 2024") == 1
    assert "Markdown(" not in source  # no cell prints generated paragraphs


@pytest.mark.browser  # runs in make test's stage after the strict book build (scripts/test.sh): the site exists
def test_pages_show_no_number_the_published_data_lacks():
    html = BOOK / "_build" / "html"
    pages = [html / "ownership.html", html / "where-homes-are.html"]
    assert all(p.exists() for p in pages), "the book is not built (make book)"
    from analysis.numbers_check import unsourced_numbers

    assert unsourced_numbers(html, settings.DATA_DIR, pages) == []


# ------------------------------------------------------------------------------------------ chart and text helpers


def test_mark_zero_cells_draws_councils_with_no_home_white(tmp_path, monkeypatch):
    monkeypatch.setenv("FFH_CHART_STORE", str(tmp_path))
    councils = book.load("childrens_homes_by_council")
    day = councils.filter(pl.col("places_per_10000_children").is_not_null())["snapshot_date"].max()
    frame = councils.filter(pl.col("snapshot_date") == day, pl.col("geographic_level") == "Local authority")
    chart = charts.hex_map(
        frame,
        value="places_per_10000_children",
        title="A test map of places",
        value_title="Places per 10,000 children",
    )
    marked = charts.mark_zero_cells(chart, "No children's home in the area")
    rendered = charts.render(
        marked, name="test-homes-map", alt="A test map of council areas and their rates."
    )
    assert "No children's home in the area" in rendered.files["svg"].read_text("utf-8")
    with pytest.raises(charts.ChartError):
        charts.mark_zero_cells(
            charts.ranked_bar(frame, value="homes", title="Not a map at all", value_title="Homes (number)"),
            "x",
        )


def test_scatter_diagonal_and_labels_below_crowded_points():
    frame = pl.DataFrame(
        {
            "name": ["a", "b", "c"],
            "x": [100, 102, 500],
            "y": [50, 49, 400],
            "time_period": [2024] * 3,
            "time_identifier": ["As at 31 March"] * 3,
            "geographic_level": ["Regional"] * 3,
            "country_code": ["E92000001"] * 3,
            "country_name": ["England"] * 3,
            "source_id": ["x"] * 3,
            "source_release": ["x"] * 3,
        }
    )
    assert charts.crowded_labels(frame, "x", "y", "name") == ["b"]
    chart = charts.scatter(
        frame,
        x="x",
        y="y",
        label="name",
        highlight=["a", "b", "c"],
        title="Places against children in a small test",
        x_title="Children (number)",
        y_title="Places (number)",
        diagonal="One place per child",
        avoid_overlap=True,
    )
    spec = chart.to_dict()
    assert "One place per child" in str(spec)
    assert sum(1 for layer in spec["layer"] if layer.get("mark", {}).get("type") == "text") == 3


def test_text_region_takes_the_article_ons_names_take():
    assert text.region("North West") == "the North West"
    assert text.region("North West", start=True) == "The North West"
    assert text.region("London", start=True) == "London"
    assert text.region("Yorkshire and The Humber") == "Yorkshire and The Humber"


def test_text_listing_and_net_change():
    assert (
        text.listing(["North West", "West Midlands", "East Midlands"])
        == "North West, West Midlands and East Midlands"
    )
    assert text.listing(["London"]) == "London"
    assert text.net_change(1084) == "grew by a net 1,084"
    assert text.net_change(-3) == "fell by a net 3"
    with pytest.raises(text.NoFigure):
        text.net_change(None)


def test_glued_text_survives_myst_nbs_literal_eval():
    from ast import literal_eval

    for value in ("2,863", "1.10", "82.0%", "None"):
        assert literal_eval(repr(book.Text(value))) == value
