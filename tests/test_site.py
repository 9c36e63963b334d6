"""The book build (analysis.site): strict, offline, cached, swapped in only when good; and the built site's
static checks (no third-party hosts, every link and chart file present).

Builds the fixture book (tests/fixtures/book: the real book's config, assets and reference pages plus a demo
chapter with every chart type, over made-up numbers). The real site is checked by `make book` itself (the
same check_site runs before the swap) and by the browser tests.
"""

from __future__ import annotations

import json
import re
import shutil
import sys
import xml.etree.ElementTree as ElementTree
from pathlib import Path

import pytest

from analysis import site

sys.path.insert(0, str(Path(__file__).resolve().parent))
import fixture_book  # noqa: E402


@pytest.fixture(scope="module")
def built() -> Path:
    return fixture_book.build()


def _page(html_dir: Path, name: str) -> str:
    return (html_dir / name).read_text("utf-8")


# ------------------------------------------------------------------------------------ the built fixture site


def test_fixture_site_passes_the_site_checks(built):
    assert site.check_site(built) == []


def test_every_chart_has_its_csv_png_and_svg_next_to_the_site(built):
    page = _page(built, "demo.html")
    for name in fixture_book.CHART_NAMES:
        assert f'data-ffh-chart="{name}"' in page
        folder = built / "_static" / "charts"
        assert (folder / f"{name}.png").read_bytes().startswith(b"\x89PNG\r\n\x1a\n")
        assert ElementTree.parse(folder / f"{name}.svg").getroot().tag.endswith("svg")
        # chart downloads are written as the published data is (analysis/csv_writer.py: a UTF-8 BOM first)
        assert (folder / f"{name}.csv").read_bytes().startswith(b"\xef\xbb\xbftime_period,time_identifier,")
        for ext in ("csv", "png", "svg"):
            assert f'href="_static/charts/{name}.{ext}"' in page
    assert sorted(p.stem for p in (built / "_static" / "charts").glob("*.png")) == sorted(
        fixture_book.CHART_NAMES
    )


def test_placeholders_are_filled_with_page_url_title_and_root(built):
    page = _page(built, "demo.html")
    assert "%%FFH_" not in page
    assert '<span class="ffh-page-url">demo.html#chart-demo-missing-trend</span>' in page
    assert "In: Demo chapter (fixture data)." in page


def test_site_is_offline_no_cdn_thebe_or_maths(built):
    for page in built.glob("*.html"):
        text = page.read_text("utf-8")
        for marker in (
            "unpkg.com",
            "cdn.jsdelivr",
            "cdnjs",
            "googleapis",
            "thebe",
            "mathjax",
            "require.min.js",
            "binder",
        ):
            assert marker not in text.lower(), f"{page.name} mentions {marker}"
    assert (built / "_static" / "vendor" / "vega-bundle.js").stat().st_size > 500_000
    assert 'src="_static/vendor/vega-bundle.js' in _page(built, "demo.html")


def test_pages_load_only_what_they_use(built):
    """The chart runtime only where there are charts; no Font Awesome script; the search index only on the
    search page; no general index page, nor a link to one; the site's own icon."""
    for page in built.glob("*.html"):
        text = page.read_text("utf-8")
        if 'http-equiv="Refresh"' in text:
            continue
        assert ("vendor/vega-bundle.js" in text) == ('data-ffh-spec="' in text), page.name
        assert "fontawesome" not in text.lower(), page.name
        assert ('src="searchindex.js' in text) == (page.name == "search.html"), page.name
        assert "genindex" not in text, page.name
        assert '<link rel="icon" href="_static/favicon.svg"' in text, page.name
    assert not (built / "genindex.html").exists()
    assert (built / "_static" / "favicon.svg").read_text().startswith("<svg")
    demo = _page(built, "demo.html")
    assert demo.count("vendor/vega-bundle.js") == 1


def test_menu_buttons_replace_the_themes_unbound_toggles(built):
    page = _page(built, "methodology.html")  # a page with sections: both buttons
    assert 'data-ffh-toggle="primary"' in page and 'aria-controls="pst-primary-sidebar"' in page
    assert 'data-ffh-toggle="secondary"' in page and 'aria-controls="pst-secondary-sidebar"' in page
    # the theme's own toggles (its script binds the first, hidden, one) and its hover tooltips are gone
    assert not re.search(r"(?<![-\w])(primary|secondary)-toggle", page)
    assert 'data-bs-toggle="tooltip"' not in page
    assert page.count("search-button-field ") == 1  # one search box: the sidebar's


