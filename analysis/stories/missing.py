"""Chapter "Children missing from care" (book/missing.md): chart frames, titles, alt text and sentences.

Every number the chapter prints comes from the published datasets (data/tidy) through this module:

- missing_from_care: children who went missing / away without authorisation, incidents, repeat missing,
  children missing at 31 March, 2015 onwards; from 2018 also children looked after during the year (the
  denominator) and DfE's own percentages and averages.
- missing_over_24_hours: children missing for more than 24 hours AT 31 MARCH, 2011-2014 (a different,
  earlier measure: never on the same line as the 2015+ series).
- missing_incidents_by_placement: national incidents by placement type (2018+, regrouped from 2020) and by
  placement inside / outside the council boundary (2019+).
- placements_at_31_march: children placed outside their council's boundary (context for out-of-area).
- published_figures: the 2012 and 2019 figures MPs quoted, with their citations.

Frames keep the EES and provenance columns so each chart's CSV can be traced to its source file. Derived
numbers (rates per 100, shares, changes) say so in their column names, labels and sentences.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import polars as pl

from analysis import data, layout

MISSING = "missing_from_care"
OVER_24 = "missing_over_24_hours"
BY_PLACEMENT = "missing_incidents_by_placement"
PLACEMENTS = "placements_at_31_march"
FIGURES = "published_figures"

FIRST_INCIDENT_YEAR = 2015  # DfE's count of every missing incident starts in the year ending 31 March 2015
REGROUPED_FROM = 2020  # first year shown with the placement groups of the EES 2024 release

CHILDREN_MEASURES = ["children_missing", "children_missing_more_than_once", "children_away"]
INCIDENT_MEASURES = ["missing_incidents", "away_incidents"]
SNAPSHOT_OLD = "children_missing_over_24_hours_at_31_march"
SNAPSHOT_NEW = "children_missing_at_31_march"

# Placement-type groups (missing_incidents_by_placement.placement_type_group)
HOMES_OLD = "secure_units_childrens_homes_and_semi_independent_living"  # 2018-2019: includes semi-independent
HOMES_NEW = "secure_homes_and_childrens_homes"  # 2020+: secure homes and children's homes only
FOSTER = "foster_placements"  # unchanged across the regrouping

# Figures quoted in 2012 and 2019 (published_figures.figure_id: stable identifiers)
FIG_DFE_930 = "appg12_055"  # DfE: 930 children missing > 24 hours, 2011 (APPG para 85)
FIG_POLICE_CHILDREN = "appg12_056"  # UK Missing Persons Bureau: approx. 10,000 children (para 85)
FIG_POLICE_INCIDENTS = "appg12_057"  # UK Missing Persons Bureau: around 42,000 incidents (para 85)
FIG_97_PERCENT = "deb19_018"  # 2019 debate: 97% rise in incidents from children's homes since 2015
FIG_OUT_OF_AREA_DOUBLED = "deb19_019"  # same speech: missing from out-of-area placements "more than doubled"

PER_100 = "per 100 children looked after during the year"
NOT_PUBLISHED = "not published"

KEEP = layout.EES_GEOGRAPHY_COLUMNS + layout.CURRENT_LA_COLUMNS

SERIES_LABELS = {
    "children_missing": "Children who went missing",
    "children_missing_more_than_once": "Children who went missing more than once",
    "children_away": "Children away from placement without authorisation",
    "missing_incidents": "Missing incidents",
    "away_incidents": "Away without authorisation incidents",
    SNAPSHOT_OLD: "Missing more than 24 hours, at 31 March (2011-2014 measure)",
    SNAPSHOT_NEW: "Missing at 31 March, any duration (2015 onwards measure)",
    "children_missing_per_100_derived": "Children who went missing, per 100 looked after (derived)",
    "children_away_per_100_derived": "Children away without authorisation, per 100 looked after (derived)",
}


@dataclass(frozen=True)
class ChartText:
    """A chart's title (its finding), optional subtitle and alt text, all built from the chart's frame."""

    title: str
    alt: str
    subtitle: str | None = None


# --------------------------------------------------------------------------------------------------
# Small helpers
# --------------------------------------------------------------------------------------------------


def _lower_first(text: str) -> str:
    return text[:1].lower() + text[1:]


def _n(value: float | int) -> str:
    return f"{value:,.0f}"


def _one(value: float) -> str:
    return f"{value:,.1f}"


def year_ending(year: int) -> str:
    return f"the year ending 31 March {year}"


def _direction(
    first: float, last: float, up: str = "rose", down: str = "fell", same: str = "was unchanged"
) -> str:
    return up if last > first else down if last < first else same


def _change_percent(first: float, last: float) -> float:
    """Derived: percentage change from first to last."""
    return (last - first) / first * 100


def _signed(percent: float) -> str:
    return f"{'+' if percent >= 0 else '-'}{abs(percent):.0f}%"


def source_text(frame: pl.DataFrame) -> str:
    """The publisher, publication and release of a frame's rows, for a sentence (no 'Source:' prefix)."""
    return "; ".join(f"{u.publisher}, {u.publication}, {u.release}" for u in data.source_uses(frame))


def _national(dataset: str) -> pl.DataFrame:
    return data.load(dataset).filter(pl.col("geographic_level") == "National")


def _value(frame: pl.DataFrame, year: int, measure: str, column: str = "value") -> Any:
    rows = frame.filter((pl.col("time_period") == year) & (pl.col("measure") == measure))
    if rows.height != 1:
        raise ValueError(f"expected one row for {measure} in {year}, found {rows.height}")
    value = rows[column][0]
    if value is None:
        raise ValueError(f"{measure} in {year} has no {column}: {rows['value_note'][0]}")
    return value


def _row_frame(frame: pl.DataFrame, year: int, measure: str) -> pl.DataFrame:
    return frame.filter((pl.col("time_period") == year) & (pl.col("measure") == measure))


def latest_year() -> int:
    """The latest year of the missing-from-care data (year ending 31 March)."""
    return int(_national(MISSING)["time_period"].max())


