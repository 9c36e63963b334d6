"""Ofsted children's social care provider lists: every year's layout read into one canonical shape.

Files (data/sources.csv, `ofsted-*`):
- `provider-level-YYYY-MM-DD.csv` (31 March 2015-2024, 31 August 2023): one row per provider with its latest
  full inspection. CSV exports of spreadsheets: title rows above the header from 2022, a "Provider information /
  Latest Full Inspection" super-header row in 2016-2021, trailing empty columns, cp1252 in 2022 and 2024.
- `providers-places-YYYY-MM-DD.csv` (30 September 2014, 31 March 2018, 31 August 2023 and 2024): every active
  provider with its places, no inspection judgements.
- `joiners-leavers-YYYY-YY.csv` (2016-17 to 2022-23): homes registered or closed during the year.

Ofsted publishes these lists as sheets of an ODS workbook ("Children's social care data in England 2025": sheets
`Provider_level_at_31_Mar_2025`, `Providers+places_at_31_Mar_2025`, `Leavers+Joiners_at_31_Mar_2025`, ...,
each table at A4 under title rows, some header cells starting with a newline). Where a file's manifest row names
a `sheet` (a regular expression matched against the sheet names), the readers read that sheet of an ODS or XLSX
workbook instead of a CSV export; rows, record numbers and checks are the same (analysis/sources/tables.py).

Drift is data, in data/reference (read through the run's reference folder, `SourceFiles.reference_dir`):
- `ofsted_columns.csv`: every published column name of each family's files (`family`: a family of
  source_families.csv, or `*` for every Ofsted family), read as a canonical column (`role` read; `required`
  yes where every file of the family must have it) or known and not used (`role` ignored). A header cell not
  listed stops the run naming the file, the column and the table; so does a required column missing.
- `ofsted_labels.csv`: every published value of the category columns (provision type, sector, short breaks,
  registration status, inspection type, overall judgement, joiner and leaver status), compared after
  normalise_label and case-insensitively, and what it maps to: a children's home type (empty: another kind of
  provider), a children's home sector (empty: known, never a home's), true/false, or the canonical spelling of
  the framework's word. An unknown value stops the run naming the file, the record (URN), the value and the
  table.
The header row is found by its content (the first row naming one of the published names of URN, provision type
and local authority), never by a per-year line number. Nothing is read by guesswork. The canonical names the code
relies on (the three children's home types, the four home sectors, the canonical columns) are constants here; a
table row mapping to anything else is refused when the tables are loaded, naming the table and the line.
"""

from __future__ import annotations

import csv
from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import date
from functools import lru_cache
from pathlib import Path

import polars as pl

from analysis.errors import ParseError
from analysis.layout import normalise_label
from analysis.manifest import families_path, load_families
from analysis.sources import tables

# --------------------------------------------------------------------------------------------------------------
# Which files hold lists of homes at a date
# --------------------------------------------------------------------------------------------------------------

PROVIDER_LEVEL = "provider_level"
PROVIDERS_PLACES = "providers_and_places"

SNAPSHOT_KIND_LABELS = {
    PROVIDER_LEVEL: "Provider-level list: providers with their latest full inspection",
    PROVIDERS_PLACES: "Providers and places: all registered providers and their places",
}

# Families (data/reference/source_families.csv) of the lists of providers at a date, and which kind of list each
# is. Where both kinds exist for a date, the providers-and-places list is used (every registered home).
PROVIDERS_PLACES_FAMILY = "ofsted:providers_places"
PROVIDER_LEVEL_FAMILY = "ofsted:provider_level"
JOINERS_LEAVERS_FAMILY = "ofsted:joiners_leavers"
SNAPSHOT_FAMILIES: dict[str, str] = {
    PROVIDERS_PLACES_FAMILY: PROVIDERS_PLACES,
    PROVIDER_LEVEL_FAMILY: PROVIDER_LEVEL,
}


@dataclass(frozen=True)
class OfstedSnapshotFile:
    """One Ofsted list of providers at a date: which source, what kind of list, as at which date."""

    source_id: str
    kind: str
    snapshot_date: date