def test_file_sizes_read_as_a_reader_expects(tmp_path):
    sizes = {0: "0 bytes", 999: "999 bytes", 1000: "1.0 KB", 48_000: "48 KB", 3_490_000: "3.5 MB"}
    for size, text in sizes.items():
        path = tmp_path / f"{size}.bin"
        path.write_bytes(b"x" * size)
        assert site.file_size(path) == text


def test_downloads_folder_has_every_dataset_dictionary_package_and_licence(built):
    folder = built / "_static" / "downloads"
    package = json.loads((folder / "datapackage.json").read_text())
    names = [r["name"] for r in package["resources"]]
    assert names == ["fixture_homes", "fixture_missing", "fixture_placements"]
    for name in names:
        assert (folder / f"{name}.csv").read_bytes() == (
            fixture_book.FIXTURE_DATA / "tidy" / f"{name}.csv"
        ).read_bytes()
        assert (folder / f"{name}.meta.json").exists()
    assert "Open Government Licence v3.0" in (folder / "LICENCE.txt").read_text()
    downloads = _page(built, "downloads.html")
    for name in names:
        assert f'href="_static/downloads/{name}.csv"' in downloads
        assert f'href="_static/downloads/{name}.meta.json"' in downloads
        size = site.file_size(folder / f"{name}.csv")
        rows = json.loads((folder / f"{name}.meta.json").read_text())["rows"]
        assert f'{name}.csv <span class="ffh-file-size">(CSV, {size}, {rows:,} rows)</span>' in downloads


def test_methodology_lists_every_source_with_checksum_and_the_validation(built):
    page = _page(built, "methodology.html")
    for source_id in ("fixture-sfr-2014", "fixture-ees-2024", "fixture-inspectorate-2024"):
        assert f"https://example.invalid/{source_id}.csv" in page
    assert "ab" * 32 in page  # sha256 from provenance.csv
    assert "3 source files were read to make the published data" in page
    assert "Validation of every published dataset" in page
    assert "Replaced from 2015 by every missing incident" in page  # definition breaks from measures.csv
    assert "Old Fixtureshire" in page  # la_reorganisations.csv
    assert "suppressed (c): confidential, small number" in page


def test_landing_card_has_value_period_source_and_link(built):
    page = _page(built, "intro.html")
    assert '<p class="ffh-card-value">33,700</p>' in page
    assert '<p class="ffh-card-period">at 31 March 2024</p>' in page
    assert "Fixture Statistics Office" in page
    assert '<p class="ffh-card-link"><a href="demo.html">the demo chapter</a></p>' in page


def test_unchanged_pages_are_not_re_executed_and_changed_data_re_executes(built, monkeypatch):
    # the real fingerprint hashes data/ and analysis/; pin it so other edits cannot interfere
    monkeypatch.setattr(site, "execution_fingerprint", lambda data_dir: "pinned")
    store = built.parent / "chart-files" / "demo-missing-trend.png"
    fixture_book.build()
    executed = store.stat().st_mtime_ns
    fixture_book.build()
    assert store.stat().st_mtime_ns == executed  # cached: not re-executed
    monkeypatch.setattr(site, "execution_fingerprint", lambda data_dir: "data changed")
    fixture_book.build()
    assert store.stat().st_mtime_ns != executed  # data or code changed: executed again


def test_fingerprint_follows_data_and_code(tmp_path):
    data_dir = tmp_path / "data"
    shutil.copytree(fixture_book.FIXTURE_DATA, data_dir)
    before = site.execution_fingerprint(data_dir)
    assert site.execution_fingerprint(data_dir) == before
    (data_dir / "tidy" / "fixture_homes.csv").write_text("changed\n")
    assert site.execution_fingerprint(data_dir) != before


# ------------------------------------------------------------------------------------ failures


