"""Council pages and the area finder: the figures they show come from the published datasets and follow the
site's rules (coverage gap given with its bounds, suppressed never 0, 2010-boundary constituency counts never
presented as 2024 ones). Expected values are taken from the issue texts or recomputed here from the source
datasets, never from the code under test."""

from __future__ import annotations

import gzip
import html
import re
from datetime import date

import polars as pl
import pytest

from analysis import council_pages, data, svg_charts

BLACKPOOL = "E06000009"
SKIPTON_AND_RIPON = "Skipton and Ripon"
NORTH_YORKSHIRE = "E06000065"


@pytest.fixture(scope="module")
def profiles() -> pl.DataFrame:
    return data.load("council_profiles")


@pytest.fixture(scope="module")
def blackpool() -> council_pages.Page:
    return council_pages.build_page(BLACKPOOL)


def _text(markup: str) -> str:
    markup = re.sub(r"<svg.*?</svg>", " ", markup, flags=re.S)
    return html.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", markup)))


def _table_row(markup: str, first_cell: str, caption_start: str) -> list[str]:
    """The cells of the row starting with `first_cell` in the table whose caption starts with caption_start."""
    for table in re.findall(r"<table.*?</table>", markup, flags=re.S):
        caption = _text(re.search(r"<caption>(.*?)</caption>", table, flags=re.S).group(1)).strip()
        if not caption.startswith(caption_start):
            continue
        for row in re.findall(r"<tr>(.*?)</tr>", table, flags=re.S):
            cells = [_text(c).strip() for c in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row, flags=re.S)]
            if cells and cells[0] == first_cell:
                return cells
    raise AssertionError(f"no row {first_cell!r} in a table captioned {caption_start!r}")


# ------------------------------------------------------------------------------------------ the data


def test_share_placed_outside_equals_its_two_published_counts(profiles):
    placements = data.load("placements_at_31_march")
    wide = placements.filter(
        pl.col("measure").is_in(["placed_outside_la_boundary", "children_looked_after"])
    ).pivot(
        on="measure", index=["geographic_level", "region_code", "new_la_code", "time_period"], values="value"
    )
    expected = wide.with_columns(
        (pl.col("placed_outside_la_boundary") / pl.col("children_looked_after") * 100).alias("expected")
    )
    shares = profiles.filter(pl.col("measure") == "share_placed_outside_percent")
    joined = shares.join(
        expected,
        on=["geographic_level", "region_code", "new_la_code", "time_period"],
        how="inner",
        nulls_equal=True,
    )
    assert joined.height == shares.height
    given = joined.filter(pl.col("rate").is_not_null())
    assert (given["rate"] - given["expected"]).abs().max() < 1e-9
    # no share where a count is suppressed, and then a note says why
    missing = joined.filter(pl.col("rate").is_null())
    assert missing.height > 0
    # (a count suppressed, or none looked after: 0 / 0)
    assert missing.filter(pl.col("expected").is_not_null() & pl.col("expected").is_not_nan()).is_empty()
    assert missing["value_note"].null_count() == 0


def test_coverage_gap_matches_the_published_england_figures(profiles):
    # issue 10: 2,650 (2011), 2,940 (2012), 3,620 (2013) and 1,500 (2014) children are in neither count, and
    # "the landing card's 35.1% (2012) ... the 2012 share up to 39.5%"
    england = profiles.filter(pl.col("geographic_level") == "National")
    neither = dict(
        england.filter(pl.col("measure") == "children_in_neither_count").select("time_period", "value").rows()
    )
    assert neither == {2011: 2650, 2012: 2940, 2013: 3620, 2014: 1500}
    row = england.filter(pl.col("time_period") == 2012)
    low = row.filter(pl.col("measure") == "share_placed_outside_percent")["rate"][0]
    high = row.filter(pl.col("measure") == "share_placed_outside_upper_percent")["rate"][0]
    assert (round(low, 1), round(high, 1)) == (35.1, 39.5)
    # from 2015 the parts add up: no gap rows
    assert profiles.filter(
        pl.col("measure").is_in(["children_in_neither_count", "share_placed_outside_upper_percent"])
        & (pl.col("time_period") >= 2015)
    ).is_empty()


