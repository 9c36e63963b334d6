"""Chapter "Out-of-area placements" (book/out-of-area.md): frames, chart texts and sentences from data.

Every number the chapter prints comes from a function here, read from the published datasets in data/tidy
(placements_at_31_march, placements_revisions, childrens_homes_placements, published_figures). Shares are
DERIVED here from two published counts and are labelled so; figures stated only in documents (the 46% of
2012, the APPG's 2011 counts, the 2019 debate's +77%) come from published_figures with their citation.

Definition rules kept here (see data/reference/measures.csv):
- placed inside / outside the boundary: in the 2011-2014 SFRs the two parts add up to less than the total,
  so the trend chart breaks at 2015 (TREND_BREAKS);
- placed over 20 miles: national from 2017 (2017 derived from the SFR's two parts), councils 2017 and
  2020-2024; children whose distance is not known are in no band;
- children's homes: DfE's 2018+ category "Children's homes (subject to Children's Homes Regulations)" is
  split by boundary; the 2011-2017 SFR category "Secure units, children's homes and hostels" is another
  definition and is only ever drawn as its own series, on the other side of a break.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import altair as alt
import polars as pl

from analysis import data, site

PLACEMENTS = "placements_at_31_march"
REVISIONS = "placements_revisions"
HOMES = "childrens_homes_placements"
FIGURES = "published_figures"

INSIDE = "placed_inside_la_boundary"
OUTSIDE = "placed_outside_la_boundary"
PLACED_IN = "placed_in_la_by_other_las"
NET_GAIN = "net_gain"
TOTAL = "children_looked_after"
OVER_20 = "placed_over_20_miles"
OVER_20_IN = "placed_over_20_miles_inside_la_boundary"
OVER_20_OUT = "placed_over_20_miles_outside_la_boundary"

HOMES_REGULATED = "Children's homes (subject to Children's Homes Regulations)"
HOMES_SFR = "Secure units, children's homes and hostels"
HOMES_TOTAL = "childrens_home_placements"
HOMES_IN = "childrens_home_placements_inside_la_boundary"
HOMES_OUT = "childrens_home_placements_outside_la_boundary"

# The 2011-2014 SFRs leave some children out of both the inside and the outside count (measures.csv).
PARTS_ADD_UP_FROM = 2015
# The SFR children's homes category (2011-2017) and DfE's 2018+ children's homes category differ.
HOMES_CATEGORY_FROM = 2018

# Series labels for the charts (legend and table columns).
TREND_LABELS = {
    OUTSIDE: "Placed outside their council's boundary",
    INSIDE: "Placed inside their council's boundary",
}
DISTANCE_LABELS = {
    OVER_20: "All placed more than 20 miles from home",
    OVER_20_OUT: "of whom outside their council's boundary",
    OVER_20_IN: "of whom inside their council's boundary",
}
HOMES_SERIES = "series"
HOMES_LABELS = {
    "outside": "Children's homes: placed outside their council's boundary",
    "inside": "Children's homes: placed inside their council's boundary",
    "sfr": "Old category: secure units, children's homes and hostels (no boundary split)",
}

# Published figures used in this chapter (data/reference/published_figures.csv).
APPG_46 = "appg12_008"
LGA_46 = "lga12_005"
APPG_TOTAL_2011 = "appg12_036"
APPG_OUTSIDE_2011 = "appg12_037"
APPG_OVER_20_2011 = "appg12_038"
DEBATE_77 = "deb19_006"
DEBATE_80 = "deb19_015"


@dataclass(frozen=True)
class ChartText:
    """A chart's title (the finding), subtitle and alt text, all computed from the chart's frame."""

    title: str
    subtitle: str
    alt: str


# --------------------------------------------------------------------------------------------------
# Small helpers
# --------------------------------------------------------------------------------------------------


def _n(value: int | float) -> str:
    return f"{int(value):,}"


def _pct(value: float) -> str:
    return f"{value:.1f}%"


def _share(part: int | float, whole: int | float) -> float | None:
    """part / whole x 100, or None when whole is 0 or a value is missing (never 0 for 'unknown')."""
    if part is None or whole is None or whole == 0:
        return None
    return part / whole * 100


def _change(before: int | float, after: int | float) -> float:
    return (after - before) / before * 100


def direction(
    before: float, after: float, *, up: str = "rose", down: str = "fell", same: str = "was unchanged"
) -> str:
    """The verb for a change, from the data (so a refresh cannot make a title false)."""
    if after > before:
        return up
    if after < before:
        return down
    return same


def cite(frame: pl.DataFrame) -> str:
    """A short source for prose: publisher and publication, then the release(s) the frame's rows come from
    (several statistical first releases are named together: 'years ending 31 March 2011 to 2014')."""
    groups: dict[str, dict[str, list[str]]] = {}
    for use in data.source_uses(frame):
        title = use.publication.split(" (SSDA903)")[0]
        group = groups.setdefault(f"{use.publisher}, {title}", {"sfr": [], "other": []})
        if "statistical first release" in use.publication:
            group["sfr"].append(use.release)
        else:
            entry = f"Explore Education Statistics release, {use.release}"
            if entry not in group["other"]:
                group["other"].append(entry)
    parts = []
    for name, group in groups.items():
        releases = []
        sfr = sorted(set(group["sfr"]))
        years = [int(r[-4:]) for r in sfr if r[-4:].isdigit()]
        if len(sfr) == 1:
            releases.append(f"statistical first release, {sfr[0]}")
        elif sfr and len(years) == len(sfr):
            releases.append(f"statistical first releases, years ending 31 March {data.year_ranges(years)}")
        elif sfr:
            releases.append("statistical first releases, " + "; ".join(sfr))
        releases += group["other"]
        parts.append(f"{name}: {'; '.join(releases)}")
    return "; ".join(parts)


def placements() -> pl.DataFrame:
    return data.load(PLACEMENTS)


def _national(frame: pl.DataFrame | None = None) -> pl.DataFrame:
    frame = placements() if frame is None else frame
    return frame.filter(pl.col("geographic_level") == "National")


def _row(frame: pl.DataFrame, **filters: Any) -> dict[str, Any]:
    """Exactly one row matching filters (an error otherwise: a headline must never be ambiguous)."""
    for column, wanted in filters.items():
        frame = frame.filter(pl.col(column) == wanted)
    if frame.height != 1:
        raise ValueError(f"expected one row for {filters}, found {frame.height}")
    row = frame.row(0, named=True)
    if row.get("value") is None:
        raise ValueError(f"no published value for {filters}: {row.get('value_note')}")
    return row


def _one(frame: pl.DataFrame, **filters: Any) -> pl.DataFrame:
    for column, wanted in filters.items():
        frame = frame.filter(pl.col(column) == wanted)
    if frame.height != 1:
        raise ValueError(f"expected one row for {filters}, found {frame.height}")
    return frame


def latest_year() -> int:
    """The latest year with a national count of children placed outside their council's boundary."""
    return int(
        _national().filter(pl.col("measure") == OUTSIDE, pl.col("value").is_not_null())["time_period"].max()
    )


