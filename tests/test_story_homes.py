"""The children's homes chapters (analysis.stories.homes_ownership, homes_location) on the real published data.

Each test checks a property the chapter relies on against the data or an independent count (usually the
per-home childrens_homes table, or a figure in published_figures), never a value copied from the code's output.
"""

from __future__ import annotations

import re
from datetime import date

import polars as pl
import pytest

from analysis import charts, data, geography
from analysis.stories import homes_location as loc
from analysis.stories import homes_ownership as own

REGIONS = {
    "North East",
    "North West",
    "Yorkshire and The Humber",
    "East Midlands",
    "West Midlands",
    "East of England",
    "London",
    "South East",
    "South West",
}


@pytest.fixture(scope="module")
def homes() -> pl.DataFrame:
    return data.load("childrens_homes")


def _latest_complete() -> date:
    return own.snapshot_dates(own.COMPLETE)[-1]


def _has_provenance(frame: pl.DataFrame) -> None:
    missing = [c for c in charts.REQUIRED_COLUMNS if c not in frame.columns]
    assert not missing, missing
    assert frame["source_id"].null_count() == 0
    assert set(frame["source_id"].unique()) <= set(data.sources())


# ------------------------------------------------------------------------------------------ helpers


def test_direction_words_follow_the_rounded_numbers():
    assert own.direction(12.7, 23.8) == "fell"
    assert own.direction(82.0, 67.7) == "rose"
    assert own.direction(10.04, 10.0) == "did not change"


def test_dates_phrase_collapses_runs_of_31_march():
    days = [
        date(2014, 9, 30),
        date(2015, 3, 31),
        date(2016, 3, 31),
        date(2017, 3, 31),
        date(2019, 3, 31),
        date(2023, 8, 31),
    ]
    assert own._dates_phrase(days) == (
        "30 September 2014, 31 March 2015 to 2017, 31 March 2019 and 31 August 2023"
    )


def test_crowded_labels_moves_the_lower_of_two_close_points():
    frame = pl.DataFrame({"name": ["a", "b", "c"], "x": [100, 102, 500], "y": [50, 49, 400]})
    assert loc.crowded_labels(frame, "x", "y", "name") == ["b"]


# ------------------------------------------------------------------------------------------ ownership


def test_published_ids_used_by_the_chapters_exist_with_the_expected_measures():
    figures = own.published(
        own.PUBLISHED_OWNERSHIP
        + own.PUBLISHED_NO_HOMES
        + own.PUBLISHED_TOTALS
        + list(loc.PUBLISHED_REGION_SHARES.values())
        + loc.PUBLISHED_THREE_REGIONS
    )
    measures = dict(figures.select("figure_id", "measure").iter_rows())
    assert measures["deb19_008"] == "childrens_homes_private_share"
    assert measures["deb19_010"] == "childrens_homes_local_authority_share"
    assert measures["deb19_012"] == "local_authorities_running_no_childrens_homes"
    assert measures["deb19_014"] == "childrens_homes_three_region_share"
    assert {measures["deb19_002"], measures["deb19_003"]} == {"childrens_homes_region_share"}
    with pytest.raises(KeyError):
        own.published(["no_such_figure"])


def test_council_run_homes_at_31_march_2018_match_ofsteds_published_423():
    row = own.sector_row(date(2018, 3, 31), own.COUNCIL)
    assert row["snapshot_kind"] == own.COMPLETE
    assert row["homes"] == own.published_value("ofsted18_004") == 423
    assert own.sector_row(date(2018, 3, 31), own.ALL_SECTORS)["homes"] == own.published_value("ofsted18_003")


def test_sector_counts_match_the_per_home_table(homes):
    day = _latest_complete()
    counts = dict(homes.filter(pl.col("snapshot_date") == day).group_by("sector").len().iter_rows())
    for sector, count in counts.items():
        assert own.sector_row(day, sector)["homes"] == count
    assert own.sector_row(day, own.ALL_SECTORS)["homes"] == sum(counts.values())


def test_sector_shares_sum_to_100_at_every_snapshot():
    frame = own.national_by_sector().filter(pl.col("sector") != own.ALL_SECTORS)
    sums = frame.group_by("snapshot_date").agg(pl.col("share_of_area_homes_pct").sum())
    assert sums.height == len(own.snapshot_dates())
    assert all(abs(s - 100) <= 0.3 for s in sums["share_of_area_homes_pct"])


def test_sector_trend_never_joins_the_two_kinds_of_list():
    frame = own.sector_share_trend()
    _has_provenance(frame)
    kinds = frame.group_by("series").agg(pl.col("snapshot_kind").n_unique())
    assert kinds["snapshot_kind"].to_list() == [1] * kinds.height
    assert not frame.select("time_period", "series").is_duplicated().any()
    assert set(frame["series"]) == set(own.sector_series_order())


