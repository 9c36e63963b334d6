"""Static SVG charts for the council pages: drawn here as SVG text, so a council page loads no chart runtime,
reads without JavaScript, prints, and its figures can be saved.

Each chart is drawn twice from the same numbers:

- for the page (`page=True`): the SVG fills its column (width 100%), its text stays at a fixed size in CSS pixels
  at any width (x positions are percentages; lines and bars are drawn in a stretched inner SVG with
  non-scaling strokes), so labels are as readable on a 390 px phone as on a desktop. The title, legend, notes
  and numbers table are HTML around it (analysis/council_pages.py);
- for downloads (`page=False`): a fixed-size SVG (720 px wide) that carries its own title, legend, source,
  notes and licence, which is also rasterised to the PNG download.

Two kinds: `line_chart` (years on x; a series is not joined across a break year or a missing value; an
optional shaded band and low-high ranges for a coverage gap) and `bar_chart` (grouped horizontal bars).
"""

from __future__ import annotations

import functools
import html
import math
import re
import textwrap
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

TEXT = "#0b0c0c"
MUTED = "#3d3d3d"
GRID = "#e1e1e1"
BAND = "#e8e8e8"
FONT = "Arial, 'Liberation Sans', Helvetica, sans-serif"
EXPORT_WIDTH = 720
FONT_SIZE = 13
LICENCE_LINE = "Far from home: open data on children in care. Licence: Open Government Licence v3.0."


@dataclass(frozen=True)
class Series:
    """One line (or one bar per group): its label, colour and values; None is a gap (no figure)."""

    label: str
    values: dict[object, float | None]
    colour: str
    dashed: bool = False
    # x -> (low, high): a vertical range drawn at x (e.g. the bounds of a share in a coverage gap)
    ranges: dict[object, tuple[float, float]] = field(default_factory=dict)
    # years from which the series is not joined to the year before (a coverage or definition break)
    breaks: tuple[int, ...] = ()


@dataclass(frozen=True)
class Band:
    """A shaded span of years (e.g. 2011 to 2014, when some children are in neither count)."""

    start: float
    end: float


@dataclass(frozen=True)
class ExportText:
    """What a downloaded chart carries besides the plot."""

    title: str
    subtitle: str
    source: str
    notes: Sequence[str] = ()


def _esc(value: object) -> str:
    return html.escape(str(value), quote=True)


def _num(value: float) -> str:
    text = f"{value:.2f}".rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def nice_max(value: float) -> tuple[float, float]:
    """An axis top at or above `value` and its tick step (1, 2, 2.5 or 5 times a power of ten), about 4 ticks."""
    if value <= 0:
        return 1.0, 0.25
    raw = value / 4
    power = 10 ** math.floor(math.log10(raw))
    for factor in (1, 2, 2.5, 5, 10):
        step = factor * power
        if step >= raw:
            break
    top = math.ceil(value / step) * step
    return top, step


def _wrap(text: str, width: int = 100) -> list[str]:
    return textwrap.wrap(text, width) or [text]


class _Canvas:
    """Coordinates for one chart: x in plot fractions (percentages on the page, pixels in exports), y in pixels."""

    def __init__(self, page: bool, height: int, left: float, right: float, top: int):
        self.page = page
        self.height = height
        self.top = top
        if page:
            self.left, self.right = left, right  # percent of the width
        else:
            self.left = left / 100 * EXPORT_WIDTH
            self.right = right / 100 * EXPORT_WIDTH
        self.inner_width = 1000 if page else self.right - self.left

    def ox(self, fraction: float) -> str:
        """An outer x for a plot fraction (0 = left edge of the plot, 1 = right edge)."""
        x = self.left + fraction * (self.right - self.left)
        return f"{x:.2f}%" if self.page else _num(x)

    def ix(self, fraction: float) -> str:
        return _num(fraction * self.inner_width)

    def inner_open(self, plot_height: int) -> str:
        width = f"{self.right - self.left:.2f}%" if self.page else _num(self.right - self.left)
        x = f"{self.left:.2f}%" if self.page else _num(self.left)
        return (
            f'<svg x="{x}" y="{self.top}" width="{width}" height="{plot_height}" '
            f'viewBox="0 0 {_num(self.inner_width)} {plot_height}" preserveAspectRatio="none" overflow="visible">'
        )

    def stroke(self) -> str:
        return ' vector-effect="non-scaling-stroke"' if self.page else ""

    def point(self, x: float, y: float, colour: str) -> str:
        if self.page:  # a round dot that stays round when the inner SVG is stretched
            return (
                f'<path d="M{_num(x)} {_num(y)}h0" stroke="{colour}" stroke-width="7" stroke-linecap="round" '
                'vector-effect="non-scaling-stroke"/>'
            )
        return f'<circle cx="{_num(x)}" cy="{_num(y)}" r="3.5" fill="{colour}"/>'


