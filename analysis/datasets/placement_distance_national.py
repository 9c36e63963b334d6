"""Children looked after at 31 March in England, 2018-2024, by placement type x distance from home x
whether placed inside or outside their council's boundary (DfE national file, EES releases 2022-2024)."""

from __future__ import annotations

import polars as pl

from analysis.datasets import Dataset, SourceFiles
from analysis.datasets.placements_at_31_march import GEOGRAPHY_COLUMN_DESCRIPTIONS
from analysis.sources import dfe
from analysis.sources import dfe_placements as dp

FILTERS = ["measure", "placement_type", "distance", "locality"]
INDICATORS = ["value", "value_note", "percentage", "percentage_note"]
KEY = ["time_period", "placement_type", "distance", "locality"]
FAMILIES = [dp.EES_NATIONAL_DISTANCE]


def build(sources: SourceFiles) -> pl.DataFrame:
    # Whole years from the newest release: placement types were regrouped in the 2024 release (secure homes
    # and children's homes now apart from semi-independent living), so cells must not mix releases.
    frame = dfe.select_releases(dp.national_distance(sources), ["time_period"]).drop("derivation")
    return dfe.finish(frame, FILTERS, INDICATORS, KEY)


def _cells(frame: pl.DataFrame) -> pl.DataFrame:
    """One row per year x placement type, one column per distance/locality cell (published values)."""
    return frame.with_columns((pl.col("distance") + " | " + pl.col("locality")).alias("cell")).pivot(
        on="cell", index=["time_period", "placement_type"], values="value", aggregate_function="first"
    )


def _sums(frame: pl.DataFrame) -> pl.DataFrame:
    """Published parts against published totals. Every cell is rounded to the nearest 10, so parts and a
    total can disagree by up to 5 per rounded figure: 15 for two parts, 20 for three."""
    c = _cells(frame)
    total = pl.col(f"{dp.TOTAL} | {dp.TOTAL}")
    checks = {
        "20 miles or less: inside + outside": (
            pl.col(f"{dp.DISTANCE_20_OR_LESS} | {dp.INSIDE}")
            + pl.col(f"{dp.DISTANCE_20_OR_LESS} | {dp.OUTSIDE}")
            - pl.col(f"{dp.DISTANCE_20_OR_LESS} | {dp.TOTAL}"),
            15,
        ),
        "over 20 miles: inside + outside": (
            pl.col(f"{dp.DISTANCE_OVER_20} | {dp.INSIDE}")
            + pl.col(f"{dp.DISTANCE_OVER_20} | {dp.OUTSIDE}")
            - pl.col(f"{dp.DISTANCE_OVER_20} | {dp.TOTAL}"),
            15,
        ),
        "total: 20 or less + over 20 + not known": (
            pl.col(f"{dp.DISTANCE_20_OR_LESS} | {dp.TOTAL}")
            + pl.col(f"{dp.DISTANCE_OVER_20} | {dp.TOTAL}")
            + pl.col(f"{dp.DISTANCE_NOT_KNOWN} | {dp.TOTAL}")
            - total,
            20,
        ),
    }
    return pl.concat(
        [
            c.select(
                "time_period",
                "placement_type",
                pl.lit(name).alias("check"),
                diff.alias("difference"),
                pl.lit(tol).alias("tolerance"),
            )
            for name, (diff, tol) in checks.items()
        ]
    ).with_columns((pl.col("difference").abs() - pl.col("tolerance")).alias("excess"))


def _types_sum(frame: pl.DataFrame) -> pl.DataFrame:
    """The placement types' totals against 'All children' (each rounded: tolerance 5 x (types + 1))."""
    totals = frame.filter((pl.col("distance") == dp.TOTAL) & (pl.col("locality") == dp.TOTAL))
    all_children = totals.filter(pl.col("placement_type") == "All children").select(
        "time_period", pl.col("value").alias("all_children")
    )
    types = (
        totals.filter(pl.col("placement_type") != "All children")
        .group_by("time_period")
        .agg(pl.col("value").sum().alias("types_sum"), pl.len().alias("types"))
    )
    return (
        types.join(all_children, on="time_period")
        .with_columns(
            (pl.col("types_sum") - pl.col("all_children")).alias("difference"),
            (5 * (pl.col("types") + 1)).cast(pl.Int64).alias("tolerance"),
        )
        .with_columns((pl.col("difference").abs() - pl.col("tolerance")).alias("excess"))
        .sort("time_period")
    )