def snapshot_file(file) -> OfstedSnapshotFile:
    """The kind and date of a provider list, from its manifest row (family and reference_period, after any
    correction of a wrongly labelled date)."""
    source = file.source
    if source.family not in SNAPSHOT_FAMILIES:
        raise ValueError(f"{source.source_id!r} (family {source.family}) is not an Ofsted list at a date")
    return OfstedSnapshotFile(source.source_id, SNAPSHOT_FAMILIES[source.family], source.as_at)


# --------------------------------------------------------------------------------------------------------------
# The drift tables: data/reference/ofsted_columns.csv and ofsted_labels.csv
# --------------------------------------------------------------------------------------------------------------

COLUMNS_TABLE = "data/reference/ofsted_columns.csv"
LABELS_TABLE = "data/reference/ofsted_labels.csv"
_COLUMNS_FILE = "ofsted_columns.csv"
_LABELS_FILE = "ofsted_labels.csv"
_COLUMNS_HEADER = ["family", "column", "published_as", "role", "required", "note"]
_LABELS_HEADER = ["family", "column", "label", "maps_to", "note"]
EVERY_FAMILY = "*"
READ = "read"
IGNORED = "ignored"
REQUIRED = "yes"
TRUE = "true"
FALSE = "false"

# The canonical columns the readers know: what a published column may be read as (ofsted_columns.csv `column`).
CANONICAL_COLUMNS = (
    "urn",
    "provision_type",
    "registration_status",
    "registration_date",
    "region_name_published",
    "la_name_published",
    "sector",
    "places",
    "short_break_only",
    "multi_building",
    "owner_name_published",
    "latest_inspection_type",
    "latest_inspection_date",
    "latest_overall_judgement",
    "joiner_status",
    "leaver_status",
    "pcon_name_published",
)
# The header is the first row (of the first HEADER_SEARCH_ROWS, below any title rows) naming one published name
# of each of these columns.
HEADER_COLUMNS = ("urn", "provision_type", "la_name_published")
HEADER_SEARCH_ROWS = tables.HEADER_SEARCH_ROWS

CHILDRENS_HOME = "Children's home"
SECURE_CHILDRENS_HOME = "Secure children's home"
RSS_CHILDRENS_HOME = "Residential special school (registered as a children's home)"
CHILDRENS_HOME_TYPES = (CHILDRENS_HOME, SECURE_CHILDRENS_HOME, RSS_CHILDRENS_HOME)
# The sectors of children's homes, in the order the datasets list them.
HOME_SECTORS = ("Local authority", "Private", "Voluntary", "Health authority")


@dataclass(frozen=True)
class LabelColumn:
    """A column whose published values are mapped through ofsted_labels.csv.

    `maps_to`: what a label may map to; None: one of the column's own labels (as the table spells it: a canonical
    spelling of the framework's words), or empty. `boolean`: maps_to is `true` or `false`."""

    check: str
    maps_to: tuple[str, ...] | None
    meaning: str
    boolean: bool = False


LABEL_COLUMNS: dict[str, LabelColumn] = {
    "provision_type": LabelColumn(
        "known provision types",
        ("", *CHILDRENS_HOME_TYPES),
        "the children's home type it is, or empty if it is not a children's home",
    ),
    "sector": LabelColumn(
        "known sectors",
        ("", *HOME_SECTORS),
        "the children's home sector it is, or empty if no children's home may have it",
    ),
    "short_break_only": LabelColumn(
        "known short-break values", (TRUE, FALSE), "true (a short-break-only home) or false", boolean=True
    ),
    "registration_status": LabelColumn(
        "known registration statuses", None, "the status as this table spells it (empty: no status)"
    ),
    "latest_inspection_type": LabelColumn(
        "known inspection types", None, "the inspection type as this table spells it (empty: none)"
    ),
    "latest_overall_judgement": LabelColumn(
        "known overall judgements", None, "the judgement as this table spells it (empty: no judgement)"
    ),
    "joiner_status": LabelColumn(
        "known joiner status", (TRUE, FALSE), "true (joined during the year) or false", boolean=True
    ),
    "leaver_status": LabelColumn(
        "known leaver status", (TRUE, FALSE), "true (left during the year) or false", boolean=True
    ),
}


