"""The book: build it (strict, offline, cached, swapped in only when good), check it, and the page helpers
that keep the landing, methodology and downloads pages in sync with data/.

Commands (`make book` runs the first):

    python -m analysis.site build [--book book] [--data-dir data] [--output book/_build/html] [--fresh]
    python -m analysis.site check [book/_build/html]      # the static checks tests/test_site.py runs
    python -m analysis.site serve [book/_build/html]      # look at the built site on http://127.0.0.1:8000

Build steps: (1) write the site's own Vega bundle (vl-convert, no CDN) to _static/vendor; (2) copy every
published CSV, its dictionary, datapackage.json and the licence to _static/downloads; (3) if data/ or the
analysis code changed since the cached execution, clear the execution cache and chart files; (4) run
jupyter-book into a staging folder, warnings as errors (-W --keep-going, fresh environment, notebooks
executed with the project's venv kernel and cached by jupyter-cache); (5) check the staged site (no
third-party URLs, every link and chart file present); (6) swap it in. A failed build leaves the last good
site untouched.

This module is also a Sphinx extension (listed in book/_config.yml): it fills in each chart's page URL,
page title and relative root, and copies each chart's CSV/PNG/SVG from the chart store into
_static/charts/ of the built site, failing the build if a file is missing or a chart name is used twice.
"""

from __future__ import annotations

import argparse
import hashlib
import html
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

from analysis import public_text, settings, text
from analysis.numbers_check import unsourced_numbers

BOOK_DIR = settings.PROJECT_ROOT / "book"
SITE_NAME = "Far from home"
LICENCE_NAME = "Open Government Licence v3.0"
LICENCE_URL = "https://www.nationalarchives.gov.uk/doc/open-government-licence/version/3/"
VENDOR_BUNDLE = "vendor/vega-bundle.js"
DRAWN_CHART = 'data-ffh-spec="'  # a chart the runtime draws from its Vega spec (analysis/charts.py)
PAGE_ONLY_ASSETS = {VENDOR_BUNDLE}  # under _static, but loaded only by the pages that need them
PAGE_SCRIPT_PRIORITY = 450  # before the site's own scripts (500), so ffh.js finds Vega when it starts

# Filled in by charts.py's placeholders (kept here too so the extension does not import altair).
ROOT_TOKEN = "%%FFH_ROOT%%"
PAGE_URL_TOKEN = "%%FFH_PAGE_URL%%"
PAGE_TITLE_TOKEN = "%%FFH_PAGE_TITLE%%"
CHART_EXTENSIONS = ("csv", "png", "svg")


class BuildFailed(RuntimeError):
    """The book did not build cleanly; the previous site was left in place."""


# ==================================================================================================
# Small HTML helpers for pages
# ==================================================================================================


class HTMLBlock:
    """HTML for a notebook cell's output (myst-nb renders text/html as-is)."""

    def __init__(self, markup: str):
        self.markup = markup

    def _repr_html_(self) -> str:
        return self.markup

    def __repr__(self) -> str:
        return f"HTMLBlock({len(self.markup)} characters of HTML)"

    def __str__(self) -> str:
        return self.markup


def _esc(value: Any) -> str:
    return html.escape("" if value is None else str(value))


def html_table(
    rows: Sequence[Sequence[Any]],
    columns: Sequence[str],
    caption: str,
    *,
    row_header: bool = True,
    raw_columns: Iterable[int] = (),
    css_class: str = "ffh-data-table",
) -> str:
    """An accessible table: <caption>, <th scope=col>, first cell <th scope=row>, inside a focusable
    scrolling region. `raw_columns` are column indexes whose cells are already HTML."""
    raw = set(raw_columns)
    head = "".join(f'<th scope="col">{_esc(c)}</th>' for c in columns)
    body = []
    for row in rows:
        cells = []
        for index, value in enumerate(row):
            text = str(value) if index in raw else _esc(value)
            if index == 0 and row_header:
                cells.append(f'<th scope="row">{text}</th>')
            else:
                cells.append(f"<td>{text}</td>")
        body.append(f"<tr>{''.join(cells)}</tr>")
    return (
        f'<div class="ffh-table-scroll" role="region" tabindex="0" aria-label="{_esc(caption)}">'
        f'<table class="{css_class}"><caption>{_esc(caption)}</caption><thead><tr>{head}</tr></thead>'
        f"<tbody>{''.join(body)}</tbody></table></div>"
    )


def _link(url: str, text: str) -> str:
    return f'<a href="{_esc(url)}">{_esc(text)}</a>' if url else _esc(text)


# ==================================================================================================
# Page helpers: methodology
# ==================================================================================================


def _used_source_ids() -> set[str]:
    """Source ids behind the published datasets (each dataset's dictionary lists its sources)."""
    from analysis import data

    return {
        s["source_id"]
        for r in data.datapackage().get("resources", [])
        for s in r.get("sources", [])
        if s.get("source_id")
    }


