"""Where children's homes are, council by council: homes, ranks, how few council areas hold half of England's
homes, and places per 10,000 children (derived).

Built from childrens_homes_by_area (homes and places located in each council area at every Ofsted list date) and,
for the 31 March lists, childrens_homes_supply (children aged 0-17, ONS mid-year estimates as published by DfE).
Council rows: the area's homes and places, its share of England's homes, its rank, the running share of England's
homes when areas are taken from the most homes down (ties by name), and its rate per 10,000 children. England
rows summarise the councils: how many have no home, the fewest areas that together hold at least half of
England's homes, and the median council rate, all computed from unrounded values. A council with no population
figure has no rate and is left out of the median (counted in councils_without_places_rate), never given 0.
"""

from __future__ import annotations

import polars as pl

from analysis.datasets import Dataset, SourceFiles
from analysis.datasets.childrens_homes_by_area import ALL_SECTORS, ALL_TYPES, SHARE_COLUMNS
from analysis.datasets.childrens_homes_by_area import NAME as BY_AREA
from analysis.datasets.childrens_homes_by_region import per_10000
from analysis.datasets.childrens_homes_by_sector import LIST_LABELS, share
from analysis.datasets.childrens_homes_supply import NAME as SUPPLY
from analysis.layout import CURRENT_LA_COLUMNS, order_columns

NAME = "childrens_homes_by_council"
FILTERS = ["snapshot_date", "snapshot_kind", "list_label"]
INDICATORS = [
    "homes",
    "places",
    "no_home",
    "share_of_england_homes_percent",
    "rank_by_homes",
    "cumulative_share_of_england_homes_percent",
    "among_fewest_holding_half",
    "population_0_to_17",
    "population_reference_date",
    "places_per_10000_children",
    "homes_per_10000_children",
    "rank_by_places_per_10000_children",
    "above_england_places_rate",
    "councils",
    "councils_with_no_home",
    "councils_holding_half_of_homes",
    "share_of_homes_in_those_councils_percent",
    "tie_at_half_edge",
    "median_council_places_per_10000_children",
    "councils_with_places_rate",
    "councils_without_places_rate",
    "councils_above_england_places_rate",
    "population_source_id",
]


