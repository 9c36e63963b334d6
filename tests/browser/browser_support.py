"""Helpers for the real-browser tests: the site server (http.server on 127.0.0.1, in a thread of the test
process, stopped by the fixture; it records every file it sends, for the page-weight budget), the page
watcher (console errors, failed or non-local requests) and the Chromium settings."""

from __future__ import annotations

import functools
import gzip
import http.server
import sys
import threading
from pathlib import Path
from urllib.parse import unquote, urlsplit

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # tests/ for fixture_book


from analysis import settings  # noqa: E402

CHROMIUM = settings.Settings.from_env().chromium
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
AXE = settings.PROJECT_ROOT / ".cache" / "axe-core" / "axe.min.js"
REAL_SITE = settings.Settings.from_env().site_dir


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args) -> None:  # noqa: A002
        pass

    def log_request(self, code="-", size="-") -> None:
        # every response, with its status (200: the file was sent; 304: the browser's copy was still good)
        with self.server.lock:
            self.server.served.append((urlsplit(self.path).path, int(getattr(code, "value", code))))


class _QuietServer(http.server.ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request, client_address) -> None:
        if not isinstance(sys.exc_info()[1], (BrokenPipeError, ConnectionResetError)):
            super().handle_error(request, client_address)


COUNCIL_DIR = "councils/"
# Council pages that differ in what they show: a unitary with every series (Blackpool), a county (Kent),
# the smallest councils with suppressed counts (City of London, Isles of Scilly), councils formed since 2011
# (North Yorkshire, West Northamptonshire) and one abolished (Northamptonshire).
COUNCIL_SAMPLE = {
    f"{COUNCIL_DIR}{code}.html"
    for code in ("E06000009", "E10000016", "E09000001", "E06000053", "E06000065", "E06000062", "E10000021")
}


class SiteServer:
    """A built site served by http.server on 127.0.0.1 (random port) in a thread of this process."""

    def __init__(self, root: Path):
        self.root = root
        handler = functools.partial(_QuietHandler, directory=str(root))
        self.httpd = _QuietServer(("127.0.0.1", 0), handler)
        self.httpd.lock = threading.Lock()
        self.httpd.served = []
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self._gzipped: dict[str, int] = {}

    def take_served(self) -> list[tuple[str, int]]:
        """(path, status) of every response since the last call."""
        with self.httpd.lock:
            served, self.httpd.served = self.httpd.served, []
        return served

    def file_for(self, path: str) -> Path:
        target = self.root / unquote(path).lstrip("/")
        return target / "index.html" if target.is_dir() else target

    def gzipped_size(self, path: str) -> int:
        """Bytes a server compressing with gzip (level 6, as web servers do) would send for the file."""
        if path not in self._gzipped:
            self._gzipped[path] = len(gzip.compress(self.file_for(path).read_bytes(), 6, mtime=0))
        return self._gzipped[path]

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.httpd.server_address[1]}/"

    def pages(self) -> list[str]:
        """Every page (not theme fragments under _static, not jupyter-book's redirect-only index.html), with
        the council pages cut to COUNCIL_SAMPLE: the 163 share one template, and loading each in a browser
        for every check would take most of `make test`'s time. Every council page is checked without a
        browser (tests/test_council_pages.py) and for weight and numbers in test_councils.py."""
        found = sorted(
            p.relative_to(self.root).as_posix()
            for p in self.root.rglob("*.html")
            if p.relative_to(self.root).parts[0] != "_static"
            and 'http-equiv="Refresh"' not in p.read_text("utf-8")
        )
        return [p for p in found if not p.startswith(COUNCIL_DIR) or p in COUNCIL_SAMPLE]

    def __enter__(self) -> SiteServer:
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
        self.thread.join(timeout=10)


class PageWatch:
    """Everything that went wrong while a page loaded: console errors, page errors, failed or non-local
    requests, HTTP errors."""

    def __init__(self, page, base_url: str):
        self.problems: list[str] = []
        self.base_url = base_url
        page.on("console", lambda m: m.type == "error" and self.problems.append(f"console error: {m.text}"))
        page.on("pageerror", lambda e: self.problems.append(f"page error: {e}"))
        page.on("requestfailed", lambda r: self.problems.append(f"request failed: {r.url} {r.failure}"))
        page.on("response", lambda r: r.status >= 400 and self.problems.append(f"HTTP {r.status}: {r.url}"))
        page.route("**/*", self._route)

    def _route(self, route) -> None:
        url = route.request.url
        if url.startswith(self.base_url) or url.startswith(("data:", "blob:", "about:")):
            route.continue_()
        else:
            self.problems.append(f"request to another host: {url}")
            route.abort()


def open_page(context, server: SiteServer, path: str):
    page = context.new_page()
    watch = PageWatch(page, server.url)
    page.goto(server.url + path, wait_until="load")
    page.wait_for_function(
        "() => Array.from(document.querySelectorAll('.ffh-chart')).every("
        "c => ['true', 'error'].includes(c.getAttribute('data-ffh-rendered')))",
        timeout=30_000,
    )
    return page, watch


def axe_problems(context, server: SiteServer, path: str, axe_source: str, screen: str) -> list[str]:
    """axe-core's serious and critical violations on one page, its <details> open, one line each."""
    page, _ = open_page(context, server, path)
    page.evaluate("() => document.querySelectorAll('details').forEach(d => { d.open = true; })")
    page.add_script_tag(content=axe_source)
    result = page.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
    page.close()
    problems = []
    for violation in result["violations"]:
        if violation["impact"] in ("serious", "critical"):
            nodes = "; ".join(
                n["target"][0] if isinstance(n["target"][0], str) else str(n["target"])
                for n in violation["nodes"][:5]
            )
            problems.append(
                f"{screen} {path}: {violation['id']} ({violation['impact']}): {violation['help']} at {nodes}"
            )
    return problems
