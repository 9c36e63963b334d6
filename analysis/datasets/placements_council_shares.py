"""Each council's share of the children it looks after placed outside its boundary, and placed more than 20 miles
from home, with its rank among councils; for each region and England, the area's own share, the median of its
councils' shares and how many councils lie over a threshold (derived from placements_at_31_march).

Shares, medians, ranks and counts over a threshold are all computed here from the unrounded shares (a council's
counts are not rounded by DfE; a share is rounded only when it is shown). A share is empty, never 0, when a count
is suppressed or the council looks after no children; `share_outside_note` says why.
"""

from __future__ import annotations

import polars as pl

from analysis.datasets import Dataset, SourceFiles
from analysis.datasets.placements_at_31_march import GEOGRAPHY_COLUMN_DESCRIPTIONS
from analysis.datasets.placements_national_trend import INSIDE, OUTSIDE, OVER_20, TOTAL
from analysis.layout import order_columns

NAME = "placements_council_shares"
PLACEMENTS = "placements_at_31_march"
AREA = ["time_period", "geographic_level", "region_code", "new_la_code"]
LEVEL_ORDER = {"National": 0, "Regional": 1, "Local authority": 2}
# Thresholds the chapter states counts for (per cent of the children a council looks after).
HALF = 50.0
A_THIRD = 100 / 3

FILTERS: list[str] = []
INDICATORS = [
    "children_looked_after",
    "children_looked_after_note",
    "placed_outside_la_boundary",
    "placed_outside_note",
    "share_outside_percent",
    "share_outside_note",
    "children_in_neither_count",
    "share_outside_upper_percent",
    "share_outside_rank",
    "placed_over_20_miles",
    "placed_over_20_miles_note",
    "share_over_20_miles_percent",
    "share_over_20_miles_rank",
    "councils",
    "councils_with_share_outside",
    "councils_without_share_outside",
    "median_council_share_outside_percent",
    "councils_half_or_more_outside",
    "councils_with_outside_count",
    "councils_placing_any_outside",
    "share_of_councils_placing_any_outside_percent",
    "councils_with_share_over_20_miles",
    "median_council_share_over_20_miles_percent",
    "councils_over_a_third_over_20_miles",
    "children_looked_after_source_id",
    "placed_over_20_miles_source_id",
]
KEY = AREA


def _measure(frame: pl.DataFrame, measure: str, name: str, *, with_source: bool = False) -> pl.DataFrame:
    part = frame.filter(pl.col("measure") == measure).select(
        *AREA,
        pl.col("value").alias(name),
        pl.col("value_note").alias(f"{name}_note"),
        *([pl.col("source_id").alias(f"{name}_source_id")] if with_source else []),
    )
    return part


def _share(part: str, whole: str = "children_looked_after") -> pl.Expr:
    return (
        pl.when(pl.col(part).is_not_null() & (pl.col(whole) > 0))
        .then(pl.col(part) * 100 / pl.col(whole))
        .otherwise(None)
    )


def _rank(column: str) -> pl.Expr:
    """1 = the highest share among councils with a share that year; ties share the best rank."""
    return (
        pl.when(pl.col(column).is_not_null())
        .then(pl.col(column).rank(method="min", descending=True).over("time_period"))
        .cast(pl.Int64)
        .alias(column.replace("_percent", "_rank"))
    )


