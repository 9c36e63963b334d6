"""The page-weight budget, in bytes a gzip-compressing server sends (each file the site's server sent with
200, compressed as web servers do; 304 "not modified" answers send no file): a first visit to any page moves
at most 500 KB; the next page moves at most 60 KB plus its own HTML (and the chart runtime, the first time a
page with charts is opened). The chart runtime loads only on pages with charts, once. No Font Awesome.

Pages are opened without Playwright's request routing, which would turn off the browser's cache."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.browser

FIRST_VISIT_LIMIT = 500 * 1000  # bytes, gzipped
NEXT_PAGE_LIMIT = 60 * 1000  # bytes, gzipped, besides the page's own HTML
LANDING = "intro.html"
RUNTIME = "/_static/vendor/vega-bundle.js"
NEVER = ("fontawesome", ".woff", ".ttf", "genindex")


def _visit(context, site, path: str) -> list[tuple[str, int]]:
    """Open a page as a reader would (no routing), wait for its charts and for the network to settle, and
    return what the server answered meanwhile."""
    site.take_served()
    page = context.new_page()
    page.goto(site.url + path, wait_until="load")
    page.wait_for_function(
        "() => Array.from(document.querySelectorAll('.ffh-chart')).every("
        "c => ['true', 'error'].includes(c.getAttribute('data-ffh-rendered')))",
        timeout=30_000,
    )
    page.wait_for_load_state("networkidle")
    page.close()
    return site.take_served()


def _sent(served: list[tuple[str, int]]) -> list[str]:
    return [path for path, status in served if status == 200]


def _has_charts(site, path: str) -> bool:
    return 'data-ffh-spec="' in (site.root / path).read_text("utf-8")  # a chart drawn by the runtime


def _fresh(browser):
    return browser.new_context(viewport={"width": 390, "height": 844}, service_workers="block")


def test_first_visit_to_any_page_moves_at_most_500_kb(site, browser):
    failures = []
    for path in site.pages():
        context = _fresh(browser)
        sent = _sent(_visit(context, site, path))
        context.close()
        total = sum(site.gzipped_size(p) for p in sent)
        if total > FIRST_VISIT_LIMIT:
            failures.append(f"{path}: first visit {total:,} bytes gzipped in {len(sent)} files")
        if f"/{path}" not in sent:
            failures.append(f"{path}: the page itself was not counted")
        failures += [f"{path}: loaded {p}" for p in sent if any(word in p for word in NEVER)]
        if (RUNTIME in sent) != _has_charts(site, path):
            failures.append(
                f"{path}: chart runtime sent: {RUNTIME in sent}; charts: {_has_charts(site, path)}"
            )
    assert not failures, "\n".join(failures)


def test_next_page_moves_at_most_60_kb_plus_its_html(site, browser):
    failures = []
    for path in site.pages():
        context = _fresh(browser)
        _visit(context, site, LANDING)
        sent = _sent(_visit(context, site, path))
        context.close()
        extra = [p for p in sent if p not in (f"/{path}", RUNTIME)]
        total = sum(site.gzipped_size(p) for p in extra)
        if total > NEXT_PAGE_LIMIT:
            failures.append(f"{path} after {LANDING}: {total:,} bytes gzipped besides its HTML: {extra}")
        if RUNTIME in sent and (not _has_charts(site, path) or _has_charts(site, LANDING)):
            failures.append(f"{path} after {LANDING}: the chart runtime was sent again or without charts")
    assert not failures, "\n".join(failures)


def test_chart_runtime_is_one_file_sent_once_and_only_to_pages_with_charts(site, browser):
    context = _fresh(browser)
    runtime_sent = 0
    chart_pages = 0
    for path in site.pages():
        served = _visit(context, site, path)
        requested = [p for p, _ in served]
        runtime_sent += _sent(served).count(RUNTIME)
        if _has_charts(site, path):
            chart_pages += 1
            assert RUNTIME in requested or runtime_sent == 1, path  # cached after the first chart page
        else:
            assert RUNTIME not in requested, path
    context.close()
    assert chart_pages >= 1
    assert runtime_sent == 1
