"""Children's homes and places by snapshot, area (England, region, council area), registration type and sector.

Built from the childrens_homes dataset (one list per snapshot date: see its snapshot_kind and
homes_reconciliation). Shares are computed here from the counts, rounded to one decimal place:
- share_of_area_*_pct: this sector's share of the area's homes (or places) of this registration type;
- share_of_england_*_pct: this area's share of England's homes (or places) of this type and sector.
Every council in existence on the snapshot date (analysis.geography) gets a row for every type and sector, zeros
included, so a council area with no council-run home shows 0 rather than being absent.
"""

from __future__ import annotations

import polars as pl

from analysis.datasets import Dataset, SourceFiles
from analysis.datasets.childrens_homes import NAME as HOMES
from analysis.errors import GeographyError
from analysis.layout import ENGLAND_CODE, ENGLAND_NAME, order_columns
from analysis.sources.ofsted import CHILDRENS_HOME_TYPES, HOME_SECTORS

NAME = "childrens_homes_by_area"
ALL_TYPES = "All children's homes"
ALL_SECTORS = "All sectors"
PROVISION_TYPES = [ALL_TYPES, *CHILDRENS_HOME_TYPES]
SECTORS = [ALL_SECTORS, *HOME_SECTORS]

SNAPSHOT_COLUMNS = [
    "time_period",
    "time_identifier",
    "snapshot_date",
    "snapshot_kind",
    "source_id",
    "source_release",
]
LEVEL_COLUMNS = {
    "National": [],
    "Regional": ["region_code", "region_name"],
    "Local authority": ["region_code", "region_name", "new_la_code", "la_name"],
}
AREA_COLUMNS = ["region_code", "region_name", "new_la_code", "la_name"]


def _expand_totals(homes: pl.DataFrame) -> pl.DataFrame:
    """Each home counted under its own type and sector and under the 'All' rows."""
    base = homes.select(*SNAPSHOT_COLUMNS, *AREA_COLUMNS, "provision_type", "sector", "places")
    return pl.concat(
        [
            base,
            base.with_columns(pl.lit(ALL_TYPES).alias("provision_type")),
            base.with_columns(pl.lit(ALL_SECTORS).alias("sector")),
            base.with_columns(pl.lit(ALL_TYPES).alias("provision_type"), pl.lit(ALL_SECTORS).alias("sector")),
        ]
    )


def councils_on_snapshots(homes: pl.DataFrame, councils: pl.DataFrame) -> pl.DataFrame:
    """Every upper-tier council in existence on each snapshot date, with the snapshot's columns."""
    authorities = councils.select(
        pl.col("new_la_code"),
        "la_name",
        "region_code",
        "region_name",
        "start_date",
        "end_date",
    )
    snapshots = homes.select(SNAPSHOT_COLUMNS).unique()
    councils = snapshots.join(authorities, how="cross").filter(
        (pl.col("start_date").is_null() | (pl.col("start_date") <= pl.col("snapshot_date")))
        & (pl.col("end_date").is_null() | (pl.col("end_date") >= pl.col("snapshot_date")))
    )
    return councils.select(SNAPSHOT_COLUMNS + AREA_COLUMNS)


def _count(frame: pl.DataFrame, by: list[str]) -> pl.DataFrame:
    return frame.group_by(by).agg(
        pl.len().cast(pl.Int64).alias("homes"),
        # places are null for a whole snapshot when the list has none (2015): never sum a partial column
        pl.when(pl.col("places").null_count() == 0)
        .then(pl.col("places").sum())
        .cast(pl.Int64)
        .alias("places"),
    )


