"""Generic readers for DfE children-looked-after files: SFR wide CSVs (2011-2017) and EES long CSVs (2018+).

They only read and standardise the file's geography columns; each dataset module picks its own measures.
All value columns are kept as text so suppression symbols survive until layout.parse_published_number.
"""

from __future__ import annotations

from pathlib import Path

import polars as pl

from analysis.errors import ParseError
from analysis.layout import ENGLAND_CODE, ENGLAND_NAME, GSS_LA_PATTERN
from analysis.sources.tables import read_csv_frame

SFR_LEVELS = {"NATIONAL": "National", "REGION": "Regional", "LA": "Local authority"}
SFR_GEOGRAPHY_COLUMNS = ["New_geog_code", "geog_l", "geog_c", "geog_n"]

EES_REQUIRED_COLUMNS = ["time_period", "time_identifier", "geographic_level", "country_code"]


def _read_text_csv(path: Path, source_id: str) -> pl.DataFrame:
    """The file as text columns (tables.read_csv_frame: encodings, and a file cut mid-row, an empty record or a
    repeated header refused naming the record), column names stripped."""
    frame = read_csv_frame(path, source_id)
    # Column names carry stray spaces in some releases (e.g. 'CLA_NetGain ')
    return frame.rename({c: c.strip() for c in frame.columns})


def read_sfr_csv(path: Path, source_id: str, time_period: int, release: str) -> pl.DataFrame:
    """An SFR underlying-data CSV (one row per area, one column per measure) with EES geography columns.

    Returns the EES geography columns + every measure column (text) + source_id/source_release.
    """
    frame = _read_text_csv(path, source_id)
    missing = [c for c in SFR_GEOGRAPHY_COLUMNS if c not in frame.columns]
    if missing:
        raise ParseError(source_id, path.name, "SFR geography columns present", f"missing {missing}")
    # SFR50_CLA2017.csv publishes the Isles of Scilly row with a blank geog_l: a row with an LA GSS code and
    # a 3-digit DfE code is an LA row; any other blank level is still an error below.
    blank_la = (
        pl.col("geog_l").str.strip_chars().replace("", None).is_null()
        & pl.col("New_geog_code").str.strip_chars().str.contains(GSS_LA_PATTERN)
        & pl.col("geog_c").str.strip_chars().str.contains(r"^\d{3}$")
    )
    frame = frame.with_columns(
        pl.when(blank_la).then(pl.lit("LA")).otherwise(pl.col("geog_l")).alias("geog_l")
    )
    levels = frame["geog_l"].str.strip_chars().unique().to_list()
    unknown = sorted(set(levels) - set(SFR_LEVELS), key=str)
    if unknown:
        raise ParseError(source_id, path.name, "known geog_l values", f"unexpected {unknown}")
    level = pl.col("geog_l").str.strip_chars().replace_strict(SFR_LEVELS)
    code = pl.col("New_geog_code").str.strip_chars()
    name = pl.col("geog_n").str.strip_chars()
    measures = [c for c in frame.columns if c not in SFR_GEOGRAPHY_COLUMNS and c != "LA_order"]
    return frame.select(
        pl.lit(time_period, dtype=pl.Int64).alias("time_period"),
        pl.lit("Reporting year").alias("time_identifier"),
        level.alias("geographic_level"),
        pl.lit(ENGLAND_CODE).alias("country_code"),
        pl.lit(ENGLAND_NAME).alias("country_name"),
        pl.when(level == "Regional").then(code).alias("region_code"),
        # SFR region names are upper case ('NORTH EAST'); EES uses title case ('North East')
        # ... and 'Yorkshire and The Humber', 'East of England': lower-case 'and'/'of' as EES does
        pl.when(level == "Regional")
        .then(name.str.to_titlecase().str.replace_all(" And ", " and ").str.replace_all(" Of ", " of "))
        .alias("region_name"),
        pl.when(level == "Local authority").then(code).alias("new_la_code"),
        pl.when(level == "Local authority").then(pl.col("geog_c").str.strip_chars()).alias("old_la_code"),
        pl.when(level == "Local authority").then(name).alias("la_name"),
        *[pl.col(c) for c in measures],
        pl.lit(source_id).alias("source_id"),
        pl.lit(release).alias("source_release"),
    )


def read_ees_csv(path: Path, source_id: str, release: str) -> pl.DataFrame:
    """An EES tidy CSV: BOM removed, column names lower-cased (`CLA_group` vs `cla_group`), text values.

    Geographic levels are kept as published ("National", "Regional", "Local authority"); time_period Int64.
    """
    frame = _read_text_csv(path, source_id)
    frame = frame.rename({c: c.lower() for c in frame.columns})
    missing = [c for c in EES_REQUIRED_COLUMNS if c not in frame.columns]
    if missing:
        raise ParseError(source_id, path.name, "EES standard columns present", f"missing {missing}")
    try:
        frame = frame.with_columns(pl.col("time_period").str.strip_chars().cast(pl.Int64))
    except pl.exceptions.PolarsError as error:
        raise ParseError(source_id, path.name, "time_period is a year", str(error).splitlines()[0]) from error
    text_columns = [c for c, t in frame.schema.items() if t == pl.Utf8]
    frame = frame.with_columns(
        [pl.col(c).str.strip_chars().replace("", None) for c in text_columns]
    ).with_columns(pl.lit(source_id).alias("source_id"), pl.lit(release).alias("source_release"))
    return frame
