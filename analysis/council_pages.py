"""A page for every council, and "Find your area": generated from data/ with one template, not executed.

`councils/<GSS code>.html` for each council in the `councils` dataset (the 153 current councils and the ones
reorganised since 2011), built from published datasets only (council_profiles for every figure;
councils, constituency_councils, council_owned_homes and childrens_homes_by_constituency for names, links and
lists). Each current council's page has a summary written from the data, five static SVG charts (drawn by
analysis/svg_charts.py: no chart runtime, readable without JavaScript, printable) with the site's chart
furniture (table, CSV/PNG/SVG downloads, description, citation naming the council), one CSV with everything
for the council, and a print layout. A former council's page points to the councils that replaced it, with its
own figures where its area changed.

This module is a Sphinx extension (book/_config.yml, after analysis.site):
- html-collect-pages: renders the council pages through the theme's page template (template:
  analysis/templates/council-page.html), writes each chart's CSV/SVG/PNG to the chart store (copied and checked
  by analysis.site like every chart), each council's CSV to _static/councils/ and the finder's index to
  _static/ffh-areas.json;
- directive `ffh-find-area` (the finder box: book/intro.md, book/areas.md; the header has the same form in
  book/_templates/ffh-find-area.html) and directive `ffh-area-list` (every council and Westminster
  constituency as plain links, book/areas.md). The typeahead on top is book/_static/ffh-find.js.

Westminster constituencies (2024 boundaries) list the councils that serve them with the share of their
residents in each (constituency_councils, from mySociety, CC BY 4.0). Ofsted's lists held name each children's
home's constituency on the boundaries in force before July 2024, so no count of homes is given for a 2024
constituency: the finder says so, and gives the count for the 2010 constituency of the same name, labelled as
such, where one exists.

    python -m analysis.council_pages E06000009 [out.html]   # one council page's body, to look at
    python -m analysis.council_pages --build DIR            # every page, and its charts' CSV, SVG and PNG
"""

from __future__ import annotations

import functools
import html
import json
import os
import sys
import time
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import polars as pl

from analysis import data, settings, svg_charts, text
from analysis.csv_writer import csv_text

TEMPLATES = Path(__file__).resolve().parent / "templates"
PAGE_TEMPLATE = "council-page.html"
FOLDER = "councils"
AREAS_PAGE = "areas"
INDEX_FILE = "_static/ffh-areas.json"
CSV_FOLDER = "_static/councils"
ROOT_TOKEN = "%%FFH_ROOT%%"
PAGE_URL_TOKEN = "%%FFH_PAGE_URL%%"
PAGE_TITLE_TOKEN = "%%FFH_PAGE_TITLE%%"
SITE_NAME = "Far from home"

BLUE = "#12436D"
TURQUOISE = "#28A197"
GREY = "#3D3D3D"
ORANGE = "#F46A25"
SECTOR_ORDER = ["All sectors", "Private", "Local authority", "Voluntary", "Health authority"]
SECTOR_LABELS = {
    "All sectors": "All children's homes",
    "Private": "Private",
    "Local authority": "Council-run",
    "Voluntary": "Voluntary (charities)",
    "Health authority": "Health authority",
}
PLACEMENT_MEASURES = [
    "children_looked_after",
    "placed_outside_la_boundary",
    "placed_inside_la_boundary",
    "children_in_neither_count",
    "share_placed_outside_percent",
    "share_placed_outside_upper_percent",
    "placed_in_la_by_other_las",
]
OVER_20_MEASURES = ["children_looked_after", "placed_over_20_miles", "share_placed_over_20_miles_percent"]
HOMES_MEASURES = ["homes", "places", "population_0_to_17", "places_per_10000_children"]
MISSING_MEASURES = [
    "children_missing",
    "missing_incidents",
    "children_looked_after_during_year",
    "children_missing_per_100",
]


def _esc(value: Any) -> str:
    return html.escape("" if value is None else str(value), quote=True)


# ==================================================================================================
# Data: published datasets only
# ==================================================================================================


@dataclass(frozen=True)
class Council:
    code: str
    name: str
    region_code: str
    region_name: str
    la_type: str
    start_date: date | None
    end_date: date | None
    is_current: bool
    successors: tuple[str, ...]

    @property
    def url(self) -> str:
        return f"{FOLDER}/{self.code}.html"


class Data:
    """The published datasets the pages read, loaded once."""

    def __init__(self) -> None:
        councils = data.load("councils")
        self.councils: dict[str, Council] = {}
        for row in councils.iter_rows(named=True):
            self.councils[row["new_la_code"]] = Council(
                code=row["new_la_code"],
                name=row["la_name"],
                region_code=row["region_code"],
                region_name=row["region_name"],
                la_type=row["la_type"],
                start_date=row["start_date"],
                end_date=row["end_date"],
                is_current=bool(row["is_current"]),
                successors=tuple(c for c in (row["successor_codes"] or "").split(",") if c),
            )
        self.profiles = data.load("council_profiles")
        las = self.profiles.filter(pl.col("geographic_level") == "Local authority")
        self.pages: dict[str, pl.DataFrame] = {
            key[0]: frame for key, frame in las.partition_by("profile_code", as_dict=True).items()
        }
        self.own_rows: dict[str, pl.DataFrame] = {
            key[0]: frame for key, frame in las.partition_by("new_la_code", as_dict=True).items()
        }
        self.regions: dict[str, pl.DataFrame] = {
            key[0]: frame
            for key, frame in self.profiles.filter(pl.col("geographic_level") == "Regional")
            .partition_by("region_code", as_dict=True)
            .items()
        }
        self.england = self.profiles.filter(pl.col("geographic_level") == "National")
        self.constituencies = data.load("constituency_councils")
        self.owned = data.load("council_owned_homes")
        self.by_pcon = data.load("childrens_homes_by_constituency")

    def page_frame(self, code: str) -> pl.DataFrame:
        return self.pages.get(code, self.profiles.clear())

    def comparison(self, council: Council) -> tuple[pl.DataFrame, pl.DataFrame]:
        return self.regions.get(council.region_code, self.profiles.clear()), self.england


NEEDS = [
    "councils",
    "council_profiles",
    "constituency_councils",
    "council_owned_homes",
    "childrens_homes_by_constituency",
]


@functools.lru_cache(maxsize=1)
def load() -> Data:
    return Data()


def available() -> bool:
    """Whether the published data has what the council pages need (a book built over other data, such as the
    tests' fixture book, has no council pages)."""
    return all(name in data.dataset_names() for name in NEEDS)


# ==================================================================================================
# Picking and formatting figures (nothing is computed here: every number is a published column value)
# ==================================================================================================


_INDEXES: dict[int, tuple[pl.DataFrame, dict]] = {}


def _index(frame: pl.DataFrame) -> dict[tuple[str, str | None], dict[int, dict]]:
    """(measure, sector) -> {year: row} for a frame, built once (pages look figures up hundreds of times)."""
    cached = _INDEXES.get(id(frame))
    if cached is not None and cached[0] is frame:
        return cached[1]
    index: dict[tuple[str, str | None], dict[int, dict]] = {}
    for row in frame.sort("reference_date").iter_rows(named=True):
        years = index.setdefault((row["measure"], row["sector"]), {})
        if row["time_period"] in years:
            raise ValueError(
                f"{row['measure']} {row['time_period']}: two rows for one page (council_profiles)"
            )
        years[row["time_period"]] = row
    _INDEXES[id(frame)] = (frame, index)
    return index


def series_of(frame: pl.DataFrame, measure: str, sector: str | None = None) -> dict[int, dict]:
    """{year: row} of a measure (and sector) in a page's rows."""
    return dict(_index(frame).get((measure, sector), {}))


def row_for(
    frame: pl.DataFrame, measure: str, year: int | None = None, sector: str | None = None
) -> dict | None:
    """The row of a measure for a year (else its latest row), or None when there is none."""
    years = _index(frame).get((measure, sector), {})
    if not years:
        return None
    if year is None:
        return years[max(years)]
    return years.get(year)


def no_figure(row: dict | None) -> str:
    """Why a figure is missing, in words: never 0."""
    if row is None:
        return "not published"
    note = row.get("value_note") or ""
    if "suppress" in note:
        return "suppressed"
    if note.startswith("not derived"):
        return (
            "no figure (a count it needs is suppressed or not published)"
            if "suppress" not in note
            else "suppressed"
        )
    return "not published"


def count(row: dict | None) -> str:
    if row is None or row.get("value") is None:
        return no_figure(row)
    return text.n(row["value"])


def percent(row: dict | None) -> str:
    if row is None or row.get("rate") is None:
        return no_figure(row)
    return text.pct(row["rate"])