def counts_by_area(homes: pl.DataFrame, councils: pl.DataFrame) -> pl.DataFrame:
    """Homes and places by snapshot x level x area x type x sector, zero rows included."""
    expanded = _expand_totals(homes)
    categories = pl.DataFrame({"provision_type": PROVISION_TYPES}).join(
        pl.DataFrame({"sector": SECTORS}), how="cross"
    )
    councils = councils_on_snapshots(homes, councils)
    outside = homes.join(councils, on=["snapshot_date", "new_la_code"], how="anti")
    if outside.height:
        raise GeographyError(
            f"homes in council areas not in existence on the snapshot date: {outside.select('snapshot_date', 'new_la_code').unique().rows()}"
        )
    snapshot_has_places = homes.group_by("snapshot_date").agg(
        (pl.col("places").null_count() == 0).alias("has_places")
    )
    levels = []
    for level, area_columns in LEVEL_COLUMNS.items():
        counted = _count(expanded, SNAPSHOT_COLUMNS + area_columns + ["provision_type", "sector"])
        areas = councils.select(SNAPSHOT_COLUMNS + area_columns).unique()
        grid = areas.join(categories, how="cross")
        full = (
            grid.join(counted, on=SNAPSHOT_COLUMNS + area_columns + ["provision_type", "sector"], how="left")
            .join(snapshot_has_places, on="snapshot_date", how="left")
            .with_columns(
                pl.col("homes").fill_null(0),
                pl.when(pl.col("has_places")).then(pl.col("places").fill_null(0)).alias("places"),
                pl.lit(level).alias("geographic_level"),
            )
            .drop("has_places")
        )
        for column in AREA_COLUMNS:
            if column not in full.columns:
                full = full.with_columns(pl.lit(None, dtype=pl.Utf8).alias(column))
        levels.append(
            full.select(
                SNAPSHOT_COLUMNS
                + ["geographic_level"]
                + AREA_COLUMNS
                + ["provision_type", "sector", "homes", "places"]
            )
        )
    return pl.concat(levels)


def _pct(numerator: str, denominator: str) -> pl.Expr:
    return (
        pl.when(pl.col(denominator) > 0)
        .then((pl.col(numerator) * 100.0 / pl.col(denominator)).round(1))
        .otherwise(None)
    )


def with_shares(counts: pl.DataFrame) -> pl.DataFrame:
    area_key = ["snapshot_date", "geographic_level", "region_code", "new_la_code", "provision_type"]
    area_totals = counts.filter(pl.col("sector") == ALL_SECTORS).select(
        *area_key, pl.col("homes").alias("area_homes"), pl.col("places").alias("area_places")
    )
    england = counts.filter(pl.col("geographic_level") == "National").select(
        "snapshot_date",
        "provision_type",
        "sector",
        pl.col("homes").alias("england_homes"),
        pl.col("places").alias("england_places"),
    )
    return (
        counts.join(area_totals, on=area_key, how="left", nulls_equal=True)
        .join(england, on=["snapshot_date", "provision_type", "sector"], how="left")
        .with_columns(
            _pct("homes", "area_homes").alias("share_of_area_homes_pct"),
            _pct("places", "area_places").alias("share_of_area_places_pct"),
            _pct("homes", "england_homes").alias("share_of_england_homes_pct"),
            _pct("places", "england_places").alias("share_of_england_places_pct"),
        )
        .drop("area_homes", "area_places", "england_homes", "england_places")
    )


FILTERS = ["snapshot_date", "snapshot_kind", "provision_type", "sector"]
# Shares of the area's and England's homes and places, per type and sector (datasets that pick one type and
# sector drop them and derive their own).
SHARE_COLUMNS = [
    "share_of_area_homes_pct",
    "share_of_area_places_pct",
    "share_of_england_homes_pct",
    "share_of_england_places_pct",
]
INDICATORS = ["homes", "places", *SHARE_COLUMNS]
LEVEL_ORDER = {"National": 0, "Regional": 1, "Local authority": 2}


def build(source_files: SourceFiles, childrens_homes: pl.DataFrame, councils: pl.DataFrame) -> pl.DataFrame:
    counts = with_shares(counts_by_area(childrens_homes, councils))
    counts = counts.with_columns(
        pl.lit(ENGLAND_CODE).alias("country_code"),
        pl.lit(ENGLAND_NAME).alias("country_name"),
        pl.lit(None, dtype=pl.Utf8).alias("old_la_code"),
    )
    counts = counts.sort(
        "snapshot_date",
        pl.col("geographic_level").replace_strict(LEVEL_ORDER, return_dtype=pl.Int64),
        pl.col("region_code").fill_null(""),
        pl.col("new_la_code").fill_null(""),
        pl.col("provision_type").replace_strict(
            {t: i for i, t in enumerate(PROVISION_TYPES)}, return_dtype=pl.Int64
        ),
        pl.col("sector").replace_strict({s: i for i, s in enumerate(SECTORS)}, return_dtype=pl.Int64),
    )
    return order_columns(counts, FILTERS, INDICATORS)


