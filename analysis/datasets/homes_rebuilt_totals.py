"""Children's homes registered at each Ofsted list date, rebuilt from the lists, beside Ofsted's published totals.

Ofsted's provider-level lists hold the homes whose full inspection was published by the list's date, so a home
registered but not yet inspected (or whose inspection was not yet published) is missing from them. Later lists hold those homes, with the date each was registered. So
for every list date in `childrens_homes`:

- in the list: the homes the list holds;
- registered but not in the list: homes that a later list holds, registered on or before the list's date, that
  the list does not hold (for a provider-level list: registered but with no published full inspection yet); each is
  counted with its registration type, sector and places from the first later list that holds it;
- rebuilt: the two together. Homes registered by the date that closed before any later list are in neither, so
  the rebuilt count can fall short of Ofsted's, never exceed it for this reason.

Each count is given for every group of children's homes Ofsted counts (`homes_group`): all three registration
types together, and each type, with children's homes split into short-break-only homes and the rest (Ofsted's
2023 headline counts only that last group). Groups that need the short-break flag are left out for dates whose
lists do not publish it. Published totals (data/reference/ofsted_published_totals.csv, with `homes_counted`
naming the group a total counts) sit beside the rebuilt count for the same date, group and sector.
"""

from __future__ import annotations

import polars as pl

from analysis.datasets import Dataset, SourceFiles
from analysis.datasets.childrens_homes import NAME as HOMES
from analysis.datasets.childrens_homes import time_identifier
from analysis.datasets.homes_reconciliation import ALL_HOMES, ORDINARY_HOMES, read_published_totals
from analysis.layout import ENGLAND_CODE, ENGLAND_NAME, NATIONAL_GEOGRAPHY_DESCRIPTIONS, order_columns
from analysis.sources import ofsted

NAME = "homes_rebuilt_totals"
ALL_SECTORS = "All sectors"
SECTORS = list(ofsted.HOME_SECTORS)
SHORT_BREAK_HOMES = "Children's home (short-break-only)"
GROUPS = [
    ALL_HOMES,
    ORDINARY_HOMES,
    SHORT_BREAK_HOMES,
    ofsted.SECURE_CHILDRENS_HOME,
    ofsted.RSS_CHILDRENS_HOME,
]
# groups that need the short-break-only flag on every children's home counted
NEEDS_SHORT_BREAK_FLAG = {ORDINARY_HOMES, SHORT_BREAK_HOMES}
PUBLISHED_SECTOR = {"homes": ALL_SECTORS, "places": ALL_SECTORS, "council_run_homes": "Local authority"}


def homes_group() -> pl.Expr:
    """The group of a home other than 'All children's homes' (null: a children's home with no short-break flag)."""
    return (
        pl.when(pl.col("provision_type") != ofsted.CHILDRENS_HOME)
        .then(pl.col("provision_type"))
        .when(pl.col("short_break_only"))
        .then(pl.lit(SHORT_BREAK_HOMES))
        .when(~pl.col("short_break_only"))
        .then(pl.lit(ORDINARY_HOMES))
        .otherwise(pl.lit(None, dtype=pl.Utf8))
    )


def homes_at_each_date(childrens_homes: pl.DataFrame) -> pl.DataFrame:
    """One row per home counted at each list date: `in_list` True for the list's own homes, False for homes
    registered by the date that a later list holds (with the first later list's attributes)."""
    registered = (
        childrens_homes.filter(pl.col("registration_date").is_not_null())
        .group_by("urn")
        .agg(pl.col("registration_date").min().alias("registered_on"))
    )
    homes = childrens_homes.join(registered, on="urn", how="left")
    keep = ["urn", "provision_type", "short_break_only", "sector", "places", "source_id"]
    parts = []
    for day in homes["snapshot_date"].unique().sort().to_list():
        listed = homes.filter(pl.col("snapshot_date") == day)
        later = (
            homes.filter(pl.col("snapshot_date") > day)
            .with_columns(pl.col("snapshot_date").alias("found_on"))
            .sort("snapshot_date")
            .group_by("urn", maintain_order=True)
            .first()
            .filter(
                pl.col("registered_on") <= day,
                ~pl.col("urn").is_in(listed["urn"].implode()),
            )
        )
        list_source = listed["source_id"].unique().to_list()
        if len(list_source) != 1:
            raise ValueError(f"childrens_homes holds {len(list_source)} lists for {day}: {list_source}")
        parts.append(
            pl.concat(
                [
                    listed.select(keep).with_columns(
                        pl.lit(True).alias("in_list"), pl.lit(None, dtype=pl.Date).alias("found_on")
                    ),
                    later.select(*keep, pl.lit(False).alias("in_list"), "found_on"),
                ]
            ).with_columns(
                pl.lit(day).alias("snapshot_date"),
                pl.lit(listed["snapshot_kind"][0]).alias("snapshot_kind"),
                pl.lit(list_source[0]).alias("list_source_id"),
                pl.lit(listed["source_release"][0]).alias("source_release"),
            )
        )
    return pl.concat(parts).with_columns(homes_group().alias("homes_group"))


