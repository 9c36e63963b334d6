"""Missing and away incidents by placement type and by placement inside or outside the council boundary, with
each part's share of the year's total (derived from missing_incidents_by_placement).

England only. Each row is one part of one breakdown in one year, with the year's published total and the part's
share of it, unrounded. Placement types were regrouped in DfE's 2024 release (2020 onwards here):
`placement_grouping` says which grouping a year uses, and `same_group_in_both_groupings` is true only for the
groups DfE did not change (foster placements, adoption, placed with parents), so the children's homes group
before and after is never read as one series.

For the outside-the-boundary rows, the children looked after at 31 March and those placed outside their
council's boundary that day (placements_at_31_march) are added for context: a count of children on one day, not
of incidents over a year, so the two shares are not a rate.
"""

from __future__ import annotations

import polars as pl

from analysis.datasets import Dataset, SourceFiles
from analysis.datasets.missing_from_care import NATIONAL_GEOGRAPHY_COLUMNS
from analysis.datasets.missing_incidents_by_placement import NEW_GROUPING, OLD_GROUPING
from analysis.layout import order_columns
from analysis.sources.dfe_missing import TOTAL_GROUP

NAME = "missing_incidents_shares"
BY_PLACEMENT = "missing_incidents_by_placement"
PLACEMENTS = "placements_at_31_march"
KEY = ["time_period", "measure", "breakdown", "placement_type_group", "placement_location"]
GROUPINGS = {"up_to_ees_2023": "before DfE's 2024 release", "ees_2024": "DfE's 2024 release"}


def build(
    source_files: SourceFiles,
    missing_incidents_by_placement: pl.DataFrame,
    placements_at_31_march: pl.DataFrame,
) -> pl.DataFrame:
    frame = missing_incidents_by_placement
    part = pl.col("placement_type_group").fill_null(pl.col("placement_location"))
    totals = frame.filter(part == TOTAL_GROUP).select(
        "time_period",
        "measure",
        "breakdown",
        pl.col("value").alias("total"),
        pl.col("source_id").alias("_total_source"),
    )
    if totals.select("time_period", "measure", "breakdown").is_duplicated().any():
        raise ValueError(f"{BY_PLACEMENT}: more than one total per year, measure and breakdown")
    parts = frame.filter(part != TOTAL_GROUP).join(
        totals, on=["time_period", "measure", "breakdown"], how="left"
    )
    if parts["total"].is_null().any() or (parts["_total_source"] != parts["source_id"]).any():
        raise ValueError(f"{BY_PLACEMENT}: a part without its published total from the same file")

    is_type = pl.col("breakdown") == "placement_type"
    year_grouping = (
        frame.filter(pl.col("breakdown") == "placement_type")
        .group_by("time_period")
        .agg(
            pl.col("placement_type_group").is_in(list(OLD_GROUPING)).any().alias("_old"),
            pl.col("placement_type_group").is_in(list(NEW_GROUPING)).any().alias("_new"),
        )
    )
    if year_grouping.filter(pl.col("_old") == pl.col("_new")).height:
        raise ValueError(f"{BY_PLACEMENT}: a year with both placement groupings, or neither")
    year_grouping = year_grouping.select(
        "time_period",
        pl.when(pl.col("_new"))
        .then(pl.lit("ees_2024"))
        .otherwise(pl.lit("up_to_ees_2023"))
        .alias("_grouping"),
    )
    parts = parts.join(year_grouping, on="time_period", how="left").with_columns(
        pl.when(is_type).then(pl.col("_grouping")).alias("placement_grouping"),
        # DfE numbers its 2024 groups ("4: Secure homes and children's homes"); the label drops the number
        pl.when(is_type).then(pl.col("placement_type").str.replace(r"^\d+:\s*", "")).alias("placement_label"),
        (pl.col("value") / pl.col("total") * 100).alias("share_of_total_percent"),
    )
    spans = (
        parts.filter(is_type)
        .group_by("placement_type_group")
        .agg(pl.col("placement_grouping").n_unique().alias("_groupings"))
    )
    parts = parts.join(spans, on="placement_type_group", how="left").with_columns(
        pl.when(is_type).then(pl.col("_groupings") == 2).alias("same_group_in_both_groupings")
    )

    national = placements_at_31_march.filter(pl.col("geographic_level") == "National")
    context = (
        national.filter(pl.col("measure") == "children_looked_after")
        .select(
            "time_period",
            pl.col("value").alias("children_looked_after_at_31_march"),
            pl.col("source_id").alias("_cla_source"),
        )
        .join(
            national.filter(pl.col("measure") == "placed_outside_la_boundary").select(
                "time_period",
                pl.col("value").alias("placed_outside_la_boundary_at_31_march"),
                pl.col("source_id").alias("_outside_source"),
            ),
            on="time_period",
        )
        .with_columns(
            (
                pl.col("placed_outside_la_boundary_at_31_march")
                / pl.col("children_looked_after_at_31_march")
                * 100
            ).alias("placed_outside_share_at_31_march"),
            pl.concat_str("_outside_source", "_cla_source", separator=", ").alias("context_source_id"),
            pl.lit("outside_council_boundary").alias("placement_location"),
        )
        .drop("_cla_source", "_outside_source")
    )
    parts = parts.join(context, on=["time_period", "placement_location"], how="left")
    order = {"placement_type": 0, "placement_location": 1}
    parts = parts.sort(
        "measure",
        pl.col("breakdown").replace_strict(order, return_dtype=pl.Int64),
        "time_period",
        pl.col("value").fill_null(-1),
        descending=[False, False, False, True],
    )
    return order_columns(
        parts.drop("_total_source", "_grouping", "_groupings"),
        [
            "measure",
            "breakdown",
            "placement_type",
            "placement_type_group",
            "placement_label",
            "placement_grouping",
            "same_group_in_both_groupings",
            "placement_location",
        ],
        [
            "value",
            "value_note",
            "total",
            "share_of_total_percent",
            "children_looked_after_at_31_march",
            "placed_outside_la_boundary_at_31_march",
            "placed_outside_share_at_31_march",
            "context_source_id",
        ],
    )