def _figure(figure_id: str) -> dict[str, Any]:
    rows = data.load(FIGURES).filter(pl.col("figure_id") == figure_id)
    if rows.height != 1:
        raise KeyError(f"published figure {figure_id!r} not found in {FIGURES}")
    return rows.row(0, named=True)


def _figure_period(figure: dict[str, Any]) -> str:
    """'the year ending 31 March 2011' when the figure's period end is 31 March, else the period as stated."""
    end = figure.get("period_end_date")
    if end is not None and (end.month, end.day) == (3, 31):
        return year_ending(end.year)
    return str(figure["period"])


def _figure_as_stated(figure: dict[str, Any]) -> str:
    qualifier = figure.get("value_qualifier")
    stated = figure["value_as_stated"]
    return f"{qualifier} {stated}" if qualifier in ("approximately", "around", "nearly", "over") else stated


def measure_note(measure: str, dataset: str = MISSING) -> str:
    return data.measure(measure, dataset).definition_break_note


def recording_note() -> str:
    """DfE's warning about missing vs away recording, as recorded in data/reference/measures.csv."""
    note = measure_note("children_missing")
    start = note.find("DfE: since 2017")
    end = note.find("compare LAs and years with care")
    if start < 0 or end < 0:
        raise ValueError("measures.csv: the children_missing note no longer holds DfE's recording caveat")
    return note[start : end + len("compare LAs and years with care")] + "."


def hackney_note() -> str:
    """The data-quality note on Hackney 2021, from the dataset's own value_note (empty if none)."""
    notes = (
        data.load(MISSING)
        .filter(pl.col("value_note").str.contains("Hackney", literal=True))
        .select("value_note")
        .unique()
    )
    if notes.height == 0:
        return ""
    text = notes["value_note"][0].removeprefix("not available: ")
    return text[:1].upper() + text[1:] + "."


def trend_notes() -> list[str]:
    """Notes printed under every national missing/away chart."""
    notes = [recording_note()]
    hackney = hackney_note()
    if hackney:
        notes.append(hackney + " England's figures for that year do not include Hackney.")
    notes.append("National figures are rounded by DfE to the nearest 10.")
    return notes


# --------------------------------------------------------------------------------------------------
# Small Altair adjustments to charts built by analysis.charts (layout only; data and metadata untouched)
# --------------------------------------------------------------------------------------------------


def widen_category_labels(chart: Any, limit: int = 440) -> Any:
    """ranked_bar: let long category labels (e.g. DfE placement types) show in full instead of '...'. The
    axis title is dropped from the drawing (it would overlap long labels); the table keeps it."""
    bars = chart.layer[0]
    bars.encoding.y = bars.encoding.y.axis(labelFontSize=11, labelLimit=limit, title=None)
    return chart


def legend_title_lines(chart: Any, lines: list[str]) -> Any:
    """hex_map: a legend title on several lines (the single-line title is kept for the table and CSV)."""
    coloured = chart.layer[1]
    coloured.encoding.color = coloured.encoding.color.title(lines)
    return chart


# --------------------------------------------------------------------------------------------------
# National trends, 2015 onwards
# --------------------------------------------------------------------------------------------------


def _trend(measures: list[str]) -> pl.DataFrame:
    frame = _national(MISSING).filter(pl.col("measure").is_in(measures))
    return frame.sort("measure", "time_period")


def children_trend() -> pl.DataFrame:
    """England: children who went missing, went missing more than once, and were away without
    authorisation, each year from 2015 (the measures DfE began in 2015)."""
    return _trend(CHILDREN_MEASURES)


def incidents_trend() -> pl.DataFrame:
    """England: missing incidents and away-without-authorisation incidents, each year from 2015."""
    return _trend(INCIDENT_MEASURES)


def _first_last(frame: pl.DataFrame, measure: str) -> tuple[int, int, int, int]:
    rows = frame.filter((pl.col("measure") == measure) & pl.col("value").is_not_null()).sort("time_period")
    return (
        int(rows["time_period"][0]),
        int(rows["value"][0]),
        int(rows["time_period"][-1]),
        int(rows["value"][-1]),
    )


def children_trend_text(frame: pl.DataFrame) -> ChartText:
    y0, c0, y1, c1 = _first_last(frame, "children_missing")
    _, r0, _, r1 = _first_last(frame, "children_missing_more_than_once")
    _, a0, _, a1 = _first_last(frame, "children_away")
    title = (
        f"The number of children who went missing from care {_direction(c0, c1)} from {_n(c0)} in "
        f"{y0} to {_n(c1)} in {y1}"
    )
    alt = (
        f"Line chart, England, years ending 31 March {y0} to {y1}. Children looked after who went missing at "
        f"least once: {_n(c0)} in {y0}, {_n(c1)} in {y1}. Children who went missing more than once: {_n(r0)} "
        f"to {_n(r1)}. Children away from placement without authorisation: {_n(a0)} to {_n(a1)}."
    )
    return ChartText(title=title, alt=alt, subtitle="England, children looked after, years ending 31 March")


def incidents_trend_text(frame: pl.DataFrame) -> ChartText:
    y0, m0, y1, m1 = _first_last(frame, "missing_incidents")
    _, a0, _, a1 = _first_last(frame, "away_incidents")
    title = f"Missing incidents {_direction(m0, m1)} from {_n(m0)} in {y0} to {_n(m1)} in {y1}"
    alt = (
        f"Line chart, England, years ending 31 March {y0} to {y1}. Missing incidents: {_n(m0)} in {y0}, "
        f"{_n(m1)} in {y1}. Incidents of being away from placement without authorisation: {_n(a0)} in {y0}, "
        f"{_n(a1)} in {y1}."
    )
    return ChartText(
        title=title,
        alt=alt,
        subtitle="England, incidents involving children looked after, years ending 31 March",
    )