@dataclass(frozen=True)
class Layout:
    """The columns of one family's files (ofsted_columns.csv, the family's rows and the `*` rows): published
    name (compared after normalise_header) -> canonical column, known unused names, the canonical columns every
    file of the family must have, and the names as the table spells them (for the header search)."""

    family: str
    columns: Mapping[str, str]
    ignored: frozenset[str]
    required: tuple[str, ...]
    spellings: Mapping[str, tuple[str, ...]]

    def header_names(self) -> list[tuple[str, ...]]:
        return [self.spellings[canonical] for canonical in HEADER_COLUMNS]


@dataclass(frozen=True)
class Labels:
    """The label tables of one family's files (ofsted_labels.csv, the family's rows and the `*` rows):
    column -> {label compared after _key: maps_to}."""

    family: str
    columns: Mapping[str, Mapping[str, str]]

    def of(self, column: str) -> Mapping[str, str]:
        return self.columns.get(column, {})


@dataclass(frozen=True)
class Drift:
    """The two Ofsted drift tables, read once per run from the reference folder."""

    layouts: Mapping[str, Layout]  # family (or `*` alone, for a family with no rows of its own) -> layout
    labels: Mapping[str, Labels]  # the same, for the labels

    def layout(self, family: str) -> Layout:
        """The family's layout; a family with no rows of its own has the `*` rows."""
        if family in self.layouts:
            return self.layouts[family]
        layout = replace(self.layouts[EVERY_FAMILY], family=family)
        problem = _header_problem(layout)
        if problem:
            raise ValueError(f"{COLUMNS_TABLE}: {problem}")
        return layout

    def labels_of(self, family: str) -> Labels:
        """The family's label tables; a family with no rows of its own has the `*` rows."""
        return self.labels.get(family) or replace(self.labels[EVERY_FAMILY], family=family)


def normalise_header(cell: str) -> str:
    """A header cell compared across years: curly quotes, newlines and doubled spaces tidied, lower case."""
    return tables.normalise_name(cell)


def _key(value: str | None) -> str:
    """A category label compared across years: normalise_label, lower case."""
    return (normalise_label(value) or "").lower()


def _rows(path: Path, table: str, columns: list[str]) -> list[tuple[int, dict[str, str]]]:
    """(line number, row) of a reference table whose header must be `columns`."""
    with path.open(newline="", encoding="utf-8") as handle:
        reader = csv.DictReader(handle)
        if list(reader.fieldnames or []) != columns:
            raise ValueError(f"{table}: columns must be {columns}; found {reader.fieldnames}")
        return [(reader.line_num, row) for row in reader]


def _check_family(family: str, known: set[str], table: str, line: int) -> None:
    if family != EVERY_FAMILY and family not in known:
        raise ValueError(
            f"{table}, line {line}: family {family!r} is not a family of source_families.csv (or * for every one)"
        )


def _layouts(rows: list[tuple[int, dict[str, str]]], known: set[str]) -> dict[str, Layout]:
    """Every family's layout from ofsted_columns.csv: the `*` rows and the family's own."""
    for line, row in rows:
        _check_family(row["family"], known, COLUMNS_TABLE, line)
        where = f"{COLUMNS_TABLE}, line {line}"
        if not normalise_header(row["published_as"]):
            raise ValueError(f"{where}: published_as is empty")
        if row["role"] == READ:
            if row["column"] not in CANONICAL_COLUMNS:
                raise ValueError(
                    f"{where}: column {row['column']!r} is not a column the readers know {list(CANONICAL_COLUMNS)}"
                )
            if row["required"] not in (REQUIRED, ""):
                raise ValueError(f"{where}: required must be {REQUIRED!r} or empty, not {row['required']!r}")
        elif row["role"] == IGNORED:
            if row["column"] or row["required"]:
                raise ValueError(f"{where}: an ignored column has no canonical column and is not required")
        else:
            raise ValueError(f"{where}: role must be {READ!r} or {IGNORED!r}, not {row['role']!r}")
    families = sorted({row["family"] for _, row in rows} - {EVERY_FAMILY})
    layouts = {}
    for family in [EVERY_FAMILY, *families]:
        own = [(line, row) for line, row in rows if row["family"] in (EVERY_FAMILY, family)]
        seen: dict[str, int] = {}
        required: dict[str, tuple[str, int]] = {}
        columns: dict[str, str] = {}
        ignored: set[str] = set()
        spellings: dict[str, list[str]] = {}
        for line, row in own:
            name = normalise_header(row["published_as"])
            if name in seen:
                raise ValueError(
                    f"{COLUMNS_TABLE}, line {line}: {row['published_as']!r} is listed twice for family {family} "
                    f"(also line {seen[name]})"
                )
            seen[name] = line
            if row["role"] == IGNORED:
                ignored.add(name)
                continue
            canonical = row["column"]
            if canonical in required and required[canonical][0] != row["required"]:
                raise ValueError(
                    f"{COLUMNS_TABLE}, line {line}: `required` of column {canonical} for family {family} "
                    f"disagrees with line {required[canonical][1]}"
                )
            required[canonical] = (row["required"], line)
            columns[name] = canonical
            spellings.setdefault(canonical, []).append(row["published_as"])
        layout = Layout(
            family,
            columns,
            frozenset(ignored),
            tuple(c for c in CANONICAL_COLUMNS if required.get(c, ("",))[0] == REQUIRED),
            {canonical: tuple(names) for canonical, names in spellings.items()},
        )
        problem = _header_problem(layout) if family != EVERY_FAMILY else None
        if problem:
            raise ValueError(f"{COLUMNS_TABLE}: {problem}")
        layouts[family] = layout
    return layouts