def views(frame: pl.DataFrame) -> dict[str, pl.DataFrame]:
    """Recomputed checks: each share equals its two counts; a part never exceeds its total; the shares of a
    year's parts add up to about 100 (each count is rounded to 10 on its own)."""
    return {
        "share_check": frame.filter(pl.col("value").is_not_null()).select(
            *KEY,
            (pl.col("share_of_total_percent") - pl.col("value") / pl.col("total") * 100)
            .abs()
            .alias("difference"),
            (pl.col("total") - pl.col("value")).alias("total_minus_part"),
        ),
        "share_sums": frame.group_by("time_period", "measure", "breakdown").agg(
            pl.col("share_of_total_percent").sum().alias("shares_sum")
        ),
        "groupings": frame.filter(pl.col("breakdown") == "placement_type")
        .group_by("time_period")
        .agg(pl.col("placement_grouping").n_unique().alias("groupings")),
        "context": frame.filter(pl.col("placement_location") == "outside_council_boundary").select(
            "time_period",
            "children_looked_after_at_31_march",
            "placed_outside_la_boundary_at_31_march",
            (
                pl.col("placed_outside_share_at_31_march")
                - pl.col("placed_outside_la_boundary_at_31_march")
                / pl.col("children_looked_after_at_31_march")
                * 100
            )
            .abs()
            .alias("difference"),
        ),
    }


DATASET = Dataset(
    name=NAME,
    title="Missing and away incidents by placement, with each placement's share of all incidents (England)",
    description=(
        "England, years ending 31 March. Missing incidents and away-without-authorisation incidents by the type "
        "of placement the child was in (from 2018) and by whether that placement was inside or outside the "
        "child's council boundary (from 2019), from missing_incidents_by_placement, each with the year's "
        "published total and its share of it (derived, unrounded). DfE regrouped placement types in its 2024 "
        "release (2020 onwards here): placement_grouping says which grouping a year uses, and only groups with "
        "same_group_in_both_groupings true may be followed across the change. Outside-the-boundary rows carry, "
        "for context, the children looked after at 31 March and those placed outside their council's boundary "
        "(placements_at_31_march): children on one day, not incidents in a year. Counts rounded by DfE to the "
        "nearest 10. DfE publishes no counts of children by placement."
    ),
    families=[],
    build=build,
    key=KEY,
    columns={
        "time_period": "Year ending 31 March (2024 = April 2023 to March 2024)",
        **NATIONAL_GEOGRAPHY_COLUMNS,
        "measure": "missing_incidents or away_incidents",
        "breakdown": "placement_type or placement_location",
        "placement_type": "DfE's placement type label as published; empty on placement_location rows",
        "placement_type_group": (
            "Placement type id (missing_incidents_by_placement): the same id only where DfE's definition did not "
            "change in its 2024 release"
        ),
        "placement_label": "The placement type without DfE's group number (for display)",
        "placement_grouping": (
            "up_to_ees_2023 (DfE's placement groups before its 2024 release) or ees_2024 (the groups of the 2024 "
            "release); empty on placement_location rows"
        ),
        "same_group_in_both_groupings": (
            "True when the placement type group is published, unchanged, under both groupings (foster "
            "placements, adoption, placed with parents); empty on placement_location rows"
        ),
        "placement_location": "inside_council_boundary or outside_council_boundary; empty on placement_type rows",
        "value": "Incidents from that placement type or location (DfE, rounded to the nearest 10)",
        "value_note": "Why value is empty, if it is",
        "total": "All incidents that year for the measure (DfE's published total)",
        "share_of_total_percent": "Derived: value / total x 100, unrounded",
        "children_looked_after_at_31_march": (
            "Context on outside_council_boundary rows: children looked after at 31 March (placements_at_31_march)"
        ),
        "placed_outside_la_boundary_at_31_march": (
            "Context on outside_council_boundary rows: of those, placed outside their council's boundary"
        ),
        "placed_outside_share_at_31_march": (
            "Derived: placed_outside_la_boundary_at_31_march / children_looked_after_at_31_march x 100, unrounded"
        ),
        "context_source_id": "Source files of the two context counts (outside, then all)",
        "source_id": "Upstream file (data/sources.csv) of the incident counts and their total",
        "source_release": "Release of that file",
    },
    needs=[BY_PLACEMENT, PLACEMENTS],
    views=views,
)
