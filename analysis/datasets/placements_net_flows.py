"""Children placed in each council's area by other councils against those it placed outside its own boundary:
DfE's published net gain, each council's rank, and for each region and England how many councils gained or
lost children, net (derived from placements_at_31_march).

Net gain is DfE's published figure (placed in the area by other councils minus placed outside by this council);
nothing is recomputed. A council with no published net gain is counted apart, never as 0.
"""

from __future__ import annotations

import polars as pl

from analysis.datasets import Dataset, SourceFiles
from analysis.datasets.placements_at_31_march import GEOGRAPHY_COLUMN_DESCRIPTIONS
from analysis.datasets.placements_national_trend import NET_GAIN, OUTSIDE, PLACED_IN
from analysis.layout import order_columns

NAME = "placements_net_flows"
PLACEMENTS = "placements_at_31_march"
AREA = ["time_period", "geographic_level", "region_code", "new_la_code"]
LEVEL_ORDER = {"National": 0, "Regional": 1, "Local authority": 2}

FILTERS: list[str] = []
INDICATORS = [
    "placed_in_la_by_other_las",
    "placed_in_note",
    "placed_outside_la_boundary",
    "placed_outside_note",
    "net_gain",
    "net_gain_note",
    "net_gain_rank_highest",
    "net_gain_rank_lowest",
    "placed_in_rank",
    "placed_outside_rank",
    "councils",
    "councils_net_gain",
    "councils_net_loss",
    "councils_net_zero",
    "councils_without_net_gain",
]
KEY = AREA


def _rank(column: str, *, descending: bool, name: str) -> pl.Expr:
    return (
        pl.when(pl.col(column).is_not_null())
        .then(pl.col(column).rank(method="min", descending=descending).over("time_period"))
        .cast(pl.Int64)
        .alias(name)
    )


def build(source_files: SourceFiles, placements_at_31_march: pl.DataFrame) -> pl.DataFrame:
    placements = placements_at_31_march
    base = placements.filter(pl.col("measure") == NET_GAIN).select(
        pl.exclude("measure", "value", "value_note", "derivation"),
        pl.col("value").alias("net_gain"),
        pl.col("value_note").alias("net_gain_note"),
    )
    frame = base
    for measure, name, note in (
        (PLACED_IN, "placed_in_la_by_other_las", "placed_in_note"),
        (OUTSIDE, "placed_outside_la_boundary", "placed_outside_note"),
    ):
        part = placements.filter(pl.col("measure") == measure).select(
            *AREA,
            pl.col("value").alias(name),
            pl.col("value_note").alias(note),
            pl.col("source_id").alias("_sid"),
        )
        frame = frame.join(part, on=AREA, how="left", nulls_equal=True, validate="1:1")
        differs = frame.filter(
            pl.col("geographic_level") == "Local authority",
            pl.col("_sid").is_not_null(),
            pl.col("_sid") != pl.col("source_id"),
        )
        if differs.height:
            raise ValueError(
                f"{NAME}: {measure} and net gain come from different files for "
                f"{differs.select('time_period', 'la_name').rows()[:5]}"
            )
        frame = frame.drop("_sid")
    is_la = pl.col("geographic_level") == "Local authority"
    las = frame.filter(is_la).with_columns(
        _rank("net_gain", descending=True, name="net_gain_rank_highest"),
        _rank("net_gain", descending=False, name="net_gain_rank_lowest"),
        _rank("placed_in_la_by_other_las", descending=True, name="placed_in_rank"),
        _rank("placed_outside_la_boundary", descending=True, name="placed_outside_rank"),
    )
    aggregates = [
        pl.len().cast(pl.Int64).alias("councils"),
        (pl.col("net_gain") > 0).sum().cast(pl.Int64).alias("councils_net_gain"),
        (pl.col("net_gain") < 0).sum().cast(pl.Int64).alias("councils_net_loss"),
        (pl.col("net_gain") == 0).sum().cast(pl.Int64).alias("councils_net_zero"),
        pl.col("net_gain").is_null().sum().cast(pl.Int64).alias("councils_without_net_gain"),
    ]
    summaries = pl.concat(
        [
            las.group_by("time_period")
            .agg(aggregates)
            .with_columns(pl.lit("National").alias("geographic_level")),
            las.group_by("time_period", "region_code")
            .agg(aggregates)
            .with_columns(pl.lit("Regional").alias("geographic_level")),
        ],
        how="diagonal",
    )
    areas = frame.filter(~is_la).join(
        summaries, on=["time_period", "geographic_level", "region_code"], how="left", nulls_equal=True
    )
    frame = pl.concat([areas, las], how="diagonal_relaxed").sort(
        "time_period",
        pl.col("geographic_level").replace_strict(LEVEL_ORDER, return_dtype=pl.Int64),
        pl.col("region_code").fill_null(""),
        pl.col("la_name").fill_null(""),
    )
    return order_columns(frame, FILTERS, INDICATORS)


