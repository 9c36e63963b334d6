"""Council pages and "Find your area" in a real browser (the built book, book/_build/html): the finder with a
mouse-free keyboard, with JavaScript and without it; the council pages' static charts, print layout and
weight; the hex maps' links. axe and the load/download/citation checks run over every page, council pages
included, in test_pages.py."""

from __future__ import annotations

import gzip
import json
import re

import pytest
from browser_support import SiteServer, axe_problems, open_page

pytestmark = pytest.mark.browser

BLACKPOOL = "councils/E06000009.html"
NORTH_YORKSHIRE = "councils/E06000065.html"
HEADER_BOX = "#ffh-find-header-q"


@pytest.fixture(scope="module")
def real(real_site):
    with SiteServer(real_site) as server:
        yield server


def _results(page) -> list[str]:
    page.wait_for_selector(f"{HEADER_BOX}-results li[role='option']")
    return page.eval_on_selector_all(
        f"{HEADER_BOX}-results li[role='option']", "os => os.map(o => o.textContent)"
    )


def test_typing_blackpool_reaches_its_page_in_two_interactions(real, context):
    page, watch = open_page(context, real, "intro.html")
    box = page.locator(HEADER_BOX)
    box.press_sequentially("Blackpool")  # interaction 1: typing the name
    assert _results(page)[0].startswith("Blackpool")
    with page.expect_navigation():
        box.press("Enter")  # interaction 2
    assert page.url.endswith(BLACKPOOL)
    rows = page.locator("table", has_text="placed inside and outside the council's boundary").first.evaluate(
        "t => Array.from(t.rows).map(r => Array.from(r.cells).map(c => c.textContent.trim()))"
    )
    by_year = {row[0]: row for row in rows}
    # issue 11: Blackpool's placed-outside counts, 153 in 2012 and 274 in 2024 (third column: placed outside)
    assert by_year["2012"][2] == "153" and by_year["2024"][2] == "274"
    assert not watch.problems, watch.problems


def test_a_constituency_lists_the_councils_that_serve_it(real, context):
    page, _ = open_page(context, real, BLACKPOOL)  # from a page one folder down: links stay right
    box = page.locator(HEADER_BOX)
    box.press_sequentially("Skipton and Ripon")
    options = _results(page)
    skipton = next(o for o in options if o.startswith("Skipton and Ripon"))
    assert "North Yorkshire" in skipton
    with page.expect_navigation():
        box.press("Enter")
    assert re.search(r"/areas\.html#E14\d{6}$", page.url)
    entry = page.locator(f"li#{page.url.rsplit('#', 1)[1]}")
    assert "Skipton and Ripon" in entry.inner_text()
    hrefs = entry.locator("a").evaluate_all("links => links.map(a => a.href)")
    assert any(h.endswith(NORTH_YORKSHIRE) for h in hrefs)
    # homes: Ofsted's lists use the 2010 constituencies, and the page says so rather than giving a 2024 count
    assert "2010" in entry.inner_text()


def test_the_finder_works_with_the_keyboard_alone(real, context):
    page, _ = open_page(context, real, "intro.html")
    page.evaluate("() => { document.activeElement && document.activeElement.blur(); window.scrollTo(0, 0); }")
    for _ in range(60):
        page.keyboard.press("Tab")
        if page.evaluate("() => document.activeElement && document.activeElement.id") == HEADER_BOX[1:]:
            break
    else:
        pytest.fail("Tab never reached the finder box")
    page.keyboard.type("Blackpool")
    _results(page)
    box = page.locator(HEADER_BOX)
    assert box.get_attribute("aria-expanded") == "true"
    page.keyboard.press("ArrowDown")  # the second match, then back to the first
    second = box.get_attribute("aria-activedescendant")
    assert second and second.endswith("-1")
    assert page.locator(f"#{second}").get_attribute("aria-selected") == "true"
    page.keyboard.press("ArrowUp")
    first = box.get_attribute("aria-activedescendant")
    assert first.endswith("-0") and page.locator(f"#{first}").inner_text().startswith("Blackpool")
    page.keyboard.press("Escape")
    assert box.get_attribute("aria-expanded") == "false"
    page.keyboard.press("ArrowDown")  # opens the list again
    page.wait_for_function(
        f"() => document.querySelector('{HEADER_BOX}').getAttribute('aria-expanded') === 'true'"
    )
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert page.url.endswith(BLACKPOOL)


