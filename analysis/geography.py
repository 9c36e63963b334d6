"""English children's services authorities (upper-tier local authorities), 2011-2024.

Everything here comes from the geography files in the source manifest (ONS lookups compiled by
drkane/geo-lookups, mySociety's names and codes, the Open Innovations hex map) plus three small project
tables in `data/reference/`, each row with a note and a source:

- `la_reorganisations.csv`: every change of an upper-tier GSS code seen in the geo files (re-codes,
  mergers, splits, counties replaced by unitaries). A row with an `effective_date` is applied; a row
  without one is recorded but not applied (ONS re-codes made after the last DfE data, which still use the
  old code).
- `la_name_aliases.csv`: spellings seen in published files that neither the mySociety nor the ONS names
  cover (e.g. 'Medway Towns' in Ofsted's 2014 list).
- `hexmap_cells.csv`: hex map cells the project placed for authorities created since the hex map was drawn.

"Current" means the authorities in the DfE data for the latest year (31 March 2024): 153 of them,
including the City of London and the Isles of Scilly.

Unknown names and codes raise `GeographyError`, naming the name or code, the file it came from and what
was tried. Nothing is guessed: an area split between several councils has no current council.
"""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import NamedTuple

import polars as pl

from analysis import settings
from analysis.errors import GeographyError, ParseError
from analysis.layout import CURRENT_LA_COLUMNS, EES_GEOGRAPHY_COLUMNS, GSS_LA_PATTERN
from analysis.sources.tables import normalise_name, read_csv_frame, read_rows

# the source id errors name for data/reference tables
PROJECT_REFERENCE = "project-reference"

# Source families (data/reference/source_families.csv) of the geo files this module reads.
FAMILY_MYSOCIETY_AUTHORITIES = "geo:mysociety_local_authorities"
FAMILY_MYSOCIETY_NAMES = "geo:mysociety_name_lookup"
FAMILY_ONS_LA = "geo:ons_la_all_codes"
FAMILY_ONS_UTLA = "geo:ons_utla_all_codes"
FAMILY_ONS_REGIONS = "geo:ons_rgn_all_codes"
FAMILY_HEXMAP = "geo:open_innovations_hexmap"
GEO_FAMILIES = (
    FAMILY_MYSOCIETY_AUTHORITIES,
    FAMILY_MYSOCIETY_NAMES,
    FAMILY_ONS_LA,
    FAMILY_ONS_UTLA,
    FAMILY_ONS_REGIONS,
    FAMILY_HEXMAP,
)

REORGANISATIONS_FILE = settings.REFERENCE_DIR / "la_reorganisations.csv"
NAME_ALIASES_FILE = settings.REFERENCE_DIR / "la_name_aliases.csv"
HEXMAP_CELLS_FILE = settings.REFERENCE_DIR / "hexmap_cells.csv"

# DfE publishes Inner and Outer London as regions as well (EES files: geographic_level "Regional",
# region_code E13000001/E13000002; the SFRs as 'INNER LONDON'/'OUTER LONDON' with code E12000007).
# They are not in the ONS region file, so they are listed here, as spelt in the EES files.
LONDON_SUBREGIONS: dict[str, str] = {"E13000001": "Inner London", "E13000002": "Outer London"}
LONDON_REGION_CODE = "E12000007"

LA_TYPES = {
    "E06": "unitary authority",
    "E08": "metropolitan district",
    "E09": "London borough",
    "E10": "county",
}

REORGANISATION_COLUMNS = [
    "old_la_code_gss",
    "old_la_name",
    "current_la_code",
    "current_la_name",
    "effective_date",
    "kind",
    "one_to_one",
    "same_area",
    "note",
    "source",
]
REORGANISATION_KINDS = ("renamed code", "merged", "split", "abolished")
ALIAS_COLUMNS = ["alias", "la_code", "seen_in", "note"]
HEXMAP_CELL_COLUMNS = ["la_code", "la_name", "q", "r", "replaces_hexjson_code", "note"]

_GSS_LA = re.compile(GSS_LA_PATTERN)


class LaMatch(NamedTuple):
    """An upper-tier authority found for a name: its GSS code on the date asked, name and region."""

    gss_code: str
    la_name: str
    region_code: str
    region_name: str


# --------------------------------------------------------------------------------------------------
# Where the files are


@dataclass(frozen=True)
class GeoFiles:
    """The files the geography is built from: the fetched geo files and the project's reference tables."""

    mysociety_authorities: Path
    mysociety_names: Path
    ons_la: Path
    ons_utla: Path
    ons_regions: Path
    hexmap: Path
    reorganisations: Path = REORGANISATIONS_FILE
    name_aliases: Path = NAME_ALIASES_FILE
    hexmap_cells: Path = HEXMAP_CELLS_FILE

    @classmethod
    def from_paths(cls, paths: Mapping[str, Path], reference_dir: Path = settings.REFERENCE_DIR) -> GeoFiles:
        """From {family: path} (the newest file of each geo family) and the reference folder."""
        missing = [s for s in GEO_FAMILIES if s not in paths]
        if missing:
            raise KeyError(f"geography needs files of families {missing} (data/sources.csv)")
        reference_dir = Path(reference_dir)
        return cls(
            mysociety_authorities=Path(paths[FAMILY_MYSOCIETY_AUTHORITIES]),
            mysociety_names=Path(paths[FAMILY_MYSOCIETY_NAMES]),
            ons_la=Path(paths[FAMILY_ONS_LA]),
            ons_utla=Path(paths[FAMILY_ONS_UTLA]),
            ons_regions=Path(paths[FAMILY_ONS_REGIONS]),
            hexmap=Path(paths[FAMILY_HEXMAP]),
            reorganisations=reference_dir / REORGANISATIONS_FILE.name,
            name_aliases=reference_dir / NAME_ALIASES_FILE.name,
            hexmap_cells=reference_dir / HEXMAP_CELLS_FILE.name,
        )

    @classmethod
    def from_source_files(cls, source_files) -> GeoFiles:
        """The newest fetched file of each geo family (analysis.datasets.SourceFiles)."""
        return cls.from_paths(
            {family: source_files.latest(family).path for family in GEO_FAMILIES}, source_files.reference_dir
        )


