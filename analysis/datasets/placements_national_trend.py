"""England, every year: children looked after at 31 March by where they were placed, with each count's share of
all children looked after and, where some children are in neither the inside nor the outside count, the bounds.

Derived from placements_at_31_march (national rows). In DfE's 2011-2014 statistical first releases the children
placed inside and outside their council's boundary add up to fewer than all children looked after: some children
are in neither count and DfE does not say why. For those years the number placed outside is known only to lie
between the published count (`value`) and that count plus the children in neither (`value_upper`); a share or a
change measured from those years therefore has two bounds (see placements_national_change). From 2015 the parts
add up to the total within DfE's rounding (each national figure is rounded to the nearest 10, so three figures
can differ by up to 15), and `value_upper` equals `value`.
"""

from __future__ import annotations

import polars as pl

from analysis.datasets import Dataset, SourceFiles
from analysis.datasets.placements_at_31_march import GEOGRAPHY_COLUMN_DESCRIPTIONS
from analysis.layout import order_columns

NAME = "placements_national_trend"
PLACEMENTS = "placements_at_31_march"

TOTAL = "children_looked_after"
INSIDE = "placed_inside_la_boundary"
OUTSIDE = "placed_outside_la_boundary"
PLACED_IN = "placed_in_la_by_other_las"
NET_GAIN = "net_gain"
OVER_20 = "placed_over_20_miles"
OVER_20_IN = "placed_over_20_miles_inside_la_boundary"
OVER_20_OUT = "placed_over_20_miles_outside_la_boundary"
MEASURES = [TOTAL, INSIDE, OUTSIDE, PLACED_IN, NET_GAIN, OVER_20, OVER_20_IN, OVER_20_OUT]
# Counts that are a part of all children looked after (a share of the total means something).
PARTS = [INSIDE, OUTSIDE, OVER_20, OVER_20_IN, OVER_20_OUT]
# The two counts that, with the children in neither, make up the total.
BOUNDED = [INSIDE, OUTSIDE]
# National figures are rounded by DfE to the nearest 10: total - inside - outside can be off by 3 x 5.
ROUNDING_TOLERANCE = 15

FILTERS = ["measure"]
INDICATORS = [
    "value",
    "value_note",
    "derivation",
    "value_upper",
    "children_looked_after",
    "share_of_children_looked_after_percent",
    "share_upper_percent",
    "children_in_neither_count",
    "parts_add_up",
    "children_looked_after_source_id",
]
KEY = ["time_period", "measure"]


def year_coverage(placements: pl.DataFrame) -> pl.DataFrame:
    """Per year (England): all children looked after, the children in neither the inside nor the outside count
    (total - inside - outside, as computed from the published figures) and whether the parts add up."""
    national = placements.filter(pl.col("geographic_level") == "National")
    wide = national.filter(pl.col("measure").is_in([TOTAL, *BOUNDED])).pivot(
        on="measure", index="time_period", values="value", aggregate_function=None
    )
    totals = national.filter(pl.col("measure") == TOTAL).select(
        "time_period", pl.col("source_id").alias("children_looked_after_source_id")
    )
    difference = pl.col(TOTAL) - pl.col(INSIDE) - pl.col(OUTSIDE)
    return wide.join(totals, on="time_period", how="left").select(
        "time_period",
        pl.col(TOTAL).alias("children_looked_after"),
        difference.alias("children_in_neither_count"),
        (difference.abs() <= ROUNDING_TOLERANCE).alias("parts_add_up"),
        "children_looked_after_source_id",
    )


def build(source_files: SourceFiles, placements_at_31_march: pl.DataFrame) -> pl.DataFrame:
    unknown = set(MEASURES) - set(placements_at_31_march["measure"].unique().to_list())
    if unknown:
        raise ValueError(f"{PLACEMENTS} has no measure(s) {sorted(unknown)}: {NAME} reads them")
    coverage = year_coverage(placements_at_31_march)
    rows = placements_at_31_march.filter(
        pl.col("geographic_level") == "National", pl.col("measure").is_in(MEASURES)
    )
    frame = rows.join(coverage, on="time_period", how="left", validate="m:1")
    bounded = pl.col("measure").is_in(BOUNDED)
    # where the parts do not add up, each of inside and outside may hold up to all the children in neither
    upper = (
        pl.when(bounded & ~pl.col("parts_add_up"))
        .then(pl.col("value") + pl.col("children_in_neither_count"))
        .when(bounded)
        .then(pl.col("value"))
        .otherwise(None)
    )
    share = (
        pl.when(pl.col("measure").is_in(PARTS) & (pl.col("children_looked_after") > 0))
        .then(pl.col("value") * 100 / pl.col("children_looked_after"))
        .otherwise(None)
    )
    frame = frame.with_columns(
        upper.alias("value_upper"), share.alias("share_of_children_looked_after_percent")
    )
    frame = frame.with_columns(
        pl.when(pl.col("value_upper").is_not_null() & (pl.col("children_looked_after") > 0))
        .then(pl.col("value_upper") * 100 / pl.col("children_looked_after"))
        .otherwise(None)
        .alias("share_upper_percent")
    )
    order = {m: i for i, m in enumerate(MEASURES)}
    frame = frame.sort(pl.col("measure").replace_strict(order, return_dtype=pl.Int64), "time_period")
    return order_columns(frame, FILTERS, INDICATORS)