def test_homes_by_sector_uses_only_complete_lists_in_date_order():
    frame = own.homes_by_sector_complete()
    _has_provenance(frame)
    assert set(frame["snapshot_kind"]) == {own.COMPLETE}
    order = frame.sort("snapshot_date")["snapshot"].unique(maintain_order=True).to_list()
    assert order == sorted(order)  # text order = date order, as the bar chart sorts categories


def test_debate_comparison_shares_match_an_independent_count(homes):
    frame = own.debate_comparison()
    listed = homes.filter(pl.col("snapshot_date") == own.DEBATE_YEAR_SNAPSHOT)
    for row in frame.filter(pl.col("snapshot_date") == own.DEBATE_YEAR_SNAPSHOT).iter_rows(named=True):
        expected = 100 * listed.filter(pl.col("sector") == row["sector"]).height / listed.height
        assert row["share_of_homes_pct"] == pytest.approx(expected, abs=0.05)
    assert set(frame["debate_value"]) == {own.published_value("deb19_008"), own.published_value("deb19_010")}
    assert own.nearest_complete_before(own.DEBATE_DATE) < own.DEBATE_DATE


def test_councils_without_a_council_run_home_agree_with_the_per_home_table(homes):
    day = _latest_complete()
    listed = own.councils_without_list(day)
    national = own.councils_without_trend().filter(pl.col("snapshot_date") == day).row(0, named=True)
    assert listed.height == national["councils_without_council_run_home"]
    with_council_home = set(
        homes.filter(pl.col("snapshot_date") == day, pl.col("sector") == own.COUNCIL)["new_la_code"]
    )
    assert with_council_home.isdisjoint(set(listed["new_la_code"]))
    assert len(with_council_home) + listed.height == national["councils"]
    assert set(listed["region_name"]) <= REGIONS


def test_trust_run_homes_are_outside_the_council_sector_and_carry_the_councils_name():
    frame = own.trust_run_homes(own.DEBATE_YEAR_SNAPSHOT)
    assert frame.height > 0
    assert set(frame["sector"]) <= {own.VOLUNTARY, own.PRIVATE}
    for row in frame.iter_rows(named=True):
        assert row["la_name"].lower() in row["owner_name"].lower()


def test_concentration_groups_are_nested_and_below_100():
    frame = own.concentration_trend()
    _has_provenance(frame)
    wide = frame.pivot(on="owner_group", index="snapshot_date", values="homes")
    assert (wide["Largest 10"] <= wide["Largest 20"]).all()
    assert (frame["share_of_homes_pct"] < 100).all()
    kinds = frame.group_by("series").agg(pl.col("snapshot_kind").n_unique())
    assert kinds["snapshot_kind"].to_list() == [1] * kinds.height


def test_largest_owners_are_ranked_and_counted_from_the_per_home_table(homes):
    frame = own.largest_owners()
    _has_provenance(frame)
    assert frame["rank"].to_list() == list(range(1, frame.height + 1))
    assert frame["homes"].to_list() == sorted(frame["homes"].to_list(), reverse=True)
    top = frame.row(0, named=True)
    owned = homes.filter(
        pl.col("snapshot_date") == top["snapshot_date"], pl.col("owner_name") == top["owner_name"]
    )
    assert owned.height == top["homes"]
    assert set(own.council_owners(frame)) <= set(frame["owner_name"])


def test_openings_sectors_add_up_to_all_sectors():
    frame = own.openings_closures()
    _has_provenance(frame)
    parts = (
        frame.filter(pl.col("sector") != own.ALL_SECTORS)
        .group_by("time_period")
        .agg(pl.col("opened", "closed").sum())
        .sort("time_period")
    )
    whole = frame.filter(pl.col("sector") == own.ALL_SECTORS).sort("time_period")
    assert parts["opened"].to_list() == whole["opened"].to_list()
    assert parts["closed"].to_list() == whole["closed"].to_list()
    assert (whole["net_change"] == whole["opened"] - whole["closed"]).all()


def test_reconciliation_table_has_a_row_per_list_and_published_figure():
    rows = own.reconciliation()
    html = str(own.reconciliation_table())
    assert html.count("<tr>") == rows.height + 1
    matched = rows.filter(
        pl.col("snapshot_date") == date(2018, 3, 31), pl.col("snapshot_kind") == own.COMPLETE
    )
    assert matched["homes_difference"].to_list() == [0]


# ------------------------------------------------------------------------------------------ location


def test_region_shares_cover_every_region_and_sum_to_100():
    frame = loc.region_share_comparison()
    _has_provenance(frame)
    for _, group in frame.group_by("snapshot_date"):
        assert set(group["region_name"]) == REGIONS
        assert abs(group["share_of_england_homes_pct"].sum() - 100) <= 0.3
    assert set(frame["snapshot_kind"]) == {own.COMPLETE}


