"""Children looked after at 31 March, the 0-17 population and DfE's rate per 10,000 (England, 2011-2024).

Design: four measures, each with its own `reference_date`, so no two populations are mixed up:
- children_looked_after (31 March of time_period);
- cla_rate_per_10000: DfE's published rate (EES, 2018-2024), children looked after at 31 March per 10,000
  children aged 0-17, as published (whole numbers);
- population_0_to_17_rate_base: the 0-17 population DfE divided by for that rate, as published beside it
  (`population_estimate`): the ONS mid-year estimate for the PREVIOUS year (30 June of time_period - 1;
  EES 2022 data guidance: "mid-2021 ... used for calculating rates for 2022"), in the vintage DfE had;
- population_0_to_17: the ONS mid-year estimate for 30 June of time_period, from DfE's population file
  (2012-2024, one later vintage: it can differ from the rate base of the same mid-year).
The SFRs (2011-2017) publish no rate and no population: rates for those years are left to the book
(children_looked_after / population_0_to_17 of the previous mid-year x 10,000, like DfE), never stored here.
"""

from __future__ import annotations

import polars as pl

from analysis.datasets import Dataset, SourceFiles
from analysis.datasets.placements_at_31_march import GEOGRAPHY_COLUMN_DESCRIPTIONS, REORGANISATIONS
from analysis.sources import dfe
from analysis.sources import dfe_placements as dp

MEASURES = [
    "children_looked_after",
    "cla_rate_per_10000",
    "population_0_to_17_rate_base",
    "population_0_to_17",
]
FILTERS = ["measure", "reference_date"]
INDICATORS = ["value", "value_note"]
KEY = ["time_period", "geographic_level", "new_la_code", "region_code", "measure"]
FAMILIES = [dp.SFR_CLA, dp.EES_CLA_NUMBER, dp.POPULATION]
RELEASE_GROUPS = ["time_period", "measure", "geographic_level"]
_COLUMNS = dp.EES_GEOGRAPHY_COLUMNS + ["measure"] + dp.INDICATORS + dp.PROVENANCE


def _reference_date() -> pl.Expr:
    year = pl.col("time_period").cast(pl.Utf8)
    previous = (pl.col("time_period") - 1).cast(pl.Utf8)
    return (
        pl.when(pl.col("measure") == "population_0_to_17")
        .then(year + "-06-30")
        .when(pl.col("measure") == "population_0_to_17_rate_base")
        .then(previous + "-06-30")
        .otherwise(year + "-03-31")
        .alias("reference_date")
    )


def build(sources: SourceFiles) -> pl.DataFrame:
    parts = [dp.children_looked_after(sources), dp.population_and_rate(sources), dp.ons_population(sources)]
    frame = dfe.select_releases(pl.concat([p.select(_COLUMNS) for p in parts]), RELEASE_GROUPS)
    frame = frame.drop("derivation").with_columns(_reference_date())
    return dfe.finish(frame, FILTERS, INDICATORS, KEY)


def _rate_check(frame: pl.DataFrame) -> pl.DataFrame:
    """The published rate against children looked after / rate base x 10,000 (same release). DfE rounds the
    rate to a whole number (up to 0.5 off) and national/regional counts to the nearest 10 (up to
    5 x 10,000 / base more), so `excess` = gap - tolerance must be <= 0."""
    wide = frame.filter(pl.col("measure") != "population_0_to_17").pivot(
        on="measure",
        index=["time_period", "geographic_level", "region_code", "new_la_code", "source_release"],
        values="value",
        aggregate_function="first",
    )
    wide = (
        wide.drop_nulls([c for c in MEASURES[:3] if c in wide.columns])
        if "cla_rate_per_10000" in wide.columns
        else wide.head(0)
    )
    computed = pl.col("children_looked_after") * 10000 / pl.col("population_0_to_17_rate_base")
    rounding = (
        pl.when(pl.col("geographic_level") == "Local authority")
        .then(0.0)
        .otherwise(5 * 10000 / pl.col("population_0_to_17_rate_base"))
    )
    return wide.with_columns(
        computed.alias("computed_rate"),
        (pl.col("cla_rate_per_10000") - computed).abs().alias("gap"),
        (0.5 + rounding + 1e-9).alias("tolerance"),
    ).with_columns((pl.col("gap") - pl.col("tolerance")).alias("excess"))


def views(frame: pl.DataFrame) -> dict[str, pl.DataFrame]:
    return {
        "schema": dfe.schema_view(frame),
        "rate_check": _rate_check(frame),
        "la_sum_vs_national": dfe.la_sum_vs_national_view(
            frame.filter(pl.col("measure") != "cla_rate_per_10000"), ["measure"]
        ),
        "la_continuity": dfe.la_continuity_view(frame, ["measure"], REORGANISATIONS),
    }


DATASET = Dataset(
    name="population",
    title="Children looked after, children aged 0-17 and the rate per 10,000 (England, 2011-2024)",
    description=(
        "Children looked after at 31 March (2011-2024; SFR 2011-2017, EES 2018-2024, the same values as "
        "placements_at_31_march), DfE's published rate per 10,000 children aged 0-17 (2018-2024) with the "
        "0-17 population DfE divided by (the ONS mid-year estimate for the year before, as published beside "
        "the rate), and the ONS mid-year 0-17 population from DfE's population file (mid-2012 to mid-2024). "
        "reference_date says which date each value describes. The SFRs publish no rate: for 2011-2017 compute "
        "children_looked_after / population_0_to_17 (previous mid-year) x 10,000 and label it as computed. "
        "Each year and measure from the latest release that has it. Inner and Outer London are left out."
    ),
    families=FAMILIES,
    build=build,
    key=KEY,
    columns={
        **GEOGRAPHY_COLUMN_DESCRIPTIONS,
        "time_period": "Year: 31 March of this year for children looked after and the rate; for population_0_to_17 the mid-year (30 June) of this year.",
        "measure": "Measure id (see data/reference/measures.csv).",
        "reference_date": "The date the value describes (ISO): 31 March for counts and rates, 30 June for ONS mid-year populations.",
        "value": "Number (children or population) or, for cla_rate_per_10000, the rate as published (whole number). Null when suppressed or not available.",
        "value_note": "Why value is null: the published symbol and its meaning.",
        "source_id": "Source file id (data/sources.csv).",
        "source_release": "Release of that source file.",
    },
    views=views,
)
