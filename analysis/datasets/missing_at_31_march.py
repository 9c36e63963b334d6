"""Children missing on one day, 31 March, England: two DfE measures kept apart (derived).

- 2011-2014 (missing_over_24_hours): children whose placement at 31 March was "missing from their agreed
  placement for more than 24 hours", a placement category in the SFR files;
- 2015 onwards (missing_from_care): children missing from their placement on 31 March, whatever the duration.

Different definitions: the `measure` and `definition` columns differ, and `series_start` gives the first year
of each, so a chart draws two series with a break and never one line. Neither is the number of children who
went missing during a year.
"""

from __future__ import annotations

import polars as pl

from analysis.datasets import Dataset, SourceFiles
from analysis.datasets.missing_from_care import NATIONAL_GEOGRAPHY_COLUMNS
from analysis.layout import order_columns

NAME = "missing_at_31_march"
OVER_24 = "missing_over_24_hours"
MISSING = "missing_from_care"
OLD_MEASURE = "children_missing_over_24_hours_at_31_march"
NEW_MEASURE = "children_missing_at_31_march"
DEFINITIONS = {
    OLD_MEASURE: "Missing from their agreed placement for more than 24 hours, on 31 March (a placement category)",
    NEW_MEASURE: "Missing from their placement on 31 March, whatever the duration",
}
KEY = ["time_period", "measure"]


def build(source_files: SourceFiles, missing_over_24_hours: pl.DataFrame, missing_from_care: pl.DataFrame):
    old = missing_over_24_hours.filter(
        pl.col("geographic_level") == "National", pl.col("measure") == OLD_MEASURE
    )
    new = missing_from_care.filter(
        pl.col("geographic_level") == "National", pl.col("measure") == NEW_MEASURE
    ).drop("rate")
    if old.is_empty() or new.is_empty():
        raise ValueError(
            f"{NAME}: a national series is empty ({OLD_MEASURE}: {old.height}, {NEW_MEASURE}: {new.height})"
        )
    overlap = set(old["time_period"].to_list()) & set(new["time_period"].to_list())
    if overlap:
        raise ValueError(
            f"{NAME}: the two measures share years {sorted(overlap)}; they are different definitions"
        )
    frame = pl.concat([old, new.select(old.columns)])
    frame = frame.with_columns(
        pl.col("measure").replace_strict(DEFINITIONS, return_dtype=pl.Utf8).alias("definition"),
        pl.col("time_period").min().over("measure").alias("series_start"),
        pl.col("time_period").max().over("measure").alias("series_end"),
    ).sort("time_period")
    return order_columns(
        frame, ["measure", "definition"], ["series_start", "series_end", "value", "value_note"]
    )


def views(frame: pl.DataFrame) -> dict[str, pl.DataFrame]:
    """Each year has one measure; the two series do not overlap."""
    return {
        "series": frame.group_by("measure").agg(
            pl.col("time_period").min().alias("first"), pl.col("time_period").max().alias("last")
        ),
        "years": frame.group_by("time_period").agg(pl.col("measure").n_unique().alias("measures")),
    }


DATASET = Dataset(
    name=NAME,
    title="Children missing on 31 March, England: the 2011-2014 measure and the measure from 2015, kept apart",
    description=(
        "England. Children looked after who were missing on one day, 31 March. Up to 2014 DfE's statistical "
        "first releases counted only children whose placement on 31 March was 'missing from their agreed "
        "placement for more than 24 hours' (a placement category; missing_over_24_hours). From 2015 DfE counts "
        "children missing on 31 March whatever the duration (missing_from_care). Two definitions: never join "
        "them into one line. Neither is the number of children who went missing during the year. Counts "
        "rounded by DfE to the nearest 10."
    ),
    families=[],
    build=build,
    key=KEY,
    columns={
        "time_period": "Year: the count is at 31 March of that year",
        **NATIONAL_GEOGRAPHY_COLUMNS,
        "measure": f"{OLD_MEASURE} (2011-2014 measure) or {NEW_MEASURE} (from 2015)",
        "definition": "What the measure counts, in words",
        "series_start": "First year of this measure's series",
        "series_end": "Last year of this measure's series",
        "value": "Children (DfE, rounded to the nearest 10)",
        "value_note": "Why value is empty, if it is",
        "source_id": "Upstream file (data/sources.csv) the row comes from",
        "source_release": "Release of that file",
    },
    needs=[OVER_24, MISSING],
    views=views,
)