def first_year(measure: str = OUTSIDE) -> int:
    return int(
        _national().filter(pl.col("measure") == measure, pl.col("value").is_not_null())["time_period"].min()
    )


def figure(figure_id: str) -> dict[str, Any]:
    """One row of published_figures (a document's figure, with its quote and citation)."""
    rows = data.load(FIGURES).filter(pl.col("figure_id") == figure_id)
    if rows.height != 1:
        raise KeyError(f"published figure {figure_id!r} not found in {FIGURES}")
    return rows.row(0, named=True)


# --------------------------------------------------------------------------------------------------
# 1. National trend: inside / outside the boundary
# --------------------------------------------------------------------------------------------------


def trend_breaks() -> list:
    from analysis import charts

    label = (
        f"From {PARTS_ADD_UP_FROM} inside + outside = all;\n{first_year()}-{PARTS_ADD_UP_FROM - 1}: some children"
        "\nin neither count"
    )
    return [charts.Break(PARTS_ADD_UP_FROM, label)]


def national_trend() -> pl.DataFrame:
    """England, every year: children placed inside and outside their council's boundary (counts)."""
    frame = _national().filter(pl.col("measure").is_in([INSIDE, OUTSIDE]))
    return frame.sort("measure", "time_period")


def _national_value(measure: str, year: int) -> int:
    return int(_row(_national(), measure=measure, time_period=year)["value"])


def national_share(year: int) -> float:
    """DERIVED: children placed outside their council's boundary / all children looked after x 100."""
    return _share(_national_value(OUTSIDE, year), _national_value(TOTAL, year))


def trend_break_text() -> str:
    frame = _national().filter(pl.col("time_period") < PARTS_ADD_UP_FROM)
    short = []
    for year in sorted(frame["time_period"].unique().to_list()):
        total = _national_value(TOTAL, year)
        parts = _national_value(INSIDE, year) + _national_value(OUTSIDE, year)
        short.append(
            f"{_n(total - parts)} children in {year}" if not short else f"{_n(total - parts)} in {year}"
        )
    return (
        f"Up to {PARTS_ADD_UP_FROM - 1}, the inside and outside counts add up to fewer children than the total "
        f"looked after (the gap: {', '.join(short)}). Some children are in neither count, and DfE's notes do not say "
        f"why. The chart therefore does not join the lines across {PARTS_ADD_UP_FROM}. Source: "
        f"{cite(frame.filter(pl.col('measure').is_in([TOTAL, INSIDE, OUTSIDE])))}."
    )


def national_trend_text(frame: pl.DataFrame) -> ChartText:
    out = frame.filter(pl.col("measure") == OUTSIDE).sort("time_period")
    ins = frame.filter(pl.col("measure") == INSIDE).sort("time_period")
    y0, y1 = int(out["time_period"][0]), int(out["time_period"][-1])
    a, b = int(out["value"][0]), int(out["value"][-1])
    title = f"Children placed outside their council's boundary {direction(a, b)} from {_n(a)} in {y0} to {_n(b)} in {y1}"
    alt_text = (
        f"Line chart of children looked after in England at 31 March, {y0} to {y1}, by whether they were placed "
        f"inside or outside the boundary of the council responsible for them. Outside: {_n(a)} in {y0}, "
        f"{_n(b)} in {y1}. Inside: {_n(ins['value'][0])} in {y0}, {_n(ins['value'][-1])} in {y1}. A dashed "
        f"line before {PARTS_ADD_UP_FROM} marks that in {y0} to {PARTS_ADD_UP_FROM - 1} some children were in "
        "neither count, so the lines are not joined across it."
    )
    return ChartText(
        title, "Children looked after at 31 March, England (number, rounded to the nearest 10)", alt_text
    )


def trend_summary_text() -> str:
    y0, y1 = first_year(), latest_year()
    out0, out1 = _national_value(OUTSIDE, y0), _national_value(OUTSIDE, y1)
    tot0, tot1 = _national_value(TOTAL, y0), _national_value(TOTAL, y1)
    s0, s1 = national_share(y0), national_share(y1)
    rows = _national().filter(
        pl.col("measure").is_in([OUTSIDE, TOTAL]), pl.col("time_period").is_in([y0, y1])
    )
    return (
        f"At 31 March {y1}, {_n(out1)} of the {_n(tot1)} children looked after in England were placed outside "
        f"their own council's boundary: {_pct(s1)} (derived here: placed outside ÷ all children looked after). "
        f"At 31 March {y0} it was {_n(out0)} of {_n(tot0)} ({_pct(s0)}). The number placed outside "
        f"{direction(out0, out1)} by {_pct(abs(_change(out0, out1)))}; the number of children looked after "
        f"{direction(tot0, tot1)} by {_pct(abs(_change(tot0, tot1)))}. "
        f"Source: {cite(rows)}."
    )


# --------------------------------------------------------------------------------------------------
# 2. Distance: more than 20 miles from home
# --------------------------------------------------------------------------------------------------


def distance_trend() -> pl.DataFrame:
    """England: children placed more than 20 miles from home, and the inside/outside split (2017+)."""
    frame = _national().filter(
        pl.col("measure").is_in([OVER_20, OVER_20_IN, OVER_20_OUT]), pl.col("value").is_not_null()
    )
    return frame.sort("measure", "time_period")


def distance_trend_text(frame: pl.DataFrame) -> ChartText:
    total = frame.filter(pl.col("measure") == OVER_20).sort("time_period")
    out = frame.filter(pl.col("measure") == OVER_20_OUT).sort("time_period")
    y0, y1 = int(total["time_period"][0]), int(total["time_period"][-1])
    a, b = int(total["value"][0]), int(total["value"][-1])
    title = f"Children placed more than 20 miles from home {direction(a, b)} from {_n(a)} in {y0} to {_n(b)} in {y1}"
    alt_text = (
        f"Line chart of children looked after in England placed more than 20 miles from home, at 31 March {y0} "
        f"to {y1}: {_n(a)} in {y0} and {_n(b)} in {y1}. Of them, those placed outside their council's boundary: "
        f"{_n(out['value'][0])} in {y0} and {_n(out['value'][-1])} in {y1}; the rest were inside it."
    )
    return ChartText(
        title, "Children looked after at 31 March, England (number, rounded to the nearest 10)", alt_text
    )


def distance_notes(frame: pl.DataFrame) -> list[str]:
    derived = frame.filter(pl.col("derivation").is_not_null())
    notes = []
    if derived.height:
        years = data.year_ranges(derived["time_period"].to_list())
        notes.append(
            f"{years}: the total is derived here as the sum of the two parts DfE published "
            "(inside and outside the boundary, each rounded to the nearest 10)."
        )
    notes.append("Children whose distance from home is not known or not recorded are in no band.")
    return notes


