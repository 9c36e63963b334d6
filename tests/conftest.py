"""Shared test fixtures (generic: any test may use them).

- `mirror_dir`: an archive of the real source files laid out by publisher and release, with its index
  MANIFEST.csv: the local archive (FFH_SOURCE_MIRROR, else ../shared/upstream beside the clone), or, where
  there is none (a GitHub runner), one assembled from the raw cache the CI job filled by fetching every source
  from its publisher (FFH_CACHE_DIR, checked against the manifest's sha256). Tests that use it are marked
  `raw`. With neither, they are skipped with the reason printed and counted in the run's summary;
  FFH_REQUIRE_RAW=1 (set by .ci/run) turns each such skip into a failure, so nothing is skipped there.
- `upstream_manifest`: the archive's MANIFEST.csv as {path: row} (bytes and sha256 of every real file).
- `document_texts`: the texts of the documents published_figures quotes, by document id (tests marked
  `local_documents`: the texts are copies held only on the build machines, never published). Where they are
  absent (a GitHub runner) those tests are skipped and counted like `raw` ones; FFH_REQUIRE_RAW=1 makes that a
  failure.
- `raw_http_server`: start a tiny HTTP server on 127.0.0.1 that answers each connection with raw bytes
  from a function of the request, then closes the connection. For what a well-behaved server cannot do
  (a body shorter than its Content-Length, a stalled body).
"""

from __future__ import annotations

import csv
import socket
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from analysis import settings

RAW_FIXTURES = {"mirror_dir", "upstream_manifest", "raw_archive", "document_texts"}
_RAW_SKIPS: list[str] = []


def pytest_collection_modifyitems(config, items):
    """Tests that read the real source files carry the `raw` marker (whether they asked for it or not)."""
    for item in items:
        if RAW_FIXTURES & set(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.raw)


def pytest_terminal_summary(terminalreporter, exitstatus, config):
    if _RAW_SKIPS:
        terminalreporter.write_line(
            f"raw source files: {len(set(_RAW_SKIPS))} test(s) did not run because no archive of the source files "
            f"and no complete raw cache was found ({_RAW_SKIPS[0]})",
            yellow=True,
        )


def _archive_from_cache(cache: Path, target: Path) -> Path | None:
    """An archive laid out by archive_path, linking the files a complete raw cache holds, or None."""
    import hashlib

    from analysis.manifest import load_sources

    sources = load_sources(settings.SOURCES_MANIFEST)
    rows = []
    for source in sources.values():
        cached = cache / source.source_id / source.file_name
        if not cached.is_file():
            return None
        digest = hashlib.sha256(cached.read_bytes()).hexdigest()
        if source.expected_sha256 and digest != source.expected_sha256:
            return None
        link = target / source.archive_path
        link.parent.mkdir(parents=True, exist_ok=True)
        if not link.exists():
            link.symlink_to(cached.resolve())
        rows.append(
            {
                "path": source.archive_path,
                "bytes": str(cached.stat().st_size),
                "sha256": digest,
                "publisher": source.publisher,
                "publication": source.publication,
                "release": source.release_title,
                "upstream_page": source.page_url,
                "copied_from": "",
                "note": source.note,
            }
        )
    with (target / "MANIFEST.csv").open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, list(rows[0]), lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    return target


@pytest.fixture(scope="session")
def mirror_dir(tmp_path_factory) -> Path:
    run = settings.Settings.from_env()
    archive = run.mirror_dir or settings.DEFAULT_MIRROR
    if (archive / "MANIFEST.csv").is_file():
        return archive
    assembled = _archive_from_cache(run.cache_dir, tmp_path_factory.mktemp("archive"))
    if assembled is not None:
        return assembled
    reason = (
        f"needs the raw source files: no archive at {archive} and no complete raw cache at {run.cache_dir} "
        "(fetch them with `python -m analysis.cli fetch`)"
    )
    if run.require_raw:
        pytest.fail(reason + "; FFH_REQUIRE_RAW is set, so this is a failure")
    _RAW_SKIPS.append(reason)
    pytest.skip(reason)


