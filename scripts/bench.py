"""`make bench`: how long the build takes and how heavy the site is. A report, not a test.

Prints, as a table:
  - cold `make data`: `python -m analysis.cli data` into a temporary output folder with a fresh, empty raw
    cache (FFH_CACHE_DIR), reading the offline mirror (FFH_SOURCE_MIRROR, default ../shared/upstream);
  - release day: the rehearsal on the real files (tests/test_release_day.py: the pipeline on the sources
    without their newest release, `release_watch --apply` when it appears, the pipeline again), end to end;
  - cold `make book`: `python -m analysis.site build` on a temporary copy of book/ (fresh _build, empty
    execution cache; from the data the first step built, else the committed data/), then the same
    command again (a no-op rebuild: nothing changed);
  - bytes downloaded when fetching every source twice over HTTP from the mirror served by
    http.server on 127.0.0.1 (which sends Last-Modified and answers If-Modified-Since with 304): the
    second, unchanged fetch should download (almost) nothing;
  - page weights: bytes of each built HTML page plus the local assets it loads (scripts, stylesheets,
    images, fonts it links), sorted heaviest first;
  - in a real browser (Chromium: settings.Settings.chromium, FFH_CHROMIUM; driven by Playwright; phone screen
    390 x 844), for every page: the bytes a first visit moves (gzipped, as a compressing web server sends
    them: each file the server sent with 200), the files it asks for, the bytes the next page moves after
    the landing page (besides its own HTML; the chart runtime counted apart), and the time until every
    chart is drawn (median of 3 cold loads, CPU slowed 4x like a mid-range phone), against the budget:
    first visit <= 500 KB, next page <= 60 KB plus its HTML. A report: nothing here passes or fails.

Usage: python scripts/bench.py [--skip data,release,book,fetch,weights,browser] [--site DIR] [--keep]
  --site DIR  measure the page weights of an already built site (e.g. book/_build/html) instead of the one
              the book step builds.
Nothing in the working tree is modified: everything is built under a temporary folder.
"""

from __future__ import annotations

import argparse
import functools
import gzip
import http.server
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from analysis import settings  # noqa: E402

PY = sys.executable
STEPS = ("data", "release", "book", "fetch", "weights", "browser")
FIRST_VISIT_LIMIT = 500 * 1000  # bytes gzipped (issue 12)
NEXT_PAGE_LIMIT = 60 * 1000  # bytes gzipped, besides the page's own HTML
LANDING = "intro.html"
RUNTIME = "/_static/vendor/vega-bundle.js"
CPU_SLOWDOWN = 4


def mirror_dir() -> Path:
    mirror = Path(os.environ.get("FFH_SOURCE_MIRROR") or settings.DEFAULT_MIRROR)
    if not (mirror / "MANIFEST.csv").is_file():
        raise SystemExit(f"bench: the upstream mirror is missing: {mirror}")
    return mirror


def timed(command: list[str], *, env: dict[str, str] | None = None, cwd: Path = ROOT) -> float:
    started = time.perf_counter()
    result = subprocess.run(
        command, cwd=cwd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True
    )
    elapsed = time.perf_counter() - started
    if result.returncode != 0:
        raise SystemExit(f"bench: {' '.join(command)} failed ({result.returncode}):\n{result.stderr[-4000:]}")
    return elapsed


def bench_data(work: Path) -> list[tuple[str, str]]:
    env = dict(os.environ, FFH_CACHE_DIR=str(work / "cache" / "raw"), FFH_SOURCE_MIRROR=str(mirror_dir()))
    env.pop("FFH_SOURCE_BASE_URL", None)
    output = work / "data"
    # the committed inputs the book also reads (manifest, curated references, changelog) sit beside the outputs
    shutil.copytree(settings.DATA_DIR / "reference", output / "reference")
    for name in ("sources.csv", "changelog.csv"):
        shutil.copy(settings.DATA_DIR / name, output / name)
    seconds = timed([PY, "-m", "analysis.cli", "data", "--output-dir", str(output)], env=env)
    files = [p for p in output.rglob("*") if p.is_file()]
    size = sum(p.stat().st_size for p in files)
    return [
        ("make data, cold cache (s)", f"{seconds:.1f}"),
        ("  files published / bytes", f"{len(files)} / {size:,}"),
    ]


