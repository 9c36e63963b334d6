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
  collections (`govuk-content-api:`): not listed automatically yet, reported as a check that could not run
  (add their rows by hand, or give each a verified `direct_url`).

Each file the manifest lacks is recognised by its name (and, for a workbook, its sheets) against
data/reference/source_families.csv. A file no family recognises is listed, never guessed. For each new file
`--apply` writes: source_id (the family's template), family, release, release_title, reference_period (for
an EES file: the years it holds; for a list at a date: the date), publisher, publication, page, archive path
or URL, size and sha256. Nothing else changes; `make data` then reads the new release through the families,
and the refresh records what changed.

Exit codes: 0 nothing new, 10 new files found (listed or applied), 1 a check failed.
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import io
import json
import re
import sys
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
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
    """The files of the newest release of each EES publication the manifest locates (live mode)."""
    from analysis import discovery

    found: list[Candidate] = []
    by_locate: dict[str, manifest.Source] = {}
    for source in sources.values():
        if source.locate:
            by_locate.setdefault(source.locate, source)
    for locate, source in sorted(by_locate.items()):
        scheme, _, target = locate.partition(":")
        if scheme != "ees":
            if scheme == "govuk-content-api":
                errors.append(
                    {
                        "locate": locate,
                        "error": "GOV.UK collections are not listed automatically: check the collection page "
                        "for a new release and add its files to data/sources.csv",
                    }
                )
            continue
        try:
            release = discovery.latest_ees_release(source, session, target)
        except FarFromHomeError as error:
            errors.append({"locate": locate, "error": str(error)})
            continue
        for item in release.files:
            found.append(
                Candidate(
                    file_name=item["fileName"],
                    archive_path="",
                    url=item["url"],
                    publisher=source.publisher,
                    publication=source.publication,
                    release_label=release.title,
                    page_url=release.page_url,
                )
            )
    return found


# --------------------------------------------------------------------------------------------------------------
# Describing a new file
# --------------------------------------------------------------------------------------------------------------


def _stem(file_name: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", Path(file_name).stem.lower()).strip("-")


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


def _download(candidate: Candidate, session: Any, work: Path) -> Path:
    """The candidate's bytes in a temporary file (a local archive file is read in place)."""
    if candidate.url.startswith("file://"):
        from urllib.parse import unquote, urlsplit

        return Path(unquote(urlsplit(candidate.url).path))
    session = session or default_session()
    response = session.get(candidate.url, timeout=(5, 120))
    if response.status_code != 200:
        raise FarFromHomeError(f"{candidate.url}: HTTP {response.status_code}")
    target = work / candidate.file_name
    target.write_bytes(response.content)
    return target


def describe(candidate: Candidate, family: manifest.Family, session: Any, work: Path) -> manifest.Source:
    """The manifest row of a new file."""
    path = _download(candidate, session, work)
    content = path.read_bytes()
    sha = hashlib.sha256(content).hexdigest()
    if candidate.expected_sha256 and sha != candidate.expected_sha256:
        raise FarFromHomeError(
            f"{candidate.file_name}: sha256 {sha} differs from the index's {candidate.expected_sha256}"
        )
    release = _release_key(family, candidate)
    return manifest.Source(
        source_id=family.source_id_template.format(release=release, stem=_stem(candidate.file_name)),
        family=family.family,
        release=release,
        release_title=candidate.release_label,
        reference_period=_reference_period(family, candidate, path, release),
        publisher=candidate.publisher,
        publication=candidate.publication,
        page_url=candidate.page_url,
        file_name=candidate.file_name,
        archive_path=candidate.archive_path
        or f"{family.family.replace(':', '/')}/{release}/{candidate.file_name}",
        archive_member="",
        sheet="",
        licence=family.licence,
        locate=family.locate,
        direct_url="" if candidate.archive_path else candidate.url,
        expected_bytes=len(content),
        expected_sha256=sha,
        note="",
    )


# --------------------------------------------------------------------------------------------------------------
# The watch
# --------------------------------------------------------------------------------------------------------------


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
    new_rows: list[manifest.Source] = []
    with tempfile.TemporaryDirectory(prefix="release-watch-") as tmp:
        for candidate in candidates:
            if (
                candidate.archive_path in known_paths
                or candidate.url in known_urls
                or (candidate.expected_sha256 and candidate.expected_sha256 in known_shas)
            ):
                continue
            family = manifest.classify(candidate.file_name, families)
            if family is None:
                report.unrecognised.append(
                    {
                        "file": candidate.archive_path or candidate.url,
                        "release": candidate.release_label,
                        "hint": "no family in data/reference/source_families.csv recognises this file name",
                    }
                )
                continue
            try:
                if (family.family, _release_key(family, candidate), candidate.file_name) in known_files:
                    continue
                row = describe(candidate, family, session, Path(tmp))
            except FarFromHomeError as error:
                report.errors.append({"locate": candidate.archive_path or candidate.url, "error": str(error)})
                continue
            if row.source_id in sources or row.source_id in {r.source_id for r in new_rows}:
                report.errors.append(
                    {
                        "locate": candidate.archive_path or candidate.url,
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
                    "file": candidate.archive_path or candidate.url,
                    "status": families[row.family].status,
                }
            )
    if apply and new_rows and not report.errors:
        manifest.write_sources(run.sources_manifest, [*sources.values(), *new_rows])
        report.applied = [r.source_id for r in new_rows]
    return report


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
            f"| {n['reference_period']} | {n['file']} |"
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
        lines += [f"- {u['file']} ({u['release']})" for u in report.unrecognised]
        lines.append("")
    if report.errors:
        lines += ["Checks that failed:", ""]
        lines += [f"- `{e['locate']}`: {e['error']}" for e in report.errors]
        lines.append("")
    lines.append(f"{report.checked} files listed.")
    return "\n".join(lines) + "\n"


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
            print(f"unrecognised: {item['file']}")
        for error in report.errors:
            print(f"error: {error['locate']}: {error['error']}", file=sys.stderr)
        if not report.new and not report.errors:
            print(f"no new file ({report.checked} listed)")
    return report.exit_code


if __name__ == "__main__":
    sys.exit(main())
