"""Release day: find the files a publisher has that data/sources.csv lacks, and add them.

    python -m analysis.release_watch              list new files (exit 10 when there are some)
    python -m analysis.release_watch --apply      ... and append their manifest rows
    python -m analysis.release_watch --json | --markdown FILE

Where it looks, by the settings (analysis/settings.py):

- FFH_SOURCE_MIRROR: a local archive of the sources laid out by publisher and release, listed by its index
  `MANIFEST.csv` (path, bytes, sha256, publisher, publication, release, upstream_page);
- FFH_SOURCE_BASE_URL: the same archive served over HTTP (the index is `<base URL>MANIFEST.csv`);
- neither: the publishers' sites. Explore Education Statistics: the newest release of each publication the
  manifest locates (`ees:<slug>`) and its `downloadFiles` (discovery.py documents the API). GOV.UK
  collections (`govuk-content-api:<collection path>`): the attachments of the collection's documents last
  updated on or after the newest release the manifest holds from that collection (an older document cannot
  hold a newer list, so it is not read; an unchanged collection downloads nothing). The row of a file found
  on GOV.UK has no direct_url: `make data` finds the same attachment through `locate` (discovery.locate_govuk,
  by its file name on the document named in page_url). A workbook on GOV.UK is known by its file name in the
  collection (it is not downloaded again); other files by family, release (a document titled "… 2016 to
  2017" holds the release 2017) and name. Only the families that collection locates can recognise its files.

Each file the manifest lacks is recognised by its name against data/reference/source_families.csv, and a
workbook (ODS or XLSX, by its name or content type) whose name fits a family's workbook row is downloaded and
classified sheet by sheet: one row per sheet a family recognises (`sheet`: the sheet's exact name, anchored;
release, period and title from the sheet's name: `Provider_level_at_31_Mar_2025` is the list at 2025-03-31,
`Leavers+Joiners_at_31_Mar_2025` and `Provider_level_in_year_2024-25` the year 2024-04-01/2025-03-31). A
list the manifest already holds (same family and release, e.g. as a CSV export) is not added again. A file
or sheet no family recognises is listed (Cover, Notes, time series...), never guessed; one two families
recognise is an error. For each new file or sheet `--apply` writes: source_id (the family's
`source_id_template`, see manifest.py), family, release, release_title, reference_period (for an EES file:
the years it holds; for a list at a date: the date), publisher, publication, page, archive path, sheet, size
and sha256 (of the whole file: a workbook's rows share them). Nothing else changes; `make data` then reads
the new release through the families, and the refresh records what changed.

Exit codes: 0 nothing new, 10 new files found (listed or applied), 1 a check failed.
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import io
import json
import re
import string
import sys
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

from analysis import manifest, settings
from analysis.errors import FarFromHomeError

EXIT_NONE = 0
EXIT_ERROR = 1
EXIT_NEWER = 10

USER_AGENT = "far-from-home-release-watch"
INDEX = "MANIFEST.csv"
_YEAR = re.compile(r"(?<!\d)(19|20)\d{2}(?!\d)")
_DAY = re.compile(
    r"(\d{1,2}) (January|February|March|April|May|June|July|August|September|October|November|December) (\d{4})"
)
# dates and years in workbook sheet names: `..._at_31_Mar_2025`, `..._in_year_2024-25`
_SHEET_DAY = re.compile(r"(?<!\d)(\d{1,2})_([A-Z][a-z]{2})[a-z]*_(\d{4})(?!\d)")
_SHEET_YEARS = re.compile(r"(?<!\d)(\d{4})-(\d{2})(?!\d)")
WORKBOOK_TYPES = {
    "application/vnd.oasis.opendocument.spreadsheet": ".ods",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": ".xlsx",
}


@dataclass(frozen=True)
class Candidate:
    """A file the publisher (or the archive) has."""

    file_name: str
    archive_path: str
    url: str
    publisher: str
    publication: str
    release_label: str
    page_url: str
    expected_bytes: int | None = None
    expected_sha256: str = ""
    content_type: str = (
        ""  # as the publisher lists it (GOV.UK attachments), to tell a workbook without extension
    )
    # the GOV.UK `locate` whose collection listed the file: only that locate's families can recognise it, and
    # its rows carry no direct_url (production finds the file through the locate)
    locate: str = ""


@dataclass
class WatchReport:
    new: list[dict[str, Any]] = field(default_factory=list)
    unrecognised: list[dict[str, str]] = field(default_factory=list)
    errors: list[dict[str, str]] = field(default_factory=list)
    applied: list[str] = field(default_factory=list)
    checked: int = 0

    @property
    def exit_code(self) -> int:
        if self.errors:
            return EXIT_ERROR
        return EXIT_NEWER if self.new else EXIT_NONE

    def as_dict(self) -> dict[str, Any]:
        return {
            "new": self.new,
            "unrecognised": self.unrecognised,
            "errors": self.errors,
            "applied": self.applied,
            "checked": self.checked,
        }


# --------------------------------------------------------------------------------------------------------------
# Listings
# --------------------------------------------------------------------------------------------------------------


def _index_rows(text: str) -> list[dict[str, str]]:
    rows = list(csv.DictReader(io.StringIO(text)))
    needed = {"path", "bytes", "sha256", "publisher", "publication", "release", "upstream_page"}
    if rows and needed - set(rows[0]):
        raise FarFromHomeError(f"the archive index {INDEX} lacks columns {sorted(needed - set(rows[0]))}")
    return rows


def archive_candidates(run: settings.Settings, session: Any = None) -> list[Candidate]:
    """Every file the archive's index lists (a local folder or an HTTP base URL)."""
    if run.mirror_dir is not None:
        index = Path(run.mirror_dir) / INDEX
        if not index.is_file():
            raise FarFromHomeError(f"no {INDEX} in the source archive {run.mirror_dir}")
        text = index.read_text(encoding="utf-8")
        base = run.mirror_dir.as_uri().rstrip("/") + "/"
    else:
        session = session or default_session()
        response = session.get(run.base_url + INDEX, timeout=(5, 30))
        if response.status_code != 200:
            raise FarFromHomeError(f"{run.base_url}{INDEX}: HTTP {response.status_code}")
        text = response.content.decode("utf-8-sig")
        base = run.base_url
    return [
        Candidate(
            file_name=Path(row["path"]).name,
            archive_path=row["path"],
            url=base + row["path"],
            publisher=row["publisher"],
            publication=row["publication"],
            release_label=row["release"],
            page_url=row["upstream_page"],
            expected_bytes=int(row["bytes"]) if row.get("bytes") else None,
            expected_sha256=row.get("sha256", ""),
        )
        for row in _index_rows(text)
        if row.get("path") and row["path"] != INDEX
    ]