def _text(
    x: str,
    y: float,
    content: str,
    *,
    anchor: str = "start",
    size: int = FONT_SIZE,
    colour: str = TEXT,
    weight: str = "normal",
    extra: str = "",
) -> str:
    return (
        f'<text x="{x}" y="{_num(y)}" text-anchor="{anchor}" font-size="{size}" fill="{colour}" '
        f'font-weight="{weight}"{extra}>{_esc(content)}</text>'
    )


def _export_header(
    text: ExportText, legend: Sequence[Series], band_label: str | None
) -> tuple[list[str], int]:
    parts, y = [], 26
    for line in _wrap(text.title, 70):
        parts.append(_text("12", y, line, size=17, weight="bold"))
        y += 22
    for line in _wrap(text.subtitle, 95):
        parts.append(_text("12", y, line, colour=MUTED))
        y += 18
    y += 6
    for series in legend:
        dash = ' stroke-dasharray="6 4"' if series.dashed else ""
        parts.append(
            f'<line x1="12" y1="{y - 4}" x2="36" y2="{y - 4}" stroke="{series.colour}" stroke-width="3"{dash}/>'
        )
        parts.append(_text("42", y, series.label))
        y += 18
    if band_label:
        parts.append(f'<rect x="12" y="{y - 12}" width="24" height="12" fill="{BAND}"/>')
        parts.append(_text("42", y, band_label))
        y += 18
    return parts, y + 6


def _export_footer(text: ExportText, y: float) -> tuple[list[str], float]:
    parts = []
    y += 10
    lines = (
        _wrap(text.source, 110) + [line for note in text.notes for line in _wrap(note, 110)] + [LICENCE_LINE]
    )
    for line in lines:
        parts.append(_text("12", y, line, size=11, colour=MUTED))
        y += 15
    return parts, y + 6


def _svg_open(page: bool, height: float, label_ids: tuple[str, str] | None) -> str:
    aria = ""
    if label_ids:
        aria = f' role="img" aria-labelledby="{label_ids[0]}" aria-describedby="{label_ids[1]}"'
    if page:
        return (
            f'<svg xmlns="http://www.w3.org/2000/svg" class="ffh-svg" width="100%" height="{_num(height)}"'
            f'{aria} font-family="{_esc(FONT)}" focusable="false">'
        )
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{EXPORT_WIDTH}" height="{_num(height)}" '
        f'viewBox="0 0 {EXPORT_WIDTH} {_num(height)}" font-family="{_esc(FONT)}">'
        f'<rect width="{EXPORT_WIDTH}" height="{_num(height)}" fill="#ffffff"/>'
    )