def _summaries(las: pl.DataFrame) -> pl.DataFrame:
    """Per year, for England and each region: counts of councils, medians and counts over thresholds."""
    aggregates = [
        pl.len().cast(pl.Int64).alias("councils"),
        pl.col("share_outside_percent")
        .is_not_null()
        .sum()
        .cast(pl.Int64)
        .alias("councils_with_share_outside"),
        pl.col("share_outside_percent")
        .is_null()
        .sum()
        .cast(pl.Int64)
        .alias("councils_without_share_outside"),
        pl.col("share_outside_percent").median().alias("median_council_share_outside_percent"),
        (pl.col("share_outside_percent") >= HALF).sum().cast(pl.Int64).alias("councils_half_or_more_outside"),
        pl.col("placed_outside_la_boundary")
        .is_not_null()
        .sum()
        .cast(pl.Int64)
        .alias("councils_with_outside_count"),
        (pl.col("placed_outside_la_boundary") > 0).sum().cast(pl.Int64).alias("councils_placing_any_outside"),
        pl.col("share_over_20_miles_percent")
        .is_not_null()
        .sum()
        .cast(pl.Int64)
        .alias("councils_with_share_over_20_miles"),
        pl.col("share_over_20_miles_percent").median().alias("median_council_share_over_20_miles_percent"),
        (pl.col("share_over_20_miles_percent") > A_THIRD)
        .sum()
        .cast(pl.Int64)
        .alias("councils_over_a_third_over_20_miles"),
    ]
    national = (
        las.group_by("time_period").agg(aggregates).with_columns(pl.lit("National").alias("geographic_level"))
    )
    regional = (
        las.group_by("time_period", "region_code")
        .agg(aggregates)
        .with_columns(pl.lit("Regional").alias("geographic_level"))
    )
    both = pl.concat([national, regional], how="diagonal")
    return both.with_columns(
        pl.when(pl.col("councils_with_outside_count") > 0)
        .then(pl.col("councils_placing_any_outside") * 100 / pl.col("councils_with_outside_count"))
        .alias("share_of_councils_placing_any_outside_percent"),
        pl.when(pl.col("councils_with_share_over_20_miles") == 0)
        .then(None)
        .otherwise(pl.col("councils_over_a_third_over_20_miles"))
        .alias("councils_over_a_third_over_20_miles"),
    )


def build(source_files: SourceFiles, placements_at_31_march: pl.DataFrame) -> pl.DataFrame:
    placements = placements_at_31_march
    base = placements.filter(pl.col("measure") == OUTSIDE).drop(
        "measure", "value", "value_note", "derivation"
    )
    frame = base
    for measure, name, with_source in (
        (TOTAL, "children_looked_after", True),
        (OUTSIDE, "placed_outside_la_boundary", False),
        (INSIDE, "placed_inside", False),
        (OVER_20, "placed_over_20_miles", True),
    ):
        part = _measure(placements, measure, name, with_source=with_source)
        frame = frame.join(part, on=AREA, how="left", nulls_equal=True, validate="1:1")
    frame = frame.rename({"placed_outside_la_boundary_note": "placed_outside_note"})
    is_la = pl.col("geographic_level") == "Local authority"
    # councils' counts are unrounded (any shortfall is children in neither count); national and regional
    # figures are rounded to the nearest 10, so a shortfall of up to 15 is rounding
    tolerance = pl.when(is_la).then(0).otherwise(15)
    neither = pl.col("children_looked_after") - pl.col("placed_inside") - pl.col("placed_outside_la_boundary")
    frame = frame.with_columns(
        _share("placed_outside_la_boundary").alias("share_outside_percent"),
        pl.when(neither.is_not_null() & (neither.abs() > tolerance))
        .then(neither)
        .otherwise(pl.when(neither.is_not_null()).then(0))
        .alias("children_in_neither_count"),
        _share("placed_over_20_miles").alias("share_over_20_miles_percent"),
    ).with_columns(
        pl.when(
            pl.col("share_outside_percent").is_not_null() & pl.col("children_in_neither_count").is_not_null()
        )
        .then(
            (pl.col("placed_outside_la_boundary") + pl.col("children_in_neither_count"))
            * 100
            / pl.col("children_looked_after")
        )
        .alias("share_outside_upper_percent"),
        pl.when(pl.col("placed_outside_la_boundary").is_null())
        .then(pl.lit("not published: ") + pl.col("placed_outside_note").fill_null("no value"))
        .when(pl.col("children_looked_after").is_null())
        .then(pl.lit("not published: ") + pl.col("children_looked_after_note").fill_null("no value"))
        .when(pl.col("children_looked_after") == 0)
        .then(pl.lit("no children looked after at 31 March: no share"))
        .otherwise(None)
        .alias("share_outside_note"),
    )
    las = frame.filter(is_la).with_columns(
        _rank("share_outside_percent"), _rank("share_over_20_miles_percent")
    )
    summaries = _summaries(las)
    areas = frame.filter(~is_la).join(
        summaries, on=["time_period", "geographic_level", "region_code"], how="left", nulls_equal=True
    )
    frame = pl.concat([areas, las], how="diagonal_relaxed").drop("placed_inside", "placed_inside_note")
    frame = frame.sort(
        "time_period",
        pl.col("geographic_level").replace_strict(LEVEL_ORDER, return_dtype=pl.Int64),
        pl.col("region_code").fill_null(""),
        pl.col("la_name").fill_null(""),
    )
    return order_columns(frame, FILTERS, INDICATORS)


