"""Westminster constituencies (2024 boundaries) and the upper-tier councils that serve them.

From mySociety's 2025 constituencies lookups (CC BY 4.0): the population overlap of each constituency with
each local authority district (2023 codes), rolled up to the upper-tier council (children's services
authority) through the ONS district lookup. One row per constituency and council, with the share of the
constituency's population living in that council's area, so "what about my constituency?" leads to the right
council pages.
"""

from __future__ import annotations

import json

import polars as pl

from analysis import geography
from analysis.datasets import Dataset, SourceFiles
from analysis.errors import ParseError
from analysis.layout import ENGLAND_CODE, ENGLAND_NAME, order_columns

OVERLAP_FAMILY = "geo:mysociety_constituency_district_overlap"
LOOKUP_FAMILY = "geo:mysociety_constituency_lookup"
FAMILIES = [OVERLAP_FAMILY, LOOKUP_FAMILY, geography.FAMILY_ONS_LA]
LEVEL = "Parliamentary constituency"
OVERLAP_COLUMNS = ["PARL25", "LAD23", "overlap_pop", "original_pop"]

FILTERS = ["pcon_code", "pcon_name"]
INDICATORS = ["population_in_council", "constituency_population", "share_of_constituency_population_percent"]
KEY = ["pcon_code", "new_la_code"]


def _overlaps(file) -> pl.DataFrame:
    try:
        frame = pl.read_parquet(file.path)
    except (OSError, pl.exceptions.PolarsError) as error:
        raise ParseError(file.source_id, file.name, "readable parquet", str(error).splitlines()[0]) from error
    missing = [c for c in OVERLAP_COLUMNS if c not in frame.columns]
    if missing:
        raise ParseError(file.source_id, file.name, "expected columns present", f"missing {missing}")
    return frame.select(OVERLAP_COLUMNS)