def _broken_book(tmp_path: Path, page_body: str) -> Path:
    book = tmp_path / "book"
    book.mkdir()
    shutil.copy2(site.BOOK_DIR / "_config.yml", book / "_config.yml")
    assembled = fixture_book.assemble()
    shutil.copytree(
        assembled / "_static", book / "_static", ignore=shutil.ignore_patterns("downloads", "vendor")
    )
    shutil.copytree(assembled / "_templates", book / "_templates")
    (book / "_toc.yml").write_text("format: jb-book\nroot: intro\n")
    (book / "intro.md").write_text(
        "---\njupytext:\n  text_representation:\n    extension: .md\n    format_name: myst\nkernelspec:\n"
        "  display_name: Python 3\n  language: python\n  name: python3\n---\n\n# Broken\n\n" + page_body
    )
    return book


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        ("```{code-cell} ipython3\nraise RuntimeError('boom')\n```\n", "boom"),  # an exception in a cell
        ("See [a page that does not exist](nowhere.md).\n", "nowhere"),  # a Sphinx warning
    ],
    ids=["cell-error", "warning"],
)
def test_failed_build_keeps_the_last_good_site(tmp_path, built, body, reason, capfd):
    output = tmp_path / "html"
    shutil.copytree(built, output)
    before = (output / "demo.html").read_bytes()
    book = _broken_book(tmp_path, body)
    with pytest.raises(site.BuildFailed):
        site.build(book, data_dir=fixture_book.FIXTURE_DATA, output=output)
    log = "".join(capfd.readouterr())
    assert reason in log and "WARNING" in log
    assert "build finished with problems" in log
    assert (output / "demo.html").read_bytes() == before
    assert not list(tmp_path.glob(".html.*")), "no half-swapped folders left behind"


def test_the_minimal_book_used_above_builds_when_nothing_is_broken(tmp_path, built):
    # control for the two failure cases: the same book with a harmless page builds and is swapped in
    output = tmp_path / "html"
    shutil.copytree(built, output)
    book = _broken_book(tmp_path, "```{code-cell} ipython3\n1 + 1\n```\n")
    site.build(book, data_dir=fixture_book.FIXTURE_DATA, output=output)
    assert not (output / "demo.html").exists()
    assert "Broken" in (output / "intro.html").read_text()


def test_inconsistent_published_data_stops_the_build(tmp_path):
    data_dir = tmp_path / "data"
    shutil.copytree(fixture_book.FIXTURE_DATA, data_dir)
    (data_dir / "tidy" / "fixture_homes.csv").unlink()
    book = tmp_path / "book"
    (book / "_static").mkdir(parents=True)
    with pytest.raises(site.BuildFailed, match="fixture_homes"):
        site.write_downloads(book, data_dir)


# ------------------------------------------------------------------------------------ check_site itself


def _site_with(tmp_path: Path, head: str = "", body: str = "", css: str = "") -> Path:
    root = tmp_path / "html"
    (root / "_static").mkdir(parents=True)
    (root / "_static" / "ok.css").write_text(css)
    (root / "_static" / "ok.js").write_text("")
    (root / "index.html").write_text(
        f'<html><head><link rel="stylesheet" href="_static/ok.css"><script src="_static/ok.js"></script>{head}'
        f'</head><body><a href="https://www.gov.uk/">a link to a publisher is fine</a>{body}</body></html>'
    )
    return root


def test_check_site_accepts_a_clean_site(tmp_path):
    assert site.check_site(_site_with(tmp_path)) == []


@pytest.mark.parametrize(
    ("head", "body", "css", "expected"),
    [
        ('<script src="https://cdn.jsdelivr.net/npm/vega@5"></script>', "", "", "loads from another host"),
        (
            '<link rel="stylesheet" href="//fonts.googleapis.com/css?family=Lato">',
            "",
            "",
            "loads from another host",
        ),
        ("", '<img src="http://example.com/a.png" alt="">', "", "loads from another host"),
        (
            "",
            "",
            "@import url(https://fonts.googleapis.com/css2?family=Roboto);",
            "CSS loads from another host",
        ),
        ("", "", "body { background: url('https://example.com/bg.png'); }", "CSS loads from another host"),
        (
            '<script>const THEBE_JS_URL = "https://unpkg.com/thebe@0.8.2/lib/index.js"</script>',
            "",
            "",
            "inline script names another host",
        ),
        ("", '<script src="_static/missing.js"></script>', "", "missing file"),
        ("", '<a href="nowhere.html">x</a>', "", "missing page"),
        ("", '<a href="#nowhere">x</a>', "", "missing anchor"),
        ("", '<a href="index.html#nowhere">x</a>', "", "missing anchor"),
        ("", '<figure data-ffh-chart="lost"></figure>', "", "chart lost"),
        ("", "<p>%%FFH_ROOT%%</p>", "", "placeholder"),
    ],
)
def test_check_site_flags_problems(tmp_path, head, body, css, expected):
    problems = site.check_site(_site_with(tmp_path, head, body, css))
    assert any(expected in p for p in problems), problems


# ------------------------------------------------------------------------------------ the Sphinx extension