def _share_check(frame: pl.DataFrame) -> pl.DataFrame:
    rows = frame.filter(pl.col("share_outside_percent").is_not_null())
    return rows.select(
        *AREA,
        (
            pl.col("share_outside_percent")
            - pl.col("placed_outside_la_boundary") * 100 / pl.col("children_looked_after")
        ).alias("share_minus_counts"),
        "share_outside_percent",
        "share_outside_upper_percent",
    )


def _distance_check(frame: pl.DataFrame) -> pl.DataFrame:
    rows = frame.filter(pl.col("share_over_20_miles_percent").is_not_null())
    return rows.select(
        *AREA,
        (
            pl.col("share_over_20_miles_percent")
            - pl.col("placed_over_20_miles") * 100 / pl.col("children_looked_after")
        ).alias("share_minus_counts"),
    )


def _summary_check(frame: pl.DataFrame) -> pl.DataFrame:
    rows = frame.filter(pl.col("geographic_level") != "Local authority")
    return rows.select(
        *AREA,
        "councils",
        "councils_with_share_outside",
        "councils_without_share_outside",
        "councils_half_or_more_outside",
        "councils_placing_any_outside",
        "councils_with_outside_count",
        (
            pl.col("councils_with_share_outside")
            + pl.col("councils_without_share_outside")
            - pl.col("councils")
        ).alias("with_plus_without_minus_councils"),
        "median_council_share_outside_percent",
    )


def views(frame: pl.DataFrame) -> dict[str, pl.DataFrame]:
    las = frame.filter(pl.col("geographic_level") == "Local authority")
    return {
        "shares": _share_check(frame),
        "distance_shares": _distance_check(frame),
        "summaries": _summary_check(frame),
        "councils": las,
        "suppressed": las.filter(pl.col("placed_outside_la_boundary").is_null()),
    }


