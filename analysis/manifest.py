r"""The source manifest (data/sources.csv) and the table of source families (data/reference/source_families.csv).

Each manifest row is one upstream file, and says what it is:

- `family`: which table it is (`ees:la_cla_on_31_march_la_of_placement_netgain`, `ofsted:provider_level`, ...).
  Datasets ask for families, never for source ids: a new release is a new row, written by
  `python -m analysis.release_watch --apply`, and needs no code change.
- `release`: a key that sorts releases of a family oldest to newest (`2024` for a DfE release; the date of an
  Ofsted list); `release_title` is how the publisher names it (the `source_release` column of every dataset).
- `reference_period`: what the file covers: `2020-2024` (years ending 31 March), `2015` (one year),
  `2024-03-31` (a list as at a date) or `2023-04-01/2024-03-31` (a period).

Other columns: publisher, publication, page_url (the publisher's page), file_name, archive_path (the file's
place in an archive of the sources laid out by publisher and release), archive_member (a member of a zip the
URL points at), sheet (a workbook sheet-name pattern), licence, locate (how production finds the file:
`ees:<publication slug>`, `govuk-content-api:<page path>`, `github:<owner/repo@commit>`), direct_url (only
when verified), expected_bytes, expected_sha256 (as last retrieved), note.

The families table says, for each family: its publisher, its kind (how releases and periods are read for a
new file: `ees`, `sfr`, `ofsted_snapshot`, `ofsted_year`, `geography`, `documentation`), whether the pipeline
reads it (`status` read | unused, with `unused_reason`), the patterns that recognise its files, and how a new
file's manifest row is written (`source_id_template`; `locate`; `licence`).

Recognising files: a family has one row per pattern. A row with a `file_pattern` only recognises a whole file
by its name (`^provider-level-\d{4}-\d{2}-\d{2}\.csv$`). A row with a `sheet_pattern` too recognises one sheet
of a workbook whose name fits its `file_pattern` (`\.(ods|xlsx)$`): a workbook is classified sheet by sheet,
and each sheet a family recognises becomes one manifest row, its `sheet` the sheet's exact name as an anchored
regular expression (`^Provider_level_at_31_Mar_2025$`). A file or sheet that two families recognise is an
error, never a guess.

`source_id_template` placeholders (SOURCE_ID_FIELDS): `{release}` (the release key: `2024`, `2024-03-31`),
`{financial_year}` (for a release that is a date, the year from 1 April holding it, as Ofsted writes it:
`2022-23` for 2023-03-31) and `{stem}` (the file name's stem in lower case with hyphens; for a workbook sheet,
the file's stem, a hyphen and the sheet name's). Ofsted's templates name the table and the release
(`ofsted-provider-level-{release}`), so a list has one id whether it came as a CSV export or as a workbook
sheet, and data/reference/corrections.csv rows keyed by that id apply to either.
"""

from __future__ import annotations

import csv
import io
import os
import re
import string
from dataclasses import asdict, dataclass, fields
from datetime import date
from pathlib import Path

from analysis import settings
from analysis.errors import FarFromHomeError

MANIFEST_COLUMNS = [
    "source_id",
    "family",
    "release",
    "release_title",
    "reference_period",
    "publisher",
    "publication",
    "page_url",
    "file_name",
    "archive_path",
    "archive_member",
    "sheet",
    "licence",
    "locate",
    "direct_url",
    "expected_bytes",
    "expected_sha256",
    "note",
]
FAMILIES_FILE = "source_families.csv"
FAMILY_COLUMNS = [
    "family",
    "publisher",
    "kind",
    "status",
    "file_pattern",
    "sheet_pattern",
    "source_id_template",
    "locate",
    "licence",
    "description",
    "unused_reason",
]
SOURCE_ID_FIELDS = ("release", "financial_year", "stem")
FAMILY_KINDS = ("ees", "sfr", "ofsted_snapshot", "ofsted_year", "geography", "documentation")
FAMILY_STATUSES = ("read", "unused")

