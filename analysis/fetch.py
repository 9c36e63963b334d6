"""The fetch layer (snapshot stage): every upstream file into the raw cache, with its provenance.

Cache layout: `<cache>/<source_id>/<file_name>` and `<cache>/<source_id>/provenance.json` (the record of
how and when those exact bytes were retrieved); zips that hold source files are kept once per URL in
`<cache>/_archives/<key>/archive.zip` with their own provenance.json. Modes, from `Settings` (settings.py):

- mirror (`mirror_dir` set; wins over `base_url`): copy `mirror_dir / source.mirror_path`.
- mirror over HTTP (`base_url` set): GET `base_url + mirror_path` (tests serve the mirror this way).
- production (neither): GET `source.direct_url`, else the URL found by `discovery.locate`.

Every file goes through the same path: stream into a temporary file in the cache directory, run the
checks, hash, then `os.replace` it over the cached file. A failed fetch therefore never leaves a partial
file and never replaces the last good copy (nor its provenance.json). Each failure is a
`FetchError(source_id, file, check, detail)`; the check names are:

    file exists in mirror, file name, archive member, member in archive, HTTP status, HTTP timeout,
    HTTP connection, truncated body, download deadline, content decoding, size limit, size matches
    manifest, sha256 matches manifest, offline cache, content checked, and the content checks of analysis/formats.py: non-empty body, not an HTML page, content is CSV |
    text | JSON | a zip archive | an ODS workbook | an XLSX workbook | parquet, content kind for file name

Content, not names: every file, in every mode, is checked by its bytes against the kind its name's
extension says (formats.check_kind: magic bytes and structure), before it is hashed into the cache. A
zip served for a .hexjson, or an HTML error page for a .csv, fails and leaves the last good copy alone.

One file, several rows: rows that resolve to one URL in a run (the sheets of one workbook, each its own row)
share one download: the first row downloads it (cached, conditional GET), the others copy its bytes into
their own cache folder, checked as theirs, with the first's retrieval recorded in their provenance.

Zip members (manifest column `archive_member`, e.g. `data/<file>.csv` of an EES release's "all files"
zip): the located URL (direct_url, discovered, or base URL + mirror_path) or the mirror file is the ZIP.
It is downloaded once per run and URL (cached, conditional GET as for any file), checked as a zip, and
the member extracted into `<cache>/<source_id>/<file_name>`; size, sha256 and content checks apply to
the member, the file the readers read. A missing member fails with "member in archive", naming the
zip's closest file names. Provenance records the zip's URL, sha256 and size and the member.

Integrity: in both mirror modes the bytes and sha256 must equal `expected_bytes`/`expected_sha256` from
data/sources.csv when set (the mirror must be the files the manifest describes). In production a
different sha256 is not an error: it is a new upstream version, recorded in provenance (and reported on
stderr) for the release-watch and for review.

HTTP: connect/read timeouts; up to `max_retries` retries with exponential backoff on connection errors,
timeouts, truncated bodies, 429 and 5xx (a `Retry-After` in seconds or as a date is honoured, capped at
`max_retry_after_seconds`); other statuses fail at once. Two budgets bound a download (settings.py):
a try fails after `download_stall_seconds` without a new byte (the read timeout, "HTTP timeout"), and
each file has `download_deadline_seconds` in all, tries, backoff and Retry-After waits included. No
socket wait is longer than the time left, a watchdog ends a body still trickling in at the deadline,
and a wait that would end past it is not started: each fails at once with the check "download
deadline" (with the default 30 s and 300 s, a stalled server fails after 5 tries of 30 s each, about
158 s). When a verified cached copy exists for the same URL, the request carries If-None-Match / If-Modified-Since; a 304 reuses the cached file (status
"not-modified"; its `retrieved_at` stays the time those bytes were retrieved).

`FFH_OFFLINE` (Settings.offline): HTTP modes make no request and use the verified cached copy (status
"cached"), or fail with the check "offline cache". Mirror mode is local and unaffected.

data/provenance.csv (`write_provenance_summary`), the committed summary, one row per source_id:
`source_id,file_name,url,bytes,sha256,etag,last_modified,retrieved_at,mode`.
- `url` is where the file is published: the URL fetched in production (for a zip member, the zip's URL
  with the member as fragment: `<zip URL>#data/<file>.csv`); when the bytes came from the mirror (mode
  `mirror` or `mirror-http`) it is the source's `page_url`, the publisher's page the mirror copy stands
  for. A local path or a test server's address would say nothing true to a reader.
- `etag`/`last_modified` are the publisher's validators, so they are blank unless mode is `production`.
- `retrieved_at` is kept from the previous summary while the sha256 is unchanged, so re-running on
  unchanged sources writes a byte-identical file.
- Nothing unchecked is recorded: a provenance record (provenance.json, and a row here) exists only for
  bytes that passed the content check; `Provenance.content` says what they were found to be, and both
  writers refuse a record without it. A copy reused on a 304 or offline is checked again first.
"""

from __future__ import annotations

import csv
import difflib
import hashlib
import io
import json
import os
import socket
import sys
import tempfile
import threading
import time
import zipfile
import zlib
from collections.abc import Callable, Iterable, Mapping
from dataclasses import asdict, dataclass, fields, replace
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from pathlib import Path
from typing import TextIO
from urllib.parse import quote, urlsplit

import requests
import urllib3

