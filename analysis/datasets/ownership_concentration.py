"""Who owns England's children's homes: the largest owning organisations and their share, from 2018.

Ofsted publishes the organisation that owns each home from 31 March 2018. Organisations are grouped by their
normalised name (childrens_homes.owner_name: spellings merged, not corporate groups: two companies of one group
count as two owners). Owners are ranked by number of homes (ties by places, then name); shares are of ALL
children's homes in the snapshot (homes with no owner published stay in the denominator and are counted).

Two datasets:
- ownership_concentration: per snapshot, the largest 1 / 5 / 10 / 20 owners' share of homes and places;
- childrens_homes_largest_owners: per snapshot, the 20 largest owners with their homes, places and shares.
"""

from __future__ import annotations

import polars as pl

from analysis.datasets import Dataset, SourceFiles
from analysis.datasets.childrens_homes import NAME as HOMES
from analysis.datasets.childrens_homes import national_geography
from analysis.layout import NATIONAL_GEOGRAPHY_DESCRIPTIONS, order_columns

TOP_GROUPS = (1, 5, 10, 20)
LARGEST_OWNERS_LISTED = 20
SNAPSHOT_COLUMNS = [
    "time_period",
    "time_identifier",
    "snapshot_date",
    "snapshot_kind",
    "source_id",
    "source_release",
]


def _pct(numerator: str, denominator: str) -> pl.Expr:
    return pl.when(pl.col(denominator) > 0).then((pl.col(numerator) * 100.0 / pl.col(denominator)).round(1))


def owner_snapshots(homes: pl.DataFrame) -> pl.DataFrame:
    """Snapshots whose list publishes owners (lists before 2018 have no owner column: every owner is null)."""
    return (
        homes.group_by(SNAPSHOT_COLUMNS)
        .agg(pl.col("owner_name").is_not_null().sum().alias("with_owner"))
        .filter(pl.col("with_owner") > 0)
    )


def ranked_owners(homes: pl.DataFrame) -> pl.DataFrame:
    """Every owning organisation per snapshot with homes, places, rank and shares of all homes and places."""
    snapshots = owner_snapshots(homes).select(SNAPSHOT_COLUMNS)
    homes = homes.join(snapshots, on=SNAPSHOT_COLUMNS, how="semi")
    totals = homes.group_by("snapshot_date").agg(
        pl.len().cast(pl.Int64).alias("all_homes"),
        pl.col("places").sum().cast(pl.Int64).alias("all_places"),
        pl.col("owner_name").is_null().sum().cast(pl.Int64).alias("homes_without_owner_published"),
    )
    owners = (
        homes.filter(pl.col("owner_name").is_not_null())
        .group_by(SNAPSHOT_COLUMNS + ["owner_name"])
        .agg(
            pl.len().cast(pl.Int64).alias("homes"),
            pl.col("places").sum().cast(pl.Int64).alias("places"),
            pl.col("sector").unique().sort().str.join(", ").alias("sectors"),
        )
        .sort(["snapshot_date", "homes", "places", "owner_name"], descending=[False, True, True, False])
        .with_columns(pl.int_range(1, pl.len() + 1).over("snapshot_date").cast(pl.Int64).alias("rank"))
        .join(totals, on="snapshot_date")
    )
    return owners.with_columns(
        _pct("homes", "all_homes").alias("share_of_homes_pct"),
        _pct("places", "all_places").alias("share_of_places_pct"),
    )


def build_concentration(source_files: SourceFiles, childrens_homes: pl.DataFrame) -> pl.DataFrame:
    owners = ranked_owners(childrens_homes)
    groups = []
    for size in TOP_GROUPS:
        top = owners.filter(pl.col("rank") <= size)
        # is the group's edge a tie (the next owner has as many homes as the last one in)?
        edge = (
            owners.filter(pl.col("rank").is_in([size, size + 1]))
            .group_by("snapshot_date")
            .agg((pl.col("homes").n_unique() == 1).and_(pl.len() == 2).alias("tie_at_edge"))
        )
        group = (
            top.group_by(SNAPSHOT_COLUMNS + ["all_homes", "all_places", "homes_without_owner_published"])
            .agg(
                pl.len().cast(pl.Int64).alias("owners_in_group"),
                pl.col("homes").sum().cast(pl.Int64).alias("homes"),
                pl.col("places").sum().cast(pl.Int64).alias("places"),
            )
            .join(edge, on="snapshot_date", how="left")
            .with_columns(
                pl.lit(f"Largest {size}" if size > 1 else "Largest 1").alias("owner_group"),
                pl.lit(size, dtype=pl.Int64).alias("group_order"),
                pl.col("tie_at_edge").fill_null(False),
            )
        )
        groups.append(group)
    every = (
        owners.group_by(SNAPSHOT_COLUMNS + ["all_homes", "all_places", "homes_without_owner_published"])
        .agg(
            pl.len().cast(pl.Int64).alias("owners_in_group"),
            pl.col("homes").sum().cast(pl.Int64).alias("homes"),
            pl.col("places").sum().cast(pl.Int64).alias("places"),
        )
        .with_columns(
            pl.lit("All owning organisations").alias("owner_group"),
            pl.lit(10_000, dtype=pl.Int64).alias("group_order"),
            pl.lit(False).alias("tie_at_edge"),
        )
    )
    frame = pl.concat([*groups, every], how="diagonal").with_columns(
        _pct("homes", "all_homes").alias("share_of_homes_pct"),
        _pct("places", "all_places").alias("share_of_places_pct"),
        *national_geography(),
    )
    frame = frame.sort("snapshot_date", "group_order").drop("group_order")
    return order_columns(
        frame,
        ["snapshot_date", "snapshot_kind", "owner_group"],
        [
            "owners_in_group",
            "homes",
            "places",
            "share_of_homes_pct",
            "share_of_places_pct",
            "tie_at_edge",
            "all_homes",
            "all_places",
            "homes_without_owner_published",
        ],
    )