def build(
    source_files: SourceFiles, childrens_homes_by_area: pl.DataFrame, childrens_homes_supply: pl.DataFrame
) -> pl.DataFrame:
    base = childrens_homes_by_area.filter(
        pl.col("provision_type") == ALL_TYPES,
        pl.col("sector") == ALL_SECTORS,
        pl.col("geographic_level").is_in(["National", "Local authority"]),
    ).drop(
        "provision_type",
        "sector",
        *SHARE_COLUMNS,
        *CURRENT_LA_COLUMNS,
        strict=False,
    )
    supply = childrens_homes_supply.select(
        "snapshot_date",
        "geographic_level",
        "new_la_code",
        "population_0_to_17",
        "population_reference_date",
        "population_source_id",
    )
    base = base.join(
        supply, on=["snapshot_date", "geographic_level", "new_la_code"], how="left", nulls_equal=True
    )
    base = base.with_columns(
        per_10000("places").alias("places_per_10000_children"),
        per_10000("homes").alias("homes_per_10000_children"),
        pl.col("snapshot_kind").replace_strict(LIST_LABELS, return_dtype=pl.Utf8).alias("list_label"),
    )
    england = base.filter(pl.col("geographic_level") == "National").select(
        "snapshot_date",
        pl.col("homes").alias("_england_homes"),
        pl.col("places_per_10000_children").alias("_england_rate"),
    )
    las = (
        base.filter(pl.col("geographic_level") == "Local authority")
        .join(england, on="snapshot_date", how="left")
        .sort(["snapshot_date", "homes", "la_name"], descending=[False, True, False])
        .with_columns(
            (pl.col("homes") == 0).alias("no_home"),
            share("homes", "_england_homes").alias("share_of_england_homes_percent"),
            pl.col("homes")
            .rank(method="min", descending=True)
            .over("snapshot_date")
            .cast(pl.Int64)
            .alias("rank_by_homes"),
            (pl.col("homes").cum_sum().over("snapshot_date") * 100.0 / pl.col("_england_homes")).alias(
                "cumulative_share_of_england_homes_percent"
            ),
            pl.int_range(1, pl.len() + 1).over("snapshot_date").alias("_position"),
            pl.when(pl.col("places_per_10000_children").is_not_null())
            .then(
                pl.col("places_per_10000_children").rank(method="min", descending=True).over("snapshot_date")
            )
            .cast(pl.Int64)
            .alias("rank_by_places_per_10000_children"),
            pl.when(pl.col("places_per_10000_children").is_not_null() & pl.col("_england_rate").is_not_null())
            .then(pl.col("places_per_10000_children") > pl.col("_england_rate"))
            .alias("above_england_places_rate"),
        )
    )
    # the fewest areas (most homes first) whose homes together are at least half of England's
    half = (
        las.filter(pl.col("cumulative_share_of_england_homes_percent") >= 50)
        .group_by("snapshot_date")
        .agg(
            pl.col("_position").min().cast(pl.Int64).alias("councils_holding_half_of_homes"),
            pl.col("cumulative_share_of_england_homes_percent")
            .sort_by("_position")
            .first()
            .alias("share_of_homes_in_those_councils_percent"),
        )
    )
    edge = (
        las.join(half.select("snapshot_date", "councils_holding_half_of_homes"), on="snapshot_date")
        .filter(
            (pl.col("_position") == pl.col("councils_holding_half_of_homes"))
            | (pl.col("_position") == pl.col("councils_holding_half_of_homes") + 1)
        )
        .group_by("snapshot_date")
        .agg(((pl.col("homes").n_unique() == 1) & (pl.len() == 2)).alias("tie_at_half_edge"))
    )
    las = las.join(
        half.select("snapshot_date", "councils_holding_half_of_homes"), on="snapshot_date"
    ).with_columns(
        (pl.col("_position") <= pl.col("councils_holding_half_of_homes")).alias("among_fewest_holding_half")
    )
    summary = las.group_by("snapshot_date").agg(
        pl.len().cast(pl.Int64).alias("councils"),
        pl.col("no_home").sum().cast(pl.Int64).alias("councils_with_no_home"),
        pl.col("places_per_10000_children").median().alias("median_council_places_per_10000_children"),
        pl.col("places_per_10000_children")
        .is_not_null()
        .sum()
        .cast(pl.Int64)
        .alias("councils_with_places_rate"),
        pl.col("places_per_10000_children")
        .is_null()
        .sum()
        .cast(pl.Int64)
        .alias("councils_without_places_rate"),
        pl.when(pl.col("above_england_places_rate").is_not_null().any())
        .then(pl.col("above_england_places_rate").sum())
        .cast(pl.Int64)
        .alias("councils_above_england_places_rate"),
    )
    national = (
        base.filter(pl.col("geographic_level") == "National")
        .join(summary, on="snapshot_date", how="left")
        .join(half, on="snapshot_date", how="left")
        .join(edge, on="snapshot_date", how="left")
        .with_columns(
            # no England rate (a list not dated 31 March, or one without places): no rate summaries at all
            *[
                pl.when(pl.col("places_per_10000_children").is_not_null()).then(pl.col(c)).alias(c)
                for c in (
                    "median_council_places_per_10000_children",
                    "councils_with_places_rate",
                    "councils_without_places_rate",
                    "councils_above_england_places_rate",
                )
            ],
        )
    )
    las = las.drop("_england_homes", "_england_rate", "_position", "councils_holding_half_of_homes")
    frame = pl.concat([national, las], how="diagonal_relaxed").sort(
        "snapshot_date", pl.col("geographic_level") != "National", pl.col("new_la_code").fill_null("")
    )
    return order_columns(frame, FILTERS, INDICATORS)


def views(frame: pl.DataFrame) -> dict[str, pl.DataFrame]:
    """The England summaries recomputed from the council rows; rates equal their counts."""
    las = frame.filter(pl.col("geographic_level") == "Local authority")
    recomputed = las.group_by("snapshot_date").agg(
        pl.len().alias("la_rows"),
        pl.col("homes").sum().alias("la_homes"),
        pl.col("no_home").sum().alias("la_no_home"),
        pl.col("among_fewest_holding_half").sum().alias("la_holding_half"),
        pl.col("homes").filter(pl.col("among_fewest_holding_half")).sum().alias("la_homes_holding_half"),
        pl.col("homes").filter(pl.col("among_fewest_holding_half")).min().alias("smallest_in_half"),
        pl.col("homes").filter(~pl.col("among_fewest_holding_half")).max().alias("largest_outside_half"),
        pl.col("places_per_10000_children").median().alias("la_median_rate"),
    )
    national = frame.filter(pl.col("geographic_level") == "National").select(
        "snapshot_date",
        "homes",
        "councils",
        "councils_with_no_home",
        "councils_holding_half_of_homes",
        "share_of_homes_in_those_councils_percent",
        "median_council_places_per_10000_children",
    )
    checks = national.join(recomputed, on="snapshot_date", how="full", coalesce=True).with_columns(
        (pl.col("la_rows") - pl.col("councils")).alias("councils_difference"),
        (pl.col("la_homes") - pl.col("homes")).alias("homes_difference"),
        (pl.col("la_no_home") - pl.col("councils_with_no_home")).alias("no_home_difference"),
        (pl.col("la_holding_half") - pl.col("councils_holding_half_of_homes")).alias(
            "holding_half_difference"
        ),
        # the councils counted hold at least half; without the last of them, less than half
        (pl.col("la_homes_holding_half") * 2 - pl.col("homes")).alias("half_surplus"),
        ((pl.col("la_homes_holding_half") - pl.col("smallest_in_half")) * 2 - pl.col("homes")).alias(
            "half_without_last"
        ),
        (pl.col("smallest_in_half") - pl.col("largest_outside_half")).alias("order_gap"),
        (pl.col("la_median_rate") - pl.col("median_council_places_per_10000_children"))
        .fill_null(0)
        .alias("median_difference"),
    )
    rates = las.with_columns(
        (
            pl.col("places_per_10000_children") - pl.col("places") * 10_000.0 / pl.col("population_0_to_17")
        ).alias("rate_error")
    )
    return {"england_vs_councils": checks, "rates_vs_counts": rates}