def test_a_council_page_never_has_two_figures_for_one_year(profiles):
    las = profiles.filter(pl.col("geographic_level") == "Local authority")
    assert not las.select("profile_code", "measure", "sector", "reference_date").is_duplicated().any()
    # Buckinghamshire: the county's code (2011-2017) continues on the unitary council's page
    bucks = las.filter(pl.col("profile_code") == "E06000060", pl.col("measure") == "children_looked_after")
    assert set(bucks["new_la_code"]) == {"E10000002", "E06000060"}
    assert bucks["time_period"].min() == 2011
    # Bournemouth's area changed: its own page, not BCP's
    assert set(las.filter(pl.col("new_la_code") == "E06000028")["profile_code"]) == {"E06000028"}


def test_every_council_run_home_is_attributed_and_wolverhampton_runs_one_in_staffordshire():
    homes = data.load("childrens_homes")
    latest = homes.filter(pl.col("owner_name_published").is_not_null())["snapshot_date"].max()
    council_run = homes.filter((pl.col("snapshot_date") == latest) & (pl.col("sector") == "Local authority"))
    owned = data.load("council_owned_homes")
    assert set(owned["urn"]) == set(council_run["urn"])
    # issue 10: "Wolverhampton runs a home located in Staffordshire"
    wolverhampton = owned.filter(pl.col("la_name") == "Wolverhampton")
    assert "Staffordshire" in set(wolverhampton["located_la_name"])


def test_homes_by_constituency_add_up_to_the_list_and_use_2010_boundaries_before_july_2024():
    by_pcon = data.load("childrens_homes_by_constituency").filter(pl.col("sector") == "All sectors")
    homes = data.load("childrens_homes")
    for snapshot, part in by_pcon.partition_by("snapshot_date", as_dict=True).items():
        assert part["homes"].sum() == homes.filter(pl.col("snapshot_date") == snapshot[0]).height
        if snapshot[0] < date(2024, 7, 4):
            assert set(part["pcon_boundaries"]) == {"2010 boundaries (before the July 2024 general election)"}
    # a name that only the 2010 boundaries had is never matched to a 2024 constituency
    barnsley = by_pcon.filter(pl.col("pcon_name_published") == "Barnsley Central")
    assert barnsley.height and barnsley["pcon_2024_code_same_name"].null_count() == barnsley.height


# ------------------------------------------------------------------------------------------ the pages


def test_blackpool_shows_its_2012_and_2024_placed_outside_counts_with_the_gap(blackpool):
    # issue 11: "Blackpool 153 placed outside in 2012, 274 in 2024"
    caption = "Blackpool: children looked after at 31 March"
    assert _table_row(blackpool.body, "2012", caption)[2] == "153"
    assert _table_row(blackpool.body, "2024", caption)[2] == "274"
    # 2012 is in the coverage gap: the children in neither count and the share as a range
    row_2012 = _table_row(blackpool.body, "2012", caption)
    assert row_2012[4] not in ("", "0", "none (the counts add up)")
    assert " to " in row_2012[5]
    assert _table_row(blackpool.body, "2024", caption)[4] == "none (the counts add up)"


def test_blackpool_homes_by_sector_match_the_ofsted_list(blackpool):
    homes = data.load("childrens_homes")
    latest = homes["snapshot_date"].max()
    here = homes.filter((pl.col("snapshot_date") == latest) & (pl.col("new_la_code") == BLACKPOOL))
    caption = "Children's homes located in Blackpool by sector"
    assert _table_row(blackpool.body, "All children's homes", caption)[1] == str(here.height)
    assert _table_row(blackpool.body, "Private", caption)[1] == str(
        here.filter(pl.col("sector") == "Private").height
    )
    council = here.filter(pl.col("sector") == "Local authority")
    assert _table_row(blackpool.body, "Council-run", caption)[1] == str(council.height)
    assert _table_row(blackpool.body, "Council-run", caption)[2] == str(council["places"].sum())