def rate(row: dict | None, places: int = 1) -> str:
    if row is None or row.get("rate") is None:
        return no_figure(row)
    return text.dec(row["rate"], places)


def has(row: dict | None, column: str = "value") -> bool:
    return row is not None and row.get(column) is not None


def share_range(low: dict | None, high: dict | None) -> str:
    """A share, or its range in the 2011-2014 coverage gap ('35.3% to 38.5%'); one value when they agree."""
    if has(high, "rate") and has(low, "rate") and high["rate"] > low["rate"]:
        return f"{percent(low)} to {percent(high)}"
    return percent(low)


def compare(a: dict | None, b: dict | None, *, more: str, less: str, same: str) -> str | None:
    """Words comparing two unrounded rates, or None when either is missing."""
    if not has(a, "rate") or not has(b, "rate"):
        return None
    if a["rate"] > b["rate"]:
        return more
    if a["rate"] < b["rate"]:
        return less
    return same


def against(own: dict | None, others: list[tuple[dict | None, str]], shown) -> str:
    """': a higher share than in the North West region (40.8%) and in England (44.9%)', from unrounded rates."""
    groups: dict[str, list[str]] = {}
    for other, where in others:
        word = compare(own, other, more="higher", less="lower", same="the same")
        if word:
            groups.setdefault(word, []).append(f"in {where} ({shown(other)})")
    if not groups:
        return ""
    parts = [
        (
            f"the same share as {list_words(places)}"
            if word == "the same"
            else f"a {word} share than {list_words(places)}"
        )
        for word, places in groups.items()
    ]
    return ": " + list_words(parts)


def day(value: date) -> str:
    return text.day(value)


def list_words(items: list[str]) -> str:
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " and " + items[-1]


def plural(number: int, one: str, many: str) -> str:
    return one if number == 1 else many


def ofsted_date(frame: pl.DataFrame) -> date | None:
    homes = frame.filter(pl.col("measure") == "homes")
    return homes["reference_date"].max() if homes.height else None


# ==================================================================================================
# Sources (from the rows' source ids; Ofsted lists named by their date, not their file label)
# ==================================================================================================


def source_text(frame: pl.DataFrame) -> str:
    """'Source: ...' for a chart or table: each publication with the years or list dates its rows come from."""
    key = tuple(
        sorted(
            (sid, tuple(sorted(str(d) for d in dates)))
            for sid, dates in frame.group_by("source_id").agg(pl.col("reference_date").unique()).iter_rows()
        )
    )
    return _source_text(key, frame)


_SOURCE_TEXTS: dict[tuple, str] = {}


def _source_text(key: tuple, frame: pl.DataFrame) -> str:
    if key in _SOURCE_TEXTS:
        return _SOURCE_TEXTS[key]
    parts = []
    ofsted = frame.filter(pl.col("source_id").str.starts_with("ofsted-"))
    other = frame.filter(~pl.col("source_id").str.starts_with("ofsted-"))
    if other.height:
        parts.append(text.cite(other))
    if ofsted.height:
        manifest = data.sources()
        for source_id in sorted(ofsted["source_id"].unique().to_list()):
            dates = (
                ofsted.filter(pl.col("source_id") == source_id)["reference_date"].unique().sort().to_list()
            )
            entry = manifest.get(source_id, {})
            publication = (entry.get("publication") or "Children's social care statistics").split(" (")[0]
            parts.append(
                f"Ofsted, {publication} (list of children's homes at {', '.join(day(d) for d in dates)})"
            )
    _SOURCE_TEXTS[key] = "Source: " + "; ".join(parts) + "."
    return _SOURCE_TEXTS[key]


def sources_list(frame: pl.DataFrame) -> list[dict[str, str]]:
    """The page's sources: each DfE release with the years it gives; each Ofsted list by its date."""
    items = []
    other = frame.filter(~pl.col("source_id").str.starts_with("ofsted-"))
    if other.height:
        for use in data.source_uses(other):
            items.append(
                {
                    "publisher": _esc(use.publisher),
                    "publication": _esc(use.publication),
                    "release": _esc(use.release),
                    "years": _esc(use.years),
                    "url": _esc(use.page_url),
                }
            )
    ofsted = frame.filter(pl.col("source_id").str.starts_with("ofsted-"))
    manifest = data.sources()
    for source_id in sorted(ofsted["source_id"].unique().to_list()):
        entry = manifest.get(source_id, {})
        dates = ofsted.filter(pl.col("source_id") == source_id)["reference_date"].unique().sort().to_list()
        items.append(
            {
                "publisher": "Ofsted",
                "publication": _esc(entry.get("publication", "")),
                "release": _esc("list of providers at " + ", ".join(day(d) for d in dates)),
                "years": "",
                "url": _esc(entry.get("page_url", "")),
            }
        )
    return items


# ==================================================================================================
# Charts: page SVG + downloads (CSV of the rows, SVG and PNG with title, source and notes)
# ==================================================================================================


@dataclass
class Chart:
    name: str
    title: str
    subtitle: str
    alt: str
    source: str
    notes: list[str]
    legend: list[tuple[str, str, bool]]  # (label, colour, dashed)
    band_label: str | None
    page_svg: str
    export_svg: str
    table_html: str
    frame: pl.DataFrame  # the published rows behind it (the CSV download)
    files: dict[str, Path] = field(default_factory=dict)

    @property
    def ident(self) -> str:
        return f"chart-{self.name}"


def _table(header: list[str], rows: list[list[str]], caption: str) -> str:
    head = "".join(f'<th scope="col">{_esc(c)}</th>' for c in header)
    body = "".join(
        "<tr>"
        + f'<th scope="row">{_esc(row[0])}</th>'
        + "".join(f'<td class="ffh-num">{_esc(c)}</td>' for c in row[1:])
        + "</tr>"
        for row in rows
    )
    return (
        f'<div class="ffh-table-scroll" role="region" tabindex="0" aria-label="{_esc(caption)}">'
        f'<table class="ffh-data-table"><caption>{_esc(caption)}</caption><thead><tr>{head}</tr></thead>'
        f"<tbody>{body}</tbody></table></div>"
    )


def _pct_axis(value: float) -> str:
    return f"{value:g}%"


def _count_axis(value: float) -> str:
    return f"{value:,.0f}"


def _make_chart(
    name: str,
    *,
    title: str,
    subtitle: str,
    alt: str,
    frame: pl.DataFrame,
    notes: list[str],
    series: list[svg_charts.Series],
    draw,
    table_html: str,
    band_label: str | None = None,
) -> Chart:
    source = source_text(frame)
    ident = f"chart-{name}"
    page_svg = draw(page=True, export=None, label_ids=(f"{ident}-title", f"{ident}-desc"))
    export_svg = draw(
        page=False,
        export=svg_charts.ExportText(title=title, subtitle=subtitle, source=source, notes=notes),
        label_ids=None,
    )
    return Chart(
        name=name,
        title=title,
        subtitle=subtitle,
        alt=alt,
        source=source,
        notes=notes,
        legend=[(s.label, s.colour, s.dashed) for s in series],
        band_label=band_label,
        page_svg=page_svg,
        export_svg=export_svg,
        table_html=table_html,
        frame=frame,
    )