def bench_release() -> list[tuple[str, str]]:
    env = dict(os.environ, FFH_SOURCE_MIRROR=str(mirror_dir()))
    seconds = timed(
        [PY, "-m", "pytest", "-q", "-p", "no:cacheprovider", "tests/test_release_day.py"], env=env
    )
    return [("release day rehearsal: two pipeline runs + release_watch --apply (s)", f"{seconds:.1f}")]


def bench_book(work: Path, data_dir: Path) -> tuple[list[tuple[str, str]], Path]:
    book = work / "book"
    shutil.copytree(ROOT / "book", book, ignore=shutil.ignore_patterns("_build", "vendor", "downloads"))
    command = [PY, "-m", "analysis.site", "build", "--book", str(book), "--data-dir", str(data_dir)]
    cold = timed(command)
    noop = timed(command)
    return [
        ("make book, cold (s)", f"{cold:.1f}"),
        ("make book, no-op rebuild (s)", f"{noop:.1f}"),
    ], book / "_build" / "html"


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format, *args):  # noqa: A002 (the base class's name)
        pass


def bench_fetch(work: Path) -> list[tuple[str, str]]:
    from analysis.fetch import Fetcher
    from analysis.manifest import load_sources
    from analysis.settings import Settings

    handler = functools.partial(_QuietHandler, directory=str(mirror_dir()))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        base_url = f"http://127.0.0.1:{server.server_address[1]}/"
        run_settings = Settings(
            cache_dir=work / "http-cache" / "raw", mirror_dir=None, base_url=base_url, offline=False
        )
        sources = load_sources()
        figures = []
        for label in ("first fetch", "unchanged re-fetch"):
            fetcher = Fetcher(run_settings, progress=False)
            started = time.perf_counter()
            fetcher.fetch_all(sources)
            elapsed = time.perf_counter() - started
            figures.append(
                (f"HTTP {label}: bytes downloaded ({len(sources)} files)", f"{fetcher.bytes_downloaded():,}")
            )
            figures.append((f"HTTP {label}: time (s)", f"{elapsed:.1f}"))
        return figures
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


class _Assets(HTMLParser):
    """Local resources a page loads (not the pages it links to)."""

    def __init__(self) -> None:
        super().__init__()
        self.urls: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if tag in ("script", "img", "source", "audio", "video", "iframe") and a.get("src"):
            self.urls.append(a["src"])
        elif (
            tag == "link"
            and a.get("href")
            and set((a.get("rel") or "").split()) & {"stylesheet", "icon", "preload", "modulepreload"}
        ):
            self.urls.append(a["href"])


def page_weights(html_dir: Path) -> list[tuple[str, int, int, int]]:
    rows = []
    for page in sorted(html_dir.rglob("*.html")):
        if page.relative_to(html_dir).parts[0] in ("_static", "_sources", "_images"):
            continue  # theme templates and copies, not pages
        parser = _Assets()
        parser.feed(page.read_text(encoding="utf-8", errors="replace"))
        assets: set[Path] = set()
        for url in parser.urls:
            parts = urlsplit(url)
            if parts.scheme or parts.netloc or not parts.path:
                continue
            target = (page.parent / unquote(parts.path)).resolve()
            if target.is_file():
                assets.add(target)
        asset_bytes = sum(p.stat().st_size for p in assets)
        rows.append((page.relative_to(html_dir).as_posix(), page.stat().st_size, len(assets), asset_bytes))
    return sorted(rows, key=lambda r: r[1] + r[3], reverse=True)


