"""Children looked after who went missing, or were away from placement without authorisation, 2015-2024.

National, regional and local authority figures from the SFR underlying data (2015-2017) and the EES
LA file (2018-2024; each release covers five years and revises the four before, and the latest release that
has a year is used for all of that year's rows).

Not the same measure as missing_over_24_hours (2011-2014): from 2015 every missing incident is counted,
not only children missing for more than 24 hours at 31 March.
"""

from __future__ import annotations

import polars as pl

from analysis.datasets import Dataset, SourceFiles
from analysis.settings import REFERENCE_DIR
from analysis.sources import dfe, dfe_missing

FAMILIES = [dfe_missing.SFR_MISSING, dfe_missing.EES_LA_MISSING]
RELEASE_GROUPS = ["time_period", "measure", "geographic_level"]
REORGANISATIONS = REFERENCE_DIR / "la_reorganisations.csv"

FILTERS = ["measure"]
INDICATORS = ["value", "rate", "value_note"]
KEY = ["time_period", "geographic_level", "region_code", "new_la_code", "measure"]

# geography columns whose filling depends on the level (checked by the suite's `filled` view)
GEOGRAPHY_FILLED = ["region_code", "region_name", "new_la_code", "old_la_code", "la_name", "current_la_code"]

COUNT_MEASURES = [m for m in dfe_missing.COUNT_MEASURES]
RATE_MEASURES = dfe_missing.RATE_MEASURES

# Descriptions of the geography columns of a missing dataset that holds England's figures only.
NATIONAL_GEOGRAPHY_COLUMNS = {
    "time_identifier": "Always 'Reporting year'",
    "geographic_level": "Always National",
    "country_code": "E92000001",
    "country_name": "England",
    "region_code": "Always empty (England)",
    "region_name": "Always empty",
    "new_la_code": "Always empty",
    "old_la_code": "Always empty",
    "la_name": "Always empty",
    "current_la_code": "Always empty (added by geography)",
    "current_la_name": "Always empty (added by geography)",
}


def build(sources: SourceFiles) -> pl.DataFrame:
    frame = pl.concat([dfe_missing.sfr_missing(sources), dfe_missing.ees_la_missing(sources)])
    frame = dfe.select_releases(frame, RELEASE_GROUPS)
    return dfe.finish(frame, FILTERS, INDICATORS, KEY)


# ---------------------------------------------------------------------------------------------------------
# Views for the expectation suite


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


def percentages_view(frame: pl.DataFrame) -> pl.DataFrame:
    """The published percentages (rate column of the percent measures)."""
    percent = [m for m in RATE_MEASURES if m.startswith("percent_")]
    return frame.filter(pl.col("measure").is_in(percent)).select(
        "time_period", "geographic_level", "measure", "rate"
    )


def views(frame: pl.DataFrame) -> dict[str, pl.DataFrame]:
    counts = frame.filter(pl.col("measure").is_in(COUNT_MEASURES))
    return {
        "schema": dfe.schema_view(frame),
        "areas": area_view(frame, COUNT_MEASURES),
        "value_notes": dfe.value_notes_view(frame, dfe_missing.MEASURE_KINDS),
        "filled": dfe.filled_view(frame, "geographic_level", GEOGRAPHY_FILLED),
        "percentages": percentages_view(frame),
        "la_sum_vs_national": dfe.la_sum_vs_national_view(counts, ["measure"], bound_suppressed=True),
        "coverage": dfe.coverage_view(frame),
        "years": dfe.years_view(frame, ["measure", "geographic_level"]),
        "la_continuity": dfe.la_continuity_view(frame, ["measure"], REORGANISATIONS),
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
    families=FAMILIES,
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