def test_suppressed_figures_show_as_suppressed_never_zero(blackpool, profiles):
    suppressed = profiles.filter(
        (pl.col("profile_code") == BLACKPOOL)
        & (pl.col("measure") == "placed_over_20_miles")
        & pl.col("value").is_null()
    )
    assert suppressed.height, "Blackpool has suppressed distance figures (2021, 2022)"
    for year in suppressed["time_period"]:
        row = _table_row(blackpool.body, str(year), "Children looked after placed more than 20 miles")
        assert row[1] == "suppressed" and row[2] == "suppressed"


def test_every_page_builds_is_small_and_cites_its_council():
    d = council_pages.load()
    current = [c for c in d.councils.values() if c.is_current]
    assert len(current) == 153
    largest = 0
    for council in d.councils.values():
        page = council_pages.build_page(council.code, d)
        largest = max(largest, len(gzip.compress(page.body.encode("utf-8"))))
        if council.is_current:
            assert page.charts, council.code
            for chart in page.charts:
                assert council.name in chart.title
                assert chart.page_svg.startswith("<svg") and 'role="img"' in chart.page_svg
                assert set(chart.frame["source_id"].drop_nulls()) <= set(data.sources())
        else:
            successors = re.findall(r'href="%%FFH_ROOT%%councils/(E\d{8})\.html"', page.body)
            assert set(council.successors) <= set(successors), council.code
    assert largest < 60 * 1024


def test_finder_index_lists_every_council_and_constituency():
    d = council_pages.load()
    index = council_pages.finder_index(d)
    assert {e["c"] for e in index if e["k"] == "council"} == set(d.councils)
    constituencies = {e["n"]: e for e in index if e["k"] == "constituency"}
    assert len(constituencies) == data.load("constituency_councils")["pcon_code"].n_unique()
    assert "North Yorkshire" in constituencies[SKIPTON_AND_RIPON]["t"]
    assert constituencies[SKIPTON_AND_RIPON]["u"].startswith("areas.html#E14")


def test_a_2010_boundary_count_is_never_given_as_a_2024_one():
    d = council_pages.load()
    homes = council_pages.constituency_homes(d)
    assert homes, "every 2024 constituency has an entry"
    for code, info in homes.items():
        sentence = council_pages.constituency_homes_sentence(info, code)
        if info.exact:
            continue
        numbers = re.findall(r"\d+ (?:children's )?homes?\b", sentence)
        if numbers:
            assert "as drawn in 2010" in sentence and "not a count for the 2024 constituency" in sentence


# ------------------------------------------------------------------------------------------ the charts


def test_a_line_is_not_joined_across_its_break_or_a_gap():
    series = svg_charts.Series(
        "A", {2011: 1.0, 2012: 2.0, 2013: None, 2014: 3.0, 2015: 4.0, 2016: 5.0}, "#000000", breaks=(2015,)
    )
    svg = svg_charts.line_chart([series], years=list(range(2011, 2017)), y_title="t", y_format=str)
    lines = re.findall(r"<polyline points=\"([^\"]+)\"", svg)
    # 2011-2012 joined; 2013 is a gap; 2014 stands alone before the break; 2015-2016 joined
    assert [len(points.split()) for points in lines] == [2, 2]


def test_the_png_text_outlines_replace_every_text_element():
    series = svg_charts.Series("A", {2020: 1.0, 2021: 2.0}, "#000000")
    export = svg_charts.ExportText(title="Title", subtitle="Subtitle", source="Source: somewhere.")
    svg = svg_charts.line_chart(
        [series], years=[2020, 2021], y_title="t", y_format=str, page=False, export=export
    )
    assert svg.count("<text") > 5
    outlined = svg_charts.outline_text(svg)
    if svg_charts.glyph_outlines() is None:
        pytest.skip("Liberation Sans is not installed: text is rasterised as text")
    assert "<text" not in outlined and "<use " in outlined