def placements_chart(council: Council, frame: pl.DataFrame) -> Chart | None:
    outside = series_of(frame, "placed_outside_la_boundary")
    placed_in = series_of(frame, "placed_in_la_by_other_las")
    if not outside:
        return None
    cla = series_of(frame, "children_looked_after")
    inside = series_of(frame, "placed_inside_la_boundary")
    neither = series_of(frame, "children_in_neither_count")
    share = series_of(frame, "share_placed_outside_percent")
    upper = series_of(frame, "share_placed_outside_upper_percent")
    years = sorted(set(outside) | set(placed_in))
    gap = sorted(neither)
    breaks = (gap[-1] + 1,) if gap and gap[-1] + 1 <= years[-1] else ()
    s_out = svg_charts.Series(
        f"{council.name}'s children placed outside its boundary",
        {y: outside[y]["value"] if y in outside else None for y in years},
        BLUE,
        breaks=breaks,
    )
    s_in = svg_charts.Series(
        f"Children placed in {council.name} by other councils",
        {y: placed_in[y]["value"] if y in placed_in else None for y in years},
        ORANGE,
    )
    band = svg_charts.Band(gap[0], gap[-1]) if gap else None
    band_label = (
        f"{text.years(gap)}: some children are in neither the inside nor the outside count" if gap else None
    )

    def draw(**kw):
        return svg_charts.line_chart(
            [s_out, s_in],
            years=years,
            y_title="Children (number)",
            y_format=_count_axis,
            breaks=breaks,
            band=band,
            band_label=band_label,
            **kw,
        )

    rows = []
    for y in years:
        rows.append(
            [
                str(y),
                count(cla.get(y)),
                count(outside.get(y)),
                count(inside.get(y)),
                count(neither.get(y)) if y in neither else "none (the counts add up)",
                share_range(share.get(y), upper.get(y)),
                count(placed_in.get(y)),
            ]
        )
    table = _table(
        [
            "Year (31 March)",
            "Looked after",
            "Placed outside",
            "Placed inside",
            "In neither count",
            "Share placed outside",
            "Placed in by other councils",
        ],
        rows,
        f"{council.name}: children looked after at 31 March, placed inside and outside the council's boundary, "
        "and children placed in its area by other councils",
    )
    first, last = years[0], years[-1]
    alt = (
        f"Line chart of children looked after by {council.name} and placed outside its boundary, and of children "
        f"placed in {council.name}'s area by other councils, at 31 March {first} to {last}. Placed outside: "
        f"{count(outside.get(first))} in {first}, {count(outside.get(last))} in {last}. Placed in by other "
        f"councils: {count(placed_in.get(first))} in {first}, {count(placed_in.get(last))} in {last}."
        + (
            f" {text.years(gap)} are shaded: in those years some children were in neither count, and the line of "
            f"children placed outside is not joined across {breaks[0]}."
            if gap and breaks
            else ""
        )
    )
    used = frame.filter(pl.col("measure").is_in(PLACEMENT_MEASURES))
    notes = []
    if gap:
        notes.append(
            f"{text.years(gap)}: some children were in neither the inside nor the outside count, so the number "
            "placed outside may be higher (see the table and About these figures)."
        )
    return _make_chart(
        f"council-{council.code.lower()}-placements",
        title=f"{council.name}: children placed outside the council's boundary, and children placed in its area "
        f"by other councils, {first} to {last}",
        subtitle="Children looked after at 31 March (number)",
        alt=alt,
        frame=used,
        notes=notes,
        series=[s_out, s_in],
        draw=draw,
        table_html=table,
        band_label=band_label,
    )


def _comparison_series(
    council: Council, frame: pl.DataFrame, region: pl.DataFrame, england: pl.DataFrame, measure: str, years
) -> tuple[list[svg_charts.Series], dict[str, dict[int, dict]]]:
    got = {
        "council": series_of(frame, measure),
        "region": series_of(region, measure),
        "england": series_of(england, measure),
    }
    labels = {
        "council": council.name,
        "region": council.region_name,
        "england": "England",
    }
    colours = {"council": BLUE, "region": TURQUOISE, "england": GREY}
    series = [
        svg_charts.Series(
            labels[k],
            {y: got[k][y]["rate"] if y in got[k] else None for y in years},
            colours[k],
            dashed=(k == "england"),
        )
        for k in ("council", "region", "england")
    ]
    return series, got


def share_chart(
    council: Council, frame: pl.DataFrame, region: pl.DataFrame, england: pl.DataFrame
) -> Chart | None:
    council_share = series_of(frame, "share_placed_outside_percent")
    if not any(has(r, "rate") for r in council_share.values()):
        return None
    years = sorted(council_share)
    series, got = _comparison_series(council, frame, region, england, "share_placed_outside_percent", years)
    upper = {
        "council": series_of(frame, "share_placed_outside_upper_percent"),
        "region": series_of(region, "share_placed_outside_upper_percent"),
        "england": series_of(england, "share_placed_outside_upper_percent"),
    }
    gap = sorted(set(upper["council"]) | set(upper["england"]))
    gap = [y for y in gap if y in years]
    breaks = (gap[-1] + 1,) if gap and gap[-1] + 1 <= years[-1] else ()
    keyed = dict(zip(("council", "region", "england"), series, strict=True))
    series = [
        svg_charts.Series(
            s.label,
            s.values,
            s.colour,
            dashed=s.dashed,
            breaks=breaks,
            ranges={
                y: (got[k][y]["rate"], upper[k][y]["rate"])
                for y in years
                if k == "council"
                and has(upper[k].get(y), "rate")
                and has(got[k].get(y), "rate")
                and upper[k][y]["rate"] > got[k][y]["rate"]
            },
        )
        for k, s in keyed.items()
    ]
    band = svg_charts.Band(gap[0], gap[-1]) if gap else None
    band_label = (
        f"{text.years(gap)}: the share is a lowest possible value; the bar on {council.name}'s points reaches the "
        "highest possible value"
        if gap
        else None
    )

    def draw(**kw):
        return svg_charts.line_chart(
            series,
            years=years,
            y_title="Per cent of children looked after",
            y_format=_pct_axis,
            breaks=breaks,
            band=band,
            band_label=band_label,
            **kw,
        )

    rows = []
    for y in years:
        cells = [str(y)]
        for k in ("council", "region", "england"):
            cells.append(share_range(got[k].get(y), upper[k].get(y)))
        rows.append(cells)
    table = _table(
        ["Year (31 March)", council.name, council.region_name, "England"],
        rows,
        f"Share of children looked after placed outside their council's boundary: {council.name}, "
        f"{council.region_name} and England",
    )
    first, last = years[0], years[-1]
    alt = (
        f"Line chart of the share of children looked after placed outside their council's boundary, at 31 March "
        f"{first} to {last}, for {council.name}, the {council.region_name} region and England. {council.name}: "
        f"{percent(got['council'].get(first))} in {first}"
        + (
            f" (up to {percent(upper['council'][first])})"
            if share_range(got["council"].get(first), upper["council"].get(first))
            != percent(got["council"].get(first))
            else ""
        )
        + f", {percent(got['council'].get(last))} in {last}. {council.region_name}: "
        f"{percent(got['region'].get(last))} in {last}. England: {percent(got['england'].get(last))} in {last}."
    )
    used = pl.concat(
        [
            f.filter(
                pl.col("measure").is_in(
                    ["children_looked_after", "placed_outside_la_boundary", "placed_inside_la_boundary"]
                    + ["share_placed_outside_percent", "share_placed_outside_upper_percent"]
                )
                & pl.col("time_period").is_in(years)
            )
            for f in (frame, region, england)
        ]
    )
    notes = [
        "Region and England: counts rounded by DfE to the nearest 10 before the share is worked out.",
    ]
    if gap:
        notes.insert(
            0,
            f"{text.years(gap)}: some children were in neither count; each line shows the lowest possible share "
            "and the table gives the range.",
        )
    return _make_chart(
        f"council-{council.code.lower()}-share-outside",
        title=f"{council.name}: share of children looked after placed outside the council's boundary, against the "
        f"{council.region_name} and England, {first} to {last}",
        subtitle="Per cent of children looked after at 31 March",
        alt=alt,
        frame=used,
        notes=notes,
        series=series,
        draw=draw,
        table_html=table,
        band_label=band_label,
    )


def distance_chart(
    council: Council, frame: pl.DataFrame, region: pl.DataFrame, england: pl.DataFrame
) -> Chart | None:
    own = series_of(frame, "share_placed_over_20_miles_percent")
    counts = series_of(frame, "placed_over_20_miles")
    if not counts:
        return None
    years = sorted(set(counts) | set(series_of(england, "placed_over_20_miles")))
    years = [y for y in years if y >= min(counts)]
    series, got = _comparison_series(
        council, frame, region, england, "share_placed_over_20_miles_percent", years
    )

    def draw(**kw):
        return svg_charts.line_chart(
            series, years=years, y_title="Per cent of children looked after", y_format=_pct_axis, **kw
        )

    rows = [
        [
            str(y),
            count(counts.get(y)),
            percent(own.get(y)),
            percent(got["region"].get(y)),
            percent(got["england"].get(y)),
        ]
        for y in years
    ]
    table = _table(
        ["Year (31 March)", f"{council.name}: children", council.name, council.region_name, "England"],
        rows,
        f"Children looked after placed more than 20 miles from home: {council.name} (number and share), "
        f"{council.region_name} and England (share)",
    )
    last = max(counts)
    alt = (
        f"Line chart of the share of children looked after placed more than 20 miles from home, for "
        f"{council.name}, the {council.region_name} region and England, in the years with figures from {years[0]} "
        f"to {years[-1]}. {council.name} in {last}: {count(counts.get(last))} children, {percent(own.get(last))}. "
        f"{council.region_name}: {percent(got['region'].get(last))}. England: {percent(got['england'].get(last))}."
        " Lines are not joined across years without figures."
    )
    used = pl.concat(
        [
            f.filter(pl.col("measure").is_in(OVER_20_MEASURES) & pl.col("time_period").is_in(years))
            for f in (frame, region, england)
        ]
    ).filter(~((pl.col("measure") == "children_looked_after") & ~pl.col("time_period").is_in(list(counts))))
    notes = [
        "Children whose distance from home is not recorded are counted in the total only, so the shares are "
        "lowest values. No council or regional figures are published for the years without points."
    ]
    return _make_chart(
        f"council-{council.code.lower()}-over-20-miles",
        title=f"{council.name}: share of children looked after placed more than 20 miles from home, against the "
        f"{council.region_name} and England",
        subtitle="Per cent of children looked after at 31 March",
        alt=alt,
        frame=used,
        notes=notes,
        series=series,
        draw=draw,
        table_html=table,
    )