def council_distance(year: int | None = None) -> pl.DataFrame:
    """Councils: share of children looked after placed more than 20 miles from home (DERIVED), one year."""
    year = year or latest_year()
    la = placements().filter(pl.col("geographic_level") == "Local authority", pl.col("time_period") == year)
    over = la.filter(pl.col("measure") == OVER_20)
    total = la.filter(pl.col("measure") == TOTAL).select("new_la_code", pl.col("value").alias(TOTAL))
    frame = over.join(total, on="new_la_code", how="left")
    return frame.with_columns(
        pl.when(pl.col(TOTAL) > 0)
        .then((pl.col("value") / pl.col(TOTAL) * 100).round(1))
        .otherwise(None)
        .alias("share_over_20_miles_percent")
    )


def distance_summary_text() -> str:
    frame = distance_trend()
    total = frame.filter(pl.col("measure") == OVER_20).sort("time_period")
    y0, y1 = int(total["time_period"][0]), int(total["time_period"][-1])
    a, b = int(total["value"][0]), int(total["value"][-1])
    out1 = _national_value(OVER_20_OUT, y1)
    all1 = _national_value(TOTAL, y1)
    councils = council_distance(y1)
    ranked = councils.filter(pl.col("share_over_20_miles_percent").is_not_null()).sort(
        ["share_over_20_miles_percent", "la_name"], descending=[True, False]
    )
    top = _top(ranked, "share_over_20_miles_percent", 3)
    top_text = ", ".join(
        f"{r['la_name']} ({_pct(r['share_over_20_miles_percent'])})" for r in top.iter_rows(named=True)
    )
    n_third = ranked.filter(pl.col("share_over_20_miles_percent") > 100 / 3).height
    nat_rows = _national().filter(
        pl.col("measure").is_in([OVER_20, OVER_20_OUT, TOTAL]), pl.col("time_period").is_in([y0, y1])
    )
    return (
        f"At 31 March {y1}, {_n(b)} children looked after in England were placed more than 20 miles from home: "
        f"{_pct(_share(b, all1))} of all {_n(all1)} children looked after (derived). {_n(out1)} of them were "
        f"also outside their council's boundary. The number {direction(a, b)} from {_n(a)} at 31 March {y0}, "
        f"the first year with a national figure (derived for {y0} from the two parts DfE published). "
        f"Source: {cite(nat_rows)}.\n\n"
        f"By council, at 31 March {y1}, the highest shares of children placed more than 20 miles from home were "
        f"in {top_text}; {n_third} of {ranked.height} councils with a figure placed more than a third of their "
        f"children that far away (derived: placed more than 20 miles ÷ all children looked after by the council). "
        f"Source: {cite(councils)}."
    )


# --------------------------------------------------------------------------------------------------
# 3. Children's homes
# --------------------------------------------------------------------------------------------------


def homes_breaks() -> list:
    from analysis import charts

    return [
        charts.Break(
            HOMES_CATEGORY_FROM,
            f"New DfE category from {HOMES_CATEGORY_FROM}:\nchildren's homes only,\nsplit by boundary",
        )
    ]


def childrens_homes_trend() -> pl.DataFrame:
    """England: children in children's homes inside / outside their council's boundary (2018+, DfE's
    'Children's homes (subject to Children's Homes Regulations)'), and, as its own series, the 2011-2017 SFR
    category 'Secure units, children's homes and hostels'. A `series` column names which."""
    homes = data.load(HOMES).filter(pl.col("geographic_level") == "National")
    regulated = homes.filter(
        pl.col("definition") == HOMES_REGULATED, pl.col("measure").is_in([HOMES_IN, HOMES_OUT])
    )
    sfr = homes.filter(pl.col("definition") == HOMES_SFR, pl.col("measure") == HOMES_TOTAL)
    frame = pl.concat([regulated, sfr], how="vertical")
    frame = frame.with_columns(
        pl.col("measure")
        .replace_strict({HOMES_OUT: "outside", HOMES_IN: "inside", HOMES_TOTAL: "sfr"})
        .alias(HOMES_SERIES)
    )
    if frame.filter(pl.col(HOMES_SERIES) == "sfr")["time_period"].max() >= HOMES_CATEGORY_FROM:
        raise ValueError("the SFR children's homes category reaches past the break year")
    if frame.filter(pl.col(HOMES_SERIES) != "sfr")["time_period"].min() < HOMES_CATEGORY_FROM:
        raise ValueError("the 2018+ children's homes category starts before the break year")
    return frame.sort(HOMES_SERIES, "time_period")


def homes_break_text() -> str:
    return (
        f"Before {HOMES_CATEGORY_FROM}, DfE counted children in \u201csecure units, children's homes and hostels\u201d "
        "together, with no split by boundary. That older, wider category is drawn as its own line and never "
        "joined to the newer one."
    )


def homes_share(year: int | None = None) -> dict[str, Any]:
    """DERIVED share of children in children's homes placed outside their council's boundary: outside /
    (inside + outside) x 100, from DfE's two published national counts."""
    homes = data.load(HOMES).filter(
        pl.col("geographic_level") == "National", pl.col("definition") == HOMES_REGULATED
    )
    year = year or int(homes.filter(pl.col("measure") == HOMES_OUT)["time_period"].max())
    out = _row(homes, measure=HOMES_OUT, time_period=year)
    ins = _row(homes, measure=HOMES_IN, time_period=year)
    share = _share(out["value"], out["value"] + ins["value"])
    rows = homes.filter(pl.col("measure").is_in([HOMES_IN, HOMES_OUT]), pl.col("time_period") == year)
    return {
        "year": year,
        "outside": int(out["value"]),
        "inside": int(ins["value"]),
        "total": int(out["value"] + ins["value"]),
        "share": share,
        "source": cite(rows),
    }


def homes_years() -> list[int]:
    homes = data.load(HOMES).filter(
        pl.col("geographic_level") == "National",
        pl.col("definition") == HOMES_REGULATED,
        pl.col("measure") == HOMES_OUT,
    )
    return sorted(int(y) for y in homes["time_period"].unique())