def _header_problem(layout: Layout) -> str | None:
    """Why a layout's header row could not be found, if it could not: every file's header names URN, provision
    type and local authority, so each must be a required column with a published name."""
    lacking = [c for c in HEADER_COLUMNS if c not in layout.required]
    if lacking:
        return (
            f"family {layout.family} has no required published name for {lacking}: the header row is found by "
            f"its {list(HEADER_COLUMNS)}"
        )
    return None


def _labels(rows: list[tuple[int, dict[str, str]]], known: set[str]) -> dict[str, Labels]:
    """Every family's label tables from ofsted_labels.csv: the `*` rows and the family's own."""
    own_labels: dict[str, set[str]] = {}
    for line, row in rows:
        _check_family(row["family"], known, LABELS_TABLE, line)
        if row["column"] not in LABEL_COLUMNS:
            raise ValueError(
                f"{LABELS_TABLE}, line {line}: column {row['column']!r} has no labels (one of {list(LABEL_COLUMNS)})"
            )
        own_labels.setdefault(row["column"], set()).add(_key(row["label"]))
    for line, row in rows:
        spec = LABEL_COLUMNS[row["column"]]
        maps_to = row["maps_to"]
        allowed = (
            maps_to in spec.maps_to
            if spec.maps_to is not None
            else (maps_to == "" or _key(maps_to) in own_labels[row["column"]])
        )
        if not allowed:
            expected = (
                f"one of {list(spec.maps_to)}"
                if spec.maps_to is not None
                else "empty or one of the column's own labels (the canonical spelling of a published word)"
            )
            raise ValueError(
                f"{LABELS_TABLE}, line {line}: {row['column']} label {row['label']!r} maps to {maps_to!r}; "
                f"maps_to must be {expected}"
            )
    families = sorted({row["family"] for _, row in rows} - {EVERY_FAMILY})
    labels: dict[str, Labels] = {}
    for family in [EVERY_FAMILY, *families]:
        seen: dict[tuple[str, str], int] = {}
        columns: dict[str, dict[str, str]] = {}
        for line, row in rows:
            if row["family"] not in (EVERY_FAMILY, family):
                continue
            key = (row["column"], _key(row["label"]))
            if key in seen:
                raise ValueError(
                    f"{LABELS_TABLE}, line {line}: {row['column']} label {row['label']!r} is listed twice for "
                    f"family {family} (also line {seen[key]})"
                )
            seen[key] = line
            columns.setdefault(row["column"], {})[key[1]] = row["maps_to"]
        labels[family] = Labels(family, columns)
    return labels


@lru_cache(maxsize=4)
def _load_drift(reference_dir: str, stamp: tuple[tuple[int, int], ...]) -> Drift:
    root = Path(reference_dir)
    known = set(load_families(families_path(root)))
    layouts = _layouts(_rows(root / _COLUMNS_FILE, COLUMNS_TABLE, _COLUMNS_HEADER), known)
    labels = _labels(_rows(root / _LABELS_FILE, LABELS_TABLE, _LABELS_HEADER), known)
    return Drift(layouts, labels)


