"""The site on a phone (390 x 844, touch) and on a desktop (1280 x 900): the chapters and contents menus open,
close and say so to screen readers; chart text is readable at phone width; maps show a council's figures on
tap and on hover; wide tables scroll inside a frame with a hint above them; one search box on a desktop."""

from __future__ import annotations

import math

import pytest
from browser_support import open_page

pytestmark = pytest.mark.browser

MENU_PAGE = "intro.html"  # the landing page: chapters in the sidebar, sections in "Contents"
CONTENTS_PAGE = "methodology.html"  # in both sites, with several sections
MIN_CHART_TEXT_PX = 11.0


def _dialog_open(page, dialog_id: str) -> bool:
    return page.evaluate("id => document.getElementById(id).open", dialog_id)


def _focused_is(page, locator) -> bool:
    return locator.evaluate("el => el === document.activeElement")


def _no_visible_tooltip(page) -> bool:
    return page.evaluate(
        "() => Array.from(document.querySelectorAll('.tooltip')).every(t => t.getBoundingClientRect().width === 0"
        " || getComputedStyle(t).visibility === 'hidden' || getComputedStyle(t).opacity === '0')"
    )


# -------------------------------------------------------------------------------------------------- menus


def test_chapters_menu_opens_on_a_phone_and_a_chapter_link_works(site, phone):
    page, watch = open_page(phone, site, MENU_PAGE)
    button = page.get_by_role("button", name="Chapters", exact=True)
    assert button.is_visible()
    assert button.get_attribute("aria-expanded") == "false"
    assert button.get_attribute("aria-controls") == "pst-primary-sidebar"

    button.tap()
    assert _dialog_open(page, "pst-primary-sidebar-modal")
    assert button.get_attribute("aria-expanded") == "true"
    dialog = page.get_by_role("dialog", name="Chapters")
    links = dialog.locator("nav.bd-docs-nav a.reference.internal:not([href='#'])")
    assert links.count() >= 1
    link = links.first
    box = link.bounding_box()
    assert link.is_visible() and box is not None
    assert (
        0 <= box["x"] and box["x"] + box["width"] <= 390 and 0 <= box["y"] and box["y"] + box["height"] <= 844
    )
    assert _no_visible_tooltip(page)

    page.keyboard.press("Escape")
    assert not _dialog_open(page, "pst-primary-sidebar-modal")
    assert button.get_attribute("aria-expanded") == "false"
    assert _focused_is(page, button)
    assert page.locator("#pst-primary-sidebar nav.bd-docs-nav").count() == 1  # the chapters went back

    button.tap()
    page.get_by_role("button", name="Close chapters").tap()
    assert not _dialog_open(page, "pst-primary-sidebar-modal")
    assert button.get_attribute("aria-expanded") == "false"

    button.tap()
    href = links.first.get_attribute("href")
    links.first.tap()
    page.wait_for_url(f"**/{href}")
    assert not watch.problems, watch.problems


def test_contents_menu_opens_on_a_phone_and_closes_on_a_section_link(site, phone):
    page, watch = open_page(phone, site, CONTENTS_PAGE)
    button = page.get_by_role("button", name="Contents", exact=True)
    assert button.is_visible()
    assert button.get_attribute("aria-expanded") == "false"
    button.tap()
    assert _dialog_open(page, "pst-secondary-sidebar-modal")
    assert button.get_attribute("aria-expanded") == "true"
    section = page.get_by_role("dialog", name="Contents").locator("a.nav-link[href^='#']").nth(1)
    target = section.get_attribute("href")
    section.tap()
    page.wait_for_function("hash => window.location.hash === hash", arg=target)
    assert not _dialog_open(page, "pst-secondary-sidebar-modal")
    assert button.get_attribute("aria-expanded") == "false"
    assert not watch.problems, watch.problems


def test_chapters_button_hides_and_shows_the_sidebar_on_a_desktop(site, context):
    page, watch = open_page(context, site, MENU_PAGE)
    button = page.get_by_role("button", name="Chapters", exact=True)
    chapter = page.locator("#pst-primary-sidebar nav.bd-docs-nav a.reference.internal:not([href='#'])").first
    assert button.get_attribute("aria-expanded") == "true"
    assert chapter.is_visible()
    hidden = "() => getComputedStyle(document.getElementById('pst-primary-sidebar')).visibility === 'hidden'"

    button.click()
    page.wait_for_function(hidden)
    assert button.get_attribute("aria-expanded") == "false"
    assert not chapter.is_visible()
    assert not _dialog_open(page, "pst-primary-sidebar-modal")  # wide screens: no dialog
    # the sidebar's search box went with it: the header's search button stands in
    assert page.locator(".bd-header-article .search-button").is_visible()

    button.focus()
    page.keyboard.press("Enter")
    page.wait_for_function(f"() => !({hidden})()")
    assert button.get_attribute("aria-expanded") == "true"
    assert chapter.is_visible()
    assert _no_visible_tooltip(page)
    assert not watch.problems, watch.problems


