"""Children's homes in England registered with Ofsted: one row per home per snapshot date, 2014-2024.

For each snapshot date the best list is used: Ofsted's providers-and-places list (every registered home) where one
exists for that date, else the provider-level list (homes with a latest full inspection, which leaves out homes
not yet inspected, so it counts fewer homes than Ofsted's published totals in most years). `snapshot_kind` says
which; `homes_reconciliation` compares every list with the published totals.

Children's homes = the three registration types Ofsted counts as children's homes: "Children's home",
"Secure children's home" and "Residential special school (registered as a children's home)".
"""

from __future__ import annotations

import re
from collections import Counter
from datetime import date

import polars as pl

from analysis import corrections, geography
from analysis.datasets import Dataset, SourceFiles
from analysis.errors import GeographyError
from analysis.layout import ENGLAND_CODE, ENGLAND_NAME, normalise_label, order_columns
from analysis.sources import ofsted

NAME = "childrens_homes"

MONTHS = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
]


def time_identifier(snapshot_date: date) -> str:
    """EES-style time identifier of a snapshot: 'As at 31 March'."""
    return f"As at {snapshot_date.day} {MONTHS[snapshot_date.month - 1]}"


def national_geography() -> list[pl.Expr]:
    """The EES geography columns of a National row (England; region and council columns empty)."""
    return [
        pl.lit("National").alias("geographic_level"),
        pl.lit(ENGLAND_CODE).alias("country_code"),
        pl.lit(ENGLAND_NAME).alias("country_name"),
        *[
            pl.lit(None, dtype=pl.Utf8).alias(c)
            for c in ("region_code", "region_name", "new_la_code", "old_la_code", "la_name")
        ],
    ]


FAMILIES = list(ofsted.SNAPSHOT_FAMILIES)


def snapshot_lists(source_files: SourceFiles) -> list:
    """Every Ofsted list of homes at a date that was fetched (both kinds)."""
    return [f for family in ofsted.SNAPSHOT_FAMILIES for f in source_files.of(family)]


def chosen_sources(source_files: SourceFiles) -> dict[date, object]:
    """Snapshot date -> the list used for it: providers-and-places where it exists for the date (a complete list
    of registered homes), else the provider-level list. Two lists of one kind for a date is an error."""
    chosen: dict[date, object] = {}
    for file in snapshot_lists(source_files):
        snapshot = ofsted.snapshot_file(file)
        current = chosen.get(snapshot.snapshot_date)
        if current is not None and ofsted.snapshot_file(current).kind == snapshot.kind:
            raise ValueError(
                f"two {snapshot.kind} lists for {snapshot.snapshot_date}: {current.source_id} and {file.source_id} "
                "(data/sources.csv)"
            )
        if current is None or snapshot.kind == ofsted.PROVIDERS_PLACES:
            chosen[snapshot.snapshot_date] = file
    return dict(sorted(chosen.items()))


# --------------------------------------------------------------------------------------------------------------
# Owning organisation names
# --------------------------------------------------------------------------------------------------------------

_COMPANY_NUMBER = re.compile(
    r"\s*[-(]?\s*(?:company number|comp number|company no\.?|reg(?:istered)? no\.?)?\s*\(?\d{6,8}\)?\s*$",
    re.I,
)


def owner_key(name: str | None) -> str | None:
    """The key owning-organisation names are grouped by: case, '&'/'and', 'Ltd'/'Limited', apostrophes,
    punctuation, spacing ('Homes2inspire' / 'Homes 2 Inspire') and a trailing company or charity number do not
    separate two spellings of one name. Nothing else is merged (no corporate groups, no other renames)."""
    name = normalise_label(name)
    if not name:
        return None
    key = _COMPANY_NUMBER.sub("", name).lower()
    key = key.replace("&", " and ").replace("'", "")
    key = re.sub(r"[^\w\s]", " ", key)
    key = re.sub(r"\bltd\b", "limited", key)
    key = re.sub(r"\bplc\b", "public limited company", key)
    return re.sub(r"\s+", "", key) or None


def owner_display_names(published: list[str | None]) -> dict[str, str]:
    """owner_key -> the spelling shown for it: the one published most often (over every snapshot), ties broken
    alphabetically, after removing a trailing company number."""
    counts: Counter[tuple[str, str]] = Counter()
    for name in published:
        key = owner_key(name)
        if key:
            counts[(key, _COMPANY_NUMBER.sub("", normalise_label(name) or "").strip())] += 1
    best: dict[str, tuple[int, str]] = {}
    for (key, spelling), count in counts.items():
        current = best.get(key)
        if current is None or count > current[0] or (count == current[0] and spelling < current[1]):
            best[key] = (count, spelling)
    return {key: spelling for key, (_, spelling) in best.items()}


def with_owner_names(homes: pl.DataFrame) -> pl.DataFrame:
    names = owner_display_names(homes["owner_name_published"].to_list())
    keys = homes["owner_name_published"].map_elements(owner_key, return_dtype=pl.Utf8)
    return homes.with_columns(
        keys.replace_strict(names, default=None, return_dtype=pl.Utf8).alias("owner_name")
    )