# --------------------------------------------------------------------------------------------------
# Readers: one per file, each taking the path (default: the mirror copy)


def _read_csv(path: Path, source_id: str, required: list[str]) -> pl.DataFrame:
    """A source or reference CSV (tables.read_csv_frame), names and values stripped, empty values null. The
    project's own reference tables may hold no row (e.g. no alias needed); a source file must hold one."""
    frame = read_csv_frame(path, source_id, require_rows=source_id != PROJECT_REFERENCE)
    frame = frame.rename({c: c.strip() for c in frame.columns})
    missing = [c for c in required if c not in frame.columns]
    if missing:
        raise ParseError(source_id, Path(path).name, "expected columns present", f"missing {missing}")
    return frame.with_columns(pl.col(c).str.strip_chars().replace("", None) for c in frame.columns)


def read_ons_la_lookup(path: Path) -> pl.DataFrame:
    """ONS district -> active district -> upper tier -> region (la_all_codes.csv), English rows."""
    columns = [
        "LADCD",
        "LADNM",
        "LADCD_ACTIVE",
        "LADNM_ACTIVE",
        "UTLACD",
        "UTLANM",
        "RGNCD",
        "RGNNM",
        "Current",
    ]
    frame = _read_csv(path, FAMILY_ONS_LA, columns)
    return frame.select(columns).filter(pl.col("LADCD").str.starts_with("E"))


def read_ons_utla_lookup(path: Path) -> pl.DataFrame:
    """ONS upper tier authorities with their regions (utla_all_codes.csv), English rows."""
    columns = ["UTLACD", "UTLANM", "RGNCD", "RGNNM"]
    frame = _read_csv(path, FAMILY_ONS_UTLA, columns)
    return frame.select(columns).filter(pl.col("UTLACD").str.starts_with("E"))


def read_ons_regions(path: Path) -> pl.DataFrame:
    """ONS regions (rgn_all_codes.csv): RGNCD, RGNNM, English rows."""
    frame = _read_csv(path, FAMILY_ONS_REGIONS, ["RGNCD", "RGNNM"])
    return frame.select("RGNCD", "RGNNM").filter(pl.col("RGNCD").str.starts_with("E12"))


def read_mysociety_authorities(path: Path) -> pl.DataFrame:
    """mySociety uk_local_authorities_current.csv (every UK council, past and present)."""
    columns = [
        "local-authority-code",
        "official-name",
        "nice-name",
        "gss-code",
        "start-date",
        "end-date",
        "replaced-by",
        "nation",
        "local-authority-type",
        "county-la",
        "former-gss-codes",
        "lat",
        "long",
    ]
    return _read_csv(path, FAMILY_MYSOCIETY_AUTHORITIES, columns).select(columns)


def read_mysociety_names(path: Path) -> pl.DataFrame:
    """mySociety lookup_name_to_registry.csv: every spelling they have met -> registry code."""
    return _read_csv(path, FAMILY_MYSOCIETY_NAMES, ["la-name", "local-authority-code"]).select(
        "la-name", "local-authority-code"
    )


def read_hexjson(path: Path) -> pl.DataFrame:
    """The Open Innovations hexjson of English upper tier authorities: la_code, la_name, q, r."""
    name = Path(path).name
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        raise ParseError(FAMILY_HEXMAP, name, "readable hexjson", str(error)) from error
    if data.get("layout") != "odd-r" or not isinstance(data.get("hexes"), dict):
        raise ParseError(FAMILY_HEXMAP, name, "odd-r hexjson with hexes", f"layout {data.get('layout')!r}")
    rows = []
    for key, cell in data["hexes"].items():
        try:
            rows.append((key, cell["n"], int(cell["q"]), int(cell["r"])))
        except (KeyError, TypeError, ValueError) as error:
            raise ParseError(FAMILY_HEXMAP, name, "hex has n, q, r", f"{key}: {error}") from error
    return pl.DataFrame(
        rows, schema={"la_code": pl.Utf8, "la_name": pl.Utf8, "q": pl.Int64, "r": pl.Int64}, orient="row"
    )


def _parse_bool(frame: pl.DataFrame, column: str, file: Path) -> pl.Expr:
    values = set(frame[column].drop_nulls().str.to_lowercase().to_list())
    if values - {"true", "false"} or frame[column].null_count():
        raise GeographyError(
            f"{file}: column {column!r} must be true/false in every row, found {sorted(values)}"
        )
    return pl.col(column).str.to_lowercase() == "true"


