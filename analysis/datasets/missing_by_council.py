"""Children missing from care by council: rates per 100 looked after against England, and missing against away
(derived from missing_from_care and missing_national).

Two datasets:
- missing_by_council: one row per council and year (2018 onwards, the years DfE publishes children looked after
  during the year), with the rate per 100 unrounded, England's unrounded rate, whether the council is above it,
  its rank, and how its missing and away counts compare. A suppressed count is never a number: the rate and the
  comparison are then empty, with the reason in `rate_status` / `missing_vs_away`.
- missing_councils_summary: one row per year: how many councils are above England's rate (compared unrounded),
  how many could not be given a rate and why, and how many recorded more children away than missing, with the
  number that could not be compared because a figure is suppressed.
"""

from __future__ import annotations

import polars as pl

from analysis.datasets import Dataset, SourceFiles
from analysis.datasets.missing_from_care import NATIONAL_GEOGRAPHY_COLUMNS
from analysis.datasets.missing_national import DENOMINATOR, not_applicable, suppressed, without_data
from analysis.datasets.missing_national import NAME as NATIONAL
from analysis.layout import order_columns

NAME = "missing_by_council"
SUMMARY = "missing_councils_summary"
MISSING = "missing_from_care"

COUNTS = [DENOMINATOR, "children_missing", "missing_incidents", "children_away"]
RATES = {
    "percent_children_missing": "published_percent",
    "average_missing_incidents_per_child_missing": "published_average_incidents_per_child",
}
RATE_STATUSES = [
    "published",
    "count_suppressed",
    "denominator_suppressed",
    "no_children_looked_after",
    "no_data",
]
COMPARISONS = [
    "more_away",
    "more_missing",
    "same",
    "not_compared_suppressed",
    "not_compared_no_children",
    "not_compared_no_data",
]
KEY = ["time_period", "new_la_code"]


def _status(value: str, note: str) -> pl.Expr:
    return (
        pl.when(suppressed(pl.col(note)))
        .then(pl.lit("suppressed"))
        .when(not_applicable(pl.col(note)))
        .then(pl.lit("not_applicable"))
        .when(without_data(pl.col(value), pl.col(note)))
        .then(pl.lit("no_data"))
    )


def build(source_files: SourceFiles, missing_from_care: pl.DataFrame, missing_national: pl.DataFrame):
    england = missing_national.filter(
        pl.col("measure") == "children_missing", pl.col("per_100_looked_after").is_not_null()
    ).select("time_period", pl.col("per_100_looked_after").alias("england_per_100_looked_after"))
    councils = missing_from_care.filter(
        pl.col("geographic_level") == "Local authority",
        pl.col("time_period").is_in(england["time_period"].to_list()),
    )
    area = [c for c in councils.columns if c not in ("measure", "value", "rate", "value_note")]
    base = councils.filter(pl.col("measure") == "children_missing").select(area)
    frame = base
    for measure in COUNTS:
        part = councils.filter(pl.col("measure") == measure).select(
            *KEY, pl.col("value").alias(measure), pl.col("value_note").alias(f"{measure}_note")
        )
        frame = frame.join(part, on=KEY, how="left")
    for measure, column in RATES.items():
        part = councils.filter(pl.col("measure") == measure).select(*KEY, pl.col("rate").alias(column))
        frame = frame.join(part, on=KEY, how="left")
    frame = frame.join(england, on="time_period", how="left")

    rated = pl.col("children_missing").is_not_null() & (pl.col(DENOMINATOR) > 0)
    frame = frame.with_columns(
        pl.when(rated)
        .then(pl.col("children_missing") / pl.col(DENOMINATOR) * 100)
        .alias("per_100_looked_after"),
        pl.when(rated)
        .then(pl.lit("published"))
        .when(suppressed(pl.col("children_missing_note")))
        .then(pl.lit("count_suppressed"))
        .when(suppressed(pl.col(f"{DENOMINATOR}_note")))
        .then(pl.lit("denominator_suppressed"))
        .when((pl.col(DENOMINATOR) == 0) | not_applicable(pl.col("children_missing_note")))
        .then(pl.lit("no_children_looked_after"))
        .when(without_data(pl.col("children_missing"), pl.col("children_missing_note")))
        .then(pl.lit("no_data"))
        .alias("rate_status"),
    )
    missing_status = _status("children_missing", "children_missing_note")
    away_status = _status("children_away", "children_away_note")
    either = pl.concat_list(missing_status, away_status)
    frame = frame.with_columns(
        pl.col("per_100_looked_after")
        .rank(method="min", descending=True)
        .over("time_period")
        .cast(pl.Int64)
        .alias("rank_highest_first"),
        pl.col("per_100_looked_after").count().over("time_period").cast(pl.Int64).alias("councils_ranked"),
        # compared unrounded: a council at 11.18 is above England's 11.175 although both show as 11.2
        pl.when(pl.col("per_100_looked_after").is_not_null())
        .then(pl.col("per_100_looked_after") > pl.col("england_per_100_looked_after"))
        .alias("above_england"),
        pl.when(pl.col("children_missing").is_not_null() & pl.col("children_away").is_not_null())
        .then(
            pl.when(pl.col("children_away") > pl.col("children_missing"))
            .then(pl.lit("more_away"))
            .when(pl.col("children_away") < pl.col("children_missing"))
            .then(pl.lit("more_missing"))
            .otherwise(pl.lit("same"))
        )
        .when(either.list.contains("suppressed"))
        .then(pl.lit("not_compared_suppressed"))
        .when(either.list.contains("not_applicable"))
        .then(pl.lit("not_compared_no_children"))
        .otherwise(pl.lit("not_compared_no_data"))
        .alias("missing_vs_away"),
    )
    frame = frame.sort("time_period", "la_name")
    return order_columns(
        frame,
        [],
        [
            DENOMINATOR,
            f"{DENOMINATOR}_note",
            "children_missing",
            "children_missing_note",
            "per_100_looked_after",
            "rate_status",
            "england_per_100_looked_after",
            "above_england",
            "rank_highest_first",
            "councils_ranked",
            "published_percent",
            "missing_incidents",
            "missing_incidents_note",
            "published_average_incidents_per_child",
            "children_away",
            "children_away_note",
            "missing_vs_away",
        ],
    )