def _counts(homes: pl.DataFrame, by: list[str]) -> pl.DataFrame:
    def places(condition: pl.Expr) -> pl.Expr:
        # null when a counted home has no places (the 2015 list publishes none): never a partial sum
        return (
            pl.when(pl.col("places").filter(condition).null_count() == 0)
            .then(pl.col("places").filter(condition).sum())
            .otherwise(None)
            .cast(pl.Int64)
        )

    return homes.group_by(by).agg(
        pl.col("in_list").sum().cast(pl.Int64).alias("homes_in_list"),
        places(pl.col("in_list")).alias("places_in_list"),
        (~pl.col("in_list")).sum().cast(pl.Int64).alias("homes_registered_not_in_list"),
        places(~pl.col("in_list")).alias("places_registered_not_in_list"),
        pl.col("source_id").filter(~pl.col("in_list")).unique().sort().str.join("; ").alias("later_lists"),
        pl.col("found_on")
        .filter(~pl.col("in_list"))
        .unique()
        .sort()
        .cast(pl.Utf8)
        .str.join("; ")
        .alias("later_list_dates"),
    )


def published_totals() -> pl.DataFrame:
    """Published totals that name the homes they count, keyed like this dataset's rows."""
    published = read_published_totals().filter(
        pl.col("homes_counted").is_not_null(), pl.col("measure").is_in(list(PUBLISHED_SECTOR))
    )
    published = published.with_columns(
        pl.col("measure").replace_strict(PUBLISHED_SECTOR, return_dtype=pl.Utf8).alias("sector"),
        pl.when(pl.col("measure") == "places")
        .then(pl.lit("places"))
        .otherwise(pl.lit("homes"))
        .alias("what"),
    )
    values = published.pivot(
        on="what",
        index=["reference_date", "homes_counted", "sector"],
        values="value",
        aggregate_function=None,
    )
    for what in ("homes", "places"):
        if what not in values.columns:
            values = values.with_columns(pl.lit(None, dtype=pl.Int64).alias(what))
    sources = published.group_by("reference_date", "homes_counted", "sector").agg(
        pl.concat_str(["document", pl.lit(", "), "section"])
        .unique()
        .sort()
        .str.join("; ")
        .alias("published_source"),
        pl.col("figure_id").unique().sort().str.join("; ").alias("published_figure_ids"),
    )
    return (
        values.join(sources, on=["reference_date", "homes_counted", "sector"])
        .rename(
            {
                "reference_date": "snapshot_date",
                "homes_counted": "homes_group",
                "homes": "published_homes",
                "places": "published_places",
            }
        )
        .with_columns(pl.col("published_homes").cast(pl.Int64), pl.col("published_places").cast(pl.Int64))
    )