def read_reorganisations(path: Path = REORGANISATIONS_FILE) -> pl.DataFrame:
    """The project's table of upper-tier code changes (data/reference/la_reorganisations.csv), checked."""
    frame = _read_csv(path, PROJECT_REFERENCE, REORGANISATION_COLUMNS).select(REORGANISATION_COLUMNS)
    frame = frame.with_columns(
        _parse_bool(frame, "one_to_one", path).alias("one_to_one"),
        _parse_bool(frame, "same_area", path).alias("same_area"),
        pl.col("effective_date").str.to_date("%Y-%m-%d"),
    )
    problems = []
    for row in frame.iter_rows(named=True):
        for column in ("old_la_code_gss", "current_la_code"):
            if not _GSS_LA.match(row[column] or ""):
                problems.append(f"{column} {row[column]!r} is not an upper-tier GSS code")
        if row["kind"] not in REORGANISATION_KINDS:
            problems.append(
                f"{row['old_la_code_gss']}: kind {row['kind']!r} not one of {REORGANISATION_KINDS}"
            )
        if not row["note"] or not row["source"]:
            problems.append(f"{row['old_la_code_gss']}: every row needs a note and a source")
    for (old,), group in frame.group_by(["old_la_code_gss"]):
        if group.height > 1 and group["one_to_one"].any():
            problems.append(f"{old}: has {group.height} successors, so one_to_one must be false in each row")
        if group.height == 1 and not group["one_to_one"][0]:
            problems.append(f"{old}: a single successor row must be one_to_one (or list every successor)")
        if group["effective_date"].n_unique() != 1 or group["kind"].n_unique() != 1:
            problems.append(f"{old}: rows disagree on effective_date or kind")
    if frame.select(["old_la_code_gss", "current_la_code"]).is_duplicated().any():
        problems.append("duplicate (old_la_code_gss, current_la_code) rows")
    applied = frame.filter(pl.col("effective_date").is_not_null())
    chained = set(applied["current_la_code"]) & set(applied["old_la_code_gss"])
    if chained:
        problems.append(f"codes both replaced and replacing (chains are not supported): {sorted(chained)}")
    if problems:
        raise GeographyError(f"{path}: " + "; ".join(problems))
    return frame


def read_name_aliases(path: Path = NAME_ALIASES_FILE) -> pl.DataFrame:
    """The project's extra spellings (data/reference/la_name_aliases.csv): alias -> GSS code."""
    frame = _read_csv(path, PROJECT_REFERENCE, ALIAS_COLUMNS).select(ALIAS_COLUMNS)
    bad = frame.filter(
        pl.col("alias").is_null()
        | ~pl.col("la_code").fill_null("").str.contains(GSS_LA_PATTERN)
        | pl.col("seen_in").is_null()
        | pl.col("note").is_null()
    )
    if bad.height:
        raise GeographyError(
            f"{path}: rows need alias, an upper-tier GSS la_code, seen_in and note: {bad.rows()}"
        )
    return frame


def read_hexmap_cells(path: Path = HEXMAP_CELLS_FILE) -> pl.DataFrame:
    """The project's hex map placements (data/reference/hexmap_cells.csv)."""
    frame = _read_csv(path, PROJECT_REFERENCE, HEXMAP_CELL_COLUMNS).select(HEXMAP_CELL_COLUMNS)
    try:
        frame = frame.with_columns(pl.col("q").cast(pl.Int64), pl.col("r").cast(pl.Int64))
    except pl.exceptions.PolarsError as error:
        raise GeographyError(f"{path}: q and r must be integers") from error
    if frame["note"].null_count() or frame["la_code"].is_duplicated().any():
        raise GeographyError(f"{path}: every row needs a note, and each la_code appears once")
    return frame


# --------------------------------------------------------------------------------------------------
# Names


def name_key(name: str) -> str:
    """How names are compared: case, '&'/'and', punctuation and spacing do not matter.

    'St. Helens' = 'St Helens'; 'Stoke on Trent' = 'Stoke-on-Trent'; 'Brighton & Hove' = 'Brighton and Hove';
    'Kingston Upon Hull, City of' = 'Kingston upon Hull City of'. Nothing else is changed.
    """
    key = name.replace("\u2019", "'").replace("&", " and ").casefold()
    key = re.sub(r"[^a-z0-9]+", " ", key.replace("'", ""))
    return key.strip()


# --------------------------------------------------------------------------------------------------
# The geography, built once per set of files


@dataclass(frozen=True)
class Geography:
    authorities: pl.DataFrame  # upper_tier_authorities()
    regions: pl.DataFrame  # region_code, region_name, level ("region" | "London sub-region")
    names: dict[str, tuple[tuple[str, str], ...]]  # name key -> ((gss code, where the name was found), ...)
    reorganisations: pl.DataFrame
    files: GeoFiles

    @functools.cached_property
    def by_code(self) -> dict[str, dict]:
        return {row["la_code"]: row for row in self.authorities.iter_rows(named=True)}


def load_geography(files: GeoFiles) -> Geography:
    """Read and cross-check every geo file; cached, so the many callers share one copy."""
    return _load_geography(files)


