"""Council-run children's homes counted by the council that runs them, wherever the home is (from Ofsted's owner names).

`council_run_homes` counts a council-run home (sector "Local authority") in the council area where it is located.
A few councils run a home in another council's area, so "councils with no council-run home located in their area"
and "councils that run no home" are different counts. Ofsted publishes the owning organisation of each home from
2018; for a council-run home it names the council ("Wolverhampton City Council"). Here each council-run home is
given to the council(s) its owner name names (a home run jointly by two councils counts for both). Owner names
that name no council (a school's governing body, an NHS trust) are counted for the council area where the home is,
and counted separately at national level.

Interim: a dataset of councils running homes anywhere is being added with the council pages; this one holds what
the reconciliation page needs, for every list date with owner names.

For provider-level lists, homes registered by the list's date but not in it (no published full inspection yet; see
homes_rebuilt_totals) are counted separately, so both counts can be stated.
"""

from __future__ import annotations

import re
from datetime import date

import polars as pl

from analysis.datasets import Dataset, SourceFiles
from analysis.datasets.childrens_homes import NAME as HOMES
from analysis.datasets.childrens_homes import time_identifier
from analysis.datasets.homes_rebuilt_totals import homes_at_each_date
from analysis.layout import ENGLAND_CODE, ENGLAND_NAME, order_columns

NAME = "council_run_homes_by_owner"
COUNCIL_SECTOR = "Local authority"
# words that do not tell one council's name from another's
_GENERIC = (
    r"\b(the|council|councils|county|city|borough|metropolitan|district|of|london|royal|and|upon|on|st|"
    r"childrens|children|services?|specialist|social|care|homes?|local|authority)\b"
)
# a council's name as owner names shorten it
_SHORT_NAMES = {"hull": "kingston hull", "newcastle": "newcastle tyne"}
# owner names that name an organisation other than a council, even where a council's name is in them
_NOT_A_COUNCIL = re.compile(r"\b(nhs|trust|governing body)\b", re.I)

BASIS_NAMED = "owner name names the council"
BASIS_LOCATED = "owner name names no council: counted for the council area where the home is"


def _key(name: str) -> str:
    text = name.lower().replace("&", " and ").replace("'", "").replace("\u2019", "")
    text = re.sub(r"[^a-z0-9]+", " ", text)
    text = re.sub(_GENERIC, " ", text)
    return re.sub(r"\s+", " ", text).strip()


def councils_at(councils: pl.DataFrame, day: date) -> pl.DataFrame:
    """The councils (upper-tier authorities) in existence on `day`."""
    return councils.filter(
        (pl.col("start_date").is_null() | (pl.col("start_date") <= day))
        & (pl.col("end_date").is_null() | (pl.col("end_date") >= day))
    ).select("new_la_code", "la_name", "region_code", "region_name")


def running_councils(owner: str | None, names: dict[str, str]) -> list[str]:
    """The codes of the councils an owner name names (`names`: council name key -> code), longest names first so
    'North East Lincolnshire' is not also 'Lincolnshire'; empty if it names none or names another body."""
    if not owner or _NOT_A_COUNCIL.search(owner):
        return []
    text = f" {_key(owner)} "
    for short, full in _SHORT_NAMES.items():
        text = text.replace(f" {short} ", f" {full} ")
    found = [key for key in names if key and f" {key} " in text]
    found = [key for key in found if not any(key != other and f" {key} " in f" {other} " for other in found)]
    return sorted(names[key] for key in found)


def attribute(homes: pl.DataFrame, councils: pl.DataFrame) -> pl.DataFrame:
    """One row per council-run home and running council, with `basis` (how the council was found)."""
    rows = []
    for day in homes["snapshot_date"].unique().sort().to_list():
        existing = councils_at(councils, day)
        names = {_key(name): code for code, name in existing.select("new_la_code", "la_name").iter_rows()}
        for home in homes.filter(pl.col("snapshot_date") == day).iter_rows(named=True):
            codes = running_councils(home["owner_name_published"], names)
            basis = BASIS_NAMED if codes else BASIS_LOCATED
            for code in codes or [home["new_la_code"]]:
                rows.append({**home, "running_la_code": code, "basis": basis})
    schema = {**homes.schema, "running_la_code": pl.Utf8, "basis": pl.Utf8}
    return pl.DataFrame(rows, schema=schema)


