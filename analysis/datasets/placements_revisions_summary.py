"""How much DfE's later releases changed the values of placements_at_31_march: for England, the regions and the
councils, how many values more than one release published, how many a later release changed, and the largest
change (derived from placements_revisions, which holds every release's value).

A value "changed" when any release published a different value from the latest release for the same year, area
and measure (including a value becoming suppressed, or the reverse). The largest revision is the largest
difference, in children, between one release and the next release that published the same value.
"""

from __future__ import annotations

import polars as pl

from analysis.datasets import Dataset, SourceFiles
from analysis.layout import ENGLAND_CODE, ENGLAND_NAME

NAME = "placements_revisions_summary"
REVISIONS = "placements_revisions"
VALUE_KEY = ["time_period", "geographic_level", "old_la_code", "region_code", "measure"]
LEVEL_ORDER = {"National": 0, "Regional": 1, "Local authority": 2}

INDICATORS = [
    "first_time_period",
    "last_time_period",
    "values_published_more_than_once",
    "values_revised",
    "share_revised_percent",
    "largest_revision",
    "largest_revision_time_period",
    "largest_revision_measure",
    "largest_revision_area",
    "largest_revision_from_value",
    "largest_revision_from_release",
    "largest_revision_to_value",
    "largest_revision_to_release",
    "largest_revision_from_source_id",
    "largest_revision_to_source_id",
    "largest_change_first_to_latest",
]
KEY = ["level"]


def build(source_files: SourceFiles, placements_revisions: pl.DataFrame) -> pl.DataFrame:
    ranks = {
        sid: source_files.get(sid).source.release_rank
        for sid in placements_revisions["source_id"].unique().to_list()
    }
    rev = placements_revisions.with_columns(
        pl.col("source_id").replace_strict(ranks, return_dtype=pl.Int64).alias("_release"),
        pl.coalesce("la_name", "region_name", "country_name").alias("_area"),
    ).sort([*VALUE_KEY, "_release"], nulls_last=True)
    per_value = rev.group_by(VALUE_KEY, maintain_order=True).agg(
        pl.col("geographic_level").first().alias("_level"),
        pl.len().alias("releases"),
        pl.col("value").ne_missing(pl.col("latest_value")).any().alias("revised"),
        (pl.col("value").first() - pl.col("value").last()).abs().alias("first_to_latest"),
    )
    steps = rev.with_columns(
        pl.col("value").shift(1).over(VALUE_KEY).alias("_from"),
        pl.col("source_release").shift(1).over(VALUE_KEY).alias("_from_release"),
        pl.col("source_id").shift(1).over(VALUE_KEY).alias("_from_sid"),
    ).filter(pl.col("_from").is_not_null() & pl.col("value").is_not_null())
    steps = steps.with_columns((pl.col("value") - pl.col("_from")).abs().alias("_step"))
    rows = []
    for level in sorted(rev["geographic_level"].unique().to_list(), key=LEVEL_ORDER.get):
        values = per_value.filter(pl.col("_level") == level)
        level_steps = steps.filter(pl.col("geographic_level") == level).sort(
            ["_step", "time_period", "measure", "_area"], descending=[True, False, False, False]
        )
        largest = level_steps.row(0, named=True) if level_steps.height else None
        revised = int(values["revised"].sum())
        rows.append(
            {
                "level": level,
                "country_code": ENGLAND_CODE,
                "country_name": ENGLAND_NAME,
                "first_time_period": int(
                    rev.filter(pl.col("geographic_level") == level)["time_period"].min()
                ),
                "last_time_period": int(rev.filter(pl.col("geographic_level") == level)["time_period"].max()),
                "values_published_more_than_once": values.height,
                "values_revised": revised,
                "share_revised_percent": revised * 100 / values.height if values.height else None,
                "largest_revision": int(largest["_step"]) if largest else None,
                "largest_revision_time_period": largest["time_period"] if largest else None,
                "largest_revision_measure": largest["measure"] if largest else None,
                "largest_revision_area": largest["_area"] if largest else None,
                "largest_revision_from_value": int(largest["_from"]) if largest else None,
                "largest_revision_from_release": largest["_from_release"] if largest else None,
                "largest_revision_to_value": int(largest["value"]) if largest else None,
                "largest_revision_to_release": largest["source_release"] if largest else None,
                "largest_revision_from_source_id": largest["_from_sid"] if largest else None,
                "largest_revision_to_source_id": largest["source_id"] if largest else None,
                "largest_change_first_to_latest": int(values["first_to_latest"].drop_nulls().max() or 0)
                if values["first_to_latest"].drop_nulls().len()
                else None,
            }
        )
    frame = pl.DataFrame(
        rows,
        schema_overrides={"largest_revision_time_period": pl.Int64, "share_revised_percent": pl.Float64},
    )
    return frame.select("level", "country_code", "country_name", *INDICATORS)