def rates() -> pl.DataFrame:
    """Derived: children who went missing (and who were away) per 100 children looked after during the year,
    England, from 2018 (the first year DfE publishes the denominator with the missing figures).

    value = numerator / denominator x 100, to one decimal place; published_percent is DfE's own whole-number
    percentage for comparison. Numerator and denominator come from the same file (same source_id)."""
    national = _national(MISSING)
    denominators = national.filter(pl.col("measure") == "children_looked_after_during_year").select(
        "time_period", pl.col("value").alias("denominator"), pl.col("source_id").alias("_den_source")
    )
    parts = []
    for numerator, percent, derived in (
        ("children_missing", "percent_children_missing", "children_missing_per_100_derived"),
        ("children_away", "percent_children_away", "children_away_per_100_derived"),
    ):
        published = national.filter(pl.col("measure") == percent).select(
            "time_period", pl.col("rate").alias("published_percent")
        )
        part = (
            national.filter(pl.col("measure") == numerator)
            .join(denominators, on="time_period", how="inner")
            .join(published, on="time_period", how="left")
            .with_columns(
                pl.lit(derived).alias("derived_measure"),
                pl.col("measure").alias("numerator_measure"),
                pl.col("value").alias("numerator"),
                pl.lit("children_looked_after_during_year").alias("denominator_measure"),
            )
        )
        if (part["source_id"] != part["_den_source"]).any():
            raise ValueError(f"{numerator} and its denominator come from different files")
        parts.append(part)
    frame = pl.concat(parts).with_columns(
        (pl.col("numerator") / pl.col("denominator") * 100).round(1).alias("value"),
        pl.lit(
            f"Derived: numerator / denominator x 100 ({PER_100}); published_percent is DfE's rounded figure"
        ).alias("derivation"),
    )
    columns = KEEP + [
        "derived_measure",
        "numerator_measure",
        "numerator",
        "denominator_measure",
        "denominator",
        "value",
        "published_percent",
        "derivation",
        "value_note",
        "source_id",
        "source_release",
    ]
    return frame.select(columns).sort("derived_measure", "time_period")


def rates_text(frame: pl.DataFrame) -> ChartText:
    missing = frame.filter(pl.col("derived_measure") == "children_missing_per_100_derived").sort(
        "time_period"
    )
    away = frame.filter(pl.col("derived_measure") == "children_away_per_100_derived").sort("time_period")
    y0, y1 = int(missing["time_period"][0]), int(missing["time_period"][-1])
    m0, m1 = float(missing["value"][0]), float(missing["value"][-1])
    a0, a1 = float(away["value"][0]), float(away["value"][-1])
    title = (
        f"{_one(m1)} in every 100 children looked after went missing in {y1}, against {_one(m0)} in {y0} "
        f"(derived)"
    )
    alt = (
        f"Line chart, England, years ending 31 March {y0} to {y1}, derived from DfE counts. Children who went "
        f"missing per 100 children looked after during the year: {_one(m0)} in {y0}, {_one(m1)} in {y1}. "
        f"Children away from placement without authorisation per 100: {_one(a0)} in {y0}, {_one(a1)} in {y1}."
    )
    return ChartText(
        title=title,
        alt=alt,
        subtitle=f"England. Derived from DfE counts: children who went missing (or were away) {PER_100}",
    )


# --------------------------------------------------------------------------------------------------
# The snapshot at 31 March: the 2011-2014 measure and the 2015+ measure, kept apart
# --------------------------------------------------------------------------------------------------


def snapshot_trend() -> pl.DataFrame:
    """England: children missing on 31 March. 2011-2014: only those missing for more than 24 hours (SFR
    CLA_Miss); 2015 onwards: every child missing that day, whatever the duration. Two measures (two
    series); the chart must draw a break between them."""
    old = _national(OVER_24).filter(pl.col("measure") == SNAPSHOT_OLD)
    new = _national(MISSING).filter(pl.col("measure") == SNAPSHOT_NEW)
    frame = pl.concat([old, new], how="diagonal")
    return frame.sort("measure", "time_period")


def snapshot_text(frame: pl.DataFrame) -> ChartText:
    y0, o0, y1, o1 = _first_last(frame, SNAPSHOT_OLD)
    z0, n0, z1, n1 = _first_last(frame, SNAPSHOT_NEW)
    title = "Children missing on 31 March: DfE changed the measure in 2015, so the two lines cannot be joined"
    alt = (
        f"Line chart, England, in two parts separated by a definition break at {z0}. {y0} to {y1}: children "
        f"looked after missing from their placement for more than 24 hours on 31 March, {_n(o0)} in {y0} and "
        f"{_n(o1)} in {y1}. {z0} to {z1}: children missing on 31 March whatever the duration, {_n(n0)} in {z0} "
        f"and {_n(n1)} in {z1}. Both are counts on a single day, not the number who went missing during the year."
    )
    return ChartText(
        title=title, alt=alt, subtitle="England, children looked after, count on one day (31 March)"
    )


def snapshot_notes() -> list[str]:
    """What each side of the 2015 break counts (labels from data/reference/measures.csv)."""
    old = data.measure(SNAPSHOT_OLD, OVER_24)
    new = data.measure(SNAPSHOT_NEW, MISSING)
    years = sorted(_national(OVER_24)["time_period"].unique().to_list())
    return [
        f"{years[0]} to {years[-1]}: {_lower_first(old.label)} (DfE's earlier measure). From "
        f"{FIRST_INCIDENT_YEAR}: {_lower_first(new.label)}, whatever the duration. Different definitions, so the two are drawn as separate "
        "series and must not be read as one trend.",
        recording_note(),
    ]


def snapshot_break_label() -> str:
    return "Definition\nchanged"


# --------------------------------------------------------------------------------------------------
# 2012's "statistical fog" beside today's data
# --------------------------------------------------------------------------------------------------