DATASET = Dataset(
    name=NAME,
    title="Children's homes by council area: homes, ranks, concentration and places per 10,000 children",
    description=(
        "For every council area at each Ofsted list date: children's homes and places located there, its share of "
        "England's homes and rank, and whether it is among the fewest areas that together hold half of England's "
        "homes; for the 31 March lists, places and homes per 10,000 children aged 0-17. England rows: councils "
        "with no home, the number of areas holding half of all homes, and the median council rate (from unrounded "
        "rates, councils without a population figure left out and counted). Derived here, unrounded."
    ),
    families=[],
    build=build,
    key=["snapshot_date", "geographic_level", "new_la_code"],
    columns={
        "time_period": "Year of the list date.",
        "time_identifier": "The list date as a day and month ('As at 31 March', ...).",
        "geographic_level": "National or Local authority (the council area the homes are in).",
        "country_code": "E92000001 (England).",
        "country_name": "England.",
        "region_code": "GSS code of the council's region.",
        "region_name": "Region name.",
        "new_la_code": "GSS code of the council area as at the list date.",
        "old_la_code": "Empty: Ofsted publishes no DfE 3-digit codes.",
        "la_name": "Council area name.",
        "current_la_code": "GSS code of the council that covers the area now.",
        "current_la_name": "Name of the council that covers the area now.",
        "snapshot_date": "Date of the Ofsted list.",
        "snapshot_kind": "'providers_and_places' (every registered home) or 'provider_level' (homes with a latest "
        "full inspection; see homes_reconciliation).",
        "list_label": "'complete list' or 'inspected-homes list' (the kind of list in words).",
        "homes": "Children's homes (all three registration types, all sectors) located in the area (England rows: "
        "all homes).",
        "places": "Places in those homes (empty for 31 March 2015).",
        "no_home": "Council rows: True when no children's home is located in the area.",
        "share_of_england_homes_percent": "Council rows: the area's homes / England's homes x 100 (derived, "
        "unrounded).",
        "rank_by_homes": "Council rows: 1 for the area with the most homes (ties share a rank).",
        "cumulative_share_of_england_homes_percent": "Council rows: the share of England's homes in this area and "
        "every area listed before it, taking areas from the most homes down (ties by name).",
        "among_fewest_holding_half": "Council rows: True for the areas, from the most homes down, that together "
        "first hold at least half of England's homes (see tie_at_half_edge).",
        "population_0_to_17": "31 March lists: children aged 0-17 living in England or the area (ONS mid-year "
        "estimate for the year before, as published by DfE; from childrens_homes_supply). Empty where DfE publishes "
        "none for the area (Bournemouth, Poole and Dorset county before April 2019).",
        "population_reference_date": "The mid-year the population describes.",
        "places_per_10000_children": "places / population_0_to_17 x 10,000 (England or the council area; derived, "
        "unrounded; empty without a population, never 0 for a gap).",
        "homes_per_10000_children": "homes / population_0_to_17 x 10,000 (derived, unrounded).",
        "rank_by_places_per_10000_children": "Council rows: 1 for the area with the most places per 10,000 children "
        "(ties share a rank; empty without a rate).",
        "above_england_places_rate": "Council rows: True when the area's unrounded rate is above England's.",
        "councils": "England rows: council areas in existence on the list date (including the City of London and the "
        "Isles of Scilly).",
        "councils_with_no_home": "England rows: council areas with no children's home located in them.",
        "councils_holding_half_of_homes": "England rows: the fewest council areas (most homes first) that together "
        "hold at least half of England's homes.",
        "share_of_homes_in_those_councils_percent": "England rows: the share of England's homes in those areas "
        "(derived, unrounded).",
        "tie_at_half_edge": "England rows: True when the last area counted has as many homes as the next one (which "
        "areas are counted then depends on the name order; their number does not).",
        "median_council_places_per_10000_children": "England rows: the median of the council areas' unrounded rates "
        "(areas without a rate left out).",
        "councils_with_places_rate": "England rows: council areas with a rate.",
        "councils_without_places_rate": "England rows: council areas without a rate (no population figure). The four "
        "rate summaries are empty for lists not dated 31 March and for a list without places.",
        "councils_above_england_places_rate": "England rows: council areas whose unrounded rate is above England's.",
        "population_source_id": "Source of the population figure (data/sources.csv).",
        "source_id": "Source of the homes and places (the Ofsted list).",
        "source_release": "Release of that Ofsted list, as the publisher labels it.",
    },
    needs=[BY_AREA, SUPPLY],
    views=views,
)
