"""Children's homes opened and closed in each year to 31 March, 2016-17 to 2022-23 (Ofsted joiners and leavers).

A joiner is a home registered during the year; a leaver one that closed, resigned or had its registration
cancelled during the year (as Ofsted lists them: the 2022-23 file also lists 6 homes whose closure date fell
before the year, which Ofsted counts as leavers that year). A home that opened and closed within the year is
counted in both. By England, region and council area (every council in existence at the year's end), registration
type and sector, zeros included. Places are those on the provider's registration as listed.
"""

from __future__ import annotations

import polars as pl

from analysis import corrections
from analysis.datasets import Dataset, SourceFiles
from analysis.datasets.childrens_homes import add_geography
from analysis.datasets.childrens_homes_by_area import (
    LEVEL_ORDER,
    PROVISION_TYPES,
    SECTORS,
    counts_by_area,
)
from analysis.layout import ENGLAND_CODE, ENGLAND_NAME, order_columns
from analysis.sources import ofsted

NAME = "childrens_homes_openings_closures"
KIND = "joiners_and_leavers"
KEY = ["year_end_date", "geographic_level", "region_code", "new_la_code", "provision_type", "sector"]


def _as_snapshot(frame: pl.DataFrame, releases: dict[str, str]) -> pl.DataFrame:
    """The columns counts_by_area groups by (a year's flows counted like a snapshot dated at the year's end)."""
    return frame.with_columns(
        pl.col("year_end_date").alias("snapshot_date"),
        pl.col("year_end_date").dt.year().cast(pl.Int64).alias("time_period"),
        pl.lit("Year to 31 March").alias("time_identifier"),
        pl.lit(KIND).alias("snapshot_kind"),
        pl.col("source_id").replace_strict(releases, return_dtype=pl.Utf8).alias("source_release"),
    )


def build(source_files: SourceFiles, councils: pl.DataFrame) -> pl.DataFrame:
    files = source_files.of(ofsted.JOINERS_LEAVERS_FAMILY)
    flows = pl.concat(
        [
            corrections.apply(
                ofsted.parse_joiners_leavers(f, source_files.reference_dir),
                f,
                source_files.corrections,
                note_column="correction",
            )
            for f in files
        ]
    ).drop("correction")
    # the council a home was in, on the last day of the year (names such as 'Dorset' change meaning in 2019)
    located = add_geography(flows.rename({"year_end_date": "snapshot_date"}), source_files).rename(
        {"snapshot_date": "year_end_date"}
    )
    releases = {f.source_id: f.release_title for f in files}
    located = _as_snapshot(located, releases)
    key = [
        "time_period",
        "time_identifier",
        "snapshot_date",
        "snapshot_kind",
        "source_id",
        "source_release",
        "geographic_level",
        "region_code",
        "region_name",
        "new_la_code",
        "la_name",
        "provision_type",
        "sector",
    ]
    opened = counts_by_area(located.filter(pl.col("joined")), councils).rename(
        {"homes": "opened", "places": "opened_places"}
    )
    closed = counts_by_area(located.filter(pl.col("left")), councils).rename(
        {"homes": "closed", "places": "closed_places"}
    )
    frame = opened.join(closed, on=key, how="full", coalesce=True, nulls_equal=True).with_columns(
        pl.col("opened", "opened_places", "closed", "closed_places").fill_null(0)
    )
    frame = (
        frame.with_columns(
            (pl.col("opened") - pl.col("closed")).alias("net_change"),
            (pl.col("opened_places") - pl.col("closed_places")).alias("net_change_places"),
            pl.lit(ENGLAND_CODE).alias("country_code"),
            pl.lit(ENGLAND_NAME).alias("country_name"),
            pl.lit(None, dtype=pl.Utf8).alias("old_la_code"),
        )
        .rename({"snapshot_date": "year_end_date"})
        .drop("snapshot_kind")
    )
    frame = frame.sort(
        "year_end_date",
        pl.col("geographic_level").replace_strict(LEVEL_ORDER, return_dtype=pl.Int64),
        pl.col("region_code").fill_null(""),
        pl.col("new_la_code").fill_null(""),
        pl.col("provision_type").replace_strict(
            {t: i for i, t in enumerate(PROVISION_TYPES)}, return_dtype=pl.Int64
        ),
        pl.col("sector").replace_strict({s: i for i, s in enumerate(SECTORS)}, return_dtype=pl.Int64),
    )
    return order_columns(
        frame,
        ["year_end_date", "provision_type", "sector"],
        ["opened", "opened_places", "closed", "closed_places", "net_change", "net_change_places"],
    )


def views(frame: pl.DataFrame) -> dict[str, pl.DataFrame]:
    """Regions and council areas add up to England for every year, type and sector."""
    key = ["year_end_date", "provision_type", "sector"]
    national = frame.filter(pl.col("geographic_level") == "National").select(
        *key, pl.col("opened").alias("national_opened"), pl.col("closed").alias("national_closed")
    )
    sums = [
        frame.filter(pl.col("geographic_level") == level)
        .group_by(key)
        .agg(pl.col("opened").sum().alias("sum_opened"), pl.col("closed").sum().alias("sum_closed"))
        .with_columns(pl.lit(level).alias("level"))
        for level in ("Regional", "Local authority")
    ]
    joined = (
        pl.concat(sums)
        .join(national, on=key, how="full", coalesce=True)
        .with_columns(
            (pl.col("sum_opened") - pl.col("national_opened")).alias("opened_difference"),
            (pl.col("sum_closed") - pl.col("national_closed")).alias("closed_difference"),
        )
    )
    return {"regions_and_las_vs_england": joined}


DATASET = Dataset(
    name=NAME,
    title="Children's homes opened and closed each year to 31 March, England, 2016-17 to 2022-23",
    description=(
        "Children's homes registered (opened) and closed during each year to 31 March, with their places, from "
        "Ofsted's joiners-and-leavers lists, by England, region and council area, registration type and sector."
    ),
    families=[ofsted.JOINERS_LEAVERS_FAMILY],
    needs=["councils"],
    build=build,
    key=KEY,
    columns={
        "time_period": "Year the period ends (2017 = the year to 31 March 2017).",
        "time_identifier": "Year to 31 March.",
        "geographic_level": "National, Regional or Local authority (council area the home is in).",
        "country_code": "E92000001 (England).",
        "country_name": "England.",
        "region_code": "GSS code of the region.",
        "region_name": "Region name.",
        "new_la_code": "GSS code of the council area on 31 March at the end of the year.",
        "old_la_code": "Empty: Ofsted publishes no DfE 3-digit codes.",
        "la_name": "Council area name.",
        "current_la_code": "GSS code of the council that covers the area now.",
        "current_la_name": "Name of the council that covers the area now.",
        "year_end_date": "31 March ending the year.",
        "provision_type": "All children's homes, or one registration type.",
        "sector": "All sectors, or Local authority, Private, Voluntary, Health authority.",
        "opened": "Homes registered during the year (Ofsted 'Joiner').",
        "opened_places": "Places in those homes.",
        "closed": "Homes that closed, resigned or had their registration cancelled during the year (Ofsted 'Leaver').",
        "closed_places": "Places in those homes.",
        "net_change": "opened minus closed (not the change between two snapshots: lists differ in coverage).",
        "net_change_places": "opened_places minus closed_places.",
        "source_id": "Source file (data/sources.csv).",
        "source_release": "Release of that source.",
    },
    views=views,
)
