"""Children's homes each council runs, wherever they are located, in Ofsted's latest list (derived).

A council-run home is a home in the Local authority sector. Its owning organisation, as Ofsted publishes it,
names the council that runs it ("Wolverhampton City Council"); the home itself may be located in another
council's area (Wolverhampton runs a home located in Staffordshire). This dataset attributes each council-run
home of the latest list to the council its owning organisation names, so a council page can say whether the
council runs a home of its own *wherever it is located*, not only whether one is located in its area
(council_run_homes counts those).

How an owning organisation is matched to a council, in this order (no fuzzy matching):
1. data/reference/council_owner_names.csv: names that name more than one council (a home run jointly) or that
   nothing below resolves, each with the codes and where it was seen;
2. the organisation name itself among the council names the geography knows (ONS, mySociety official names and
   spellings, data/reference/la_name_aliases.csv), compared as analysis.geography.name_key compares names;
3. the same after removing a council's generic words ("Council", "Borough Council", "City Council",
   "County Council", "Metropolitan Borough of", "London Borough of", "LA", ...).
A name that matches a council no longer in existence on the list's date is attributed to the council that
replaced it when that council covers the same area (data/reference/la_reorganisations.csv: Buckinghamshire
County Council -> Buckinghamshire Council); the row says so. A name that matches nothing, or more than one
council on the date, stops the build with the name, the URN and the file, so a maintainer can add it to the
reference table.
"""

from __future__ import annotations

import re
from datetime import date

import polars as pl

from analysis import geography
from analysis.datasets import Dataset, SourceFiles
from analysis.datasets.childrens_homes import NAME as HOMES
from analysis.errors import GeographyError
from analysis.layout import ENGLAND_CODE, ENGLAND_NAME, order_columns

NAME = "council_owned_homes"
OWNER_NAMES_FILE = "council_owner_names.csv"
COUNCIL_SECTOR = "Local authority"

# Generic words of council names, removed (whole words, at the start or the end of the name key) when the full
# name is not known. Longest first, so "metropolitan borough council" goes before "council".
_LEADING = [
    "the",
    "london borough of",
    "royal borough of",
    "metropolitan borough of",
    "borough of",
    "city of",
    "county of",
]
_TRAILING = [
    "metropolitan borough council",
    "metropolitan district council",
    "borough council",
    "city council",
    "county council",
    "district council",
    "councils",
    "council",
    "mbc",
    "la",
]

FILTERS = [
    "snapshot_date",
    "snapshot_kind",
    "urn",
    "provision_type",
    "located_la_code",
    "located_la_name",
    "owner_name_published",
    "run_jointly",
    "attribution",
]
INDICATORS = ["places"]
KEY = ["snapshot_date", "urn", "new_la_code"]


def name_keys(name: str) -> list[str]:
    """The keys an owning organisation's name is looked up by: the whole name, then without generic words."""
    key = geography.name_key(name)
    keys = [key]
    changed = True
    while changed:
        changed = False
        for word in _LEADING:
            if key.startswith(word + " ") and len(key) > len(word) + 1:
                key = key[len(word) + 1 :]
                changed = True
        for word in _TRAILING:
            if key.endswith(" " + word) and len(key) > len(word) + 1:
                key = key[: -len(word) - 1]
                changed = True
        if changed and key not in keys:
            keys.append(key)
    return keys


def read_owner_names(path) -> dict[str, list[str]]:
    """data/reference/council_owner_names.csv: name key -> council codes (comma-separated in the file)."""
    frame = pl.read_csv(path, infer_schema_length=0)
    required = ["owner_name_published", "la_codes", "seen_in", "note"]
    missing = [c for c in required if c not in frame.columns]
    if missing:
        raise GeographyError(f"{path}: missing columns {missing}")
    table: dict[str, list[str]] = {}
    for row in frame.iter_rows(named=True):
        codes = [c.strip() for c in (row["la_codes"] or "").split(",") if c.strip()]
        bad = [c for c in codes if not re.match(r"^E(06|08|09|10)\d{6}$", c)]
        if not codes or bad or not row["seen_in"] or not row["note"]:
            raise GeographyError(f"{path}: row {row} needs upper-tier codes, seen_in and a note")
        table[geography.name_key(row["owner_name_published"])] = codes
    return table