def sources_table() -> HTMLBlock:
    """Every retrieved source file (data/provenance.csv) with its publisher, release, URL, licence, retrieval
    date and SHA-256; then the manifest's other files (listed in data/sources.csv, not retrieved because no
    published dataset reads them). A source a published dataset uses without a provenance record fails."""
    from analysis import data

    sources = data.sources()
    provenance = data.provenance()
    unknown = sorted(set(provenance) - set(sources))
    if unknown:
        raise data.DataNotPublished(
            f"data/provenance.csv has sources not in data/sources.csv: {unknown[:10]}"
        )
    used = _used_source_ids()
    missing = sorted(used - set(provenance))
    if missing:
        raise data.DataNotPublished(
            f"published datasets use {len(missing)} source(s) with no record in data/provenance.csv: {missing[:10]}"
        )

    def order(item: tuple[str, dict[str, str]]) -> tuple:
        row = item[1]
        return (row["publisher"], row["publication"], row["release"], item[0])

    groups: dict[tuple[str, str], list[list[str]]] = {}
    for source_id, row in sorted(((k, v) for k, v in sources.items() if k in provenance), key=order):
        record = provenance[source_id]
        url = record.get("url") or row.get("direct_url") or row.get("page_url", "")
        stamp = record.get("retrieved_at")
        retrieved = text.day(data._parse_timestamp(stamp).date()) if stamp else "not recorded"
        groups.setdefault((row["publisher"], row["publication"]), []).append(
            [
                f'<span class="ffh-file">{_link(url, record.get("file_name") or row["file_name"])}</span>',
                _esc(row["release_title"]),
                _esc(retrieved),
                _esc(row["licence"]),
                _esc(f"{int(record['bytes']):,}" if record.get("bytes") else ""),
                f'<code class="ffh-hash">{_esc(record.get("sha256", ""))}</code>',
            ]
        )
    total = sum(len(rows) for rows in groups.values())
    markup = (
        f"<p>{total} source files were read to make the published data. Each file name links to where it "
        "is published.</p>"
    )
    for (publisher, publication), rows in groups.items():
        markup += html_table(
            rows,
            ["File", "Release", "Retrieved", "Licence", "Bytes", "SHA-256"],
            f"{publisher}: {publication} ({len(rows)} {'file' if len(rows) == 1 else 'files'})",
            raw_columns=range(6),
            css_class="ffh-data-table ffh-sources-table",
        )
    others = [
        [
            f"{row['publisher']}: {row['publication']}",
            row["release_title"],
            row["file_name"],
            row["family"],
            row.get("note", ""),
        ]
        for source_id, row in sorted(((k, v) for k, v in sources.items() if k not in provenance), key=order)
    ]
    if others:
        markup += html_table(
            others,
            ["Publisher and publication", "Release", "File", "Table", "Note"],
            f"Other files in the source manifest ({len(others)}), not read for the published data",
        )
    return HTMLBlock(markup)


def last_refreshed_text() -> str:
    from analysis import data

    return text.day(data.last_refreshed())


def corrections_table() -> HTMLBlock:
    """data/reference/corrections.csv: every publisher's error corrected here, with reason and evidence."""
    from analysis import corrections, data

    rows = []
    source_rows = data.sources()
    for row in corrections.load(data.data_dir() / "reference"):
        source = source_rows.get(row.source)
        what = (
            f"{source['publisher']}: {source['file_name']} ({source['release_title']})"
            if source
            else f"every release of the table {row.source}"
        )
        record = "the whole file" if row.whole_file else row.record.replace(";", "; ").replace("|", ", ")
        rows.append(
            [
                what,
                record,
                row.field,
                row.published_value or "(blank)",
                row.corrected_value or "no value",
                row.reason,
                row.evidence,
            ]
        )
    return HTMLBlock(
        html_table(
            rows,
            ["Published in", "Record", "Field", "As published", "Used here", "Why", "Evidence"],
            f"Corrections of published values ({len(rows)})",
        )
    )


def changelog_block(path: Path | None = None) -> HTMLBlock:
    """The data changelog (data/changelog.csv) as a table, newest first."""
    from analysis import changelog, data

    rows = list(reversed(changelog.read_changelog(path or data.data_dir() / "changelog.csv")))
    table_rows = []
    for row in rows:
        source = ""
        if row["source_id"]:
            old = row["old_sha256"][:12] or "none"
            new = row["new_sha256"][:12] or "none"
            source = (
                f"{_esc(row['file_name'])}<br><small>{_esc(row['source_id'])}</small><br>"
                f"<code>{old}</code> → <code>{new}</code>"
            )
        counts = f"+{row['rows_added'] or 0} / −{row['rows_removed'] or 0}" if row["dataset"] else ""
        details = []
        if row["new_years"]:
            details.append(f"new years: {_esc(row['new_years'])}")
        if row["new_la_codes"]:
            details.append(f"new council codes: {_esc(row['new_la_codes'])}")
        if row["revisions"]:
            items = "".join(f"<li>{_esc(r)}</li>" for r in row["revisions"].split("; "))
            details.append(f"<ul>{items}</ul>")
        if row["note"]:
            details.append(_esc(row["note"]))
        table_rows.append(
            [
                _esc(row["date"]),
                _esc(changelog.LABELS.get(row["change"], row["change"])),
                source,
                _esc(row["dataset"]),
                counts,
                _esc(row["values_revised"]),
                "<br>".join(details),
            ]
        )
    return html_table(
        table_rows,
        [
            "Date",
            "What changed",
            "Source file (sha256 old → new)",
            "Dataset",
            "Rows +/−",
            "Values revised",
            "Details",
        ],
        "Data changelog: every refresh that changed a source file or a published value, newest first.",
        raw_columns=range(7),
        css_class="ffh-data-table ffh-changelog",
    )


def write_feed(html_dir: Path, data_dir: Path, site_url: str) -> Path:
    """changes.xml: the changelog as an Atom feed at the site's root (subscribe to releases and revisions)."""
    import datetime as dt

    from analysis import changelog

    rows = changelog.read_changelog(Path(data_dir) / "changelog.csv")
    target = Path(html_dir) / "changes.xml"
    target.write_text(changelog.atom_feed(rows, site_url, dt.date.today()), encoding="utf-8")
    return target


def refreshed_note() -> HTMLBlock:
    """'Data last retrieved from the publishers on <date>.' (data/provenance.csv)."""
    return HTMLBlock(
        f'<p class="ffh-refreshed">Source files last retrieved on '
        f'{_esc(last_refreshed_text())}. See the <a href="{ROOT_TOKEN}methodology.html">methodology</a> '
        "for every file and its checksum.</p>"
    )


