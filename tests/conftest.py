"""Shared test fixtures (generic: any test may use them).

- `mirror_dir`: the real upstream mirror (settings.DEFAULT_MIRROR); a missing mirror is an error, not a skip.
- `upstream_manifest`: the mirror's MANIFEST.csv as {path: row} (bytes and sha256 of every real file).
- `document_texts`: the texts of the documents published_figures quotes, by document id (tests marked
  `local_documents`: the texts are copies held only on the project's build machine, never published; a missing
  text is an error naming the file, not a skip).
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


@pytest.fixture(scope="session")
def mirror_dir() -> Path:
    mirror = settings.DEFAULT_MIRROR
    if not (mirror / "MANIFEST.csv").is_file():
        raise RuntimeError(f"the upstream mirror is missing: {mirror} (tests read the real files there)")
    return mirror


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
        raise RuntimeError(
            f"the local texts of the quoted documents are missing from {DOCUMENT_TEXTS_DIR}: {missing} "
            "(tests marked local_documents read them)"
        )
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