@functools.lru_cache(maxsize=8)
def _load_geography(files: GeoFiles) -> Geography:
    reorganisations = read_reorganisations(files.reorganisations)
    ons_la = read_ons_la_lookup(files.ons_la)
    ons_utla = read_ons_utla_lookup(files.ons_utla)
    ons_regions = read_ons_regions(files.ons_regions)
    mysociety = read_mysociety_authorities(files.mysociety_authorities)

    regions = pl.concat(
        [
            ons_regions.select(
                pl.col("RGNCD").alias("region_code"),
                pl.col("RGNNM").alias("region_name"),
                pl.lit("region").alias("level"),
            ),
            pl.DataFrame(
                {
                    "region_code": list(LONDON_SUBREGIONS),
                    "region_name": list(LONDON_SUBREGIONS.values()),
                    "level": ["London sub-region"] * len(LONDON_SUBREGIONS),
                }
            ),
        ]
    )
    region_names = dict(regions.select("region_code", "region_name").iter_rows())

    authorities = _build_authorities(files, reorganisations, ons_la, ons_utla, region_names)
    names = _build_name_index(files, authorities, reorganisations, ons_la, ons_utla, mysociety)
    return Geography(authorities, regions, names, reorganisations, files)


def _build_authorities(
    files: GeoFiles,
    reorganisations: pl.DataFrame,
    ons_la: pl.DataFrame,
    ons_utla: pl.DataFrame,
    region_names: dict[str, str],
) -> pl.DataFrame:
    applied = reorganisations.filter(pl.col("effective_date").is_not_null())
    not_applied = reorganisations.filter(pl.col("effective_date").is_null())

    # Every upper-tier re-code in the ONS district lookup must be documented in la_reorganisations.csv.
    documented = set(reorganisations.select("old_la_code_gss", "current_la_code").iter_rows())
    ons_changes = (
        ons_la.filter(
            pl.col("LADCD") != pl.col("LADCD_ACTIVE"),
            pl.col("LADCD").str.contains(GSS_LA_PATTERN),
        )
        .select("LADCD", "LADCD_ACTIVE")
        .iter_rows()
    )
    undocumented = sorted(set(ons_changes) - documented)
    if undocumented:
        raise GeographyError(
            f"{files.ons_la.name} re-codes upper-tier authorities not in {files.reorganisations.name}: "
            f"{undocumented}"
        )

    ons_current = set(ons_utla.filter(pl.col("UTLACD").str.contains(GSS_LA_PATTERN))["UTLACD"])
    current = (ons_current - set(not_applied["current_la_code"])) | set(not_applied["old_la_code_gss"])
    historic = set(applied["old_la_code_gss"])
    if current & historic:
        raise GeographyError(
            f"codes both current (in {files.ons_utla.name}) and replaced (in {files.reorganisations.name}): "
            f"{sorted(current & historic)}"
        )
    missing_successors = set(applied["current_la_code"]) - current
    if missing_successors:
        raise GeographyError(
            f"successors in {files.reorganisations.name} are not current in {files.ons_utla.name}: "
            f"{sorted(missing_successors)}"
        )

    # Current authorities: name and region from the ONS upper-tier file, else the ONS district file
    # (a unitary, metropolitan or London authority is its own district: E08000016 Barnsley).
    utla_rows = {row[0]: row[1:] for row in ons_utla.select("UTLACD", "UTLANM", "RGNCD").iter_rows()}
    lad_rows = {row[0]: row[1:] for row in ons_la.select("LADCD", "LADNM", "RGNCD").iter_rows()}
    starts = {
        row[0]: row[1]
        for row in applied.group_by("current_la_code").agg(pl.col("effective_date").min()).iter_rows()
    }
    rows = []
    for code in sorted(current):
        found = utla_rows.get(code) or lad_rows.get(code)
        if found is None:
            raise GeographyError(
                f"current authority {code} has no name in {files.ons_utla.name} or {files.ons_la.name}"
            )
        name, region_code = found
        rows.append((code, name, region_code, starts.get(code), None, code, name))

    # Replaced codes: name as in the reorganisation table, region that of the successor(s), which must agree.
    current_regions = {row[0]: row[2] for row in rows}
    current_names = {row[0]: row[1] for row in rows}
    for (old,), group in applied.group_by(["old_la_code_gss"], maintain_order=True):
        successor_regions = {current_regions[c] for c in group["current_la_code"]}
        if len(successor_regions) != 1:
            raise GeographyError(f"{old}: successors are in different regions {sorted(successor_regions)}")
        if old in lad_rows and lad_rows[old][1] not in successor_regions:
            raise GeographyError(f"{old}: region in {files.ons_la.name} differs from its successors'")
        one_to_one = bool(group["one_to_one"][0])
        successor = group["current_la_code"][0] if one_to_one else None
        end = group["effective_date"][0] - timedelta(days=1)
        rows.append(
            (
                old,
                group["old_la_name"][0],
                successor_regions.pop(),
                starts.get(old),
                end,
                successor,
                current_names[successor] if successor else None,
            )
        )
    frame = pl.DataFrame(
        rows,
        schema={
            "la_code": pl.Utf8,
            "la_name": pl.Utf8,
            "region_code": pl.Utf8,
            "start_date": pl.Date,
            "end_date": pl.Date,
            "current_la_code": pl.Utf8,
            "current_la_name": pl.Utf8,
        },
        orient="row",
    )
    unknown_regions = set(frame["region_code"]) - set(region_names)
    if unknown_regions:
        raise GeographyError(f"regions {sorted(unknown_regions)} are not in the ONS region file")
    successors = applied.group_by("old_la_code_gss").agg(
        pl.col("current_la_code").sort().str.join(",").alias("successor_codes")
    )
    return (
        frame.join(successors, left_on="la_code", right_on="old_la_code_gss", how="left")
        .with_columns(
            pl.col("region_code").replace_strict(region_names).alias("region_name"),
            pl.col("la_code").str.slice(0, 3).replace_strict(LA_TYPES).alias("la_type"),
            pl.col("end_date").is_null().alias("is_current"),
        )
        .select(
            "la_code",
            "la_name",
            "la_type",
            "region_code",
            "region_name",
            "start_date",
            "end_date",
            "is_current",
            "current_la_code",
            "current_la_name",
            "successor_codes",
        )
        .sort("la_code")
    )