def validation_report() -> HTMLBlock:
    """The validation reports (data/validation/*.json): a summary table and each dataset's expectations."""
    from analysis import data

    folder = data.data_dir() / "validation"
    reports = sorted(folder.glob("*.json")) if folder.exists() else []
    if not reports:
        raise data.DataNotPublished(f"no validation reports in {folder} (run `make data`)")
    published = set(data.dataset_names())
    summary_rows, details = [], []
    seen = set()
    for path in reports:
        report = json.loads(path.read_text("utf-8"))
        name = report["dataset"]
        seen.add(name)
        outcomes = [(view, item) for view, items in report.get("views", {}).items() for item in items]
        failed = [o for o in outcomes if not o[1].get("success")]
        summary_rows.append(
            [
                name,
                "passed" if report.get("success") else "FAILED",
                len(outcomes),
                len(failed),
                f"{report['row_count']:,}" if isinstance(report.get("row_count"), int) else "",
            ]
        )
        rows = [
            [
                view,
                item.get("expectation", ""),
                json.dumps(item.get("kwargs", {}), ensure_ascii=False),
                "passed" if item.get("success") else "FAILED",
                json.dumps(item.get("observed"), ensure_ascii=False),
                item.get("why", ""),
            ]
            for view, item in outcomes
        ]
        details.append(
            f'<details class="ffh-validation"><summary>{_esc(name)}: {len(outcomes)} expectations, '
            f"{len(failed)} failed</summary>"
            + html_table(
                rows,
                ["View", "Expectation", "Arguments", "Result", "Observed", "Why"],
                f"Expectations checked for {name}",
            )
            + "</details>"
        )
    unreported = sorted(published - seen)
    if unreported:
        raise data.DataNotPublished(f"published datasets without a validation report: {unreported}")
    table = html_table(
        summary_rows,
        ["Dataset", "Result", "Expectations", "Failed", "Rows"],
        "Validation of every published dataset (Great Expectations suites in expectations/)",
    )
    return HTMLBlock(table + "".join(details))


def definition_breaks_table() -> HTMLBlock:
    """Measures whose definition changes over time (data/reference/measures.csv definition_break_note)."""
    from analysis import data

    rows = [
        [m.label, m.measure, m.dataset, m.definition_break_note]
        for m in data.measures()
        if m.definition_break_note
    ]
    return HTMLBlock(
        html_table(
            rows,
            ["Measure", "Id", "Dataset", "What changes"],
            "Definition breaks: series that must not be joined across the change",
        )
    )


def measures_table(dataset: str | None = None) -> HTMLBlock:
    """Every measure id with its label, unit and definition (optionally for one dataset)."""
    from analysis import data

    rows = [[m.measure, m.label, m.unit, m.definition, m.dataset] for m in data.measures(dataset)]
    if dataset is not None and not rows:
        raise KeyError(f"no measures for dataset {dataset!r} in data/reference/measures.csv")
    caption = "Measures" + (f" in {dataset}" if dataset else ": every measure id in the published data")
    return HTMLBlock(html_table(rows, ["Measure id", "Label", "Unit", "Definition", "Dataset"], caption))


def suppression_table() -> HTMLBlock:
    """Published symbols and how the tidy data records them (analysis.layout.SUPPRESSION_SYMBOLS)."""
    from analysis import layout

    rows = [
        [repr(symbol) if symbol == "" else symbol, meaning]
        for symbol, meaning in layout.SUPPRESSION_SYMBOLS.items()
    ]
    return HTMLBlock(
        html_table(
            rows,
            ["Symbol in the published file", "value_note in our data (value is empty)"],
            "Suppression and missing-value symbols",
            # the publishers' definitions ("rounds to zero, under 0.5"), not figures
            css_class="ffh-data-table ffh-no-figure-check",
        )
    )


def la_reorganisations_table() -> HTMLBlock:
    """data/reference/la_reorganisations.csv as published (every column)."""
    from analysis import data

    path = data.data_dir() / "reference" / "la_reorganisations.csv"
    if not path.exists():
        raise data.DataNotPublished(f"{path} is missing (the geography reference tables)")
    rows = data._read_csv_dicts(path)
    if not rows:
        raise data.DataNotPublished(f"{path} has no rows")
    columns = list(rows[0])
    return HTMLBlock(
        html_table(
            [[r[c] for c in columns] for r in rows],
            columns,
            "Local authority reorganisations: old councils and the councils that now cover them",
        )
    )


# ==================================================================================================
# Page helpers: downloads
# ==================================================================================================


def suggested_citation() -> str:
    from analysis import data

    refreshed = data.last_refreshed()
    return (
        f"{SITE_NAME} ({refreshed.year}). Far from home: open data on England's children in care placed out "
        f"of area, children's homes and children missing from care, 2011 to 2024. Department for Education "
        f"and Ofsted official statistics; source files retrieved on {text.day(refreshed)}. Contains "
        f"public sector information licensed under the {LICENCE_NAME}."
    )


def file_size(path: Path) -> str:
    """A file's size as a reader sees it on a download link: '812 bytes', '48 KB', '3.5 MB' (1 KB = 1,000
    bytes, as phones and most file managers count). A missing file fails: the link would be broken."""
    size = Path(path).stat().st_size
    if size < 1000:
        return f"{size} bytes"
    for unit, scale in (("KB", 1e3), ("MB", 1e6), ("GB", 1e9)):
        value = size / scale
        if value < 999.5 or unit == "GB":
            return f"{value:.1f} {unit}" if value < 9.95 else f"{value:,.0f} {unit}"
    raise AssertionError("unreachable")


def downloads_list() -> HTMLBlock:
    """Every published dataset: title, description, files, dictionary, key, sources and licence."""
    from analysis import data

    package = data.datapackage()
    resources = package.get("resources", [])
    if not resources:
        raise data.DataNotPublished("data/datapackage.json lists no datasets (run `make data`)")
    root = f"{ROOT_TOKEN}_static/downloads/"
    tidy = data.data_dir() / "tidy"
    parts = [
        '<ul class="ffh-downloads ffh-package">'
        f'<li><a href="{root}datapackage.json" download type="application/json">Data package description '
        "(datapackage.json, Frictionless)</a></li>"
        f'<li><a href="{root}LICENCE.txt" download type="text/plain">Licence ({LICENCE_NAME})</a></li></ul>'
    ]
    for res in resources:
        name = res["name"]
        meta = data.metadata(name)
        fields = meta["schema"]["fields"]
        rows = [[f["name"], f["type"], f.get("description", "")] for f in fields]
        sources = "".join(
            f"<li>{_link(s.get('path', ''), s.get('title', s.get('source_id', '')))}</li>"
            for s in meta.get("sources", [])
        )
        licences = ", ".join(
            _link(lic.get("path", ""), lic.get("title", lic.get("name", "")))
            for lic in meta.get("licenses", [])
        )
        key = ", ".join(meta["schema"].get("primaryKey", []))
        parts.append(
            f'<section class="ffh-dataset" id="dataset-{_esc(name)}" aria-labelledby="dataset-{_esc(name)}-title">'
            f'<h3 id="dataset-{_esc(name)}-title">{_esc(meta.get("title", name))}</h3>'
            f"<p>{_esc(meta.get('description', ''))}</p>"
            f'<ul class="ffh-downloads"><li><a href="{root}{_esc(name)}.csv" download type="text/csv">'
            f'{_esc(name)}.csv <span class="ffh-file-size">(CSV, {file_size(tidy / f"{name}.csv")}, '
            f"{meta.get('rows', 0):,} rows)</span></a></li>"
            f'<li><a href="{root}{_esc(name)}.meta.json" download type="application/json">'
            f'{_esc(name)}.meta.json <span class="ffh-file-size">(dictionary, JSON, '
            f"{file_size(tidy / f'{name}.meta.json')})</span></a></li></ul>"
            f"<p><strong>One row per:</strong> {_esc(key)}. <strong>Licence:</strong> {licences}.</p>"
            f'<details class="ffh-dictionary"><summary>Columns of {_esc(name)}.csv</summary>'
            + html_table(rows, ["Column", "Type", "Description"], f"Columns of {name}.csv")
            + "</details>"
            + (
                f'<details class="ffh-sources"><summary>Sources of {_esc(name)}</summary><ul>{sources}</ul></details>'
                if sources
                else ""
            )
            + "</section>"
        )
    return HTMLBlock("".join(parts))