def council_views(frame: pl.DataFrame) -> dict[str, pl.DataFrame]:
    """Recomputed checks: the rate equals its counts, 'above England' agrees with the unrounded rates, a rate
    exists exactly when both counts are published, the comparison exists exactly when both counts are."""
    rated = frame.filter(pl.col("per_100_looked_after").is_not_null())
    return {
        "rate_check": rated.select(
            *KEY,
            (pl.col("per_100_looked_after") - pl.col("children_missing") / pl.col(DENOMINATOR) * 100)
            .abs()
            .alias("difference"),
            (
                pl.col("above_england")
                == (pl.col("per_100_looked_after") > pl.col("england_per_100_looked_after"))
            ).alias("above_agrees"),
            (
                pl.col("published_percent").is_null()
                | ((pl.col("per_100_looked_after") - pl.col("published_percent")).abs() <= 0.5 + 1e-9)
            ).alias("published_percent_agrees"),
        ),
        "not_rated": frame.filter(pl.col("per_100_looked_after").is_null()).select(
            *KEY, "children_missing", DENOMINATOR, "rate_status", "above_england", "rank_highest_first"
        ),
        "comparison": frame.select(
            *KEY,
            "missing_vs_away",
            (
                pl.col("missing_vs_away").is_in(["more_away", "more_missing", "same"])
                == (pl.col("children_missing").is_not_null() & pl.col("children_away").is_not_null())
            ).alias("compared_iff_both_published"),
            (
                (pl.col("missing_vs_away") != "more_away")
                | (pl.col("children_away") > pl.col("children_missing"))
            ).alias("more_away_is_true"),
        ),
        "one_source_per_year": frame.group_by("time_period").agg(
            pl.col("source_id").n_unique().alias("sources")
        ),
    }


