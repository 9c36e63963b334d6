"""Children's homes in England by sector at each Ofsted list date, with each sector's share (derived).

Built from childrens_homes_by_area (England, all registration types). Shares are computed here from the two
counts and published unrounded (round only when showing them): share_of_homes_percent = homes / all_homes x 100.
`list_label` names the kind of list in words ("complete list": every registered home; "inspected-homes list":
homes with a full inspection, fewer than Ofsted's totals in most years), and `latest_complete_list` marks the
newest complete list, the date to quote for "how many homes are there now".
"""

from __future__ import annotations

import polars as pl

from analysis.datasets import Dataset, SourceFiles
from analysis.datasets.childrens_homes_by_area import ALL_SECTORS, ALL_TYPES, SECTORS, SHARE_COLUMNS
from analysis.datasets.childrens_homes_by_area import NAME as BY_AREA
from analysis.layout import CURRENT_LA_COLUMNS, NATIONAL_GEOGRAPHY_DESCRIPTIONS, order_columns
from analysis.sources.ofsted import PROVIDER_LEVEL, PROVIDERS_PLACES

NAME = "childrens_homes_by_sector"
# The words for each kind of Ofsted list, used wherever the site names them.
LIST_LABELS = {PROVIDERS_PLACES: "complete list", PROVIDER_LEVEL: "inspected-homes list"}
FILTERS = ["snapshot_date", "snapshot_kind", "list_label", "latest_complete_list", "sector"]
INDICATORS = [
    "homes",
    "places",
    "share_of_homes_percent",
    "share_of_places_percent",
    "places_per_home",
    "all_homes",
    "all_places",
]


def share(part: str, whole: str) -> pl.Expr:
    """part / whole x 100, unrounded; null when the whole is 0 or either count is missing."""
    return pl.when(pl.col(whole) > 0).then(pl.col(part) * 100.0 / pl.col(whole))


def latest_complete(frame: pl.DataFrame) -> pl.Expr:
    """True on rows of the newest complete (providers-and-places) list."""
    dates = frame.filter(pl.col("snapshot_kind") == PROVIDERS_PLACES)["snapshot_date"]
    if dates.is_empty():
        raise ValueError(f"{NAME}: no complete (providers-and-places) list among the snapshots")
    return pl.col("snapshot_date") == dates.max()


def build(source_files: SourceFiles, childrens_homes_by_area: pl.DataFrame) -> pl.DataFrame:
    national = childrens_homes_by_area.filter(
        pl.col("geographic_level") == "National", pl.col("provision_type") == ALL_TYPES
    ).drop(
        "provision_type",
        *SHARE_COLUMNS,
        *CURRENT_LA_COLUMNS,
        strict=False,
    )
    totals = national.filter(pl.col("sector") == ALL_SECTORS).select(
        "snapshot_date", pl.col("homes").alias("all_homes"), pl.col("places").alias("all_places")
    )
    frame = national.join(totals, on="snapshot_date", how="left").with_columns(
        share("homes", "all_homes").alias("share_of_homes_percent"),
        share("places", "all_places").alias("share_of_places_percent"),
        pl.when(pl.col("homes") > 0).then(pl.col("places") / pl.col("homes")).alias("places_per_home"),
        pl.col("snapshot_kind").replace_strict(LIST_LABELS, return_dtype=pl.Utf8).alias("list_label"),
        latest_complete(national).alias("latest_complete_list"),
    )
    frame = frame.sort(
        "snapshot_date",
        pl.col("sector").replace_strict({s: i for i, s in enumerate(SECTORS)}, return_dtype=pl.Int64),
    )
    return order_columns(frame, FILTERS, INDICATORS)


def views(frame: pl.DataFrame) -> dict[str, pl.DataFrame]:
    """Each share against the two counts it comes from, and the sectors against their total."""
    recomputed = frame.with_columns(
        (pl.col("share_of_homes_percent") - pl.col("homes") * 100.0 / pl.col("all_homes")).alias(
            "homes_share_error"
        ),
        (pl.col("share_of_places_percent") - pl.col("places") * 100.0 / pl.col("all_places")).alias(
            "places_share_error"
        ),
    )
    parts = (
        frame.filter(pl.col("sector") != ALL_SECTORS)
        .group_by("snapshot_date")
        .agg(pl.col("homes").sum().alias("sector_homes"), pl.col("all_homes").first())
        .with_columns((pl.col("sector_homes") - pl.col("all_homes")).alias("difference"))
    )
    latest = frame.group_by("snapshot_date").agg(pl.col("latest_complete_list").first())
    return {"shares_vs_counts": recomputed, "sectors_vs_all": parts, "latest_flag": latest}


DATASET = Dataset(
    name=NAME,
    title="Children's homes by sector at each Ofsted list date, England",
    description=(
        "For each Ofsted list of children's homes (every list date held), England's homes and places by sector "
        "(council-run, private, voluntary, health authority, and all sectors), each sector's share of homes and "
        "of places (derived, unrounded), places per home, and which kind of list the date comes from: "
        "complete lists hold every registered home; inspected-homes lists only homes with a full inspection."
    ),
    families=[],
    build=build,
    key=["snapshot_date", "sector"],
    columns={
        "time_period": "Year of the list date.",
        "time_identifier": "The list date as a day and month ('As at 31 March', 'As at 30 September', "
        "'As at 31 August').",
        **NATIONAL_GEOGRAPHY_DESCRIPTIONS,
        "snapshot_date": "Date of the Ofsted list (after corrections: see homes_reconciliation).",
        "snapshot_kind": "'providers_and_places' (every registered home) or 'provider_level' (homes with a latest "
        "full inspection; see homes_reconciliation).",
        "list_label": "The kind of list in words: 'complete list' (providers_and_places) or 'inspected-homes list' "
        "(provider_level). Never join the two kinds into one series.",
        "latest_complete_list": "True on the rows of the newest complete list: the date to quote for the number "
        "of homes now.",
        "sector": "All sectors, or who runs the homes as Ofsted records it: Local authority (council-run), "
        "Private, Voluntary, Health authority.",
        "homes": "Children's homes (all three registration types) in the sector.",
        "places": "Places in those homes (empty for 31 March 2015: that list has no places).",
        "share_of_homes_percent": "homes / all_homes x 100 (derived here, unrounded).",
        "share_of_places_percent": "places / all_places x 100 (derived here, unrounded).",
        "places_per_home": "places / homes: the average number of places in the sector's homes (unrounded).",
        "all_homes": "All children's homes in England in the list (the denominator).",
        "all_places": "All places in those homes.",
        "source_id": "Source file of the list (data/sources.csv).",
        "source_release": "Release of that source, as the publisher labels it.",
    },
    needs=[BY_AREA],
    views=views,
)
