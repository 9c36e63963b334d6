"""Assemble and build the fixture book: the real book's configuration, assets and reference pages
(methodology, downloads) plus a demo chapter, over tests/fixtures/book/data (made-up numbers).

Built into .cache/fixture-book/ so its execution cache survives between pytest runs.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from analysis import settings, site

ROOT = settings.PROJECT_ROOT
FIXTURE = ROOT / "tests" / "fixtures" / "book"
FIXTURE_DATA = FIXTURE / "data"
WORK = ROOT / ".cache" / "fixture-book"
REAL_PAGES = ["methodology.md", "downloads.md"]
CHART_NAMES = [
    "demo-missing-trend",
    "demo-homes-by-sector",
    "demo-council-ranking",
    "demo-supply-need",
    "demo-council-map",
]


def assemble(work: Path = WORK) -> Path:
    """Copy the book's _config.yml, _static assets and reference pages, and the fixture pages, into work/book."""
    book = work / "book"
    (book / "_static").mkdir(parents=True, exist_ok=True)
    for name in ["_config.yml", *REAL_PAGES]:
        _copy_if_changed(site.BOOK_DIR / name, book / name)
    for asset in (site.BOOK_DIR / "_static").iterdir():
        if asset.is_file():
            _copy_if_changed(asset, book / "_static" / asset.name)
    (book / "_templates").mkdir(exist_ok=True)
    for template in (site.BOOK_DIR / "_templates").iterdir():
        _copy_if_changed(template, book / "_templates" / template.name)
    for page in (FIXTURE / "pages").iterdir():
        _copy_if_changed(page, book / page.name)
    return book


def _copy_if_changed(source: Path, target: Path) -> None:
    if not target.exists() or target.read_bytes() != source.read_bytes():
        shutil.copy2(source, target)


def build(work: Path = WORK) -> Path:
    """Build the fixture book (strict, as `make book`); returns its html folder."""
    book = assemble(work)
    return site.build(book, data_dir=FIXTURE_DATA)