def _constituencies(file) -> pl.DataFrame:
    try:
        data = json.loads(file.path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        raise ParseError(file.source_id, file.name, "readable JSON", str(error)) from error
    if not isinstance(data, dict) or not data:
        raise ParseError(
            file.source_id, file.name, "an object of constituencies", f"found {type(data).__name__}"
        )
    rows = []
    for shortcode, entry in data.items():
        try:
            rows.append((shortcode, entry["parlcon_2024_gss_code"], entry["parlcon_2024_name"]))
        except (KeyError, TypeError) as error:
            raise ParseError(
                file.source_id,
                file.name,
                "each constituency has a GSS code and a name",
                f"{shortcode}: {error}",
            ) from error
    return pl.DataFrame(rows, schema=["PARL25", "pcon_code", "pcon_name"], orient="row")


def build(sources: SourceFiles) -> pl.DataFrame:
    overlap_file = sources.latest(OVERLAP_FAMILY)
    lookup_file = sources.latest(LOOKUP_FAMILY)
    overlaps = _overlaps(overlap_file).filter(pl.col("LAD23").str.starts_with("E"))
    constituencies = _constituencies(lookup_file)
    files = sources.geo_files()
    # ONS re-codes not yet in DfE's data (Barnsley, Sheffield) keep the code the DfE data uses
    pending = {
        row["current_la_code"]: row["old_la_code_gss"]
        for row in geography.la_reorganisations(files)
        .filter(pl.col("effective_date").is_null())
        .iter_rows(named=True)
    }
    districts = geography.read_ons_la_lookup(files.ons_la).select(
        pl.col("LADCD").alias("LAD23"),
        pl.col("UTLACD").replace(pending).alias("new_la_code"),
    )
    joined = overlaps.join(constituencies, on="PARL25", how="left").join(districts, on="LAD23", how="left")
    no_name = joined.filter(pl.col("pcon_code").is_null())["PARL25"].unique().to_list()
    if no_name:
        raise ParseError(
            lookup_file.source_id,
            lookup_file.name,
            "every constituency of the overlap table is named",
            f"{no_name[:5]}",
        )
    no_council = joined.filter(pl.col("new_la_code").is_null())["LAD23"].unique().to_list()
    if no_council:
        raise ParseError(
            overlap_file.source_id,
            overlap_file.name,
            "every district has an upper-tier council",
            f"districts {no_council[:5]} are not in the ONS district lookup",
        )
    councils = geography.current_authorities(files).select(
        pl.col("la_code").alias("new_la_code"), "la_name", "region_code", "region_name"
    )
    frame = (
        joined.group_by("pcon_code", "pcon_name", "new_la_code")
        .agg(pl.col("overlap_pop").sum().alias("population_in_council"), pl.col("original_pop").first())
        .join(councils, on="new_la_code", how="left")
        .with_columns(
            pl.col("population_in_council").round(0).cast(pl.Int64),
            pl.col("original_pop").round(0).cast(pl.Int64).alias("constituency_population"),
            (pl.col("population_in_council") / pl.col("original_pop") * 100)
            .round(2)
            .alias("share_of_constituency_population_percent"),
        )
        .drop("original_pop")
        .filter(pl.col("population_in_council") > 0)
        .with_columns(
            pl.lit(None, dtype=pl.Int64).alias("time_period"),
            pl.lit("2024 boundaries").alias("time_identifier"),
            pl.lit(LEVEL).alias("geographic_level"),
            pl.lit(ENGLAND_CODE).alias("country_code"),
            pl.lit(ENGLAND_NAME).alias("country_name"),
            pl.lit(None, dtype=pl.Utf8).alias("old_la_code"),
            pl.lit(overlap_file.source_id).alias("source_id"),
            pl.lit(overlap_file.release_title).alias("source_release"),
        )
    )
    return order_columns(frame, FILTERS, INDICATORS).sort("pcon_name", "new_la_code")


def views(frame: pl.DataFrame) -> dict[str, pl.DataFrame]:
    shares = frame.group_by("pcon_code").agg(
        pl.col("share_of_constituency_population_percent").sum().alias("total_share")
    )
    return {"shares": shares}


DATASET = Dataset(
    name="constituency_councils",
    title="Westminster constituencies (2024 boundaries) and the councils that serve them",
    description=(
        "For each Westminster constituency in England (boundaries used from the July 2024 general election), "
        "the upper-tier councils (children's services authorities) whose areas it overlaps, with the number of "
        "its residents living in each council's area and their share of the constituency's population. From "
        "mySociety's 2025 constituencies lookups (population overlaps of constituencies and 2023 local "
        "authority districts, population roughly 2019, by postcode; CC BY 4.0, credit mySociety), with "
        "districts rolled up to councils by the Office for National Statistics district lookup. Overlaps "
        "with no residents are left out."
    ),
    families=FAMILIES,
    build=build,
    key=KEY,
    columns={
        "time_period": "Empty: the lookup describes the 2024 boundaries (see time_identifier).",
        "time_identifier": "'2024 boundaries': constituencies used from the July 2024 general election.",
        "geographic_level": "'Parliamentary constituency'.",
        "country_code": "E92000001 (England).",
        "country_name": "England.",
        "region_code": "GSS code of the council's region (E12).",
        "region_name": "Name of that region.",
        "new_la_code": "GSS code of the upper-tier council.",
        "old_la_code": "Empty.",
        "la_name": "Name of the council.",
        "current_la_code": "The council's GSS code (councils here are current).",
        "current_la_name": "The council's name.",
        "pcon_code": "GSS code of the constituency (E14).",
        "pcon_name": "Name of the constituency.",
        "population_in_council": "Residents of the constituency living in the council's area (mySociety, about 2019).",
        "constituency_population": "Residents of the constituency (mySociety, about 2019).",
        "share_of_constituency_population_percent": "population_in_council as a percentage of constituency_population.",
        "source_id": "The overlap table (data/sources.csv).",
        "source_release": "Its release.",
    },
    views=views,
)
