"""England's missing-from-care trend with its rates (derived from missing_from_care).

One row per year and measure: children who went missing (and more than once), missing incidents, and the same
three for children away from placement without authorisation, each year from 2015. Next to each count:

- `children_looked_after_during_year`, the denominator DfE publishes with the missing figures (2018 onwards);
- `per_100_looked_after` = value / children_looked_after_during_year x 100, unrounded (children measures only);
- DfE's own rounded percentage and average incidents per child, where published;
- `change_since_first_year_percent`, unrounded, from the first year of the series;
- which councils the national figure leaves out because they provided no data (Hackney in 2021, the away
  figures of 15 councils in 2017): read from the council rows, never typed here.

The chapter "Children missing from care" reads this dataset; it computes nothing itself.
"""

from __future__ import annotations

import polars as pl

from analysis.datasets import Dataset, SourceFiles
from analysis.datasets.missing_from_care import NATIONAL_GEOGRAPHY_COLUMNS
from analysis.layout import order_columns

NAME = "missing_national"
MISSING = "missing_from_care"
DENOMINATOR = "children_looked_after_during_year"

# the counts, in the order a reader meets them
MEASURES = [
    "children_missing",
    "children_missing_more_than_once",
    "missing_incidents",
    "children_away",
    "children_away_more_than_once",
    "away_incidents",
]
CHILDREN_MEASURES = [m for m in MEASURES if m.startswith("children_")]
PUBLISHED_PERCENT = {"children_missing": "percent_children_missing", "children_away": "percent_children_away"}
PUBLISHED_AVERAGE = {
    "missing_incidents": "average_missing_incidents_per_child_missing",
    "away_incidents": "average_away_incidents_per_child_away",
}

KEY = ["time_period", "measure"]
FILTERS = ["measure"]
INDICATORS = [
    "value",
    "value_note",
    "children_looked_after_during_year",
    "per_100_looked_after",
    "published_percent",
    "published_average_incidents_per_child",
    "first_year",
    "change_since_first_year_percent",
    "councils_without_data",
    "councils_without_data_names",
    "denominator_includes_councils_without_data",
]


def suppressed(note: pl.Expr) -> pl.Expr:
    """A value DfE withheld (small numbers): counted in England's total, not shown for the council."""
    return note.str.starts_with("suppressed")


def not_applicable(note: pl.Expr) -> pl.Expr:
    """No figure because there is nothing to count (the Isles of Scilly looked after no children)."""
    return note.str.starts_with("not applicable")


def without_data(value: pl.Expr, note: pl.Expr) -> pl.Expr:
    """A council that provided no figure (DfE: 'unable to provide data'; a published 0 corrected to no value,
    or '..'): its children are not in England's total. Suppressed and not-applicable values are not this."""
    return value.is_null() & note.is_not_null() & ~suppressed(note) & ~not_applicable(note)


def _councils_without_data(councils: pl.DataFrame) -> pl.DataFrame:
    """Per year and measure: the councils with no data (count and names), and whether the denominator
    (children looked after during the year) was nonetheless published for all of them."""
    denominators = councils.filter(pl.col("measure") == DENOMINATOR).select(
        "time_period", "new_la_code", pl.col("value").alias("_denominator")
    )
    gaps = (
        councils.filter(
            pl.col("measure").is_in(MEASURES), without_data(pl.col("value"), pl.col("value_note"))
        )
        .join(denominators, on=["time_period", "new_la_code"], how="left")
        .sort("la_name")
        .group_by("time_period", "measure")
        .agg(
            pl.len().cast(pl.Int64).alias("councils_without_data"),
            pl.col("la_name").str.join(", ").alias("councils_without_data_names"),
            pl.col("_denominator").is_not_null().all().alias("denominator_includes_councils_without_data"),
        )
    )
    return gaps


def build(source_files: SourceFiles, missing_from_care: pl.DataFrame) -> pl.DataFrame:
    national = missing_from_care.filter(pl.col("geographic_level") == "National")
    councils = missing_from_care.filter(pl.col("geographic_level") == "Local authority")
    counts = national.filter(pl.col("measure").is_in(MEASURES)).drop("rate")
    if set(counts["measure"].unique().to_list()) != set(MEASURES):
        raise ValueError(f"{MISSING}: national rows lack measures {set(MEASURES) - set(counts['measure'])}")

    denominator = national.filter(pl.col("measure") == DENOMINATOR).select(
        "time_period",
        pl.col("value").alias(DENOMINATOR),
        pl.col("source_id").alias("_denominator_source"),
    )
    published = national.filter(
        pl.col("measure").is_in(list(PUBLISHED_PERCENT.values()) + list(PUBLISHED_AVERAGE.values()))
    ).select("time_period", pl.col("measure").alias("_published_measure"), pl.col("rate").alias("_rate"))
    percent = published.join(
        pl.DataFrame(
            {"measure": list(PUBLISHED_PERCENT), "_published_measure": list(PUBLISHED_PERCENT.values())}
        ),
        on="_published_measure",
    ).select("time_period", "measure", pl.col("_rate").alias("published_percent"))
    average = published.join(
        pl.DataFrame(
            {"measure": list(PUBLISHED_AVERAGE), "_published_measure": list(PUBLISHED_AVERAGE.values())}
        ),
        on="_published_measure",
    ).select("time_period", "measure", pl.col("_rate").alias("published_average_incidents_per_child"))

    first = (
        counts.filter(pl.col("value").is_not_null())
        .sort("time_period")
        .group_by("measure")
        .agg(pl.col("time_period").first().alias("first_year"), pl.col("value").first().alias("_first"))
    )
    frame = (
        counts.join(denominator, on="time_period", how="left")
        .join(percent, on=["time_period", "measure"], how="left")
        .join(average, on=["time_period", "measure"], how="left")
        .join(first, on="measure", how="left")
        .join(_councils_without_data(councils), on=["time_period", "measure"], how="left")
    )
    mixed = frame.filter(
        pl.col("_denominator_source").is_not_null() & (pl.col("_denominator_source") != pl.col("source_id"))
    )
    if mixed.height:
        raise ValueError(f"{NAME}: a count and its denominator come from different files: {mixed.rows()[:3]}")
    frame = frame.with_columns(
        pl.when(pl.col("measure").is_in(CHILDREN_MEASURES) & (pl.col(DENOMINATOR) > 0))
        .then(pl.col("value") / pl.col(DENOMINATOR) * 100)
        .alias("per_100_looked_after"),
        ((pl.col("value") - pl.col("_first")) / pl.col("_first") * 100).alias(
            "change_since_first_year_percent"
        ),
        pl.col("councils_without_data").fill_null(0),
        # only meaningful where there is a denominator (2018 onwards)
        pl.when(pl.col(DENOMINATOR).is_not_null())
        .then(pl.col("denominator_includes_councils_without_data"))
        .alias("denominator_includes_councils_without_data"),
    )
    order = {m: i for i, m in enumerate(MEASURES)}
    frame = frame.sort("time_period", pl.col("measure").replace_strict(order, return_dtype=pl.Int64))
    return order_columns(frame.drop("_denominator_source", "_first"), FILTERS, INDICATORS)


