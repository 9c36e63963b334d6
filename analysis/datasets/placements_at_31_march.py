"""Children looked after at 31 March, 2011-2024: how many, how many placed inside / outside their own
council's boundary, placed here by other councils, net gain, and placed more than 20 miles from home.

Also `placements_revisions`: every value an EES release published for a year that a later release revised
(2019-2023), so the effect of DfE's revisions can be seen; the main dataset holds only the latest release.
"""

from __future__ import annotations

import polars as pl

from analysis.datasets import Dataset, SourceFiles
from analysis.layout import GEOGRAPHIC_LEVELS
from analysis.settings import REFERENCE_DIR
from analysis.sources import dfe
from analysis.sources import dfe_placements as dp

REORGANISATIONS = REFERENCE_DIR / "la_reorganisations.csv"

MEASURES = [
    "children_looked_after",
    "placed_inside_la_boundary",
    "placed_outside_la_boundary",
    "placed_in_la_by_other_las",
    "net_gain",
    "placed_over_20_miles",
    "placed_over_20_miles_inside_la_boundary",
    "placed_over_20_miles_outside_la_boundary",
]
OVER_20 = MEASURES[5:]

FAMILIES = [
    dp.SFR_CLA,
    dp.EES_CLA_NUMBER,
    dp.EES_NETGAIN,
    dp.EES_NATIONAL_DISTANCE,
    dp.EES_LA_CHARACTERISTICS,
]
# Where DfE publishes a measure in more than one table of a release (national over-20-miles counts are in the
# national distance table and in the LA characteristics table), the first table here is read.
TABLE_PREFERENCE = [dp.EES_NATIONAL_DISTANCE, dp.EES_LA_CHARACTERISTICS]
# The revision policy's groups: each measure, geographic level and year from the newest release holding it.
RELEASE_GROUPS = ["time_period", "measure", "geographic_level"]

FILTERS = ["measure"]
INDICATORS = ["value", "value_note", "derivation"]
KEY = ["time_period", "geographic_level", "new_la_code", "region_code", "measure"]
_COLUMNS = dp.COLUMNS


def published_all_releases(sources: SourceFiles) -> pl.DataFrame:
    """Every published value of every measure from every release (with release_rank and table)."""
    parts = [
        dp.sfr_measures(sources, MEASURES),
        dp.children_looked_after(sources).filter(pl.col("table") != dp.SFR_CLA),
        dp.netgain(sources),
    ]
    parts.append(dp.national_over_20_miles(dp.national_distance(sources)))
    parts.append(
        dp.la_characteristics(sources, ["placed_inside_la_boundary", *OVER_20], GEOGRAPHIC_LEVELS).drop(
            "definition"
        )
    )
    return pl.concat([p.select(_COLUMNS) for p in parts if p.height])


def _note(measure: str) -> pl.Expr:
    return pl.lit(f"{measure} is ") + pl.coalesce(pl.col(f"note_{measure}"), pl.lit("not published"))


def _derive_inside(selected: pl.DataFrame) -> pl.DataFrame:
    """placed_inside_la_boundary = children_looked_after - placed_outside_la_boundary, for EES years and
    areas with no published inside count (2018-2019 everywhere; councils missing from the reconstructed
    LA characteristics file). Both inputs must come from the same release and be published numbers."""
    ident = dfe.area_identity().alias("_area")
    frame = selected.filter(pl.col("table") != dp.SFR_CLA).with_columns(ident)
    total = frame.filter(pl.col("measure") == "children_looked_after")
    outside = frame.filter(pl.col("measure") == "placed_outside_la_boundary").select(
        "time_period",
        "_area",
        pl.col("value").alias("value_outside"),
        pl.col("value_note").alias("note_placed_outside_la_boundary"),
        pl.col("source_id").alias("source_outside"),
        pl.col("release_rank").alias("rank_outside"),
    )
    have = frame.filter(pl.col("measure") == "placed_inside_la_boundary").select("time_period", "_area")
    todo = total.join(have, on=["time_period", "_area"], how="anti").join(
        outside, on=["time_period", "_area"], how="left"
    )
    same_release = pl.col("rank_outside") == pl.col("release_rank")
    both = pl.col("value").is_not_null() & pl.col("value_outside").is_not_null() & same_release
    derivation = (
        pl.lit("children_looked_after minus placed_outside_la_boundary, both from ")
        + pl.col("source_release")
        + pl.lit(" (")
        + pl.col("source_id")
        + pl.lit(" and ")
        + pl.col("source_outside")
        + pl.lit("); no inside-boundary count is published for this area and year")
    )
    note = (
        pl.when(pl.col("value").is_null())
        .then(
            pl.lit("not derived: children_looked_after is ")
            + pl.coalesce(pl.col("value_note"), pl.lit("missing"))
        )
        .when(pl.col("value_outside").is_null())
        .then(pl.lit("not derived: ") + _note("placed_outside_la_boundary"))
        .when(~same_release)
        .then(pl.lit("not derived: total and outside count come from different releases"))
    )
    return todo.with_columns(
        pl.lit("placed_inside_la_boundary").alias("measure"),
        pl.when(both).then(pl.col("value") - pl.col("value_outside")).alias("value"),
        note.alias("value_note"),
        pl.when(both).then(derivation).alias("derivation"),
    ).select(_COLUMNS)


