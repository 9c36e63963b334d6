"""Which councils run a children's home, by two definitions, at each Ofsted list date.

Ofsted's lists give each home's sector; a "council-run" home is one in the Local authority sector. Two questions
have different answers, and both are published here:

- located: does the council's AREA hold a council-run home (whoever runs it)? This is answerable for every list
  (Ofsted gives each home's local authority area).
- run: does the council RUN a council-run home, wherever the home is? Ofsted's lists name each home's owning
  organisation from 31 March 2018; for a council-run home that organisation names the council (the City of
  Wolverhampton's home in Staffordshire, Wandsworth's homes in Kent). Owner names are mapped to council codes by
  data/reference/council_run_home_owners.csv, one row per published spelling, each checked here: the council
  code exists and its name is the one written beside it; an owner name missing from the table stops the build.
  A name that names a council which did not exist on the list date (a county's name still published after a
  reorganisation, or a new council's name in the list for the day before it began) is counted for the council
  that did: the one it replaced or was replaced by, or, where an area was split, the one the home is in.
  For lists without owner names (before 2018) the "run" columns are empty, never 0.

Every council in existence on the list date has a row; England and each region have the counts of councils.
Inspected-homes lists (provider_level) leave out homes without a full inspection, so in those years a council
whose only home was not yet inspected counts as having none.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import polars as pl

from analysis.datasets import Dataset, SourceFiles
from analysis.datasets.childrens_homes import NAME as HOMES
from analysis.datasets.childrens_homes_by_area import councils_on_snapshots
from analysis.datasets.childrens_homes_by_sector import LIST_LABELS
from analysis.errors import GeographyError
from analysis.layout import ENGLAND_CODE, ENGLAND_NAME, order_columns

NAME = "councils_running_homes"
OWNERS_FILE = "council_run_home_owners.csv"
OWNER_COLUMNS = ["owner_name", "council_code", "council_name", "relationship", "note"]
# How the owning organisation relates to the council it is mapped to (the table's `relationship` column).
RELATIONSHIPS = {
    "council": "the council itself, in any spelling",
    "named for the council": "a service, school or company whose name names the council",
    "joint": "one of two councils named together",
    "school governing body": "the governing body of a school in the council's area",
    "not a council": "an organisation that is not a council (no council code)",
}
COUNCIL_SECTOR = "Local authority"
SNAPSHOT = ["time_period", "time_identifier", "snapshot_date", "snapshot_kind", "source_id", "source_release"]
AREA = ["region_code", "region_name", "new_la_code", "la_name"]
LEVEL_ORDER = {"National": 0, "Regional": 1, "Local authority": 2}


class OwnerMappingError(ValueError):
    """The owner-to-council table does not cover, or contradicts, the data."""


def read_owners(path: Path) -> pl.DataFrame:
    """The owner-name to council-code table, checked for shape (not yet against the councils)."""
    frame = pl.read_csv(path, infer_schema=False)
    if frame.columns != OWNER_COLUMNS:
        raise OwnerMappingError(f"{path.name}: expected columns {OWNER_COLUMNS}, got {frame.columns}")
    unknown = sorted(set(frame["relationship"].to_list()) - set(RELATIONSHIPS))
    if unknown:
        raise OwnerMappingError(
            f"{path.name}: unknown relationship {unknown}; use one of {sorted(RELATIONSHIPS)}"
        )
    no_code = frame.filter(pl.col("council_code").is_null() != (pl.col("relationship") == "not a council"))
    if no_code.height:
        raise OwnerMappingError(
            f"{path.name}: a council code is required except for 'not a council' rows: {no_code.row(0)}"
        )
    if frame.select("owner_name", "council_code").is_duplicated().any():
        raise OwnerMappingError(f"{path.name}: an owner and council pair is listed twice")
    return frame


def check_owners(owners: pl.DataFrame, councils: pl.DataFrame) -> None:
    """Each council code is a council of the councils dataset and its name is the one written beside it."""
    names = dict(councils.select("new_la_code", "la_name").iter_rows())
    for row in owners.filter(pl.col("council_code").is_not_null()).iter_rows(named=True):
        if row["council_code"] not in names:
            raise OwnerMappingError(
                f"{OWNERS_FILE}: {row['owner_name']!r} is mapped to {row['council_code']}, which is not a council"
            )
        if names[row["council_code"]] != row["council_name"]:
            raise OwnerMappingError(
                f"{OWNERS_FILE}: {row['owner_name']!r} is mapped to {row['council_code']}, which is "
                f"{names[row['council_code']]!r}, not {row['council_name']!r}"
            )


def _successors(councils: pl.DataFrame) -> dict[str, list[str]]:
    return {
        code: (succ.split(",") if succ else [])
        for code, succ in councils.select("new_la_code", "successor_codes").iter_rows()
    }


def council_on_date(
    code: str, on: date, located: str, existing: set[str], successors: dict[str, list[str]]
) -> tuple[str, str]:
    """The council in existence on `on` that a name naming council `code` stands for, and how it was found."""
    if code in existing:
        return code, "as named"
    later = [c for c in successors.get(code, []) if c in existing]
    earlier = [c for c in existing if code in successors.get(c, [])]
    for found, how in ((later, "the council that replaced it"), (earlier, "the council it replaced")):
        if len(found) == 1:
            return found[0], how
        if located in found:
            return located, f"{how} (where the home is)"
    raise GeographyError(
        f"{NAME}: council {code} did not exist on {on} and no single council in existence then replaced it or "
        f"was replaced by it (home in {located}); record the reorganisation in data/reference/la_reorganisations.csv"
    )


def owner_councils(homes: pl.DataFrame, owners: pl.DataFrame, councils: pl.DataFrame) -> pl.DataFrame:
    """One row per council-run home and council that runs it (two for a home run jointly, none for a home run by
    an organisation that is not a council), for the lists that publish owners."""
    council_homes = homes.filter(pl.col("sector") == COUNCIL_SECTOR, pl.col("owner_name").is_not_null())
    unmapped = sorted(set(council_homes["owner_name"].to_list()) - set(owners["owner_name"].to_list()))
    if unmapped:
        raise OwnerMappingError(
            f"council-run homes whose owner is not in data/reference/{OWNERS_FILE}: {unmapped}. Add each with the "
            "code of the council it names (see the file's other rows)."
        )
    mapped = council_homes.join(owners.select("owner_name", "council_code"), on="owner_name", how="inner")
    mapped = mapped.filter(pl.col("council_code").is_not_null())
    on_dates = councils_on_snapshots(homes, councils).group_by("snapshot_date").agg(pl.col("new_la_code"))
    existing = {day: set(codes) for day, codes in on_dates.iter_rows()}
    successors = _successors(councils)
    resolved = {}
    for code, on, located in (
        mapped.select("council_code", "snapshot_date", "new_la_code").unique().iter_rows()
    ):
        resolved[(code, on, located)] = council_on_date(code, on, located, existing[on], successors)
    return mapped.with_columns(
        pl.struct("council_code", "snapshot_date", "new_la_code")
        .map_elements(
            lambda r: resolved[(r["council_code"], r["snapshot_date"], r["new_la_code"])][0],
            return_dtype=pl.Utf8,
        )
        .alias("owner_council_code")
    ).select(
        *SNAPSHOT,
        "urn",
        pl.col("new_la_code").alias("located_in"),
        "la_name",
        "owner_name",
        "owner_council_code",
    )


def owners_published(homes: pl.DataFrame) -> pl.DataFrame:
    """Per list: True when every council-run home in it has its owning organisation published."""
    return (
        homes.filter(pl.col("sector") == COUNCIL_SECTOR)
        .group_by("snapshot_date")
        .agg((pl.col("owner_name").null_count() == 0).alias("owners_published"))
    )


def council_rows(homes: pl.DataFrame, councils: pl.DataFrame, owners: pl.DataFrame) -> pl.DataFrame:
    """Every council in existence on each list date, with the council-run homes located in its area and run by it."""
    grid = councils_on_snapshots(homes, councils)
    council_homes = homes.filter(pl.col("sector") == COUNCIL_SECTOR)
    located = council_homes.group_by("snapshot_date", "new_la_code").agg(
        pl.len().cast(pl.Int64).alias("council_run_homes_located")
    )
    runs = owner_councils(homes, owners, councils)
    run = runs.group_by("snapshot_date", pl.col("owner_council_code").alias("new_la_code")).agg(
        pl.col("urn").n_unique().cast(pl.Int64).alias("council_run_homes_run"),
        pl.col("owner_name").unique().sort().str.join("; ").alias("owning_organisations"),
        (pl.col("located_in") != pl.col("owner_council_code")).sum().cast(pl.Int64).alias("run_outside_area"),
        pl.col("la_name")
        .filter(pl.col("located_in") != pl.col("owner_council_code"))
        .unique()
        .sort()
        .str.join("; ")
        .alias("run_outside_area_in"),
    )
    own_homes = runs.filter(pl.col("located_in") == pl.col("owner_council_code")).select(
        "snapshot_date", "urn", pl.col("located_in").alias("new_la_code")
    )
    not_own = (
        council_homes.join(own_homes.unique(), on=["snapshot_date", "urn", "new_la_code"], how="anti")
        .group_by("snapshot_date", "new_la_code")
        .agg(pl.len().cast(pl.Int64).alias("located_not_run_by_the_council"))
    )
    published = owners_published(homes)
    frame = (
        grid.join(located, on=["snapshot_date", "new_la_code"], how="left")
        .join(run, on=["snapshot_date", "new_la_code"], how="left")
        .join(not_own, on=["snapshot_date", "new_la_code"], how="left")
        .join(published, on="snapshot_date", how="left")
        .with_columns(pl.col("owners_published").fill_null(False))
    )
    known = pl.col("owners_published")
    frame = frame.with_columns(
        pl.col("council_run_homes_located").fill_null(0),
        pl.when(known).then(pl.col("council_run_homes_run").fill_null(0)).alias("council_run_homes_run"),
        pl.when(known)
        .then(pl.col("run_outside_area").fill_null(0))
        .alias("council_run_homes_run_outside_area"),
        pl.when(known).then(pl.col("run_outside_area_in")).alias("council_run_homes_run_outside_area_in"),
        pl.when(known).then(pl.col("owning_organisations")).alias("owning_organisations"),
        pl.when(known)
        .then(pl.col("located_not_run_by_the_council").fill_null(0))
        .alias("council_run_homes_located_not_run_by_the_council"),
    ).drop("run_outside_area", "run_outside_area_in", "located_not_run_by_the_council")
    return frame.with_columns(
        (pl.col("council_run_homes_located") == 0).alias("no_council_run_home_located"),
        pl.when(known).then(pl.col("council_run_homes_run") == 0).alias("runs_no_council_run_home"),
        pl.lit("Local authority").alias("geographic_level"),
    )


def summaries(
    las: pl.DataFrame, homes: pl.DataFrame, owners: pl.DataFrame, councils: pl.DataFrame
) -> pl.DataFrame:
    """England and regions: councils, councils with none by each definition, and the council-run homes."""
    runs = owner_councils(homes, owners, councils)
    by_home = (
        homes.filter(pl.col("sector") == COUNCIL_SECTOR)
        .select(*SNAPSHOT, "urn", "region_code", "region_name", "new_la_code")
        .join(
            runs.group_by("snapshot_date", "urn").agg(
                pl.len().alias("_councils"),
                (pl.col("owner_council_code") != pl.col("located_in")).all().alias("_outside"),
            ),
            on=["snapshot_date", "urn"],
            how="left",
        )
    )
    out = []
    for level, by in (("National", []), ("Regional", ["region_code", "region_name"])):
        councils_count = las.group_by(["snapshot_date", *by]).agg(
            pl.len().cast(pl.Int64).alias("councils"),
            pl.col("no_council_run_home_located")
            .sum()
            .cast(pl.Int64)
            .alias("councils_without_council_run_home_located"),
            pl.when(pl.col("owners_published").all())
            .then(pl.col("runs_no_council_run_home").sum())
            .cast(pl.Int64)
            .alias("councils_running_no_council_run_home"),
            pl.col("owners_published").all().alias("owners_published"),
        )
        homes_count = by_home.group_by(["snapshot_date", *by]).agg(
            pl.len().cast(pl.Int64).alias("council_run_homes_located"),
            pl.col("_councils").is_null().sum().cast(pl.Int64).alias("_not_run"),
            pl.col("_outside").fill_null(False).sum().cast(pl.Int64).alias("_outside"),
        )
        snapshots = las.select(SNAPSHOT).unique()
        frame = (
            councils_count.join(snapshots, on="snapshot_date")
            .join(homes_count, on=["snapshot_date", *by], how="left")
            .with_columns(
                pl.col("council_run_homes_located").fill_null(0),
                pl.when(pl.col("owners_published"))
                .then(pl.col("_not_run").fill_null(0))
                .alias("council_run_homes_located_not_run_by_a_council"),
                pl.when(pl.col("owners_published"))
                .then(pl.col("_outside").fill_null(0))
                .alias("council_run_homes_located_outside_the_running_councils_area"),
                pl.lit(level).alias("geographic_level"),
            )
            .drop("_not_run", "_outside")
        )
        out.append(frame)
    return pl.concat(out, how="diagonal")


FILTERS = ["snapshot_date", "snapshot_kind", "list_label", "owners_published"]
INDICATORS = [
    "council_run_homes_located",
    "council_run_homes_run",
    "council_run_homes_run_outside_area",
    "council_run_homes_run_outside_area_in",
    "owning_organisations",
    "council_run_homes_located_not_run_by_the_council",
    "no_council_run_home_located",
    "runs_no_council_run_home",
    "councils",
    "councils_without_council_run_home_located",
    "councils_running_no_council_run_home",
    "council_run_homes_located_not_run_by_a_council",
    "council_run_homes_located_outside_the_running_councils_area",
]


def build_frame(homes: pl.DataFrame, councils: pl.DataFrame, owners: pl.DataFrame) -> pl.DataFrame:
    check_owners(owners, councils)
    las = council_rows(homes, councils, owners)
    out = pl.concat([summaries(las, homes, owners, councils), las], how="diagonal").with_columns(
        pl.lit(ENGLAND_CODE).alias("country_code"),
        pl.lit(ENGLAND_NAME).alias("country_name"),
        pl.lit(None, dtype=pl.Utf8).alias("old_la_code"),
        pl.col("snapshot_kind").replace_strict(LIST_LABELS, return_dtype=pl.Utf8).alias("list_label"),
    )
    for column in AREA:
        if column not in out.columns:
            out = out.with_columns(pl.lit(None, dtype=pl.Utf8).alias(column))
    out = out.sort(
        "snapshot_date",
        pl.col("geographic_level").replace_strict(LEVEL_ORDER, return_dtype=pl.Int64),
        pl.col("region_code").fill_null(""),
        pl.col("new_la_code").fill_null(""),
    )
    return order_columns(out, FILTERS, INDICATORS)


def build(source_files: SourceFiles, childrens_homes: pl.DataFrame, councils: pl.DataFrame) -> pl.DataFrame:
    owners = read_owners(source_files.reference_dir / OWNERS_FILE)
    return build_frame(childrens_homes, councils, owners)


def views(frame: pl.DataFrame) -> dict[str, pl.DataFrame]:
    """Council rows add up to their region and to England, by both definitions."""
    las = (
        frame.filter(pl.col("geographic_level") == "Local authority")
        .group_by("snapshot_date")
        .agg(
            pl.len().alias("la_rows"),
            pl.col("no_council_run_home_located").sum().alias("la_without_located"),
            pl.col("runs_no_council_run_home").sum().alias("la_running_none"),
            pl.col("runs_no_council_run_home").null_count().alias("la_running_unknown"),
            pl.col("council_run_homes_located").sum().alias("la_homes_located"),
        )
    )
    regions = (
        frame.filter(pl.col("geographic_level") == "Regional")
        .group_by("snapshot_date")
        .agg(
            pl.col("councils").sum().alias("region_councils"),
            pl.col("councils_without_council_run_home_located").sum().alias("region_without_located"),
        )
    )
    national = frame.filter(pl.col("geographic_level") == "National").select(
        "snapshot_date",
        "owners_published",
        "councils",
        "councils_without_council_run_home_located",
        "councils_running_no_council_run_home",
        "council_run_homes_located",
    )
    joined = (
        national.join(las, on="snapshot_date", how="full", coalesce=True)
        .join(regions, on="snapshot_date", how="full", coalesce=True)
        .with_columns(
            (pl.col("la_rows") - pl.col("councils")).alias("la_rows_difference"),
            (pl.col("region_councils") - pl.col("councils")).alias("region_councils_difference"),
            (pl.col("la_without_located") - pl.col("councils_without_council_run_home_located")).alias(
                "without_located_difference"
            ),
            (pl.col("region_without_located") - pl.col("councils_without_council_run_home_located")).alias(
                "region_without_located_difference"
            ),
            pl.when(pl.col("owners_published"))
            .then(pl.col("la_running_none") - pl.col("councils_running_no_council_run_home"))
            .otherwise(0)
            .alias("running_none_difference"),
            pl.when(pl.col("owners_published"))
            .then(0)
            .otherwise(pl.col("la_rows") - pl.col("la_running_unknown"))
            .alias("unknown_when_unpublished_difference"),
            (pl.col("la_homes_located") - pl.col("council_run_homes_located")).alias("homes_difference"),
        )
    )
    return {"sums_vs_england": joined}


DATASET = Dataset(
    name=NAME,
    title="Councils with no council-run children's home: located in their area, and run anywhere",
    description=(
        "At each Ofsted list date, for every council: the council-run (local authority sector) children's homes "
        "located in its area, and those it runs wherever they are (from the owning organisation Ofsted names, "
        "published from 31 March 2018); for England and each region, how many councils have no council-run home "
        "located in their area and how many run none anywhere. The two counts differ where a council runs a home "
        "outside its own area."
    ),
    families=[],
    build=build,
    key=["snapshot_date", "geographic_level", "region_code", "new_la_code"],
    columns={
        "time_period": "Year of the list date.",
        "time_identifier": "The list date as a day and month ('As at 31 March', ...).",
        "geographic_level": "National, Regional or Local authority (a council).",
        "country_code": "E92000001 (England).",
        "country_name": "England.",
        "region_code": "GSS code of the region.",
        "region_name": "Region name.",
        "new_la_code": "GSS code of the council as at the list date.",
        "old_la_code": "Empty: Ofsted publishes no DfE 3-digit codes.",
        "la_name": "Council name.",
        "current_la_code": "GSS code of the council that covers the area now.",
        "current_la_name": "Name of the council that covers the area now.",
        "snapshot_date": "Date of the Ofsted list.",
        "snapshot_kind": "'providers_and_places' (every registered home) or 'provider_level' (homes with a latest "
        "full inspection: a council whose only home was not yet inspected counts as having none).",
        "list_label": "'complete list' or 'inspected-homes list' (the kind of list in words).",
        "owners_published": "True when the list names the owning organisation of every council-run home (lists "
        "from 31 March 2018); when False the 'run' columns are empty.",
        "council_run_homes_located": "Council-run homes (Ofsted's local authority sector, all three registration "
        "types) located in the area (Local authority rows), region or England.",
        "council_run_homes_run": "Local authority rows: council-run homes this council runs, wherever they are (the "
        "owning organisation names the council: data/reference/council_run_home_owners.csv). A home run jointly "
        "by two councils counts for each.",
        "council_run_homes_run_outside_area": "Local authority rows: of those, homes located outside the council's "
        "own area.",
        "council_run_homes_run_outside_area_in": "Local authority rows: the council areas those homes are in.",
        "owning_organisations": "Local authority rows: the owning organisations, as Ofsted names them (spellings "
        "merged), whose council-run homes are counted as run by this council.",
        "council_run_homes_located_not_run_by_the_council": "Local authority rows: council-run homes located in the "
        "area that this council does not run (another council's, or an organisation that is not a council).",
        "no_council_run_home_located": "Local authority rows: True when no council-run home is located in the area.",
        "runs_no_council_run_home": "Local authority rows: True when the council runs no council-run home anywhere "
        "(empty when owners are not published).",
        "councils": "National and Regional rows: councils in existence on the list date, including the City of "
        "London and the Isles of Scilly.",
        "councils_without_council_run_home_located": "National and Regional rows: councils with no council-run home "
        "located in their area.",
        "councils_running_no_council_run_home": "National and Regional rows: councils that run no council-run home "
        "anywhere (empty when owners are not published).",
        "council_run_homes_located_not_run_by_a_council": "National and Regional rows: council-run homes whose "
        "owning organisation is not a council (an NHS trust listed in the local authority sector).",
        "council_run_homes_located_outside_the_running_councils_area": "National and Regional rows: council-run "
        "homes located outside the area of the council that runs them.",
        "source_id": "Source file of the list (data/sources.csv).",
        "source_release": "Release of that source, as the publisher labels it.",
    },
    needs=[HOMES, "councils"],
    views=views,
    reference_files=[OWNERS_FILE],
)