def views(frame: pl.DataFrame) -> dict[str, pl.DataFrame]:
    """Recomputed checks: the rate equals its two counts; DfE's rounded percentage agrees with it."""
    rated = frame.filter(pl.col("per_100_looked_after").is_not_null())
    return {
        "rate_check": rated.select(
            "time_period",
            "measure",
            (pl.col("per_100_looked_after") - pl.col("value") / pl.col(DENOMINATOR) * 100)
            .abs()
            .alias("difference"),
        ),
        # DfE rounds its percentage from unrounded counts; the rate from the rounded counts is within 1
        "published_percent_check": rated.filter(pl.col("published_percent").is_not_null()).select(
            "time_period",
            "measure",
            (pl.col("per_100_looked_after") - pl.col("published_percent")).abs().alias("difference"),
        ),
        "denominator_years": frame.filter(pl.col(DENOMINATOR).is_not_null()).select("time_period").unique(),
        "first_year": frame.group_by("measure").agg(
            pl.col("first_year").n_unique().alias("first_years"),
            pl.col("time_period").min().alias("earliest_year"),
            pl.col("first_year").first().alias("first_year"),
        ),
    }


DATASET = Dataset(
    name=NAME,
    title="Children missing from care, England: counts, rates per 100 children looked after, and change",
    description=(
        "England, each year ending 31 March from 2015: children looked after who went missing (and went missing "
        "more than once), missing incidents, and the same for children away from placement without "
        "authorisation, from missing_from_care. Derived here: the rate per 100 children looked after during the "
        "year (2018 onwards, when DfE publishes the denominator), unrounded, and the change since the first "
        "year, unrounded; DfE's own rounded percentages and averages are kept beside them. Counts are DfE's, "
        "rounded to the nearest 10. councils_without_data names the councils whose figures England's total "
        "leaves out (they provided none), read from the council rows. DfE: from 2017 a growing number of "
        "councils record every incident as missing rather than away, so missing figures are overstated and away "
        "figures understated. Not comparable with missing_at_31_march's 2011-2014 measure."
    ),
    families=[],
    build=build,
    key=KEY,
    columns={
        "time_period": "Year ending 31 March (2024 = April 2023 to March 2024)",
        **NATIONAL_GEOGRAPHY_COLUMNS,
        "measure": (
            "children_missing, children_missing_more_than_once, missing_incidents, children_away, "
            "children_away_more_than_once or away_incidents (see data/reference/measures.csv)"
        ),
        "value": "The count as DfE publishes it (children or incidents), rounded by DfE to the nearest 10",
        "value_note": "Why value is empty, if it is",
        "children_looked_after_during_year": (
            "Children looked after at any time during the year (DfE, published with the missing figures from "
            "2018 only; empty before)"
        ),
        "per_100_looked_after": (
            "Derived: value / children_looked_after_during_year x 100, unrounded; children measures only, 2018 "
            "onwards. Round only when showing it"
        ),
        "published_percent": "DfE's percentage for children_missing / children_away (whole numbers), 2018 onwards",
        "published_average_incidents_per_child": (
            "DfE's average incidents per child who went missing (missing_incidents rows) or was away "
            "(away_incidents rows), one decimal place, 2018 onwards"
        ),
        "first_year": "The first year of the measure's series (the base of change_since_first_year_percent)",
        "change_since_first_year_percent": (
            "Derived: (value - value in first_year) / value in first_year x 100, unrounded. The series crosses "
            "DfE's warning about recording (missing rather than away, from 2017) and the change from first "
            "releases (to 2017) to revised figures (from 2018)"
        ),
        "councils_without_data": (
            "Councils with no figure for this measure and year because they provided no data (not suppressed "
            "ones): England's total does not include them. 0 when every council is included"
        ),
        "councils_without_data_names": "Their names, comma-separated; empty when none",
        "denominator_includes_councils_without_data": (
            "True when children_looked_after_during_year is published for every council in "
            "councils_without_data, so the denominator counts children whom the count leaves out (the rate is "
            "then a little low); empty when no council is without data or no denominator is published"
        ),
        "source_id": "Upstream file (data/sources.csv) the count comes from; its denominator and DfE's rates come from the same file",
        "source_release": "Release of that file",
    },
    needs=[MISSING],
    views=views,
)
