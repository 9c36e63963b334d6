"""Real-browser fixtures: Debian Chromium driven by Playwright over a built site served on 127.0.0.1.

Chromium must be at /usr/bin/chromium (apt-get install -y chromium); a missing browser, axe-core or built
site is a failure, never a skip. The sites tested: the real book (book/_build/html, built by `make book`)
and the fixture book (tests/fixtures/book: every chart type over made-up numbers, built here).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import fixture_book  # tests/ is on sys.path (browser_support puts it there)
import pytest
from browser_support import AXE, CHROMIUM, CHROMIUM_ARGS, REAL_SITE, SiteServer


@pytest.fixture(scope="session")
def chromium_path() -> Path:
    if not CHROMIUM.exists() or not os.access(CHROMIUM, os.X_OK):
        pytest.fail(f"Chromium not found at {CHROMIUM}: apt-get update && apt-get install -y chromium")
    return CHROMIUM


@pytest.fixture(scope="session")
def axe_source() -> str:
    if not AXE.exists():
        pytest.fail(f"axe-core not found at {AXE}: run `bash scripts/fetch_axe.sh`")
    return AXE.read_text("utf-8")


@pytest.fixture(scope="session")
def browser(chromium_path: Path):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(chromium_path), headless=True, args=CHROMIUM_ARGS
        )
        yield browser
        browser.close()


@pytest.fixture(scope="session")
def fixture_site() -> Path:
    return fixture_book.build()


@pytest.fixture(scope="session")
def real_site() -> Path:
    if not (REAL_SITE / "index.html").exists():
        pytest.fail(f"no built site at {REAL_SITE}: run `make book` first")
    return REAL_SITE


@pytest.fixture(scope="session", params=["real", "fixture"])
def site(request) -> Iterator[SiteServer]:
    root = request.getfixturevalue("real_site" if request.param == "real" else "fixture_site")
    with SiteServer(root) as server:
        server.kind = request.param
        yield server


@pytest.fixture()
def context(browser):
    context = browser.new_context(viewport={"width": 1280, "height": 900}, service_workers="block")
    yield context
    context.close()


PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}


@pytest.fixture()
def phone(browser):
    """A phone-sized touch screen (390 x 844 CSS px, as the reader who reported issue 12)."""
    context = browser.new_context(
        viewport=PHONE, is_mobile=True, has_touch=True, device_scale_factor=2, service_workers="block"
    )
    yield context
    context.close()


@pytest.fixture(params=["desktop", "phone"])
def any_screen(request, browser):
    """Desktop (1280 x 900) and phone (390 x 844, touch) in turn."""
    if request.param == "phone":
        context = browser.new_context(
            viewport=PHONE, is_mobile=True, has_touch=True, device_scale_factor=2, service_workers="block"
        )
    else:
        context = browser.new_context(viewport=DESKTOP, service_workers="block")
    context.screen_name = request.param
    yield context
    context.close()