def homes_chart(
    council: Council, frame: pl.DataFrame, region: pl.DataFrame, england: pl.DataFrame
) -> Chart | None:
    on = ofsted_date(frame)
    if on is None:
        return None
    areas = {"council": frame, "region": region, "england": england}
    labels = {"council": council.name, "region": council.region_name, "england": "England"}
    colours = {"council": BLUE, "region": TURQUOISE, "england": GREY}
    own_homes = {s: row_for(frame, "homes", sector=s) for s in SECTOR_ORDER}
    sectors = [
        s
        for s in SECTOR_ORDER
        if s != "Health authority" or (has(own_homes[s]) and own_homes[s]["value"] > 0)
    ]
    legend = [svg_charts.Series(labels[k], {}, colours[k]) for k in areas]
    groups = []
    for sector in sectors:
        bars = []
        for k, f in areas.items():
            r = row_for(f, "places_per_10000_children", sector=sector)
            bars.append(
                (
                    legend[list(areas).index(k)],
                    r["rate"] if has(r, "rate") else None,
                    f"{labels[k]}: {rate(r)}",
                )
            )
        groups.append((SECTOR_LABELS[sector], bars))

    def draw(**kw):
        return svg_charts.bar_chart(
            groups, x_title="Places per 10,000 children aged 0 to 17", legend=legend, **kw
        )

    rows = []
    for sector in sectors:
        rows.append(
            [
                SECTOR_LABELS[sector],
                count(row_for(frame, "homes", sector=sector)),
                count(row_for(frame, "places", sector=sector)),
                rate(row_for(frame, "places_per_10000_children", sector=sector)),
                rate(row_for(region, "places_per_10000_children", sector=sector)),
                rate(row_for(england, "places_per_10000_children", sector=sector)),
            ]
        )
    table = _table(
        [
            "Sector",
            f"{council.name}: homes",
            f"{council.name}: places",
            f"{council.name}: places per 10,000 children",
            f"{council.region_name}: places per 10,000",
            "England: places per 10,000",
        ],
        rows,
        f"Children's homes located in {council.name} by sector at {day(on)}, with places per 10,000 children aged "
        f"0 to 17, against the {council.region_name} and England",
    )
    all_c, all_r, all_e = (
        row_for(f, "places_per_10000_children", sector="All sectors") for f in areas.values()
    )
    alt = (
        f"Bar chart of children's home places per 10,000 children aged 0 to 17 at {day(on)}, by sector, for "
        f"{council.name}, the {council.region_name} region and England. All children's homes: {council.name} "
        f"{rate(all_c)}, {council.region_name} {rate(all_r)}, England {rate(all_e)}."
    )
    used = pl.concat([f.filter(pl.col("measure").is_in(HOMES_MEASURES)) for f in areas.values()])
    population = row_for(frame, "population_0_to_17")
    notes = [
        "Homes located in the area, whoever runs them and wherever the children in them come from. Places per "
        "10,000 children use the ONS mid-year estimate of children aged 0 to 17"
        + (f" for {day(population['reference_date'])}." if population else ".")
    ]
    return _make_chart(
        f"council-{council.code.lower()}-homes",
        title=f"{council.name}: children's home places per 10,000 children by sector, against the "
        f"{council.region_name} and England, {day(on)}",
        subtitle="Places in children's homes located in the area, per 10,000 children aged 0 to 17",
        alt=alt,
        frame=used,
        notes=notes,
        series=legend,
        draw=draw,
        table_html=table,
    )


def missing_chart(
    council: Council, frame: pl.DataFrame, region: pl.DataFrame, england: pl.DataFrame
) -> Chart | None:
    own_rate = series_of(frame, "children_missing_per_100")
    children = series_of(frame, "children_missing")
    if not children:
        return None
    incidents = series_of(frame, "missing_incidents")
    during = series_of(frame, "children_looked_after_during_year")
    rate_years = sorted(own_rate)
    rows = []
    for y in sorted(children):
        rows.append(
            [
                str(y),
                count(children.get(y)),
                count(incidents.get(y)),
                count(during.get(y)) if y in during else "not published",
                rate(own_rate.get(y)) if y in own_rate else "not published",
                rate(row_for(region, "children_missing_per_100", y)) if y in own_rate else "not published",
                rate(row_for(england, "children_missing_per_100", y)) if y in own_rate else "not published",
            ]
        )
    table = _table(
        [
            "Year ending 31 March",
            "Children who went missing",
            "Missing incidents",
            "Looked after during the year",
            f"{council.name}: per 100 looked after",
            f"{council.region_name}: per 100",
            "England: per 100",
        ],
        rows,
        f"{council.name}: children looked after who went missing during the year, missing incidents, and children "
        f"who went missing per 100 looked after, against the {council.region_name} and England",
    )
    if not rate_years:
        return None
    series, got = _comparison_series(council, frame, region, england, "children_missing_per_100", rate_years)

    def draw(**kw):
        return svg_charts.line_chart(
            series,
            years=rate_years,
            y_title="Per 100 children looked after",
            y_format=lambda v: f"{v:g}",
            **kw,
        )

    last = rate_years[-1]
    alt = (
        f"Line chart of children who went missing per 100 children looked after during the year, years ending 31 "
        f"March {rate_years[0]} to {last}, for {council.name}, the {council.region_name} region and England. In "
        f"{last}: {council.name} {rate(own_rate.get(last))} ({count(children.get(last))} children, "
        f"{count(incidents.get(last))} incidents), {council.region_name} {rate(got['region'].get(last))}, England "
        f"{rate(got['england'].get(last))}."
    )
    used = pl.concat(
        [frame.filter(pl.col("measure").is_in(MISSING_MEASURES))]
        + [
            f.filter(pl.col("measure").is_in(MISSING_MEASURES) & pl.col("time_period").is_in(rate_years))
            for f in (region, england)
        ]
    )
    notes = [
        "Children who went missing at least once during the year; a child can go missing many times (the "
        "incidents). Recording practice differs between councils and changed over the years (see About these "
        "figures)."
    ]
    return _make_chart(
        f"council-{council.code.lower()}-missing",
        title=f"{council.name}: children who went missing per 100 children looked after, against the "
        f"{council.region_name} and England, {rate_years[0]} to {last}",
        subtitle="Children who went missing during the year ending 31 March, per 100 looked after during the year",
        alt=alt,
        frame=used,
        notes=notes,
        series=series,
        draw=draw,
        table_html=table,
    )


# ==================================================================================================
# Summary sentences (every number from the rows; comparisons on unrounded values)
# ==================================================================================================


def _in_region(council: Council) -> str:
    return f"the {council.region_name} region"


