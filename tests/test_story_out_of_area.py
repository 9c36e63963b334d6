"""The out-of-area placements chapter (analysis/stories/out_of_area.py) on the real published data.

Values are checked against the upstream DfE files, parsed here independently with the csv module (not
against numbers copied from the module's output); the rest are properties that must hold for any refresh.
"""

from __future__ import annotations

import csv
import re
from collections import defaultdict
from pathlib import Path

import polars as pl
import pytest

from analysis import charts
from analysis.stories import out_of_area as story

CLA = Path("dfe") / "children-looked-after"
EES_COLUMNS = [
    "time_period",
    "time_identifier",
    "geographic_level",
    "country_code",
    "country_name",
    "source_id",
    "source_release",
]


def _rows(path: Path) -> list[dict[str, str]]:
    with path.open(newline="", encoding="utf-8-sig", errors="replace") as handle:
        return [{k.strip(): (v or "").strip() for k, v in row.items()} for row in csv.DictReader(handle)]


def _sfr_england(mirror: Path, year: int, column: str) -> int:
    folder = {2011: "sfr-2011/SFR21_CLA.csv", 2012: "sfr-2012/SFR20_CLA2012.csv"}[year]
    rows = [r for r in _rows(mirror / CLA / folder) if r["geog_l"] == "NATIONAL"]
    assert len(rows) == 1
    return int(rows[0][column])


def _ees(mirror: Path, release: int, name: str) -> list[dict[str, str]]:
    return _rows(mirror / CLA / f"ees-{release}" / "data" / name)


def _netgain(
    mirror: Path, release: int, year: int, level: str, start: str, la_code: str | None = None
) -> str:
    name = "la_cla_on_31_march_la_of_placement_netgain.csv"
    found = [
        r["number"]
        for r in _ees(mirror, release, name)
        if r["time_period"] == str(year)
        and r["geographic_level"] == level
        and r["characteristic"].startswith(start)
        and (la_code is None or r["old_la_code"] == la_code)
    ]
    assert len(found) == 1, (year, level, start, la_code, found)
    return found[0]


def _cla_total(mirror: Path, release: int, year: int, la_code: str) -> int:
    found = [
        r["number"]
        for r in _ees(mirror, release, "cla_number_and_rate_per_10k_children.csv")
        if r["time_period"] == str(year)
        and r["geographic_level"] == "Local authority"
        and r["old_la_code"] == la_code
        and r["population_count"] == "Children looked after at 31 March each year"
    ]
    assert len(found) == 1
    return int(found[0])


@pytest.fixture(scope="module")
def latest() -> int:
    return story.latest_year()


# --------------------------------------------------------------------------------------------------
# National trend
# --------------------------------------------------------------------------------------------------


def test_trend_matches_the_sfr_files(mirror_dir):
    frame = story.national_trend()
    for year in (2011, 2012):
        for measure, column in ((story.OUTSIDE, "CLA_Outbound"),):
            value = frame.filter(pl.col("time_period") == year, pl.col("measure") == measure)[
                "value"
            ].to_list()
            assert value == [_sfr_england(mirror_dir, year, column)]
    inside_2012 = frame.filter(pl.col("time_period") == 2012, pl.col("measure") == story.INSIDE)[
        "value"
    ].to_list()
    assert inside_2012 == [_sfr_england(mirror_dir, 2012, "CLAA_InBound")]


def test_trend_latest_year_matches_the_ees_2024_file(mirror_dir, latest):
    frame = story.national_trend()
    value = frame.filter(pl.col("time_period") == latest, pl.col("measure") == story.OUTSIDE)["value"].item()
    assert str(value) == _netgain(mirror_dir, 2024, latest, "National", "2.")


def test_trend_frame_is_national_two_measures_one_row_each():
    frame = story.national_trend()
    assert set(EES_COLUMNS) <= set(frame.columns)
    assert set(frame["geographic_level"]) == {"National"}
    assert set(frame["measure"]) == {story.INSIDE, story.OUTSIDE}
    assert not frame.select("time_period", "measure").is_duplicated().any()
    assert frame["value"].null_count() == 0
    years = sorted(frame["time_period"].unique().to_list())
    assert years == list(range(years[0], years[-1] + 1))


