"""The built out-of-area page: every number on it is held by a published dataset, both bounds of the rise since
the first year are on it, and it is no taller than about 25 desktop screens."""

from __future__ import annotations

import re

import pytest
from browser_support import SiteServer

from analysis import book, settings, text
from analysis.numbers_check import page_numbers, unsourced_numbers

pytestmark = pytest.mark.browser
PAGE = "out-of-area.html"
DESKTOP = {"width": 1280, "height": 900}


def test_every_number_on_the_page_is_in_a_published_dataset(real_site):
    page = real_site / PAGE
    assert len(page_numbers(page.read_text("utf-8"))) > 100  # the check reads the page's text and tables
    assert unsourced_numbers(real_site, settings.Settings.from_env().data_dir, pages=[page]) == []


def test_the_rise_since_the_first_year_is_shown_with_both_bounds(real_site):
    change = book.load("placements_national_change", measure="placed_outside_la_boundary")
    first, latest = change["base_year"].min(), change["time_period"].max()
    row = book.one(change, base_year=first, time_period=latest)
    assert row["has_bounds"]
    html = (real_site / PAGE).read_text("utf-8")
    for bound in (row["change_percent_low"], row["change_percent_high"]):
        assert text.signed_pct(bound) in html
    # a glued count pastes as itself, never read back as a tuple ("37,520" shown as "(37, 520)")
    assert not re.search(r"\(\d{1,3}, \d{3}\)", html)


def test_the_page_is_no_taller_than_25_desktop_screens(real_site, browser):
    with SiteServer(real_site) as server:
        page = browser.new_page(viewport=DESKTOP)
        page.goto(server.url + PAGE)
        page.wait_for_selector(".ffh-chart svg, .ffh-chart canvas", timeout=20_000)
        height = page.evaluate("document.documentElement.scrollHeight")
        page.close()
    assert height <= 25 * DESKTOP["height"], f"{height} px is {height / DESKTOP['height']:.1f} screens"
