"""The built site in a real browser: pages load cleanly and offline, charts draw, downloads work, the
keyboard reaches the downloads, and axe-core finds no serious or critical accessibility problem."""

from __future__ import annotations

import datetime as dt

import pytest
from browser_support import axe_problems, open_page

pytestmark = pytest.mark.browser

CONTENT_TYPES = {
    ".csv": ("text/csv", None),
    ".png": ("image/png", b"\x89PNG\r\n\x1a\n"),
    ".svg": ("image/svg+xml", None),
    ".json": ("application/json", b"{"),
    ".txt": ("text/plain", None),
}


def test_every_page_loads_without_errors_or_other_hosts(site, context):
    problems = []
    pages = site.pages()
    assert pages, "no pages"
    for path in pages:
        page, watch = open_page(context, site, path)
        problems += [f"{path}: {p}" for p in watch.problems]
        page.close()
    assert not problems, "\n".join(problems)


def test_every_chart_draws_an_svg(site, context):
    drawn = 0
    failures = []
    for path in site.pages():
        page, watch = open_page(context, site, path)
        for chart in page.query_selector_all(".ffh-chart"):
            name = chart.evaluate("c => c.closest('figure').dataset.ffhChart")
            state = chart.get_attribute("data-ffh-rendered")
            marks = chart.evaluate("c => c.querySelectorAll('svg path, svg rect, svg line, svg text').length")
            if state != "true" or marks < 5:
                failures.append(f"{path}: chart {name} state={state} marks={marks}")
            else:
                drawn += 1
        page.close()
    assert not failures, "\n".join(failures)
    if site.kind == "fixture":
        assert drawn == 5


def test_download_links_return_the_right_files(site, context):
    checked = 0
    failures = []
    for path in site.pages():
        page, _ = open_page(context, site, path)
        hrefs = page.eval_on_selector_all("a[download]", "links => links.map(a => a.href)")
        for href in hrefs:
            response = context.request.get(href)
            suffix = "." + href.rsplit(".", 1)[-1]
            expected_type, magic = CONTENT_TYPES[suffix]
            body = response.body()
            if response.status != 200:
                failures.append(f"{path}: {href} -> HTTP {response.status}")
            elif not response.headers.get("content-type", "").startswith(expected_type):
                failures.append(f"{path}: {href} content-type {response.headers.get('content-type')}")
            elif not body or (magic and not body.startswith(magic)):
                failures.append(f"{path}: {href} is empty or not a {suffix} file")
            elif suffix == ".svg" and b"<svg" not in body[:500]:
                failures.append(f"{path}: {href} is not an SVG")
            elif (
                suffix == ".csv"
                and "_static/charts/" in href
                and not body.removeprefix(
                    b"\xef\xbb\xbf"  # published CSVs start with a UTF-8 byte order mark (Excel), as check_site allows
                ).startswith(b"time_period,")
            ):
                failures.append(f"{path}: {href} does not start with the EES columns")
            checked += 1
        page.close()
    assert not failures, "\n".join(failures)
    assert checked > 0, "no download links found"


def _tab_through(page, limit: int = 600) -> set[str]:
    reached: set[str] = set()
    page.evaluate("() => { document.activeElement && document.activeElement.blur(); window.scrollTo(0, 0); }")
    for _ in range(limit):
        page.keyboard.press("Tab")
        href = page.evaluate("() => document.activeElement && document.activeElement.href || ''")
        if href:
            reached.add(href)
        if page.evaluate("() => document.activeElement === document.body") and reached:
            break
    return reached


@pytest.mark.parametrize("path", ["downloads.html", "demo.html"])
def test_keyboard_reaches_every_download_link(site, context, path):
    if path not in site.pages():
        assert site.kind == "real" and path == "demo.html", f"{path} missing from the {site.kind} site"
        return  # the real book has no demo chapter
    page, _ = open_page(context, site, path)
    wanted = set(page.eval_on_selector_all("a[download]", "links => links.map(a => a.href)"))
    assert wanted
    reached = _tab_through(page)
    missing = wanted - reached
    assert not missing, f"Tab never reached: {sorted(missing)}"


def test_citations_are_completed_in_the_page(site, context):
    today = dt.date.today()
    expected = f"{today.day} {today:%B %Y}"
    found = 0
    for path in site.pages():
        page, _ = open_page(context, site, path)
        for citation in page.query_selector_all(".ffh-figure .ffh-citation"):
            text = citation.text_content()
            assert expected in text, text
            assert site.url + path in text, text
            assert "%%FFH_" not in text
            found += 1
        page.close()
    if site.kind == "fixture":
        assert found == 5


def test_axe_finds_no_serious_or_critical_violations(site, any_screen, axe_source):
    """On a desktop (1280 x 900) and on a phone (390 x 844), every page with its <details> open (council
    pages: the sample in browser_support; every one of them in test_councils.py, run by .ci/run)."""
    failures = [
        problem
        for path in site.pages()
        for problem in axe_problems(any_screen, site, path, axe_source, any_screen.screen_name)
    ]
    assert not failures, "\n".join(failures)