def _build_name_index(
    files: GeoFiles,
    authorities: pl.DataFrame,
    reorganisations: pl.DataFrame,
    ons_la: pl.DataFrame,
    ons_utla: pl.DataFrame,
    mysociety: pl.DataFrame,
) -> dict[str, tuple[tuple[str, str], ...]]:
    known = set(authorities["la_code"])
    index: dict[str, dict[str, str]] = {}

    def add(name: str | None, code: str, where: str) -> None:
        if not name or code not in known:
            return
        index.setdefault(name_key(name), {}).setdefault(code, where)

    for row in ons_utla.iter_rows(named=True):
        add(row["UTLANM"], row["UTLACD"], files.ons_utla.name)
    for row in ons_la.iter_rows(named=True):
        add(row["LADNM"], row["LADCD"], files.ons_la.name)
    for row in reorganisations.iter_rows(named=True):
        add(row["old_la_name"], row["old_la_code_gss"], files.reorganisations.name)

    # mySociety: official and short names, and every spelling in their name lookup, for each registry
    # code whose GSS code (or former GSS code) is an English upper-tier authority known here.
    registry_codes: dict[str, list[str]] = {}
    for row in mysociety.iter_rows(named=True):
        codes = [row["gss-code"]] + (row["former-gss-codes"] or "").split(",")
        codes = [c.strip() for c in codes if c and c.strip() in known]
        if codes:
            registry_codes[row["local-authority-code"]] = codes
            for code in codes:
                add(row["official-name"], code, files.mysociety_authorities.name)
                add(row["nice-name"], code, files.mysociety_authorities.name)
    for row in read_mysociety_names(files.mysociety_names).iter_rows(named=True):
        for code in registry_codes.get(row["local-authority-code"], []):
            add(row["la-name"], code, files.mysociety_names.name)

    aliases = read_name_aliases(files.name_aliases)
    unknown = sorted(set(aliases["la_code"]) - known)
    if unknown:
        raise GeographyError(
            f"{files.name_aliases}: codes {unknown} are not upper-tier authorities known here"
        )
    for row in aliases.iter_rows(named=True):
        add(row["alias"], row["la_code"], f"{files.name_aliases.name} (seen in {row['seen_in']})")
    return {key: tuple(sorted(codes.items())) for key, codes in index.items()}


# --------------------------------------------------------------------------------------------------
# Public API


def upper_tier_authorities(files: GeoFiles) -> pl.DataFrame:
    """Every English upper-tier authority code in use at some time from 2011 to 31 March 2024.

    Columns: la_code, la_name (ONS spelling; for replaced codes as DfE spelt them), la_type, region_code
    and region_name (E12 region, EES/ONS spelling), start_date (null: in existence before 2011), end_date
    (null: current), is_current, current_la_code/current_la_name (itself when current; the council now
    covering the whole area when the area went wholly to one council; null when the area was split),
    successor_codes (comma-separated, for replaced codes).
    """
    return load_geography(files).authorities


def current_authorities(files: GeoFiles) -> pl.DataFrame:
    """The upper-tier authorities as at 31 March 2024 (the latest DfE year)."""
    return upper_tier_authorities(files).filter(pl.col("is_current"))


def regions(files: GeoFiles) -> pl.DataFrame:
    """The nine English regions (ONS codes and names, as EES spells them) and DfE's Inner/Outer London."""
    return load_geography(files).regions


def la_reorganisations(files: GeoFiles) -> pl.DataFrame:
    """data/reference/la_reorganisations.csv, checked against the geo files."""
    return load_geography(files).reorganisations


def region_for_la(gss_code: str, files: GeoFiles) -> tuple[str, str]:
    """(region_code, region_name) of an upper-tier authority code, current or replaced."""
    geography = load_geography(files)
    found = geography.authorities.filter(pl.col("la_code") == gss_code)
    if found.height != 1:
        raise GeographyError(
            f"LA code {gss_code!r} is not an English upper-tier authority known from "
            f"{geography.files.ons_utla.name}, {geography.files.ons_la.name} or {geography.files.reorganisations.name}"
        )
    return found["region_code"][0], found["region_name"][0]


def _valid_on(row: dict, on_date: date) -> bool:
    return (row["start_date"] is None or row["start_date"] <= on_date) and (
        row["end_date"] is None or on_date <= row["end_date"]
    )


def _period(row: dict) -> str:
    start = row["start_date"].isoformat() if row["start_date"] else "before 2011"
    end = row["end_date"].isoformat() if row["end_date"] else "now"
    then = f", then {row['successor_codes']}" if row["successor_codes"] else ""
    return f"{start} to {end}{then}"