FIRST_SCREEN_JS = """() => {
  const box = document.querySelector('#ffh-find-main-q').getBoundingClientRect();
  const header = document.querySelector('#ffh-find-header-q').getBoundingClientRect();
  const card = document.querySelector('.ffh-card').getBoundingClientRect();
  return {box: [box.top, box.bottom, box.width], header: [header.top, header.bottom, header.width],
          cardTop: card.top, pageWidth: document.documentElement.scrollWidth};
}"""


@pytest.mark.parametrize("width,height", [(1280, 800), (390, 844), (320, 640)])
def test_the_landing_page_offers_the_finder_on_its_first_screen(real, browser, width, height):
    """An MP's researcher lands on the front page: both finder boxes (the header's and the page's) are on the
    first screen at a usable width, the first headline figure starts on it (on a desktop and a 390 x 844
    phone), and the header's box does not push the page sideways on a small phone."""
    context = browser.new_context(viewport={"width": width, "height": height}, service_workers="block")
    try:
        page, watch = open_page(context, real, "intro.html")
        seen = page.evaluate(FIRST_SCREEN_JS)
        top, bottom, box_width = seen["box"]
        assert 0 <= top and bottom <= height, seen
        assert box_width >= 150, seen
        assert seen["header"][1] <= height and seen["header"][2] >= 60, seen
        if height >= 800:  # a small phone's first screen holds the lede and the finder
            assert seen["cardTop"] < height, seen
        assert seen["pageWidth"] <= width + 1, seen
        assert not watch.problems, watch.problems
    finally:
        context.close()


def test_the_finder_works_without_javascript(real, browser):
    context = browser.new_context(java_script_enabled=False, viewport={"width": 1280, "height": 900})
    try:
        page = context.new_page()
        page.goto(real.url + "intro.html")
        page.fill(HEADER_BOX, "Blackpool")
        with page.expect_navigation():
            page.press(HEADER_BOX, "Enter")
        assert "areas.html?q=Blackpool" in page.url
        with page.expect_navigation():
            page.locator(f"a[href$='{BLACKPOOL}']").first.click()
        assert page.url.endswith(BLACKPOOL)
        assert "274" in page.locator("#summary").inner_text()
        # the charts are static SVG: there without JavaScript
        assert page.locator(".ffh-static-chart svg[role='img']").count() >= 4
        page.goto(real.url + "areas.html")
        entry = page.locator("li[data-ffh-area='Skipton and Ripon']")
        assert entry.locator(f"a[href$='{NORTH_YORKSHIRE}']").count() == 1
    finally:
        context.close()


def test_council_charts_are_static_readable_svg_on_a_phone(real, browser):
    context = browser.new_context(viewport={"width": 390, "height": 844}, device_scale_factor=1)
    try:
        failures = []
        for path in [BLACKPOOL, "councils/E10000016.html", "councils/E09000001.html", NORTH_YORKSHIRE]:
            page = context.new_page()
            page.goto(real.url + path, wait_until="load")
            found = page.evaluate(
                """() => Array.from(document.querySelectorAll('.ffh-static-chart > svg')).map(svg => ({
                    named: !!svg.getAttribute('aria-labelledby') && !!document.getElementById(svg.getAttribute('aria-labelledby')),
                    width: svg.getBoundingClientRect().width,
                    fonts: Array.from(svg.querySelectorAll('text')).map(t => parseFloat(getComputedStyle(t).fontSize)),
                }))"""
            )
            assert found, path
            for chart in found:
                if not chart["named"]:
                    failures.append(f"{path}: a chart without an accessible name")
                if chart["width"] > 390:
                    failures.append(f"{path}: a chart {chart['width']} px wide on a 390 px screen")
                if min(chart["fonts"]) < 11:
                    failures.append(f"{path}: chart text at {min(chart['fonts'])} px")
            assert page.locator("[data-ffh-spec]").count() == 0, "council charts need no chart runtime"
            page.close()
        assert not failures, "\n".join(failures)
    finally:
        context.close()