def build(source_files: SourceFiles | None, childrens_homes: pl.DataFrame) -> pl.DataFrame:
    homes = homes_at_each_date(childrens_homes)
    date_columns = ["snapshot_date", "snapshot_kind", "list_source_id", "source_release"]
    frames = []
    for group in GROUPS:
        members = homes if group == ALL_HOMES else homes.filter(pl.col("homes_group") == group)
        if group in NEEDS_SHORT_BREAK_FLAG:
            unflagged = (
                homes.filter(pl.col("homes_group").is_null())
                .select("snapshot_date")
                .unique()["snapshot_date"]
            )
            members = members.filter(~pl.col("snapshot_date").is_in(unflagged.implode()))
        dates = homes.select(date_columns).unique()
        if group in NEEDS_SHORT_BREAK_FLAG:
            dates = dates.filter(~pl.col("snapshot_date").is_in(unflagged.implode()))
        grid = dates.join(pl.DataFrame({"sector": [ALL_SECTORS, *SECTORS]}), how="cross")
        counts = pl.concat(
            [
                _counts(members, date_columns).with_columns(pl.lit(ALL_SECTORS).alias("sector")),
                _counts(members, [*date_columns, "sector"]),
            ],
            how="diagonal",
        )
        frames.append(
            grid.join(counts, on=[*date_columns, "sector"], how="left").with_columns(
                pl.lit(group).alias("homes_group"),
                pl.col("homes_in_list").fill_null(0),  # a sector with no home in the group: a true zero count
                pl.col("homes_registered_not_in_list").fill_null(0),
                pl.when(pl.col("homes_in_list").is_null())
                .then(0)
                .otherwise(pl.col("places_in_list"))
                .alias("places_in_list"),
                pl.when(pl.col("homes_registered_not_in_list").is_null())
                .then(0)
                .otherwise(pl.col("places_registered_not_in_list"))
                .alias("places_registered_not_in_list"),
            )
        )
    table = pl.concat(frames, how="diagonal").with_columns(
        (pl.col("homes_in_list") + pl.col("homes_registered_not_in_list")).alias("homes_rebuilt"),
        (pl.col("places_in_list") + pl.col("places_registered_not_in_list")).alias("places_rebuilt"),
        pl.when(pl.col("later_lists") == "").then(None).otherwise(pl.col("later_lists")).alias("later_lists"),
        pl.when(pl.col("later_list_dates") == "")
        .then(None)
        .otherwise(pl.col("later_list_dates"))
        .alias("later_list_dates"),
    )
    table = table.join(published_totals(), on=["snapshot_date", "homes_group", "sector"], how="left")
    table = table.with_columns(
        (pl.col("homes_rebuilt") - pl.col("published_homes")).alias("rebuilt_minus_published_homes"),
        (pl.col("places_rebuilt") - pl.col("published_places")).alias("rebuilt_minus_published_places"),
        pl.col("snapshot_date").dt.year().cast(pl.Int64).alias("time_period"),
        pl.col("snapshot_date").map_elements(time_identifier, return_dtype=pl.Utf8).alias("time_identifier"),
        pl.lit("National").alias("geographic_level"),
        pl.lit(ENGLAND_CODE).alias("country_code"),
        pl.lit(ENGLAND_NAME).alias("country_name"),
        *[
            pl.lit(None, dtype=pl.Utf8).alias(c)
            for c in ("region_code", "region_name", "new_la_code", "old_la_code", "la_name")
        ],
        pl.col("list_source_id").alias("source_id"),
    ).drop("list_source_id")
    order = {g: i for i, g in enumerate(GROUPS)}
    sectors = {s: i for i, s in enumerate([ALL_SECTORS, *SECTORS])}
    table = table.sort(
        "snapshot_date",
        pl.col("homes_group").replace_strict(order, return_dtype=pl.Int64),
        pl.col("sector").replace_strict(sectors, return_dtype=pl.Int64),
    )
    return order_columns(table, FILTERS, INDICATORS)


FILTERS = ["snapshot_date", "snapshot_kind", "homes_group", "sector"]
INDICATORS = [
    "homes_in_list",
    "places_in_list",
    "homes_registered_not_in_list",
    "places_registered_not_in_list",
    "homes_rebuilt",
    "places_rebuilt",
    "published_homes",
    "published_places",
    "rebuilt_minus_published_homes",
    "rebuilt_minus_published_places",
    "published_source",
    "published_figure_ids",
    "later_lists",
    "later_list_dates",
]