def fog_rows() -> list[dict[str, str]]:
    """The 2012 comparison (APPG para 85) and today's DfE counts, one row per figure: what it counts, the
    period, and where it comes from. Different measures: read across, never as a trend."""
    dfe = _figure(FIG_DFE_930)
    children = _figure(FIG_POLICE_CHILDREN)
    incidents = _figure(FIG_POLICE_INCIDENTS)
    old = _national(OVER_24).filter(pl.col("measure") == SNAPSHOT_OLD)
    first_old = int(old["time_period"].min())
    national = _national(MISSING)
    year = latest_year()
    rows = [
        {
            "figure": dfe["value_as_stated"],
            "counts": "Children in care who went missing from their placement for more than 24 hours during the "
            "year (DfE)",
            "period": _figure_period(dfe),
            "source": f"{dfe['citation']}, citing {dfe['original_source_cited']}",
        },
        {
            "figure": _n(_value(old, first_old, SNAPSHOT_OLD)),
            "counts": "Children in care missing from their placement for more than 24 hours on one day (DfE "
            "statistical release)",
            "period": f"at 31 March {first_old}",
            "source": source_text(_row_frame(old, first_old, SNAPSHOT_OLD)),
        },
        {
            "figure": _figure_as_stated(children),
            "counts": "Individual children missing from care, from police missing-person reports (estimate)",
            "period": f"{children['period']} (year not stated)",
            "source": f"{children['citation']}, citing {children['original_source_cited']}",
        },
        {
            "figure": _figure_as_stated(incidents),
            "counts": "Missing incidents of children from care, from police missing-person reports (estimate)",
            "period": f"{incidents['period']} (year not stated)",
            "source": f"{incidents['citation']}, citing {incidents['original_source_cited']}",
        },
        {
            "figure": _n(_value(national, year, "children_missing")),
            "counts": "Children in care who went missing at least once, any duration (DfE)",
            "period": year_ending(year),
            "source": source_text(_row_frame(national, year, "children_missing")),
        },
        {
            "figure": _n(_value(national, year, "missing_incidents")),
            "counts": "Missing incidents of children in care, any duration (DfE)",
            "period": year_ending(year),
            "source": source_text(_row_frame(national, year, "missing_incidents")),
        },
    ]
    return rows


def fog_table() -> Any:
    """The fog_rows as an accessible HTML table for the page."""
    from analysis import site

    rows = [[r["figure"], r["counts"], r["period"], r["source"]] for r in fog_rows()]
    return site.HTMLBlock(
        site.html_table(
            rows,
            ["Figure", "What it counts", "Period", "Source"],
            "Children missing from care: the figures quoted in 2012 and what DfE publishes now. Different measures: "
            "do not read them as a trend.",
        )
    )


def fog_text() -> str:
    dfe = _figure(FIG_DFE_930)
    children = _figure(FIG_POLICE_CHILDREN)
    incidents = _figure(FIG_POLICE_INCIDENTS)
    old = _national(OVER_24).filter(pl.col("measure") == SNAPSHOT_OLD)
    first_old = int(old["time_period"].min())
    national = _national(MISSING)
    year = latest_year()
    children_now = _value(national, year, "children_missing")
    incidents_now = _value(national, year, "missing_incidents")
    return (
        f"In June 2012 the inquiry set two figures side by side. The Department for Education counted "
        f"**{dfe['value_as_stated']} children** who went missing for more than 24 hours in {_figure_period(dfe)}. The UK "
        f'Missing Persons Bureau, making what the report calls "a basic approximation based on police data", '
        f"suggested **{_figure_as_stated(children)} children** and **{_figure_as_stated(incidents)} incidents** in "
        f"a year ({dfe['citation']}).\n\n"
        f"These are different measures. DfE counted only absences of more than 24 hours; the police figures "
        f"count every missing report. Police counts are not among this site's sources, so the police "
        f"estimates can be cited but not checked here. The {dfe['value_as_stated']} is not in the DfE files we "
        f"use either: the {first_old} statistical release gives only the children missing for more than 24 hours "
        f"on 31 March, {_n(_value(old, first_old, SNAPSHOT_OLD))}.\n\n"
        f"Since {FIRST_INCIDENT_YEAR} DfE has counted every missing incident, whatever its length. In "
        f"{year_ending(year)}, **{_n(children_now)} children** in care went missing at least once and there were "
        f"**{_n(incidents_now)} missing incidents** ({source_text(_row_frame(national, year, 'children_missing'))}). "
        f"This is a different source, definition and year from the 2012 estimates: it does not show how much "
        f"the number of missing children has changed since then."
    )


# --------------------------------------------------------------------------------------------------
# Incidents by placement type (national, 2018+; regrouped from 2020)
# --------------------------------------------------------------------------------------------------


def _by_type() -> pl.DataFrame:
    return data.load(BY_PLACEMENT).filter(
        (pl.col("breakdown") == "placement_type") & (pl.col("measure") == "missing_incidents")
    )


def _strip_number(label: str) -> str:
    head, sep, tail = label.partition(": ")
    return tail if sep and head.isdigit() else label


def placement_latest() -> pl.DataFrame:
    """England: missing incidents by the type of placement the child was missing from, latest year, as
    DfE groups them now (every group but the total), with a display label without DfE's numbering."""
    frame = _by_type()
    year = int(frame["time_period"].max())
    frame = frame.filter((pl.col("time_period") == year) & (pl.col("placement_type_group") != "total"))
    return frame.with_columns(
        pl.col("placement_type").map_elements(_strip_number, return_dtype=pl.Utf8).alias("placement")
    ).sort("value", descending=True)


# Short names for titles only (tables, CSVs and alt text keep DfE's labels)
SHORT_PLACEMENT = {
    "independent_and_semi_independent_living_and_supported_accommodation": "Independent and semi-independent living",
    HOMES_NEW: "Secure homes and children's homes",
    FOSTER: "Foster placements",
}


def placement_total(year: int) -> int:
    rows = _by_type().filter((pl.col("time_period") == year) & (pl.col("placement_type_group") == "total"))
    return int(rows["value"][0])