# --------------------------------------------------------------------------------------------------------------
# Geography
# --------------------------------------------------------------------------------------------------------------


def _region_key(name: str | None) -> str:
    return (normalise_label(name) or "").lower().replace(" and the ", " and ")


def add_geography(homes: pl.DataFrame, source_files: SourceFiles) -> pl.DataFrame:
    """GSS code, standard name and region of each home's council, from the LA name as published and the
    snapshot date (analysis.geography). A name that does not map raises GeographyError (from geography); a home
    whose published region differs from its council's region raises GeographyError too."""
    files = source_files.geo_files()
    pairs = (
        homes.group_by("la_name_published", "snapshot_date")
        .agg(pl.col("source_id").first(), pl.col("urn").first(), pl.col("file_row").first())
        .sort("snapshot_date", "la_name_published")
    )
    rows = []
    for name, on_date, source_id, urn, file_row in pairs.iter_rows():
        try:
            match = geography.la_code_for_name(name, on_date, files=files)
        except GeographyError as error:
            file_name = source_files.get(source_id).name
            raise GeographyError(
                f"source {source_id!r}, file {file_name!r}, record {file_row} (URN {urn}): check 'local authority "
                f"name known' failed: {error}. If it is a new spelling of a council, add it to "
                "data/reference/la_name_aliases.csv with where it was seen; if a council was created or "
                "renamed, to data/reference/la_reorganisations.csv; if the list names the wrong council for "
                "this home, record a correction in data/reference/corrections.csv"
            ) from error
        rows.append(
            {
                "la_name_published": name,
                "snapshot_date": on_date,
                "new_la_code": match.gss_code,
                "la_name": match.la_name,
                "region_code": match.region_code,
                "region_name": match.region_name,
            }
        )
    lookup = pl.DataFrame(
        rows,
        schema={
            "la_name_published": pl.Utf8,
            "snapshot_date": pl.Date,
            "new_la_code": pl.Utf8,
            "la_name": pl.Utf8,
            "region_code": pl.Utf8,
            "region_name": pl.Utf8,
        },
    )
    joined = homes.join(lookup, on=["la_name_published", "snapshot_date"], how="left", validate="m:1")
    published_region = pl.col("region_name_published").map_elements(_region_key, return_dtype=pl.Utf8)
    council_region = pl.col("region_name").map_elements(_region_key, return_dtype=pl.Utf8)
    mismatched = joined.filter(
        pl.col("region_name_published").is_not_null() & (published_region != council_region)
    )
    if mismatched.height:
        first = mismatched.row(0, named=True)
        raise GeographyError(
            f"{first['source_id']}: URN {first['urn']} in {first['la_name_published']!r} is published in region "
            f"{first['region_name_published']!r} but {first['la_name']} ({first['new_la_code']}) is in "
            f"{first['region_name']!r} ({mismatched.height} homes disagree)"
        )
    return joined


# --------------------------------------------------------------------------------------------------------------
# Build
# --------------------------------------------------------------------------------------------------------------

FILTERS = [
    "snapshot_date",
    "snapshot_kind",
    "urn",
    "provision_type",
    "short_break_only",
    "sector",
    "owner_name",
    "owner_name_published",
    "registration_status",
    "registration_date",
    "latest_inspection_type",
    "latest_inspection_date",
    "latest_overall_judgement",
    "la_name_published",
    "region_name_published",
]
INDICATORS = ["places", "correction"]


def parse_snapshots(files: list, source_files: SourceFiles) -> pl.DataFrame:
    """Every home of each list, with the publisher's errors recorded in data/reference/corrections.csv
    corrected (a home listed under the wrong council: record `urn=...`, field `la_name_published`)."""
    frames = [
        corrections.apply(
            ofsted.parse_homes(f, source_files.reference_dir),
            f,
            source_files.corrections,
            note_column="correction",
        )
        for f in files
    ]
    return pl.concat(frames, how="vertical")


def build(source_files: SourceFiles) -> pl.DataFrame:
    chosen = list(chosen_sources(source_files).values())
    homes = parse_snapshots(chosen, source_files)
    homes = with_owner_names(homes)
    homes = add_geography(homes, source_files)
    releases = {f.source_id: f.release_title for f in chosen}
    homes = homes.with_columns(
        pl.col("snapshot_date").dt.year().cast(pl.Int64).alias("time_period"),
        pl.col("snapshot_date").map_elements(time_identifier, return_dtype=pl.Utf8).alias("time_identifier"),
        pl.lit("Local authority").alias("geographic_level"),
        pl.lit(ENGLAND_CODE).alias("country_code"),
        pl.lit(ENGLAND_NAME).alias("country_name"),
        pl.lit(None, dtype=pl.Utf8).alias("old_la_code"),
        pl.col("source_id").replace_strict(releases, return_dtype=pl.Utf8).alias("source_release"),
    ).drop("file_row")
    return order_columns(homes.sort("snapshot_date", "urn"), FILTERS, INDICATORS)