DATASET = Dataset(
    name=NAME,
    title="Share of children each council placed outside its boundary, and more than 20 miles from home, with "
    "ranks, medians and counts of councils (England, derived)",
    description=(
        "Every year of placements_at_31_march. Council rows: the children the council looks after, those placed "
        "outside its boundary and more than 20 miles from home (as published), each as a share of all children "
        "it looks after (derived here, unrounded), and the council's rank among councils with a share that year "
        "(1 = highest; ties share a rank). A share is empty when a count is suppressed or the council looks after "
        "no children (share_outside_note says why), never 0. Region and England rows: the area's own share (from "
        "DfE's regional and national counts, rounded by DfE to the nearest 10) and, over the councils in the "
        "area: how many there are, how many have a share, the median of their unrounded shares, how many placed "
        "at least half outside, how many placed anyone outside, how many placed more than a third over 20 miles "
        "away. London's councils are its 32 boroughs and the City of London. In DfE's 2011-2014 statistical first "
        "releases some children are in neither the inside nor the outside count, so a share for those years is a "
        "lower bound (share_outside_upper_percent is the upper). Distance shares: councils 2017 and 2020 onwards; "
        "children whose distance is not known are in no band, so a distance share understates."
    ),
    families=[],
    build=build,
    key=KEY,
    columns={
        **GEOGRAPHY_COLUMN_DESCRIPTIONS,
        "region_code": "Region GSS code (E12...); on council rows the council's region (London for every "
        "London borough and the City of London).",
        "children_looked_after": "Children looked after at 31 March by the council (or in the area's councils) "
        "as published.",
        "children_looked_after_note": "Why children_looked_after is empty: the published symbol and its meaning.",
        "placed_outside_la_boundary": "Children placed outside the boundary of the council responsible for them, "
        "as published.",
        "placed_outside_note": "Why placed_outside_la_boundary is empty.",
        "share_outside_percent": "Derived: placed_outside_la_boundary / children_looked_after x 100, unrounded. "
        "Empty (never 0) when either count is not published or no children are looked after.",
        "share_outside_note": "Why share_outside_percent is empty.",
        "children_in_neither_count": "Children in neither the inside nor the outside count (total - inside - "
        "outside; 0 where the parts add up, within DfE's rounding of 15 for England and regions). Empty where a "
        "part is not published.",
        "share_outside_upper_percent": "Derived: (placed outside + children in neither count) / "
        "children_looked_after x 100: the largest the share can be. Equals share_outside_percent where the parts "
        "add up.",
        "share_outside_rank": "Council rows: rank of share_outside_percent among councils with a share that year "
        "(1 = highest; tied councils share the best rank).",
        "placed_over_20_miles": "Children placed more than 20 miles from home, as published (2017: the sum of "
        "the two published parts, see placements_at_31_march).",
        "placed_over_20_miles_note": "Why placed_over_20_miles is empty.",
        "share_over_20_miles_percent": "Derived: placed_over_20_miles / children_looked_after x 100, unrounded.",
        "share_over_20_miles_rank": "Council rows: rank of share_over_20_miles_percent that year (1 = highest).",
        "councils": "Region and England rows: council rows in the area that year.",
        "councils_with_share_outside": "Region and England rows: councils with a share_outside_percent.",
        "councils_without_share_outside": "Region and England rows: councils with no share (suppressed or no "
        "children looked after).",
        "median_council_share_outside_percent": "Region and England rows: median of the councils' unrounded "
        "share_outside_percent.",
        "councils_half_or_more_outside": "Region and England rows: councils whose unrounded share_outside_percent "
        "is 50 or more.",
        "councils_with_outside_count": "Region and England rows: councils with a published count placed outside "
        "(including 0).",
        "councils_placing_any_outside": "Region and England rows: councils whose published count placed outside "
        "is more than 0.",
        "share_of_councils_placing_any_outside_percent": "Derived: councils_placing_any_outside / "
        "councils_with_outside_count x 100, unrounded.",
        "councils_with_share_over_20_miles": "Region and England rows: councils with a share_over_20_miles_percent.",
        "median_council_share_over_20_miles_percent": "Region and England rows: median of the councils' unrounded "
        "share_over_20_miles_percent.",
        "councils_over_a_third_over_20_miles": "Region and England rows: councils whose unrounded "
        "share_over_20_miles_percent is more than a third (33.3...). Empty in years with no council distance "
        "figures.",
        "children_looked_after_source_id": "Source file of children_looked_after (data/sources.csv).",
        "placed_over_20_miles_source_id": "Source file of placed_over_20_miles (data/sources.csv).",
        "source_id": "Source file of placed_outside_la_boundary (data/sources.csv).",
        "source_release": "Release of that source file.",
    },
    needs=[PLACEMENTS],
    views=views,
)