def summary(
    council: Council, frame: pl.DataFrame, region: pl.DataFrame, england: pl.DataFrame, d: Data
) -> list[str]:
    items: list[str] = []
    name = _esc(council.name)
    cla = series_of(frame, "children_looked_after")
    if cla:
        last = max(cla)
        out = row_for(frame, "placed_outside_la_boundary", last)
        share = row_for(frame, "share_placed_outside_percent", last)
        r_share = row_for(region, "share_placed_outside_percent", last)
        e_share = row_for(england, "share_placed_outside_percent", last)
        looked_after = cla[last]
        if has(looked_after) and looked_after["value"] == 0:
            sentence = f"At 31 March {last}, {name} looked after no children. "
        else:
            sentence = f"At 31 March {last}, {name} looked after {count(looked_after)} children. "
        if has(looked_after) and looked_after["value"] == 0:
            sentence = sentence.rstrip()
        elif has(out) and has(share, "rate"):
            sentence += (
                f"{count(out)} of them ({percent(share)}) were placed outside the council's boundary"
                + against(share, [(r_share, _esc(_in_region(council))), (e_share, "England")], percent)
                + "."
            )
        else:
            sentence += f"The number placed outside the council's boundary is {no_figure(out)}."
        items.append(sentence)
        outside = series_of(frame, "placed_outside_la_boundary")
        firsts = [
            y
            for y in sorted(outside)
            if has(outside[y]) and has(row_for(frame, "share_placed_outside_percent", y), "rate")
        ]
        if firsts and firsts[0] != last:
            first = firsts[0]
            neither = row_for(frame, "children_in_neither_count", first)
            share0 = row_for(frame, "share_placed_outside_percent", first)
            upper0 = row_for(frame, "share_placed_outside_upper_percent", first)
            if has(neither) and neither["value"] > 0 and has(upper0, "rate"):
                items.append(
                    f"In {first}, {count(outside[first])} children were placed outside: between "
                    f"{percent(share0)} and {percent(upper0)} of the {count(cla.get(first))} looked after, because "
                    f"that year {count(neither)} {plural(neither['value'], 'child was', 'children were')} in neither "
                    "the inside nor the outside count."
                )
            else:
                items.append(
                    f"In {first}, {count(outside[first])} children ({percent(share0)}) were placed outside."
                )
    over = series_of(frame, "placed_over_20_miles")
    if over:
        last = max(over)
        share = row_for(frame, "share_placed_over_20_miles_percent", last)
        if has(over[last]):
            comparison = [
                f"{_esc(council.region_name)} {percent(row_for(region, 'share_placed_over_20_miles_percent', last))}",
                f"England {percent(row_for(england, 'share_placed_over_20_miles_percent', last))}",
            ]
            items.append(
                f"{count(over[last])} children ({percent(share)} of those looked after) were placed more than 20 "
                f"miles from home at 31 March {last} ({'; '.join(comparison)})."
            )
        else:
            items.append(
                f"The number placed more than 20 miles from home at 31 March {last} is {no_figure(over[last])}."
            )
    placed_in = series_of(frame, "placed_in_la_by_other_las")
    if placed_in:
        last = max(placed_in)
        out = row_for(frame, "placed_outside_la_boundary", last)
        if has(placed_in[last]) and has(out):
            items.append(
                f"Other councils placed {count(placed_in[last])} children in {name} at 31 March {last}, against "
                f"{count(out)} children {name} placed outside its own boundary."
            )
        elif not has(placed_in[last]):
            items.append(
                f"The number of children other councils placed in {name} at 31 March {last} is "
                f"{no_figure(placed_in[last])}."
            )
        else:
            items.append(
                f"Other councils placed {count(placed_in[last])} children in {name} at 31 March {last}."
            )
    on = ofsted_date(frame)
    if on is not None:
        homes = row_for(frame, "homes", sector="All sectors")
        places = row_for(frame, "places", sector="All sectors")
        per = row_for(frame, "places_per_10000_children", sector="All sectors")
        r_per = row_for(region, "places_per_10000_children", sector="All sectors")
        e_per = row_for(england, "places_per_10000_children", sector="All sectors")
        by_sector = []
        for sector in ("Private", "Local authority", "Voluntary", "Health authority"):
            r = row_for(frame, "homes", sector=sector)
            if has(r) and r["value"] > 0:
                label = {
                    "Local authority": "council-run",
                    "Voluntary": "voluntary",
                    "Private": "private",
                }.get(sector, "run by a health authority")
                by_sector.append(f"{count(r)} {label}")
        if has(homes) and homes["value"] == 0:
            items.append(
                f"Ofsted's list of {day(on)} records no children's home located in {name} ({_esc(council.region_name)} "
                f"region: {rate(r_per)} places per 10,000 children; England: {rate(e_per)})."
            )
            sentence = None
        else:
            sentence = (
                f"Ofsted's list of {day(on)} records {count(homes)} children's "
                f"{plural(homes['value'] if has(homes) else 0, 'home', 'homes')} with {count(places)} places located in "
                f"{name}"
                + (f" ({list_words(by_sector)})" if by_sector else "")
                + f": {rate(per)} places per 10,000 children, against {rate(r_per)} in {_esc(_in_region(council))} and "
                f"{rate(e_per)} in England."
            )
        if sentence:
            items.append(sentence)
        run = row_for(frame, "homes_run_by_council")
        if run is not None:
            items.append(council_run_sentence(council, frame, d))
    children = series_of(frame, "children_missing")
    if children:
        last = max(children)
        incidents = row_for(frame, "missing_incidents", last)
        per = row_for(frame, "children_missing_per_100", last)
        sentence = f"In the year ending 31 March {last}, "
        if has(children[last]):
            sentence += (
                f"{count(children[last])} children looked after by {name} went missing at least once, in "
                f"{count(incidents)} missing incidents"
            )
            if has(per, "rate"):
                sentence += (
                    f": {rate(per)} per 100 children looked after during the year, against "
                    f"{rate(row_for(region, 'children_missing_per_100', last))} in {_esc(_in_region(council))} and "
                    f"{rate(row_for(england, 'children_missing_per_100', last))} in England."
                )
            else:
                sentence += "."
        else:
            sentence += f"the number of children who went missing is {no_figure(children[last])}."
        items.append(sentence)
    return items


def council_run_sentence(council: Council, frame: pl.DataFrame, d: Data) -> str:
    """Whether the council runs children's homes of its own, wherever they are (council_owned_homes)."""
    run = row_for(frame, "homes_run_by_council")
    places = row_for(frame, "places_run_by_council")
    on = run["reference_date"]
    name = _esc(council.name)
    homes = d.owned.filter(pl.col("new_la_code") == council.code)
    if not has(run) or run["value"] == 0:
        return (
            f"No children's home in Ofsted's list of {day(on)} is run by {name}, in its own area or elsewhere "
            "(matched by the owning organisation's name)."
        )
    owners = homes["owner_name_published"].unique().sort().to_list()
    joint = homes.filter(pl.col("run_jointly"))
    former = homes.filter(pl.col("attribution").str.starts_with("registered under the name of the former"))
    named = len(owners) == 1 and joint.is_empty() and former.is_empty()
    subject = _esc(owners[0]) if named else name
    sentence = (
        f"{subject} runs {count(run)} children's {plural(run['value'], 'home', 'homes')} with {count(places)} "
        "places"
    )
    if former.height:
        sentence += (
            f" (registered with Ofsted as \u201c{_esc(former['owner_name_published'][0])}\u201d, the name of the "
            "council it replaced)"
        )
    if joint.height:
        partners = (
            d.owned.filter(
                pl.col("urn").is_in(joint["urn"].to_list()) & (pl.col("new_la_code") != council.code)
            )["la_name"]
            .unique()
            .sort()
            .to_list()
        )
        shared = joint["urn"].n_unique()
        sentence += (
            f" ({'all' if shared == run['value'] else text.n(shared)} jointly with {_esc(list_words(partners))}, "
            f"as \u201c{_esc(joint['owner_name_published'][0])}\u201d)"
        )
    elsewhere = homes.filter(pl.col("located_la_code") != pl.col("new_la_code"))
    if elsewhere.height:
        where = _esc(list_words(elsewhere["located_la_name"].unique().sort().to_list()))
        outside = row_for(frame, "homes_run_by_council_outside_area")
        if outside["value"] == run["value"]:
            sentence += f", located outside {name}, in {where}"
        else:
            sentence += f", {count(outside)} of them located outside {name}, in {where}"
    else:
        sentence += f", {'located' if run['value'] == 1 else 'all located'} in {name}"
    return sentence + "."


# ==================================================================================================
# Series notes: where a council's series starts, changes code, or is continued elsewhere
# ==================================================================================================


def series_notes(council: Council, frame: pl.DataFrame, d: Data) -> list[str]:
    notes = []
    old_codes = frame.filter(pl.col("new_la_code") != council.code)
    for (old_code,), part in old_codes.partition_by("new_la_code", as_dict=True).items():
        years = sorted(part["time_period"].unique().to_list())
        old = d.councils.get(old_code)
        notes.append(
            f"DfE published {council.name}'s figures for {text.years(years)} under the code {old_code}"
            + (f" ({_esc(old.name)}, replaced in {old.end_date.year})" if old and old.end_date else "")
            + ", which covered the same area: the series continues across the change."
        )
    predecessors = [
        c
        for c in d.councils.values()
        if council.code in c.successors and c.code in d.pages  # a former council with its own series
    ]
    if predecessors:
        links = list_words(
            [
                f'<a href="{ROOT_TOKEN}{FOLDER}/{p.code}.html">{_esc(p.name)} ({p.code})</a>'
                for p in predecessors
            ]
        )
        first = frame["time_period"].min() if frame.height else None
        notes.append(
            f"{_esc(council.name)} was created on {day(council.start_date)}"
            + (f"; DfE's figures for it start in {first}" if first else "")
            + f". The councils it replaced cover a different area, so their figures are on their own pages and are "
            f"not joined to {_esc(council.name)}'s: {links}."
        )
    return notes