def childrens_homes_text(frame: pl.DataFrame) -> ChartText:
    out = frame.filter(pl.col(HOMES_SERIES) == "outside").sort("time_period")
    ins = frame.filter(pl.col(HOMES_SERIES) == "inside").sort("time_period")
    sfr = frame.filter(pl.col(HOMES_SERIES) == "sfr").sort("time_period")
    y0, y1 = int(out["time_period"][0]), int(out["time_period"][-1])
    a, b = int(out["value"][0]), int(out["value"][-1])
    title = (
        f"Children in children's homes outside their council's boundary {direction(a, b)} "
        f"from {_n(a)} in {y0} to {_n(b)} in {y1}"
    )
    s0, s1 = sfr["time_period"][0], sfr["time_period"][-1]
    alt_text = (
        f"Line chart of children looked after in England living in children's homes at 31 March. From {y0} to "
        f"{y1}, placed outside their council's boundary: {_n(a)} in {y0} and {_n(b)} in {y1}; inside it: "
        f"{_n(ins['value'][0])} in {y0} and {_n(ins['value'][-1])} in {y1}. Before {HOMES_CATEGORY_FROM}, a "
        f"separate line shows DfE's older, wider category (secure units, children's homes and hostels, with no "
        f"split by boundary): {_n(sfr['value'][0])} in {s0} and {_n(sfr['value'][-1])} in {s1}. A dashed line "
        f"marks the change of category; the lines are not joined across it."
    )
    return ChartText(
        title, "Children looked after at 31 March, England (number, rounded to the nearest 10)", alt_text
    )


def homes_summary_text() -> str:
    first, last = homes_years()[0], homes_years()[-1]
    now, then = homes_share(last), homes_share(first)
    appg = figure(APPG_46)
    return (
        f"At 31 March {now['year']}, {_n(now['outside'])} of the {_n(now['total'])} children in children's homes "
        f"were placed outside their council's boundary: {_pct(now['share'])}. This share is derived here from "
        f"DfE's two published counts (placed outside ÷ (placed inside + placed outside)). It was "
        f"{_pct(then['share'])} at 31 March {then['year']}, the first year DfE split children's homes placements by "
        f"boundary. Source: {now['source']}.\n\n"
        f"In 2012 the figure quoted was {appg['value_as_stated']}. It comes from documents, not from DfE's "
        f"published tables, and its date is not stated, so it is shown beside today's share, not on the same line."
    )


def homes_comparison_rows() -> list[list[str]]:
    """Rows for the table: the 2012 published 46% (APPG and LGA wording) and DfE's derived shares."""
    rows = []
    for figure_id in (APPG_46, LGA_46):
        fig = figure(figure_id)
        source = fig["citation"]
        if fig.get("original_source_cited"):
            source += f". The document cites: {fig['original_source_cited']}"
        rows.append(
            [
                f"\u201c{fig['quote']}\u201d",
                f"{fig['period']} (document dated {fig['document_date']})",
                fig["value_as_stated"],
                source,
            ]
        )
    for year in (homes_years()[0], homes_years()[-1]):
        share = homes_share(year)
        rows.append(
            [
                "Children in children's homes (subject to Children's Homes Regulations) placed outside the boundary "
                "of the council responsible for them",
                f"31 March {share['year']}",
                f"{_pct(share['share'])} ({_n(share['outside'])} of {_n(share['total'])}; derived from DfE's two "
                "published counts: outside ÷ (inside + outside))",
                share["source"],
            ]
        )
    return rows


def homes_comparison_table() -> site.HTMLBlock:
    return site.HTMLBlock(
        site.html_table(
            homes_comparison_rows(),
            ["What the figure says", "Date", "Figure", "Source"],
            "Children in children's homes placed away from home: the 2012 published figure and DfE's counts",
        )
    )


def homes_wording_text() -> str:
    appg, lga = figure(APPG_46), figure(LGA_46)
    return (
        f"The two 2012 documents give the same {appg['value_as_stated']} different meanings. The APPG report says "
        f"children were \u201cplaced many miles from home\u201d ({appg['locator']}); the LGA paper says \u201cplaced "
        f"outside of their home authority\u201d ({lga['locator']}). Being outside a council's boundary is not the "
        "same as being many miles away: a child can be placed just over the border. Neither document gives the "
        "date of the count. DfE's published tables split children's homes placements by boundary only from "
        f"{homes_years()[0]}, so the two cannot be joined into one series."
    )


# --------------------------------------------------------------------------------------------------
# 4. Councils: share placed outside their boundary
# --------------------------------------------------------------------------------------------------

SHARE = "share_outside_percent"


def council_shares(year: int | None = None) -> pl.DataFrame:
    """One row per council for one year: children placed outside its boundary (value, as published), all
    children it looks after, and the DERIVED share. A share is null when a count is suppressed or the council
    looks after no children; `share_note` says why (never 0 for 'not published')."""
    year = year or latest_year()
    la = placements().filter(pl.col("geographic_level") == "Local authority", pl.col("time_period") == year)
    out = la.filter(pl.col("measure") == OUTSIDE)
    total = la.filter(pl.col("measure") == TOTAL).select(
        "new_la_code",
        pl.col("value").alias(TOTAL),
        pl.col("value_note").alias(f"{TOTAL}_note"),
        pl.col("source_id").alias(f"{TOTAL}_source_id"),
    )
    frame = out.join(total, on="new_la_code", how="left", validate="1:1")
    if frame[TOTAL].is_null().all():
        raise ValueError(f"no council totals for {year}")
    share = pl.col("value") / pl.col(TOTAL) * 100
    frame = frame.with_columns(
        pl.when(pl.col("value").is_not_null() & (pl.col(TOTAL) > 0))
        .then(share.round(1))
        .otherwise(None)
        .alias(SHARE),
        pl.when(pl.col("value").is_null())
        .then(pl.lit("not published: ") + pl.col("value_note").fill_null("no value"))
        .when(pl.col(TOTAL).is_null())
        .then(pl.lit("not published: ") + pl.col(f"{TOTAL}_note").fill_null("no value"))
        .when(pl.col(TOTAL) == 0)
        .then(pl.lit(f"no children looked after at 31 March {year}: no share"))
        .otherwise(None)
        .alias("share_note"),
        pl.lit(
            f"derived: {OUTSIDE} / {TOTAL} x 100, rounded to 1 decimal; both published by DfE for 31 March {year}"
        ).alias("share_derivation"),
    )
    return frame.sort("la_name")


def council_share_source(frame: pl.DataFrame) -> str:
    """Source line naming both files behind the derived share (outside count and total)."""
    both = pl.concat(
        [
            frame.select("time_period", "source_id"),
            frame.select("time_period", pl.col(f"{TOTAL}_source_id").alias("source_id")),
        ]
    ).drop_nulls()
    return data.source_line(both)


def _top(frame: pl.DataFrame, column: str, n: int, *, descending: bool = True) -> pl.DataFrame:
    """The n rows with the highest (or lowest) `column`, plus any tied with the n-th (a cut-off never splits
    a tie); nulls are left out."""
    shown = frame.filter(pl.col(column).is_not_null()).sort(
        [column, "la_name"], descending=[descending, False]
    )
    if shown.height <= n:
        return shown
    cut = shown[column][n - 1]
    return shown.filter(pl.col(column) >= cut if descending else pl.col(column) <= cut)


