"""Missing and away-without-authorisation incidents by the placement they happened from (England, 2018-2024).

Two breakdowns of the national incident counts, from the EES national official statistics files:
- placement type ("Placements from which children were missing"), 2018-2024;
- placement inside or outside the council boundary ("Placement locations from which children were missing"),
  2019-2024 (first published in the EES 2023 release).

The placement types were regrouped in the EES 2024 release (which covers 2020-2024): "Secure units, children's
homes and semi-independent living accommodation" (2018-2019 here) is not the same category as "4: Secure homes
and children's homes" (2020-2024). `placement_type` keeps the published label; `placement_type_group` is the
same id only where the definition did not change, so the two groupings are never joined into one line.
Only incidents are published by placement; there are no counts of children by placement.
"""

from __future__ import annotations

import polars as pl

from analysis import layout
from analysis.datasets import Dataset, SourceFiles
from analysis.datasets.missing_from_care import NATIONAL_GEOGRAPHY_COLUMNS
from analysis.sources import dfe, dfe_missing

FAMILIES = [dfe_missing.EES_NATIONAL_MISSING, dfe_missing.EES_NATIONAL_AWAY]

FILTERS = ["measure", "breakdown", "placement_type", "placement_type_group", "placement_location"]
INDICATORS = ["value", "value_note"]
KEY = ["time_period", "measure", "breakdown", "placement_type", "placement_location"]


def build(sources: SourceFiles) -> pl.DataFrame:
    frame = dfe.select_releases(
        dfe_missing.ees_national_by_placement(sources), ["time_period", "measure", "breakdown"]
    )
    if frame["rate"].is_not_null().any():
        raise ValueError("incident counts only: a rate measure reached missing_incidents_by_placement")
    # national only: the EES region and LA columns are kept (empty) so every published CSV has the same layout
    frame = frame.drop("rate").with_columns(
        pl.lit(None, dtype=pl.Utf8).alias(c) for c in layout.EES_GEOGRAPHY_COLUMNS if c not in frame.columns
    )
    return dfe.finish(frame, FILTERS, INDICATORS, KEY)


# The total and each part are rounded to the nearest 10 independently, so the sum of the parts can differ
# from the published total by up to 5 per part plus 5 for the total.
PART_ROUNDING = 5


def parts_view(frame: pl.DataFrame) -> pl.DataFrame:
    """Per year, measure and breakdown: the published total, the sum of its parts and the allowed gap."""
    group = ["time_period", "measure", "breakdown"]
    is_total = (
        pl.col("placement_type_group").fill_null(pl.col("placement_location")) == dfe_missing.TOTAL_GROUP
    )
    return (
        frame.group_by(group)
        .agg(
            pl.col("value").filter(is_total).sum().alias("total"),
            is_total.sum().cast(pl.Int64).alias("total_rows"),
            pl.col("value").filter(~is_total).sum().alias("parts_sum"),
            (~is_total).sum().cast(pl.Int64).alias("parts"),
            pl.col("value").filter(~is_total).is_null().sum().cast(pl.Int64).alias("parts_not_published"),
        )
        .with_columns(
            (pl.col("total") - pl.col("parts_sum")).abs().alias("abs_difference"),
            (PART_ROUNDING * (pl.col("parts") + 1)).alias("allowed"),
        )
        .sort(group)
    )


OLD_GROUPING = {"secure_units_childrens_homes_and_semi_independent_living", "living_independently"}
NEW_GROUPING = {
    "secure_homes_and_childrens_homes",
    "independent_and_semi_independent_living_and_supported_accommodation",
}


def release_view(frame: pl.DataFrame) -> pl.DataFrame:
    """Per year and breakdown: how many releases the rows come from (must be one) and which placement
    grouping the year's types belong to ('up_to_ees_2023', 'ees_2024', 'mixed' or 'none')."""
    old = pl.col("placement_type_group").is_in(list(OLD_GROUPING)).any()
    new = pl.col("placement_type_group").is_in(list(NEW_GROUPING)).any()
    return (
        frame.group_by("time_period", "breakdown")
        .agg(
            pl.col("source_release").n_unique().cast(pl.Int64).alias("releases"),
            pl.when(old & new)
            .then(pl.lit("mixed"))
            .when(old)
            .then(pl.lit("up_to_ees_2023"))
            .when(new)
            .then(pl.lit("ees_2024"))
            .otherwise(pl.lit("none"))
            .alias("grouping"),
        )
        .sort("time_period", "breakdown")
    )


def views(frame: pl.DataFrame) -> dict[str, pl.DataFrame]:
    return {
        "schema": dfe.schema_view(frame),
        "parts_vs_total": parts_view(frame),
        "value_notes": dfe.value_notes_view(frame, dfe_missing.MEASURE_KINDS),
        "filled": dfe.filled_view(
            frame, "breakdown", ["placement_type", "placement_type_group", "placement_location"]
        ),
        "releases": release_view(frame),
        "years": dfe.years_view(
            frame, ["measure", "breakdown", "placement_type_group", "placement_location"]
        ),
    }


DATASET = Dataset(
    name="missing_incidents_by_placement",
    title="Missing and away incidents by placement type and by placement inside or outside the council boundary",
    description=(
        "England. Incidents of children looked after going missing, or being away from placement without "
        "authorisation, during the year ending 31 March, by the type of placement they were in (2018-2024) and "
        "by whether that placement was inside or outside their council's boundary (2019-2024). From the DfE "
        "national official statistics files of the Explore Education Statistics releases 2022-2024; for each "
        "year the latest release that has it. Counts rounded to the nearest 10. The placement types were "
        "regrouped in the 2024 release (2020-2024 here): secure homes and children's homes are no longer "
        "grouped with semi-independent living, so placement_type_group differs before and after and the two "
        "must not be read as one series."
    ),
    families=FAMILIES,
    build=build,
    key=KEY,
    columns={
        "time_period": "Year ending 31 March (2024 = April 2023 to March 2024)",
        **NATIONAL_GEOGRAPHY_COLUMNS,
        "region_code": "Always empty (national figures)",
        "measure": "missing_incidents or away_incidents; see data/reference/measures.csv",
        "breakdown": "placement_type or placement_location",
        "placement_type": "Placement type label as published (normalised spacing); null for placement_location rows",
        "placement_type_group": (
            "Harmonised placement type id: the same id only where the definition is unchanged across the 2024 "
            "regrouping; 'total' for all placements"
        ),
        "placement_location": "inside_council_boundary, outside_council_boundary or total; null for placement_type rows",
        "value": "Number of incidents; null when not published",
        "value_note": "Why value is null: the published symbol",
        "source_id": "Upstream file (data/sources.csv) the row comes from",
        "source_release": "Release of that file",
    },
    views=views,
)
