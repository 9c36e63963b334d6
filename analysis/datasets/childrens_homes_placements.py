"""Children looked after at 31 March placed in children's homes (England), under the three definitions DfE
has published since 2011, never joined into one series: the `definition` column says which."""

from __future__ import annotations

import polars as pl

from analysis.datasets import Dataset, SourceFiles
from analysis.datasets.placements_at_31_march import GEOGRAPHY_COLUMN_DESCRIPTIONS
from analysis.layout import GEOGRAPHIC_LEVELS
from analysis.settings import REFERENCE_DIR
from analysis.sources import dfe
from analysis.sources import dfe_placements as dp

MEASURES = [
    "childrens_home_placements",
    "childrens_home_placements_inside_la_boundary",
    "childrens_home_placements_outside_la_boundary",
]
DEFINITIONS = [
    dp.DEFINITION_CHILDRENS_HOMES,
    dp.DEFINITION_SECURE_AND_CHILDRENS_HOMES,
    dp.DEFINITION_SFR_SECURE_HOMES_HOSTELS,
]
FILTERS = ["measure", "definition"]
INDICATORS = ["value", "value_note", "share_of_total_percent", "share_derivation"]
KEY = ["time_period", "geographic_level", "new_la_code", "region_code", "measure", "definition"]
FAMILIES = [dp.SFR_CLA, dp.EES_NATIONAL_CHARACTERISTICS, dp.EES_LA_CHARACTERISTICS]
# National counts of 'Secure homes and children's homes' are in both tables of a release: the national one
# is read (published as is); regions and councils come from the LA characteristics table.
TABLE_PREFERENCE = [dp.EES_NATIONAL_CHARACTERISTICS, dp.EES_LA_CHARACTERISTICS]
RELEASE_GROUPS = ["time_period", "measure", "definition", "geographic_level"]
REORGANISATIONS = REFERENCE_DIR / "la_reorganisations.csv"
_COLUMNS = dp.EES_GEOGRAPHY_COLUMNS + ["measure", "definition"] + dp.INDICATORS + dp.PROVENANCE


def _published(sources: SourceFiles) -> pl.DataFrame:
    parts = [
        dp.sfr_measures(
            sources,
            ["childrens_home_placements"],
            extra={"definition": dp.DEFINITION_SFR_SECURE_HOMES_HOSTELS},
        ),
        dp.national_childrens_homes(sources),
        dp.la_characteristics(sources, ["childrens_home_placements"], GEOGRAPHIC_LEVELS),
    ]
    return pl.concat([p.select(_COLUMNS) for p in parts if p.height])


def _with_shares(frame: pl.DataFrame) -> pl.DataFrame:
    """share_of_total_percent on the inside/outside rows: part / (inside + outside) x 100, 1 decimal, where
    both parts are published numbers from the same file. Derived here; DfE's own percentage column is a
    share of all children looked after, not of children's-home placements."""
    area = ["time_period", "geographic_level", "region_code", "new_la_code", "definition"]
    parts = frame.filter(pl.col("measure").is_in(MEASURES[1:]))
    both = parts.group_by(area).agg(
        pl.col("value").sum().alias("_both"),
        (pl.col("value").is_not_null().sum() == 2).alias("_complete"),
        (pl.col("source_id").n_unique() == 1).alias("_same_file"),
        pl.len().alias("_parts"),
    )
    frame = frame.join(both, on=area, how="left", nulls_equal=True)
    ok = (
        pl.col("measure").is_in(MEASURES[1:])
        & pl.col("_complete").fill_null(False)
        & pl.col("_same_file").fill_null(False)
        & (pl.col("_parts") == 2)
        & (pl.col("_both") > 0)
    )
    share = (pl.col("value") * 100 / pl.col("_both")).round(1)
    derivation = (
        pl.lit(
            "derived: this count / (inside + outside counts) x 100, rounded to 1 decimal; both counts published in "
        )
        + pl.col("source_id")
        + pl.lit(" (each rounded by DfE to the nearest 10)")
    )
    return frame.with_columns(
        pl.when(ok).then(share).alias("share_of_total_percent"),
        pl.when(ok).then(derivation).alias("share_derivation"),
    ).drop("_both", "_complete", "_same_file", "_parts", "derivation")