def citation_block() -> HTMLBlock:
    text = suggested_citation()
    return HTMLBlock(
        f'<div class="ffh-cite-site"><p class="ffh-citation" id="site-citation">{_esc(text)}</p>'
        '<button type="button" class="ffh-copy" data-ffh-copy="site-citation">Copy citation</button></div>'
    )


# ==================================================================================================
# Page helpers: landing page headline cards
# ==================================================================================================


@dataclass(frozen=True)
class Card:
    """A landing-page card: the number, what it counts, its date, a line of context, the source (linked to
    the publisher's page) and the chapter that explains it."""

    value: str
    label: str
    date: str
    note: str
    source: str
    source_url: str
    chapter: str  # docname of the chapter, e.g. "out-of-area" (optionally with "#anchor")
    chapter_title: str


def source_of(row: dict[str, Any]) -> tuple[str, str]:
    """(short source text, publisher's page) of a published row: publisher, publication and release."""
    from analysis import data

    source = data.sources()[row["source_id"]]
    publication = data.short_publication(source["publication"])
    return f"{source['publisher']}, {publication}, {source['release_title']}", source["page_url"]


def _chapter_href(chapter: str) -> str:
    page, _, anchor = chapter.partition("#")
    return _esc(f"{page}.html" + (f"#{anchor}" if anchor else ""))


def cards(items: Sequence[Card]) -> HTMLBlock:
    """The landing page's cards, in a list: short enough to sit in the first screen."""
    if not items:
        raise ValueError("no cards given")
    html_items = []
    for item in items:
        html_items.append(
            '<li class="ffh-card">'
            f'<p class="ffh-card-value">{_esc(item.value)}</p>'
            f'<p class="ffh-card-label">{_esc(item.label)}</p>'
            f'<p class="ffh-card-period">{_esc(item.date)}</p>'
            + (f'<p class="ffh-card-note">{_esc(item.note)}</p>' if item.note else "")
            + f'<p class="ffh-card-source">Source: {_link(item.source_url, item.source)}</p>'
            f'<p class="ffh-card-link"><a href="{ROOT_TOKEN}{_chapter_href(item.chapter)}">'
            f"{_esc(item.chapter_title)}</a></p></li>"
        )
    return HTMLBlock(f'<ul class="ffh-cards">{"".join(html_items)}</ul>')


def whats_new(limit: int = 3) -> HTMLBlock:
    """The latest entries of the data changelog, newest first."""
    from datetime import date as _date

    from analysis import changelog, data

    rows = changelog.read_changelog(data.data_dir() / "changelog.csv")
    items = []
    for row in list(reversed(rows))[:limit]:
        day = text.day(_date.fromisoformat(row["date"])) if row.get("date") else "undated"
        revised = f"; {row['values_revised']} values revised" if row.get("values_revised") else ""
        items.append(f"<li>{_esc(day)}: {_esc(changelog.entry_title(row))}{_esc(revised)}</li>")
    return HTMLBlock(f"<ul>{''.join(items)}</ul>" if items else "<p>No changes recorded yet.</p>")


def quote(text: str, citation: str) -> HTMLBlock:
    """A quotation from a cited document, with its citation."""
    return HTMLBlock(
        f'<blockquote class="ffh-quote"><p>{_esc(text)}</p><p class="ffh-quote-source">{_esc(citation)}</p>'
        "</blockquote>"
    )


def document_citation(document_id: str, locator: str) -> str:
    """A cited document's how_to_cite text with the locator filled in (data/reference/cited_documents.csv)."""
    import csv as _csv

    from analysis import data

    path = data.data_dir() / "reference" / "cited_documents.csv"
    with path.open(newline="", encoding="utf-8-sig") as handle:
        documents = {row["document_id"]: row for row in _csv.DictReader(handle)}
    if document_id not in documents:
        raise KeyError(f"document {document_id!r} is not in data/reference/cited_documents.csv")
    return documents[document_id]["how_to_cite"].replace("{locator}", locator)


# ==================================================================================================
# Sphinx extension
# ==================================================================================================


def _chart_store(app: Any) -> Path:
    configured = app.config.ffh_chart_store
    if configured:
        return Path(configured).resolve()
    return settings.Settings.from_env().chart_store


def _on_page_context(app: Any, pagename: str, templatename: str, context: dict, doctree: Any) -> None:
    root = "../" * pagename.count("/")
    context["metatags"] = (context.get("metatags") or "") + (
        f'<link rel="alternate" type="application/atom+xml" title="Far from home: data changes" '
        f'href="{root}changes.xml">'
    )
    body = context.get("body")
    if body and DRAWN_CHART in body:
        # the chart runtime, only on pages with charts it draws (a council page's charts are static SVG); one
        # file, cached by the browser across pages
        app.add_js_file(VENDOR_BUNDLE, defer="defer", priority=PAGE_SCRIPT_PRIORITY)
    if not body or "%%FFH_" not in body:
        return
    root = "../" * pagename.count("/")
    base = (app.config.html_baseurl or "").rstrip("/")
    page_url = f"{base}/{pagename}.html" if base else f"{pagename}.html"
    title = re.sub(r"<[^>]+>", "", context.get("title", "")) or SITE_NAME
    body = body.replace(ROOT_TOKEN, root).replace(PAGE_URL_TOKEN, html.escape(page_url))
    body = body.replace(PAGE_TITLE_TOKEN, html.escape(html.unescape(title)))
    context["body"] = body
    charts = app.env.ffh_charts if hasattr(app.env, "ffh_charts") else {}
    for name in re.findall(r'data-ffh-chart="([a-z0-9-]+)"', body):
        charts.setdefault(name, []).append(pagename)
    app.env.ffh_charts = charts