def views(frame: pl.DataFrame) -> dict[str, pl.DataFrame]:
    return {
        "counts": frame.select(
            "level",
            "values_published_more_than_once",
            "values_revised",
            (pl.col("values_published_more_than_once") - pl.col("values_revised")).alias("unrevised"),
            (
                pl.col("share_revised_percent")
                - pl.col("values_revised") * 100 / pl.col("values_published_more_than_once")
            ).alias("share_minus_counts"),
            (
                pl.col("largest_revision")
                - (pl.col("largest_revision_to_value") - pl.col("largest_revision_from_value")).abs()
            ).alias("largest_minus_its_values"),
        )
    }


DATASET = Dataset(
    name=NAME,
    title="Revisions to children looked after at 31 March: how many values later DfE releases changed, and by how "
    "much (England, regions, councils; derived)",
    description=(
        "One row per geographic level (England, regions, councils), from placements_revisions: the years that "
        "more than one Explore Education Statistics release published, how many values (year x area x measure) "
        "those releases published, how many of them a later release changed (a different number, or a number "
        "becoming suppressed or the reverse), and the largest change between one release and the next, with the "
        "year, measure, area, both values and both releases; largest_change_first_to_latest is the largest "
        "difference between the first published and the latest value. National and regional figures are "
        "rounded by DfE to the nearest 10, so their changes are in tens."
    ),
    families=[],
    build=build,
    key=KEY,
    columns={
        "level": "The geographic level of the values summarised: National, Regional or Local authority (the "
        "geographic_level of placements_revisions). Not named geographic_level: a row summarises every area of "
        "its level.",
        "country_code": "E92000001 (England).",
        "country_name": "England.",
        "first_time_period": "The first year (31 March) published by more than one release.",
        "last_time_period": "The last year (31 March) published by more than one release.",
        "values_published_more_than_once": "Values (year x area x measure) at this level that more than one "
        "release published.",
        "values_revised": "Of those, values where an earlier release published something different from the "
        "latest release (a number, or suppression).",
        "share_revised_percent": "Derived: values_revised / values_published_more_than_once x 100, unrounded.",
        "largest_revision": "The largest change, in children, between one release's value and the next release's "
        "value for the same year, area and measure.",
        "largest_revision_time_period": "The year (31 March) of that value.",
        "largest_revision_measure": "Its measure (data/reference/measures.csv).",
        "largest_revision_area": "Its area (England, the region or the council).",
        "largest_revision_from_value": "The value before the change.",
        "largest_revision_from_release": "The release that published it.",
        "largest_revision_to_value": "The value after the change.",
        "largest_revision_to_release": "The release that published it.",
        "largest_revision_from_source_id": "Source file of the value before (data/sources.csv).",
        "largest_revision_to_source_id": "Source file of the value after (data/sources.csv).",
        "largest_change_first_to_latest": "The largest difference, in children, between the first published and "
        "the latest value of the same year, area and measure.",
    },
    needs=[REVISIONS],
    views=views,
)