def top_councils(frame: pl.DataFrame, n: int = 20) -> pl.DataFrame:
    """The n councils with the highest derived share (more if tied at the n-th)."""
    return _top(frame, SHARE, n)


def no_figure_note(frame: pl.DataFrame) -> str:
    missing = frame.filter(pl.col(SHARE).is_null())
    if not missing.height:
        return "Every council has a figure."
    parts = [f"{r['la_name']} ({r['share_note']})" for r in missing.iter_rows(named=True)]
    return "No share for: " + "; ".join(parts) + ". They are shown as no figure, never as 0."


def england_reference(year: int | None = None) -> tuple[float, str]:
    """The England share (derived) as a reference line for the council charts."""
    year = year or latest_year()
    share = national_share(year)
    return round(share, 1), f"England {_pct(share)}"


def council_ranking_text(top: pl.DataFrame, year: int) -> ChartText:
    first = top.row(0, named=True)
    last = top.row(top.height - 1, named=True)
    england = national_share(year)
    title = (
        f"{first['la_name']} placed the largest share of its children outside its boundary: "
        f"{_pct(first[SHARE])} at 31 March {year}"
    )
    listing = "; ".join(f"{r['la_name']} {_pct(r[SHARE])}" for r in top.iter_rows(named=True))
    alt_text = (
        f"Horizontal bar chart of the {top.height} councils with the highest share of the children they look after "
        f"placed outside their own boundary at 31 March {year} (derived from DfE counts), from {first['la_name']} "
        f"({_pct(first[SHARE])}) to {last['la_name']} ({_pct(last[SHARE])}). An orange line marks England: "
        f"{_pct(england)}. The councils: {listing}."
    )
    subtitle = (
        f"The {top.height} councils with the highest share, 31 March {year}. Share derived here: "
        "placed outside ÷ all children the council looks after"
    )
    return ChartText(title, subtitle, alt_text)


def council_map_text(frame: pl.DataFrame, year: int) -> ChartText:
    shown = frame.filter(pl.col(SHARE).is_not_null())
    low = shown.sort([SHARE, "la_name"]).row(0, named=True)
    high = shown.sort([SHARE, "la_name"], descending=[True, False]).row(0, named=True)
    half = shown.filter(pl.col(SHARE) >= 50).height
    title = (
        f"Councils placed between {_pct(low[SHARE])} and {_pct(high[SHARE])} of their children outside their "
        f"boundary at 31 March {year}"
    )
    alt_text = (
        f"Hex map of English councils, one hexagon each, shaded by the share of the children they look after who "
        f"were placed outside their boundary at 31 March {year} (derived from DfE counts). Lowest: {low['la_name']} "
        f"{_pct(low[SHARE])}; highest: {high['la_name']} {_pct(high[SHARE])}. {half} of {shown.height} councils "
        f"with a figure placed at least half outside. London boroughs and some councils around London have the "
        f"darkest shades. Grey hexagons have no figure: {', '.join(frame.filter(pl.col(SHARE).is_null())['la_name'].to_list()) or 'none'}."
    )
    return ChartText(title, "Share placed outside their council's boundary (derived), by council", alt_text)


def councils_summary_text(year: int | None = None) -> str:
    year = year or latest_year()
    frame = council_shares(year)
    shown = frame.filter(pl.col(SHARE).is_not_null())
    half = shown.filter(pl.col(SHARE) >= 50).height
    median = float(shown[SHARE].median())
    london = shown.filter(pl.col("region_name") == "London")
    top10 = top_councils(frame, 10)
    london_top = top10.filter(pl.col("region_name") == "London").height
    london_words = (
        f"All {top10.height} of the highest shares were in London boroughs"
        if london_top == top10.height
        else f"{london_top} of the {top10.height} highest shares were in London boroughs"
    )
    missing = frame.filter(pl.col(SHARE).is_null())
    return (
        f"At 31 March {year}, {half} of the {shown.height} councils with a figure placed at least half of the "
        f"children they look after outside their own boundary. The middle council (median) placed "
        f"{_pct(median)}; England as a whole {_pct(national_share(year))}. {london_words} "
        f"(London median: {_pct(float(london[SHARE].median()))}). "
        f"Shares are derived here: children placed outside the boundary ÷ all children the council looks after. "
        f"{missing.height} councils have no share ({', '.join(missing['la_name'].to_list())}): their counts are "
        f"suppressed or they look after no children. Source: {cite(frame)}."
    )


# --------------------------------------------------------------------------------------------------
# 5. Net importers and exporters
# --------------------------------------------------------------------------------------------------


def net_flows(year: int | None = None) -> pl.DataFrame:
    """One row per council: net gain (value, as published: placed here by other councils minus placed
    elsewhere by this council), with the two published counts beside it. All three come from DfE's net gain
    file for the same release (checked)."""
    year = year or latest_year()
    la = placements().filter(pl.col("geographic_level") == "Local authority", pl.col("time_period") == year)
    base = la.filter(pl.col("measure") == NET_GAIN)
    for measure in (PLACED_IN, OUTSIDE):
        part = la.filter(pl.col("measure") == measure).select(
            "new_la_code",
            pl.col("value").alias(measure),
            pl.col("value_note").alias(f"{measure}_note"),
            pl.col("source_id").alias(f"{measure}_source_id"),
        )
        base = base.join(part, on="new_la_code", how="left", validate="1:1")
        differs = base.filter(pl.col(f"{measure}_source_id") != pl.col("source_id"))
        if differs.height:
            raise ValueError(
                f"{measure} and net gain come from different files for {differs['la_name'].to_list()}"
            )
        base = base.drop(f"{measure}_source_id")
    return base.sort("la_name")


def net_extremes(frame: pl.DataFrame, n: int = 10) -> pl.DataFrame:
    """The n biggest net importers and the n biggest net exporters (published net gain, no nulls)."""
    importers = _top(frame.filter(pl.col("value") > 0), "value", n)
    exporters = _top(frame.filter(pl.col("value") < 0), "value", n, descending=False)
    return pl.concat([importers, exporters]).sort(["value", "la_name"], descending=[True, False])


def net_ranking_text(frame: pl.DataFrame, year: int) -> ChartText:
    top = frame.sort("value", descending=True).row(0, named=True)
    bottom = frame.sort("value").row(0, named=True)
    title = (
        f"{top['la_name']} took in the most children from other councils, net ({top['value']:+,}); "
        f"{bottom['la_name']} sent out the most ({bottom['value']:+,}), 31 March {year}"
    )
    listing = "; ".join(f"{r['la_name']} {r['value']:+,}" for r in frame.iter_rows(named=True))
    alt_text = (
        f"Horizontal bar chart of net gain at 31 March {year}: children placed in a council's area by other "
        f"councils minus children the council placed outside its own boundary, as published by DfE. Largest net "
        f"gain: {top['la_name']} {top['value']:+,}; largest net loss: {bottom['la_name']} {bottom['value']:+,}. "
        f"Net exporters are in pink. The councils: {listing}."
    )
    importers = frame.filter(pl.col("value") > 0).height
    exporters = frame.filter(pl.col("value") < 0).height
    subtitle = (
        f"The {importers} largest net importers (blue) and {exporters} largest net exporters (pink). "
        "Net gain = placed here by other councils minus placed elsewhere by this council"
    )
    return ChartText(title, subtitle, alt_text)