def _fake_app(tmp_path: Path, charts: dict[str, list[str]]):
    from types import SimpleNamespace

    store = tmp_path / "store"
    store.mkdir()
    return SimpleNamespace(
        env=SimpleNamespace(ffh_charts=charts),
        outdir=str(tmp_path / "out"),
        srcdir=str(tmp_path),
        builder=SimpleNamespace(format="html"),
        config=SimpleNamespace(ffh_chart_store=str(store)),
    ), store


def test_extension_copies_chart_files_and_rejects_missing_or_duplicate_names(tmp_path):
    from sphinx.errors import ExtensionError

    app, store = _fake_app(tmp_path, {"a": ["page-one"]})
    for ext in ("csv", "png", "svg"):
        (store / f"a.{ext}").write_text("x")
    site._on_build_finished(app, None)
    assert sorted(p.name for p in (tmp_path / "out" / "_static" / "charts").iterdir()) == [
        "a.csv",
        "a.png",
        "a.svg",
    ]

    app.env.ffh_charts = {"a": ["page-one", "page-two"]}
    with pytest.raises(ExtensionError, match="used more than once"):
        site._on_build_finished(app, None)
    app.env.ffh_charts = {"b": ["page-one"]}
    with pytest.raises(ExtensionError, match="b.csv is missing"):
        site._on_build_finished(app, None)


def test_page_context_fills_placeholders_relative_to_the_page():
    from types import SimpleNamespace

    scripts = []
    app = SimpleNamespace(
        config=SimpleNamespace(html_baseurl="https://example.org/ffh/"),
        env=SimpleNamespace(),
        add_js_file=lambda name, **attributes: scripts.append((name, attributes)),
    )
    context = {
        "title": "Missing <em>from</em> care",
        "body": '<a href="%%FFH_ROOT%%_static/charts/x.csv">%%FFH_PAGE_URL%% %%FFH_PAGE_TITLE%%</a>'
        '<figure data-ffh-chart="x"><div class="ffh-chart" data-ffh-spec="x-spec"></div></figure>',
    }
    site._on_page_context(app, "chapters/missing", "page.html", context, None)
    assert context["body"].startswith(
        '<a href="../_static/charts/x.csv">https://example.org/ffh/chapters/missing.html '
        "Missing from care</a>"
    )
    assert app.env.ffh_charts == {"x": ["chapters/missing"]}
    # the chart runtime is added to this page (it has a chart), deferred, before the site's own script
    assert scripts == [(site.VENDOR_BUNDLE, {"defer": "defer", "priority": site.PAGE_SCRIPT_PRIORITY})]
    site._on_page_context(app, "about", "page.html", {"title": "About", "body": "<p>No charts</p>"}, None)
    # a council page: its charts are static SVG, so no runtime
    static = {"title": "Blackpool", "body": '<figure class="ffh-static-figure" data-ffh-chart="c"></figure>'}
    site._on_page_context(app, "councils/E06000009", "page.html", static, None)
    assert len(scripts) == 1


def test_sources_table_fails_when_a_used_source_has_no_provenance(tmp_path, monkeypatch):
    data_dir = tmp_path / "data"
    shutil.copytree(fixture_book.FIXTURE_DATA, data_dir)
    lines = (data_dir / "provenance.csv").read_text().splitlines()
    (data_dir / "provenance.csv").write_text(
        "\n".join(line for line in lines if "fixture-ees-2024" not in line) + "\n"
    )
    monkeypatch.setenv("FFH_DATA_DIR", str(data_dir))
    from analysis import data

    with pytest.raises(data.DataNotPublished, match="fixture-ees-2024"):
        site.sources_table()


def _mapping_without_repeats(loader, node, deep=False):
    keys = [loader.construct_object(key, deep=deep) for key, _ in node.value]
    repeated = sorted({key for key in keys if keys.count(key) > 1})
    if repeated:
        raise ValueError(f"line {node.start_mark.line + 1}: {repeated} set more than once")
    return loader.construct_mapping(node, deep=deep)


def test_the_book_config_sets_each_option_once():
    """YAML keeps the last of two equal keys without a word: a second `article_header_end` once dropped the
    header's own buttons. Every mapping in book/_config.yml names each key once."""
    import yaml

    class StrictLoader(yaml.SafeLoader):
        pass

    StrictLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _mapping_without_repeats)
    config = yaml.load((site.BOOK_DIR / "_config.yml").read_text("utf-8"), Loader=StrictLoader)
    assert config["sphinx"]["config"]["html_theme_options"]["article_header_end"] == [
        "ffh-find-area.html",
        "ffh-header-buttons.html",
    ]
    with pytest.raises(ValueError, match="set more than once"):
        yaml.load("a: 1\nb: {c: 1, c: 2}\n", Loader=StrictLoader)
