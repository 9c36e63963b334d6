"""Where children's homes are, by region: homes, places, shares of England and rates per 10,000 children (derived).

Built from childrens_homes_by_area (homes and places located in each region, every Ofsted list date) and, for the
31 March lists, childrens_homes_supply (children aged 0-17 and children looked after placed in children's homes,
DfE). Everything is derived here from counts and published unrounded:
- share_of_england_homes_percent: the region's homes / England's x 100;
- places_per_10000_children: places / children aged 0-17 x 10,000; homes_per_10000_children likewise;
- places_per_child_in_childrens_homes: places / children looked after by the region's councils placed in
  children's homes (DfE's category of that year: children_definition; DfE rounds regional counts to the nearest 10).
The England row also carries the three regions the 2012 market analysis and the 2019 Commons debate named
together (North West, West Midlands and South East): their homes and share, computed from the counts (never by
adding rounded shares).
"""

from __future__ import annotations

import polars as pl

from analysis.datasets import Dataset, SourceFiles
from analysis.datasets.childrens_homes_by_area import ALL_SECTORS, ALL_TYPES, SHARE_COLUMNS
from analysis.datasets.childrens_homes_by_area import NAME as BY_AREA
from analysis.datasets.childrens_homes_by_sector import LIST_LABELS, share
from analysis.datasets.childrens_homes_supply import NAME as SUPPLY
from analysis.layout import CURRENT_LA_COLUMNS, order_columns

NAME = "childrens_homes_by_region"
# North West, West Midlands, South East (GSS codes): the three regions named together in the 2019 debate.
THREE_REGIONS = ["E12000002", "E12000005", "E12000008"]
SNAPSHOT = ["snapshot_date", "snapshot_kind"]
SUPPLY_COLUMNS = [
    "population_0_to_17",
    "population_reference_date",
    "children_definition",
    "children_in_childrens_homes",
    "children_value_note",
    "population_source_id",
    "children_source_id",
]
FILTERS = ["snapshot_date", "snapshot_kind", "list_label", "children_definition"]
INDICATORS = [
    "homes",
    "places",
    "share_of_england_homes_percent",
    "share_of_england_places_percent",
    "rank_by_homes",
    "three_regions_homes",
    "three_regions_share_of_homes_percent",
    "population_0_to_17",
    "population_reference_date",
    "places_per_10000_children",
    "homes_per_10000_children",
    "rank_by_places_per_10000_children",
    "children_in_childrens_homes",
    "children_value_note",
    "places_per_child_in_childrens_homes",
    "fewer_places_than_children",
    "regions_with_fewer_places_than_children",
    "population_source_id",
    "children_source_id",
]


def per_10000(count: str, population: str = "population_0_to_17") -> pl.Expr:
    """count / population x 10,000, unrounded; null when the population is missing or 0 (never 0 for a gap)."""
    return pl.when(pl.col(population) > 0).then(pl.col(count) * 10_000.0 / pl.col(population))


def with_supply(frame: pl.DataFrame, supply: pl.DataFrame, area: list[str]) -> pl.DataFrame:
    """The population and children figures of childrens_homes_supply for the 31 March lists (others: empty)."""
    extra = supply.select("snapshot_date", *area, *SUPPLY_COLUMNS)
    joined = frame.join(extra, on=["snapshot_date", *area], how="left", nulls_equal=True)
    return joined.with_columns(
        per_10000("places").alias("places_per_10000_children"),
        per_10000("homes").alias("homes_per_10000_children"),
    )