def scatter_labels(frame: pl.DataFrame) -> list[str]:
    """Councils to name on the scatter: the 3 biggest net importers, the 2 biggest net exporters and the
    council that placed most children outside its boundary (ties at a cut-off are all named)."""
    names = _top(frame.filter(pl.col("value") > 0), "value", 3)["la_name"].to_list()
    names += _top(frame.filter(pl.col("value") < 0), "value", 2, descending=False)["la_name"].to_list()
    names += _top(frame, OUTSIDE, 1)["la_name"].to_list()
    return list(dict.fromkeys(names))


def net_scatter_text(frame: pl.DataFrame, year: int) -> ChartText:
    shown = frame.filter(pl.col(PLACED_IN).is_not_null() & pl.col(OUTSIDE).is_not_null())
    importers = shown.filter(pl.col(PLACED_IN) > pl.col(OUTSIDE)).height
    exporters = shown.filter(pl.col(PLACED_IN) < pl.col(OUTSIDE)).height
    most_in = shown.sort([PLACED_IN, "la_name"], descending=[True, False]).row(0, named=True)
    most_out = shown.sort([OUTSIDE, "la_name"], descending=[True, False]).row(0, named=True)
    title = (
        f"{exporters} councils placed more children elsewhere than other councils placed with them; "
        f"{importers} took in more, 31 March {year}"
    )
    alt_text = (
        f"Scatter chart, one point per council, at 31 March {year}: across, the children the council placed "
        f"outside its boundary; up, the children other councils placed inside its boundary. A grey diagonal marks "
        f"equal numbers: points above it are net importers ({importers} councils), below it net exporters "
        f"({exporters}). Most placed in by others: {most_in['la_name']} ({_n(most_in[PLACED_IN])}); most placed "
        f"outside: {most_out['la_name']} ({_n(most_out[OUTSIDE])})."
    )
    return ChartText(
        title,
        "Children looked after at 31 March, by council (number). Above the diagonal: net importers",
        alt_text,
    )


def with_parity_line(chart: alt.LayerChart, frame: pl.DataFrame) -> alt.LayerChart:
    """Add a grey y = x line (equal numbers in and out) under a charts.scatter of PLACED_IN vs OUTSIDE; it stops
    at the smaller of the two maxima so it does not stretch either axis."""
    top = min(int(frame[PLACED_IN].max() or 0), int(frame[OUTSIDE].max() or 0))
    line = (
        alt.Chart(alt.InlineData(values=[{"a": 0}, {"a": top}]))
        .mark_line(color="#6F777B", strokeDash=[4, 4], strokeWidth=1.5)
        .encode(x="a:Q", y="a:Q")
    )
    chart = chart.copy(deep=False)
    chart.layer = [line, *chart.layer]
    return chart


def flows_summary_text(year: int | None = None) -> str:
    year = year or latest_year()
    frame = net_flows(year)
    shown = frame.filter(pl.col("value").is_not_null())
    ext = net_extremes(frame, 3)
    importers = ext.filter(pl.col("value") > 0)
    exporters = ext.filter(pl.col("value") < 0).sort(["value", "la_name"])

    def listing(rows: pl.DataFrame) -> str:
        return ", ".join(
            f"{r['la_name']} ({r['value']:+,}: {_n(r[PLACED_IN])} placed in, {_n(r[OUTSIDE])} placed out)"
            for r in rows.iter_rows(named=True)
        )

    gainers = shown.filter(pl.col("value") > 0).height
    losers = shown.filter(pl.col("value") < 0).height
    missing = frame.filter(pl.col("value").is_null())["la_name"].to_list()
    nat = _row(_national(), measure=NET_GAIN, time_period=year)
    return (
        f"Some councils' areas take in many more children from other councils than they send out. At 31 March "
        f"{year} the largest net importers were {listing(importers)}. The largest net exporters were "
        f"{listing(exporters)}. {gainers} councils gained children, net, and {losers} lost them"
        + (f"; {len(missing)} had no published net gain ({', '.join(missing)})" if missing else "")
        + f". Every child one council places out is, in principle, placed in another council's area, yet DfE's "
        f"figure for England is {nat['value']:+,} (rounded to the nearest 10). DfE's data guidance does not explain "
        f"the gap; children placed outside England, who count as placed out but not as placed in, are one possible "
        f"reason. Source: {cite(frame)}."
    )


# --------------------------------------------------------------------------------------------------
# 6. The figures quoted in 2012 and 2019
# --------------------------------------------------------------------------------------------------


def appg_2011_rows() -> list[list[str]]:
    year = 2011
    total = _row(_national(), measure=TOTAL, time_period=year)
    out = _row(_national(), measure=OUTSIDE, time_period=year)
    first_distance = first_year(OVER_20)
    over = _row(_national(), measure=OVER_20, time_period=first_distance)
    rows = []
    for figure_id, dfe_text, dfe_source in (
        (
            APPG_TOTAL_2011,
            f"{_n(total['value'])} children looked after at 31 March {year}",
            cite(_one(_national(), measure=TOTAL, time_period=year)),
        ),
        (
            APPG_OUTSIDE_2011,
            f"{_n(out['value'])} placed outside their council's boundary at 31 March {year}",
            cite(_one(_national(), measure=OUTSIDE, time_period=year)),
        ),
        (
            APPG_OVER_20_2011,
            f"No DfE figure for {year} in the files this site holds. The first national "
            f"figure: {_n(over['value'])} at 31 March {first_distance}",
            cite(_one(_national(), measure=OVER_20, time_period=first_distance)),
        ),
    ):
        fig = figure(figure_id)
        stated = f"{fig['value_qualifier'] + ' ' if fig['value_qualifier'] else ''}{fig['value_as_stated']}"
        rows.append(
            [
                stated,
                f"\u201c{fig['quote']}\u201d {fig['citation']}. Cites: {fig['original_source_cited']}.",
                dfe_text,
                dfe_source,
            ]
        )
    return rows


def appg_2011_table() -> site.HTMLBlock:
    return site.HTMLBlock(
        site.html_table(
            appg_2011_rows(),
            ["APPG figure (2011)", "Quote and citation", "DfE statistics", "DfE source"],
            "The APPG's 2011 figures beside DfE's published statistics for 31 March 2011",
        )
    )