def placement_latest_text(frame: pl.DataFrame) -> ChartText:
    year = int(frame["time_period"][0])
    total = placement_total(year)
    top = frame.row(0, named=True)
    homes = frame.filter(pl.col("placement_type_group") == HOMES_NEW).row(0, named=True)
    name = SHORT_PLACEMENT.get(top["placement_type_group"], top["placement"])
    title = f"{name} accounted for the most missing incidents in {year}: {_n(top['value'])} of {_n(total)}"
    parts = ", ".join(f"{r['placement']} {_n(r['value'])}" for r in frame.iter_rows(named=True))
    alt = (
        f"Bar chart, England, {year_ending(year)}: missing incidents by the type of placement the child was "
        f"missing from, out of {_n(total)} in all: {parts}. Secure homes and children's homes are highlighted "
        f"({_n(homes['value'])}, {homes['value'] / total * 100:.0f}% of all incidents, derived)."
    )
    return ChartText(
        title=title, alt=alt, subtitle=f"England, {year_ending(year)}, placement groups as published by DfE"
    )


def homes_trend() -> pl.DataFrame:
    """England: missing incidents from the placement group that holds children's homes, 2018 onwards, with
    foster placements (unchanged definition) for comparison. The children's homes group changed in the 2024
    release: 2018-2019 'secure units, children's homes and semi-independent living' and 2020 onwards
    'secure homes and children's homes' are two series, never one line."""
    frame = _by_type().filter(pl.col("placement_type_group").is_in([HOMES_OLD, HOMES_NEW, FOSTER]))
    return frame.sort("placement_type_group", "time_period")


def homes_trend_labels() -> dict[str, str]:
    return {
        HOMES_OLD: "Secure units, children's homes and semi-independent living (2018-2019 grouping)",
        HOMES_NEW: "Secure homes and children's homes (grouping from 2020)",
        FOSTER: "Foster placements (unchanged)",
    }


def homes_break_label() -> str:
    return "DfE regrouped placement types\n(2024 release): children's homes\nno longer grouped with\nsemi-independent living"


def homes_trend_text(frame: pl.DataFrame) -> ChartText:
    y0, o0, y1, o1 = _group_first_last(frame, HOMES_OLD)
    z0, h0, z1, h1 = _group_first_last(frame, HOMES_NEW)
    f0y, f0, f1y, f1 = _group_first_last(frame, FOSTER)
    title = (
        f"Missing incidents from secure homes and children's homes {_direction(h0, h1)} from {_n(h0)} in "
        f"{z0} to {_n(h1)} in {z1}"
    )
    alt = (
        f"Line chart, England, in two parts separated by a break at {z0}, when DfE regrouped placement types. "
        f"{y0} to {y1}: secure units, children's homes and semi-independent living, {_n(o0)} missing incidents "
        f"in {y0} and {_n(o1)} in {y1}. {z0} to {z1}: secure homes and children's homes only, {_n(h0)} in "
        f"{z0} and {_n(h1)} in {z1}. Foster placements for comparison: {_n(f0)} in {f0y} and {_n(f1)} in {f1y}."
    )
    return ChartText(
        title=title,
        alt=alt,
        subtitle=f"England, years ending 31 March. Before {z0} DfE grouped children's homes with "
        "secure units and semi-independent living.",
    )


def _group_first_last(frame: pl.DataFrame, group: str) -> tuple[int, int, int, int]:
    rows = frame.filter((pl.col("placement_type_group") == group) & pl.col("value").is_not_null()).sort(
        "time_period"
    )
    return (
        int(rows["time_period"][0]),
        int(rows["value"][0]),
        int(rows["time_period"][-1]),
        int(rows["value"][-1]),
    )


def claim_97_text() -> str:
    """The 2019 debate's '97% rise in missing incidents from children's homes since 2015' beside what the
    published data can and cannot show."""
    claim = _figure(FIG_97_PERCENT)
    by_type = _by_type()
    first_type_year = int(by_type["time_period"].min())
    national = _national(MISSING)
    total_2015 = _value(national, FIRST_INCIDENT_YEAR, "missing_incidents")
    claim_year = int(str(claim["document_date"])[:4])
    # the latest complete year before the debate (October 2019): the year ending 31 March 2019
    end_year = claim_year if claim_year in set(national["time_period"].to_list()) else latest_year()
    total_end = _value(national, end_year, "missing_incidents")
    old = by_type.filter(pl.col("placement_type_group") == HOMES_OLD).sort("time_period")
    o0y, o0, o1y, o1 = (
        int(old["time_period"][0]),
        int(old["value"][0]),
        int(old["time_period"][-1]),
        int(old["value"][-1]),
    )
    return (
        f'In the October 2019 debate, {claim["locator"].split(", ")[0]} said: "{claim["quote"]}" '
        f"({claim['citation']}; the speech cites {claim['original_source_cited']}).\n\n"
        f"**This cannot be reproduced from DfE's published statistics used here.** DfE's national files split "
        f"missing incidents by placement type only from {year_ending(first_type_year)}, and in the releases "
        f"covering {o0y} and {o1y} children's homes are grouped with secure units and semi-independent living. "
        f"There is no published count of incidents from children's homes alone for {FIRST_INCIDENT_YEAR}.\n\n"
        f"What the published data does show:\n\n"
        f"- Missing incidents from **all** placements {_direction(total_2015, total_end)} from {_n(total_2015)} in "
        f"{year_ending(FIRST_INCIDENT_YEAR)} to {_n(total_end)} in {year_ending(end_year)}, a change of "
        f"{_signed(_change_percent(total_2015, total_end))} (derived from DfE's counts). This covers every "
        f"placement type, not children's homes alone, and includes the change in how councils record missing "
        f"and away incidents.\n"
        f"- Incidents from secure units, children's homes and semi-independent living {_direction(o0, o1)} from "
        f"{_n(o0)} in {o0y} to {_n(o1)} in {o1y} ({_signed(_change_percent(o0, o1))}, derived).\n\n"
        f"The figures behind the 97% are not in this site's sources, so the claim can be cited but not checked."
    )


# --------------------------------------------------------------------------------------------------
# Out of area: incidents from placements inside vs outside the council boundary (national, 2019+)
# --------------------------------------------------------------------------------------------------


