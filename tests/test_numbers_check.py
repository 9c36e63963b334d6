"""The check that every number on a page is one the published data holds (analysis/numbers_check.py)."""

from __future__ import annotations

from pathlib import Path

from analysis.numbers_check import page_numbers, unsourced_numbers


def _site(tmp_path: Path, body: str) -> Path:
    html = tmp_path / "html"
    html.mkdir()
    (html / "page.html").write_text(f"<html><body><main>{body}</main></body></html>", encoding="utf-8")
    data = tmp_path / "data" / "tidy"
    data.mkdir(parents=True)
    (data / "x.csv").write_text(
        "\ufefftime_period,value,share\n2024,37520,44.86428315197895\n", encoding="utf-8"
    )
    return html


def test_a_number_the_data_holds_passes_rounded_as_shown(tmp_path):
    html = _site(tmp_path, "<p>At 31 March 2024, 37,520 children (44.9%, or 44.86%) lived outside.</p>")
    assert unsourced_numbers(html, tmp_path / "data") == []


def test_a_number_the_data_does_not_hold_is_named_with_its_page(tmp_path):
    html = _site(tmp_path, "<p>About 41,700 children, 45.0% of them.</p>")
    assert unsourced_numbers(html, tmp_path / "data") == [
        "page.html: 41,700 (in '…About 41,700 children, 45.0% of them.…')",
        "page.html: 45.0% (in '…About 41,700 children, 45.0% of them.…')",
    ]


def test_thresholds_in_a_measures_name_and_counts_of_files_are_not_figures(tmp_path):
    html = _site(
        tmp_path,
        "<p>Missing for more than 24 hours; placed more than 20 miles away; a DfE 3-digit code; 9 source files; "
        "the data (CSV, 17 rows); a SHA-256 checksum; but 41,700 children.</p>",
    )
    assert [p.split(" (in")[0] for p in unsourced_numbers(html, tmp_path / "data")] == ["page.html: 41,700"]


def test_years_dates_codes_and_quotations_are_not_figures():
    html = (
        "<main><p>In 2019, on 23 October 2019 and 2024-03-31, council E06000009 (URN SC123456)</p>"
        "<blockquote><p>an estimated 10,000 children</p></blockquote>"
        '<p class="ffh-citation">HC Deb vol 666</p></main>'
    )
    assert page_numbers(html) == []


def test_text_outside_main_is_not_checked():
    assert page_numbers("<nav>42</nav><main><p>7 councils</p></main><footer>99</footer>") == ["7"]