def la_code_for_name(name: str, on_date: date | None = None, source: str = "", *, files: GeoFiles) -> LaMatch:
    """The upper-tier authority an LA name meant on a date (default: now), e.g. from an Ofsted list.

    'Bournemouth' on 2015-03-31 -> E06000028; 'Bournemouth, Christchurch & Poole' on 2020-03-31 -> E06000058;
    'Buckinghamshire' on 2018-03-31 -> E10000002 and on 2021-03-31 -> E06000060. A name that is not known,
    or not valid on that date, or that could mean two authorities on that date, raises GeographyError.
    `source` (the file the name came from) is quoted in the error.
    """
    geography = load_geography(files)
    where = f" (in {source})" if source else ""
    if name is None or not str(name).strip():
        raise GeographyError(f"blank LA name{where}")
    if isinstance(on_date, datetime):
        on_date = on_date.date()
    key = name_key(str(name))
    candidates = geography.names.get(key)
    if not candidates:
        raise GeographyError(
            f"LA name {name!r}{where} is not an English upper-tier authority: looked up as {key!r} among the "
            f"names in {geography.files.ons_utla.name}, {geography.files.ons_la.name}, "
            f"{geography.files.mysociety_authorities.name}, {geography.files.mysociety_names.name}, "
            f"{geography.files.reorganisations.name} and {geography.files.name_aliases.name}"
        )
    rows = [geography.by_code[code] for code, _ in candidates]
    if on_date is None:
        valid = [row for row in rows if row["end_date"] is None]
        when = "now"
    else:
        valid = [row for row in rows if _valid_on(row, on_date)]
        when = f"on {on_date.isoformat()}"
    tried = "; ".join(f"{row['la_code']} {row['la_name']} ({_period(row)})" for row in rows)
    if not valid:
        raise GeographyError(f"LA name {name!r}{where} matches no authority in existence {when}: {tried}")
    if len(valid) > 1:
        raise GeographyError(f"LA name {name!r}{where} is ambiguous {when}: {tried}")
    row = valid[0]
    return LaMatch(row["la_code"], row["la_name"], row["region_code"], row["region_name"])


def map_la_names(
    frame: pl.DataFrame,
    name_column: str,
    date_column: str | None = None,
    *,
    on_date: date | None = None,
    source: str = "",
    files: GeoFiles,
) -> pl.DataFrame:
    """Add new_la_code, la_name, region_code, region_name for the LA names in `name_column`.

    Each row's date comes from `date_column` (Date or Datetime), else `on_date` for every row (else now).
    Each distinct (name, date) is looked up once with la_code_for_name, then joined back, so the frame can be
    large. Null or blank names give null codes (a published blank stays blank); any other name that cannot
    be mapped raises GeographyError. The original name column is kept.
    """
    added = ["new_la_code", "la_name", "region_code", "region_name"]
    clash = [c for c in added if c in frame.columns]
    if clash:
        raise ValueError(f"map_la_names adds {added}; the frame already has {clash}")
    if date_column is not None:
        if date_column not in frame.columns:
            raise ValueError(f"no column {date_column!r}")
        dates = pl.col(date_column).cast(pl.Date)
    else:
        dates = pl.lit(on_date, dtype=pl.Date)
    keyed = frame.with_columns(
        pl.col(name_column).cast(pl.Utf8).str.strip_chars().alias("_ffh_name"), dates.alias("_ffh_date")
    )
    pairs = (
        keyed.select("_ffh_name", "_ffh_date")
        .unique()
        .filter(pl.col("_ffh_name").is_not_null() & (pl.col("_ffh_name") != ""))
    )
    if date_column is not None and pairs["_ffh_date"].null_count():
        undated = pairs.filter(pl.col("_ffh_date").is_null())["_ffh_name"].to_list()
        raise GeographyError(
            f"LA names with no date in {date_column!r}{f' ({source})' if source else ''}: {undated[:10]}"
        )
    rows = []
    for name, day in pairs.iter_rows():
        match = la_code_for_name(name, day, source=source, files=files)
        rows.append((name, day, *match))
    lookup = pl.DataFrame(
        rows,
        schema={"_ffh_name": pl.Utf8, "_ffh_date": pl.Date, **dict.fromkeys(added, pl.Utf8)},
        orient="row",
    )
    return keyed.join(
        lookup, on=["_ffh_name", "_ffh_date"], how="left", maintain_order="left", nulls_equal=True
    ).drop("_ffh_name", "_ffh_date")


def _region_key(name: str) -> str:
    return re.sub(r"\s+", " ", name).strip().casefold()