def views(frame: pl.DataFrame) -> dict[str, pl.DataFrame]:
    """Regional and council-area sums against England, and sector/type parts against their 'All' rows."""
    key = ["snapshot_date", "provision_type", "sector"]
    national = frame.filter(pl.col("geographic_level") == "National").select(
        *key, pl.col("homes").alias("national_homes"), pl.col("places").alias("national_places")
    )
    sums = []
    for level in ("Regional", "Local authority"):
        summed = (
            frame.filter(pl.col("geographic_level") == level)
            .group_by(key)
            .agg(
                pl.col("homes").sum().alias("sum_homes"),
                pl.col("places").sum().alias("sum_places"),
                pl.col("places").null_count().alias("null_places"),
            )
            .with_columns(pl.lit(level).alias("level"))
        )
        sums.append(summed)
    against_national = (
        pl.concat(sums)
        .join(national, on=key, how="full", coalesce=True)
        .with_columns(
            (pl.col("sum_homes") - pl.col("national_homes")).alias("homes_difference"),
            pl.when(pl.col("national_places").is_null() & (pl.col("null_places") > 0))
            .then(0)
            .otherwise(pl.col("sum_places") - pl.col("national_places"))
            .alias("places_difference"),
        )
    )
    area = ["snapshot_date", "geographic_level", "region_code", "new_la_code"]
    parts = frame.filter((pl.col("sector") != ALL_SECTORS) & (pl.col("provision_type") != ALL_TYPES))
    totals = frame.filter((pl.col("sector") == ALL_SECTORS) & (pl.col("provision_type") == ALL_TYPES))
    parts_vs_total = (
        parts.group_by(area)
        .agg(pl.col("homes").sum().alias("sum_of_parts"))
        .join(totals.select(*area, "homes"), on=area, how="full", coalesce=True, nulls_equal=True)
        .with_columns((pl.col("sum_of_parts") - pl.col("homes")).alias("difference"))
    )
    return {"regions_and_las_vs_england": against_national, "parts_vs_all": parts_vs_total}


COLUMNS = {
    "time_period": "Year of the snapshot date.",
    "time_identifier": "Snapshot day and month ('As at 31 March', 'As at 30 September', 'As at 31 August').",
    "geographic_level": "National, Regional or Local authority (council area the homes are in).",
    "country_code": "E92000001 (England).",
    "country_name": "England.",
    "region_code": "GSS code of the region (Regional and Local authority rows).",
    "region_name": "Region name.",
    "new_la_code": "GSS code of the council area as at the snapshot date (Local authority rows).",
    "old_la_code": "Empty: Ofsted publishes no DfE 3-digit codes.",
    "la_name": "Council area name.",
    "current_la_code": "GSS code of the council that covers the area now.",
    "current_la_name": "Name of the council that covers the area now.",
    "snapshot_date": "Date of the Ofsted list.",
    "snapshot_kind": "'providers_and_places' (all registered homes) or 'provider_level' (homes with a latest full "
    "inspection; fewer than Ofsted's totals in most years: see homes_reconciliation).",
    "provision_type": "All children's homes, or one registration type: Children's home, Secure children's home, "
    "Residential special school (registered as a children's home).",
    "sector": "All sectors, or who runs the homes: Local authority, Private, Voluntary, Health authority.",
    "homes": "Number of homes (0 where an area has none of this type and sector; every council in existence on "
    "the snapshot date has rows).",
    "places": "Places in those homes (empty for 31 March 2015: the list has no places).",
    "share_of_area_homes_pct": "This sector's homes as a percentage of all the area's homes of this type "
    "(1 decimal place).",
    "share_of_area_places_pct": "This sector's places as a percentage of all the area's places of this type.",
    "share_of_england_homes_pct": "This area's homes as a percentage of England's homes of this type and sector.",
    "share_of_england_places_pct": "This area's places as a percentage of England's places of this type and sector.",
    "source_id": "Source file of the snapshot (data/sources.csv).",
    "source_release": "Release of that source.",
}

DATASET = Dataset(
    name=NAME,
    title="Children's homes and places by area, registration type and sector, England, 2014-2024",
    description=(
        "Counts of children's homes and their places for England, regions and council areas at each Ofsted "
        "snapshot, by registration type and by sector (council, private, voluntary, health authority), with "
        "each sector's share of the area and each area's share of England."
    ),
    families=[],
    build=build,
    key=["snapshot_date", "geographic_level", "region_code", "new_la_code", "provision_type", "sector"],
    columns=COLUMNS,
    needs=[HOMES, "councils"],
    views=views,
)
