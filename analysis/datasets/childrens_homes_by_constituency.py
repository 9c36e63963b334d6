"""Children's homes by Westminster constituency as Ofsted's lists name it, with the boundaries the names refer to.

Ofsted's provider lists carry a "Parliamentary constituency" column (from 2017). Its names follow the boundaries
in force on the list's date: every list held here is dated before the general election of 4 July 2024, so they
name the constituencies drawn in 2010, not the 2024 constituencies (e.g. "Barnsley Central", which no longer
exists). Homes' addresses are not published, so a home cannot be placed in a 2024 constituency. This dataset
therefore keeps the constituency exactly as published, says which boundaries it refers to (`pcon_boundaries`,
checked against the 2024 constituency names, not assumed from the date), and, for a 2010 constituency whose
name a 2024 constituency still carries, names that 2024 constituency (`pcon_2024_*_same_name`) without claiming
the two are the same area.

One row per list date, constituency (as published), council area the homes are in (a 2010 constituency can
span two councils) and sector, with an "All sectors" row; the constituency's totals over its councils are
repeated on each of its rows. Only published homes appear: a constituency with no home in a list has no row.
"""

from __future__ import annotations

from datetime import date

import polars as pl

from analysis import geography
from analysis.datasets import Dataset, SourceFiles
from analysis.datasets.childrens_homes import FAMILIES, chosen_sources
from analysis.datasets.childrens_homes import NAME as HOMES
from analysis.errors import ParseError
from analysis.layout import ENGLAND_CODE, ENGLAND_NAME, normalise_label, order_columns
from analysis.sources import ofsted

NAME = "childrens_homes_by_constituency"
CONSTITUENCIES = "constituency_councils"
LEVEL = "Parliamentary constituency"
ALL_SECTORS = "All sectors"
# The general election from which the 2024 constituency boundaries apply (Parliamentary Constituencies
# Order 2023). A list dated before it names the constituencies of the 2010 boundaries.
ELECTION_2024 = date(2024, 7, 4)  # domain: the day the 2024 boundaries took effect
BOUNDARIES_2010 = "2010 boundaries (before the July 2024 general election)"
BOUNDARIES_2024 = "2024 boundaries"

FILTERS = [
    "snapshot_date",
    "snapshot_kind",
    "pcon_name_published",
    "pcon_boundaries",
    "pcon_2024_code_same_name",
    "pcon_2024_name_same_name",
    "sector",
]
INDICATORS = ["homes", "places", "constituency_homes", "constituency_places"]
KEY = ["snapshot_date", "pcon_name_published", "new_la_code", "sector"]


def constituencies_of(file, reference_dir) -> pl.DataFrame | None:
    """URN -> constituency as published, for the children's homes of one list (None: no such column)."""
    providers = ofsted.read_provider_list(file, reference_dir)
    if "pcon_name_published" not in providers.columns:
        return None
    labels = ofsted.drift(reference_dir).labels_of(file.source.family)
    homes = ofsted.childrens_homes_only(providers, labels, file.source_id, file.name)
    frame = homes.select(
        pl.col("urn").str.strip_chars().alias("urn"),
        pl.col("pcon_name_published").map_elements(normalise_label, return_dtype=pl.Utf8),
        "file_row",
    )
    blank = frame.filter(pl.col("pcon_name_published").is_null() | (pl.col("pcon_name_published") == ""))
    if blank.height:
        raise ParseError(
            file.source_id,
            file.name,
            "every children's home has a parliamentary constituency",
            f"record {blank['file_row'][0]} (URN {blank['urn'][0]}) has none",
        )
    return frame.drop("file_row")