from analysis import discovery, formats, settings
from analysis.errors import FetchError
from analysis.manifest import Source
from analysis.settings import Settings

MAX_BYTES = 200 * 1024 * 1024
PROGRESS_MIN_BYTES = 1024 * 1024
CHUNK_BYTES = 256 * 1024
PROVENANCE_JSON = "provenance.json"
ARCHIVES_DIR = "_archives"  # <cache>/_archives/<key of the URL>/archive.zip: zips that hold source files
ARCHIVE_FILE = "archive.zip"
SUMMARY_COLUMNS = [
    "source_id",
    "file_name",
    "url",
    "bytes",
    "sha256",
    "etag",
    "last_modified",
    "retrieved_at",
    "mode",
]
USER_AGENT = "far-from-home-fetch/0.1 (python-requests)"


@dataclass
class Provenance:
    """How and when the cached bytes of one source were retrieved."""

    source_id: str
    url: str  # what was actually read: the HTTP URL, or the mirror file as a file:// URI
    retrieved_at: str  # ISO 8601 UTC, when these bytes were retrieved
    bytes: int
    sha256: str
    etag: str
    last_modified: str
    mode: str  # "mirror" (local copy) | "http"
    status: str  # "downloaded" | "not-modified" | "copied" | "cached" (offline)
    file_name: str = ""
    public_url: str = ""  # the URL stated in data/provenance.csv (see module docstring)
    origin: str = ""  # "production" | "mirror" | "mirror-http"
    manifest_sha256_matches: bool | None = None  # None when the manifest has no sha256
    content: str = ""  # what formats.check_kind found the bytes to be; never blank in a record written
    archive_member: str = ""  # the file is this member of the zip at `url` (manifest `archive_member`)
    archive_sha256: str = ""  # ... and the zip's own sha256 and size, as retrieved
    archive_bytes: int | None = None

    def to_json(self) -> str:
        return json.dumps(asdict(self), indent=2, sort_keys=True) + "\n"

    @classmethod
    def from_json(cls, text: str) -> Provenance:
        data = json.loads(text)
        known = {f.name for f in fields(cls)}
        return cls(**{key: value for key, value in data.items() if key in known})


@dataclass(frozen=True)
class _Target:
    """One file the HTTP code downloads: a source's file, or the zip archive a source's file is in."""

    source: Source  # names the source and its file in errors
    path: Path  # where the checked bytes are kept
    record_path: Path  # their provenance.json
    kind: str | None  # the content kind they must be (formats.KINDS); None: from source.file_name
    manifest: bool  # expected_bytes / expected_sha256 describe these bytes (not so for an archive)
    name: str  # the file name recorded in provenance

    @property
    def label(self) -> str:
        return self.source.source_id if self.manifest else f"{self.source.source_id} (zip)"


@dataclass
class FetchedFile:
    source_id: str
    path: Path
    provenance: Provenance


class _Retryable(Exception):
    """A transient failure: retried, then reported as FetchError(check, detail). `deadline`: the try was
    cut short because the file's download deadline ran out (so no further try is possible)."""

    def __init__(self, check: str, detail: str, wait: float | None = None, deadline: bool = False):
        super().__init__(detail)
        self.check = check
        self.detail = detail
        self.wait = wait
        self.deadline = deadline


class _Watchdog:
    """Ends a body download at the deadline: a server trickling a byte now and then never trips the
    stall timeout, so at the deadline the socket is shut down, which ends the blocked read."""

    def __init__(self, response: requests.Response, seconds: float):
        self.fired = False
        self._response = response
        self._timer = threading.Timer(max(seconds, 0.0), self._fire)
        self._timer.daemon = True

    def _fire(self) -> None:
        self.fired = True
        sock = _socket_of(self._response)
        if sock is not None:
            try:
                sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass

    def __enter__(self) -> _Watchdog:
        self._timer.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._timer.cancel()


def _now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(CHUNK_BYTES), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _default_session() -> requests.Session:
    session = requests.Session()
    session.headers["User-Agent"] = USER_AGENT
    return session


class _Progress:
    """A line per 10% on stderr for bodies over ~1 MB (a line per 5 MB when the size is unknown)."""

    def __init__(self, label: str, total: int | None, enabled: bool, stream: TextIO | None):
        self.label = label
        self.total = total
        self.enabled = enabled
        self.stream = stream
        self.next_mark = 1

    def update(self, done: int) -> None:
        if not self.enabled or done <= PROGRESS_MIN_BYTES and (self.total or 0) <= PROGRESS_MIN_BYTES:
            return
        stream = self.stream or sys.stderr
        if self.total and self.total > PROGRESS_MIN_BYTES:
            while self.next_mark <= 10 and done * 10 >= self.next_mark * self.total:
                print(f"  {self.label}: {self.next_mark * 10}% of {self.total:,} bytes", file=stream)
                self.next_mark += 1
        elif not self.total:
            step = 5 * PROGRESS_MIN_BYTES
            while done >= self.next_mark * step:
                print(f"  {self.label}: {self.next_mark * step:,} bytes", file=stream)
                self.next_mark += 1