# ==================================================================================================
# Constituencies
# ==================================================================================================


def share_text(value: float) -> str:
    return text.pct(value)


def constituencies_of(council: Council, d: Data) -> list[dict]:
    rows = d.constituencies.filter(pl.col("new_la_code") == council.code).sort("pcon_name")
    return [
        {
            "code": r["pcon_code"],
            "name": r["pcon_name"],
            "share": share_text(r["share_of_constituency_population_percent"]),
        }
        for r in rows.iter_rows(named=True)
    ]


@dataclass(frozen=True)
class ConstituencyHomes:
    """What can honestly be said about children's homes in a 2024 constituency."""

    list_date: date
    boundaries: str
    same_name: str | None  # the constituency of the same name in the list, when its boundaries differ
    homes: int | None
    places: int | None
    exact: bool  # True when the list is on the 2024 boundaries: the count is for this constituency


def constituency_homes(d: Data) -> dict[str, ConstituencyHomes]:
    frame = d.by_pcon.filter(pl.col("sector") == "All sectors")
    latest = frame["snapshot_date"].max()
    now = frame.filter(pl.col("snapshot_date") == latest)
    boundaries = now["pcon_boundaries"][0]
    exact = boundaries.startswith("2024")
    # a 2010 constituency exists if any list held names it
    named = frame.filter(pl.col("pcon_2024_code_same_name").is_not_null())
    names = dict(named.select("pcon_2024_code_same_name", "pcon_name_published").unique().iter_rows())
    totals = {
        r["pcon_2024_code_same_name"]: r
        for r in now.filter(pl.col("pcon_2024_code_same_name").is_not_null())
        .unique(["pcon_name_published"])
        .iter_rows(named=True)
    }
    out = {}
    for code in d.constituencies["pcon_code"].unique().to_list():
        row = totals.get(code)
        out[code] = ConstituencyHomes(
            list_date=latest,
            boundaries=boundaries,
            same_name=names.get(code),
            homes=row["constituency_homes"] if row else (0 if code in names else None),
            places=row["constituency_places"] if row else (0 if code in names else None),
            exact=exact,
        )
    return out


def constituency_homes_sentence(info: ConstituencyHomes, name: str) -> str:
    if info.exact:
        if info.homes is None:
            return f"Ofsted's list of {day(info.list_date)} records no children's home in {_esc(name)}."
        return (
            f"Ofsted's list of {day(info.list_date)} records {text.n(info.homes)} children's "
            f"{plural(info.homes, 'home', 'homes')} ({text.n(info.places)} places) in {_esc(name)}."
        )
    if info.same_name is None:
        return (
            "Children's homes: no constituency of this name existed before July 2024, and Ofsted's lists held "
            "place homes only in the constituencies drawn in 2010, so no count can be given for it. See the "
            "council pages for the homes in each council's area."
        )
    if not info.homes:
        return (
            f"Children's homes: Ofsted's list of {day(info.list_date)} records no home in the constituency of "
            f"{_esc(info.same_name)} as drawn in 2010 (before July 2024); its boundaries differ from today's."
        )
    return (
        f"Children's homes: Ofsted's list of {day(info.list_date)} records {text.n(info.homes)} "
        f"{plural(info.homes, 'home', 'homes')} ({text.n(info.places)} places) in the constituency of "
        f"{_esc(info.same_name)} as drawn in 2010, before July 2024. That is not a count for the 2024 "
        "constituency: the boundaries differ."
    )


# ==================================================================================================
# Pages
# ==================================================================================================


@dataclass
class Page:
    code: str
    pagename: str
    title: str
    description: str
    body: str
    charts: list[Chart]
    csv_rows: int
    csv: str


@functools.lru_cache(maxsize=1)
def _environment():
    import jinja2

    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(TEMPLATES)),
        autoescape=False,  # every value is escaped here before it reaches the template
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=False,
    )


def _download_frame(council: Council, d: Data) -> pl.DataFrame:
    """Everything for one council page: its rows and the rows of its region and England for the same measures."""
    own = d.page_frame(council.code)
    if own.is_empty():
        return own
    region, england = d.comparison(council)
    keys = own.select("measure", "sector", "reference_date").unique()
    compare_rows = pl.concat([region, england]).join(
        keys, on=["measure", "sector", "reference_date"], how="semi", nulls_equal=True
    )
    return pl.concat([own, compare_rows])


def _site_address(page_url: str) -> str:
    base = settings.Settings.from_env().site_url
    return f"{base}{page_url}" if base else f"{settings.ADDRESS_NOT_SET} ({page_url})"


def _kind(council: Council) -> str:
    return {
        "unitary authority": "Unitary council",
        "metropolitan district": "Metropolitan borough council",
        "London borough": "London borough",
        "county": "County council",
    }.get(council.la_type, council.la_type)


def build_page(code: str, d: Data | None = None, data_date: date | None = None) -> Page:
    """The body and charts of one council page (no files written)."""
    d = d or load()
    council = d.councils[code]
    frame = d.page_frame(code)
    region, england = d.comparison(council)
    charts: list[Chart] = []
    successors = [d.councils[c] for c in council.successors if c in d.councils]
    absorbed = not council.is_current and frame.is_empty()
    if council.is_current:
        for make in (placements_chart, share_chart, distance_chart, homes_chart, missing_chart):
            chart = (
                make(council, frame) if make is placements_chart else make(council, frame, region, england)
            )
            if chart is not None:
                charts.append(chart)
    chart_by_slug = {}
    for c in charts:
        for slug in ("placements", "share-outside", "over-20-miles", "homes", "missing"):
            if c.name.endswith(slug):
                chart_by_slug[slug] = c
    download = _download_frame(council, d)
    csv = csv_text(download) if download.height else ""
    page_url = f"{FOLDER}/{code}.html"
    former_rows = []
    if not council.is_current and not absorbed:
        former_rows = former_table(council, frame)
    constituencies = constituencies_of(council, d) if council.is_current else []
    sources = sources_list(download) if download.height else []
    context = {
        "council": council,
        "name": _esc(council.name),
        "code": code,
        "kind": _esc(_kind(council)),
        "region": _esc(council.region_name),
        "absorbed": absorbed,
        "successors": [
            {"url": f"{ROOT_TOKEN}{s.url}", "name": _esc(s.name), "code": s.code} for s in successors
        ],
        "end_date": day(council.end_date) if council.end_date else "",
        "summary": summary(council, frame, region, england, d) if council.is_current else [],
        "council_run": council_run_sentence(council, frame, d)
        if council.is_current and row_for(frame, "homes_run_by_council") is not None
        else "",
        "series_notes": series_notes(council, frame, d) if council.is_current else [],
        "charts": chart_by_slug,
        "figure": functools.partial(figure_html, council=council),
        "constituencies": constituencies,
        "areas_url": f"{ROOT_TOKEN}{AREAS_PAGE}.html",
        "root": ROOT_TOKEN,
        "csv_url": f"{ROOT_TOKEN}{CSV_FOLDER}/{code}.csv",
        "csv_rows": text.n(download.height) if download.height else "0",
        "csv_kb": f"{len(csv.encode('utf-8')) / 1024:,.0f}",
        "former_table": former_rows,
        "ofsted_date": day(ofsted_date(frame)) if ofsted_date(frame) else "",
        "sources": sources,
        "page_url_token": PAGE_URL_TOKEN,
        "address": _esc(_site_address(page_url)),
        "citation": _esc(page_citation(council, data_date)),
        "year": date.today().year,
    }
    body = _environment().get_template(PAGE_TEMPLATE).render(**context)
    title = f"{council.name} ({code})" + ("" if council.is_current else ": former council")
    return Page(
        code=code,
        pagename=f"{FOLDER}/{code}",
        title=title,
        description=description(council, frame, region, england, successors),
        body=body,
        charts=charts,
        csv_rows=download.height,
        csv=csv,
    )


def description(council: Council, frame, region, england, successors) -> str:
    """The page's meta description (search result snippet): plain words and the latest headline figures."""
    if not council.is_current:
        return (
            f"{council.name} ({council.code}), a former English council, replaced by "
            f"{list_words([s.name for s in successors])}: children in care placed away from home."
        )
    cla = series_of(frame, "children_looked_after")
    if not cla:
        return f"{council.name} ({council.code}): children in care, children's homes and children missing from care."
    last = max(cla)
    out = row_for(frame, "placed_outside_la_boundary", last)
    share = row_for(frame, "share_placed_outside_percent", last)
    return (
        f"{council.name} ({council.code}): at 31 March {last}, {count(out)} children looked after "
        f"({percent(share)}) were placed outside the council's boundary. Children's homes, distance from home and "
        "children missing from care, with the region and England."
    )


