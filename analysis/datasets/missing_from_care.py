"""Children looked after who went missing, or were away from placement without authorisation, 2015-2024.

National, regional and local authority figures from the SFR underlying data (2015-2017) and the EES
LA file (2018-2024; each release covers five years and revises the four before, and the latest release that
has a year is used for all of that year's rows).

Not the same measure as missing_over_24_hours (2011-2014): from 2015 every missing incident is counted,
not only children missing for more than 24 hours at 31 March.
"""

from __future__ import annotations

import csv

import polars as pl

from analysis import layout, settings
from analysis.datasets import Dataset, SourceFiles
from analysis.sources import dfe_missing

SFR_SOURCES: dict[str, int] = {
    "dfe-cla-sfr-2015-sfr34-missing2015": 2015,
    "dfe-cla-sfr-2016-sfr41-missing2016": 2016,
    "dfe-cla-sfr-2017-sfr50-missing-2017": 2017,
}
# oldest release first: a later release wins for every year it covers
EES_SOURCES: list[str] = [
    "dfe-cla-ees-2022-la-children-who-were-missing-or-away-from-placement-without-authorisation",
    "dfe-cla-ees-2023-la-children-who-were-missing-or-away-from-placement-without-authorisation",
    "dfe-cla-ees-2024-la-children-who-were-missing-or-away-from-placement-without-authorisation",
]

FILTERS = ["measure"]
INDICATORS = ["value", "rate", "value_note"]
KEY = ["time_period", "geographic_level", "region_code", "new_la_code", "measure"]

# geography columns whose filling depends on the level (checked by the suite's `filled` view)
GEOGRAPHY_FILLED = ["region_code", "region_name", "new_la_code", "old_la_code", "la_name", "current_la_code"]

COUNT_MEASURES = [m for m in dfe_missing.EES_LA_LABELS.values() if dfe_missing.MEASURE_KINDS[m] == "count"]
RATE_MEASURES = [m for m in dfe_missing.EES_LA_LABELS.values() if dfe_missing.MEASURE_KINDS[m] == "rate"]


def build(sources: SourceFiles) -> pl.DataFrame:
    frames = [
        dfe_missing.read_sfr_missing(sources[sid], sid, year, sources.release(sid))
        for sid, year in SFR_SOURCES.items()
    ]
    frames += [
        dfe_missing.read_ees_la_missing(sources[sid], sid, sources.release(sid)) for sid in EES_SOURCES
    ]
    frame = dfe_missing.latest_release(frames, by=["time_period"])
    frame = dfe_missing.mark_not_provided(frame)
    return finish(frame, FILTERS, INDICATORS, KEY)


def finish(frame: pl.DataFrame, filters: list[str], indicators: list[str], key: list[str]) -> pl.DataFrame:
    """Column order of the tidy layout, rows sorted by key (nulls first: National before Regional codes)."""
    return layout.order_columns(frame, filters, indicators).sort(key, nulls_last=False)


# ---------------------------------------------------------------------------------------------------------
# Views for the expectation suite


def schema_view(frame: pl.DataFrame) -> pl.DataFrame:
    """One row per column with its polars type, so the suite can pin column types exactly."""
    return pl.DataFrame({"column": frame.columns, "dtype": [str(t) for t in frame.dtypes]})


def area_view(frame: pl.DataFrame, measures: list[str]) -> pl.DataFrame:
    """One row per area and year, one column per count measure (for cross-measure checks)."""
    area = ["time_period", "geographic_level", "region_code", "new_la_code"]
    wide = (
        frame.filter(pl.col("measure").is_in(measures))
        .select(area + ["measure", "value"])
        # duplicates (caught by the tidy view's unique-key check) must not stop the other checks running
        .pivot(on="measure", index=area, values="value", aggregate_function="first")
    )
    return wide.with_columns(pl.lit(None, dtype=pl.Int64).alias(m) for m in measures if m not in wide.columns)


# A national count is the sum of the LA counts rounded to the nearest 10, and LA counts are suppressed where
# small (SFR: 1 to 5, shown as x; EES: c) and, to protect those, the next smallest item, which can be a whole
# LA (EES 2024 suppresses Bath and North East Somerset's ~260 children looked after in 2020 and 2021 to protect
# the Isles of Scilly). So national - sum(published LA values):
# - is at least -ROUNDING_ALLOWANCE (only rounding can put the national figure below the LA sum);
# - is at most ROUNDING_ALLOWANCE + SUPPRESSED_CELL_ALLOWANCE per unpublished LA value (primary suppression
#   hides at most 5) + RELATIVE_ALLOWANCE x national (one small LA hidden by secondary suppression: B&NES is
#   0.25% of England's children looked after during the year).
# An LA left out or counted twice, or a national row from another release, shows as a larger gap.
ROUNDING_ALLOWANCE = 5
SUPPRESSED_CELL_ALLOWANCE = 10
RELATIVE_ALLOWANCE = 0.005