def _valid_on(authority: dict, on_date: date) -> bool:
    return (authority["start_date"] is None or authority["start_date"] <= on_date) and (
        authority["end_date"] is None or on_date <= authority["end_date"]
    )


def attribute(
    name: str, on_date: date, files: geography.GeoFiles, explicit: dict[str, list[str]]
) -> list[tuple[str, str]]:
    """[(council code, how it was attributed)] for an owning organisation's name on a list's date."""
    geo = geography.load_geography(files)
    whole = geography.name_key(name)
    if whole in explicit:
        return [(code, f"named in data/reference/{OWNER_NAMES_FILE}") for code in explicit[whole]]
    candidates: list[str] = []
    for key in name_keys(name):
        candidates = [code for code, _ in geo.names.get(key, ())]
        if candidates:
            break
    if not candidates:
        raise GeographyError(f"owning organisation {name!r} names no council known to the geography")
    valid = [code for code in candidates if _valid_on(geo.by_code[code], on_date)]
    if len(valid) == 1:
        return [(valid[0], "owning organisation names the council")]
    if len(valid) > 1:
        raise GeographyError(f"owning organisation {name!r} could name {sorted(valid)} on {on_date}")
    successors = []
    for code in candidates:
        moved = geo.reorganisations.filter(
            (pl.col("old_la_code_gss") == code)
            & pl.col("same_area")
            & pl.col("one_to_one")
            & pl.col("effective_date").is_not_null()
            & (pl.col("effective_date") <= on_date)
        )
        successors += [
            (row["current_la_code"], code)
            for row in moved.iter_rows(named=True)
            if _valid_on(geo.by_code[row["current_la_code"]], on_date)
        ]
    if len({s for s, _ in successors}) != 1:
        raise GeographyError(
            f"owning organisation {name!r} names {sorted(candidates)}, none in existence on {on_date} and with "
            "no single successor covering the same area"
        )
    successor, former = successors[0]
    return [
        (
            successor,
            f"registered under the name of the former council {geo.by_code[former]['la_name']} ({former}), "
            "whose area the council now covers",
        )
    ]


def build(source_files: SourceFiles, childrens_homes: pl.DataFrame, councils: pl.DataFrame) -> pl.DataFrame:
    files = source_files.geo_files()
    explicit = read_owner_names(source_files.reference_dir / OWNER_NAMES_FILE)
    with_owners = childrens_homes.filter(pl.col("owner_name_published").is_not_null())
    if with_owners.is_empty():
        raise ValueError(f"{HOMES} has no owning organisations: {NAME} needs them")
    latest = with_owners["snapshot_date"].max()
    homes = childrens_homes.filter((pl.col("snapshot_date") == latest) & (pl.col("sector") == COUNCIL_SECTOR))
    names = {
        row["owner_name_published"]: row
        for row in homes.select("owner_name_published", "urn", "source_id").iter_rows(named=True)
    }
    attributed = []
    for name, example in sorted(names.items(), key=lambda item: item[0] or ""):
        if not name:
            raise GeographyError(
                f"source {example['source_id']!r}: council-run home URN {example['urn']} has no owning "
                f"organisation, so the council that runs it is not known ({NAME})"
            )
        try:
            matches = attribute(name, latest, files, explicit)
        except GeographyError as error:
            raise GeographyError(
                f"source {example['source_id']!r} (e.g. URN {example['urn']}): check 'owning organisation names "
                f"a council' failed: {error}. Add the name to data/reference/{OWNER_NAMES_FILE} with the "
                "council code(s) it names and where it was seen"
            ) from error
        for code, how in matches:
            attributed.append(
                {
                    "owner_name_published": name,
                    "new_la_code": code,
                    "attribution": how,
                    "run_jointly": len(matches) > 1,
                }
            )
    lookup = pl.DataFrame(
        attributed,
        schema={
            "owner_name_published": pl.Utf8,
            "new_la_code": pl.Utf8,
            "attribution": pl.Utf8,
            "run_jointly": pl.Boolean,
        },
    )
    names_of = councils.select("new_la_code", pl.col("la_name").alias("owner_la_name"))
    frame = (
        homes.rename({"new_la_code": "located_la_code", "la_name": "located_la_name"})
        .drop("region_code", "region_name", "current_la_code", "current_la_name", strict=False)
        .join(lookup, on="owner_name_published", how="inner")
        .join(names_of, on="new_la_code", how="left")
        .with_columns(
            pl.lit("Local authority").alias("geographic_level"),
            pl.lit(ENGLAND_CODE).alias("country_code"),
            pl.lit(ENGLAND_NAME).alias("country_name"),
            pl.lit(None, dtype=pl.Utf8).alias("region_code"),
            pl.lit(None, dtype=pl.Utf8).alias("region_name"),
            pl.lit(None, dtype=pl.Utf8).alias("old_la_code"),
            pl.col("owner_la_name").alias("la_name"),
        )
        .drop("owner_la_name")
    )
    if frame.select("urn").n_unique() != homes.height:
        raise GeographyError(f"{NAME}: not every council-run home of {latest} was attributed to a council")
    return order_columns(
        frame.select(*[c for c in frame.columns if c in _COLUMNS]), FILTERS, INDICATORS
    ).sort(KEY)