def drift(reference_dir: Path) -> Drift:
    """The Ofsted drift tables in `reference_dir` (cached while the files are unchanged: same time of last change
    and size)."""
    root = Path(reference_dir)
    stats = [(root / name).stat() for name in (_COLUMNS_FILE, _LABELS_FILE, families_path(root).name)]
    stamp = tuple((stat.st_mtime_ns, stat.st_size) for stat in stats)
    return _load_drift(str(root), stamp)


URN_PATTERN = r"^(SC\d{6}|\d{7})$"
_DATE_PATTERN = r"^\d{2}/\d{2}/\d{4}$"


# --------------------------------------------------------------------------------------------------------------
# Reading
# --------------------------------------------------------------------------------------------------------------


def decode_text(raw: bytes, source_id: str, file_name: str) -> str:
    """A CSV export's text: UTF-8 (with or without a byte order mark), Windows-1252 (the 2022 and 2024 provider
    lists) or UTF-16 with a byte order mark (tables.decode)."""
    return tables.decode(raw, source_id, file_name)[0]


def find_header_row(rows: list[list[str]], layout: Layout, source_id: str, file_name: str) -> int:
    """Index of the header row: the first row naming URN, provision type and local authority (any of the
    published names the layout lists for them). Not found: ParseError naming the table to edit."""
    try:
        return tables.find_header_row(
            rows, layout.header_names(), source_id, file_name, within=HEADER_SEARCH_ROWS
        )
    except ParseError as error:
        raise ParseError(
            error.source_id,
            error.file,
            error.check,
            f"{error.detail} (the published names of {list(HEADER_COLUMNS)} in {COLUMNS_TABLE}, family "
            f"{layout.family}: a renamed column is added there)",
        ) from error


def map_columns(header: list[str], layout: Layout, source_id: str, file_name: str) -> dict[int, str]:
    """Column position -> canonical name for the columns used; raises on any unknown or repeated column."""
    mapping: dict[int, str] = {}
    unknown = []
    for position, cell in enumerate(header):
        name = normalise_header(cell)
        if not name:
            continue  # checked by the caller: an unnamed column must be empty
        if name in layout.columns:
            canonical = layout.columns[name]
            if canonical in mapping.values():
                raise ParseError(
                    source_id, file_name, "one column per canonical name", f"two columns map to {canonical!r}"
                )
            mapping[position] = canonical
        elif name not in layout.ignored:
            unknown.append(cell)
    if unknown:
        raise ParseError(
            source_id,
            file_name,
            "known column names",
            f"unknown column(s) {unknown}: add each to {COLUMNS_TABLE} (family {layout.family}), role read with "
            "the canonical column it holds if it is a renamed column, or role ignored if it is not used",
        )
    missing = [c for c in layout.required if c not in mapping.values()]
    if missing:
        raise ParseError(
            source_id,
            file_name,
            "required columns present",
            f"missing {missing}: a column renamed or dropped (required in {COLUMNS_TABLE}, family {layout.family})",
        )
    return mapping


def read_provider_list(file, reference_dir: Path) -> pl.DataFrame:
    """Every provider row of an Ofsted list, canonical column names (ofsted_columns.csv, the file's family), all
    values as published text.

    `file` is a fetched file with its manifest row (analysis.datasets.SourceFile): a CSV export or, where the
    row names a `sheet` (a regular expression matched against the sheet names, e.g.
    "^Provider_level_at_31_Mar_[0-9]{4}$"), one sheet of Ofsted's ODS/XLSX workbook: see tables.read_rows.
    Adds `file_row` (1-based number of the CSV record, or of the sheet's row, for tracing a value back). Wholly
    empty rows (spreadsheet padding) are dropped; a row with a cell too few or too many, the header repeated
    below itself, no data row, or a row without a URN raises ParseError.
    """
    return _read_provider_table(file, drift(reference_dir).layout(file.source.family))[0]