def test_header_buttons_are_named_and_show_no_tooltips(site, any_screen):
    page, _ = open_page(any_screen, site, CONTENTS_PAGE)
    buttons = page.locator(".bd-header-article button")
    visible = [buttons.nth(i) for i in range(buttons.count()) if buttons.nth(i).is_visible()]
    assert len(visible) >= (3 if any_screen.screen_name == "phone" else 1)
    for button in visible:
        name = button.evaluate(
            "b => (b.getAttribute('aria-label') || b.textContent).replace(/\\s+/g, ' ').trim()"
        )
        assert name, button.evaluate("b => b.outerHTML")
        assert button.get_attribute("data-bs-toggle") is None
        if any_screen.screen_name == "desktop":
            button.hover()
        assert _no_visible_tooltip(page)


def test_one_search_box_on_a_desktop_and_a_search_button_on_a_phone(site, context, phone):
    page, _ = open_page(context, site, MENU_PAGE)
    boxes = page.locator(".search-button-field, form.bd-search:not(#pst-search-dialog form)")
    assert sum(1 for i in range(boxes.count()) if boxes.nth(i).is_visible()) == 1
    page.close()
    page, _ = open_page(phone, site, MENU_PAGE)
    search = page.get_by_role("button", name="Search", exact=True)
    assert search.is_visible()
    search.tap()
    assert _dialog_open(page, "pst-search-dialog")


# ------------------------------------------------------------------------------------------------- charts

# the drawn (Vega) charts; the council pages' static SVG charts are checked in test_councils.py
CHART_TEXT_JS = """() => Array.from(document.querySelectorAll('figure.ffh-figure:has(.ffh-chart)')).map(figure => {
  const box = figure.querySelector('.ffh-chart');
  const svg = box.querySelector('.ffh-chart-canvas svg');
  if (!svg) return {name: figure.dataset.ffhChart, drawn: false};
  const rect = svg.getBoundingClientRect();
  const drawnWidth = svg.viewBox.baseVal && svg.viewBox.baseVal.width ? svg.viewBox.baseVal.width
    : svg.width.baseVal.value;
  const scale = rect.width / drawnWidth;  // below 1 if the browser shrinks the drawing to fit
  const sizes = Array.from(svg.querySelectorAll('text'))
    .filter(t => t.textContent.trim() && t.getBoundingClientRect().width > 0
      && getComputedStyle(t).visibility !== 'hidden' && Number(getComputedStyle(t).opacity) > 0)
    .map(t => parseFloat(getComputedStyle(t).fontSize) * scale);
  return {name: figure.dataset.ffhChart, kind: figure.dataset.ffhKind, drawn: true, sizes: sizes,
    layout: box.getAttribute('data-ffh-layout'), svgWidth: rect.width, boxWidth: box.getBoundingClientRect().width,
    svgRight: rect.right, viewport: window.innerWidth};
})"""


def _percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[max(0, math.ceil(fraction * len(ordered)) - 1)]


def test_chart_text_is_at_least_11px_on_a_phone(site, phone):
    """Every chart page at 390 x 844: the rendered size of every text in each drawn chart SVG (font size times
    the drawing's scale); the 10th percentile of the page, and of each chart, is at least 11 CSS px."""
    pages = 0
    failures = []
    for path in site.pages():
        page, _ = open_page(phone, site, path)
        charts = page.evaluate(CHART_TEXT_JS)
        page.close()
        if not charts:
            continue
        pages += 1
        sizes = []
        for chart in charts:
            if not chart["drawn"] or not chart["sizes"]:
                failures.append(f"{path}: chart {chart['name']} was not drawn or has no text")
                continue
            sizes += chart["sizes"]
            low = _percentile(chart["sizes"], 0.1)
            if low < MIN_CHART_TEXT_PX:
                failures.append(f"{path}: chart {chart['name']}: 10th percentile of text {low:.1f} px")
            if chart["layout"] != "narrow":
                failures.append(f"{path}: chart {chart['name']} drawn in the {chart['layout']} layout")
            if chart["svgWidth"] > chart["boxWidth"] + 1 or chart["svgRight"] > chart["viewport"]:
                failures.append(f"{path}: chart {chart['name']} is wider than its column")
        if sizes and _percentile(sizes, 0.1) < MIN_CHART_TEXT_PX:
            failures.append(f"{path}: 10th percentile of chart text {_percentile(sizes, 0.1):.1f} px")
    assert pages >= (1 if site.kind == "fixture" else 4), "no chart pages found"
    assert not failures, "\n".join(failures)


def test_charts_fill_a_desktop_column_without_shrinking_their_text(site, context):
    for path in site.pages():
        page, _ = open_page(context, site, path)
        for chart in page.evaluate(CHART_TEXT_JS):
            assert chart["drawn"] and chart["layout"] == "wide", (path, chart["name"])
            assert chart["svgWidth"] <= chart["boxWidth"] + 1, (path, chart["name"])
            assert _percentile(chart["sizes"], 0.1) >= MIN_CHART_TEXT_PX, (path, chart["name"])
        page.close()


