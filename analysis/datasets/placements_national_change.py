"""England: the change in each placement count from every earlier year (base year) to every later year, with
its lower and upper bound where a year lies in the 2011-2014 coverage gap (derived from placements_national_trend).

For a count with bounds (placed inside / outside the boundary: value <= true count <= value_upper), the change
from a base year to a later year lies between

    low  = (value in the later year - value_upper in the base year) / value_upper in the base year x 100
    high = (value_upper in the later year - value in the base year) / value in the base year x 100

When neither year has a gap the two are equal: the change between the published counts. For counts with no
bound (all children looked after, more than 20 miles from home) low = high.
"""

from __future__ import annotations

import polars as pl

from analysis.datasets import Dataset, SourceFiles
from analysis.datasets.placements_at_31_march import GEOGRAPHY_COLUMN_DESCRIPTIONS
from analysis.datasets.placements_national_trend import INSIDE, OUTSIDE, OVER_20, OVER_20_OUT, TOTAL
from analysis.datasets.placements_national_trend import NAME as TREND
from analysis.layout import order_columns

NAME = "placements_national_change"
MEASURES = [OUTSIDE, INSIDE, TOTAL, OVER_20, OVER_20_OUT]

FILTERS = ["measure", "base_year"]
INDICATORS = [
    "base_value",
    "base_value_upper",
    "value",
    "value_upper",
    "change_percent_low",
    "change_percent_high",
    "has_bounds",
    "base_source_id",
]
KEY = ["measure", "base_year", "time_period"]


def build(source_files: SourceFiles, placements_national_trend: pl.DataFrame) -> pl.DataFrame:
    rows = placements_national_trend.filter(
        pl.col("measure").is_in(MEASURES), pl.col("value").is_not_null()
    ).with_columns(pl.coalesce("value_upper", "value").alias("value_upper"))
    base = rows.select(
        "measure",
        pl.col("time_period").alias("base_year"),
        pl.col("value").alias("base_value"),
        pl.col("value_upper").alias("base_value_upper"),
        pl.col("source_id").alias("base_source_id"),
    )
    later = rows.drop(
        "share_of_children_looked_after_percent", "share_upper_percent", "children_looked_after"
    )
    pairs = base.join(later, on="measure", how="inner").filter(pl.col("time_period") > pl.col("base_year"))
    pairs = pairs.filter(pl.col("base_value") > 0).with_columns(
        ((pl.col("value") - pl.col("base_value_upper")) * 100 / pl.col("base_value_upper")).alias(
            "change_percent_low"
        ),
        ((pl.col("value_upper") - pl.col("base_value")) * 100 / pl.col("base_value")).alias(
            "change_percent_high"
        ),
        (
            (pl.col("value_upper") != pl.col("value")) | (pl.col("base_value_upper") != pl.col("base_value"))
        ).alias("has_bounds"),
    )
    order = {m: i for i, m in enumerate(MEASURES)}
    pairs = pairs.sort(
        pl.col("measure").replace_strict(order, return_dtype=pl.Int64), "base_year", "time_period"
    )
    keep = [c for c in pairs.columns if c not in ("value_note", "derivation", "parts_add_up")]
    keep = [c for c in keep if c not in ("children_in_neither_count", "children_looked_after_source_id")]
    return order_columns(pairs.select(keep), FILTERS, INDICATORS)


def views(frame: pl.DataFrame) -> dict[str, pl.DataFrame]:
    """The bounds against the four counts they are made of."""
    check = frame.select(
        "measure",
        "base_year",
        "time_period",
        "change_percent_low",
        "change_percent_high",
        (
            pl.col("change_percent_low")
            - (pl.col("value") - pl.col("base_value_upper")) * 100 / pl.col("base_value_upper")
        ).alias("low_minus_counts"),
        (
            pl.col("change_percent_high")
            - (pl.col("value_upper") - pl.col("base_value")) * 100 / pl.col("base_value")
        ).alias("high_minus_counts"),
    )
    return {"bounds": check, "exact": frame.filter(~pl.col("has_bounds"))}


DATASET = Dataset(
    name=NAME,
    title="Change in children placed inside or outside their council's boundary, and more than 20 miles away, "
    "from every earlier year, with bounds (England, derived)",
    description=(
        "England: for each count of placements_national_trend (placed outside and inside the council's boundary, "
        "all children looked after, placed more than 20 miles from home and its part outside the boundary), the "
        "percentage change from every earlier year (base_year) to every later year (time_period). Where either "
        "year lies in the years when some children were in neither the inside nor the outside count (DfE's "
        "statistical first releases for 2011-2014), the change is known only within bounds: change_percent_low "
        "assumes all those children were in the count in the base year (and none in the later year), "
        "change_percent_high the reverse; has_bounds is true and both must be quoted. Otherwise the two are "
        "equal. Computed from DfE's national figures, each rounded to the nearest 10; unrounded here."
    ),
    families=[],
    build=build,
    key=KEY,
    columns={
        **GEOGRAPHY_COLUMN_DESCRIPTIONS,
        "time_period": "The later year: the position at 31 March of this year.",
        "measure": "Measure id (see data/reference/measures.csv), as in placements_national_trend.",
        "base_year": "The earlier year the change is measured from (31 March).",
        "base_value": "The count in the base year as published.",
        "base_value_upper": "The largest the count can be in the base year (placements_national_trend "
        "value_upper; equals base_value where there is no bound).",
        "value": "The count in the later year as published.",
        "value_upper": "The largest the count can be in the later year (equals value where there is no bound).",
        "change_percent_low": "Derived: (value - base_value_upper) / base_value_upper x 100, unrounded.",
        "change_percent_high": "Derived: (value_upper - base_value) / base_value x 100, unrounded.",
        "has_bounds": "True when either year has a bound (children in neither count), so low and high differ.",
        "base_source_id": "Source file of base_value (data/sources.csv).",
        "source_id": "Source file of value (data/sources.csv).",
        "source_release": "Release of that source file.",
    },
    needs=[TREND],
    views=views,
)