def _derive_over_20(selected: pl.DataFrame) -> pl.DataFrame:
    """placed_over_20_miles = inside + outside parts where only the parts are published (SFR 2017)."""
    ident = dfe.area_identity().alias("_area")
    frame = selected.with_columns(ident)
    inside = frame.filter(pl.col("measure") == "placed_over_20_miles_inside_la_boundary")
    outside = frame.filter(pl.col("measure") == "placed_over_20_miles_outside_la_boundary").select(
        "time_period",
        "_area",
        pl.col("value").alias("value_outside"),
        pl.col("value_note").alias("note_placed_over_20_miles_outside_la_boundary"),
        pl.col("source_id").alias("source_outside"),
        pl.col("release_rank").alias("rank_outside"),
    )
    have = frame.filter(pl.col("measure") == "placed_over_20_miles").select("time_period", "_area")
    todo = inside.join(have, on=["time_period", "_area"], how="anti").join(
        outside, on=["time_period", "_area"], how="inner"
    )
    both = (
        pl.col("value").is_not_null()
        & pl.col("value_outside").is_not_null()
        & (pl.col("source_id") == pl.col("source_outside"))
    )
    note = (
        pl.when(pl.col("value").is_null())
        .then(pl.lit("not derived: placed_over_20_miles_inside_la_boundary is ") + pl.col("value_note"))
        .when(pl.col("value_outside").is_null())
        .then(pl.lit("not derived: ") + _note("placed_over_20_miles_outside_la_boundary"))
        .when(~both)
        .then(pl.lit("not derived: parts come from different files"))
    )
    derivation = (
        pl.lit("sum of placed_over_20_miles_inside_la_boundary and placed_over_20_miles_outside_la_boundary ")
        + pl.lit("(both published in ")
        + pl.col("source_id")
        + pl.lit("; the total is not published)")
    )
    return todo.with_columns(
        pl.lit("placed_over_20_miles").alias("measure"),
        pl.when(both).then(pl.col("value") + pl.col("value_outside")).alias("value"),
        note.alias("value_note"),
        pl.when(both).then(derivation).alias("derivation"),
    ).select(_COLUMNS)


def build(sources: SourceFiles) -> pl.DataFrame:
    published = published_all_releases(sources)
    selected = dfe.select_releases(published, RELEASE_GROUPS, table_preference=TABLE_PREFERENCE)
    frame = pl.concat([selected, _derive_inside(selected), _derive_over_20(selected)])
    return dfe.finish(frame, FILTERS, INDICATORS, KEY)


REVISIONS_KEY = ["time_period", "geographic_level", "old_la_code", "region_code", "measure", "source_release"]


