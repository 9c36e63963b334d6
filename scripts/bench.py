"""`make bench`: how long the build takes and how heavy the site is. A report, not a test.

Prints, as a table:
  - cold `make data`: `python -m analysis.cli data` into a temporary output folder with a fresh, empty raw
    cache (FFH_CACHE_DIR), reading the offline mirror (FFH_SOURCE_MIRROR, default ../shared/upstream);
  - cold `make book`: `python -m analysis.site build` on a temporary copy of book/ (fresh _build, empty
    execution cache; from the data the first step built, else the committed data/), then the same
    command again (a no-op rebuild: nothing changed);
  - bytes downloaded when fetching every source twice over HTTP from the mirror served by
    http.server on 127.0.0.1 (which sends Last-Modified and answers If-Modified-Since with 304): the
    second, unchanged fetch should download (almost) nothing;
  - page weights: bytes of each built HTML page plus the local assets it loads (scripts, stylesheets,
    images, fonts it links), sorted heaviest first.

Usage: python scripts/bench.py [--skip data,book,fetch,weights] [--keep]
Nothing in the working tree is modified: everything is built under a temporary folder.
"""

from __future__ import annotations

import argparse
import functools
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
STEPS = ("data", "book", "fetch", "weights")


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
        if "book" not in skip:
            # the data just built, else the committed data/
            data_dir = work / "data" if (work / "data" / "datapackage.json").is_file() else settings.DATA_DIR
            book_figures, html_dir = bench_book(work, data_dir)
            figures += book_figures
        if "fetch" not in skip:
            figures += bench_fetch(work)
        print_table("Far from home: benchmark", ["measure", "value"], [list(f) for f in figures])
        if "weights" not in skip:
            html_dir = html_dir or ROOT / "book" / "_build" / "html"
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
    finally:
        if args.keep:
            print(f"\nbench: kept {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