def test_trend_break_is_where_the_parts_start_adding_up():
    national = story._national()
    for year in story.national_trend()["time_period"].unique().to_list():
        total = story._national_value(story.TOTAL, year)
        parts = story._national_value(story.INSIDE, year) + story._national_value(story.OUTSIDE, year)
        if year >= story.PARTS_ADD_UP_FROM:
            assert abs(total - parts) <= 20, year  # three figures each rounded to the nearest 10
        else:
            assert total - parts > 20, year
    assert national.filter(pl.col("time_period") == story.PARTS_ADD_UP_FROM - 1).height
    assert [b.at for b in story.trend_breaks()] == [story.PARTS_ADD_UP_FROM]


def test_trend_title_direction_follows_the_data():
    frame = story.national_trend()
    out = frame.filter(pl.col("measure") == story.OUTSIDE).sort("time_period")["value"]
    text = story.national_trend_text(frame)
    assert ("rose" in text.title) == (out[-1] > out[0])
    assert f"{out[-1]:,}" in text.title and f"{out[-1]:,}" in text.alt


def test_national_share_is_derived_from_the_two_counts(latest):
    share = story.national_share(latest)
    assert 0 < share < 100
    assert share == pytest.approx(
        story._national_value(story.OUTSIDE, latest) / story._national_value(story.TOTAL, latest) * 100
    )


# --------------------------------------------------------------------------------------------------
# Distance
# --------------------------------------------------------------------------------------------------


def test_distance_parts_and_derived_2017(mirror_dir):
    frame = story.distance_trend()
    assert set(frame["measure"]) == {story.OVER_20, story.OVER_20_IN, story.OVER_20_OUT}
    wide = frame.pivot(on="measure", index="time_period", values="value")
    # the total is the two parts (each rounded to the nearest 10 by DfE): within rounding
    assert ((wide[story.OVER_20] - wide[story.OVER_20_IN] - wide[story.OVER_20_OUT]).abs() <= 10).all()
    sfr = [r for r in _rows(mirror_dir / CLA / "sfr-2017" / "SFR50_CLA2017.csv") if r["geog_l"] == "NATIONAL"]
    assert len(sfr) == 1
    expected = int(sfr[0]["CLA_InLA_GT20"]) + int(sfr[0]["CLA_OutLA_GT20"])
    assert wide.filter(pl.col("time_period") == 2017)[story.OVER_20].item() == expected
    notes = story.distance_notes(frame)
    assert any(n.startswith("2017") and "derived" in n for n in notes)


# --------------------------------------------------------------------------------------------------
# Children's homes
# --------------------------------------------------------------------------------------------------


def test_childrens_homes_definitions_never_share_a_year_or_a_series():
    frame = story.childrens_homes_trend()
    for series, group in frame.group_by(story.HOMES_SERIES):
        assert group["definition"].n_unique() == 1, series
        assert not group["time_period"].is_duplicated().any()
    sfr = frame.filter(pl.col(story.HOMES_SERIES) == "sfr")
    new = frame.filter(pl.col(story.HOMES_SERIES) != "sfr")
    assert set(sfr["definition"]) == {story.HOMES_SFR}
    assert set(new["definition"]) == {story.HOMES_REGULATED}
    assert sfr["time_period"].max() < story.HOMES_CATEGORY_FROM <= new["time_period"].min()
    assert not set(sfr["time_period"]) & set(new["time_period"])
    assert [b.at for b in story.homes_breaks()] == [story.HOMES_CATEGORY_FROM]


def test_childrens_homes_share_matches_the_ees_file(mirror_dir):
    share = story.homes_share(2024)
    rows = _ees(mirror_dir, 2024, "national_cla_on_31_march_by_characteristics.csv")
    found = {
        r["characteristic"][:5]: int(r["number"])
        for r in rows
        if r["time_period"] == "2024"
        and r["cla_group"] == "Placement"
        and r["characteristic"][:5] in ("4c.1 ", "4c.2 ")
    }
    assert share["inside"] == found["4c.1 "] and share["outside"] == found["4c.2 "]
    assert share["share"] == pytest.approx(found["4c.2 "] / (found["4c.1 "] + found["4c.2 "]) * 100)
    assert 0 < share["share"] < 100