def build(
    source_files: SourceFiles | None, childrens_homes: pl.DataFrame, councils: pl.DataFrame
) -> pl.DataFrame:
    owners_known = (
        childrens_homes.filter(pl.col("sector") == COUNCIL_SECTOR)
        .group_by("snapshot_date")
        .agg(pl.col("owner_name_published").null_count().alias("unnamed"), pl.len().alias("homes"))
        .filter(pl.col("unnamed") < pl.col("homes"))["snapshot_date"]
    )
    extra = childrens_homes.select("urn", "snapshot_date", "owner_name_published", "new_la_code")
    counted = homes_at_each_date(childrens_homes).filter(
        pl.col("sector") == COUNCIL_SECTOR, pl.col("snapshot_date").is_in(owners_known.implode())
    )
    # owner name and area of each counted home, from the list that holds it (its first later list if not this one)
    first_seen = (
        childrens_homes.sort("snapshot_date")
        .select("urn", "snapshot_date", "owner_name_published", "new_la_code")
        .rename({"snapshot_date": "seen_on"})
    )
    in_list = counted.filter(pl.col("in_list")).join(extra, on=["urn", "snapshot_date"], how="left")
    later = (
        counted.filter(~pl.col("in_list"))
        .join(first_seen, on="urn", how="left")
        .filter(pl.col("seen_on") > pl.col("snapshot_date"))
        .sort("seen_on")
        .group_by("snapshot_date", "urn", maintain_order=True)
        .first()
        .drop("seen_on")
    )
    homes = pl.concat([in_list, later.select(in_list.columns)])
    attributed = attribute(homes, councils)

    local = []
    national = []
    for day in sorted(owners_known.to_list()):
        existing = councils_at(councils, day)
        on_day = attributed.filter(pl.col("snapshot_date") == day)
        listed = on_day.filter(pl.col("in_list"))
        homes_listed = homes.filter(pl.col("snapshot_date") == day, pl.col("in_list"))
        located = homes_listed.group_by("new_la_code").agg(pl.len().alias("council_run_homes_located"))
        run = listed.group_by("running_la_code").agg(
            pl.len().alias("homes_run"),
            (pl.col("running_la_code") == pl.col("new_la_code")).sum().alias("homes_run_in_own_area"),
        )
        area_names = existing.select(
            pl.col("new_la_code").alias("located_code"), pl.col("la_name").alias("located_name")
        )
        elsewhere = (
            listed.filter(pl.col("running_la_code") != pl.col("new_la_code"))
            .join(area_names, left_on="new_la_code", right_on="located_code", how="left")
            .group_by("running_la_code")
            .agg(
                pl.col("located_name").unique().sort().str.join("; ").alias("homes_run_elsewhere_located_in")
            )
        )
        run_later = (
            on_day.filter(~pl.col("in_list"))
            .group_by("running_la_code")
            .agg(pl.len().alias("homes_run_not_in_list"))
        )
        per_council = (
            existing.join(located, on="new_la_code", how="left")
            .join(run.rename({"running_la_code": "new_la_code"}), on="new_la_code", how="left")
            .join(run_later.rename({"running_la_code": "new_la_code"}), on="new_la_code", how="left")
            .join(elsewhere.rename({"running_la_code": "new_la_code"}), on="new_la_code", how="left")
            .with_columns(
                # a council with no home in the count has a true zero (not a missing value)
                pl.col(
                    "council_run_homes_located", "homes_run", "homes_run_in_own_area", "homes_run_not_in_list"
                )
                .fill_null(0)
                .cast(pl.Int64)
            )
            .with_columns(
                (pl.col("homes_run") - pl.col("homes_run_in_own_area")).alias("homes_run_elsewhere"),
                (pl.col("council_run_homes_located") == 0).alias("no_council_run_home_located"),
                (pl.col("homes_run") == 0).alias("runs_no_home"),
                ((pl.col("homes_run") + pl.col("homes_run_not_in_list")) == 0).alias(
                    "runs_no_home_counting_not_in_list"
                ),
                pl.lit(day).alias("snapshot_date"),
                pl.lit("Local authority").alias("geographic_level"),
            )
        )
        unknown = set(listed["running_la_code"].to_list()) - set(existing["new_la_code"].to_list())
        if unknown:
            raise ValueError(
                f"council-run homes at {day} given to councils not in existence then: {sorted(unknown)}"
            )
        local.append(per_council)
        national.append(
            {
                "snapshot_date": day,
                "geographic_level": "National",
                "councils": per_council.height,
                "councils_without_council_run_home_located": int(
                    per_council["no_council_run_home_located"].sum()
                ),
                "councils_running_no_home": int(per_council["runs_no_home"].sum()),
                "councils_running_homes_only_elsewhere": per_council.filter(
                    pl.col("no_council_run_home_located") & ~pl.col("runs_no_home")
                ).height,
                "councils_running_no_home_counting_not_in_list": int(
                    per_council["runs_no_home_counting_not_in_list"].sum()
                ),
                "council_run_homes_in_list": homes_listed.height,
                "council_run_homes_run_by_another_area": listed.filter(
                    pl.col("running_la_code") != pl.col("new_la_code")
                )["urn"].n_unique(),
                "council_run_homes_council_not_named": listed.filter(pl.col("basis") == BASIS_LOCATED).height,
                "council_run_homes_run_jointly": listed.group_by("urn")
                .len()
                .filter(pl.col("len") > 1)
                .height,
                "council_run_homes_not_in_list": homes.filter(
                    pl.col("snapshot_date") == day, ~pl.col("in_list")
                ).height,
            }
        )
    sources = counted.select("snapshot_date", "snapshot_kind", "list_source_id", "source_release").unique()
    frame = pl.concat([pl.concat(local), pl.DataFrame(national)], how="diagonal").join(
        sources, on="snapshot_date", how="left"
    )
    frame = frame.with_columns(
        pl.col("snapshot_date").dt.year().cast(pl.Int64).alias("time_period"),
        pl.col("snapshot_date").map_elements(time_identifier, return_dtype=pl.Utf8).alias("time_identifier"),
        pl.lit(ENGLAND_CODE).alias("country_code"),
        pl.lit(ENGLAND_NAME).alias("country_name"),
        pl.lit(None, dtype=pl.Utf8).alias("old_la_code"),
        pl.col("list_source_id").alias("source_id"),
    ).drop("list_source_id")
    frame = frame.sort(
        "snapshot_date",
        pl.col("geographic_level").replace_strict(
            {"National": 0, "Local authority": 1}, return_dtype=pl.Int64
        ),
        pl.col("new_la_code").fill_null(""),
    )
    return order_columns(frame, FILTERS, INDICATORS)