def page_citation(council: Council, data_date: date | None) -> str:
    data_date = data_date or data.last_refreshed()
    return (
        f"{SITE_NAME} ({date.today().year}). {council.name} ({council.code}): children in care placed away from "
        f"home, children's homes and children missing from care [council page]. Department for Education and "
        f"Ofsted official statistics; source files retrieved on {day(data_date)}. Available at: "
    )


def former_table(council: Council, frame: pl.DataFrame) -> str:
    cla = series_of(frame, "children_looked_after")
    if not cla:
        return ""
    outside = series_of(frame, "placed_outside_la_boundary")
    share = series_of(frame, "share_placed_outside_percent")
    upper = series_of(frame, "share_placed_outside_upper_percent")
    placed_in = series_of(frame, "placed_in_la_by_other_las")
    missing = series_of(frame, "children_missing")
    rows = []
    for y in sorted(cla):
        rows.append(
            [
                str(y),
                count(cla.get(y)),
                count(outside.get(y)),
                share_range(share.get(y), upper.get(y)),
                count(placed_in.get(y)),
                count(missing.get(y)) if y in missing else "not published",
            ]
        )
    return _table(
        [
            "Year (31 March)",
            "Looked after",
            "Placed outside",
            "Share placed outside",
            "Placed in by other councils",
            "Went missing during the year",
        ],
        rows,
        f"{council.name} ({council.code}): children looked after, placed outside and placed in by other councils, "
        "and children who went missing",
    )


def figure_html(chart: Chart, council: Council) -> str:
    """A static chart with the site's chart furniture (same classes as analysis.charts.render)."""
    ident = chart.ident
    url = f"{ROOT_TOKEN}_static/charts/{chart.name}"
    legend = "".join(
        f'<li><span class="ffh-swatch{" ffh-swatch-dashed" if dashed else ""}" style="--ffh-c:{colour}"></span>'
        f"{_esc(label)}</li>"
        for label, colour, dashed in chart.legend
    )
    if chart.band_label:
        legend += f'<li><span class="ffh-swatch ffh-swatch-band"></span>{_esc(chart.band_label)}</li>'
    notes = "".join(f'<p class="ffh-chart-note">{_esc(n)}</p>' for n in chart.notes)
    notes += '<p class="ffh-chart-note"><a href="#about">About these figures</a>: definitions and gaps.</p>'

    citation = _esc(chart_citation(chart))
    return f"""<figure class="ffh-figure ffh-static-figure" id="{ident}" data-ffh-chart="{chart.name}" aria-labelledby="{ident}-title">
<figcaption class="ffh-figure-head"><p class="ffh-chart-title" id="{ident}-title">{_esc(chart.title)}</p><p class="ffh-chart-subtitle">{_esc(chart.subtitle)}</p></figcaption>
<ul class="ffh-legend">{legend}</ul>
<div class="ffh-static-chart{" ffh-static-bars" if chart.name.endswith("-homes") else ""}">{chart.page_svg}</div>
<p class="ffh-source">{_esc(chart.source)}</p>
{notes}<p class="ffh-alt" id="{ident}-desc"><span class="ffh-label">Chart description:</span> {_esc(chart.alt)}</p>
<details class="ffh-table"><summary>Show the numbers in this chart as a table</summary>
{chart.table_html}
</details>
<ul class="ffh-downloads" aria-label="Downloads for this chart">
<li><a href="{url}.csv" download="{chart.name}.csv" type="text/csv">Download the data (CSV, {text.n(chart.frame.height)} rows)</a></li>
<li><a href="{url}.png" download="{chart.name}.png" type="image/png">Download the chart (PNG)</a></li>
<li><a href="{url}.svg" download="{chart.name}.svg" type="image/svg+xml">Download the chart (SVG)</a></li>
</ul>
<details class="ffh-cite"><summary>Cite this chart</summary>
<p class="ffh-citation" id="{ident}-citation">{citation}<span class="ffh-page-url">{PAGE_URL_TOKEN}#{ident}</span> (accessed: <span class="ffh-accessed">the date you read this page</span>).</p>
<button type="button" class="ffh-copy" data-ffh-copy="{ident}-citation">Copy citation</button>
</details>
</figure>"""


@functools.lru_cache(maxsize=256)
def _retrieved(source_ids: tuple[str, ...]) -> date:
    return data.last_refreshed(list(source_ids))


def chart_citation(chart: Chart) -> str:
    data_date = _retrieved(tuple(sorted(chart.frame["source_id"].unique().drop_nulls().to_list())))
    return (
        f"{SITE_NAME} ({date.today().year}). \u201c{chart.title}\u201d [chart]. In: {PAGE_TITLE_TOKEN}. "
        f"{chart.source} Source files retrieved on {day(data_date)}. Available at: "
    )


# ==================================================================================================
# Files: chart store (CSV, SVG, PNG), council CSVs, finder index
# ==================================================================================================