def complete_geography(frame: pl.DataFrame, files: GeoFiles) -> pl.DataFrame:
    """Fill and check the geography of a frame in the EES layout; add current_la_code/current_la_name.

    - "Local authority" rows: new_la_code must be a known upper-tier code (else GeographyError naming the
      codes, names and source_id). region_code/region_name are set to the authority's E12 region as spelt
      in EES; a published region that disagrees raises GeographyError, except DfE's Inner/Outer London
      (E13) on London boroughs, which becomes London (E12000007) so every year of a series is alike.
      current_la_code/current_la_name: the council covering that area at 31 March 2024 (itself for current
      codes; via la_reorganisations.csv when the old area went wholly to one council; null after a split).
    - "Regional" rows: region names are put in EES spelling ('YORKSHIRE AND THE HUMBER' -> 'Yorkshire and
      The Humber'); a missing code or name is filled from the other; the SFRs' Inner/Outer London rows,
      published with code E12000007, get their E13 codes. Unknown or contradictory regions raise.
    - "National" rows are left as they are, with null current_la_*.
    """
    geography = load_geography(files)
    missing = [c for c in EES_GEOGRAPHY_COLUMNS if c not in frame.columns]
    if missing:
        raise GeographyError(f"complete_geography needs the EES geography columns; missing {missing}")
    frame = frame.drop([c for c in CURRENT_LA_COLUMNS if c in frame.columns])
    text = ["geographic_level", "region_code", "region_name", "new_la_code", "la_name"]
    frame = frame.with_columns(pl.col(c).cast(pl.Utf8) for c in text)
    described = "source_id" if "source_id" in frame.columns else None

    levels = set(frame["geographic_level"].unique().to_list()) - {
        "National",
        "Regional",
        "Local authority",
        "Parliamentary constituency",
    }
    if levels:
        raise GeographyError(f"unexpected geographic_level values {sorted(levels, key=str)}")
    # a constituency row names the council that serves it: its council columns are checked like an LA row's
    is_la = pl.col("geographic_level").is_in(["Local authority", "Parliamentary constituency"])
    is_region = pl.col("geographic_level") == "Regional"

    # Local authority rows
    lookup = geography.authorities.select(
        pl.col("la_code").alias("new_la_code"),
        pl.col("region_code").alias("_ffh_region_code"),
        pl.col("region_name").alias("_ffh_region_name"),
        pl.col("current_la_code"),
        pl.col("current_la_name"),
    )
    la_pairs = (
        frame.filter(is_la)
        .select(["new_la_code", "la_name", "region_code"] + ([described] if described else []))
        .unique()
    )
    unknown = la_pairs.join(lookup, on="new_la_code", how="anti")
    if unknown.height:
        raise GeographyError(
            "LA codes not known as English upper-tier authorities (tried "
            f"{geography.files.ons_utla.name}, {geography.files.ons_la.name}, {geography.files.reorganisations.name}): "
            + "; ".join(
                str(row) for row in unknown.unique().sort(unknown.columns, nulls_last=True).rows()[:20]
            )
            + ". If a council was created or re-coded, add it to data/reference/la_reorganisations.csv (and a "
            "map cell to data/reference/hexmap_cells.csv); if the code is a typo in the file, record a "
            "correction in data/reference/corrections.csv"
        )
    checked = la_pairs.join(lookup, on="new_la_code", how="left").filter(
        pl.col("region_code").is_not_null()
        & (pl.col("region_code") != pl.col("_ffh_region_code"))
        & ~(
            pl.col("region_code").is_in(list(LONDON_SUBREGIONS))
            & (pl.col("_ffh_region_code") == LONDON_REGION_CODE)
        )
    )
    if checked.height:
        raise GeographyError(
            "published region disagrees with the ONS region of the LA: "
            + "; ".join(
                f"{r['new_la_code']} {r['la_name']} published {r['region_code']}, ONS {r['_ffh_region_code']}"
                + (f" ({r[described]})" if described else "")
                for r in checked.iter_rows(named=True)
            )
        )

    # Regional rows
    canonical = {
        _region_key(name): (code, name)
        for code, name in geography.regions.select("region_code", "region_name").iter_rows()
    }
    names_by_code = dict(geography.regions.select("region_code", "region_name").iter_rows())
    region_pairs = frame.filter(is_region).select("region_code", "region_name").unique()
    fixes = []
    for code, name in region_pairs.iter_rows():
        if name is not None:
            if _region_key(name) not in canonical:
                raise GeographyError(
                    f"unknown region name {name!r} (code {code!r}); known: {sorted(names_by_code.values())}"
                )
            good_code, good_name = canonical[_region_key(name)]
            if (
                code is not None
                and code != good_code
                and not (code == LONDON_REGION_CODE and good_code in LONDON_SUBREGIONS)
            ):
                raise GeographyError(f"region {name!r} published with code {code!r}, expected {good_code!r}")
        elif code in names_by_code:
            good_code, good_name = code, names_by_code[code]
        else:
            raise GeographyError(f"unknown region code {code!r} with no name")
        fixes.append((code, name, good_code, good_name))
    region_lookup = pl.DataFrame(
        fixes,
        schema={"region_code": pl.Utf8, "region_name": pl.Utf8, "_ffh_rcode": pl.Utf8, "_ffh_rname": pl.Utf8},
        orient="row",
    ).with_columns(pl.lit("Regional").alias("geographic_level"))

    out = frame.join(lookup, on="new_la_code", how="left", maintain_order="left").join(
        region_lookup,
        on=["geographic_level", "region_code", "region_name"],
        how="left",
        maintain_order="left",
        nulls_equal=True,
    )
    out = out.with_columns(
        pl.when(is_la)
        .then(pl.col("_ffh_region_code"))
        .when(is_region)
        .then(pl.col("_ffh_rcode"))
        .otherwise(pl.col("region_code"))
        .alias("region_code"),
        pl.when(is_la)
        .then(pl.col("_ffh_region_name"))
        .when(is_region)
        .then(pl.col("_ffh_rname"))
        .otherwise(pl.col("region_name"))
        .alias("region_name"),
        pl.when(is_la).then(pl.col("current_la_code")).alias("current_la_code"),
        pl.when(is_la).then(pl.col("current_la_name")).alias("current_la_name"),
    ).drop("_ffh_region_code", "_ffh_region_name", "_ffh_rcode", "_ffh_rname")
    # current_la_* straight after the last EES geography column (EES files put new_la_code after la_name)
    rest = [c for c in out.columns if c not in CURRENT_LA_COLUMNS]
    position = max(rest.index(c) for c in EES_GEOGRAPHY_COLUMNS) + 1
    return out.select(rest[:position] + CURRENT_LA_COLUMNS + rest[position:])