def publisher_candidates(
    sources: dict[str, manifest.Source], session: Any, errors: list[dict[str, str]]
) -> list[Candidate]:
    """The files of the newest release of each EES publication the manifest locates, and the attachments of
    each GOV.UK collection's documents updated since the newest release held from it (live mode)."""
    from analysis import discovery

    found: list[Candidate] = []
    by_locate: dict[str, list[manifest.Source]] = {}
    for source in sources.values():
        if source.locate:
            by_locate.setdefault(source.locate, []).append(source)
    cache = discovery.DiscoveryCache()
    for locate, held in sorted(by_locate.items()):
        scheme, _, target = locate.partition(":")
        try:
            if scheme == "ees":
                found += _ees_candidates(held[0], session, target, cache)
            elif scheme == "govuk-content-api":
                found += _govuk_candidates(held, session, locate, target, cache)
        except FarFromHomeError as error:
            errors.append({"locate": locate, "error": str(error)})
    return found


def _ees_candidates(source: manifest.Source, session: Any, slug: str, cache: Any) -> list[Candidate]:
    from analysis import discovery

    release = discovery.latest_ees_release(source, session, slug, cache)
    return [
        Candidate(
            file_name=item["fileName"],
            archive_path="",
            url=item["url"],
            publisher=source.publisher,
            publication=source.publication,
            release_label=release.title,
            page_url=release.page_url,
        )
        for item in release.files
    ]