def appg_2011_text() -> str:
    out = _national_value(OUTSIDE, 2011)
    appg = figure(APPG_OUTSIDE_2011)
    over = figure(APPG_OVER_20_2011)
    gap = out - int(appg["value"])
    return (
        f"DfE's statistical first release counts {_n(out)} children placed outside their council's boundary at 31 "
        f"March 2011: {_n(abs(gap))} {'more' if gap > 0 else 'fewer'} than {appg['value_as_stated']}, while the "
        f"APPG's wording, \u201c{appg['value_qualifier']} {appg['value_as_stated']}\u201d, means a number just "
        f"under {appg['value_as_stated']}. The APPG cites a different document, "
        f"{appg['original_source_cited']}, which is not among the files this site holds, so we cannot check how it "
        f"counted (for example which date or which placements it covers). Cite each figure with its own source; "
        f"do not use one in place of the other. DfE's tables in this site have no distance figures before "
        f"{first_year(OVER_20)}, so the APPG's \u201c{over['value_qualifier']} {over['value_as_stated']}\u201d placed "
        "over 20 miles away can be cited but not checked."
    )


def debate_2019() -> dict[str, Any]:
    """DfE counts to set beside the debate's +77% since 2012 (all changes DERIVED from published counts)."""
    base_year, debate_year = 2012, 2019
    latest = latest_year()
    base = _national_value(OUTSIDE, base_year)
    at_debate = _national_value(OUTSIDE, debate_year)
    now = _national_value(OUTSIDE, latest)
    claimed = figure(DEBATE_77)
    implied = base * (1 + claimed["value"] / 100)
    series = (
        _national().filter(pl.col("measure") == OUTSIDE, pl.col("value").is_not_null()).sort("time_period")
    )
    reached = series.filter(pl.col("value") >= implied)
    highest = series.sort("value", descending=True).row(0, named=True)
    homes_first = homes_share(homes_years()[0])
    homes_debate = homes_share(debate_year) if debate_year in homes_years() else None
    la = placements().filter(
        pl.col("geographic_level") == "Local authority",
        pl.col("time_period") == debate_year,
        pl.col("measure") == OUTSIDE,
    )
    published = la.filter(pl.col("value").is_not_null())
    return {
        "base_year": base_year,
        "debate_year": debate_year,
        "latest_year": latest,
        "base": base,
        "at_debate": at_debate,
        "now": now,
        "change_to_debate": _change(base, at_debate),
        "change_to_latest": _change(base, now),
        "claimed": claimed,
        "implied": implied,
        "first_reached": int(reached["time_period"][0]) if reached.height else None,
        "highest": int(highest["value"]),
        "highest_year": int(highest["time_period"]),
        "homes_first": homes_first,
        "homes_debate": homes_debate,
        "councils_published": published.height,
        "councils_placing_out": published.filter(pl.col("value") > 0).height,
        "councils_all": la.height,
        "source": cite(
            _national().filter(
                pl.col("measure") == OUTSIDE, pl.col("time_period").is_in([base_year, debate_year, latest])
            )
        ),
        "council_source": cite(la),
    }


def debate_2019_rows() -> list[list[str]]:
    d = debate_2019()
    claim, eighty = d["claimed"], figure(DEBATE_80)
    reached = (
        f"DfE's count first reached that in {d['first_reached']}"
        if d["first_reached"]
        else f"DfE's count has not reached that in any year to {d['latest_year']} (highest: {_n(d['highest'])} "
        f"at 31 March {d['highest_year']})"
    )
    homes = d["homes_debate"]

    def more(change: float) -> str:
        return "more" if change > 0 else "fewer" if change < 0 else "(no change)"

    matches = [abs(change - claim["value"]) < 1 for change in (d["change_to_debate"], d["change_to_latest"])]
    verdict = (
        "DfE's count of children placed outside their council's boundary does not show a change of that size "
        f"between {d['base_year']} and {d['debate_year']}, nor between {d['base_year']} and {d['latest_year']}."
        if not any(matches)
        else "DfE's count of children placed outside their council's boundary shows a change of about that size, "
        "but the speech does not say this is the count it used."
    )
    homes_text = (
        f" Children in children's homes placed outside their boundary: {_n(d['homes_first']['outside'])} at "
        f"31 March {d['homes_first']['year']}, {_n(homes['outside'])} at 31 March {homes['year']} "
        f"({direction(d['homes_first']['outside'], homes['outside'], up='+', down='-', same='')}"
        f"{_pct(abs(_change(d['homes_first']['outside'], homes['outside'])))}, derived); DfE publishes no "
        f"such split for {d['base_year']}."
        if homes
        else ""
    )
    return [
        [
            f"\u201c{claim['quote']}\u201d {claim['citation']}. Source named: {claim['original_source_cited']}.",
            f"Children placed outside their council's boundary: {_n(d['base'])} at 31 March {d['base_year']}, "
            f"{_n(d['at_debate'])} at 31 March {d['debate_year']}: {_pct(abs(d['change_to_debate']))} "
            f"{more(d['change_to_debate'])} (derived). At 31 March {d['latest_year']}: {_n(d['now'])}, "
            f"{_pct(abs(d['change_to_latest']))} {more(d['change_to_latest'])} than {d['base_year']} (derived). A {claim['value_as_stated']} rise on {d['base_year']} would be about "
            f"{_n(round(d['implied'], -2))} children; {reached}.{homes_text} Source: {d['source']}.",
            f"Not reproduced. The speech does not say which count the {claim['value_as_stated']} measures, nor its "
            f"end year. {verdict} DfE's tables have no count of children's homes placements by boundary before "
            f"{homes_years()[0]} and no distance figures before {first_year(OVER_20)}, so the change since "
            f"{d['base_year']} in those cannot be worked out from them.",
        ],
        [
            f"\u201c{eighty['quote']}\u201d {eighty['citation']}. Source named: {eighty['original_source_cited']}.",
            f"{d['councils_placing_out']} of the {d['councils_published']} councils with a published figure had at "
            f"least one child placed outside their boundary at 31 March {d['debate_year']} "
            f"({_pct(_share(d['councils_placing_out'], d['councils_published']))}, derived). Source: "
            f"{d['council_source']}.",
            f"The speech does not say how the {eighty['value_as_stated']} was counted. By DfE's count, "
            f"{_pct(_share(d['councils_placing_out'], d['councils_published']))} of councils with a published figure "
            f"had at least one child placed outside their boundary at 31 March {d['debate_year']}.",
        ],
    ]


def debate_2019_table() -> site.HTMLBlock:
    return site.HTMLBlock(
        site.html_table(
            debate_2019_rows(),
            ["What was said (23 October 2019)", "What DfE's statistics show", "Why they differ"],
            "The 2019 debate's figures on out-of-area placements beside DfE's published statistics",
        )
    )


# --------------------------------------------------------------------------------------------------
# 7. Revisions
# --------------------------------------------------------------------------------------------------