def boundaries(names: set[str], on: date, names_2024: set[str], file) -> str:
    """Which constituencies a list's names refer to, from the names themselves."""
    keys = {geography.name_key(n) for n in names}
    keys_2024 = {geography.name_key(n) for n in names_2024}
    if keys <= keys_2024:
        return BOUNDARIES_2024
    if on < ELECTION_2024:
        return BOUNDARIES_2010
    raise ParseError(
        file.source_id,
        file.name,
        "constituencies of a list after the 2024 election are 2024 constituencies",
        f"names not on the 2024 boundaries: {sorted(n for n in names if geography.name_key(n) not in keys_2024)[:5]}",
    )


def build(
    source_files: SourceFiles, childrens_homes: pl.DataFrame, constituency_councils: pl.DataFrame
) -> pl.DataFrame:
    names_2024 = constituency_councils.select("pcon_code", "pcon_name").unique()
    same_name = names_2024.with_columns(
        pl.col("pcon_name").map_elements(geography.name_key, return_dtype=pl.Utf8).alias("_ffh_key")
    ).select(
        "_ffh_key",
        pl.col("pcon_code").alias("pcon_2024_code_same_name"),
        pl.col("pcon_name").alias("pcon_2024_name_same_name"),
    )
    parts = []
    for on, file in chosen_sources(source_files).items():
        published = constituencies_of(file, source_files.reference_dir)
        if published is None:
            continue
        homes = childrens_homes.filter(pl.col("snapshot_date") == on)
        joined = homes.join(published, on="urn", how="left")
        if joined.height != published.height or joined["pcon_name_published"].null_count():
            raise ParseError(
                file.source_id,
                file.name,
                "the constituency list covers the same homes as the published childrens_homes rows",
                f"{homes.height} homes published for {on}, {published.height} in the file",
            )
        kind = boundaries(set(published["pcon_name_published"]), on, set(names_2024["pcon_name"]), file)
        parts.append(joined.with_columns(pl.lit(kind).alias("pcon_boundaries")))
    if not parts:
        raise ValueError(f"{NAME}: no Ofsted list held has a parliamentary constituency column")
    homes = pl.concat(parts, how="vertical_relaxed")

    group = [
        "time_period",
        "time_identifier",
        "snapshot_date",
        "snapshot_kind",
        "pcon_name_published",
        "pcon_boundaries",
        "new_la_code",
        "la_name",
        "source_id",
        "source_release",
    ]
    both = pl.concat([homes, homes.with_columns(pl.lit(ALL_SECTORS).alias("sector"))])
    counts = both.group_by([*group, "sector"]).agg(
        pl.len().cast(pl.Int64).alias("homes"),
        pl.when(pl.col("places").null_count() == 0).then(pl.col("places").sum()).alias("places"),
    )
    totals = counts.group_by("snapshot_date", "pcon_name_published", "sector").agg(
        pl.col("homes").sum().alias("constituency_homes"),
        pl.when(pl.col("places").null_count() == 0).then(pl.col("places").sum()).alias("constituency_places"),
    )
    frame = (
        counts.join(totals, on=["snapshot_date", "pcon_name_published", "sector"], how="left")
        .with_columns(
            pl.col("pcon_name_published")
            .map_elements(geography.name_key, return_dtype=pl.Utf8)
            .alias("_ffh_key")
        )
        .join(same_name, on="_ffh_key", how="left")
        .drop("_ffh_key")
        .with_columns(
            # a list on the 2024 boundaries names the 2024 constituency itself
            pl.lit(LEVEL).alias("geographic_level"),
            pl.lit(ENGLAND_CODE).alias("country_code"),
            pl.lit(ENGLAND_NAME).alias("country_name"),
            pl.lit(None, dtype=pl.Utf8).alias("region_code"),
            pl.lit(None, dtype=pl.Utf8).alias("region_name"),
            pl.lit(None, dtype=pl.Utf8).alias("old_la_code"),
        )
    )
    return order_columns(frame, FILTERS, INDICATORS).sort(KEY)