def line_chart(
    series: Sequence[Series],
    *,
    years: Sequence[int],
    y_title: str,
    y_format: Callable[[float], str],
    breaks: Sequence[int] = (),
    band: Band | None = None,
    band_label: str | None = None,
    page: bool = True,
    export: ExportText | None = None,
    label_ids: tuple[str, str] | None = None,
    plot_height: int = 210,
) -> str:
    """Years on x, one line per series. A series is not joined across one of its breaks or a gap; `breaks` draws
    a dashed rule before each year given."""
    years = sorted(years)
    first, last = years[0], years[-1]
    span = max(last - first, 1)
    values = [v for s in series for v in s.values.values() if v is not None]
    values += [hi for s in series for _, hi in s.ranges.values()]
    top_value, step = nice_max(max(values) if values else 1)

    header, header_height = ([], 0) if page else _export_header(export, series, band_label)
    canvas = _Canvas(
        page, plot_height, left=11 if page else 10, right=96 if page else 97, top=header_height + 22
    )
    plot_top = canvas.top
    parts: list[str] = []

    def fx(year: float) -> float:
        return (year - first) / span

    def py(value: float) -> float:
        return plot_height - value / top_value * plot_height

    # axis title, y ticks and grid
    parts.append(_text(canvas.ox(0), plot_top - 10, y_title, size=12, colour=MUTED))
    ticks = [i * step for i in range(int(round(top_value / step)) + 1)]
    inner = [canvas.inner_open(plot_height)]
    if band is not None:
        x0, x1 = fx(band.start - 0.5 if band.start > first else band.start), fx(band.end + 0.5)
        inner.append(
            f'<rect x="{canvas.ix(x0)}" y="0" width="{canvas.ix(x1 - x0)}" height="{plot_height}" fill="{BAND}"/>'
        )
    for tick in ticks:
        y = py(tick)
        inner.append(
            f'<line x1="0" y1="{_num(y)}" x2="{canvas.ix(1)}" y2="{_num(y)}" stroke="{GRID if tick else MUTED}" '
            f'stroke-width="1"{canvas.stroke()}/>'
        )
        label_x = f"{canvas.left - 1:.2f}%" if page else _num(canvas.left - 6)
        parts.append(_text(label_x, plot_top + y + 4, y_format(tick), anchor="end", size=12))
    for brk in breaks:
        x = fx(brk - 0.5)
        inner.append(
            f'<line x1="{canvas.ix(x)}" y1="0" x2="{canvas.ix(x)}" y2="{plot_height}" stroke="{MUTED}" '
            f'stroke-dasharray="5 4" stroke-width="1.5"{canvas.stroke()}/>'
        )
    # x ticks: every year in exports; on the page every second year (and the last) so labels never collide
    shown = years if not page else [y for y in years if (y - first) % 2 == 0 or y == last]
    if page and len(shown) > 1 and shown[-1] - shown[-2] == 1:
        shown = shown[:-2] + shown[-1:]
    for year in shown:
        parts.append(
            _text(canvas.ox(fx(year)), plot_top + plot_height + 18, str(year), anchor="middle", size=12)
        )
    for s in series:
        cuts = sorted(s.breaks)

        def segment(year: int, cuts: list[int] = cuts) -> int:
            return sum(1 for c in cuts if year >= c)

        dash = ' stroke-dasharray="6 4"' if s.dashed else ""
        for year, (low, high) in sorted(s.ranges.items()):
            x = canvas.ix(fx(year))
            inner.append(
                f'<line x1="{x}" y1="{_num(py(low))}" x2="{x}" y2="{_num(py(high))}" stroke="{s.colour}" '
                f'stroke-width="5" stroke-opacity="0.5"{canvas.stroke()}/>'
            )
        run: list[tuple[float, float]] = []
        runs = []
        previous = None
        for year in years:
            value = s.values.get(year)
            joined = (
                previous is not None
                and value is not None
                and year == previous + 1
                and segment(year) == segment(previous)
            )
            if value is None or not joined:
                if len(run) > 1:
                    runs.append(run)
                run = []
            if value is not None:
                run.append((float(canvas.ix(fx(year))), py(value)))
                previous = year
            else:
                previous = None
        if len(run) > 1:
            runs.append(run)
        for points in runs:
            path = " ".join(f"{_num(x)},{_num(y)}" for x, y in points)
            inner.append(
                f'<polyline points="{path}" fill="none" stroke="{s.colour}" stroke-width="3" '
                f'stroke-linejoin="round"{dash}{canvas.stroke()}/>'
            )
        for year, value in sorted(s.values.items()):
            if value is not None:
                inner.append(canvas.point(float(canvas.ix(fx(year))), py(value), s.colour))
    inner.append("</svg>")
    height = plot_top + plot_height + 30
    footer: list[str] = []
    if not page:
        footer, height = _export_footer(export, height)
    return "".join([_svg_open(page, height, label_ids), *header, *parts, *inner, *footer, "</svg>"])


def bar_chart(
    groups: Sequence[tuple[str, Sequence[tuple[Series, float | None, str]]]],
    *,
    x_title: str,
    page: bool = True,
    export: ExportText | None = None,
    legend: Sequence[Series] = (),
    label_ids: tuple[str, str] | None = None,
) -> str:
    """Grouped horizontal bars: for each group (e.g. a sector) one bar per series, each with its label and value
    written above it ('Blackpool: 28.3'). A value of None draws no bar; its label says why."""
    values = [v for _, bars in groups for _, v, _ in bars if v is not None]
    top_value, _ = nice_max(max(values) if values else 1)
    header, header_height = ([], 0) if page else _export_header(export, legend, None)
    left, right = (0, 92) if page else (2, 90)
    x0 = "0" if page else "12"
    parts = [_text(x0, header_height + 12, x_title, size=12, colour=MUTED)]
    y = header_height + 14
    for group, bars in groups:
        y += 18
        parts.append(_text(x0, y, group, weight="bold"))
        for series, value, label in bars:
            y += 15
            parts.append(_text(x0, y, label, size=12))
            y += 3
            if value is not None and value > 0:
                fraction = value / top_value
                if page:
                    width = f"{(right - left) * fraction:.2f}%"
                    x = f"{left:.2f}%"
                else:
                    width = _num((right - left) / 100 * EXPORT_WIDTH * fraction)
                    x = _num(12)
                parts.append(
                    f'<rect x="{x}" y="{_num(y)}" width="{width}" height="9" fill="{series.colour}"/>'
                )
            y += 9
    height = y + 10
    footer: list[str] = []
    if not page:
        footer, height = _export_footer(export, height)
    return "".join([_svg_open(page, height, label_ids), *header, *parts, *footer, "</svg>"])