def la_sum_view(frame: pl.DataFrame, measures: list[str]) -> pl.DataFrame:
    """Per year and count measure: the national value, the sum of published LA values, and the allowed gap."""
    counts = frame.filter(pl.col("measure").is_in(measures))
    national = counts.filter(pl.col("geographic_level") == "National").select(
        "time_period", "measure", pl.col("value").alias("national")
    )
    las = (
        counts.filter(pl.col("geographic_level") == "Local authority")
        .group_by("time_period", "measure")
        .agg(
            pl.col("value").sum().alias("la_sum"),
            pl.col("value").is_null().sum().cast(pl.Int64).alias("la_not_published"),
            pl.len().cast(pl.Int64).alias("la_count"),
        )
    )
    view = national.join(las, on=["time_period", "measure"], how="full", coalesce=True)
    return view.with_columns(
        (pl.col("national") - pl.col("la_sum")).alias("difference"),
        (
            ROUNDING_ALLOWANCE
            + SUPPRESSED_CELL_ALLOWANCE * pl.col("la_not_published")
            + RELATIVE_ALLOWANCE * pl.col("national")
        ).alias("allowed_above"),
        pl.lit(-ROUNDING_ALLOWANCE, dtype=pl.Int64).alias("allowed_below"),
    ).sort("time_period", "measure")


def value_notes_view(frame: pl.DataFrame) -> pl.DataFrame:
    """Per measure: nulls with no note, numbers with a note, and numbers in the wrong indicator column
    (a count in `rate` or a rate in `value`); all should be 0."""
    rate = pl.col("rate") if "rate" in frame.columns else pl.lit(None, dtype=pl.Float64)
    kind = pl.col("measure").replace_strict(dfe_missing.MEASURE_KINDS, default="unknown")
    has_number = pl.col("value").is_not_null() | rate.is_not_null()
    return (
        frame.group_by("measure")
        .agg(
            (~has_number & pl.col("value_note").is_null()).sum().cast(pl.Int64).alias("nulls_without_note"),
            (has_number & pl.col("value_note").is_not_null()).sum().cast(pl.Int64).alias("numbers_with_note"),
            (
                ((kind == dfe_missing.COUNT) & rate.is_not_null())
                | ((kind == dfe_missing.RATE) & pl.col("value").is_not_null())
                | (kind == "unknown")
            )
            .sum()
            .cast(pl.Int64)
            .alias("wrong_column"),
        )
        .sort("measure")
    )


def filled_view(frame: pl.DataFrame, by: str, columns: list[str]) -> pl.DataFrame:
    """For each value of `by` (e.g. geographic_level) and each column: is the column filled on 'all', 'some'
    or 'none' of those rows. `slot` is '<by value>|<column>', so the suite can list what each level allows."""
    parts = []
    for column in columns:
        parts.append(
            frame.group_by(by)
            .agg(pl.len().alias("rows"), pl.col(column).is_not_null().sum().alias("filled_rows"))
            .select(
                pl.format("{}|{}", pl.col(by), pl.lit(column)).alias("slot"),
                pl.when(pl.col("filled_rows") == pl.col("rows"))
                .then(pl.lit("all"))
                .when(pl.col("filled_rows") == 0)
                .then(pl.lit("none"))
                .otherwise(pl.lit("some"))
                .alias("filled"),
            )
        )
    return pl.concat(parts).sort("slot")


def percentages_view(frame: pl.DataFrame) -> pl.DataFrame:
    """The published percentages (rate column of the percent measures)."""
    percent = [m for m in RATE_MEASURES if m.startswith("percent_")]
    return frame.filter(pl.col("measure").is_in(percent)).select(
        "time_period", "geographic_level", "measure", "rate"
    )


def coverage_view(frame: pl.DataFrame) -> pl.DataFrame:
    """Rows per year and measure at each level."""
    return (
        frame.group_by("time_period", "measure")
        .agg(
            (pl.col("geographic_level") == "National").sum().cast(pl.Int64).alias("national_rows"),
            (pl.col("geographic_level") == "Regional").sum().cast(pl.Int64).alias("regional_rows"),
            (pl.col("geographic_level") == "Local authority").sum().cast(pl.Int64).alias("la_rows"),
        )
        .sort("time_period", "measure")
    )


def years_view(frame: pl.DataFrame, by: list[str]) -> pl.DataFrame:
    """Per series (the `by` columns, also joined as 'a|b' in `series`): the span of years published, as
    'first-last', and how many years are missing inside it."""
    return (
        frame.group_by(by)
        .agg(
            pl.col("time_period").min().alias("first_year"),
            pl.col("time_period").max().alias("last_year"),
            pl.col("time_period").n_unique().alias("years"),
        )
        .with_columns(
            pl.concat_str([pl.col(c).cast(pl.Utf8).fill_null("-") for c in by], separator="|").alias(
                "series"
            ),
            pl.format("{}-{}", "first_year", "last_year").alias("span"),
            (pl.col("last_year") - pl.col("first_year") + 1 - pl.col("years")).cast(pl.Int64).alias("gaps"),
        )
        .sort(by)
    )