@pytest.fixture(scope="session")
def upstream_manifest(mirror_dir: Path) -> dict[str, dict[str, str]]:
    with (mirror_dir / "MANIFEST.csv").open(newline="", encoding="utf-8") as handle:
        return {row["path"]: row for row in csv.DictReader(handle)}


# Where the text of each quoted document is held locally (tests only: these files are not published, and no
# published table names them). Official statistics have no local copy; their quotes are from the publisher's page.
DOCUMENT_TEXTS_DIR = settings.PROJECT_ROOT.parent / "shared" / "seeds"
DOCUMENT_TEXT_FILES = {
    "appg_2012_missing_from_care": "004_6468e72dc836d18f.txt",
    "dfe_2012_urgent_reforms": "000_f5046bcbea949e1a.txt",
    "lga_2012_childrens_homes_paper": "001_55b865ac59e1c669.txt",
    "huffpost_2012_care_homes": "003_cc8f3b5ad9362df8.txt",
    "hc_deb_2019_10_23_wh": "002_936d4e42142214ad.txt",
}


@pytest.fixture(scope="session")
def document_texts() -> dict[str, str]:
    missing = [name for name in DOCUMENT_TEXT_FILES.values() if not (DOCUMENT_TEXTS_DIR / name).is_file()]
    if missing:
        reason = (
            f"the local texts of the quoted documents are missing from {DOCUMENT_TEXTS_DIR}: {missing} "
            "(tests marked local_documents read them)"
        )
        if settings.Settings.from_env().require_raw:
            pytest.fail(reason + "; FFH_REQUIRE_RAW is set, so this is a failure")
        _RAW_SKIPS.append(reason)
        pytest.skip(reason)
    return {
        doc: (DOCUMENT_TEXTS_DIR / name).read_text(encoding="utf-8")
        for doc, name in DOCUMENT_TEXT_FILES.items()
    }


@dataclass
class RawServer:
    url: str  # http://127.0.0.1:<port>/
    requests: list[bytes] = field(default_factory=list)  # raw request heads, in arrival order


# A reply is either bytes, or a list of bytes / float items (float = pause that many seconds).
RawReply = bytes | list[bytes | float]


@pytest.fixture
def raw_http_server() -> Iterator[Callable[[Callable[[bytes], RawReply]], RawServer]]:
    started: list[tuple[threading.Event, threading.Thread, socket.socket]] = []

    def start(respond: Callable[[bytes], RawReply]) -> RawServer:
        listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", 0))
        listener.listen(8)
        listener.settimeout(0.1)
        server = RawServer(url=f"http://127.0.0.1:{listener.getsockname()[1]}/")
        stop = threading.Event()

        def handle(connection: socket.socket) -> None:
            with connection:
                connection.settimeout(5)
                head = b""
                while b"\r\n\r\n" not in head:
                    part = connection.recv(65536)
                    if not part:
                        return
                    head += part
                server.requests.append(head)
                reply = respond(head)
                try:
                    for item in [reply] if isinstance(reply, bytes) else reply:
                        if isinstance(item, float):
                            if stop.wait(item):
                                return
                        else:
                            connection.sendall(item)
                    connection.shutdown(socket.SHUT_WR)
                except OSError:
                    return  # the client gave up first (e.g. its read timeout)

        def serve() -> None:
            while not stop.is_set():
                try:
                    connection, _ = listener.accept()
                except TimeoutError:
                    continue
                except OSError:
                    return
                threading.Thread(target=handle, args=(connection,), daemon=True).start()

        thread = threading.Thread(target=serve, daemon=True)
        thread.start()
        started.append((stop, thread, listener))
        return server

    yield start
    for stop, thread, listener in started:
        stop.set()
        thread.join(timeout=2)
        listener.close()