def build(
    source_files: SourceFiles, childrens_homes_by_area: pl.DataFrame, childrens_homes_supply: pl.DataFrame
) -> pl.DataFrame:
    areas = childrens_homes_by_area.filter(
        pl.col("geographic_level").is_in(["National", "Regional"]),
        pl.col("provision_type") == ALL_TYPES,
        pl.col("sector") == ALL_SECTORS,
    ).drop(
        "provision_type",
        "sector",
        *SHARE_COLUMNS,
        *CURRENT_LA_COLUMNS,
        strict=False,
    )
    england = areas.filter(pl.col("geographic_level") == "National").select(
        "snapshot_date", pl.col("homes").alias("_england_homes"), pl.col("places").alias("_england_places")
    )
    three = (
        areas.filter(pl.col("region_code").is_in(THREE_REGIONS))
        .group_by("snapshot_date")
        .agg(pl.col("homes").sum().alias("_three"), pl.len().alias("_regions"))
    )
    if (three["_regions"] != len(THREE_REGIONS)).any():
        raise ValueError(f"{NAME}: a list lacks one of the regions {THREE_REGIONS}")
    is_national = pl.col("geographic_level") == "National"
    is_region = pl.col("geographic_level") == "Regional"
    frame = (
        areas.join(england, on="snapshot_date", how="left")
        .join(three, on="snapshot_date", how="left")
        .with_columns(
            share("homes", "_england_homes").alias("share_of_england_homes_percent"),
            share("places", "_england_places").alias("share_of_england_places_percent"),
            pl.when(is_national).then(pl.col("_three")).alias("three_regions_homes"),
            pl.when(is_national)
            .then(pl.col("_three") * 100.0 / pl.col("_england_homes"))
            .alias("three_regions_share_of_homes_percent"),
            pl.col("snapshot_kind").replace_strict(LIST_LABELS, return_dtype=pl.Utf8).alias("list_label"),
        )
        .drop("_england_homes", "_england_places", "_three", "_regions")
    )
    frame = with_supply(frame, childrens_homes_supply, ["geographic_level", "region_code"])
    frame = frame.with_columns(
        pl.when(pl.col("children_in_childrens_homes") > 0)
        .then(pl.col("places") / pl.col("children_in_childrens_homes"))
        .alias("places_per_child_in_childrens_homes"),
        pl.when(is_region)
        .then(pl.col("homes").rank(method="min", descending=True).over("snapshot_date", "geographic_level"))
        .cast(pl.Int64)
        .alias("rank_by_homes"),
        pl.when(is_region & pl.col("places_per_10000_children").is_not_null())
        .then(
            pl.col("places_per_10000_children")
            .rank(method="min", descending=True)
            .over("snapshot_date", "geographic_level")
        )
        .cast(pl.Int64)
        .alias("rank_by_places_per_10000_children"),
    )
    frame = frame.with_columns(
        pl.when(is_region)
        .then(pl.col("places") < pl.col("children_in_childrens_homes"))
        .alias("fewer_places_than_children"),
    )
    # England: how many regions have fewer places than children (empty when any region has no children figure)
    counted = (
        frame.filter(is_region)
        .group_by("snapshot_date")
        .agg(
            pl.when(pl.col("fewer_places_than_children").null_count() == 0)
            .then(pl.col("fewer_places_than_children").sum())
            .cast(pl.Int64)
            .alias("_fewer")
        )
    )
    frame = (
        frame.join(counted, on="snapshot_date", how="left")
        .with_columns(
            pl.when(is_national).then(pl.col("_fewer")).alias("regions_with_fewer_places_than_children")
        )
        .drop("_fewer")
        .sort("snapshot_date", pl.col("geographic_level") != "National", pl.col("region_code").fill_null(""))
    )
    return order_columns(frame, FILTERS, INDICATORS)


def views(frame: pl.DataFrame) -> dict[str, pl.DataFrame]:
    """Regions add up to England; each derived figure equals its counts."""
    regions = (
        frame.filter(pl.col("geographic_level") == "Regional")
        .group_by("snapshot_date")
        .agg(pl.col("homes").sum().alias("region_homes"), pl.col("share_of_england_homes_percent").sum())
    )
    england = frame.filter(pl.col("geographic_level") == "National").select(
        "snapshot_date", "homes", "three_regions_homes", "three_regions_share_of_homes_percent"
    )
    sums = regions.join(england, on="snapshot_date", how="full", coalesce=True).with_columns(
        (pl.col("region_homes") - pl.col("homes")).alias("homes_difference"),
        (
            pl.col("three_regions_share_of_homes_percent")
            - pl.col("three_regions_homes") * 100.0 / pl.col("homes")
        ).alias("three_regions_share_error"),
    )
    derived = frame.with_columns(
        (
            pl.col("places_per_10000_children") - pl.col("places") * 10_000.0 / pl.col("population_0_to_17")
        ).alias("rate_error"),
        (
            pl.col("places_per_child_in_childrens_homes")
            - pl.col("places") / pl.col("children_in_childrens_homes")
        ).alias("per_child_error"),
    )
    return {"regions_vs_england": sums, "derived_vs_counts": derived}