def _on_build_finished(app: Any, exception: Exception | None) -> None:
    from sphinx.errors import ExtensionError

    if exception is not None or app.builder.format != "html":
        return
    charts: dict[str, list[str]] = getattr(app.env, "ffh_charts", {})
    store = _chart_store(app)
    target = Path(app.outdir) / "_static" / "charts"
    if target.exists():
        shutil.rmtree(target)
    problems = []
    for name, pages in sorted(charts.items()):
        if len(pages) > 1:
            problems.append(f"chart name {name!r} is used more than once: {pages}")
        for ext in CHART_EXTENSIONS:
            source = store / f"{name}.{ext}"
            if not source.exists() or source.stat().st_size == 0:
                problems.append(f"chart {name!r} on {pages[0]}: {source} is missing (re-run with --fresh)")
                continue
            target.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target / source.name)
    if problems:
        raise ExtensionError("chart files:\n  " + "\n  ".join(problems))


def _on_env_purge(app: Any, env: Any, docname: str) -> None:
    charts = getattr(env, "ffh_charts", None)
    if charts:
        for name in list(charts):
            charts[name] = [p for p in charts[name] if p != docname]
            if not charts[name]:
                del charts[name]


def _dedupe_assets(app: Any, config: Any) -> None:
    """jupyter-book adds every .js/.css under _static as a plain entry; keep one entry per file, preferring
    the configured one with attributes (e.g. defer), so each script loads once and deferred. The Vega bundle
    is not a site-wide script: _on_page_context adds it to the pages that draw charts."""
    for key in ("html_js_files", "html_css_files"):
        entries = list(getattr(config, key) or [])
        with_attrs = {e[0] for e in entries if isinstance(e, (list, tuple))}
        kept, seen = [], set()
        for entry in entries:
            name = entry[0] if isinstance(entry, (list, tuple)) else entry
            if name in PAGE_ONLY_ASSETS:
                continue
            if (not isinstance(entry, (list, tuple)) and name in with_attrs) or name in seen:
                continue
            seen.add(name)
            kept.append(tuple(entry) if isinstance(entry, list) else entry)
        setattr(config, key, kept)


def _disable_thebe(app: Any) -> None:
    """jupyter-book always loads sphinx_thebe, which writes an unpkg.com URL and Binder settings into every
    page. The site has no launch buttons: drop its event handlers and stylesheet."""
    for listeners in app.events.listeners.values():
        for listener in list(listeners):
            if getattr(listener.handler, "__module__", "").startswith("sphinx_thebe"):
                listeners.remove(listener)
    app.registry.css_files = [(f, a) for f, a in app.registry.css_files if "thebe" not in str(f)]


def setup(app: Any) -> dict[str, Any]:
    """Sphinx extension entry point (book/_config.yml: sphinx.extra_extensions: [analysis.site])."""
    app.add_config_value("ffh_chart_store", "", "env")
    _disable_thebe(app)
    app.connect("config-inited", _dedupe_assets)
    app.connect("html-page-context", _on_page_context)
    app.connect("build-finished", _on_build_finished)
    app.connect("env-purge-doc", _on_env_purge)
    return {"version": "1.0", "parallel_read_safe": True, "parallel_write_safe": False}


# ==================================================================================================
# Checking a built site
# ==================================================================================================

RESOURCE_ATTRS = {
    "script": ("src",),
    "link": ("href",),
    "img": ("src", "srcset"),
    "source": ("src", "srcset"),
    "iframe": ("src",),
    "audio": ("src",),
    "video": ("src", "poster"),
    "embed": ("src",),
    "object": ("data",),
    "track": ("src",),
    "input": ("src",),
    "image": ("href", "xlink:href"),
    "use": ("href", "xlink:href"),
    "form": ("action",),
}
EXTERNAL = re.compile(r"^(?:[a-z][a-z0-9+.-]*:)?//", re.I)
CSS_URL = re.compile(r"""url\(\s*['"]?([^'")\s]+)|@import\s+(?:url\()?\s*['"]?([^'");\s]+)""", re.I)


