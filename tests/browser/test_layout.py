"""The site on a phone (390 x 844, touch) and on a desktop (1280 x 900): the chapters and contents menus open,
close and say so to screen readers; one search box on a desktop, a search button on a phone."""

from __future__ import annotations

import pytest
from browser_support import open_page

pytestmark = pytest.mark.browser

MENU_PAGE = "intro.html"  # the landing page: chapters in the sidebar, sections in "Contents"
CONTENTS_PAGE = "methodology.html"  # in both sites, with several sections


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