DATASET = Dataset(
    name=NAME,
    title="Children's homes by region: homes, places, share of England and places per 10,000 children",
    description=(
        "For England and each region at every Ofsted list date: children's homes and places located there, each "
        "region's share of England's homes and places and its rank, and the North West, West Midlands and South "
        "East together. For the 31 March lists, also places and homes per 10,000 children aged 0-17 (ONS mid-year "
        "estimates as published by DfE) and places per child looked after by the region's councils in a "
        "children's home (DfE). All derived here from counts, unrounded."
    ),
    families=[],
    build=build,
    key=["snapshot_date", "geographic_level", "region_code"],
    columns={
        "time_period": "Year of the list date.",
        "time_identifier": "The list date as a day and month ('As at 31 March', ...).",
        "geographic_level": "National or Regional.",
        "country_code": "E92000001 (England).",
        "country_name": "England.",
        "region_code": "GSS code of the region (Regional rows).",
        "region_name": "Region name.",
        "new_la_code": "Empty (regional figures).",
        "old_la_code": "Empty (regional figures).",
        "la_name": "Empty (regional figures).",
        "current_la_code": "Empty (regional figures).",
        "current_la_name": "Empty (regional figures).",
        "snapshot_date": "Date of the Ofsted list.",
        "snapshot_kind": "'providers_and_places' (every registered home) or 'provider_level' (homes with a latest "
        "full inspection; see homes_reconciliation).",
        "list_label": "'complete list' or 'inspected-homes list' (the kind of list in words).",
        "children_definition": "DfE placement category of children_in_childrens_homes for this year (empty where none "
        "is published for the area and year).",
        "homes": "Children's homes (all three registration types, all sectors) located in the area.",
        "places": "Places in those homes (empty for 31 March 2015: that list has no places).",
        "share_of_england_homes_percent": "The area's homes / England's homes x 100 (derived, unrounded).",
        "share_of_england_places_percent": "The area's places / England's places x 100 (derived, unrounded).",
        "rank_by_homes": "Regional rows: 1 for the region with the most homes in the list (ties share a rank).",
        "three_regions_homes": "National rows: homes in the North West, West Midlands and South East together.",
        "three_regions_share_of_homes_percent": "National rows: three_regions_homes / England's homes x 100 "
        "(derived from the counts, unrounded).",
        "population_0_to_17": "Children aged 0-17 living in the area: ONS mid-year estimate for the year before the "
        "list date, as published by DfE (31 March lists only; from childrens_homes_supply).",
        "population_reference_date": "The mid-year the population describes.",
        "places_per_10000_children": "places / population_0_to_17 x 10,000 (derived, unrounded; empty where either "
        "is missing, never 0 for a gap).",
        "homes_per_10000_children": "homes / population_0_to_17 x 10,000 (derived, unrounded).",
        "rank_by_places_per_10000_children": "Regional rows: 1 for the region with the most places per 10,000 "
        "children (ties share a rank).",
        "children_in_childrens_homes": "Children looked after at 31 March by the area's councils placed in the "
        "children_definition category, wherever they live (DfE; rounded by DfE to the nearest 10 for England and "
        "regions).",
        "children_value_note": "Why children_in_childrens_homes is empty where DfE published a symbol.",
        "places_per_child_in_childrens_homes": "places / children_in_childrens_homes (derived, unrounded). Places are "
        "where homes are; children are counted by the council responsible for them: not the places available to "
        "those children. Do not compare across children_definition values.",
        "fewer_places_than_children": "Regional rows: True when the region has fewer places than children in "
        "children_in_childrens_homes (empty where either is missing).",
        "regions_with_fewer_places_than_children": "National rows: how many regions have fewer places than "
        "children (empty when a region has no children figure).",
        "population_source_id": "Source of the population figure (data/sources.csv).",
        "children_source_id": "Source of the children figure (data/sources.csv).",
        "source_id": "Source of the homes and places (the Ofsted list).",
        "source_release": "Release of that Ofsted list, as the publisher labels it.",
    },
    needs=[BY_AREA, SUPPLY],
    views=views,
)