def build_largest(source_files: SourceFiles, childrens_homes: pl.DataFrame) -> pl.DataFrame:
    owners = ranked_owners(childrens_homes).filter(pl.col("rank") <= LARGEST_OWNERS_LISTED)
    frame = (
        owners.drop("homes_without_owner_published")
        .with_columns(
            *national_geography(),
        )
        .sort("snapshot_date", "rank")
    )
    return order_columns(
        frame,
        ["snapshot_date", "snapshot_kind", "rank", "owner_name", "sectors"],
        ["homes", "places", "share_of_homes_pct", "share_of_places_pct", "all_homes", "all_places"],
    )


def concentration_views(frame: pl.DataFrame) -> dict[str, pl.DataFrame]:
    """Shares grow with the group: each snapshot's groups in order must have non-decreasing homes."""
    ordered = frame.with_columns(
        (pl.col("homes") - pl.col("homes").shift(1).over("snapshot_date")).alias("homes_increase"),
        (pl.col("all_homes") - pl.col("homes_without_owner_published") - pl.col("homes")).alias(
            "owned_homes_left"
        ),
    )
    return {"groups_in_order": ordered}


SHARED_COLUMNS = {
    "time_period": "Year of the snapshot date.",
    "time_identifier": "Snapshot day and month ('As at 31 March', 'As at 31 August').",
    **NATIONAL_GEOGRAPHY_DESCRIPTIONS,
    "snapshot_date": "Date of the Ofsted list.",
    "snapshot_kind": "'providers_and_places' (all registered homes) or 'provider_level' (homes with a latest full "
    "inspection; see homes_reconciliation).",
    "homes": "Children's homes (all three registration types) owned.",
    "places": "Places in those homes.",
    "share_of_homes_pct": "Those homes as a percentage of all children's homes in the snapshot (1 decimal place).",
    "share_of_places_pct": "Those places as a percentage of all places in the snapshot.",
    "all_homes": "All children's homes in the snapshot (the denominator).",
    "all_places": "All places in the snapshot.",
    "source_id": "Source file of the snapshot (data/sources.csv).",
    "source_release": "Release of that source.",
}

CONCENTRATION = Dataset(
    name="ownership_concentration",
    title="Children's homes: share owned by the largest owning organisations, England, 2018-2024",
    description=(
        "For each Ofsted snapshot from 31 March 2018 (when owners are first published), the share of all "
        "children's homes and places owned by the largest 1, 5, 10 and 20 owning organisations (ranked by homes), "
        "and the number of owning organisations. Owners are organisations as published (spellings merged), not "
        "corporate groups."
    ),
    families=[],
    build=build_concentration,
    key=["snapshot_date", "owner_group"],
    columns={
        **SHARED_COLUMNS,
        "owner_group": "'Largest 1', 'Largest 5', 'Largest 10', 'Largest 20' (owners ranked by homes, ties by places "
        "then name), or 'All owning organisations'.",
        "owners_in_group": "Number of owning organisations in the group.",
        "tie_at_edge": "True when the next-ranked owner has as many homes as the last one in the group (the group's "
        "membership and places then depend on the places/name tie-break; its homes total does not).",
        "homes_without_owner_published": "Homes in the snapshot with no owning organisation published (counted "
        "in all_homes, in no group).",
    },
    needs=[HOMES],
    views=concentration_views,
)

LARGEST = Dataset(
    name="childrens_homes_largest_owners",
    title="The 20 largest owners of children's homes at each snapshot, England, 2018-2024",
    description=(
        "The 20 owning organisations with the most children's homes at each Ofsted snapshot from 31 March 2018, "
        "with their homes, places and share of all homes and places."
    ),
    families=[],
    build=build_largest,
    key=["snapshot_date", "rank"],
    columns={
        **SHARED_COLUMNS,
        "rank": "Rank by number of homes (ties by places, then name).",
        "owner_name": "Owning organisation (childrens_homes.owner_name: published spellings merged).",
        "sectors": "Sector(s) of the owner's homes as published (comma-separated if more than one).",
    },
    needs=[HOMES],
)

DATASETS = [CONCENTRATION, LARGEST]