def _read_provider_table(file, layout: Layout) -> tuple[pl.DataFrame, str]:
    """read_provider_list's frame, and the name errors give the file (with the sheet, for a workbook)."""
    source_id = file.source.source_id
    table = tables.read_rows(file.path, source_id, sheet=file.source.sheet or None)
    name = table.file_name
    header_index = find_header_row(table.rows, layout, source_id, name)
    header = table.rows[header_index]
    mapping = map_columns(header, layout, source_id, name)
    unnamed = [i for i, cell in enumerate(header) if not normalise_header(cell)]

    records: dict[str, list[str | None]] = {canonical: [] for canonical in mapping.values()}
    file_rows: list[int] = []
    for record, row in table.data_rows(header_index):
        filled = [i for i in unnamed if row[i].strip()]
        if filled:
            raise ParseError(
                source_id,
                name,
                "unnamed columns are empty",
                f"record {record} has a value in column {filled[0] + 1}",
            )
        for position, canonical in mapping.items():
            records[canonical].append(row[position])
        file_rows.append(record)
    frame = pl.DataFrame(records, schema={canonical: pl.Utf8 for canonical in records}).with_columns(
        pl.Series("file_row", file_rows, dtype=pl.Int64)
    )
    blank_urn = frame.filter(pl.col("urn").str.strip_chars() == "")
    if blank_urn.height:
        raise ParseError(
            source_id, name, "every provider has a URN", f"record {blank_urn['file_row'][0]} has no URN"
        )
    return frame, name


# --------------------------------------------------------------------------------------------------------------
# Category values: ofsted_labels.csv
# --------------------------------------------------------------------------------------------------------------


def _record(frame: pl.DataFrame, index: int = 0) -> str:
    """'record 12 (URN SC123456)': where a row of a provider frame is in its file."""
    return f"record {frame['file_row'][index]} (URN {frame['urn'][index].strip()})"


def map_labels(frame: pl.DataFrame, column: str, labels: Labels, source_id: str, file_name: str) -> pl.Series:
    """A text column mapped through its table in ofsted_labels.csv (labels compared after normalise_label,
    case-insensitively): booleans for a true/false column, else the canonical text, null for an empty maps_to.
    Any label not in the table raises ParseError naming each unknown value, its first record (and URN) and the
    table to edit."""
    spec = LABEL_COLUMNS[column]
    table = labels.of(column)
    values = frame[column].fill_null("")
    published = values.unique(maintain_order=True).to_list()
    unknown = [value for value in published if _key(value) not in table]
    if unknown:
        first = frame.with_columns(values.alias(column)).filter(pl.col(column).is_in(unknown))
        first = first.unique(column, keep="first", maintain_order=True)
        where = "; ".join(
            f"{first[column][i]!r} first at {_record(first, i)}" for i in range(min(first.height, 10))
        )
        more = f" and {first.height - 10} more" if first.height > 10 else ""
        raise ParseError(
            source_id,
            file_name,
            spec.check,
            f"unexpected {column} value(s): {where}{more}. Add each to {LABELS_TABLE}, column {column} (family "
            f"{labels.family}, or * for every Ofsted list), with maps_to {spec.meaning}",
        )
    if spec.boolean:
        mapping: dict[str, bool | str | None] = {value: table[_key(value)] == TRUE for value in published}
        dtype = pl.Boolean
    else:
        mapping = {value: table[_key(value)] or None for value in published}
        dtype = pl.Utf8
    return values.replace_strict(mapping, return_dtype=dtype)


def _map_optional(
    frame: pl.DataFrame, column: str, labels: Labels, source_id: str, file_name: str
) -> pl.Series | pl.Expr:
    """map_labels for a column a year's file may not have (then null)."""
    dtype = pl.Boolean if LABEL_COLUMNS[column].boolean else pl.Utf8
    if frame[column].null_count() == frame.height:
        return pl.lit(None, dtype=dtype)
    return map_labels(frame, column, labels, source_id, file_name)


def _parse_dates(frame: pl.DataFrame, column: str, source_id: str, file_name: str) -> pl.Expr:
    text = pl.col(column).str.strip_chars()
    bad = frame.filter((text != "") & ~text.str.contains(_DATE_PATTERN))
    if bad.height:
        raise ParseError(
            source_id,
            file_name,
            f"{column} is a dd/mm/yyyy date",
            f"{_record(bad)}: {bad[column][0]!r}",
        )
    return pl.when(text == "").then(None).otherwise(text).str.strptime(pl.Date, "%d/%m/%Y", strict=True)


# --------------------------------------------------------------------------------------------------------------
# Children's homes
# --------------------------------------------------------------------------------------------------------------