_YEARS = re.compile(r"^(\d{4})(?:-(\d{4}))?$")
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_INTERVAL = re.compile(r"^(\d{4}-\d{2}-\d{2})/(\d{4}-\d{2}-\d{2})$")


class ManifestError(FarFromHomeError, ValueError):
    """The manifest or the families table is not as it must be: names the file, the row and the problem."""


@dataclass(frozen=True)
class Source:
    source_id: str
    family: str
    release: str
    release_title: str
    reference_period: str
    publisher: str
    publication: str
    page_url: str
    file_name: str
    archive_path: str
    archive_member: str
    sheet: str
    licence: str
    locate: str
    direct_url: str
    expected_bytes: int | None
    expected_sha256: str
    note: str

    # --- what the reference period says ------------------------------------------------------------------

    @property
    def years(self) -> list[int]:
        """The years a `YYYY` or `YYYY-YYYY` reference period covers (a DfE release: years ending 31 March)."""
        match = _YEARS.match(self.reference_period)
        if not match:
            raise ManifestError(
                f"source {self.source_id!r}: reference_period {self.reference_period!r} is not a year or a "
                "range of years (YYYY or YYYY-YYYY)"
            )
        first = int(match.group(1))
        last = int(match.group(2) or first)
        return list(range(first, last + 1))

    @property
    def as_at(self) -> date:
        """The date of a list `as at` a date (reference_period `YYYY-MM-DD`)."""
        if not _DATE.match(self.reference_period):
            raise ManifestError(
                f"source {self.source_id!r}: reference_period {self.reference_period!r} is not a date (YYYY-MM-DD)"
            )
        return date.fromisoformat(self.reference_period)

    @property
    def period(self) -> tuple[date, date]:
        """(first day, last day) of a `YYYY-MM-DD/YYYY-MM-DD` reference period."""
        match = _INTERVAL.match(self.reference_period)
        if not match:
            raise ManifestError(
                f"source {self.source_id!r}: reference_period {self.reference_period!r} is not a period "
                "(YYYY-MM-DD/YYYY-MM-DD)"
            )
        return date.fromisoformat(match.group(1)), date.fromisoformat(match.group(2))

    @property
    def release_rank(self) -> int:
        """The release as a number that sorts releases of DfE families (the reporting year)."""
        match = re.match(r"^(\d{4})", self.release)
        if not match:
            raise ManifestError(
                f"source {self.source_id!r}: release {self.release!r} does not start with a year"
            )
        return int(match.group(1))

    # names the fetch layer and discovery use
    @property
    def mirror_path(self) -> str:
        return self.archive_path

    @property
    def reporting_year(self) -> str:
        return self.release[:4]

    def as_row(self) -> dict[str, str]:
        row = {k: ("" if v is None else str(v)) for k, v in asdict(self).items()}
        return {column: row[column] for column in MANIFEST_COLUMNS}


@dataclass(frozen=True)
class Family:
    family: str
    publisher: str
    kind: str
    status: str
    file_patterns: tuple[str, ...]
    sheet_patterns: tuple[str, ...]
    # how release_watch --apply names and describes a new file of the family
    source_id_template: str
    locate: str
    licence: str
    description: str
    unused_reason: str
    # (file_pattern, sheet_pattern) of each row: an empty sheet pattern recognises a whole file by its name
    patterns: tuple[tuple[str, str], ...] = ()

    @property
    def is_read(self) -> bool:
        return self.status == "read"

    def matches_file(self, file_name: str) -> bool:
        return any(re.search(p, file_name, re.IGNORECASE) for p in self.file_patterns)

    def matches_sheet(self, sheet_name: str) -> bool:
        return any(re.search(p, sheet_name) for p in self.sheet_patterns)

    def recognises(self, file_name: str, sheet: str = "") -> bool:
        """Whether a row recognises the whole file (no `sheet`) or the workbook's sheet `sheet`."""
        for file_pattern, sheet_pattern in self.patterns:
            if not file_pattern or bool(sheet_pattern) != bool(sheet):
                continue
            if re.search(file_pattern, file_name, re.IGNORECASE) and (
                not sheet or re.search(sheet_pattern, sheet)
            ):
                return True
        return False

    def reads_sheets_of(self, file_name: str) -> bool:
        """Whether a row recognises sheets of a workbook named `file_name`."""
        return any(
            sheet_pattern and file_pattern and re.search(file_pattern, file_name, re.IGNORECASE)
            for file_pattern, sheet_pattern in self.patterns
        )