def test_three_region_share_matches_an_independent_count(homes):
    day = _latest_complete()
    listed = homes.filter(pl.col("snapshot_date") == day)
    expected = 100 * listed.filter(pl.col("region_name").is_in(loc.THREE_REGIONS)).height / listed.height
    assert loc._three(day)["three_region_share_pct"] == pytest.approx(expected, abs=0.05)


def test_region_rates_are_places_over_population():
    frame = loc.region_rates()
    _has_provenance(frame)
    assert set(frame["region_name"]) == REGIONS
    computed = 10_000 * frame["places"] / frame["population_0_to_17"]
    assert ((computed - frame["places_per_10000_children"]).abs() <= 0.051).all()
    england = loc._england_supply()
    assert england["places"] == frame["places"].sum()


def test_supply_need_uses_one_dfe_category_per_year():
    frame = loc.supply_need()
    _has_provenance(frame)
    assert frame["children_definition"].n_unique() == 1
    ratio = frame["places"] / frame["children_in_childrens_homes"]
    assert ((ratio - frame["places_per_child_in_childrens_homes"]).abs() <= 0.006).all()
    table = loc.definitions_by_year()
    assert not table["time_period"].is_duplicated().any()


def test_council_map_has_one_row_per_hex_cell_and_no_homes_means_no_places():
    frame = loc.council_rates()
    _has_provenance(frame)
    cells = geography.hex_cells()
    assert set(frame["current_la_code"]) == set(cells["la_code"])
    assert not frame["current_la_code"].is_duplicated().any()
    # mark_no_homes finds councils without homes by a rate of exactly 0: that must mean no places
    zero = frame.filter(pl.col("places_per_10000_children") == 0)
    assert zero["la_name"].sort().to_list() == frame.filter(pl.col("no_homes"))["la_name"].sort().to_list()
    assert (zero["places"] == 0).all()


def test_council_map_renders_with_the_no_homes_legend(tmp_path, monkeypatch):
    monkeypatch.setenv("FFH_CHART_STORE", str(tmp_path))
    frame = loc.council_rates()
    chart = charts.hex_map(
        frame,
        value="places_per_10000_children",
        title=loc.council_map_title(),
        value_title="Places per 10,000 children",
        value_format=".1f",
    )
    rendered = charts.render(
        loc.mark_no_homes(chart),
        name="test-homes-map",
        alt=loc.council_map_alt(),
        source=loc.supply_source(frame),
    )
    assert loc.NO_HOMES_LABEL in rendered.files["svg"].read_text("utf-8")
    assert rendered.table.height == geography.hex_cells().height


def test_top_councils_and_half_of_homes_agree_with_the_per_home_table(homes):
    day = _latest_complete()
    per_council = (
        homes.filter(pl.col("snapshot_date") == day)
        .group_by("new_la_code")
        .len()
        .sort("len", descending=True)
    )
    top = loc.top_councils(15)
    _has_provenance(top)
    assert top["homes"][0] == per_council["len"][0]
    assert top.height >= 15
    k, councils, held = loc.councils_holding_half(day)
    counts = per_council["len"].to_list()
    total = sum(counts)
    assert sum(counts[: k - 1]) < total / 2 <= sum(counts[:k])
    assert held >= 50


def test_sources_for_charts_name_every_source_id():
    frame = own.sector_share_trend()
    text = own.chart_source(frame)
    for use in data.source_uses(frame):
        assert use.publication in text and use.release in text
    assert "mid-year estimate" in loc.supply_source(loc.region_rates())


# ------------------------------------------------------------------------------------------ page text


@pytest.mark.parametrize(
    "text",
    [
        own.key_findings,
        own.sector_summary,
        own.debate_comparison_text,
        own.councils_without_text,
        own.concentration_text,
        own.openings_text,
        own.reconciliation_text,
        loc.key_findings,
        loc.region_text,
        loc.region_rates_text,
        loc.supply_need_text,
        loc.council_rates_text,
        loc.top_councils_text,
    ],
)
def test_page_text_names_dates_and_has_no_missing_values(text):
    body = text()
    assert "None" not in body and "nan" not in body and "no figure" not in body
    assert re.search(
        r"\b\d{1,2} (January|February|March|April|May|June|July|August|September|October|"
        r"November|December) \d{4}\b",
        body,
    ) or re.search(r"\b(19|20)\d\d-\d\d\b", body)


def test_key_findings_have_three_to_five_bullets_with_figures_from_published_sources():
    for findings in (own.key_findings(), loc.key_findings()):
        bullets = [line for line in findings.splitlines() if line.startswith("- ")]
        assert 3 <= len(bullets) <= 5
    assert own.published(own.PUBLISHED_NO_HOMES)["value_as_stated"][0] in own.key_findings()
    assert own.published(["deb19_014"])["value_as_stated"][0] in loc.key_findings()