FILTERS = ["snapshot_date", "snapshot_kind"]
INDICATORS = [
    "council_run_homes_located",
    "homes_run",
    "homes_run_in_own_area",
    "homes_run_elsewhere",
    "homes_run_elsewhere_located_in",
    "homes_run_not_in_list",
    "no_council_run_home_located",
    "runs_no_home",
    "runs_no_home_counting_not_in_list",
    "councils",
    "councils_without_council_run_home_located",
    "councils_running_no_home",
    "councils_running_homes_only_elsewhere",
    "councils_running_no_home_counting_not_in_list",
    "council_run_homes_in_list",
    "council_run_homes_run_by_another_area",
    "council_run_homes_council_not_named",
    "council_run_homes_run_jointly",
    "council_run_homes_not_in_list",
]


def views(frame: pl.DataFrame) -> dict[str, pl.DataFrame]:
    """Council rows add up to the national counts (homes run jointly count once per council)."""
    national = frame.filter(pl.col("geographic_level") == "National")
    councils = (
        frame.filter(pl.col("geographic_level") == "Local authority")
        .group_by("snapshot_date")
        .agg(
            pl.len().alias("council_rows"),
            pl.col("council_run_homes_located").sum().alias("located"),
            pl.col("homes_run").sum().alias("run"),
            pl.col("no_council_run_home_located").sum().alias("without_located"),
            pl.col("runs_no_home").sum().alias("running_none"),
        )
    )
    joined = national.join(councils, on="snapshot_date", how="full", coalesce=True).select(
        "snapshot_date",
        (pl.col("council_rows") - pl.col("councils")).alias("councils_difference"),
        (pl.col("located") - pl.col("council_run_homes_in_list")).alias("located_difference"),
        (pl.col("run") - pl.col("council_run_homes_in_list") - pl.col("council_run_homes_run_jointly")).alias(
            "run_difference"
        ),
        (pl.col("without_located") - pl.col("councils_without_council_run_home_located")).alias(
            "without_located_difference"
        ),
        (pl.col("running_none") - pl.col("councils_running_no_home")).alias("running_none_difference"),
    )
    return {"councils_vs_england": joined.sort("snapshot_date")}