def build_revisions(sources: SourceFiles) -> pl.DataFrame:
    """Every EES release's value for (year, area, measure) published by more than one release."""
    published = published_all_releases(sources).filter(pl.col("table") != dp.SFR_CLA)
    # one table per measure and release (the preferred), as in the main dataset
    published = published.filter(
        pl.col("table")
        == pl.col("table")
        .sort_by(
            pl.col("table").replace_strict(
                {t: i for i, t in enumerate(TABLE_PREFERENCE)}, default=99, return_dtype=pl.Int64
            )
        )
        .first()
        .over(["time_period", "measure", "geographic_level", "release_rank"])
    )
    group = ["time_period", "measure", "_area"]
    frame = published.with_columns(dfe.area_identity().alias("_area")).filter(
        pl.col("release_rank").n_unique().over(group) > 1
    )
    frame = frame.with_columns(
        (pl.col("release_rank") == pl.col("release_rank").max().over(group)).alias("is_latest_release"),
        pl.col("value")
        .filter(pl.col("release_rank") == pl.col("release_rank").max())
        .first()
        .over(group)
        .alias("latest_value"),
    ).drop("_area", "derivation")
    return dfe.finish(
        frame, ["measure"], ["value", "value_note", "is_latest_release", "latest_value"], REVISIONS_KEY
    )


# --- validation views --------------------------------------------------------------------------------------


def _wide(frame: pl.DataFrame) -> pl.DataFrame:
    """One row per area-year, one column per measure; has_total_row: the area-year has a
    children_looked_after row (its value may be suppressed)."""
    ident = dfe.area_identity().alias("area")
    long = frame.with_columns(ident)
    totals = long.filter(pl.col("measure") == "children_looked_after").select(
        "time_period", "area", pl.lit(True).alias("has_total_row")
    )
    return (
        long.pivot(
            on="measure",
            index=["time_period", "geographic_level", "area"],
            values="value",
            aggregate_function="first",
        )
        .with_columns(
            [
                pl.lit(None, dtype=pl.Int64).alias(m)
                for m in MEASURES
                if m not in frame["measure"].unique().to_list()
            ]
        )
        .join(totals, on=["time_period", "area"], how="left")
        .with_columns(pl.col("has_total_row").fill_null(False))
    )


def _inside_outside_sum(frame: pl.DataFrame) -> pl.DataFrame:
    """inside + outside - total, where all three are published (not derived), from 2015: in the 2011-2014
    SFRs the two parts add to less than the total (see the measure notes), so those years are left out."""
    published = frame.filter(pl.col("derivation").is_null())
    wide = _wide(published).filter(pl.col("time_period") >= 2015)  # domain: the parts add up from 2015
    wide = wide.drop_nulls(
        ["children_looked_after", "placed_inside_la_boundary", "placed_outside_la_boundary"]
    )
    # National and regional figures are each rounded to the nearest 10: two parts and a total can disagree
    # by up to 3 x 5 = 15. Council figures are unrounded and must add up exactly.
    tolerance = pl.when(pl.col("geographic_level") == "Local authority").then(0).otherwise(15)
    difference = (
        pl.col("placed_inside_la_boundary")
        + pl.col("placed_outside_la_boundary")
        - pl.col("children_looked_after")
    )
    return wide.select(
        "time_period",
        "geographic_level",
        "area",
        difference.alias("difference"),
        tolerance.alias("tolerance"),
        (difference.abs() - tolerance).alias("excess"),
    )


def views(frame: pl.DataFrame) -> dict[str, pl.DataFrame]:
    return {
        "schema": dfe.schema_view(frame),
        "parts_vs_totals": _wide(frame),
        "inside_plus_outside": _inside_outside_sum(frame),
        "la_sum_vs_national": dfe.la_sum_vs_national_view(frame, ["measure"], bound_suppressed=True),
        "la_continuity": dfe.la_continuity_view(frame, ["measure"], REORGANISATIONS),
    }


def revisions_views(frame: pl.DataFrame) -> dict[str, pl.DataFrame]:
    latest = frame.group_by(["time_period", "measure", "geographic_level", "region_code", "old_la_code"]).agg(
        pl.col("is_latest_release").sum().alias("latest_rows"), pl.len().alias("releases")
    )
    return {"schema": dfe.schema_view(frame), "latest_per_value": latest}