def reorganised_codes(path=None) -> set[str] | None:
    """LA GSS codes data/reference/la_reorganisations.csv lists as replaced (`old_la_code_gss`, with an
    effective date); None if the file is absent."""
    path = path or settings.REFERENCE_DIR / "la_reorganisations.csv"
    if not path.exists():
        return None
    with path.open(newline="", encoding="utf-8-sig") as handle:
        rows = list(csv.DictReader(handle))
    if rows and "old_la_code_gss" not in rows[0]:
        raise ValueError(f"{path}: no old_la_code_gss column")
    return {r["old_la_code_gss"].strip() for r in rows if (r.get("effective_date") or "").strip()}


def la_continuity_view(frame: pl.DataFrame, reorganisations_path=None) -> pl.DataFrame:
    """LAs published in one year but not in the next year the dataset has, and whether
    data/reference/la_reorganisations.csv names the code (read now, at validation time)."""
    known = reorganised_codes(reorganisations_path)
    las = (
        frame.filter(pl.col("geographic_level") == "Local authority")
        .select("time_period", "new_la_code")
        .unique()
    )
    years = sorted(las["time_period"].unique().to_list())
    rows = []
    for year, following in zip(years, years[1:], strict=False):
        now = set(las.filter(pl.col("time_period") == year)["new_la_code"].to_list())
        after = set(las.filter(pl.col("time_period") == following)["new_la_code"].to_list())
        for code in sorted(now - after):
            rows.append(
                {
                    "last_year": year,
                    "new_la_code": code,
                    "reorganisations_file": known is not None,
                    "explained": known is not None and code in known,
                }
            )
    schema = {
        "last_year": pl.Int64,
        "new_la_code": pl.Utf8,
        "reorganisations_file": pl.Boolean,
        "explained": pl.Boolean,
    }
    return pl.DataFrame(rows, schema=schema)


def views(frame: pl.DataFrame) -> dict[str, pl.DataFrame]:
    return {
        "schema": schema_view(frame),
        "areas": area_view(frame, COUNT_MEASURES),
        "value_notes": value_notes_view(frame),
        "filled": filled_view(frame, "geographic_level", GEOGRAPHY_FILLED),
        "percentages": percentages_view(frame),
        "la_sum_vs_national": la_sum_view(frame, COUNT_MEASURES),
        "coverage": coverage_view(frame),
        "years": years_view(frame, ["measure", "geographic_level"]),
        "la_continuity": la_continuity_view(frame),
    }


DATASET = Dataset(
    name="missing_from_care",
    title="Children looked after who went missing or were away from placement without authorisation, 2015-2024",
    description=(
        "Children looked after during the year who had a missing incident, the number of incidents, children "
        "missing more than once and children missing at 31 March, and the same four for children away from "
        "placement without authorisation; from 2018 also children looked after during the year (the "
        "denominator) with the published percentages and average incidents per child. England, regions "
        "(Inner and Outer London sub-regions left out) and local authorities. 2015-2017 from the DfE SFR "
        "underlying data, 2018-2024 from the latest Explore Education Statistics release that has the year. "
        "National and regional counts are rounded to the nearest 10; LA values of 1 to 5 are suppressed (null "
        "with a note). DfE: from 2017 a growing number of LAs report all incidents as missing rather than "
        "away, inflating missing and deflating away figures; compare LAs and years with care. Not "
        "comparable with missing_over_24_hours (2011-2014), a different definition."
    ),
    sources=list(SFR_SOURCES) + EES_SOURCES,
    build=build,
    key=KEY,
    columns={
        "time_period": "Year ending 31 March (2024 = April 2023 to March 2024; 'at 31 March' measures are at its end)",
        "time_identifier": "Always 'Reporting year'",
        "geographic_level": "National, Regional or Local authority",
        "country_code": "E92000001",
        "country_name": "England",
        "region_code": "Region GSS code (E12); null on National rows",
        "region_name": "Region name",
        "new_la_code": "Local authority GSS code as published for that year; null above LA level",
        "old_la_code": "DfE three-digit LA code as published",
        "la_name": "Local authority name as published",
        "current_la_code": "GSS code of the authority that now covers the area (added by geography)",
        "current_la_name": "Name of the authority that now covers the area (added by geography)",
        "measure": "Measure id; see data/reference/measures.csv for label, unit and definition",
        "value": "Count (children or incidents); null when suppressed, unavailable or a rate measure",
        "rate": "Published percentage or average incidents per child, for measures with those units; else null",
        "value_note": "Why value/rate is null: the published symbol (c, x, z, k, ..) or the reason",
        "source_id": "Upstream file (data/sources.csv) the row comes from",
        "source_release": "Release of that file",
    },
    views=views,
)