def views(frame: pl.DataFrame) -> dict[str, pl.DataFrame]:
    """Sectors add up to All sectors; the four groups add up to All children's homes where all four exist."""
    key = ["snapshot_date", "homes_group"]
    sectors = (
        frame.filter(pl.col("sector") != ALL_SECTORS)
        .group_by(key)
        .agg(
            pl.col("homes_in_list").sum().alias("sector_homes"),
            pl.col("homes_registered_not_in_list").sum().alias("sector_added"),
        )
        .join(frame.filter(pl.col("sector") == ALL_SECTORS), on=key)
        .select(
            *key,
            (pl.col("sector_homes") - pl.col("homes_in_list")).alias("homes_difference"),
            (pl.col("sector_added") - pl.col("homes_registered_not_in_list")).alias("added_difference"),
        )
    )
    totals = frame.filter(pl.col("sector") == ALL_SECTORS)
    parts = (
        totals.filter(pl.col("homes_group") != ALL_HOMES)
        .group_by("snapshot_date")
        .agg(
            pl.len().alias("groups"),
            pl.col("homes_rebuilt").sum().alias("parts_rebuilt"),
        )
        .filter(pl.col("groups") == len(GROUPS) - 1)
        .join(totals.filter(pl.col("homes_group") == ALL_HOMES), on="snapshot_date")
        .select(
            "snapshot_date",
            (pl.col("parts_rebuilt") - pl.col("homes_rebuilt")).alias("rebuilt_difference"),
        )
    )
    return {"sectors_vs_all": sectors.sort(key), "groups_vs_all": parts.sort("snapshot_date")}


COLUMNS = {
    "time_period": "Year of the list's date.",
    "time_identifier": "The list's date as a day and month ('As at 31 March').",
    **NATIONAL_GEOGRAPHY_DESCRIPTIONS,
    "snapshot_date": "Date of the Ofsted list (the list used for that date in childrens_homes).",
    "snapshot_kind": "'provider_level' (homes with a latest full inspection) or 'providers_and_places' (every "
    "registered home).",
    "homes_group": "Which children's homes are counted: 'All children's homes' (all three registration types), "
    "'Children's home (not short-break-only)' (Ofsted's 2023 headline definition), 'Children's home "
    "(short-break-only)', 'Secure children's home', or 'Residential special school (registered as a children's "
    "home)'. The two short-break groups are given only for dates whose lists mark short-break-only homes.",
    "sector": "All sectors, or the sector running the home: Local authority (council), Private, Voluntary, Health "
    "authority.",
    "homes_in_list": "Homes of the group and sector in the list.",
    "places_in_list": "Places in those homes (empty for the 2015 list, which publishes no places).",
    "homes_registered_not_in_list": "Homes not in the list that a later list holds with a registration date on or "
    "before the list's date (for a provider-level list: registered but with no published full inspection yet); group, "
    "sector and places as in the first later list that holds them. 0 for the latest list (no later list).",
    "places_registered_not_in_list": "Places in those homes.",
    "homes_rebuilt": "homes_in_list plus homes_registered_not_in_list: the homes registered on the list's date "
    "that the lists can show (homes that closed before any later list are missing).",
    "places_rebuilt": "places_in_list plus places_registered_not_in_list.",
    "published_homes": "Ofsted's published total for the same date, group and sector "
    "(data/reference/ofsted_published_totals.csv); empty where none is held.",
    "published_places": "Ofsted's published number of places for the same date, group and sector.",
    "rebuilt_minus_published_homes": "homes_rebuilt minus published_homes.",
    "rebuilt_minus_published_places": "places_rebuilt minus published_places.",
    "published_source": "Document and section of the published totals.",
    "published_figure_ids": "The published_figures rows that state those totals.",
    "later_lists": "The later lists (data/sources.csv) the homes registered but not in the list come from.",
    "later_list_dates": "The dates of those lists (ISO, '; '-separated).",
    "source_id": "The list of this date (data/sources.csv).",
    "source_release": "Release of that list.",
}

DATASET = Dataset(
    name=NAME,
    title="Children's homes registered at each Ofsted list date, rebuilt from the lists, against Ofsted's totals",
    description=(
        "For each Ofsted list date, England: the children's homes (and places) in the list, the homes registered by "
        "that date that the list leaves out but later lists hold (on a provider-level list, homes not yet "
        "inspected), and the two together, by group of children's homes and sector, beside Ofsted's published "
        "totals for the same date and definition where held. Ofsted's totals count every registered home; its 2023 "
        "headline counts only children's homes other than short-break-only, secure and residential special school "
        "homes, while its 2017 to 2019 totals count all three registration types."
    ),
    families=[],
    build=build,
    key=["snapshot_date", "homes_group", "sector"],
    columns=COLUMNS,
    needs=[HOMES],
    views=views,
    reference_files=["ofsted_published_totals.csv"],
)