# --------------------------------------------------------------------------------------------------
# Ofsted LA names


def ofsted_la_names_in_file(path: Path, source: str = "", *, sheet: str | None = None) -> set[str]:
    """Every non-blank LA name in an Ofsted file's 'Local authority' (2014: 'LA') column.

    The file is a CSV export or, with `sheet` (a pattern matched against sheet names), a sheet of an ODS/XLSX
    workbook (tables.read_rows). The header is the first of the top ten rows holding such a column (title rows
    sit above it from 2022, a super-header from 2016 to 2021). A file without the column raises ParseError, and
    so does a row with a cell too few or too many, or the header repeated below itself.
    """
    table = read_rows(Path(path), source or "ofsted", sheet=sheet)
    header_index = table.find_header([("Local authority", "LA")], within=10, check="LA name column")
    cells = [normalise_name(cell) for cell in table.rows[header_index]]
    column = cells.index("local authority") if "local authority" in cells else cells.index("la")
    return {row[column].strip() for _, row in table.data_rows(header_index) if row[column].strip()}


# --------------------------------------------------------------------------------------------------
# Hex map and centroids


def hex_neighbours(q: int, r: int) -> set[tuple[int, int]]:
    """The six cells next to (q, r) in an odd-r hex layout (odd rows shifted right by half a cell)."""
    if r % 2:
        return {(q - 1, r), (q + 1, r), (q, r - 1), (q + 1, r - 1), (q, r + 1), (q + 1, r + 1)}
    return {(q - 1, r), (q + 1, r), (q - 1, r - 1), (q, r - 1), (q - 1, r + 1), (q, r + 1)}


def hex_cells(files: GeoFiles) -> pl.DataFrame:
    """One hex cell per current authority: la_code, la_name, q, r (odd-r), region_code.

    Cells come from the Open Innovations hexjson (2019-era codes) except those in
    data/reference/hexmap_cells.csv, where the project placed the authorities created since and moved the
    few neighbours that had to make room. Raises GeographyError if a current authority has no cell, two
    share a cell, or a hexjson authority is neither current nor replaced by a row of the table.
    """
    geography = load_geography(files)
    files = geography.files
    hexjson = read_hexjson(files.hexmap)
    placed = read_hexmap_cells(files.hexmap_cells)
    current = geography.authorities.filter(pl.col("is_current"))
    replaced = set(placed["replaces_hexjson_code"].drop_nulls())
    stale = set(hexjson["la_code"]) - set(current["la_code"]) - replaced
    if stale:
        raise GeographyError(
            f"{files.hexmap.name} codes neither current nor replaced in {files.hexmap_cells.name}: {sorted(stale)}"
        )
    names = dict(current.select("la_code", "la_name").iter_rows())
    misnamed = [r for r in placed.select("la_code", "la_name").iter_rows() if names.get(r[0], r[1]) != r[1]]
    if misnamed:
        raise GeographyError(f"{files.hexmap_cells.name}: la_name differs from the ONS name for {misnamed}")
    not_current = set(placed["la_code"]) - set(current["la_code"])
    if not_current:
        raise GeographyError(
            f"{files.hexmap_cells.name} places authorities that are not current: {sorted(not_current)}"
        )
    cells = pl.concat(
        [
            hexjson.filter(~pl.col("la_code").is_in(set(placed["la_code"]) | replaced)).select(
                "la_code", "q", "r"
            ),
            placed.select("la_code", "q", "r"),
        ]
    )
    out = current.select("la_code", "la_name", "region_code").join(cells, on="la_code", how="left")
    without = out.filter(pl.col("q").is_null())["la_code"].to_list()
    if without:
        raise GeographyError(
            f"current authorities with no hex cell in {files.hexmap.name} or {files.hexmap_cells.name}: {without}"
        )
    shared = out.filter(pl.struct("q", "r").is_duplicated()).sort("q", "r")
    if shared.height:
        raise GeographyError(f"authorities sharing a hex cell: {shared.rows()}")
    return out.select("la_code", "la_name", "q", "r", "region_code").sort("la_code")


def centroids(files: GeoFiles) -> pl.DataFrame:
    """Centroid (lat, long) of each current authority, from the mySociety file."""
    geography = load_geography(files)
    mysociety = read_mysociety_authorities(geography.files.mysociety_authorities)
    points = mysociety.select(
        pl.col("gss-code").alias("la_code"),
        pl.col("lat").cast(pl.Float64),
        pl.col("long").cast(pl.Float64),
    ).filter(pl.col("la_code").is_not_null())
    current = geography.authorities.filter(pl.col("is_current")).select("la_code")
    out = current.join(points.unique("la_code"), on="la_code", how="left")
    missing = out.filter(pl.col("lat").is_null() | pl.col("long").is_null())["la_code"].to_list()
    if missing:
        raise GeographyError(f"no centroid in {geography.files.mysociety_authorities.name} for {missing}")
    return out.sort("la_code")


def known_la_codes(files: GeoFiles) -> set[str]:
    """Every upper-tier code complete_geography accepts."""
    return set(upper_tier_authorities(files)["la_code"])


def describe_codes(codes: Iterable[str], files: GeoFiles) -> pl.DataFrame:
    """The upper_tier_authorities rows for some codes (for error messages and notebooks)."""
    return upper_tier_authorities(files).filter(pl.col("la_code").is_in(list(codes)))