@pytest.mark.parametrize(
    "path", [BLACKPOOL, "councils/E10000016.html", "councils/E09000001.html", NORTH_YORKSHIRE]
)
def test_a_council_page_prints_on_two_a4_pages(real, browser, path):
    context = browser.new_context()
    try:
        page = context.new_page()
        page.goto(real.url + path, wait_until="load")
        pdf = page.pdf(format="A4", print_background=True)
        pages = len(re.findall(rb"/Type\s*/Page[^s]", pdf))
        assert 1 <= pages <= 2, f"{path} prints on {pages} A4 pages"
        page.emulate_media(media="print")
        printed = page.locator("main").inner_text()
        assert "This page:" in printed  # the page's address
        assert "Source:" in printed  # sources under the charts
        assert page.locator(".ffh-static-chart svg").first.is_visible()
    finally:
        context.close()


def test_every_council_has_a_light_page(real_site):
    from analysis import data

    pages = sorted((real_site / "councils").glob("*.html"))
    assert {p.stem for p in pages} == set(data.load("councils")["new_la_code"])
    sizes = {p.name: len(gzip.compress(p.read_bytes())) for p in pages}
    assert max(sizes.values()) <= 60 * 1024, max(sizes.items(), key=lambda item: item[1])


def test_hex_maps_link_each_council_to_its_page_and_label_it(real, context):
    maps = 0
    for path in ["out-of-area.html", "where-homes-are.html", "missing.html"]:
        page, _ = open_page(context, real, path)
        for script in page.query_selector_all("script[type='application/json']"):
            spec = json.loads(script.text_content())
            text = json.dumps(spec)
            if "geoshape" not in text:
                continue
            maps += 1
            assert "No figure" in text
            hrefs = set(re.findall(r"councils/E\d{8}\.html", text))
            assert len(hrefs) >= 150, f"{path}: {len(hrefs)} council links"
            for href in sorted(hrefs)[:5] + sorted(hrefs)[-5:]:
                assert (real.root / href).exists(), href
        drawn = page.evaluate(
            "() => Array.from(document.querySelectorAll('.ffh-chart svg text')).map(t => t.textContent)"
        )
        if any("No figure" == t for t in drawn):
            assert "BPL" in drawn  # Blackpool's label on its cell
        page.close()
    assert maps >= 1, "no hex map found"


def test_every_number_on_the_council_pages_is_published(real_site):
    from analysis import numbers_check, settings

    pages = sorted((real_site / "councils").glob("*.html")) + [
        real_site / "areas.html",
        real_site / "intro.html",
    ]
    assert numbers_check.unsourced_numbers(real_site, settings.DATA_DIR, pages) == []


@pytest.mark.every_council
def test_axe_finds_no_serious_or_critical_violations_on_every_council_page(real, any_screen, axe_source):
    """Every council page, desktop and phone, through axe-core (about 8 minutes for the two sizes, so .ci/run
    runs it after `make test`, whose axe test covers a sample of council pages)."""
    pages = sorted(p.relative_to(real.root).as_posix() for p in (real.root / "councils").glob("*.html"))
    assert len(pages) >= 150
    failures = [
        problem
        for path in pages
        for problem in axe_problems(any_screen, real, path, axe_source, any_screen.screen_name)
    ]
    assert not failures, "\n".join(failures[:40])