def views(frame: pl.DataFrame) -> dict[str, pl.DataFrame]:
    las = frame.filter(pl.col("geographic_level") == "Local authority")
    areas = frame.filter(pl.col("geographic_level") != "Local authority")
    return {
        "councils": las,
        "identity": las.drop_nulls(
            ["net_gain", "placed_in_la_by_other_las", "placed_outside_la_boundary"]
        ).select(
            *AREA,
            "la_name",
            (
                pl.col("placed_in_la_by_other_las")
                - pl.col("placed_outside_la_boundary")
                - pl.col("net_gain")
            ).alias("in_minus_out_minus_net_gain"),
        ),
        "summaries": areas.select(
            *AREA,
            "councils",
            "councils_net_gain",
            "councils_net_loss",
            "councils_net_zero",
            "councils_without_net_gain",
            (
                pl.col("councils_net_gain")
                + pl.col("councils_net_loss")
                + pl.col("councils_net_zero")
                + pl.col("councils_without_net_gain")
                - pl.col("councils")
            ).alias("parts_minus_councils"),
        ),
    }


DATASET = Dataset(
    name=NAME,
    title="Children placed in each council's area by other councils, placed outside it, and net gain, with ranks "
    "and counts of councils (England, derived)",
    description=(
        "Every year of placements_at_31_march. Council rows: children other councils placed in the council's "
        "area, children the council placed outside its own boundary, and DfE's published net gain (the first "
        "minus the second; all three from the same DfE file), with ranks among councils that year (1 = highest "
        "net gain / lowest net gain / most placed in / most placed out; ties share a rank). Region and England "
        "rows: the area's published counts (rounded by DfE to the nearest 10) and how many of its councils had a "
        "net gain, a net loss, exactly 0, or no published net gain (suppressed: never counted as 0)."
    ),
    families=[],
    build=build,
    key=KEY,
    columns={
        **GEOGRAPHY_COLUMN_DESCRIPTIONS,
        "region_code": "Region GSS code (E12...); on council rows the council's region.",
        "placed_in_la_by_other_las": "Children looked after by other councils placed inside this area, as "
        "published.",
        "placed_in_note": "Why placed_in_la_by_other_las is empty.",
        "placed_outside_la_boundary": "Children this council (or the area's councils) placed outside their own "
        "boundary, as published.",
        "placed_outside_note": "Why placed_outside_la_boundary is empty.",
        "net_gain": "DfE's published net gain: placed in by others minus placed outside (negative: a net loss).",
        "net_gain_note": "Why net_gain is empty: the published symbol and its meaning.",
        "net_gain_rank_highest": "Council rows: rank of net_gain that year, 1 = the largest net gain.",
        "net_gain_rank_lowest": "Council rows: rank of net_gain that year, 1 = the largest net loss (lowest).",
        "placed_in_rank": "Council rows: rank of placed_in_la_by_other_las that year, 1 = the most.",
        "placed_outside_rank": "Council rows: rank of placed_outside_la_boundary that year, 1 = the most.",
        "councils": "Region and England rows: council rows in the area that year.",
        "councils_net_gain": "Region and England rows: councils with a published net gain above 0.",
        "councils_net_loss": "Region and England rows: councils with a published net gain below 0.",
        "councils_net_zero": "Region and England rows: councils with a published net gain of exactly 0.",
        "councils_without_net_gain": "Region and England rows: councils with no published net gain.",
        "source_id": "Source file of net_gain (data/sources.csv); the two counts come from the same file on "
        "council rows.",
        "source_release": "Release of that source file.",
    },
    needs=[PLACEMENTS],
    views=views,
)