def _map_figures(page):
    return page.locator("figure.ffh-figure[data-ffh-kind='hex_map']")


def _cells(figure):
    """Every council's hexagon (the map's first layer draws them all, grey; the coloured layer lies on top)."""
    return figure.locator(".ffh-chart-canvas svg .mark-shape").first.locator("path")


def _middle_cell(figure) -> tuple[float, float]:
    """The centre, on screen, of a council's hexagon near the middle of the map."""
    cells = _cells(figure)
    assert cells.count() >= 5
    cell = cells.nth(cells.count() // 2)
    cell.scroll_into_view_if_needed()
    box = cell.bounding_box()
    return box["x"] + box["width"] / 2, box["y"] + box["height"] / 2


def test_map_figures_show_on_tap_and_on_hover_and_each_map_keeps_its_table(site, phone, context):
    maps = 0
    for path in site.pages():
        page, _ = open_page(phone, site, path)
        figures = _map_figures(page)
        on_this_page = figures.count()
        for i in range(on_this_page):
            figure = figures.nth(i)
            maps += 1
            readout = figure.locator(".ffh-readout")
            hint = readout.text_content()
            assert readout.is_visible() and "Tap" in hint
            # a council near the middle of the map (tapped where it is drawn: the top layer gets the tap)
            x, y = _middle_cell(figure)
            page.touchscreen.tap(x, y)
            page.wait_for_function(
                "([el, hint]) => el.textContent !== hint", arg=[readout.element_handle(), hint]
            )
            text = readout.text_content()
            assert "Council:" in text, text
            rows = figure.locator("details.ffh-table table tbody tr")
            assert rows.count() == _cells(figure).count()  # the map's table: every council on the map
        page.close()
        if not on_this_page:
            continue
        desk, _ = open_page(context, site, path)
        figure = _map_figures(desk).first
        figure.scroll_into_view_if_needed()
        desk.mouse.move(*_middle_cell(figure))
        tooltip = desk.locator(".ffh-tooltip")
        tooltip.wait_for(state="visible")
        assert "Council:" in tooltip.text_content()
        desk.close()
    assert maps >= (1 if site.kind == "fixture" else 3)


# ------------------------------------------------------------------------------------------------- tables

TABLES_JS = """() => ({
  pageWidth: document.documentElement.scrollWidth, viewport: window.innerWidth,
  frames: Array.from(document.querySelectorAll('.ffh-table-scroll')).filter(f => f.offsetParent).map(f => {
    const rect = f.getBoundingClientRect();
    const hint = f.previousElementSibling;
    const hintRect = hint ? hint.getBoundingClientRect() : null;
    const first = f.querySelector("tbody tr > :first-child");
    return {
      caption: (f.getAttribute('aria-label') || '').slice(0, 60),
      overflowing: f.scrollWidth > f.clientWidth + 1,
      overflowX: getComputedStyle(f).overflowX, right: rect.right, top: rect.top,
      hint: hint && hint.classList.contains('ffh-scroll-hint') && !hint.hidden && hintRect.height > 0
        ? {bottom: hintRect.bottom, text: hint.textContent} : null,
      firstColumn: first ? getComputedStyle(first).position : null,
    };
  }),
})"""


def test_wide_tables_scroll_in_their_frame_with_a_hint_above(site, any_screen):
    """No table makes the page scroll sideways; a table wider than its frame scrolls inside it, says so in a
    bar above it (with a scroll bar), and keeps its first column in view."""
    checked = overflowing = 0
    failures = []
    for path in site.pages():
        page, _ = open_page(any_screen, site, path)
        page.evaluate("() => document.querySelectorAll('details').forEach(d => { d.open = true; })")
        page.wait_for_timeout(400)  # the frames are measured again when a <details> opens
        result = page.evaluate(TABLES_JS)
        page.close()
        if result["pageWidth"] > result["viewport"] + 1:
            failures.append(f"{path}: the page is {result['pageWidth']} px wide at {result['viewport']} px")
        for frame in result["frames"]:
            checked += 1
            where = f"{path}: table {frame['caption']!r}"
            if frame["overflowX"] not in ("auto", "scroll"):
                failures.append(f"{where}: its frame does not scroll")
            if frame["right"] > result["viewport"] + 1:
                failures.append(f"{where}: its frame runs off the screen")
            if frame["firstColumn"] not in ("sticky", None):  # None: no body rows, nothing to keep in view
                failures.append(f"{where}: first column not kept in view")
            if frame["overflowing"]:
                overflowing += 1
                if not frame["hint"] or "Scroll sideways" not in frame["hint"]["text"]:
                    failures.append(f"{where}: wider than its frame, with no hint above it")
                elif frame["hint"]["bottom"] > frame["top"] + 1:
                    failures.append(f"{where}: the hint is not above the table")
    assert checked > 0
    if site.kind == "real":
        assert overflowing > 0  # the methodology's validation tables are wider than any screen
    assert not failures, "\n".join(failures)