def location_trend() -> pl.DataFrame:
    """England: missing incidents from placements inside and outside the child's council boundary."""
    frame = data.load(BY_PLACEMENT).filter(
        (pl.col("breakdown") == "placement_location")
        & (pl.col("measure") == "missing_incidents")
        & pl.col("placement_location").is_in(["inside_council_boundary", "outside_council_boundary"])
    )
    return frame.sort("placement_location", "time_period")


LOCATION_LABELS = {
    "inside_council_boundary": "From placements inside the council's boundary",
    "outside_council_boundary": "From placements outside the council's boundary",
}


def _location_values(frame: pl.DataFrame, year: int) -> tuple[int, int]:
    rows = frame.filter(pl.col("time_period") == year)
    values = dict(zip(rows["placement_location"].to_list(), rows["value"].to_list(), strict=True))
    return int(values["inside_council_boundary"]), int(values["outside_council_boundary"])


def location_text(frame: pl.DataFrame) -> ChartText:
    y0, y1 = int(frame["time_period"].min()), int(frame["time_period"].max())
    i0, o0 = _location_values(frame, y0)
    i1, o1 = _location_values(frame, y1)
    share = o1 / (i1 + o1) * 100
    title = (
        f"{share:.0f}% of missing incidents in {y1} were from placements outside the child's own council "
        f"({_n(o1)} of {_n(i1 + o1)})"
    )
    alt = (
        f"Line chart, England, years ending 31 March {y0} to {y1}. Missing incidents from placements outside "
        f"the child's council boundary: {_n(o0)} in {y0}, {_n(o1)} in {y1}. From placements inside the "
        f"boundary: {_n(i0)} in {y0}, {_n(i1)} in {y1}. In {y1}, {share:.0f}% of incidents were from "
        f"placements outside (derived)."
    )
    return ChartText(title=title, alt=alt, subtitle="England, missing incidents, years ending 31 March")


def location_summary() -> str:
    frame = location_trend()
    y0, y1 = int(frame["time_period"].min()), int(frame["time_period"].max())
    i0, o0 = _location_values(frame, y0)
    i1, o1 = _location_values(frame, y1)
    share0 = o0 / (i0 + o0) * 100
    share1 = o1 / (i1 + o1) * 100
    placements = _national(PLACEMENTS)
    placed_out = _value(placements, y1, "placed_outside_la_boundary")
    looked_after = _value(placements, y1, "children_looked_after")
    placed_share = placed_out / looked_after * 100
    doubled = _figure(FIG_OUT_OF_AREA_DOUBLED)
    source = source_text(frame.filter(pl.col("time_period") == y1))
    placement_source = source_text(
        placements.filter(
            (pl.col("time_period") == y1)
            & pl.col("measure").is_in(["placed_outside_la_boundary", "children_looked_after"])
        )
    )
    return (
        f"DfE publishes missing incidents by whether the child's placement was inside or outside their own "
        f"council's boundary, for England only, from {year_ending(y0)}. In {year_ending(y1)}, "
        f"**{_n(o1)} of {_n(i1 + o1)} missing incidents ({share1:.0f}%, derived)** were from placements outside "
        f"the council's boundary, against {share0:.0f}% in {y0} ({source}).\n\n"
        f"For context, {_n(placed_out)} of the {_n(looked_after)} children looked after at 31 March {y1} "
        f"({placed_share:.0f}%, derived) were placed outside their council's boundary ({placement_source}). "
        f"That is a count of children on one day, not of incidents over a year, so the two shares are not a rate: "
        f"DfE does not publish how many children went missing from placements outside their council, only "
        f"incidents.\n\n"
        f'This is also why the 2019 debate\'s statement that "{_quote_clause(doubled["quote"], "out-of-area")}" '
        f"({doubled['citation']}) cannot be checked here: there is no published count of children missing from "
        f"out-of-area placements, and no split by placement location before {y0}."
    )


def _quote_clause(quote: str, word: str) -> str:
    """The clause of a quoted sentence that contains `word` (quotes stay verbatim)."""
    for clause in quote.split(", and "):
        if word in clause:
            return clause.rstrip(".").strip()
    return quote.rstrip(".")


# --------------------------------------------------------------------------------------------------
# Councils: children missing per 100 looked after, latest year
# --------------------------------------------------------------------------------------------------


def council_rates(year: int | None = None) -> pl.DataFrame:
    """One row per council: children who went missing per 100 children looked after during the year
    (derived, one decimal place; null with value_note 'not published: ...' when DfE suppressed the count),
    with the counts, DfE's rounded percentage and DfE's average incidents per child who went missing."""
    councils = data.load(MISSING).filter(pl.col("geographic_level") == "Local authority")
    year = year or int(councils["time_period"].max())
    councils = councils.filter(pl.col("time_period") == year)
    key = ["new_la_code"]

    def pick(measure: str, column: str, alias: str, note: str | None = None) -> pl.DataFrame:
        cols = [*key, pl.col(column).alias(alias)]
        if note:
            cols.append(pl.col("value_note").alias(note))
        return councils.filter(pl.col("measure") == measure).select(cols)

    base = councils.filter(pl.col("measure") == "children_missing").select(
        KEEP + ["source_id", "source_release"]
    )
    frame = (
        base.join(pick("children_missing", "value", "children_missing", "_note"), on=key, how="left")
        .join(
            pick(
                "children_looked_after_during_year", "value", "children_looked_after_during_year", "_den_note"
            ),
            on=key,
            how="left",
        )
        .join(pick("missing_incidents", "value", "missing_incidents"), on=key, how="left")
        .join(pick("percent_children_missing", "rate", "published_percent"), on=key, how="left")
        .join(
            pick("average_missing_incidents_per_child_missing", "rate", "incidents_per_child_missing"),
            on=key,
            how="left",
        )
        .join(pick("children_away", "value", "children_away"), on=key, how="left")
    )
    usable = pl.col("children_missing").is_not_null() & (pl.col("children_looked_after_during_year") > 0)
    frame = frame.with_columns(
        pl.lit("children_missing_per_100_derived").alias("derived_measure"),
        pl.when(usable)
        .then((pl.col("children_missing") / pl.col("children_looked_after_during_year") * 100).round(1))
        .otherwise(None)
        .alias("value"),
        pl.when(usable)
        .then(pl.lit(None, dtype=pl.Utf8))
        .otherwise(pl.lit(f"{NOT_PUBLISHED}: ") + pl.coalesce("_note", "_den_note", pl.lit("no figure")))
        .alias("value_note"),
        pl.lit(f"Derived: children_missing / children_looked_after_during_year x 100 ({PER_100})").alias(
            "derivation"
        ),
    )
    columns = KEEP + [
        "derived_measure",
        "children_missing",
        "children_looked_after_during_year",
        "value",
        "published_percent",
        "missing_incidents",
        "incidents_per_child_missing",
        "children_away",
        "derivation",
        "value_note",
        "source_id",
        "source_release",
    ]
    return frame.select(columns).sort("la_name")