def views(frame: pl.DataFrame) -> dict[str, pl.DataFrame]:
    """Per snapshot: homes, places, and whether the snapshot's rows all come from one list."""
    per_snapshot = (
        frame.group_by("snapshot_date")
        .agg(
            pl.len().alias("homes"),
            pl.col("source_id").n_unique().alias("sources"),
            pl.col("snapshot_kind").n_unique().alias("kinds"),
            pl.col("urn").n_unique().alias("unique_urns"),
        )
        .with_columns((pl.col("homes") - pl.col("unique_urns")).alias("repeated_urns"))
    )
    return {"per_snapshot": per_snapshot.sort("snapshot_date")}


COLUMNS = {
    "time_period": "Year of the snapshot date (e.g. 2018 for 31 March 2018).",
    "time_identifier": "The snapshot date as a day and month: 'As at 31 March', 'As at 30 September', 'As at 31 August'.",
    "geographic_level": "Always 'Local authority': each row is a home in a council area.",
    "country_code": "E92000001 (England).",
    "country_name": "England.",
    "region_code": "GSS code of the region (E12) of the council area the home is in.",
    "region_name": "Name of that region.",
    "new_la_code": "GSS code of the council area the home is in, as at the snapshot date (mapped from Ofsted's "
    "published local authority name: Ofsted publishes no codes).",
    "old_la_code": "Empty: Ofsted publishes no DfE 3-digit codes.",
    "la_name": "Standard name of the council area (for Ofsted's own spelling see la_name_published).",
    "current_la_code": "GSS code of the council that covers the area now (after reorganisations).",
    "current_la_name": "Name of the council that covers the area now.",
    "snapshot_date": "Date the list describes: as labelled by Ofsted, except the providers-and-places list labelled "
    "31 August 2024, which describes 31 March 2024 (its latest registration is dated 28 March 2024 and it holds "
    "the count Ofsted reported for that date) and is dated 31 March 2024 here; source_release keeps Ofsted's label.",
    "snapshot_kind": "Which Ofsted list the rows come from: 'providers_and_places' (every registered provider and "
    "its places, no judgements) or 'provider_level' (providers with their latest full inspection; "
    "leaves out homes without a full inspection in most years).",
    "urn": "Ofsted unique reference number of the home (SC + 6 digits, or 7 digits).",
    "correction": "Empty, or what was corrected in Ofsted's record for this home (or in the list's date) and why "
    "(data/reference/corrections.csv; listed on the methodology page).",
    "provision_type": "Registration type: Children's home, Secure children's home, or Residential special school "
    "(registered as a children's home) (published as 'Residential special school (>295 days/year)' "
    "in 2014-2015).",
    "short_break_only": "True where Ofsted marks the home as providing short breaks only; empty where the list "
    "has no such column (2014, 2018-2020). 2017 marks 'Short breaks and long term care' homes: "
    "those are False here.",
    "sector": "Who runs the home: Local authority (council), Private, Voluntary, Health authority.",
    "owner_name": "Owning organisation, its spellings merged (case, 'Ltd'/'Limited', '&'/'and', punctuation, "
    "spacing, a trailing company number): the spelling published most often over all snapshots. Published from "
    "2018. Organisations as named, not corporate groups.",
    "owner_name_published": "Owning organisation exactly as published (spaces tidied). Empty before 2018.",
    "registration_status": "Active or Suspended (empty in 2014: not published).",
    "registration_date": "Date the home was registered with Ofsted (provider-level lists from 2019 and the 2023 "
    "and 2024 providers-and-places lists).",
    "latest_inspection_type": "Type of the latest full inspection event (provider-level lists only).",
    "latest_inspection_date": "Date of the latest full inspection (provider-level lists only).",
    "latest_overall_judgement": "Overall judgement of that inspection (the framework's words: 'Requires "
    "improvement to be good' from April 2017; 'Requires improvement' 2015-2017; 'Adequate' before).",
    "la_name_published": "Local authority name as Ofsted published it.",
    "region_name_published": "Government office region as Ofsted published it (checked against the council's "
    "region); empty for 2015, whose list gives only Ofsted's own regions.",
    "places": "Number of places the home is registered for (not published in the 2015 list).",
    "source_id": "Source file (data/sources.csv).",
    "source_release": "Release of that source.",
}

DATASET = Dataset(
    name=NAME,
    title="Children's homes registered with Ofsted, England, 2014-2024 (one row per home per snapshot)",
    description=(
        "Every children's home (including secure children's homes and residential special schools registered as "
        "children's homes) in Ofsted's lists, with sector, owning organisation (from 2018), places, council area "
        "and latest inspection judgement. Snapshots: 30 September 2014, 31 March 2015-2024 and 31 August 2023 "
        "(Ofsted's list labelled 31 August 2024 describes 31 March 2024 and is dated so here: see the correction "
        "column). Provider-level lists leave out homes without a full inspection: compare counts with "
        "homes_reconciliation before quoting a total."
    ),
    families=FAMILIES,
    build=build,
    key=["snapshot_date", "urn"],
    columns=COLUMNS,
    views=views,
)