def _read_rows(path: Path) -> tuple[list[str], list[dict[str, str]]]:
    if not path.is_file():
        raise ManifestError(f"{path} does not exist")
    with path.open(newline="", encoding="utf-8") as handle:
        reader = csv.DictReader(handle)
        return list(reader.fieldnames or []), list(reader)


def load_sources(path: Path = settings.SOURCES_MANIFEST) -> dict[str, Source]:
    """The manifest, checked: the columns, unique ids, and every row's family known and period readable."""
    columns, rows = _read_rows(path)
    if columns != MANIFEST_COLUMNS:
        raise ManifestError(f"{path}: columns must be {MANIFEST_COLUMNS}; found {columns}")
    sources: dict[str, Source] = {}
    for number, row in enumerate(rows, start=2):
        try:
            values = {
                **row,
                "expected_bytes": int(row["expected_bytes"]) if row.get("expected_bytes") else None,
            }
            source = Source(**values)
        except (TypeError, ValueError) as error:
            raise ManifestError(f"{path}, line {number}: {error}") from error
        if source.source_id in sources:
            raise ManifestError(f"{path}, line {number}: source_id {source.source_id!r} appears twice")
        for column in ("family", "release", "release_title", "file_name", "archive_path"):
            if not getattr(source, column):
                raise ManifestError(f"{path}, line {number} ({source.source_id}): {column} is empty")
        sources[source.source_id] = source
    return sources


def families_path(reference_dir: Path = settings.REFERENCE_DIR) -> Path:
    return Path(reference_dir) / FAMILIES_FILE


def load_families(path: Path | None = None) -> dict[str, Family]:
    """data/reference/source_families.csv: one or more rows per family (one per file-name pattern)."""
    path = path or families_path()
    columns, rows = _read_rows(path)
    if columns != FAMILY_COLUMNS:
        raise ManifestError(f"{path}: columns must be {FAMILY_COLUMNS}; found {columns}")
    grouped: dict[str, list[dict[str, str]]] = {}
    for number, row in enumerate(rows, start=2):
        problems = []
        if row["kind"] not in FAMILY_KINDS:
            problems.append(f"kind {row['kind']!r} is not one of {FAMILY_KINDS}")
        if row["status"] not in FAMILY_STATUSES:
            problems.append(f"status {row['status']!r} is not one of {FAMILY_STATUSES}")
        if row["status"] == "unused" and not row["unused_reason"].strip():
            problems.append("an unused family needs an unused_reason")
        for column in ("file_pattern", "sheet_pattern"):
            try:
                re.compile(row[column])
            except re.error as error:
                problems.append(f"{column} is not a regular expression: {error}")
        if row["sheet_pattern"] and not row["file_pattern"]:
            problems.append("a sheet_pattern needs the file_pattern of the workbooks it is looked for in")
        problems += _template_problems(row["source_id_template"])
        if problems:
            raise ManifestError(f"{path}, line {number} ({row['family']}): " + "; ".join(problems))
        grouped.setdefault(row["family"], []).append(row)
    families = {}
    for name, group in grouped.items():
        first = group[0]
        for other in group[1:]:
            if (other["kind"], other["status"], other["publisher"]) != (
                first["kind"],
                first["status"],
                first["publisher"],
            ):
                raise ManifestError(f"{path}: rows of family {name!r} disagree on kind, status or publisher")
        families[name] = Family(
            family=name,
            publisher=first["publisher"],
            kind=first["kind"],
            status=first["status"],
            file_patterns=tuple(r["file_pattern"] for r in group if r["file_pattern"]),
            sheet_patterns=tuple(r["sheet_pattern"] for r in group if r["sheet_pattern"]),
            source_id_template=first["source_id_template"],
            locate=first["locate"],
            licence=first["licence"],
            description=first["description"],
            unused_reason=first["unused_reason"],
            patterns=tuple((r["file_pattern"], r["sheet_pattern"]) for r in group),
        )
    return families