def _share_check(frame: pl.DataFrame) -> pl.DataFrame:
    """Each share against the two counts it is made of (the difference must be nil)."""
    shares = frame.filter(pl.col("share_of_children_looked_after_percent").is_not_null())
    return shares.select(
        "time_period",
        "measure",
        (
            pl.col("share_of_children_looked_after_percent")
            - pl.col("value") * 100 / pl.col("children_looked_after")
        ).alias("share_minus_counts"),
        (pl.col("share_upper_percent") - pl.col("value_upper") * 100 / pl.col("children_looked_after")).alias(
            "upper_share_minus_counts"
        ),
    )


def _totals_check(frame: pl.DataFrame) -> pl.DataFrame:
    """The measure children_looked_after equals the total carried on every row of its year."""
    totals = frame.filter(pl.col("measure") == TOTAL)
    return totals.select(
        "time_period", (pl.col("value") - pl.col("children_looked_after")).alias("total_minus_carried")
    )


def views(frame: pl.DataFrame) -> dict[str, pl.DataFrame]:
    return {
        "shares": _share_check(frame),
        "totals": _totals_check(frame),
        "bounded": frame.filter(pl.col("measure").is_in(BOUNDED)),
        "gap_years": frame.filter(pl.col("measure") == OUTSIDE, ~pl.col("parts_add_up")),
    }


DATASET = Dataset(
    name=NAME,
    title="Children looked after at 31 March by where they were placed, with shares and bounds (England, derived)",
    description=(
        "England, every year of placements_at_31_march: the published national counts (all children looked after; "
        "placed inside and outside their council's boundary; placed in the area by other councils; net gain; "
        "placed more than 20 miles from home, and its inside/outside split), one row per year and measure, each "
        "with its share of all children looked after that year (derived here, unrounded). In the years where "
        "the inside and outside counts add up to fewer than all children looked after (DfE's statistical first "
        "releases for 2011-2014), children_in_neither_count is the shortfall and value_upper / "
        "share_upper_percent give the upper bound of the inside or outside count if all those children were in "
        "it: the true figure lies between value and value_upper. From 2015 the parts add up within DfE's "
        "rounding (parts_add_up) and value_upper equals value. National figures are rounded by DfE to the "
        "nearest 10; shares are computed from those rounded figures."
    ),
    families=[],
    build=build,
    key=KEY,
    columns={
        **GEOGRAPHY_COLUMN_DESCRIPTIONS,
        "measure": "Measure id (see data/reference/measures.csv), as in placements_at_31_march.",
        "value": "Number of children as published (placements_at_31_march). Null when not published.",
        "value_note": "Why value is null: the published symbol and its meaning.",
        "derivation": "How value was derived from published figures where DfE publishes no total (as in "
        "placements_at_31_march); empty when published as it is.",
        "value_upper": "Inside and outside rows only: the largest the count can be, value + "
        "children_in_neither_count where the parts do not add up, else value. Empty for other measures.",
        "children_looked_after": "All children looked after at 31 March that year (England), the denominator of "
        "the shares.",
        "share_of_children_looked_after_percent": "Derived: value / children_looked_after x 100, unrounded. "
        "Only for counts that are part of all children looked after (inside, outside, more than 20 miles).",
        "share_upper_percent": "Derived: value_upper / children_looked_after x 100, unrounded (inside and outside "
        "rows).",
        "children_in_neither_count": "children_looked_after - placed inside - placed outside, from the published "
        "figures (the same on every row of the year). Above 15 only in 2011-2014; from 2015 it is DfE's rounding "
        "(within 15).",
        "parts_add_up": "True when inside + outside equals all children looked after within DfE's rounding (15).",
        "children_looked_after_source_id": "Source file of children_looked_after (data/sources.csv).",
        "source_id": "Source file of value (data/sources.csv).",
        "source_release": "Release of that source file.",
    },
    needs=[PLACEMENTS],
    views=views,
)