def england_rate(year: int) -> float:
    frame = rates().filter(
        (pl.col("time_period") == year) & (pl.col("derived_measure") == "children_missing_per_100_derived")
    )
    return float(frame["value"][0])


def top_councils(frame: pl.DataFrame, n: int = 20) -> pl.DataFrame:
    """The n councils with the highest rate, plus any tied with the n-th (so no council is cut arbitrarily)."""
    ranked = frame.filter(pl.col("value").is_not_null()).sort(["value", "la_name"], descending=[True, False])
    if ranked.height <= n:
        return ranked
    cutoff = ranked["value"][n - 1]
    return ranked.filter(pl.col("value") >= cutoff)


def council_map_text(frame: pl.DataFrame) -> ChartText:
    year = int(frame["time_period"][0])
    shown = frame.filter(pl.col("value").is_not_null())
    low, high = shown.sort("value").row(0, named=True), shown.sort("value").row(-1, named=True)
    missing = frame.filter(pl.col("value").is_null())["la_name"].to_list()
    title = (
        f"Across councils, {_one(low['value'])} to {_one(high['value'])} in every 100 children looked "
        f"after went missing in {year}"
    )
    alt = (
        f"Hex map of England's {frame.height} councils, one hexagon each, shaded by children who went missing "
        f"per 100 children looked after during {year_ending(year)} (derived from DfE counts). Lowest: "
        f"{low['la_name']} {_one(low['value'])}; highest: {high['la_name']} {_one(high['value'])}; England "
        f"{_one(england_rate(year))}. No figure (grey) for {len(missing)} councils: {', '.join(missing)}."
    )
    return ChartText(
        title=title, alt=alt, subtitle=f"Children who went missing {PER_100} (derived), {year_ending(year)}"
    )


def council_top_text(frame: pl.DataFrame) -> ChartText:
    year = int(frame["time_period"][0])
    top = frame.row(0, named=True)
    last = frame.row(-1, named=True)
    title = (
        f"{top['la_name']} had the highest rate: {_one(top['value'])} children missing per 100 looked after "
        f"in {year}"
    )
    listing = "; ".join(f"{r['la_name']} {_one(r['value'])}" for r in frame.iter_rows(named=True))
    alt = (
        f"Bar chart of the {frame.height} councils with the most children who went missing per 100 children "
        f"looked after during {year_ending(year)} (derived), from {top['la_name']} ({_one(top['value'])}) to "
        f"{last['la_name']} ({_one(last['value'])}); England {_one(england_rate(year))}. {listing}."
    )
    return ChartText(
        title=title,
        alt=alt,
        subtitle=f"The {frame.height} highest councils, {year_ending(year)}; orange line: England",
    )


def council_text(frame: pl.DataFrame) -> str:
    year = int(frame["time_period"][0])
    shown = frame.filter(pl.col("value").is_not_null())
    not_published = frame.filter(pl.col("value").is_null())
    above = shown.filter(pl.col("value") > england_rate(year)).height
    away_more = frame.filter(
        pl.col("children_away").is_not_null()
        & (pl.col("children_away") > pl.col("children_missing").fill_null(0))
    )
    notes = "; ".join(
        f"{r['la_name']} ({r['value_note'].removeprefix(NOT_PUBLISHED + ': ')})"
        for r in not_published.iter_rows(named=True)
    )
    return (
        f"In {year_ending(year)}, {above} of the {shown.height} councils with a published figure had more "
        f"children going missing per 100 looked after than England as a whole ({_one(england_rate(year))}, "
        f"derived). Figures are not published for {not_published.height} councils: {notes}.\n\n"
        f"Compare councils with care. A council with few children in care can have a high rate from a few "
        f"children. And councils record differently: in {year}, {away_more.height} councils recorded more "
        f"children as away from placement without authorisation than as missing: a low missing figure can "
        f"reflect how absences are recorded, not fewer absences ({source_text(frame)})."
    )


def council_table() -> Any:
    """Every council, latest year: the counts, the derived rate, DfE's percentage and incidents per child."""
    from analysis import site

    frame = council_rates()
    year = int(frame["time_period"][0])

    def cell(value: Any, spec: str, note: str | None = None) -> str:
        if value is None:
            return NOT_PUBLISHED
        return format(value, spec)

    rows = [
        [
            r["la_name"],
            cell(r["children_looked_after_during_year"], ",d"),
            cell(r["children_missing"], ",d"),
            cell(r["value"], ".1f"),
            cell(r["published_percent"], ".0f"),
            cell(r["missing_incidents"], ",d"),
            cell(r["incidents_per_child_missing"], ".1f"),
        ]
        for r in frame.iter_rows(named=True)
    ]
    columns = [
        "Council",
        "Children looked after during the year",
        "Children who went missing",
        "Per 100 looked after (derived)",
        "DfE percentage (rounded)",
        "Missing incidents",
        "Incidents per child who went missing (DfE)",
    ]
    caption = (
        f"Children missing from care by council, {year_ending(year)}. Source: {source_text(frame)}. "
        "'not published': suppressed or not provided by DfE."
    )
    return site.HTMLBlock(site.html_table(rows, columns, caption))