GEOGRAPHY_COLUMN_DESCRIPTIONS = {
    "time_period": "Year: the position at 31 March of this year (2024 = 31 March 2024).",
    "time_identifier": "'Reporting year' (EES convention).",
    "geographic_level": "National, Regional or Local authority.",
    "country_code": "E92000001 (England).",
    "country_name": "England.",
    "region_code": (
        "Region GSS code (E12...). On council rows as published: EES gives London boroughs the Inner/Outer "
        "London code (E13...); SFR council rows have none (filled by the geography step where it can)."
    ),
    "region_name": "Region name.",
    "new_la_code": "Council GSS code as published for that year by the release used (E06/E08/E09/E10...).",
    "old_la_code": "DfE 3-digit council code (text), stable across GSS re-codings.",
    "la_name": "Council name as published.",
    "current_la_code": "GSS code of the council that covers the area today (geography step).",
    "current_la_name": "Name of the council that covers the area today (geography step).",
}

DATASET = Dataset(
    name="placements_at_31_march",
    title="Children looked after at 31 March: placed inside or outside their council's boundary, and over 20 miles from home (England, 2011-2024)",
    description=(
        "Children looked after by councils in England at 31 March each year, 2011-2024, nationally, by region "
        "and by council: the total; placed inside and outside the responsible council's own boundary; placed "
        "inside this council's boundary by other councils; net gain (placed here by others minus placed "
        "outside by this council); placed more than 20 miles from home, with its inside/outside split. "
        "Sources: DfE statistical first release (SFR) underlying data 2011-2017 and Explore Education Statistics "
        "(EES) releases 2022-2024 of 'Children looked after in England including adoptions' (SSDA903). For each "
        "year and measure the latest release that publishes it is used (source_id, source_release); earlier "
        "releases' values are in placements_revisions. National and regional figures are rounded by DfE to the "
        "nearest 10; council figures are unrounded; suppressed cells are null with value_note naming the "
        "symbol. Values with a `derivation` text are computed here from published values (placed inside the "
        "boundary 2018-2019 and where the LA characteristics file has no row; over 20 miles in 2017): every "
        "other value is as published. Council-level inside-boundary (2020-2024) and over-20-miles (2020-2024) "
        "counts come from the EES 2024 LA characteristics file; the copy read was rebuilt from DfE's own "
        "dashboard data for that release (the same content, not byte-identical to the file on the release page) "
        "and has no rows for Cumbria 2020-2023 or Northamptonshire 2020-2021. Inner and Outer London "
        "sub-regional totals are left out. "
        "Council-level distance figures exist only for 2017 and 2020-2024; national ones for 2017-2024."
    ),
    families=FAMILIES,
    build=build,
    key=KEY,
    columns={
        **GEOGRAPHY_COLUMN_DESCRIPTIONS,
        "measure": "Measure id (see data/reference/measures.csv for label, unit and definition).",
        "value": "Number of children (net_gain may be negative). Null when suppressed or not available.",
        "value_note": "Why value is null: the published symbol and its meaning, or why a derived value could not be computed.",
        "derivation": "Null for published values. For values computed here: the formula and the source files used.",
        "source_id": "Source file id (data/sources.csv) the value comes from (for derived values: the first input).",
        "source_release": "Release of that source file.",
    },
    views=views,
)

REVISIONS = Dataset(
    name="placements_revisions",
    title="Children looked after at 31 March: values as first published and as revised by later DfE releases (2019-2023)",
    description=(
        "For every year, area and measure of placements_at_31_march that more than one Explore Education "
        "Statistics release published (2019-2023: each release covers five years and revises the four "
        "earlier ones), one row per release with the value it published. is_latest_release marks the value "
        "used in placements_at_31_march; latest_value repeats it on every row for comparison. Only published "
        "values (nothing derived). Council rows are matched across releases by the DfE 3-digit code "
        "(old_la_code), since GSS codes were re-issued (North Yorkshire, Somerset) between releases."
    ),
    families=FAMILIES,
    build=build_revisions,
    key=REVISIONS_KEY,
    columns={
        **GEOGRAPHY_COLUMN_DESCRIPTIONS,
        "new_la_code": "Council GSS code as published in this release for that year.",
        "measure": "Measure id (see data/reference/measures.csv).",
        "value": "Number of children as published in this release. Null when suppressed or not available.",
        "value_note": "Why value is null: the published symbol and its meaning.",
        "is_latest_release": "True for the release whose value placements_at_31_march uses.",
        "latest_value": "The value in the latest release for this year, area and measure.",
        "source_id": "Source file id (data/sources.csv).",
        "source_release": "The release that published this value.",
    },
    views=revisions_views,
)

DATASETS = [DATASET, REVISIONS]