def childrens_homes_only(
    providers: pl.DataFrame, labels: Labels, source_id: str, file_name: str
) -> pl.DataFrame:
    """The rows whose provision type is a children's home (ofsted_labels.csv: maps_to a children's home type),
    with `provision_type` canonical. Every provision type must be in the table (a children's home or, with an
    empty maps_to, another kind of provider): a new kind of children's home must not drop out silently."""
    provision_type = map_labels(providers, "provision_type", labels, source_id, file_name)
    homes = providers.with_columns(provision_type.alias("provision_type")).filter(
        pl.col("provision_type").is_not_null()
    )
    if homes.is_empty():
        raise ParseError(source_id, file_name, "children's homes present", "no row is a children's home")
    return homes


def _check_urns(homes: pl.DataFrame, source_id: str, name: str) -> pl.Series:
    urns = homes["urn"].str.strip_chars()
    bad_urn = homes.filter(~urns.str.contains(URN_PATTERN))
    if bad_urn.height:
        raise ParseError(
            source_id, name, "URN format", f"record {bad_urn['file_row'][0]}: {bad_urn['urn'][0]!r}"
        )
    duplicated = urns.filter(urns.is_duplicated()).unique().sort().to_list()
    if duplicated:
        raise ParseError(source_id, name, "one row per URN", f"URN(s) listed twice: {duplicated[:5]}")
    return urns


def _check_places(homes: pl.DataFrame, source_id: str, name: str, *, blank_allowed: bool) -> pl.Expr:
    """The places column as whole numbers (blank: null where allowed); raises on anything else."""
    places_text = pl.col("places").str.strip_chars()
    whole = places_text.str.contains(r"^\d+$")
    bad = homes.filter(
        (places_text.is_not_null() & (places_text != "") & ~whole) if blank_allowed else ~whole
    )
    if bad.height:
        raise ParseError(source_id, name, "places is a whole number", f"{_record(bad)}: {bad['places'][0]!r}")
    return pl.when(places_text == "").then(None).otherwise(places_text).cast(pl.Int64)


def _check_home_sectors(homes: pl.DataFrame, sector: pl.Expr, source_id: str, name: str) -> None:
    """Every home's sector is a children's home sector: a sector whose maps_to is empty is known, but never a
    children's home's so far."""
    not_home = homes.filter(sector.is_null())
    if not_home.height:
        raise ParseError(
            source_id,
            name,
            "children's home sectors",
            f"{_record(not_home)}: {not_home['sector'][0]!r} is not a children's home sector ({LABELS_TABLE}, "
            "column sector, maps_to empty)",
        )


def parse_homes(file, reference_dir: Path) -> pl.DataFrame:
    """The children's homes (all three registration types) of one Ofsted list, one row per home, typed.

    Columns: snapshot_date, snapshot_kind, urn, provision_type, short_break_only, sector, owner_name_published,
    registration_status, registration_date, latest_inspection_type, latest_inspection_date,
    latest_overall_judgement, la_name_published, region_name_published, places, file_row, source_id.
    Columns a year's file does not have are null (e.g. places in 2015, owner before 2018).

    `file` is a fetched list with its manifest row (analysis.datasets.SourceFile): the list's date and kind come
    from the row (`snapshot_file`), and so does the workbook sheet to read, if any (read_provider_list). Column
    names and category labels are read through the drift tables of `reference_dir` (ofsted_columns.csv,
    ofsted_labels.csv).
    """
    snapshot = snapshot_file(file)
    source_id, family = file.source.source_id, file.source.family
    reference = drift(reference_dir)
    labels = reference.labels_of(family)
    providers, name = _read_provider_table(file, reference.layout(family))

    homes = childrens_homes_only(providers, labels, source_id, name)

    for optional in (
        "region_name_published",
        "places",
        "registration_date",
        "registration_status",
        "short_break_only",
        "multi_building",
        "owner_name_published",
        "latest_inspection_type",
        "latest_inspection_date",
        "latest_overall_judgement",
    ):
        if optional not in homes.columns:
            homes = homes.with_columns(pl.lit(None, dtype=pl.Utf8).alias(optional))

    urns = _check_urns(homes, source_id, name)
    places = _check_places(homes, source_id, name, blank_allowed=True)

    def mapped(column: str) -> pl.Expr:
        return _map_optional(homes, column, labels, source_id, name)

    sector = map_labels(homes, "sector", labels, source_id, name)
    judgement = mapped("latest_overall_judgement")
    short_break = mapped("short_break_only")
    status = mapped("registration_status")
    inspection_type = mapped("latest_inspection_type")
    _check_home_sectors(homes, sector, source_id, name)
    tidy = homes.select(
        pl.lit(snapshot.snapshot_date).alias("snapshot_date"),
        pl.lit(snapshot.kind).alias("snapshot_kind"),
        urns.alias("urn"),
        pl.col("provision_type"),
        short_break.alias("short_break_only"),
        sector.alias("sector"),
        pl.col("owner_name_published")
        .map_elements(normalise_label, return_dtype=pl.Utf8)
        .replace("", None)
        .alias("owner_name_published"),
        status.alias("registration_status"),
        _parse_dates(homes, "registration_date", source_id, name).alias("registration_date"),
        inspection_type.alias("latest_inspection_type"),
        _parse_dates(homes, "latest_inspection_date", source_id, name).alias("latest_inspection_date"),
        judgement.alias("latest_overall_judgement"),
        pl.col("la_name_published")
        .map_elements(normalise_label, return_dtype=pl.Utf8)
        .alias("la_name_published"),
        pl.col("region_name_published")
        .map_elements(normalise_label, return_dtype=pl.Utf8)
        .alias("region_name_published"),
        places.alias("places"),
        pl.col("file_row"),
        pl.lit(source_id).alias("source_id"),
    )
    blank_la = tidy.filter(pl.col("la_name_published").is_null() | (pl.col("la_name_published") == ""))
    if blank_la.height:
        raise ParseError(source_id, name, "every home has a local authority", _record(blank_la))
    return tidy.sort("urn")


