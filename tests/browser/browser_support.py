"""Helpers for the real-browser tests: the site server (http.server on 127.0.0.1, in a thread of the test
process, stopped by the fixture), the page watcher (console errors, failed or non-local requests) and the
Chromium settings."""

from __future__ import annotations

import functools
import http.server
import os
import sys
import threading
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # tests/ for fixture_book


from analysis import settings  # noqa: E402

CHROMIUM = Path(os.environ.get("FFH_CHROMIUM", "/usr/bin/chromium"))
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
REAL_SITE = Path(os.environ.get("FFH_SITE_DIR", settings.PROJECT_ROOT / "book" / "_build" / "html"))


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args) -> None:  # noqa: A002
        pass


class _QuietServer(http.server.ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request, client_address) -> None:
        if not isinstance(sys.exc_info()[1], (BrokenPipeError, ConnectionResetError)):
            super().handle_error(request, client_address)


class SiteServer:
    """A built site served by http.server on 127.0.0.1 (random port) in a thread of this process."""

    def __init__(self, root: Path):
        self.root = root
        handler = functools.partial(_QuietHandler, directory=str(root))
        self.httpd = _QuietServer(("127.0.0.1", 0), handler)
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.httpd.server_address[1]}/"

    def pages(self) -> list[str]:
        """Every page (not theme fragments under _static, not jupyter-book's redirect-only index.html)."""
        return sorted(
            p.relative_to(self.root).as_posix()
            for p in self.root.rglob("*.html")
            if p.relative_to(self.root).parts[0] != "_static"
            and 'http-equiv="Refresh"' not in p.read_text("utf-8")
        )

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