class Fetcher:
    """Fetches sources into the raw cache (see the module docstring for modes, checks and retries)."""

    def __init__(
        self,
        settings: Settings,
        session: requests.Session | None = None,
        connect_timeout: float = 5,
        read_timeout: float | None = None,
        max_retries: int = 4,
        backoff_seconds: float = 0.5,
        progress: bool = True,
        *,
        max_bytes: int = MAX_BYTES,
        max_retry_after_seconds: float = 60.0,
        sleep: Callable[[float], None] = time.sleep,
        progress_stream: TextIO | None = None,
        deadline_seconds: float | None = None,
        accept_revisions: bool = False,
    ):
        self.settings = settings
        # a refresh takes in a revised file (same name, new bytes) in every mode: the new size and sha256
        # are recorded in provenance and the refresh writes them into the manifest; otherwise the archive
        # modes refuse bytes that differ from the manifest
        self.accept_revisions = accept_revisions
        self.revisions: dict[str, tuple[str, str]] = {}
        self.session = session if session is not None else _default_session()
        self.connect_timeout = connect_timeout
        # no new byte for this long fails a try (settings.download_stall_seconds unless given)
        self.read_timeout = read_timeout if read_timeout is not None else settings.download_stall_seconds
        # the budget for one file, all tries and waits included (settings.download_deadline_seconds)
        self.deadline_seconds = (
            deadline_seconds if deadline_seconds is not None else settings.download_deadline_seconds
        )
        self.max_retries = max_retries
        self.backoff_seconds = backoff_seconds
        self.progress = progress
        self.max_bytes = max_bytes
        self.max_retry_after_seconds = max_retry_after_seconds
        self.progress_stream = progress_stream
        self._sleep = sleep
        self._file_bytes_transferred = 0
        self.discovery_cache = discovery.DiscoveryCache()
        # archives fetched and checked in this run, by URL or mirror path: (path, provenance)
        self._archives: dict[str, tuple[Path, Provenance]] = {}
        # files downloaded in this run, by URL: a workbook several rows read (one per sheet) is fetched once
        self._downloads: dict[str, tuple[Path, Provenance]] = {}

    # --- public API ---------------------------------------------------------------------------

    def bytes_downloaded(self) -> int:
        """Bytes received over HTTP by this fetcher so far (file bodies as sent on the wire, failed
        attempts included, plus discovery JSON). 0 in mirror mode and for 304 / offline re-use."""
        return self._file_bytes_transferred + self.discovery_cache.bytes_transferred

    @property
    def origin(self) -> str:
        if self.settings.mirror_dir is not None:
            return "mirror"
        if self.settings.base_url:
            return "mirror-http"
        return "production"

    def fetch(self, source: Source) -> FetchedFile:
        self._check_file_name(source)
        if self.settings.mirror_dir is not None:
            return self._copy_from_mirror(source)
        if self.settings.offline:
            return self._from_cache_offline(source)
        if self.settings.base_url:
            url = self.settings.base_url + quote(source.mirror_path.lstrip("/"))
        else:
            url = discovery.locate(source, self.session, self.discovery_cache)
        if source.archive_member:
            return self._fetch_member(source, url)
        if url in self._downloads and self._downloads[url][1].source_id != source.source_id:
            return self._reuse_download(source, url)
        target = self._source_target(source)
        record = self._download(target, url)
        self._downloads[url] = (target.path, record)
        return FetchedFile(source.source_id, target.path, record)

    def fetch_all(self, sources: Iterable[Source] | Mapping[str, Source]) -> dict[str, FetchedFile]:
        """Fetch every source in order; the first failure raises (nothing later is attempted)."""
        items = sources.values() if isinstance(sources, Mapping) else sources
        fetched: dict[str, FetchedFile] = {}
        for source in items:
            if source.source_id in fetched:
                raise ValueError(f"source {source.source_id!r} listed twice")
            fetched[source.source_id] = self.fetch(source)
        return fetched

    # --- cache --------------------------------------------------------------------------------

    def cache_path(self, source: Source) -> Path:
        return self.settings.cache_dir / source.source_id / source.file_name

    def _provenance_path(self, source: Source) -> Path:
        return self.settings.cache_dir / source.source_id / PROVENANCE_JSON

    def _source_target(self, source: Source) -> _Target:
        return _Target(
            source, self.cache_path(source), self._provenance_path(source), None, True, source.file_name
        )

    def _archive_target(self, source: Source, url: str) -> _Target:
        """The zip at `url`, kept once for every source that reads a member of it."""
        directory = self.settings.cache_dir / ARCHIVES_DIR / hashlib.sha256(url.encode()).hexdigest()[:16]
        name = urlsplit(url).path.rsplit("/", 1)[-1] or "archive.zip"
        return _Target(source, directory / ARCHIVE_FILE, directory / PROVENANCE_JSON, "zip", False, name)

    @staticmethod
    def _check_file_name(source: Source) -> None:
        name = source.file_name
        if not name or name in {".", "..", PROVENANCE_JSON} or "/" in name or "\\" in name:
            raise FetchError(source.source_id, name, "file name", f"{name!r} cannot name a file in the cache")
        member = source.archive_member
        if member and (
            member.startswith("/") or "\\" in member or any(p in {"", ".", ".."} for p in member.split("/"))
        ):
            raise FetchError(
                source.source_id,
                name,
                "archive member",
                f"{member!r} is not a relative path inside a zip (like data/<file>.csv)",
            )

    def cached(self, source: Source) -> Provenance | None:
        """The cached copy's provenance if the file is there and still has the recorded sha256."""
        return self._cached(self._source_target(source))

    @staticmethod
    def _cached(target: _Target) -> Provenance | None:
        path, record_path = target.path, target.record_path
        if not path.is_file() or not record_path.is_file():
            return None
        try:
            record = Provenance.from_json(record_path.read_text(encoding="utf-8"))
        except (ValueError, TypeError):
            return None
        if record.bytes != path.stat().st_size or record.sha256 != _sha256_of(path):
            return None
        return record

    def _write_provenance(self, target: _Target, record: Provenance) -> None:
        _require_content_checked(record)
        _atomic_write_text(target.record_path, record.to_json())

    def _public_url(self, source: Source, url: str) -> str:
        """The URL data/provenance.csv states: in production the URL fetched (for a zip member, the zip's
        URL with the member as its fragment, `…/files#data/x.csv`); from a mirror, the publisher's page."""
        if self.origin != "production":
            return source.page_url
        return f"{url}#{quote(source.archive_member, safe='/')}" if source.archive_member else url

    # --- mirror -------------------------------------------------------------------------------

    def _copy_from_mirror(self, source: Source) -> FetchedFile:
        mirror_dir = self.settings.mirror_dir
        assert mirror_dir is not None
        mirror_file = mirror_dir / source.mirror_path
        if not source.mirror_path or not mirror_file.is_file():
            manifest = self.settings.sources_manifest
            raise FetchError(
                source.source_id,
                source.file_name,
                "file exists in mirror",
                f"{mirror_file} does not exist: the archive holds no file at the archive_path {manifest} gives "
                f"this source; if the release dropped the file, remove or correct its row in {manifest}",
            )
        size = mirror_file.stat().st_size
        if size > self.max_bytes:
            raise FetchError(
                source.source_id,
                source.file_name,
                "size limit",
                f"{mirror_file} is {size:,} bytes, over the {self.max_bytes:,} byte limit",
            )
        if source.archive_member:
            return self._member_from_mirror(source, mirror_file)
        target = self._source_target(source)
        progress = _Progress(source.source_id, size, self.progress, self.progress_stream)
        with mirror_file.open("rb") as reader, self._staging(target) as staging:
            digest = hashlib.sha256()
            copied = 0
            for chunk in iter(lambda: reader.read(CHUNK_BYTES), b""):
                staging.handle.write(chunk)
                digest.update(chunk)
                copied += len(chunk)
                progress.update(copied)
            staging.handle.close()
            sha = digest.hexdigest()
            content = _check_content(source, staging.path, str(mirror_file))
            self._check_manifest(source, copied, sha, str(mirror_file))
            record = Provenance(
                source_id=source.source_id,
                url=mirror_file.resolve().as_uri(),
                retrieved_at=_now(),
                bytes=copied,
                sha256=sha,
                etag="",
                last_modified="",
                mode="mirror",
                status="copied",
                file_name=source.file_name,
                public_url=self._public_url(source, ""),
                origin=self.origin,
                manifest_sha256_matches=(sha == source.expected_sha256) if source.expected_sha256 else None,
                content=content.label,
            )
            staging.commit(target.path)
        self._write_provenance(target, record)
        return FetchedFile(source.source_id, target.path, record)

    def _member_from_mirror(self, source: Source, mirror_file: Path) -> FetchedFile:
        """A member of a zip in the mirror: the zip is checked where it lies, the member extracted."""
        key = str(mirror_file)
        if key not in self._archives:
            content = _check_content(source, mirror_file, str(mirror_file), expected="zip")
            record = Provenance(
                source_id=source.source_id,
                url=mirror_file.resolve().as_uri(),
                retrieved_at=_now(),
                bytes=mirror_file.stat().st_size,
                sha256=_sha256_of(mirror_file),
                etag="",
                last_modified="",
                mode="mirror",
                status="copied",
                file_name=mirror_file.name,
                public_url=source.page_url,
                origin=self.origin,
                content=content.label,
            )
            self._archives[key] = (mirror_file, record)
        return self._extract_member(source, *self._archives[key], where=str(mirror_file))

    # --- one download for several rows ---------------------------------------------------------

    def _reuse_download(self, source: Source, url: str) -> FetchedFile:
        """Another row of a file downloaded in this run (a workbook's sheets): its bytes are copied into this
        row's cache, checked as this row's (content, manifest), and recorded as retrieved with the first."""
        first_path, first = self._downloads[url]
        target = self._source_target(source)
        with first_path.open("rb") as reader, self._staging(target) as staging:
            digest = hashlib.sha256()
            size = 0
            for chunk in iter(lambda: reader.read(CHUNK_BYTES), b""):
                staging.handle.write(chunk)
                digest.update(chunk)
                size += len(chunk)
            staging.handle.close()
            sha = digest.hexdigest()
            content = _check_content(source, staging.path, url)
            if self.origin == "mirror-http":
                self._check_manifest(source, size, sha, url)
            record = replace(
                first,
                source_id=source.source_id,
                file_name=source.file_name,
                bytes=size,
                sha256=sha,
                public_url=self._public_url(source, url),
                manifest_sha256_matches=self._note_new_version(source, sha),
                content=content.label,
            )
            staging.commit(target.path)
        self._write_provenance(target, record)
        return FetchedFile(source.source_id, target.path, record)

    # --- zip archive members ------------------------------------------------------------------

    def _fetch_member(self, source: Source, url: str) -> FetchedFile:
        """Download the zip at `url` (once per run; cached, conditional GET), then extract the member."""
        if url not in self._archives:
            target = self._archive_target(source, url)
            self._archives[url] = (target.path, self._download(target, url))
        return self._extract_member(source, *self._archives[url], where=url)

    def _extract_member(
        self, source: Source, archive_path: Path, archive: Provenance, where: str
    ) -> FetchedFile:
        """Extract `source.archive_member` into the cache; size, content and manifest are the member's."""
        member, target = source.archive_member, self._source_target(source)
        where = f"{where} [{member}]"

        def fail(check: str, detail: str) -> FetchError:
            return FetchError(source.source_id, source.file_name, check, f"{where}: {detail}")

        try:
            bundle = zipfile.ZipFile(archive_path)
        except (zipfile.BadZipFile, OSError) as exc:  # it passed the zip check: only if changed since
            raise fail("content is a zip archive", f"the zip does not open ({exc})") from None
        with bundle:
            infos = [info for info in bundle.infolist() if info.filename == member]
            if not infos:
                files = [name for name in bundle.namelist() if not name.endswith("/")]
                closest = difflib.get_close_matches(member, files, n=5, cutoff=0.0)
                raise fail(
                    "member in archive",
                    f"the zip has no member {member!r}; the closest of its {len(files)} files: "
                    + (", ".join(repr(name) for name in closest) or "none"),
                )
            if len(infos) > 1 or infos[0].is_dir():
                raise fail(
                    "member in archive", f"{member!r} is not one file in the zip ({len(infos)} entries)"
                )
            info = infos[0]
            if info.file_size > self.max_bytes:
                raise fail("size limit", f"{info.file_size:,} bytes, over the {self.max_bytes:,} byte limit")
            progress = _Progress(source.source_id, info.file_size, self.progress, self.progress_stream)
            with self._staging(target) as staging:
                digest = hashlib.sha256()
                size = 0
                try:
                    with bundle.open(info) as reader:
                        for chunk in iter(lambda: reader.read(CHUNK_BYTES), b""):
                            size += len(chunk)
                            if size > self.max_bytes:
                                raise fail(
                                    "size limit", f"over the {self.max_bytes:,} byte limit when extracted"
                                )
                            staging.handle.write(chunk)
                            digest.update(chunk)
                            progress.update(size)
                except (zipfile.BadZipFile, zlib.error, EOFError, OSError, NotImplementedError) as exc:
                    raise fail("member in archive", f"does not extract ({exc})") from None
                staging.handle.close()
                sha = digest.hexdigest()
                content = _check_content(source, staging.path, where)
                if self.origin != "production":
                    self._check_manifest(source, size, sha, where)
                matches = self._note_new_version(source, sha)
                record = Provenance(
                    source_id=source.source_id,
                    url=archive.url,
                    retrieved_at=archive.retrieved_at,
                    bytes=size,
                    sha256=sha,
                    etag=archive.etag,
                    last_modified=archive.last_modified,
                    mode=archive.mode,
                    status=archive.status,
                    file_name=source.file_name,
                    public_url=self._public_url(source, archive.url),
                    origin=self.origin,
                    manifest_sha256_matches=matches,
                    content=content.label,
                    archive_member=member,
                    archive_sha256=archive.sha256,
                    archive_bytes=archive.bytes,
                )
                staging.commit(target.path)
        self._write_provenance(target, record)
        return FetchedFile(source.source_id, target.path, record)

    def _note_new_version(self, source: Source, sha: str) -> bool | None:
        """Whether `sha` is the manifest's (None: it has none); a new upstream version is reported."""
        matches = (sha == source.expected_sha256) if source.expected_sha256 else None
        if matches is False:
            print(
                f"  {source.source_id}: new upstream version (sha256 {sha[:12]}…, manifest "
                f"{source.expected_sha256[:12]}…)",
                file=self.progress_stream or sys.stderr,
            )
        return matches

    def _check_manifest(self, source: Source, size: int, sha: str, where: str) -> None:
        """Mirror integrity: the copy must be the file the manifest describes (unless a refresh takes in
        revisions: then the new sha256 is recorded for the manifest)."""
        if self.accept_revisions and (
            (source.expected_sha256 and sha != source.expected_sha256)
            or (source.expected_bytes is not None and size != source.expected_bytes)
        ):
            self.revisions[source.source_id] = (source.expected_sha256, sha)
            return
        if source.expected_bytes is not None and size != source.expected_bytes:
            raise FetchError(
                source.source_id,
                source.file_name,
                "size matches manifest",
                f"{where}: {size:,} bytes, data/sources.csv expects {source.expected_bytes:,}",
            )
        if source.expected_sha256 and sha != source.expected_sha256:
            raise FetchError(
                source.source_id,
                source.file_name,
                "sha256 matches manifest",
                f"{where}: sha256 {sha}, data/sources.csv expects {source.expected_sha256}",
            )

    # --- offline ------------------------------------------------------------------------------

    def _from_cache_offline(self, source: Source) -> FetchedFile:
        record = self.cached(source)
        if record is None:
            raise FetchError(
                source.source_id,
                source.file_name,
                "offline cache",
                f"FFH_OFFLINE is set and there is no verified cached copy at {self.cache_path(source)}",
            )
        content = _check_content(source, self.cache_path(source), str(self.cache_path(source)))
        record = replace(record, status="cached", content=content.label)
        return FetchedFile(source.source_id, self.cache_path(source), record)

    # --- HTTP ---------------------------------------------------------------------------------

    def _download(self, target: _Target, url: str) -> Provenance:
        """GET `url` into `target` with retries inside the deadline; returns the provenance written."""
        source = target.source
        cached = self._cached(target)
        headers: dict[str, str] = {}
        if cached is not None and cached.url == url:
            if cached.etag:
                headers["If-None-Match"] = cached.etag
            if cached.last_modified:
                headers["If-Modified-Since"] = cached.last_modified
        else:
            cached = None
        failures: list[_Retryable] = []
        attempts = self.max_retries + 1
        deadline = time.monotonic() + self.deadline_seconds
        for attempt in range(attempts):
            try:
                return self._attempt(target, url, headers, cached, deadline)
            except _Retryable as exc:
                failures.append(exc)
                if exc.deadline:
                    raise self._deadline_error(source, url, failures) from None
                if attempt + 1 < attempts:
                    wait = exc.wait if exc.wait is not None else self.backoff_seconds * 2**attempt
                    left = deadline - time.monotonic()
                    if wait >= left:
                        raise self._deadline_error(source, url, failures, wait, left) from None
                    before = time.monotonic()
                    self._sleep(wait)
                    # a wait costs the budget in full, even when `sleep` returned early (tests record it)
                    deadline -= max(wait - (time.monotonic() - before), 0.0)
        failure = failures[-1]
        raise FetchError(
            source.source_id,
            source.file_name,
            failure.check,
            f"{failure.detail} (gave up after {attempts} attempt{'s' if attempts > 1 else ''})",
        )

    def _deadline_error(
        self,
        source: Source,
        url: str,
        failures: list[_Retryable],
        wait: float | None = None,
        left: float | None = None,
    ) -> FetchError:
        """The file's download deadline ran out (`wait`: a backoff or Retry-After that would outlast it)."""
        budget = f"the {self.deadline_seconds:g} s download deadline (FFH_DOWNLOAD_DEADLINE_SECONDS)"
        tries = f"{len(failures)} attempt{'s' if len(failures) > 1 else ''}"
        last = failures[-1]
        left_text = f"{max(left or 0.0, 0.0):.1f} s"
        if wait is not None and last.wait is not None:
            detail = (
                f"{last.detail} asks to retry after {wait:g} s (Retry-After), but only {left_text} of "
                f"{budget} is left ({tries})"
            )
        elif wait is not None:
            detail = (
                f"{last.check}: {last.detail}; a retry after the {wait:g} s backoff would start past "
                f"{budget} ({left_text} left, {tries})"
            )
        else:
            earlier = [f for f in failures[:-1] if not f.deadline]
            cause = f"the last try was cut off: {last.detail}"
            if earlier:
                cause += f"; before it: {earlier[-1].check}: {earlier[-1].detail}"
            detail = f"no complete download within {budget} ({tries}; {cause})"
        return FetchError(source.source_id, source.file_name, "download deadline", detail)

    def _attempt(
        self,
        target: _Target,
        url: str,
        headers: dict[str, str],
        cached: Provenance | None,
        deadline: float,
    ) -> Provenance:
        source = target.source
        left = deadline - time.monotonic()
        if left <= 0:
            raise _Retryable("download deadline", f"{url}: no time was left for it", deadline=True)
        # no socket wait may outlast the deadline: a timeout cut to the time left means it ran out
        connect_timeout, read_timeout = min(self.connect_timeout, left), min(self.read_timeout, left)
        try:
            response = self.session.get(
                url, headers=headers, stream=True, timeout=(connect_timeout, read_timeout)
            )
        except requests.ConnectTimeout as exc:
            raise _Retryable(
                "HTTP timeout",
                f"{url}: no connection within {connect_timeout:g} s ({exc})",
                deadline=connect_timeout < self.connect_timeout,
            ) from None
        except requests.Timeout as exc:
            raise _Retryable(
                "HTTP timeout",
                f"{url}: no response within {read_timeout:g} s ({exc})",
                deadline=read_timeout < self.read_timeout,
            ) from None
        except requests.ConnectionError as exc:
            raise _Retryable("HTTP connection", f"{url}: {exc}") from None
        with response:
            status = response.status_code
            if status == 304 and cached is not None:
                return self._not_modified(target, url, cached, response)
            if status == 429 or 500 <= status < 600:
                raise _Retryable(
                    "HTTP status",
                    f"HTTP {status} {response.reason or ''} from {url}".replace("  ", " "),
                    wait=self._retry_after(response),
                )
            if status != 200:
                raise FetchError(
                    source.source_id,
                    source.file_name,
                    "HTTP status",
                    f"HTTP {status} {response.reason or ''} for {url}".replace("  ", " "),
                )
            return self._receive(target, url, response, deadline, read_timeout < self.read_timeout)

    def _retry_after(self, response: requests.Response) -> float | None:
        value = response.headers.get("Retry-After", "").strip()
        if not value:
            return None
        try:
            seconds = float(value)
        except ValueError:
            try:
                seconds = (parsedate_to_datetime(value) - datetime.now(UTC)).total_seconds()
            except (TypeError, ValueError):
                return None
        return min(max(seconds, 0.0), self.max_retry_after_seconds)

    def _not_modified(
        self, target: _Target, url: str, cached: Provenance, response: requests.Response
    ) -> Provenance:
        source = target.source
        if self.origin == "mirror-http" and target.manifest:
            # the manifest may have changed since the copy was cached: the reused bytes must still match
            self._check_manifest(source, cached.bytes, cached.sha256, str(target.path))
        # the copy may have been cached before this content check existed, or under a different name
        content = _check_content(source, target.path, str(target.path), target.kind)
        record = replace(
            cached,
            content=content.label,
            status="not-modified",
            mode="http",
            etag=response.headers.get("ETag") or cached.etag,
            last_modified=response.headers.get("Last-Modified") or cached.last_modified,
            public_url=self._public_url(source, url) if target.manifest else url,
            origin=self.origin,
        )
        self._write_provenance(target, record)
        return record

    def _receive(
        self, target: _Target, url: str, response: requests.Response, deadline: float, cut: bool
    ) -> Provenance:
        """Stream the body into staging (`cut`: the read timeout was cut to the time left)."""
        source = target.source
        content_length = _int_header(response, "Content-Length")
        content_type = response.headers.get("Content-Type", "")
        if content_length is not None and content_length > self.max_bytes:
            raise FetchError(
                source.source_id,
                source.file_name,
                "size limit",
                f"{url} announces {content_length:,} bytes, over the {self.max_bytes:,} byte limit",
            )
        if content_type.split(";")[0].strip().lower() in {"text/html", "application/xhtml+xml"}:
            raise FetchError(
                source.source_id,
                source.file_name,
                "not an HTML page",
                f"{url} answered with Content-Type {content_type!r}: a web page, not the file",
            )
        encoded = response.headers.get("Content-Encoding", "identity").lower() not in {"", "identity"}
        progress = _Progress(
            target.label, None if encoded else content_length, self.progress, self.progress_stream
        )
        with self._staging(target) as staging, _Watchdog(response, deadline - time.monotonic()) as watchdog:
            digest = hashlib.sha256()
            received = 0

            def out_of_time() -> _Retryable:
                return _Retryable(
                    "download deadline",
                    f"{url}: the body was still arriving at the deadline ({received:,} bytes read so far)",
                    deadline=True,
                )

            try:
                for chunk in response.iter_content(CHUNK_BYTES):
                    if watchdog.fired or time.monotonic() >= deadline:
                        raise out_of_time()
                    received += len(chunk)
                    if received > self.max_bytes:
                        raise FetchError(
                            source.source_id,
                            source.file_name,
                            "size limit",
                            f"{url}: body exceeds the {self.max_bytes:,} byte limit",
                        )
                    staging.handle.write(chunk)
                    digest.update(chunk)
                    progress.update(received)
            except (requests.RequestException, urllib3.exceptions.HTTPError, OSError) as exc:
                if watchdog.fired:
                    raise out_of_time() from None
                raise _body_failure(source, url, received, exc, cut) from None
            finally:
                self._file_bytes_transferred += _wire_bytes(response, received)
            if watchdog.fired:  # a shut-down socket ends a body of unknown length as if it were complete
                raise out_of_time()
            staging.handle.close()
            wire = _wire_bytes(response, received)
            if content_length is not None and wire != content_length:
                raise _Retryable(
                    "truncated body",
                    f"{url}: Content-Length is {content_length:,} but {wire:,} bytes arrived",
                )
            sha = digest.hexdigest()
            content = _check_content(source, staging.path, url, target.kind)
            if self.origin == "mirror-http" and target.manifest:
                self._check_manifest(source, received, sha, url)
            matches = self._note_new_version(source, sha) if target.manifest else None
            record = Provenance(
                source_id=source.source_id,
                url=url,
                retrieved_at=_now(),
                bytes=received,
                sha256=sha,
                etag=response.headers.get("ETag", ""),
                last_modified=response.headers.get("Last-Modified", ""),
                mode="http",
                status="downloaded",
                file_name=target.name,
                public_url=self._public_url(source, url) if target.manifest else url,
                origin=self.origin,
                manifest_sha256_matches=matches,
                content=content.label,
            )
            staging.commit(target.path)
        self._write_provenance(target, record)
        return record

    @staticmethod
    def _staging(target: _Target) -> _Staging:
        target.path.parent.mkdir(parents=True, exist_ok=True)
        return _Staging(target.path.parent, target.path.name)