class _LoggingHandler(_QuietHandler):
    def log_request(self, code="-", size="-"):
        with self.server.lock:
            self.server.served.append((urlsplit(self.path).path, int(getattr(code, "value", code))))


# set before the page's scripts run: the time (ms since navigation) when every chart says it is drawn
CHARTS_DRAWN_PROBE = """
window.__ffhChartsAt = null;
(function () {
  function check() {
    var charts = document.querySelectorAll('.ffh-chart');
    if (window.__ffhChartsAt === null && charts.length && Array.prototype.every.call(charts, function (c) {
      return ['true', 'error'].indexOf(c.getAttribute('data-ffh-rendered')) >= 0; })) {
      window.__ffhChartsAt = performance.now();
    }
  }
  new MutationObserver(check).observe(document, {subtree: true, attributes: true,
    attributeFilter: ['data-ffh-rendered']});
}());
"""


def browser_weights(html_dir: Path, runs: int = 3) -> list[list[str]]:
    """Per page: first-visit bytes and files, next-page bytes, chart runtime, time until charts are drawn."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeout
    from playwright.sync_api import sync_playwright

    chromium = settings.Settings.from_env().chromium
    handler = functools.partial(_LoggingHandler, directory=str(html_dir))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    server.lock = threading.Lock()
    server.served = []
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    base = f"http://127.0.0.1:{server.server_address[1]}/"
    sizes: dict[str, int] = {}

    def gz(path: str) -> int:
        if path not in sizes:
            target = html_dir / unquote(path).lstrip("/")
            target = target / "index.html" if target.is_dir() else target
            sizes[path] = len(gzip.compress(target.read_bytes(), 6, mtime=0))
        return sizes[path]

    def visit(context, path: str) -> list[tuple[str, int]]:
        with server.lock:
            server.served = []
        page = context.new_page()
        page.goto(base + path, wait_until="load")
        page.wait_for_function(
            "() => Array.from(document.querySelectorAll('.ffh-chart')).every("
            "c => ['true', 'error'].includes(c.getAttribute('data-ffh-rendered')))",
            timeout=60_000,
        )
        try:
            page.wait_for_load_state("networkidle", timeout=10_000)
        except PlaywrightTimeout:
            print(f"bench: {path}: the network did not settle within 10 s; counting what was sent")
        page.close()
        with server.lock:
            return list(server.served)

    pages = sorted(
        p.relative_to(html_dir).as_posix()
        for p in html_dir.rglob("*.html")
        if p.relative_to(html_dir).parts[0] not in ("_static", "_sources", "_images")
        and 'http-equiv="Refresh"' not in p.read_text("utf-8", errors="replace")
    )
    phone = {"viewport": {"width": 390, "height": 844}, "service_workers": "block"}
    rows = []
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(
                executable_path=str(chromium), headless=True, args=["--no-sandbox", "--disable-gpu"]
            )
            for path in pages:
                context = browser.new_context(**phone)
                sent = [p for p, status in visit(context, path) if status == 200]
                context.close()
                first = sum(gz(p) for p in sent)
                context = browser.new_context(**phone)
                visit(context, LANDING)
                again = [p for p, status in visit(context, path) if status == 200]
                context.close()
                runtime = RUNTIME in again
                following = sum(gz(p) for p in again if p not in (f"/{path}", RUNTIME))
                times = []
                for _ in range(runs):
                    context = browser.new_context(**phone)
                    page = context.new_page()
                    page.add_init_script(CHARTS_DRAWN_PROBE)
                    cdp = context.new_cdp_session(page)
                    cdp.send("Emulation.setCPUThrottlingRate", {"rate": CPU_SLOWDOWN})
                    page.goto(base + path, wait_until="load")
                    page.wait_for_function(
                        "() => window.__ffhChartsAt !== null || !document.querySelector('.ffh-chart')",
                        timeout=120_000,
                    )
                    drawn = page.evaluate("() => window.__ffhChartsAt")
                    context.close()
                    if drawn is not None:
                        times.append(drawn)
                ok = first <= FIRST_VISIT_LIMIT and following <= NEXT_PAGE_LIMIT
                rows.append(
                    [
                        path,
                        f"{first:,}",
                        str(len(sent)),
                        f"{following:,}",
                        f"{gz('/' + path):,}",
                        f"+{gz(RUNTIME):,}" if runtime else "",
                        f"{sorted(times)[len(times) // 2]:,.0f}" if times else "no charts",
                        "yes" if ok else "NO",
                    ]
                )
            browser.close()
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
    return rows


def print_table(title: str, header: list[str], rows: list[list[str]]) -> None:
    widths = [max(len(str(x)) for x in column) for column in zip(header, *rows, strict=False)]
    print(f"\n{title}\n")
    print("| " + " | ".join(h.ljust(w) for h, w in zip(header, widths, strict=True)) + " |")
    print("|" + "|".join("-" * (w + 2) for w in widths) + "|")
    for row in rows:
        print(
            "| "
            + " | ".join(
                str(x).rjust(w) if i else str(x).ljust(w)
                for i, (x, w) in enumerate(zip(row, widths, strict=True))
            )
            + " |"
        )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--skip", default="", help=f"comma-separated steps to skip: {','.join(STEPS)}")
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder and say where it is")
    parser.add_argument("--site", type=Path, default=None, help="measure this built site's page weights")
    args = parser.parse_args(argv)
    skip = {s for s in args.skip.split(",") if s}
    unknown = skip - set(STEPS)
    if unknown:
        parser.error(f"unknown steps: {sorted(unknown)}")

    work = Path(tempfile.mkdtemp(prefix="ffh-bench-"))
    figures: list[tuple[str, str]] = []
    html_dir: Path | None = None
    try:
        if "data" not in skip:
            figures += bench_data(work)
        if "release" not in skip:
            figures += bench_release()
        if "book" not in skip:
            # the data just built, else the committed data/
            data_dir = work / "data" if (work / "data" / "datapackage.json").is_file() else settings.DATA_DIR
            book_figures, html_dir = bench_book(work, data_dir)
            figures += book_figures
        if "fetch" not in skip:
            figures += bench_fetch(work)
        print_table("Far from home: benchmark", ["measure", "value"], [list(f) for f in figures])
        if args.site is not None:
            html_dir = args.site.resolve()
        if "weights" not in skip or "browser" not in skip:
            html_dir = html_dir or ROOT / "book" / "_build" / "html"
        if "weights" not in skip:
            if not (html_dir / "index.html").is_file():
                print(
                    f"\npage weights: no built site at {html_dir} (run make book, or do not skip the book step)"
                )
            else:
                rows = page_weights(html_dir)
                table = [[p, f"{h:,}", str(n), f"{a:,}", f"{h + a:,}"] for p, h, n, a in rows]
                print_table(
                    f"Page weights ({html_dir}): HTML + the local assets each page loads, heaviest first",
                    ["page", "HTML bytes", "assets", "asset bytes", "total bytes"],
                    table,
                )
        if "browser" not in skip and html_dir is not None and (html_dir / "index.html").is_file():
            print_table(
                f"In Chromium, phone screen 390 x 844 ({html_dir}). Bytes are gzipped, as a compressing server "
                f"sends them. Budget: first visit <= {FIRST_VISIT_LIMIT:,}; next page (after {LANDING}) "
                f"<= {NEXT_PAGE_LIMIT:,} besides its own HTML; the chart runtime is sent once, to the first "
                f"page with charts. Charts drawn: ms after navigation, median of 3 cold loads, CPU {CPU_SLOWDOWN}x "
                "slower.",
                [
                    "page",
                    "first visit",
                    "files",
                    "next page",
                    "its HTML",
                    "chart runtime",
                    "charts drawn (ms)",
                    "within budget",
                ],
                browser_weights(html_dir),
            )
    finally:
        if args.keep:
            print(f"\nbench: kept {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