def views(frame: pl.DataFrame) -> dict[str, pl.DataFrame]:
    """Sectors add up to the 'All sectors' row; each constituency's councils add up to its totals."""
    parts = (
        frame.filter(pl.col("sector") != ALL_SECTORS)
        .group_by("snapshot_date", "pcon_name_published", "new_la_code")
        .agg(pl.col("homes").sum().alias("sector_homes"))
    )
    alls = frame.filter(pl.col("sector") == ALL_SECTORS).select(
        "snapshot_date", "pcon_name_published", "new_la_code", "homes"
    )
    sectors = parts.join(
        alls, on=["snapshot_date", "pcon_name_published", "new_la_code"], how="full"
    ).with_columns((pl.col("sector_homes") - pl.col("homes")).alias("difference"))
    councils = (
        frame.group_by("snapshot_date", "pcon_name_published", "sector")
        .agg(pl.col("homes").sum().alias("sum_homes"), pl.col("constituency_homes").first())
        .with_columns((pl.col("sum_homes") - pl.col("constituency_homes")).alias("difference"))
    )
    return {"sectors_vs_all": sectors, "councils_vs_constituency": councils}


COLUMNS = {
    "time_period": "Year of the list's date.",
    "time_identifier": "The list's day and month ('As at 31 March').",
    "geographic_level": "'Parliamentary constituency': the constituency as Ofsted names it.",
    "country_code": "E92000001 (England).",
    "country_name": "England.",
    "region_code": "GSS code of the region of the council area the homes are in.",
    "region_name": "Name of that region.",
    "new_la_code": "GSS code of the council area the homes are in (Ofsted's 'Local authority' column).",
    "old_la_code": "Empty: Ofsted publishes no DfE 3-digit codes.",
    "la_name": "Name of that council area.",
    "current_la_code": "GSS code of the council that covers that area now.",
    "current_la_name": "Its name.",
    "snapshot_date": "Date of the Ofsted list.",
    "snapshot_kind": "'providers_and_places' (every registered home) or 'provider_level' (homes with a latest "
    "full inspection).",
    "pcon_name_published": "Parliamentary constituency exactly as Ofsted published it.",
    "pcon_boundaries": "Which constituencies the name refers to: '2010 boundaries (before the July 2024 general "
    "election)' for lists whose names are not all 2024 constituency names and that are dated before 4 July 2024; "
    "'2024 boundaries' for lists whose every name is a 2024 constituency.",
    "pcon_2024_code_same_name": "GSS code (E14) of the 2024 constituency with the same name, if there is one. For "
    "rows on the 2010 boundaries this is a name match only: the 2024 constituency's boundaries differ, and the "
    "homes counted here are not a count for it.",
    "pcon_2024_name_same_name": "Name of that 2024 constituency.",
    "sector": "Local authority, Private, Voluntary, Health authority, or All sectors.",
    "homes": "Children's homes (all three registration types) in the constituency and council area, in this sector.",
    "places": "Places in those homes.",
    "constituency_homes": "Homes in the constituency in this sector, over all its council areas.",
    "constituency_places": "Places in those homes.",
    "source_id": "Source file of the list (data/sources.csv).",
    "source_release": "Release of that source.",
}

DATASET = Dataset(
    name=NAME,
    title="Children's homes by parliamentary constituency as Ofsted names it (2010 boundaries in the lists held)",
    description=(
        "Children's homes and places in each Westminster constituency named in Ofsted's provider lists (2017 "
        "onwards), by council area and sector. Every list held is dated before the July 2024 general election and "
        "names the constituencies drawn in 2010, which differ from the 2024 constituencies: these counts are for "
        "the 2010 constituencies, not for the constituencies MPs represent now, and homes' addresses are not "
        "published, so no count for a 2024 constituency can be made from them. Where a 2024 constituency has the "
        "same name as a 2010 one, it is named beside it as a name match only."
    ),
    families=FAMILIES,
    build=build,
    key=KEY,
    columns=COLUMNS,
    needs=[HOMES, CONSTITUENCIES],
    views=views,
)
