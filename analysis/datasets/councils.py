"""English upper-tier councils (children's services authorities) since 2011: codes, names, regions, dates,
successors, and where each current council sits on the site's hex map.

Built from the geography families (ONS lookups, mySociety names and codes, the Open Innovations hex map) and
the project's reference tables (data/reference/la_reorganisations.csv, hexmap_cells.csv), so the book and the
derived datasets read council geography from data/ alone, never from the source files.
"""

from __future__ import annotations

import polars as pl

from analysis import geography
from analysis.datasets import Dataset, SourceFiles
from analysis.layout import ENGLAND_CODE, ENGLAND_NAME, order_columns

FILTERS = [
    "la_type",
    "start_date",
    "end_date",
    "is_current",
    "successor_codes",
]
INDICATORS = ["abbreviation", "hex_q", "hex_r", "latitude", "longitude"]
KEY = ["new_la_code"]


def _abbreviations(files) -> pl.DataFrame:
    """la_code -> mySociety's three-letter registry code of the council (its GSS code, or a former one)."""
    registry = geography.read_mysociety_authorities(files.mysociety_authorities)
    current = registry.select(pl.col("gss-code").alias("la_code"), pl.col("local-authority-code"))
    former = (
        registry.filter(pl.col("former-gss-codes").is_not_null())
        .select(pl.col("former-gss-codes").str.split(",").alias("la_code"), "local-authority-code")
        .explode("la_code")
        .with_columns(pl.col("la_code").str.strip_chars())
    )
    return (
        pl.concat([current, former])
        .filter(pl.col("la_code").is_not_null() & (pl.col("la_code") != ""))
        .unique("la_code", keep="first", maintain_order=True)
        .rename({"local-authority-code": "abbreviation"})
    )


def build(sources: SourceFiles) -> pl.DataFrame:
    files = sources.geo_files()
    authorities = geography.upper_tier_authorities(files)
    cells = geography.hex_cells(files).select(
        pl.col("la_code"), pl.col("q").alias("hex_q"), pl.col("r").alias("hex_r")
    )
    points = geography.centroids(files).select(
        "la_code", pl.col("lat").alias("latitude"), pl.col("long").alias("longitude")
    )
    abbreviations = _abbreviations(files)
    # the source of each row: the ONS upper-tier lookup for current codes, the reorganisations table otherwise
    utla = sources.latest(geography.FAMILY_ONS_UTLA)
    frame = (
        authorities.join(cells, on="la_code", how="left")
        .join(points, on="la_code", how="left")
        .join(abbreviations, on="la_code", how="left")
        .with_columns(
            pl.lit(None, dtype=pl.Int64).alias("time_period"),
            pl.lit("Current and former councils since 2011").alias("time_identifier"),
            pl.lit("Local authority").alias("geographic_level"),
            pl.lit(ENGLAND_CODE).alias("country_code"),
            pl.lit(ENGLAND_NAME).alias("country_name"),
            pl.col("la_code").alias("new_la_code"),
            pl.lit(None, dtype=pl.Utf8).alias("old_la_code"),
            pl.lit(utla.source_id).alias("source_id"),
            pl.lit(utla.release_title).alias("source_release"),
        )
        .drop("la_code")
    )
    return order_columns(frame, FILTERS, INDICATORS).sort(KEY)


DATASET = Dataset(
    name="councils",
    title="English upper-tier councils since 2011: codes, names, regions, reorganisations and map cells",
    description=(
        "Every English upper-tier local authority code (children's services authorities: counties, unitary "
        "authorities, metropolitan districts, London boroughs, the City of London and the Isles of Scilly) in use "
        "at some time since 2011, with its region, the dates it existed (start_date empty: before 2011; "
        "end_date empty: current), the council that covers its area now (current_la_code; empty when the area "
        "was split) and its successors. For current councils, the cell of the site's hex map (hex_q, hex_r; "
        "odd-r layout, from the Open Innovations hex map of upper-tier authorities, MIT licence, with cells "
        "placed by this project for councils created since it was drawn) and a centroid (latitude, longitude, "
        "from mySociety's local authority names and codes, CC BY 4.0 for mySociety's additions). Names and "
        "regions from the Office for National Statistics lookups (Open Government Licence)."
    ),
    families=list(geography.GEO_FAMILIES),
    build=build,
    key=KEY,
    columns={
        "time_period": "Empty: the table covers every council since 2011 (see start_date and end_date).",
        "time_identifier": "'Current and former councils since 2011'.",
        "geographic_level": "Always 'Local authority'.",
        "country_code": "E92000001 (England).",
        "country_name": "England.",
        "region_code": "GSS code of the council's region (E12).",
        "region_name": "Name of that region.",
        "new_la_code": "The council's GSS code (E06, E08, E09 or E10).",
        "old_la_code": "Empty: DfE's 3-digit codes are on the DfE datasets' rows.",
        "la_name": "The council's name (ONS spelling; for former codes, as DfE spelt them).",
        "current_la_code": "GSS code of the council covering the whole area now (itself when current; empty when the area was split).",
        "current_la_name": "Name of that council.",
        "la_type": "unitary authority, metropolitan district, London borough or county.",
        "start_date": "First day of the code (empty: in use before 2011).",
        "end_date": "Last day of the code (empty: current).",
        "is_current": "True for the councils in existence at 31 March 2024, the latest DfE year.",
        "successor_codes": "For former codes: the codes that replaced it, comma-separated.",
        "abbreviation": "mySociety's three-letter registry code of the council (e.g. BPL for Blackpool), which labels "
        "its cell on the site's hex maps.",
        "hex_q": "Column of the council's cell on the site's hex map (current councils only).",
        "hex_r": "Row of that cell (odd-r layout: odd rows are shifted right by half a cell).",
        "latitude": "Latitude of the council's centroid (current councils only).",
        "longitude": "Longitude of the council's centroid (current councils only).",
        "source_id": "The ONS upper-tier lookup the names and regions come from (data/sources.csv).",
        "source_release": "Its release.",
    },
    reference_files=["la_reorganisations.csv", "la_name_aliases.csv", "hexmap_cells.csv"],
)