def _write(path: Path, content: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    if path.exists() and path.read_bytes() == content:
        return
    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    tmp.write_bytes(content)
    tmp.replace(path)


PNG_SCALE = 1


def write_chart_files(charts: list[Chart], store: Path) -> None:
    """CSV, SVG and PNG of each chart into the chart store (a PNG is redrawn only when its SVG changed). The PNG
    is rasterised from the download SVG with its text as glyph outlines (svg_charts.outline_text): same image,
    several times faster."""
    import vl_convert as vlc

    for chart in charts:
        svg_path = store / f"{chart.name}.svg"
        png_path = store / f"{chart.name}.png"
        svg = chart.export_svg.encode("utf-8")
        unchanged = svg_path.exists() and svg_path.read_bytes() == svg and png_path.exists()
        _write(store / f"{chart.name}.csv", csv_text(chart.frame).encode("utf-8"))
        if not unchanged:
            _write(png_path, vlc.svg_to_png(svg_charts.outline_text(chart.export_svg), scale=PNG_SCALE))
        _write(svg_path, svg)


PAGES_FILE = "council-pages.pickle"


@dataclass(frozen=True)
class Built:
    """Everything the site needs from the council pages, made once (by the build's background process)."""

    pages: list[Page]
    index: list[dict[str, str]]
    charts: int


def build_all(store: Path) -> Built:
    """Every council page and the finder's index; writes every chart's files into the chart store."""
    d = load()
    data_date = data.last_refreshed()
    pages = [build_page(code, d, data_date) for code in sorted(d.councils)]
    charts = [chart for page in pages for chart in page.charts]
    write_chart_files(charts, store)
    light = [Page(p.code, p.pagename, p.title, p.description, p.body, [], p.csv_rows, p.csv) for p in pages]
    return Built(pages=light, index=finder_index(d), charts=len(charts))


def finder_index(d: Data) -> list[dict[str, str]]:
    """Every council and constituency for the finder: name, what it is, where it leads (root-relative)."""
    entries = []
    for council in sorted(d.councils.values(), key=lambda c: c.name):
        if council.is_current:
            detail = f"{_kind(council)}, {council.region_name}"
        else:
            now = list_words([d.councils[s].name for s in council.successors if s in d.councils])
            detail = (
                f"Former council (to {council.end_date.year}), now {now}"
                if council.end_date
                else "Former council"
            )
        entries.append({"n": council.name, "t": detail, "u": council.url, "c": council.code, "k": "council"})
    for (code, name), part in d.constituencies.partition_by(["pcon_code", "pcon_name"], as_dict=True).items():
        part = part.sort("share_of_constituency_population_percent", descending=True)
        councils = [
            f"{r['la_name']} ({share_text(r['share_of_constituency_population_percent'])})"
            for r in part.iter_rows(named=True)
        ]
        entries.append(
            {
                "n": name,
                "t": "Constituency: " + ", ".join(councils),
                "u": f"{AREAS_PAGE}.html#{code}",
                "c": code,
                "k": "constituency",
            }
        )
    return sorted(entries, key=lambda e: (e["n"].lower(), e["k"]))


# ==================================================================================================
# Finder and area list (directives)
# ==================================================================================================


def finder_form(variant: str = "page") -> str:
    """The finder box: a plain form (no JavaScript: it opens the list of every area); ffh-find.js adds the
    typeahead. `variant` names the instance (ids must be unique on a page)."""
    ident = f"ffh-find-{variant}"
    label = "Find your area: a council or a Westminster constituency"
    return (
        f'<form class="ffh-find ffh-find-{variant}" action="{ROOT_TOKEN}{AREAS_PAGE}.html" method="get" role="search" '
        f'aria-label="Find your area ({variant})" data-ffh-find data-ffh-index="{ROOT_TOKEN}{INDEX_FILE}">'
        f'<label for="{ident}-q">{label}</label>'
        f'<div class="ffh-find-row"><input id="{ident}-q" name="q" type="search" autocomplete="off" '
        'spellcheck="false" placeholder="For example, Blackpool">'
        '<button type="submit">Find</button></div>'
        f'<p class="ffh-find-help" id="{ident}-help">Type part of a name. Councils open their page; a '
        "constituency lists the councils that serve it.</p></form>"
    )


def area_list(d: Data | None = None) -> str:
    """Every council (by region) and every constituency, as plain links: the finder without JavaScript."""
    d = d or load()
    parts = ['<section class="ffh-area-list" id="councils" aria-labelledby="councils-title">']
    parts.append('<h2 id="councils-title">Councils</h2>')
    current = [c for c in d.councils.values() if c.is_current]
    regions = sorted({(c.region_code, c.region_name) for c in current})
    for region_code, region_name in regions:
        members = sorted((c for c in current if c.region_code == region_code), key=lambda c: c.name)
        parts.append(f'<h3 id="region-{region_code}">{_esc(region_name)} ({len(members)} councils)</h3>')
        parts.append('<ul class="ffh-area-links">')
        parts += [
            f'<li data-ffh-area="{_esc(c.name)}"><a href="{ROOT_TOKEN}{c.url}">{_esc(c.name)}</a></li>'
            for c in members
        ]
        parts.append("</ul>")
    former = sorted((c for c in d.councils.values() if not c.is_current), key=lambda c: c.name)
    parts.append('<h3 id="former-councils">Councils reorganised since 2011</h3><ul class="ffh-area-links">')
    for c in former:
        now = list_words([d.councils[s].name for s in c.successors if s in d.councils])
        parts.append(
            f'<li data-ffh-area="{_esc(c.name)}"><a href="{ROOT_TOKEN}{c.url}">{_esc(c.name)} ({c.code})</a>'
            f" until {day(c.end_date)}, now {_esc(now)}</li>"
        )
    parts.append("</ul></section>")

    homes = constituency_homes(d)
    any_info = next(iter(homes.values()))
    parts.append('<section class="ffh-area-list" id="constituencies" aria-labelledby="constituencies-title">')
    parts.append('<h2 id="constituencies-title">Westminster constituencies (2024 boundaries)</h2>')
    parts.append(
        "<p>Each constituency lists the councils responsible for children's services in it, with the share of the "
        "constituency's residents living in each council's area. Councils and shares: mySociety, 2025 "
        "constituencies lookups (population overlaps of constituencies and council districts, about 2019), "
        'licensed under CC BY 4.0; credit <a href="https://www.mysociety.org/">mySociety</a>.</p>'
    )
    if not any_info.exact:
        parts.append(
            '<div class="ffh-callout" id="constituency-homes"><p><strong>Children\'s homes in a constituency.</strong> '
            f"Ofsted's provider lists name each home's parliamentary constituency. The latest list held, of "
            f"{day(any_info.list_date)}, uses the constituencies in force before the July 2024 general election "
            "(drawn in 2010), and homes' addresses are not published, so homes cannot be counted on the 2024 "
            "boundaries. Where a 2024 constituency has the same name as one drawn in 2010, the count for the 2010 "
            "constituency is given and labelled as such: it is not a count for the constituency MPs represent "
            "now. The council pages give the homes in each council's area.</p></div>"
        )
    parts.append('<ul class="ffh-constituencies">')
    for (code, name), part in sorted(
        d.constituencies.partition_by(["pcon_code", "pcon_name"], as_dict=True).items(), key=lambda i: i[0][1]
    ):
        part = part.sort("share_of_constituency_population_percent", descending=True)
        links = list_words(
            [
                f'<a href="{ROOT_TOKEN}{FOLDER}/{r["new_la_code"]}.html">{_esc(r["la_name"])}</a> '
                f"({share_text(r['share_of_constituency_population_percent'])} of residents)"
                for r in part.iter_rows(named=True)
            ]
        )
        parts.append(
            f'<li id="{code}" data-ffh-area="{_esc(name)}"><strong>{_esc(name)}</strong> ({code}): {links}. '
            f'<span class="ffh-pcon-homes">{constituency_homes_sentence(homes[code], name)}</span></li>'
        )
    parts.append("</ul></section>")
    return "".join(parts)


# ==================================================================================================
# Sphinx extension
# ==================================================================================================


def _directive_classes():
    from docutils import nodes
    from docutils.parsers.rst import Directive, directives

    class FindArea(Directive):
        has_content = False
        option_spec = {"variant": directives.unchanged}

        def run(self):
            variant = self.options.get("variant", "page")
            return [nodes.raw("", finder_form(variant), format="html")]

    class AreaList(Directive):
        has_content = False

        def run(self):
            if not available():
                return [nodes.paragraph(text="The list of areas needs the council datasets (run make data).")]
            return [nodes.raw("", area_list(), format="html")]

    return FindArea, AreaList


def collect_pages(app: Any):
    """html-collect-pages: every council page (made by the background process started at builder-inited, or
    here when there is none), its CSV, and the finder's index."""
    import pickle

    if app.builder.format != "html" or not available():
        return
    started = time.monotonic()
    store = _store(app)
    background = getattr(app, "ffh_council_charts", None)
    built = None
    if background is not None:
        _, errors = background.communicate()
        if background.returncode != 0:
            from sphinx.errors import ExtensionError

            raise ExtensionError(f"council pages were not made (analysis.council_pages):\n{errors}")
        print(
            f"[council_pages] waited {time.monotonic() - started:.1f} s for the background process",
            flush=True,
        )
        built = pickle.loads((store / PAGES_FILE).read_bytes())
    else:
        built = build_all(store)
    out = Path(app.outdir)
    for page in built.pages:
        if page.csv:
            _write(out / CSV_FOLDER / f"{page.code}.csv", page.csv.encode("utf-8"))
    _write(
        out / INDEX_FILE, json.dumps(built.index, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    )
    print(
        f"[council_pages] {len(built.pages)} council pages, {built.charts} charts "
        f"({time.monotonic() - started:.1f} s in the Sphinx process)",
        flush=True,
    )
    for page in built.pages:
        meta = f'<meta name="description" content="{_esc(page.description)}">'
        yield (page.pagename, {"title": page.title, "body": page.body, "metatags": meta}, "page.html")


def background(store: str) -> None:
    """The build's background process: every page and chart file, the pages pickled for collect_pages.
    (Run through `python -c` so the pickled classes belong to analysis.council_pages, not __main__.)"""
    import pickle

    started = time.monotonic()
    built = build_all(Path(store))
    _write(Path(store) / PAGES_FILE, pickle.dumps(built, protocol=pickle.HIGHEST_PROTOCOL))
    print(f"[council_pages] {len(built.pages)} pages in {time.monotonic() - started:.1f} s", flush=True)


def _store(app: Any) -> Path:
    configured = app.config.ffh_chart_store
    store = Path(configured).resolve() if configured else settings.Settings.from_env().chart_store
    store.mkdir(parents=True, exist_ok=True)
    return store


def start_chart_files(app: Any) -> None:
    """builder-inited: make every council page and write its charts' files in a separate process while the
    book's notebooks execute (the notebooks leave a core idle; the PNGs are most of the work); collect_pages
    picks the pages up."""
    import subprocess

    if app.builder.format != "html" or not available():
        return
    store = _store(app)
    (store / PAGES_FILE).unlink(missing_ok=True)
    app.ffh_council_charts = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import sys; from analysis import council_pages; council_pages.background(sys.argv[1])",
            str(store),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )


def setup(app: Any) -> dict[str, Any]:
    """Sphinx extension entry point (book/_config.yml: sphinx.extra_extensions)."""
    find_area, area_list_directive = _directive_classes()
    app.add_directive("ffh-find-area", find_area)
    app.add_directive("ffh-area-list", area_list_directive)
    if "ffh_chart_store" not in app.config.values:
        app.add_config_value("ffh_chart_store", "", "env")
    app.connect("builder-inited", start_chart_files)
    app.connect("html-collect-pages", collect_pages)
    return {"version": "1.0", "parallel_read_safe": True, "parallel_write_safe": False}


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if not argv:
        print(__doc__.strip().splitlines()[-1].strip())
        return 2
    if argv[0] == "--build":
        background(argv[1])
        return 0
    page = build_page(argv[0])
    target = Path(argv[1]) if len(argv) > 1 else None
    if target:
        target.write_text(page.body, encoding="utf-8")
    else:
        print(page.body)
    return 0


if __name__ == "__main__":
    sys.exit(main())