# --------------------------------------------------------------------------------------------------------------
# Joiners and leavers: homes registered (joined) and closed (left) during the year to 31 March
# --------------------------------------------------------------------------------------------------------------


def parse_joiners_leavers(file, reference_dir: Path) -> pl.DataFrame:
    """Children's homes that joined (were registered) or left (closed, resigned, cancelled) during the year.

    Columns: year_end_date, urn, provision_type, sector, places, joined, left, la_name_published,
    region_name_published, file_row, source_id. A home can both join and leave in one year. Every row must be a
    joiner or a leaver; places must be whole numbers. `file` is a fetched joiners-and-leavers list with its
    manifest row: `year_end` is the last day of the row's reference period, and the row names the workbook
    sheet to read, if any (e.g. "^Leavers[+]Joiners_at_31_Mar_[0-9]{4}$"). Column names and labels are read
    through the drift tables of `reference_dir`.
    """
    source = file.source
    if source.family != JOINERS_LEAVERS_FAMILY:
        raise ValueError(
            f"{source.source_id!r} (family {source.family}) is not an Ofsted joiners-leavers list"
        )
    source_id, family, year_end = source.source_id, source.family, source.period[1]
    reference = drift(reference_dir)
    labels = reference.labels_of(family)
    providers, name = _read_provider_table(file, reference.layout(family))
    homes = childrens_homes_only(providers, labels, source_id, name)
    if "region_name_published" not in homes.columns:
        homes = homes.with_columns(pl.lit(None, dtype=pl.Utf8).alias("region_name_published"))
    urns = _check_urns(homes, source_id, name)
    places = _check_places(homes, source_id, name, blank_allowed=False)
    sector = map_labels(homes, "sector", labels, source_id, name)
    joined = map_labels(homes, "joiner_status", labels, source_id, name)
    left = map_labels(homes, "leaver_status", labels, source_id, name)
    tidy = homes.select(
        pl.lit(year_end).alias("year_end_date"),
        urns.alias("urn"),
        pl.col("provision_type"),
        sector.alias("sector"),
        places.alias("places"),
        joined.alias("joined"),
        left.alias("left"),
        pl.col("la_name_published")
        .map_elements(normalise_label, return_dtype=pl.Utf8)
        .alias("la_name_published"),
        pl.col("region_name_published")
        .map_elements(normalise_label, return_dtype=pl.Utf8)
        .alias("region_name_published"),
        pl.col("file_row"),
        pl.lit(source_id).alias("source_id"),
    )
    neither = homes.filter(~joined & ~left)
    if neither.height:
        raise ParseError(source_id, name, "every row is a joiner or a leaver", _record(neither))
    _check_home_sectors(homes, sector, source_id, name)
    return tidy.sort("urn")