def test_the_46_percent_is_cited_with_both_wordings():
    rows = story.homes_comparison_rows()
    text = " ".join(" ".join(r) for r in rows)
    assert "many miles from home" in text and "outside of their home authority" in text
    assert "Introduction, paragraph 5" in text and "para 8" in text
    for row in rows[2:]:
        assert "derived" in row[2]
        assert re.match(r"31 March \d{4}$", row[1])


# --------------------------------------------------------------------------------------------------
# Councils
# --------------------------------------------------------------------------------------------------


def test_council_shares_are_percentages_and_never_zero_for_missing(latest):
    frame = story.council_shares(latest)
    assert set(frame["geographic_level"]) == {"Local authority"}
    assert not frame["new_la_code"].is_duplicated().any()
    shares = frame[story.SHARE].drop_nulls()
    assert ((shares >= 0) & (shares <= 100)).all()
    missing = frame.filter(pl.col(story.SHARE).is_null())
    assert (missing["value"].is_null() | (missing[story.TOTAL] == 0)).all()
    assert missing["share_note"].null_count() == 0
    suppressed = frame.filter(pl.col("value").is_null())
    assert suppressed.height and suppressed[story.SHARE].null_count() == suppressed.height
    assert frame.filter(pl.col(story.SHARE).is_not_null())["share_note"].null_count() == len(shares)
    note = story.no_figure_note(frame)
    for name in missing["la_name"]:
        assert name in note


def test_council_share_recomputed_from_the_raw_files(mirror_dir, latest):
    frame = story.council_shares(latest)
    top = story.top_councils(frame, 1).row(0, named=True)
    outside = int(_netgain(mirror_dir, 2024, latest, "Local authority", "2.", top["old_la_code"]))
    total = _cla_total(mirror_dir, 2024, latest, top["old_la_code"])
    assert top[story.SHARE] == pytest.approx(round(outside / total * 100, 1))


def test_top_councils_are_the_highest_and_keep_ties(latest):
    frame = story.council_shares(latest)
    top = story.top_councils(frame, 20)
    assert top.height >= 20 and top[story.SHARE].null_count() == 0
    assert top[story.SHARE].to_list() == sorted(top[story.SHARE].to_list(), reverse=True)
    rest = frame.filter(
        ~pl.col("new_la_code").is_in(top["new_la_code"].to_list()), pl.col(story.SHARE).is_not_null()
    )
    assert rest[story.SHARE].max() < top[story.SHARE].min()


# --------------------------------------------------------------------------------------------------
# Net flows
# --------------------------------------------------------------------------------------------------


def test_net_flows_identity_and_raw_values(mirror_dir, latest):
    frame = story.net_flows(latest)
    both = frame.drop_nulls([story.PLACED_IN, story.OUTSIDE, "value"])
    assert both.height > 100
    assert (both["value"] == both[story.PLACED_IN] - both[story.OUTSIDE]).all()
    top = both.sort("value", descending=True).row(0, named=True)
    assert str(top["value"]) == _netgain(
        mirror_dir, 2024, latest, "Local authority", "Net gain", top["old_la_code"]
    )
    assert str(top[story.PLACED_IN]) == _netgain(
        mirror_dir, 2024, latest, "Local authority", "1.", top["old_la_code"]
    )


def test_net_extremes_signs_and_scatter_labels(latest):
    frame = story.net_flows(latest)
    ext = story.net_extremes(frame, 10)
    assert (ext["value"] != 0).all()
    assert ext.filter(pl.col("value") > 0).height >= 10 and ext.filter(pl.col("value") < 0).height >= 10
    shown = frame.drop_nulls("value")
    assert ext["value"].max() == shown["value"].max() and ext["value"].min() == shown["value"].min()
    assert set(story.scatter_labels(frame)) <= set(frame["la_name"])


# --------------------------------------------------------------------------------------------------
# Published figures and the debate
# --------------------------------------------------------------------------------------------------


def test_appg_2011_figures_are_cited_beside_the_sfr(mirror_dir):
    rows = story.appg_2011_rows()
    assert [r[0] for r in rows][1].startswith("nearly")
    assert f"{_sfr_england(mirror_dir, 2011, 'CLA_Outbound'):,}" in rows[1][2]
    assert f"{_sfr_england(mirror_dir, 2011, 'CLA_Mar2011'):,}" in rows[0][2]
    assert all("para 47" in r[1] for r in rows)
    assert "22,000" in story.appg_2011_text()