# --------------------------------------------------------------------------------------------------
# Key findings and the closing notes
# --------------------------------------------------------------------------------------------------


def key_findings() -> str:
    """3-5 bullets, every number from the data, each naming its period and source."""
    national = _national(MISSING)
    year = latest_year()
    children = _value(national, year, "children_missing")
    incidents = _value(national, year, "missing_incidents")
    average = _value(national, year, "average_missing_incidents_per_child_missing", "rate")
    rate = england_rate(year)
    looked_after = _value(national, year, "children_looked_after_during_year")
    published_percent = _value(national, year, "percent_children_missing", "rate")
    first_incidents = _value(national, FIRST_INCIDENT_YEAR, "missing_incidents")
    source = source_text(_row_frame(national, year, "children_missing"))
    location = location_trend()
    inside, outside = _location_values(location, year)
    homes = placement_latest()
    homes_row = homes.filter(pl.col("placement_type_group") == HOMES_NEW).row(0, named=True)
    total = placement_total(year)
    dfe = _figure(FIG_DFE_930)
    police = _figure(FIG_POLICE_CHILDREN)
    bullets = [
        f"**{_n(children)} children** in care in England went missing at least once in {year_ending(year)}, "
        f"with **{_n(incidents)} missing incidents** between them: on average {_one(average)} incidents for each "
        f"child who went missing ({source}).",
        f"That is **{_one(rate)} in every 100** children looked after during the year (derived: {_n(children)} of "
        f"{_n(looked_after)}; DfE rounds it to {published_percent:.0f}%).",
        f"Missing incidents {_direction(first_incidents, incidents)} from {_n(first_incidents)} in "
        f"{year_ending(FIRST_INCIDENT_YEAR)}, the first year DfE counted every incident, to {_n(incidents)} in "
        f"{year_ending(year)}. DfE warns that part of the change is in how councils record incidents.",
        f"**{outside / (inside + outside) * 100:.0f}%** of missing incidents in {year_ending(year)} "
        f"({_n(outside)}) were from "
        f"placements outside the child's own council, and {homes_row['value'] / total * 100:.0f}% "
        f"({_n(homes_row['value'])}) from secure homes and children's homes (derived from DfE's national counts).",
        f"In 2012 an inquiry by MPs and peers set DfE's {dfe['value_as_stated']} children missing for more than "
        f"24 hours in {_figure_period(dfe)} against a police-based estimate of {_figure_as_stated(police)} children "
        f"in a year ({dfe['citation']}). They measure different things, and the police estimate cannot be checked "
        f"against the sources here.",
    ]
    return "\n".join(f"- {b}" for b in bullets)


def about_text() -> str:
    """Sources, definitions and caveats for the chapter's closing section (links are in the page)."""
    missing_def = data.measure("children_missing", MISSING).definition
    away_def = data.measure("children_away", MISSING).definition
    old = data.measure(SNAPSHOT_OLD, OVER_24)
    by_type_note = data.measure("missing_incidents", BY_PLACEMENT).definition_break_note
    regroup = by_type_note.split(" DfE: since 2017")[0]
    hackney = hackney_note()
    old_years = data.year_ranges(_national(OVER_24)["time_period"].to_list())
    return (
        f"**Children who went missing.** {missing_def}\n\n"
        f"**Away from placement without authorisation.** {away_def}\n\n"
        f"**Missing for more than 24 hours at 31 March ({old_years}).** {old.definition} {old.definition_break_note}\n\n"
        f"**Recording.** {recording_note()}\n\n"
        f"**Placement types.** {regroup}\n\n"
        + (f"**Data not provided.** {hackney}\n\n" if hackney else "")
        + "**Rounding and suppression.** DfE rounds national and regional counts to the nearest 10 and suppresses "
        "small council counts (shown here as 'not published'). Rates per 100 and shares are derived on this site "
        "from DfE's published counts, and say so; DfE's own percentages are rounded to whole numbers.\n\n"
        + revisions_text()
        + "\n\n"
        "**Police figures.** Police counts of missing children are not among this site's sources. The 2012 police-"
        "based estimates are quoted from the APPG report with its citation, not reproduced."
    )


def revisions_text() -> str:
    """Which years come from the first-release SFR files and which from the (revised) EES releases."""
    national = _national(MISSING)
    sfr = national.filter(pl.col("source_id").str.contains("-sfr-"))["time_period"].unique().to_list()
    ees = national.filter(pl.col("source_id").str.contains("-ees-"))["time_period"].unique().to_list()
    return (
        f"**Revisions.** Figures for {data.year_ranges(sfr)} are from DfE's statistical first releases for those "
        f"years. Figures for {data.year_ranges(ees)} are each from the latest Explore Education Statistics "
        "release that includes the year, because DfE revises earlier years in each release."
    )


def sources_text() -> str:
    """Every source behind the chapter's numbers (one line each, with the years each supplies), then the
    documents the quoted 2012 and 2019 figures come from."""
    frames = [
        children_trend(),
        incidents_trend(),
        rates(),
        snapshot_trend(),
        _by_type(),
        location_trend(),
        council_rates(),
        _national(PLACEMENTS).filter(pl.col("measure") == "placed_outside_la_boundary"),
    ]
    combined = pl.concat([f.select("time_period", "source_id") for f in frames])
    lines = [
        f"- {use.text()}" + (f" <{use.page_url}>" if use.page_url else "")
        for use in data.source_uses(combined)
    ]
    cited = [_figure(f) for f in (FIG_DFE_930, FIG_POLICE_CHILDREN, FIG_POLICE_INCIDENTS, FIG_97_PERCENT)]
    documents = dict.fromkeys(
        f"{f['document_author']}, *{f['document_title']}* ({f['document_date']})" for f in cited
    )
    lines += [f"- {d} (quoted figures: the published_figures dataset)" for d in documents]
    return "\n".join(lines)