def build_summary(source_files: SourceFiles, missing_by_council: pl.DataFrame) -> pl.DataFrame:
    frame = missing_by_council
    rate = pl.col("rate_status")
    versus = pl.col("missing_vs_away")
    summary = (
        frame.group_by("time_period")
        .agg(
            pl.col("england_per_100_looked_after").first(),
            pl.len().cast(pl.Int64).alias("councils"),
            (rate == "published").sum().cast(pl.Int64).alias("councils_with_rate"),
            (pl.col("above_england") == True).sum().cast(pl.Int64).alias("councils_above_england"),  # noqa: E712
            (pl.col("above_england") == False).sum().cast(pl.Int64).alias("councils_not_above_england"),  # noqa: E712
            (rate == "count_suppressed").sum().cast(pl.Int64).alias("councils_rate_count_suppressed"),
            (rate == "denominator_suppressed")
            .sum()
            .cast(pl.Int64)
            .alias("councils_rate_denominator_suppressed"),
            (rate == "no_children_looked_after")
            .sum()
            .cast(pl.Int64)
            .alias("councils_no_children_looked_after"),
            (rate == "no_data").sum().cast(pl.Int64).alias("councils_without_data"),
            versus.is_in(["more_away", "more_missing", "same"])
            .sum()
            .cast(pl.Int64)
            .alias("councils_compared"),
            (versus == "more_away").sum().cast(pl.Int64).alias("councils_more_away_than_missing"),
            (versus == "more_missing").sum().cast(pl.Int64).alias("councils_more_missing_than_away"),
            (versus == "same").sum().cast(pl.Int64).alias("councils_same_missing_and_away"),
            (versus == "not_compared_suppressed")
            .sum()
            .cast(pl.Int64)
            .alias("councils_not_compared_suppressed"),
            (versus == "not_compared_no_children")
            .sum()
            .cast(pl.Int64)
            .alias("councils_not_compared_no_children"),
            (versus == "not_compared_no_data").sum().cast(pl.Int64).alias("councils_not_compared_no_data"),
            pl.col("source_id").first(),
            pl.col("source_release").first(),
        )
        .sort("time_period")
        .with_columns(
            pl.lit("Reporting year").alias("time_identifier"),
            pl.lit("National").alias("geographic_level"),
            pl.lit("E92000001").alias("country_code"),
            pl.lit("England").alias("country_name"),
            *[
                pl.lit(None, dtype=pl.Utf8).alias(c)
                for c in ("region_code", "region_name", "new_la_code", "old_la_code", "la_name")
            ],
        )
    )
    return order_columns(
        summary,
        [],
        [
            "england_per_100_looked_after",
            "councils",
            "councils_with_rate",
            "councils_above_england",
            "councils_not_above_england",
            "councils_rate_count_suppressed",
            "councils_rate_denominator_suppressed",
            "councils_no_children_looked_after",
            "councils_without_data",
            "councils_compared",
            "councils_more_away_than_missing",
            "councils_more_missing_than_away",
            "councils_same_missing_and_away",
            "councils_not_compared_suppressed",
            "councils_not_compared_no_children",
            "councils_not_compared_no_data",
        ],
    )


def summary_views(frame: pl.DataFrame) -> dict[str, pl.DataFrame]:
    """The parts add up to the councils counted."""
    return {
        "parts": frame.select(
            "time_period",
            (
                pl.col("councils_with_rate")
                + pl.col("councils_rate_count_suppressed")
                + pl.col("councils_rate_denominator_suppressed")
                + pl.col("councils_no_children_looked_after")
                + pl.col("councils_without_data")
                - pl.col("councils")
            ).alias("rate_parts_minus_councils"),
            (
                pl.col("councils_above_england")
                + pl.col("councils_not_above_england")
                - pl.col("councils_with_rate")
            ).alias("above_parts_minus_rated"),
            (
                pl.col("councils_compared")
                + pl.col("councils_not_compared_suppressed")
                + pl.col("councils_not_compared_no_children")
                + pl.col("councils_not_compared_no_data")
                - pl.col("councils")
            ).alias("comparison_parts_minus_councils"),
            (
                pl.col("councils_more_away_than_missing")
                + pl.col("councils_more_missing_than_away")
                + pl.col("councils_same_missing_and_away")
                - pl.col("councils_compared")
            ).alias("compared_parts_minus_compared"),
        )
    }


GEOGRAPHY_COLUMNS = {
    "time_period": "Year ending 31 March (2024 = April 2023 to March 2024)",
    "time_identifier": "Always 'Reporting year'",
    "country_code": "E92000001",
    "country_name": "England",
}