def _template_problems(template: str) -> list[str]:
    try:
        names = [name for _, name, _, _ in string.Formatter().parse(template) if name is not None]
    except ValueError as error:
        return [f"source_id_template {template!r} is not a template: {error}"]
    unknown = sorted({n for n in names if n not in SOURCE_ID_FIELDS})
    if unknown:
        return [f"source_id_template {template!r} uses {unknown}: only {list(SOURCE_ID_FIELDS)} are known"]
    return []


def check_families(sources: dict[str, Source], families: dict[str, Family], manifest: Path) -> None:
    """Every manifest row names a known family, and its file name fits that family's patterns."""
    problems = []
    for source in sources.values():
        family = families.get(source.family)
        if family is None:
            problems.append(
                f"{source.source_id}: family {source.family!r} is not in data/reference/{FAMILIES_FILE}"
            )
        elif family.file_patterns and not family.matches_file(source.file_name):
            problems.append(
                f"{source.source_id}: file name {source.file_name!r} does not fit family {source.family!r} "
                f"(patterns {list(family.file_patterns)} in data/reference/{FAMILIES_FILE})"
            )
    if problems:
        raise ManifestError(f"{manifest}: " + "; ".join(problems))


def classify(file_name: str, families: dict[str, Family], sheet: str = "") -> Family | None:
    """The one family recognising a whole file by its name (no `sheet`: rows without a sheet pattern), or the
    sheet `sheet` of a workbook (rows with one), or None. Two families recognising it is an error."""
    hits = [f for f in families.values() if f.recognises(file_name, sheet)]
    if len(hits) > 1:
        what = f"sheet {sheet!r} of file {file_name!r}" if sheet else f"file {file_name!r}"
        raise ManifestError(
            f"{what} fits more than one family in data/reference/{FAMILIES_FILE}: "
            f"{sorted(f.family for f in hits)}"
        )
    return hits[0] if hits else None


def reads_sheets(file_name: str, families: dict[str, Family]) -> bool:
    """Whether some family recognises sheets of a workbook named `file_name` (so it is classified by sheet)."""
    return any(f.reads_sheets_of(file_name) for f in families.values())


def classify_sheets(
    file_name: str, sheets: list[str], families: dict[str, Family]
) -> tuple[list[tuple[str, Family]], list[str]]:
    """A workbook classified sheet by sheet: ([(sheet, family) for each recognised sheet], [the other sheets]),
    in the workbook's order. A sheet two families recognise is an error (ManifestError naming both)."""
    recognised: list[tuple[str, Family]] = []
    others: list[str] = []
    for sheet in sheets:
        family = classify(file_name, families, sheet)
        if family is None:
            others.append(sheet)
        else:
            recognised.append((sheet, family))
    return recognised, others


def sheet_regex(sheet: str) -> str:
    """The manifest `sheet` of a workbook row: the sheet's exact name as an anchored regular expression."""
    return f"^{re.escape(sheet)}$"


def manifest_text(sources: list[Source]) -> str:
    """The manifest as CSV text, rows in the given order."""
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, MANIFEST_COLUMNS, lineterminator="\n")
    writer.writeheader()
    for source in sources:
        writer.writerow(source.as_row())
    return buffer.getvalue()


def write_sources(path: Path, sources: list[Source]) -> None:
    """Write the manifest atomically (rows in the given order)."""
    path = Path(path)
    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    tmp.write_text(manifest_text(sources), encoding="utf-8")
    os.replace(tmp, path)


SOURCE_FIELDS = [f.name for f in fields(Source)]