# The placement groups of DfE's releases up to 2023 and from 2024 (which split secure homes and children's
# homes from semi-independent living): a year's rows must all belong to one grouping.
GROUPINGS = {
    "Secure units, children's homes and semi-independent living accommodation": "up_to_2023_release",
    "Living independently": "up_to_2023_release",
    "Other": "up_to_2023_release",
    "Secure homes and children's homes": "from_2024_release",
    "Independent and semi-independent living arrangements/supported accommodation": "from_2024_release",
    "Other placements": "from_2024_release",
}


def _groupings(frame: pl.DataFrame) -> pl.DataFrame:
    """Per year, the grouping its placement types belong to ('mixed' if both appear)."""
    grouped = frame.with_columns(pl.col("placement_type").replace_strict(GROUPINGS, default=None).alias("g"))
    return (
        grouped.group_by("time_period")
        .agg(pl.col("g").drop_nulls().unique().alias("gs"))
        .with_columns(
            pl.when(pl.col("gs").list.len() == 1)
            .then(pl.col("gs").list.first())
            .otherwise(pl.lit("mixed"))
            .alias("grouping")
        )
        .select("time_period", "grouping")
        .sort("time_period")
    )


def views(frame: pl.DataFrame) -> dict[str, pl.DataFrame]:
    return {
        "groupings": _groupings(frame),
        "schema": dfe.schema_view(frame),
        "cells": _cells(frame),
        "part_sums": _sums(frame),
        "placement_types_sum": _types_sum(frame),
    }


DATASET = Dataset(
    name="placement_distance_national",
    title="Children looked after at 31 March by placement type, distance from home and placement inside/outside their council's boundary (England, 2018-2024)",
    description=(
        "National counts of children looked after at 31 March, 2018-2024, by placement type (as DfE groups "
        "them), distance between home and placement (20 miles or less, over 20 miles, not known or not "
        "recorded) and locality (placed inside or outside the responsible council's boundary). Source: DfE "
        "Explore Education Statistics file national_cla_on_31_march_by_placement_distance_and_placement_locality.csv "
        "(named ..._and_locality_of_placement.csv in the 2022 release); each year from the latest release "
        "that has it (2018: EES 2022; 2019: EES 2023; 2020-2024: EES 2024). Figures are rounded by DfE to the "
        "nearest 10; percentages are DfE's (% of the placement type's total, whole numbers). Placement types "
        "are DfE's labels with spelling variants merged ('childrens'/'children's'; 'Placed with parents' = "
        "'Placed with parents or other person with parental responsibility'; the EES 2022 file calls the "
        "all-children group 'All new placements', shown here as 'All children': its total equals the "
        "children looked after at 31 March). The EES 2024 release regrouped placement types: 'Secure homes "
        "and children's homes' (2020-2024) excludes semi-independent living, which 'Secure units, children's "
        "homes and semi-independent living accommodation' (2018-2019) includes; 'Other placements' and "
        "'Independent and semi-independent living arrangements/supported accommodation' (2020-2024) are "
        "likewise not the same groups as 'Other' and 'Living independently' (2018-2019): never join them into "
        "one series. Distance not known is not split by locality."
    ),
    families=FAMILIES,
    build=build,
    key=KEY,
    columns={
        **GEOGRAPHY_COLUMN_DESCRIPTIONS,
        "measure": "children_by_placement_distance (see data/reference/measures.csv).",
        "placement_type": "Placement type (DfE cla_group, spelling variants merged; see the description).",
        "distance": "'20 miles or less', 'Over 20 miles', 'Not known or not recorded' or 'Total'.",
        "locality": "'Inside LA boundary', 'Outside LA boundary' (of the responsible council) or 'Total'.",
        "value": "Number of children, rounded by DfE to the nearest 10. Null when suppressed.",
        "value_note": "Why value is null: the published symbol and its meaning.",
        "percentage": "DfE's percentage of the placement type's total (whole number). Null for symbols.",
        "percentage_note": "Why percentage is null (e.g. 'k': rounds to zero but is not zero).",
        "source_id": "Source file id (data/sources.csv).",
        "source_release": "Release of that source file.",
    },
    views=views,
)