class _Staging:
    """A temporary file beside the cached one: committed with os.replace, removed on any failure."""

    def __init__(self, directory: Path, file_name: str):
        descriptor, name = tempfile.mkstemp(dir=directory, prefix=f".{file_name}.", suffix=".part")
        self.path = Path(name)
        self.handle = os.fdopen(descriptor, "wb")
        self.committed = False

    def commit(self, target: Path) -> None:
        self.handle.close()
        os.replace(self.path, target)
        self.committed = True

    def __enter__(self) -> _Staging:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.handle.close()
        if not self.committed:
            self.path.unlink(missing_ok=True)


def _socket_of(response: requests.Response) -> socket.socket | None:
    """The socket a streamed response reads from: the pooled connection's, or (when the connection was
    already detached, as for a body that ends when the server closes) the one under the response's
    file object. None when there is none (e.g. a test adapter's in-memory body)."""
    raw = response.raw
    sock = getattr(getattr(raw, "connection", None), "sock", None)
    if sock is None:
        sock = getattr(getattr(getattr(getattr(raw, "_fp", None), "fp", None), "raw", None), "_sock", None)
    return sock if isinstance(sock, socket.socket) else None


def _body_failure(source: Source, url: str, received: int, exc: Exception, cut: bool) -> Exception:
    """What a failure while streaming a body is: a _Retryable, or a FetchError at once."""
    if isinstance(exc, requests.exceptions.ChunkedEncodingError):
        return _Retryable("truncated body", f"{url}: body ended early after {received:,} bytes ({exc})")
    if isinstance(exc, requests.exceptions.ContentDecodingError):
        return FetchError(source.source_id, source.file_name, "content decoding", f"{url}: {exc}")
    stalled = isinstance(exc, requests.Timeout) or (
        isinstance(exc, requests.ConnectionError)
        and bool(exc.args)
        and isinstance(exc.args[0], urllib3.exceptions.ReadTimeoutError)
    )
    if stalled:  # no new byte within the read timeout; when that was cut to the time left, it ran out
        return _Retryable("HTTP timeout", f"{url}: body stalled after {received:,} bytes", deadline=cut)
    return _Retryable("HTTP connection", f"{url}: connection lost after {received:,} bytes ({exc})")