# --------------------------------------------------------------------------------------------------
# Text as outlines, for rasterising: the PNG downloads are rasterised from the download SVG by vl-convert
# (resvg), which shapes every glyph of every <text> afresh (about a millisecond a glyph): hundreds of charts
# would take minutes. Drawing each distinct glyph once (fontTools, from the Liberation Sans files the build
# machine has) and placing it with <use> makes the same PNG in a fraction of the time. The SVG download keeps
# real, selectable text.
# --------------------------------------------------------------------------------------------------

FONT_DIRS = (
    "/usr/share/fonts/truetype/liberation",
    "/usr/share/fonts/truetype/liberation2",
    "/usr/share/fonts/liberation",
    "/usr/share/fonts/liberation-sans",
)
FONT_FILES = {"normal": "LiberationSans-Regular.ttf", "bold": "LiberationSans-Bold.ttf"}
_TEXT = re.compile(
    r'<text x="(?P<x>[-\d.]+)" y="(?P<y>[-\d.]+)" text-anchor="(?P<anchor>\w+)" font-size="(?P<size>[\d.]+)" '
    r'fill="(?P<fill>[^"]+)" font-weight="(?P<weight>\w+)"(?P<extra>[^>]*)>(?P<content>[^<]*)</text>'
)


class GlyphOutlines:
    """Glyph outlines and advances of Liberation Sans (regular and bold), read once."""

    def __init__(self, files: dict[str, str]):
        from fontTools.pens.svgPathPen import SVGPathPen
        from fontTools.ttLib import TTFont

        self._pen = SVGPathPen
        self.fonts = {}
        for weight, path in files.items():
            font = TTFont(path, lazy=True)
            self.fonts[weight] = (font.getGlyphSet(), font.getBestCmap(), font["head"].unitsPerEm)
        self.cache: dict[tuple[str, str], tuple[str, str, float]] = {}

    def glyph(self, weight: str, char: str) -> tuple[str, str, float]:
        """(id, path in font units, advance in font units) of a character."""
        key = (weight, char)
        if key not in self.cache:
            glyphs, cmap, _ = self.fonts[weight]
            name = cmap.get(ord(char), ".notdef")
            pen = self._pen(glyphs)
            glyphs[name].draw(pen)
            self.cache[key] = (f"g{weight[0]}{ord(char):x}", pen.getCommands(), glyphs[name].width)
        return self.cache[key]

    def units(self, weight: str) -> int:
        return self.fonts[weight][2]


@functools.lru_cache(maxsize=1)
def glyph_outlines() -> GlyphOutlines | None:
    """The glyph outlines, or None when the fonts (or fontTools) are not available: text is then left as text."""
    for folder in FONT_DIRS:
        files = {w: f"{folder}/{name}" for w, name in FONT_FILES.items()}
        if all(Path(p).exists() for p in files.values()):
            try:
                return GlyphOutlines(files)
            except ImportError:
                return None
    return None


def outline_text(svg: str) -> str:
    """The SVG with its <text> drawn as glyph outlines (<use> of one <path> per glyph), ready to rasterise."""
    outlines = glyph_outlines()
    if outlines is None:
        return svg
    used: dict[str, str] = {}

    def replace(match: re.Match) -> str:
        weight = "bold" if match["weight"] == "bold" else "normal"
        content = html.unescape(match["content"])
        size = float(match["size"])
        scale = size / outlines.units(weight)
        glyphs = [outlines.glyph(weight, ch) for ch in content]
        width = sum(advance for _, _, advance in glyphs) * scale
        x = float(match["x"]) - {"middle": width / 2, "end": width}.get(match["anchor"], 0)
        parts, offset = [], 0.0
        for ident, path, advance in glyphs:
            if path:
                used[ident] = path
                parts.append(f'<use href="#{ident}" x="{_num(offset)}"/>')
            offset += advance
        return (
            f'<g fill="{match["fill"]}" transform="translate({_num(x)} {match["y"]}) scale({scale:.6f} {-scale:.6f})">'
            + "".join(parts)
            + "</g>"
        )

    body = _TEXT.sub(replace, svg)
    defs = "<defs>" + "".join(f'<path id="{i}" d="{p}"/>' for i, p in sorted(used.items())) + "</defs>"
    start = body.index(">", body.index("<svg")) + 1
    return body[:start] + defs + body[start:]