def test_debate_change_is_recomputed_from_the_raw_files(mirror_dir):
    d = story.debate_2019()
    base = _sfr_england(mirror_dir, 2012, "CLA_Outbound")
    at_debate = int(_netgain(mirror_dir, 2023, 2019, "National", "2."))
    assert d["change_to_debate"] == pytest.approx((at_debate - base) / base * 100)
    assert d["claimed"]["value"] == 77
    assert d["councils_placing_out"] <= d["councils_published"] <= d["councils_all"]
    text = " ".join(" ".join(r) for r in story.debate_2019_rows())
    assert "Not reproduced" in text and "No Place at Home" in text


def test_revisions_count_recomputed_independently():
    from analysis import data

    path = data.data_dir() / "tidy" / f"{story.REVISIONS}.csv"
    releases: dict[tuple, list[tuple[str, str]]] = defaultdict(list)
    for row in _rows(path):
        key = (
            row["time_period"],
            row["geographic_level"],
            row["old_la_code"],
            row["region_code"],
            row["measure"],
        )
        releases[key].append((row["value"], row["latest_value"]))
    revised = sum(any(v != latest for v, latest in values) for values in releases.values())
    summary = story.revisions_summary()
    assert summary["values"] == len(releases)
    assert summary["revised"] == revised
    assert 0 <= summary["revised"] <= summary["values"]


# --------------------------------------------------------------------------------------------------
# Text and charts
# --------------------------------------------------------------------------------------------------

TEXTS = [
    story.intro_text,
    story.key_findings,
    story.trend_summary_text,
    story.trend_break_text,
    story.distance_summary_text,
    story.homes_summary_text,
    story.homes_wording_text,
    story.homes_break_text,
    story.councils_summary_text,
    story.flows_summary_text,
    story.appg_2011_text,
    story.revisions_text,
    story.coverage_text,
]


@pytest.mark.parametrize("function", TEXTS, ids=lambda f: f.__name__)
def test_texts_have_no_missing_values(function):
    text = function()
    assert text.strip()
    assert not re.search(r"\b(None|nan|NaN|null|inf)\b", text)


def test_key_findings_are_dated_and_sourced():
    bullets = [b for b in story.key_findings().splitlines() if b.startswith("- ")]
    assert 3 <= len(bullets) <= 5
    for bullet in bullets:
        assert "31 March" in bullet
        assert "Department for Education" in bullet


def test_every_chart_builds_with_provenance_columns_and_a_table(latest):
    frames = {
        "trend": story.national_trend(),
        "distance": story.distance_trend(),
        "homes": story.childrens_homes_trend(),
        "councils": story.council_shares(latest),
        "flows": story.net_flows(latest),
    }
    built = [
        charts.line(
            frames["trend"],
            color="measure",
            labels=story.TREND_LABELS,
            title="t",
            y_title="Children",
            breaks=story.trend_breaks(),
        ),
        charts.line(
            frames["distance"], color="measure", labels=story.DISTANCE_LABELS, title="t", y_title="Children"
        ),
        charts.line(
            frames["homes"],
            color=story.HOMES_SERIES,
            labels=story.HOMES_LABELS,
            title="t",
            y_title="Children",
            breaks=story.homes_breaks(),
        ),
        charts.ranked_bar(
            story.top_councils(frames["councils"]),
            value=story.SHARE,
            title="t",
            value_title="%",
            reference=story.england_reference(),
        ),
        charts.hex_map(frames["councils"], value=story.SHARE, title="t", value_title="%"),
        charts.ranked_bar(
            story.net_extremes(frames["flows"]), value="value", title="t", value_title="Children"
        ),
        story.with_parity_line(
            charts.scatter(
                frames["flows"],
                x=story.OUTSIDE,
                y=story.PLACED_IN,
                title="t",
                x_title="Placed out",
                y_title="Placed in",
            ),
            frames["flows"],
        ),
    ]
    for frame in frames.values():
        assert set(EES_COLUMNS) <= set(frame.columns)
    for chart in built:
        table = charts.table_frame(chart)
        assert table.height > 0
        assert not any("None" in str(v) for row in table.iter_rows() for v in row)