COUNCIL = Dataset(
    name=NAME,
    title="Children missing from care by council: rate per 100 children looked after, against England's rate",
    description=(
        "One row per council and year ending 31 March, from 2018 (the years DfE publishes children looked after "
        "during the year with the missing figures): children looked after during the year, children who went "
        "missing, the rate per 100 (derived, unrounded), England's rate (derived from the national counts, "
        "unrounded), whether the council is above it (compared unrounded), its rank, DfE's own rounded "
        "percentage, missing incidents and DfE's incidents per child, children away from placement without "
        "authorisation and how the two counts compare. A suppressed count stays empty with its note: the rate "
        "and the comparison are then empty too, never computed from 0. Each council's figures count the "
        "children it is responsible for, wherever they are placed. DfE: from 2017 a growing number of "
        "councils record every incident as missing rather than away, so compare councils with care."
    ),
    families=[],
    build=build,
    key=KEY,
    columns={
        **GEOGRAPHY_COLUMNS,
        "geographic_level": "Always Local authority",
        "region_code": "Region GSS code (E12)",
        "region_name": "Region name",
        "new_la_code": "Council GSS code as published for that year",
        "old_la_code": "DfE three-digit council code as published",
        "la_name": "Council name as published",
        "current_la_code": "GSS code of the council that now covers the area (added by geography)",
        "current_la_name": "Name of the council that now covers the area (added by geography)",
        DENOMINATOR: "Children looked after at any time during the year (DfE)",
        f"{DENOMINATOR}_note": "Why it is empty, if it is (the published symbol)",
        "children_missing": "Children who went missing at least once during the year (DfE); empty when suppressed",
        "children_missing_note": "Why children_missing is empty, if it is",
        "per_100_looked_after": (
            "Derived: children_missing / children_looked_after_during_year x 100, unrounded; empty unless both "
            "are published and the denominator is above 0"
        ),
        "rate_status": (
            "published; count_suppressed (children_missing suppressed); denominator_suppressed; "
            "no_children_looked_after; or no_data (the council provided none)"
        ),
        "england_per_100_looked_after": (
            "England's rate for the year, unrounded (missing_national: national children_missing / children "
            "looked after during the year x 100)"
        ),
        "above_england": "True when per_100_looked_after > england_per_100_looked_after (both unrounded); empty with no rate",
        "rank_highest_first": "Rank among the councils with a rate that year, highest first (ties share the lower rank)",
        "councils_ranked": "How many councils have a rate that year",
        "published_percent": "DfE's percentage of children who went missing (whole numbers)",
        "missing_incidents": "Missing incidents during the year (DfE); empty when suppressed",
        "missing_incidents_note": "Why missing_incidents is empty, if it is",
        "published_average_incidents_per_child": "DfE's average missing incidents per child who went missing",
        "children_away": "Children away from placement without authorisation during the year (DfE); empty when suppressed",
        "children_away_note": "Why children_away is empty, if it is",
        "missing_vs_away": (
            "more_away / more_missing / same, when both children_missing and children_away are published; else "
            "not_compared_suppressed (one or both suppressed), not_compared_no_children or not_compared_no_data"
        ),
        "source_id": "Upstream file (data/sources.csv) the council's figures come from",
        "source_release": "Release of that file",
    },
    needs=[MISSING, NATIONAL],
    views=council_views,
)

COUNCILS_SUMMARY = Dataset(
    name=SUMMARY,
    title="Children missing from care: how many councils are above England's rate, and record more away than missing",
    description=(
        "One row per year ending 31 March from 2018, counted from missing_by_council: England's rate per 100 "
        "children looked after (unrounded), the councils with a rate, how many are above England's rate "
        "(compared unrounded) and how many have none and why, and how many councils recorded more children "
        "away from placement without authorisation than missing, with those that could not be compared "
        "because a figure is suppressed (never counted as 0)."
    ),
    families=[],
    build=build_summary,
    key=["time_period"],
    columns={
        **GEOGRAPHY_COLUMNS,
        **NATIONAL_GEOGRAPHY_COLUMNS,
        "geographic_level": "Always National (counts of councils in England)",
        "region_code": "Always empty",
        "england_per_100_looked_after": "England's rate per 100 children looked after during the year, unrounded",
        "councils": "Councils with a row in DfE's council file that year",
        "councils_with_rate": "Councils with a rate (both counts published, children looked after above 0)",
        "councils_above_england": "Councils whose unrounded rate is above England's unrounded rate",
        "councils_not_above_england": "Councils with a rate at or below England's",
        "councils_rate_count_suppressed": "Councils with no rate because children_missing is suppressed",
        "councils_rate_denominator_suppressed": "Councils with no rate because children looked after during the year is suppressed",
        "councils_no_children_looked_after": "Councils that looked after no children during the year",
        "councils_without_data": "Councils that provided no missing figures (not in England's total)",
        "councils_compared": "Councils with both children_missing and children_away published",
        "councils_more_away_than_missing": "Of those, councils with more children away than missing",
        "councils_more_missing_than_away": "Of those, councils with more children missing than away",
        "councils_same_missing_and_away": "Of those, councils with the same number",
        "councils_not_compared_suppressed": "Councils not compared because one or both figures are suppressed",
        "councils_not_compared_no_children": "Councils not compared because they looked after no children",
        "councils_not_compared_no_data": "Councils not compared because they provided no data",
        "source_id": "Upstream file (data/sources.csv) of the year's council figures",
        "source_release": "Release of that file",
    },
    needs=[NAME],
    views=summary_views,
)

DATASETS = [COUNCIL, COUNCILS_SUMMARY]