def views(frame: pl.DataFrame) -> dict[str, pl.DataFrame]:
    """Each home once per council that runs it; a home run by more than one council is marked as run jointly."""
    per_home = frame.group_by("snapshot_date", "urn").agg(
        pl.len().alias("councils"), pl.col("run_jointly").all().alias("all_jointly")
    )
    return {
        "per_home": per_home.with_columns(
            ((pl.col("councils") > 1) == pl.col("all_jointly")).alias("joint_flag_consistent")
        )
    }


_COLUMNS = {
    "time_period": "Year of the list's date.",
    "time_identifier": "The list's day and month ('As at 31 March').",
    "geographic_level": "'Local authority': the council that runs the home.",
    "country_code": "E92000001 (England).",
    "country_name": "England.",
    "region_code": "GSS code of that council's region.",
    "region_name": "Name of that region.",
    "new_la_code": "GSS code of the council that runs the home (named by the owning organisation).",
    "old_la_code": "Empty: Ofsted publishes no DfE 3-digit codes.",
    "la_name": "Name of the council that runs the home.",
    "current_la_code": "The same council (councils here exist on the list's date).",
    "current_la_name": "Its name.",
    "snapshot_date": "Date of the Ofsted list (the latest list that publishes owning organisations).",
    "snapshot_kind": "'providers_and_places' (every registered home) or 'provider_level' (homes with a latest "
    "full inspection).",
    "urn": "Ofsted unique reference number of the home.",
    "provision_type": "Registration type: Children's home, Secure children's home, or Residential special school "
    "(registered as a children's home).",
    "located_la_code": "GSS code of the council area the home is located in (Ofsted's 'Local authority' column).",
    "located_la_name": "Name of that council area.",
    "owner_name_published": "Owning organisation exactly as Ofsted published it.",
    "run_jointly": "True when the owning organisation names more than one council (the home has a row for each).",
    "attribution": "How the owning organisation was matched to the council (see the dataset description).",
    "places": "Places the home is registered for.",
    "source_id": "Source file of the list (data/sources.csv).",
    "source_release": "Release of that source.",
}

DATASET = Dataset(
    name=NAME,
    title="Children's homes each council runs, wherever they are located (latest Ofsted list)",
    description=(
        "One row per council-run children's home (Local authority sector, all three registration types) in the "
        "latest Ofsted list that names owning organisations, and per council that runs it: the council named by "
        "the home's owning organisation, and the council area the home is located in, which can differ (a "
        "council may run a home in a neighbouring area). Owning organisations are matched to councils by name "
        "only (full name, or the name without words such as 'Borough Council'), through the council names in the "
        "ONS and mySociety lookups, with a small reference table for names that name two councils; a former "
        "council's name is attributed to the council that now covers the same area."
    ),
    families=[],
    build=build,
    key=KEY,
    columns=_COLUMNS,
    needs=[HOMES, "councils"],
    views=views,
    reference_files=[OWNER_NAMES_FILE, "la_reorganisations.csv", "la_name_aliases.csv"],
)