def _govuk_candidates(
    held: list[manifest.Source], session: Any, locate: str, path: str, cache: Any
) -> list[Candidate]:
    """The attachments of the collection's documents updated on or after the newest release held from it."""
    from analysis import discovery

    newest = max(held, key=lambda s: (s.release, s.source_id))
    files, _ = discovery.govuk_files(newest, session, path, since=_release_date(newest.release), cache=cache)
    return [
        Candidate(
            file_name=item.name,
            archive_path="",
            url=item.url,
            publisher=newest.publisher,
            publication=item.page_title,
            release_label=item.page_title,
            page_url=item.page,
            content_type=item.content_type,
            locate=locate,
        )
        for item in files
    ]


def _release_date(release: str) -> date | None:
    """The first day a release key can stand for: a list's date, or 1 January of a year (None: unknown)."""
    try:
        return date.fromisoformat(release[:10])
    except ValueError:
        match = _YEAR.match(release)
        return date(int(match.group(0)), 1, 1) if match else None


# --------------------------------------------------------------------------------------------------------------
# Describing a new file
# --------------------------------------------------------------------------------------------------------------


def _stem(file_name: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", Path(file_name).stem.lower()).strip("-")


def _financial_year(day: date) -> str:
    """The year from 1 April that holds `day`, as Ofsted writes it: 2022-23 for 31 March 2023."""
    start = day.year if day.month >= 4 else day.year - 1
    return f"{start}-{(start + 1) % 100:02d}"


def source_id(family: manifest.Family, release: str, stem: str) -> str:
    """A new row's source id: the family's source_id_template (placeholders: manifest.SOURCE_ID_FIELDS)."""
    try:
        year = _financial_year(date.fromisoformat(release))
    except ValueError:
        year = None
    fields = {"release": release, "stem": stem, "financial_year": year}
    names = {name for _, name, _, _ in string.Formatter().parse(family.source_id_template) if name}
    missing = sorted(n for n in names if fields.get(n) is None)
    if missing:
        raise FarFromHomeError(
            f"family {family.family!r}: source_id_template {family.source_id_template!r} needs {missing}, "
            f"which release {release!r} does not give (data/reference/{manifest.FAMILIES_FILE})"
        )
    return family.source_id_template.format(**fields)


def _release_key(family: manifest.Family, candidate: Candidate) -> str:
    label = candidate.release_label
    if family.kind in ("ofsted_snapshot", "ofsted_year"):
        day = _as_at(candidate)
        return day or _fail(candidate, "a date in the release name or the file name")
    years = [int(m.group(0)) for m in _YEAR.finditer(label)] or [
        int(m.group(0)) for m in _YEAR.finditer(candidate.file_name)
    ]
    if not years:
        return _fail(candidate, "a year in the release name")
    if candidate.locate:
        # a GOV.UK document's title: "… 2016 to 2017" is the release for the year ending March 2017 (as
        # discovery.locate_govuk reads it)
        return str(max(years))
    return str(years[0] if family.kind in ("ees", "sfr", "documentation") else max(years))


def _as_at(candidate: Candidate) -> str:
    match = _DAY.search(candidate.release_label)
    if match:
        return datetime.strptime(" ".join(match.groups()), "%d %B %Y").date().isoformat()
    match = re.search(r"(\d{4}-\d{2}-\d{2})", candidate.file_name)
    if match:
        return match.group(1)
    match = re.search(r"(\d{4})-(\d{2})", candidate.release_label) or re.search(
        r"(\d{4})-(\d{2})", candidate.file_name
    )
    if match:
        return f"{int(match.group(1)) + 1}-03-31"
    return ""


def _fail(candidate: Candidate, what: str) -> str:
    raise FarFromHomeError(
        f"file {candidate.file_name!r} ({candidate.release_label!r}): cannot read {what}; add its row by hand"
    )


def _reference_period(family: manifest.Family, candidate: Candidate, path: Path, release: str) -> str:
    if family.kind == "ees" and path.suffix.lower() == ".csv":
        return _ees_years(path, candidate)
    if family.kind == "sfr":
        return release
    if family.kind == "ofsted_snapshot":
        return release
    if family.kind == "ofsted_year":
        end = datetime.fromisoformat(release).date()
        return f"{end.year - 1}-04-01/{end.isoformat()}"
    match = re.search(r"covers (\d{4}) to (\d{4})", candidate.release_label)
    if match:
        return f"{match.group(1)}-{match.group(2)}"
    return ""


def _ees_years(path: Path, candidate: Candidate) -> str:
    with path.open(newline="", encoding="utf-8-sig", errors="replace") as handle:
        reader = csv.DictReader(handle)
        column = next((c for c in reader.fieldnames or [] if c.strip().lower() == "time_period"), None)
        if column is None:
            raise FarFromHomeError(
                f"file {candidate.file_name!r}: no time_period column to read its years from"
            )
        years = sorted({int(row[column]) for row in reader if (row.get(column) or "").strip().isdigit()})
    if not years:
        raise FarFromHomeError(f"file {candidate.file_name!r}: no years in its time_period column")
    return f"{years[0]}-{years[-1]}" if years[0] != years[-1] else str(years[0])


def _sheet_period(family: manifest.Family, candidate: Candidate, sheet: str) -> tuple[str, str, str]:
    """(release, reference_period, release_title) of a workbook sheet, read from the sheet's name:
    `..._at_31_Mar_2025` is the list at 2025-03-31 (`31 March 2025`), or for a year's table the year to that
    day (`2024-04-01/2025-03-31`, `2024-25`); `..._in_year_2024-25` is that year."""

    def fail(detail: str) -> FarFromHomeError:
        return FarFromHomeError(
            f"file {candidate.file_name!r}, sheet {sheet!r} ({family.family}): check 'date in the sheet name' "
            f"failed: {detail}; add its row by hand"
        )

    day = None
    match = _SHEET_DAY.search(sheet)
    if match:
        try:
            day = datetime.strptime(" ".join(match.groups()), "%d %b %Y").date()
        except ValueError:
            raise fail(f"{match.group(0)!r} is not a day") from None
    elif family.kind == "ofsted_year" and (match := _SHEET_YEARS.search(sheet)):
        start = int(match.group(1))
        if (start + 1) % 100 != int(match.group(2)):
            raise fail(f"{match.group(0)!r} is not one year")
        day = date(start + 1, 3, 31)  # domain: Ofsted's years run from 1 April to 31 March
    if day is None:
        raise fail("no day (like 31_Mar_2025) or year (like 2024-25) in it")
    if family.kind == "ofsted_snapshot":
        return day.isoformat(), day.isoformat(), f"{day.day} {day:%B} {day.year}"
    if family.kind == "ofsted_year":
        if (day.month, day.day) != (3, 31):
            raise fail(f"{day.isoformat()} does not end a year to 31 March")
        return day.isoformat(), f"{day.year - 1}-04-01/{day.isoformat()}", _financial_year(day)
    raise fail(f"a family of kind {family.kind!r} is not read from workbook sheets")


def _download(candidate: Candidate, session: Any, work: Path) -> Path:
    """The candidate's bytes in a temporary file (a local archive file is read in place)."""
    if candidate.url.startswith("file://"):
        from urllib.parse import unquote, urlsplit

        return Path(unquote(urlsplit(candidate.url).path))
    session = session or default_session()
    response = session.get(candidate.url, timeout=(5, 120))
    if response.status_code != 200:
        raise FarFromHomeError(f"{candidate.url}: HTTP {response.status_code}")
    target = (
        work / f"{hashlib.sha256(candidate.url.encode()).hexdigest()[:12]}-{Path(candidate.file_name).name}"
    )
    target.write_bytes(response.content)
    return target


@dataclass(frozen=True)
class _Fetched:
    path: Path
    bytes: int
    sha256: str


def _fetch(candidate: Candidate, session: Any, work: Path) -> _Fetched:
    """Download the candidate and check it against the archive index's sha256 (when it gives one)."""
    path = _download(candidate, session, work)
    content = path.read_bytes()
    sha = hashlib.sha256(content).hexdigest()
    if candidate.expected_sha256 and sha != candidate.expected_sha256:
        raise FarFromHomeError(
            f"{candidate.file_name}: sha256 {sha} differs from the index's {candidate.expected_sha256}"
        )
    return _Fetched(path, len(content), sha)


def _archive_path(candidate: Candidate, family: manifest.Family, release: str) -> str:
    """The file's place in an archive of the sources: the index's path; a GOV.UK file by its document
    (`ofsted/<document>/<file>`, one place for every row of a workbook); an EES file by family and release."""
    if candidate.archive_path:
        return candidate.archive_path
    if candidate.locate:
        document = candidate.page_url.rstrip("/").rsplit("/", 1)[-1]
        return f"{family.family.split(':')[0]}/{document}/{candidate.file_name}"
    return f"{family.family.replace(':', '/')}/{release}/{candidate.file_name}"


def _row(
    candidate: Candidate,
    family: manifest.Family,
    fetched: _Fetched,
    *,
    release: str,
    release_title: str,
    reference_period: str,
    stem: str,
    sheet: str = "",
) -> manifest.Source:
    return manifest.Source(
        source_id=source_id(family, release, stem),
        family=family.family,
        release=release,
        release_title=release_title,
        reference_period=reference_period,
        publisher=candidate.publisher,
        publication=candidate.publication,
        page_url=candidate.page_url,
        file_name=candidate.file_name,
        archive_path=_archive_path(candidate, family, release),
        archive_member="",
        sheet=manifest.sheet_regex(sheet) if sheet else "",
        licence=family.licence,
        locate=family.locate,
        direct_url="" if candidate.archive_path or candidate.locate else candidate.url,
        expected_bytes=fetched.bytes,
        expected_sha256=fetched.sha256,
        note="",
    )


def describe(candidate: Candidate, family: manifest.Family, session: Any, work: Path) -> manifest.Source:
    """The manifest row of a new file (a whole file, recognised by its name)."""
    fetched = _fetch(candidate, session, work)
    release = _release_key(family, candidate)
    return _row(
        candidate,
        family,
        fetched,
        release=release,
        release_title=candidate.release_label,
        reference_period=_reference_period(family, candidate, fetched.path, release),
        stem=_stem(candidate.file_name),
    )


def describe_sheet(
    candidate: Candidate, family: manifest.Family, fetched: _Fetched, sheet: str
) -> manifest.Source:
    """The manifest row of one sheet of a new workbook (`fetched`: the workbook downloaded)."""
    release, period, title = _sheet_period(family, candidate, sheet)
    return _row(
        candidate,
        family,
        fetched,
        release=release,
        release_title=title,
        reference_period=period,
        stem=f"{_stem(candidate.file_name)}-{_stem(sheet)}",
        sheet=sheet,
    )


def is_workbook(candidate: Candidate) -> bool:
    """An ODS or XLSX workbook, by its file name's extension or the content type the publisher gives."""
    return (
        _named_as_workbook(candidate)
        or candidate.content_type.split(";")[0].strip().lower() in WORKBOOK_TYPES
    )


def _workbook_name(candidate: Candidate) -> str:
    """The name families' workbook rows are matched against: the file name, with the extension its content type
    says when the name has none of a workbook."""
    if _named_as_workbook(candidate):
        return candidate.file_name
    return candidate.file_name + WORKBOOK_TYPES.get(candidate.content_type.split(";")[0].strip().lower(), "")


def _named_as_workbook(candidate: Candidate) -> bool:
    return Path(candidate.file_name).suffix.lower() in WORKBOOK_TYPES.values()


def _sheet_names(fetched: _Fetched, candidate: Candidate) -> list[str]:
    from python_calamine import CalamineError, CalamineWorkbook

    try:
        with CalamineWorkbook.from_path(str(fetched.path)) as workbook:
            return list(workbook.sheet_names)
    except (CalamineError, OSError) as error:
        raise FarFromHomeError(
            f"file {candidate.file_name!r}: check 'readable workbook' failed: {error}"
        ) from None


# --------------------------------------------------------------------------------------------------------------
# The watch
# --------------------------------------------------------------------------------------------------------------


def _families_for(candidate: Candidate, families: dict[str, manifest.Family]) -> dict[str, manifest.Family]:
    """The families that may recognise a file: a GOV.UK collection's files are its families' only."""
    if not candidate.locate:
        return families
    return {name: f for name, f in families.items() if f.locate == candidate.locate}


def watch(run: settings.Settings, *, apply: bool = False, session: Any = None) -> WatchReport:
    report = WatchReport()
    sources = manifest.load_sources(run.sources_manifest)
    families = manifest.load_families(manifest.families_path(run.reference_dir))
    try:
        if run.mirror_dir is not None or run.base_url:
            candidates = archive_candidates(run, session)
        else:
            candidates = publisher_candidates(sources, session or default_session(), report.errors)
    except FarFromHomeError as error:
        report.errors.append({"locate": "listing", "error": str(error)})
        return report
    report.checked = len(candidates)
    known_paths = {s.archive_path for s in sources.values()}
    known_urls = {s.direct_url for s in sources.values() if s.direct_url}
    known_shas = {s.expected_sha256 for s in sources.values() if s.expected_sha256}
    # a publisher's listing has no archive path or checksum: a file is known by its table, release and name
    known_files = {(s.family, s.release, s.file_name) for s in sources.values()}
    # ... a workbook on GOV.UK by its name in the collection, and a list in it by its table and release
    known_names = {(s.locate, s.file_name.lower()) for s in sources.values() if s.locate}
    known_lists = {(s.family, s.release) for s in sources.values()}
    new_rows: list[manifest.Source] = []
    with tempfile.TemporaryDirectory(prefix="release-watch-") as tmp:
        for candidate in candidates:
            where = candidate.archive_path or candidate.url
            workbook = is_workbook(candidate)
            if (
                candidate.archive_path in known_paths
                or candidate.url in known_urls
                or (candidate.expected_sha256 and candidate.expected_sha256 in known_shas)
                or (
                    workbook
                    and candidate.locate
                    and (candidate.locate, candidate.file_name.lower()) in known_names
                )
            ):
                continue
            pool = _families_for(candidate, families)
            try:
                if workbook and manifest.reads_sheets(_workbook_name(candidate), pool):
                    rows = _workbook_rows(candidate, pool, session, Path(tmp), known_lists, report)
                else:
                    family = manifest.classify(candidate.file_name, pool)
                    if family is None:
                        report.unrecognised.append(
                            {
                                "file": where,
                                "release": candidate.release_label,
                                "hint": "no family in data/reference/source_families.csv recognises this file name",
                            }
                        )
                        continue
                    if (family.family, _release_key(family, candidate), candidate.file_name) in known_files:
                        continue
                    rows = [describe(candidate, family, session, Path(tmp))]
            except FarFromHomeError as error:
                report.errors.append({"locate": where, "error": str(error)})
                continue
            for row in rows:
                if row.source_id in sources or row.source_id in {r.source_id for r in new_rows}:
                    report.errors.append(
                        {
                            "locate": where,
                            "error": f"source id {row.source_id!r} already exists: the release may be listed twice",
                        }
                    )
                    continue
                new_rows.append(row)
                report.new.append(
                    {
                        "source_id": row.source_id,
                        "family": row.family,
                        "release": row.release,
                        "reference_period": row.reference_period,
                        "file": where,
                        "sheet": row.sheet,
                        "status": families[row.family].status,
                    }
                )
    if apply and new_rows and not report.errors:
        manifest.write_sources(run.sources_manifest, [*sources.values(), *new_rows])
        report.applied = [r.source_id for r in new_rows]
    return report


def _workbook_rows(
    candidate: Candidate,
    families: dict[str, manifest.Family],
    session: Any,
    work: Path,
    known_lists: set[tuple[str, str]],
    report: WatchReport,
) -> list[manifest.Source]:
    """A new workbook, downloaded and classified sheet by sheet: a row for each sheet a family recognises whose
    list the manifest lacks; the other sheets are listed as unrecognised."""
    where = candidate.archive_path or candidate.url
    if not _named_as_workbook(candidate):
        # the cache, the content check and the families' patterns go by the file name's extension
        raise FarFromHomeError(
            f"file {candidate.file_name!r}: check 'workbook named .ods or .xlsx' failed: its content type is "
            f"{candidate.content_type!r} but its name has no workbook extension; add its rows by hand"
        )
    fetched = _fetch(candidate, session, work)
    sheets = _sheet_names(fetched, candidate)
    recognised, others = manifest.classify_sheets(_workbook_name(candidate), sheets, families)
    if not recognised:
        report.unrecognised.append(
            {
                "file": where,
                "release": candidate.release_label,
                "hint": f"no family in data/reference/source_families.csv recognises any of its sheets {sheets}",
            }
        )
        return []
    for sheet in others:
        report.unrecognised.append(
            {
                "file": where,
                "sheet": sheet,
                "release": candidate.release_label,
                "hint": "no family in data/reference/source_families.csv recognises this sheet",
            }
        )
    rows = [describe_sheet(candidate, family, fetched, sheet) for sheet, family in recognised]
    return [row for row in rows if (row.family, row.release) not in known_lists]


def render_markdown(report: WatchReport) -> str:
    lines = ["## New upstream files", ""]
    if report.new:
        verb = "were added to" if report.applied else "are not yet in"
        lines += [
            f"These files {verb} `data/sources.csv`. `make data` reads them through their families; review the data "
            "diff of the refresh pull request.",
            "",
            "| source id | table (family) | release | covers | file |",
            "| --- | --- | --- | --- | --- |",
        ]
        lines += [
            f"| `{n['source_id']}` | `{n['family']}`{' (unused)' if n['status'] == 'unused' else ''} | {n['release']} "
            f"| {n['reference_period']} | {n['file']}{_sheet_label(n)} |"
            for n in report.new
        ]
        lines.append("")
    else:
        lines += ["No new file.", ""]
    if report.unrecognised:
        lines += [
            "Files no family recognises (add a pattern to `data/reference/source_families.csv` if one is needed):",
            "",
        ]
        lines += [f"- {u['file']}{_sheet_label(u)} ({u['release']})" for u in report.unrecognised]
        lines.append("")
    if report.errors:
        lines += ["Checks that failed:", ""]
        lines += [f"- `{e['locate']}`: {e['error']}" for e in report.errors]
        lines.append("")
    lines.append(f"{report.checked} files listed.")
    return "\n".join(lines) + "\n"


def _sheet_label(item: dict[str, str]) -> str:
    return f" sheet `{item['sheet']}`" if item.get("sheet") else ""


def default_session():
    import requests

    session = requests.Session()
    session.headers["User-Agent"] = USER_AGENT
    return session


def main(
    argv: Sequence[str] | None = None, *, session: Any = None, run: settings.Settings | None = None
) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m analysis.release_watch", description=__doc__.split("\n\n")[0]
    )
    parser.add_argument("--apply", action="store_true", help="append the new files' rows to the manifest")
    parser.add_argument("--json", action="store_true", help="print the report as JSON")
    parser.add_argument(
        "--markdown", type=Path, help="write the report as Markdown (a pull request or issue body)"
    )
    args = parser.parse_args(argv)
    run = run or settings.Settings.from_env()
    report = watch(run, apply=args.apply, session=session)
    if args.markdown:
        args.markdown.parent.mkdir(parents=True, exist_ok=True)
        args.markdown.write_text(render_markdown(report), encoding="utf-8")
    if args.json:
        print(json.dumps(report.as_dict(), indent=1))
    else:
        for item in report.new:
            action = "added" if item["source_id"] in report.applied else "new"
            print(
                f"{action}: {item['source_id']} ({item['family']}, {item['release']}, covers {item['reference_period']})"
            )
        for item in report.unrecognised:
            print(f"unrecognised: {item['file']}{_sheet_label(item)}")
        for error in report.errors:
            print(f"error: {error['locate']}: {error['error']}", file=sys.stderr)
        if not report.new and not report.errors:
            print(f"no new file ({report.checked} listed)")
    return report.exit_code


if __name__ == "__main__":
    sys.exit(main())