def _int_header(response: requests.Response, name: str) -> int | None:
    try:
        return int(response.headers[name])
    except (KeyError, ValueError):
        return None


def _wire_bytes(response: requests.Response, decoded: int) -> int:
    """Bytes read from the socket for the body (differs from `decoded` when gzip-encoded)."""
    try:
        wire = int(response.raw.tell())
    except (AttributeError, TypeError, ValueError, OSError):
        return decoded
    # urllib3 does not count chunked transfer-encoded bodies in tell(): fall back to the decoded size
    return wire if wire or not decoded else decoded


# --- content checks -------------------------------------------------------------------------------


def _check_content(source: Source, path: Path, where: str, expected: str | None = None) -> formats.Content:
    """The bytes must be what the file name (or `expected`) says: see analysis/formats.py."""
    return formats.check_kind(source, path, where, expected)


def _require_content_checked(record: Provenance) -> None:
    """No provenance for bytes that did not pass the content check (they would be recorded as a source)."""
    if not record.content:
        raise FetchError(
            record.source_id,
            record.file_name,
            "content checked",
            f"refusing to record provenance (sha256 {record.sha256[:12]}…) for bytes that have not passed "
            "the content check",
        )


# --- provenance summary ---------------------------------------------------------------------------


def _atomic_write_text(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    descriptor, name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(descriptor, "w", encoding="utf-8", newline="") as handle:
            handle.write(text)
        os.replace(name, path)
    except BaseException:
        Path(name).unlink(missing_ok=True)
        raise


# How the bytes were obtained, as data/provenance.csv states it: downloaded from the publisher, or a copy
# whose size and sha256 were checked against the manifest (the publisher's file, obtained earlier).
PUBLIC_MODE = {"production": "download", "mirror": "copy", "mirror-http": "copy"}


def read_provenance_summary(path: Path = settings.PROVENANCE_FILE) -> dict[str, dict[str, str]]:
    """data/provenance.csv as {source_id: row}; empty when the file does not exist yet."""
    if not path.is_file():
        return {}
    with path.open(newline="", encoding="utf-8") as handle:
        return {row["source_id"]: row for row in csv.DictReader(handle)}


def write_provenance_summary(
    records: list[Provenance],
    path: Path = settings.PROVENANCE_FILE,
    known_source_ids: Iterable[str] | None = None,
) -> Path:
    """Write data/provenance.csv atomically: one row per source_id, sorted.

    Rows of sources not in `records` are kept (a partial run does not forget the others) unless
    `known_source_ids` is given, in which case rows for ids outside it are dropped. `retrieved_at` is
    kept from the previous file while a source's sha256 is unchanged. Every record must carry the
    content check it passed (`Provenance.content`): otherwise FetchError 'content checked', and
    nothing is written.
    """
    seen: set[str] = set()
    for record in records:
        _require_content_checked(record)
        if record.source_id in seen:
            raise ValueError(f"provenance for {record.source_id!r} given twice")
        seen.add(record.source_id)
    previous = read_provenance_summary(path)
    keep = None if known_source_ids is None else set(known_source_ids)
    rows = {sid: row for sid, row in previous.items() if keep is None or sid in keep}
    for record in records:
        origin = record.origin or ("mirror" if record.mode == "mirror" else "production")
        production = origin == "production"
        row = {
            "source_id": record.source_id,
            "file_name": record.file_name,
            "url": record.public_url or record.url,
            "bytes": str(record.bytes),
            "sha256": record.sha256,
            "etag": record.etag if production else "",
            "last_modified": record.last_modified if production else "",
            "retrieved_at": record.retrieved_at,
            "mode": PUBLIC_MODE.get(origin, origin),
        }
        before = previous.get(record.source_id)
        if before and before.get("sha256") == record.sha256 and before.get("retrieved_at"):
            row["retrieved_at"] = before["retrieved_at"]
        rows[record.source_id] = row
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=SUMMARY_COLUMNS, lineterminator="\n", extrasaction="ignore")
    writer.writeheader()
    for source_id in sorted(rows):
        writer.writerow({column: rows[source_id].get(column, "") for column in SUMMARY_COLUMNS})
    _atomic_write_text(path, buffer.getvalue())
    return path