def revisions_summary() -> dict[str, Any]:
    """How many values of placements_at_31_march were published by more than one DfE release and how many
    of them a later release changed (a value, or a value becoming suppressed or the reverse)."""
    rev = data.load(REVISIONS)
    keys = ["time_period", "geographic_level", "old_la_code", "region_code", "measure"]
    earlier = rev.filter(~pl.col("is_latest_release")).with_columns(
        (pl.col("value").ne_missing(pl.col("latest_value"))).alias("revised")
    )
    per_key = earlier.group_by(keys, maintain_order=True).agg(pl.col("revised").any())
    years = sorted(int(y) for y in rev["time_period"].unique())
    by_year = per_key.group_by("time_period").agg(
        pl.len().alias("values"), pl.col("revised").sum().alias("revised")
    )
    national = rev.filter(pl.col("geographic_level") == "National", pl.col("measure") == OUTSIDE)
    last_year = max(years)
    example = national.filter(pl.col("time_period") == last_year).sort("source_release")
    nat = earlier.filter(
        pl.col("geographic_level") == "National",
        pl.col("value").is_not_null(),
        pl.col("latest_value").is_not_null(),
    )
    nat_max = int((nat["value"] - nat["latest_value"]).abs().max() or 0)
    return {
        "national_max_change": nat_max,
        "years": years,
        "values": per_key.height,
        "revised": int(per_key["revised"].sum()),
        "by_year": by_year.sort("time_period"),
        "example_year": last_year,
        "example_first": example.row(0, named=True),
        "example_latest": example.filter(pl.col("is_latest_release")).row(0, named=True),
    }


def revisions_text() -> str:
    s = revisions_summary()
    first, latest = s["example_first"], s["example_latest"]
    same = first["value"] == latest["value"]
    example = (
        f"For example, England's count of children placed outside their council's boundary at 31 March "
        f"{s['example_year']} was {_n(first['value'])} in the {first['source_release']} release"
        + (" and was not changed by" if same else f" and {_n(latest['value'])} in")
        + f" the {latest['source_release']} release."
    )
    return (
        f"Each DfE release revises the four years before it, as councils correct their returns. Of the "
        f"{_n(s['values'])} values in this chapter's dataset for {data.year_ranges(s['years'])} that more than one "
        f"release published (England, regions and councils), {_n(s['revised'])} "
        f"({_pct(_share(s['revised'], s['values']))}) were changed by a later release. This site always uses the "
        f"latest release for each year. No figure for England changed by more than "
        f"{_n(s['national_max_change'])} children. {example}"
    )


def intro_text() -> str:
    """The chapter's opening: what it covers, with the years taken from the data."""
    return (
        f"Many children in care do not live in the area of the council that looks after them. This chapter shows "
        f"how many, how far from home, and which councils place most children elsewhere, at 31 March each year from "
        f"{first_year()} to {latest_year()}, from the Department for Education's statistics on children looked "
        "after in England. It also checks the figures quoted in the 2012 inquiry into children missing from care "
        "and in the 2019 Westminster Hall debate against those statistics."
    )


def coverage_text() -> str:
    """Which years and levels each series covers (for 'About these figures'), from the data."""
    frame = placements()

    def years(level: str, measure: str) -> str:
        rows = frame.filter(
            pl.col("geographic_level") == level, pl.col("measure") == measure, pl.col("value").is_not_null()
        )
        return data.year_ranges(rows["time_period"].to_list())

    return (
        f"Placed inside and outside the council's boundary, placed here by other councils, net gain: England, "
        f"regions and councils, {years('National', OUTSIDE)}. Placed more than 20 miles from home: England "
        f"{years('National', OVER_20)}; councils {years('Local authority', OVER_20)}. Children's homes placements "
        f"split by boundary: England only, {data.year_ranges(homes_years())}."
    )


# --------------------------------------------------------------------------------------------------
# Key findings
# --------------------------------------------------------------------------------------------------


def key_findings() -> str:
    """3-5 bullets, every number from data, each naming its period and source."""
    y0, y1 = first_year(), latest_year()
    out0, out1 = _national_value(OUTSIDE, y0), _national_value(OUTSIDE, y1)
    tot1 = _national_value(TOTAL, y1)
    trend_rows = _national().filter(
        pl.col("measure").is_in([OUTSIDE, TOTAL]), pl.col("time_period").is_in([y0, y1])
    )
    dist = distance_trend().filter(pl.col("measure") == OVER_20).sort("time_period")
    d0, d1 = int(dist["time_period"][0]), int(dist["time_period"][-1])
    a, b = int(dist["value"][0]), int(dist["value"][-1])
    homes = homes_share()
    appg = figure(APPG_46)
    councils = council_shares(y1)
    shown = councils.filter(pl.col(SHARE).is_not_null())
    half = shown.filter(pl.col(SHARE) >= 50).height
    high = top_councils(councils, 1).row(0, named=True)
    flows = net_flows(y1)
    top_in = (
        flows.filter(pl.col("value").is_not_null())
        .sort(["value", "la_name"], descending=[True, False])
        .row(0, named=True)
    )
    top_out = flows.filter(pl.col("value").is_not_null()).sort(["value", "la_name"]).row(0, named=True)
    bullets = [
        f"**{_n(out1)} of the {_n(tot1)} children looked after in England ({_pct(national_share(y1))}, derived) were "
        f"placed outside their own council's boundary at 31 March {y1}**, {direction(out0, out1, up='up', down='down', same='the same as')} "
        f"from {_n(out0)} ({_pct(national_share(y0))}) at 31 March {y0}. ({cite(trend_rows)}.)",
        f"**{_n(b)} children were placed more than 20 miles from home at 31 March {d1}**, "
        f"{direction(a, b, up='up', down='down', same='the same as')} from {_n(a)} at 31 March {d0}, the first year "
        f"with a national figure. ({cite(dist.filter(pl.col('time_period').is_in([d0, d1])))}.)",
        f"**{_pct(homes['share'])} of children in children's homes were placed outside their council's boundary at 31 "
        f"March {homes['year']}** ({_n(homes['outside'])} of {_n(homes['total'])}; derived from DfE's two published "
        f"counts). In 2012 the figure quoted was {appg['value_as_stated']}, from a different source "
        f"({appg['citation']}). ({homes['source']}.)",
        f"**{half} of {shown.height} councils placed at least half of their children outside their boundary at 31 "
        f"March {y1}**; {high['la_name']} placed the largest share, {_pct(high[SHARE])} (derived). ({cite(councils)}.)",
        f"**{top_in['la_name']} had the largest net gain of children placed by other councils ({top_in['value']:+,}) "
        f"and {top_out['la_name']} the largest net loss ({top_out['value']:+,}) at 31 March {y1}.** ({cite(flows)}.)",
    ]
    return "\n".join(f"- {b}" for b in bullets)