def build(sources: SourceFiles) -> pl.DataFrame:
    selected = dfe.select_releases(_published(sources), RELEASE_GROUPS, table_preference=TABLE_PREFERENCE)
    return dfe.finish(_with_shares(selected), FILTERS, INDICATORS, KEY)


def _parts_vs_total(frame: pl.DataFrame) -> pl.DataFrame:
    """National inside/outside against the published total of the same definition (each rounded to the
    nearest 10: tolerance 15)."""
    wide = frame.filter(pl.col("definition") == dp.DEFINITION_CHILDRENS_HOMES).pivot(
        on="measure",
        index=["time_period", "geographic_level", "region_code", "new_la_code"],
        values="value",
        aggregate_function="first",
    )
    return wide.with_columns(
        (pl.col(MEASURES[1]) + pl.col(MEASURES[2]) - pl.col(MEASURES[0])).alias("difference"),
        pl.lit(15, dtype=pl.Int64).alias("tolerance"),
    ).with_columns((pl.col("difference").abs() - pl.col("tolerance")).alias("excess"))


def views(frame: pl.DataFrame) -> dict[str, pl.DataFrame]:
    return {
        "schema": dfe.schema_view(frame),
        "parts_vs_total": _parts_vs_total(frame),
        "la_sum_vs_national": dfe.la_sum_vs_national_view(frame, ["measure", "definition"]),
        "la_continuity": dfe.la_continuity_view(frame, ["measure", "definition"], REORGANISATIONS),
    }


DATASET = Dataset(
    name="childrens_homes_placements",
    title="Children looked after at 31 March placed in children's homes, inside or outside their council's boundary (England, 2011-2024)",
    description=(
        "Children looked after at 31 March placed in children's homes, under three DfE definitions that must "
        "not be joined into one series (filter on `definition`): (1) 'Children's homes (subject to Children's "
        "Homes Regulations)', national only, 2018-2024, with the split placed inside / outside the responsible "
        "council's boundary (DfE national characteristics file, cla_group 'Placement', labels '5c', '5c.1', "
        "'5c.2' in EES 2022-2023, renumbered '4c', '4c.1', '4c.2' in EES 2024, matched by meaning); "
        "(2) 'Secure homes and children's homes', 2020-2024, national (national characteristics file, EES "
        "2024) and by region and council (EES 2024 LA characteristics file, read from a copy rebuilt from DfE's "
        "dashboard data: no rows for Cumbria 2020-2023 or Northamptonshire 2020-2021), no locality split; (3) 'Secure "
        "units, children's homes and hostels', 2011-2017, national, regional and council (SFR column "
        "CLA_Secure), no locality split. Each year from the latest release that has it. National and regional "
        "figures are rounded by DfE to the nearest 10. share_of_total_percent (inside and outside rows) is "
        "DERIVED here from the two published counts: inside or outside / (inside + outside) x 100."
    ),
    families=FAMILIES,
    build=build,
    key=KEY,
    columns={
        **GEOGRAPHY_COLUMN_DESCRIPTIONS,
        "measure": "Measure id (see data/reference/measures.csv).",
        "definition": "Which DfE placement category the count is: filter on it, never add the definitions together.",
        "value": "Number of children. Null when suppressed or not available.",
        "value_note": "Why value is null: the published symbol and its meaning.",
        "share_of_total_percent": "Derived: this part as a percentage of inside + outside (inside/outside rows only).",
        "share_derivation": "How share_of_total_percent was computed, and from which file.",
        "source_id": "Source file id (data/sources.csv).",
        "source_release": "Release of that source file.",
    },
    views=views,
)