COLUMNS = {
    "time_period": "Year of the list's date.",
    "time_identifier": "The list's date as a day and month ('As at 31 March').",
    "geographic_level": "National, or Local authority (one row per council in existence on the list's date).",
    "country_code": "E92000001 (England).",
    "country_name": "England.",
    "region_code": "GSS code of the council's region (Local authority rows).",
    "region_name": "Name of that region.",
    "new_la_code": "GSS code of the council as at the list's date.",
    "old_la_code": "Empty: Ofsted publishes no DfE 3-digit codes.",
    "la_name": "Council name.",
    "current_la_code": "GSS code of the council that covers the area now.",
    "current_la_name": "Name of the council that covers the area now.",
    "snapshot_date": "Date of the Ofsted list (the list used for that date in childrens_homes); lists from 2018, "
    "when Ofsted began publishing owner names.",
    "snapshot_kind": "'provider_level' (homes with a latest full inspection) or 'providers_and_places' (every "
    "registered home).",
    "council_run_homes_located": "Local authority rows: council-run homes in the list located in the council's area "
    "(whichever council runs them), as in council_run_homes.",
    "homes_run": "Local authority rows: council-run homes in the list that this council runs, wherever they are.",
    "homes_run_in_own_area": "Of those, homes located in the council's own area.",
    "homes_run_elsewhere": "Of those, homes located in another council's area.",
    "homes_run_elsewhere_located_in": "The council areas where those homes are located ('; '-separated); empty if none.",
    "homes_run_not_in_list": "Local authority rows: homes this council runs that were registered by the list's date "
    "but are not in the list (no published full inspection yet; see homes_rebuilt_totals).",
    "no_council_run_home_located": "Local authority rows: True when no council-run home in the list is located in "
    "the council's area.",
    "runs_no_home": "Local authority rows: True when the council runs no home in the list, anywhere.",
    "runs_no_home_counting_not_in_list": "Local authority rows: True when the council runs no home, counting the "
    "homes registered by the list's date that the list leaves out.",
    "councils": "National: councils in existence on the list's date (including the City of London and the Isles of "
    "Scilly).",
    "councils_without_council_run_home_located": "National: councils with no council-run home located in their "
    "area (the count in council_run_homes).",
    "councils_running_no_home": "National: councils that run no home in the list, anywhere.",
    "councils_running_homes_only_elsewhere": "National: councils with no council-run home in their area that run a "
    "home in another council's area.",
    "councils_running_no_home_counting_not_in_list": "National: councils that run no home, counting the homes "
    "registered by the list's date that the list leaves out.",
    "council_run_homes_in_list": "National: council-run homes in the list.",
    "council_run_homes_run_by_another_area": "National: of those, homes run by a council other than the one where "
    "the home is located.",
    "council_run_homes_council_not_named": "National: council-run homes whose owner name names no council (a "
    "school's governing body, an NHS trust): counted for the council area where the home is.",
    "council_run_homes_run_jointly": "National: council-run homes whose owner name names two councils (counted for "
    "both).",
    "council_run_homes_not_in_list": "National: council-run homes registered by the list's date that the list leaves "
    "out (no published full inspection yet), found in later lists.",
    "source_id": "The list of this date (data/sources.csv).",
    "source_release": "Release of that list.",
}

DATASET = Dataset(
    name=NAME,
    title="Council-run children's homes by the council that runs them, England, from 2018 (Ofsted owner names)",
    description=(
        "For each Ofsted list with owner names: for every council, the council-run children's homes it runs "
        "(wherever they are, from the owner name Ofsted publishes) beside those located in its area; and for "
        "England, how many councils run no home at all against how many have no council-run home located in their "
        "area. Interim dataset for the reconciliation page."
    ),
    families=[],
    build=build,
    key=["snapshot_date", "geographic_level", "new_la_code"],
    columns=COLUMNS,
    needs=[HOMES, "councils"],
    views=views,
)