class _PageParser(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.resources: list[tuple[str, str, str]] = []  # (tag, attr, url)
        self.links: list[str] = []
        self.charts: list[str] = []
        self.styles: list[str] = []
        self.meta_refresh: list[str] = []
        self.inline_scripts: list[str] = []
        self.ids: set[str] = set()
        self._in_style = False
        self._in_script = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {k: v or "" for k, v in attrs}
        for attr in RESOURCE_ATTRS.get(tag, ()):
            if values.get(attr):
                urls = (
                    [part.strip().split(" ")[0] for part in values[attr].split(",")]
                    if attr == "srcset"
                    else [values[attr]]
                )
                for url in urls:
                    self.resources.append((tag, attr, url))
        if tag == "a" and values.get("href"):
            self.links.append(values["href"])
        if values.get("id"):
            self.ids.add(values["id"])
        if tag == "a" and values.get("name"):
            self.ids.add(values["name"])
        if values.get("data-ffh-chart"):
            self.charts.append(values["data-ffh-chart"])
        if values.get("style"):
            self.styles.append(values["style"])
        if tag == "meta" and values.get("http-equiv", "").lower() == "refresh":
            self.meta_refresh.append(values.get("content", ""))
        self._in_style = tag == "style"
        self._in_script = tag == "script"

    def handle_endtag(self, tag: str) -> None:
        if tag == "style":
            self._in_style = False
        if tag == "script":
            self._in_script = False

    def handle_data(self, data: str) -> None:
        if self._in_style:
            self.styles.append(data)
        if self._in_script:
            self.inline_scripts.append(data)


def _local_target(page: Path, url: str, root: Path) -> Path | None:
    parts = urlsplit(url)
    if parts.scheme or parts.netloc or not parts.path:
        return None
    return (page.parent / unquote(parts.path)).resolve()


def check_site(html_dir: Path, base_url: str = "") -> list[str]:
    """Problems with a built site (empty = good):
    - any script/link/img/... or CSS url()/@import pointing to another host (base_url itself is allowed);
    - any local link or resource that does not exist;
    - a chart whose CSV/PNG/SVG is missing, empty or not a valid PNG/SVG, or unreplaced placeholders.
    """
    html_dir = Path(html_dir).resolve()
    problems: list[str] = []
    if not (html_dir / "index.html").exists():
        return [f"{html_dir}: no index.html (not a built site)"]

    def external(url: str) -> bool:
        return bool(EXTERNAL.match(url.strip())) and not (base_url and url.startswith(base_url))

    parsed: dict[Path, _PageParser] = {}
    for page in sorted(html_dir.rglob("*.html")):
        if page.relative_to(html_dir).parts[0] == "_static":  # theme template fragments (Jinja macros)
            continue
        parser = _PageParser()
        parser.feed(page.read_text("utf-8", errors="replace"))
        parsed[page.resolve()] = parser
    for page, parser in parsed.items():
        rel = page.relative_to(html_dir)
        if "%%FFH_" in page.read_text("utf-8", errors="replace"):
            problems.append(f"{rel}: placeholder left unreplaced")
        for tag, attr, url in parser.resources:
            if external(url):
                problems.append(f"{rel}: <{tag} {attr}> loads from another host: {url}")
            elif not url.startswith(("data:", "#", "javascript:", "mailto:")):
                target = _local_target(page, url, html_dir)
                if target is not None and tag != "form" and not target.exists():
                    problems.append(f"{rel}: <{tag} {attr}> points to a missing file: {url}")
        for content in parser.meta_refresh:
            if EXTERNAL.search(content.split("url=")[-1] if "url=" in content.lower() else ""):
                problems.append(f"{rel}: meta refresh to another host: {content}")
        for style in parser.styles:
            for match in CSS_URL.finditer(style):
                url = match.group(1) or match.group(2)
                if url and external(url):
                    problems.append(f"{rel}: inline CSS loads from another host: {url}")
        for script in parser.inline_scripts:
            for url in re.findall(r"(?:https?:)?//[A-Za-z0-9.-]+\.[A-Za-z]{2,}[^\s\"'<>]*", script):
                if external(url) and not url.startswith(("http://www.w3.org/", "https://www.w3.org/")):
                    problems.append(f"{rel}: inline script names another host: {url[:100]}")
        for url in parser.links:
            if url.startswith(("#", "mailto:", "javascript:")) or EXTERNAL.match(url) or urlsplit(url).scheme:
                continue
            target = _local_target(page, url, html_dir)
            if target is not None and not target.exists():
                problems.append(f"{rel}: link to a missing page or file: {url}")
            elif target is not None and urlsplit(url).fragment and target in parsed:
                if unquote(urlsplit(url).fragment) not in parsed[target].ids:
                    problems.append(f"{rel}: link to a missing anchor: {url}")
        for url in parser.links:
            if url.startswith("#") and len(url) > 1 and unquote(url[1:]) not in parser.ids:
                problems.append(f"{rel}: link to a missing anchor: {url}")
        for name in parser.charts:
            problems += [f"{rel}: {p}" for p in _check_chart_files(html_dir, name)]
    for css in sorted(html_dir.rglob("*.css")):
        text = css.read_text("utf-8", errors="replace")
        for match in CSS_URL.finditer(text):
            url = match.group(1) or match.group(2)
            if url and external(url):
                problems.append(f"{css.relative_to(html_dir)}: CSS loads from another host: {url}")
    # nothing published speaks of how it was built (local paths, the sources' archive, working documents)
    problems += [f"published text: {p}" for p in public_text.scan(html_dir)]
    return problems


def _check_chart_files(html_dir: Path, name: str) -> list[str]:
    import xml.etree.ElementTree as ElementTree

    problems = []
    folder = html_dir / "_static" / "charts"
    for ext in CHART_EXTENSIONS:
        path = folder / f"{name}.{ext}"
        if not path.exists() or path.stat().st_size == 0:
            problems.append(f"chart {name}: {path.name} missing or empty")
            continue
        content = path.read_bytes()
        if ext == "png" and not content.startswith(b"\x89PNG\r\n\x1a\n"):
            problems.append(f"chart {name}: {path.name} is not a PNG")
        if ext == "svg":
            try:
                root = ElementTree.fromstring(content)
            except ElementTree.ParseError as error:
                problems.append(f"chart {name}: {path.name} is not valid XML ({error})")
            else:
                if not root.tag.endswith("svg"):
                    problems.append(f"chart {name}: {path.name} root is {root.tag}, not svg")
        if ext == "csv" and not content.removeprefix(b"\xef\xbb\xbf").startswith(b"time_period,"):
            problems.append(f"chart {name}: {path.name} does not start with the EES columns")
    return problems


# ==================================================================================================
# Build
# ==================================================================================================


# The chart runtime: Vega only (~590 KB minified, ~205 KB gzipped). Charts are compiled from Vega-Lite to Vega
# when the book is built (analysis.charts.page_payload), and ffh.js draws, sizes and explains them itself, so
# neither the Vega-Lite compiler nor Vega-Embed (with its tooltip, theme and schema plug-ins) is shipped.
# vl-convert bundles from the module copies built into it (nothing is downloaded); the `vega` name it offers a
# snippet is Vega's (empty) default export, so the snippet imports Vega's namespace by the address vl-convert
# files its copy under.
VENDOR_SNIPPET = 'import * as vegaRuntime from "https://cdn.jsdelivr.net/npm/vega@{version}/+esm"; window.vega = vegaRuntime;'


def write_vendor_bundle(book_dir: Path) -> Path:
    """The site's own Vega runtime (vl-convert's minified bundle; sets window.vega). Loaded only by pages
    with charts (see _on_page_context)."""
    import vl_convert as vlc

    target = book_dir / "_static" / VENDOR_BUNDLE
    stamp = target.with_suffix(".version")
    version = (
        f"vl-convert {vlc.__version__ if hasattr(vlc, '__version__') else ''} vega {vlc.get_vega_version()} "
        "(vega runtime only)"
    )
    if target.exists() and stamp.exists() and stamp.read_text() == version:
        return target
    target.parent.mkdir(parents=True, exist_ok=True)
    bundle = vlc.javascript_bundle(VENDOR_SNIPPET.format(version=vlc.get_vega_version()))
    exported = re.search(r"window\.vega=([A-Za-z0-9_$]+);\s*$", bundle)
    if not exported or f"const {exported.group(1)}=null" in bundle:
        raise BuildFailed("vl-convert's bundle does not export Vega (window.vega); check VENDOR_SNIPPET")
    tmp = target.with_suffix(".tmp")
    # wrapped in a function so its top-level names cannot clash with other scripts; it sets window.vega
    tmp.write_text(
        f"/* {version}: generated by analysis.site, do not edit */\n(function () {{\n{bundle}\n}}).call(window);\n",
        encoding="utf-8",
    )
    os.replace(tmp, target)
    stamp.write_text(version)
    return target


LICENCE_TEXT = """Far from home: open data on England's children in care

The data in this folder (the CSV files, their dictionaries and datapackage.json) is derived from official
statistics published by the Department for Education and Ofsted, and from ONS geography lookups.

Contains public sector information licensed under the Open Government Licence v3.0:
https://www.nationalarchives.gov.uk/doc/open-government-licence/version/3/

You may copy, publish, distribute, transmit and adapt the data, commercially and non-commercially, if you
acknowledge the source. Suggested attribution:

    Far from home, derived from Department for Education and Ofsted official statistics.
    Contains public sector information licensed under the Open Government Licence v3.0.

Each file's sources (publisher, release, file and retrieval date) are listed in its .meta.json and in
datapackage.json. Where a source has a different licence, its .meta.json says so.
"""


def write_downloads(book_dir: Path, data_dir: Path) -> list[Path]:
    """Copy every published dataset (CSV + dictionary), datapackage.json and the licence into
    _static/downloads (cleared first, so a withdrawn dataset disappears)."""
    package_path = data_dir / "datapackage.json"
    if not package_path.exists():
        raise BuildFailed(f"{package_path} is missing: run `make data` before `make book`")
    package = json.loads(package_path.read_text("utf-8"))
    names = [r["name"] for r in package.get("resources", [])]
    tidy = data_dir / "tidy"
    on_disk = sorted(p.name[: -len(".csv")] for p in tidy.glob("*.csv")) if tidy.exists() else []
    problems = [
        f"{n}: in datapackage.json but {tidy / (n + '.csv')} is missing" for n in names if n not in on_disk
    ]
    problems += [
        f"{n}: {n}.csv is in data/tidy but not in datapackage.json" for n in on_disk if n not in names
    ]
    problems += [f"{n}: {n}.meta.json is missing" for n in names if not (tidy / f"{n}.meta.json").exists()]
    if problems:
        raise BuildFailed("published data is inconsistent:\n  " + "\n  ".join(problems))
    target = book_dir / "_static" / "downloads"
    staging = Path(tempfile.mkdtemp(prefix=".downloads-", dir=book_dir / "_static"))
    try:
        written = []
        for name in names:
            for suffix in (".csv", ".meta.json"):
                shutil.copy2(tidy / f"{name}{suffix}", staging / f"{name}{suffix}")
                written.append(target / f"{name}{suffix}")
        shutil.copy2(package_path, staging / "datapackage.json")
        licence = data_dir / "LICENCE.txt"
        if licence.exists():
            shutil.copy2(licence, staging / "LICENCE.txt")
        else:
            (staging / "LICENCE.txt").write_text(LICENCE_TEXT, encoding="utf-8")
        written += [target / "datapackage.json", target / "LICENCE.txt"]
        if target.exists():
            shutil.rmtree(target)
        os.replace(staging, target)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return written


def execution_fingerprint(data_dir: Path) -> str:
    """A hash of everything a page's executed output depends on besides its own text: the data folder and
    the analysis package. When it changes, cached executions are stale."""
    digest = hashlib.sha256()
    roots = [data_dir, settings.PROJECT_ROOT / "analysis"]
    for root in roots:
        for path in sorted(p for p in root.rglob("*") if p.is_file()):
            if "__pycache__" in path.parts or path.name.startswith(".staging"):
                continue
            if root.name == "analysis" and path.suffix != ".py":
                continue
            digest.update(str(path.relative_to(root)).encode())
            digest.update(hashlib.sha256(path.read_bytes()).digest())
    lock = settings.PROJECT_ROOT / "requirements.lock"
    if lock.exists():
        digest.update(lock.read_bytes())
    return digest.hexdigest()


def ensure_kernel() -> Path:
    """The `python3` kernel spec in this venv (ipykernel's), so notebooks run with this interpreter."""
    share = Path(sys.prefix) / "share" / "jupyter"
    spec = share / "kernels" / "python3" / "kernel.json"
    if not spec.exists():
        subprocess.run(
            [sys.executable, "-m", "ipykernel", "install", "--sys-prefix", "--name", "python3"], check=True
        )
    return share


def build(
    book_dir: Path = BOOK_DIR,
    *,
    data_dir: Path | None = None,
    output: Path | None = None,
    fresh: bool = False,
    base_url: str | None = None,
) -> Path:
    """Build the book strictly into a staging folder, check it, then swap it into `output`
    (default <book>/_build/html). Raises BuildFailed (leaving the previous site) on any problem."""
    started = time.monotonic()
    book_dir = Path(book_dir).resolve()
    data_dir = Path(data_dir).resolve() if data_dir else settings.DATA_DIR
    build_dir = book_dir / "_build"
    output = Path(output).resolve() if output else build_dir / "html"
    build_dir.mkdir(parents=True, exist_ok=True)

    write_vendor_bundle(book_dir)
    write_downloads(book_dir, data_dir)
    kernels = ensure_kernel()

    cache = build_dir / ".jupyter_cache"
    store = build_dir / "chart-files"
    fingerprint_file = build_dir / ".execution-fingerprint"
    fingerprint = execution_fingerprint(data_dir)
    previous = fingerprint_file.read_text().strip() if fingerprint_file.exists() else ""
    if fresh or previous != fingerprint:
        reason = "--fresh" if fresh else ("first build" if not previous else "data/ or analysis/ changed")
        print(f"[site] clearing cached executions and chart files ({reason})", flush=True)
        shutil.rmtree(cache, ignore_errors=True)
        shutil.rmtree(store, ignore_errors=True)
    # from here on the cache only holds executions of this data and code, even if this build fails
    fingerprint_file.write_text(fingerprint + "\n")
    store.mkdir(parents=True, exist_ok=True)

    staging = Path(tempfile.mkdtemp(prefix=".staging-", dir=build_dir))
    run_settings = settings.Settings.from_env()
    site_url = run_settings.site_url if base_url is None else base_url
    config_file = write_build_config(book_dir, staging, site_url)
    inherited = run_settings.environment

    def prepend(first: str, name: str) -> str:
        return first + (os.pathsep + inherited[name] if inherited.get(name) else "")

    env = run_settings.subprocess_env(
        FFH_BOOK_BUILD="1",
        FFH_CHART_STORE=str(store),
        FFH_DATA_DIR=str(data_dir),
        FFH_SITE_URL=site_url,
        JUPYTER_PATH=prepend(str(kernels), "JUPYTER_PATH"),
        JUPYTER_PLATFORM_DIRS="1",
        PYDEVD_DISABLE_FILE_VALIDATION="1",
        PATH=prepend(str(Path(sys.executable).parent), "PATH"),
        PYTHONPATH=prepend(str(settings.PROJECT_ROOT), "PYTHONPATH"),
    )
    command = [
        sys.executable,
        "-c",
        "from jupyter_book.cli.main import main; main()",
        "build",
        ".",
        "--path-output",
        str(staging),
        "--config",
        str(config_file),
        "--builder",
        "html",
        "-W",
        "--keep-going",
        "--all",
    ]
    try:
        result = subprocess.run(command, cwd=book_dir, env=env)
        staged = staging / "_build" / "html"
        if result.returncode != 0 or not (staged / "index.html").exists():
            raise BuildFailed(
                f"jupyter-book build failed (exit {result.returncode}); the previous site in "
                f"{output} was left as it was. Warnings are errors: see the messages above."
            )
        write_feed(staged, data_dir, site_url)
        problems = check_site(staged, base_url=site_url)
        # every number a reader sees is a number the published data holds
        problems += [f"number not in the published data: {p}" for p in unsourced_numbers(staged, data_dir)]
        if problems:
            raise BuildFailed("the built site failed its checks:\n  " + "\n  ".join(problems[:50]))
        _swap(staged, output)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    print(f"[site] built {output} in {time.monotonic() - started:.0f} s", flush=True)
    return output


def configured_base_url(book_dir: Path = BOOK_DIR) -> str:
    """The site's address: FFH_SITE_URL (settings), "" when it is not set."""
    return settings.Settings.from_env().site_url


def write_build_config(book_dir: Path, staging: Path, site_url: str) -> Path:
    """The book's _config.yml with html.baseurl set to the site's address (FFH_SITE_URL; empty when not set),
    written into the staging folder for this build only: the committed file never holds an address."""
    import yaml

    config = yaml.safe_load((Path(book_dir) / "_config.yml").read_text("utf-8")) or {}
    config.setdefault("html", {})["baseurl"] = site_url
    target = staging / "_config.yml"
    target.write_text(yaml.safe_dump(config, sort_keys=False, allow_unicode=True), encoding="utf-8")
    return target


def _swap(new: Path, output: Path) -> None:
    """Put `new` at `output`; the old site is removed only after the new one is in place."""
    output.parent.mkdir(parents=True, exist_ok=True)
    incoming = output.with_name(f".{output.name}.incoming-{os.getpid()}")
    shutil.rmtree(incoming, ignore_errors=True)
    shutil.move(str(new), str(incoming))
    retired = output.with_name(f".{output.name}.old-{os.getpid()}")
    if output.exists():
        os.replace(output, retired)
    os.replace(incoming, output)
    shutil.rmtree(retired, ignore_errors=True)


def serve(html_dir: Path, port: int = 8000) -> None:
    """Serve the built site on 127.0.0.1 (foreground; Ctrl-C to stop)."""
    import functools
    import http.server

    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(html_dir))
    with http.server.ThreadingHTTPServer(("127.0.0.1", port), handler) as server:
        print(f"[site] serving {html_dir} on http://127.0.0.1:{port}/ (Ctrl-C to stop)", flush=True)
        server.serve_forever()


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m analysis.site", description=__doc__.split("\n\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)
    build_cmd = commands.add_parser("build", help="build the book strictly (what `make book` runs)")
    build_cmd.add_argument("--book", type=Path, default=BOOK_DIR)
    build_cmd.add_argument("--data-dir", type=Path, default=None)
    build_cmd.add_argument("--output", type=Path, default=None)
    build_cmd.add_argument("--fresh", action="store_true", help="re-execute every page")
    check_cmd = commands.add_parser("check", help="check a built site (third-party URLs, links, chart files)")
    check_cmd.add_argument("html_dir", type=Path, nargs="?", default=BOOK_DIR / "_build" / "html")
    serve_cmd = commands.add_parser("serve", help="serve a built site on 127.0.0.1")
    serve_cmd.add_argument("html_dir", type=Path, nargs="?", default=BOOK_DIR / "_build" / "html")
    serve_cmd.add_argument("--port", type=int, default=8000)
    args = parser.parse_args(argv)
    if args.command == "build":
        try:
            build(args.book, data_dir=args.data_dir, output=args.output, fresh=args.fresh)
        except BuildFailed as error:
            print(f"[site] BUILD FAILED: {error}", file=sys.stderr, flush=True)
            return 1
        return 0
    if args.command == "check":
        problems = check_site(args.html_dir, base_url=configured_base_url())
        for problem in problems:
            print(problem)
        print(f"[site] {len(problems)} problem(s) in {args.html_dir}")
        return 1 if problems else 0
    serve(args.html_dir, args.port)
    return 0


if __name__ == "__main__":
    sys.exit(main())
