"""Chart helpers for every chapter: Altair charts with a finding as title, units, source, alt text, the
numbers as a table, CSV/PNG/SVG downloads and a citation.

A chapter cell is three lines:

    frame = data.load("missing_from_care").filter(...)
    chart = charts.line(frame, x="time_period", y="value", color="measure",
                        title="More children are recorded missing each year since 2015",
                        y_title="Children (number)", breaks=[charts.Break(2015, "Definition changed")])
    charts.show(chart, name="missing-trend", alt="Line chart: ...")

`show` renders, in the page: the title and subtitle as text, the chart (Vega-Lite, drawn at the width of the
page's column by the site's own copy of Vega served from _static/vendor: no CDN; a narrow layout below
NARROW_BELOW px), a short source line, notes on definition breaks, the chart
description (alt text, also the SVG's accessible name), the numbers as an HTML table, download links
(CSV of the chart's rows in the EES column layout and spreadsheet-safe, PNG, SVG rendered offline by
vl-convert) and a "cite this chart" block. Files are written to the chart store (FFH_CHART_STORE, default
book/_build/chart-files) and copied next to the site's pages by the Sphinx extension in analysis/site.py,
which also fills in the page URL and the relative path to the site root.

Builders: line, bar (stacked / grouped / 100%), ranked_bar, scatter, hex_map. Each returns an Altair chart
you may still adjust (`.properties(height=...)`); the bookkeeping `show` needs is kept in `usermeta`.
"""

from __future__ import annotations

import html
import json
import math
import os
import re
import textwrap
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import altair as alt
import polars as pl

from analysis import data, layout, settings, text
from analysis.csv_writer import csv_text

# --------------------------------------------------------------------------------------------------
# Look: UK Government Analysis Function palette (categorical, in this order) and a single-hue ramp.
# --------------------------------------------------------------------------------------------------
DARK_BLUE = "#12436D"
TURQUOISE = "#28A197"
DARK_PINK = "#801650"
ORANGE = "#F46A25"
DARK_GREY = "#3D3D3D"
LIGHT_PURPLE = "#A285D1"
CATEGORICAL = [DARK_BLUE, TURQUOISE, DARK_PINK, ORANGE, DARK_GREY, LIGHT_PURPLE]
# Sequential (light -> dark blue) for maps; the lightest still contrasts with the white page border.
SEQUENTIAL = ["#D6E0EA", "#9FB6CC", "#6A8DAF", "#3A6791", DARK_BLUE]
NO_DATA = "#BFBFBF"
TEXT = "#0B0C0C"
FONT = "Arial, 'Liberation Sans', Helvetica, sans-serif"
WIDTH = 640
HEIGHT = 360
# ranked_bar: how far above the bars the category title's baseline sits (level with the value axis title)
RANKED_TITLE_RISE = 24

# Placeholders the Sphinx extension (analysis.site.setup) replaces in every built page.
ROOT_TOKEN = "%%FFH_ROOT%%"
PAGE_URL_TOKEN = "%%FFH_PAGE_URL%%"
PAGE_TITLE_TOKEN = "%%FFH_PAGE_TITLE%%"
CHART_URL_PREFIX = "_static/charts/"
HELPER_PREFIX = "_ffh_"
NAME_PATTERN = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")
EXTENSIONS = ("csv", "png", "svg")

# The columns every chart CSV must carry (EES layout) so a download can be traced to its source.
REQUIRED_COLUMNS = [
    "time_period",
    "time_identifier",
    "geographic_level",
    "country_code",
    "country_name",
    "source_id",
    "source_release",
]

CONFIG: dict[str, Any] = {
    "font": FONT,
    "background": "white",
    "padding": 8,
    "view": {"stroke": None, "continuousWidth": WIDTH, "continuousHeight": HEIGHT},
    "axis": {
        "labelFontSize": 12,
        "titleFontSize": 13,
        "titleFontWeight": "normal",
        "labelColor": TEXT,
        "titleColor": TEXT,
        "gridColor": "#E1E1E1",
        "domainColor": DARK_GREY,
        "tickColor": DARK_GREY,
        "labelLimit": 260,
    },
    "legend": {
        "labelFontSize": 12,
        "titleFontSize": 12,
        "titleFontWeight": "normal",
        "labelColor": TEXT,
        "titleColor": TEXT,
        "orient": "top",
        "direction": "vertical",
        "labelLimit": 500,
    },
    "title": {
        "fontSize": 17,
        "anchor": "start",
        "color": TEXT,
        "subtitleFontSize": 13,
        "subtitleColor": DARK_GREY,
        "offset": 14,
    },
    "range": {"category": CATEGORICAL, "ramp": SEQUENTIAL, "ordinal": SEQUENTIAL},
    "line": {"strokeWidth": 3},
    "point": {"size": 45, "filled": True},
    "text": {"color": TEXT, "fontSize": 12},
}


@dataclass(frozen=True)
class Break:
    """A definition break: the series changes from `at` (e.g. 2015); drawn as a rule just before it.

    Lines are never joined across a break: each side is drawn as its own segment.
    """

    at: float
    label: str

    def as_dict(self) -> dict[str, Any]:
        return {"at": self.at, "label": self.label}


class Link(str):
    """A chart note that points to a place on the page, e.g. the chapter's caveats: `Link("How councils record
    missing: see About these figures", "#missing-about")`. Under the chart it is a link; in the PNG/SVG and in
    plain Jupyter it is the note's text. A caveat is then written once, in the chapter, not under every chart."""

    href: str

    def __new__(cls, text: str, href: str) -> Link:
        note = super().__new__(cls, text)
        note.href = href
        return note


def _note_html(note: str) -> str:
    if isinstance(note, Link):
        return f'<a href="{html.escape(note.href)}">{html.escape(note)}</a>'
    return html.escape(note)


class ChartError(ValueError):
    """A chart is missing something every chart must have (title, units, alt text, source columns)."""


# --------------------------------------------------------------------------------------------------
# Builders
# --------------------------------------------------------------------------------------------------


def _frame(frame: Any) -> pl.DataFrame:
    if isinstance(frame, pl.DataFrame):
        return frame
    try:
        return pl.from_pandas(frame)
    except Exception as error:  # pragma: no cover - defensive
        raise TypeError(f"expected a polars or pandas DataFrame, got {type(frame).__name__}") from error


def _dataset(frame: pl.DataFrame, dataset: str | None) -> str | None:
    """The dataset whose measure labels apply (given, or guessed from a filtered load())."""
    if dataset is None and "measure" in frame.columns:
        return data.guess_dataset(_strip_helpers(frame))
    return dataset


def _need(frame: pl.DataFrame, *columns: str | None) -> None:
    missing = [c for c in columns if c and c not in frame.columns]
    if missing:
        raise ChartError(f"columns {missing} are not in the frame (columns: {frame.columns})")


def _require_title(title: str) -> None:
    if not title or not str(title).strip():
        raise ChartError("every chart needs a title that states the finding")


def _axis_title(frame: pl.DataFrame, given: str | None, what: str, dataset: str | None = None) -> str:
    """The value axis title; derived from measures.csv units when the frame holds one unit only."""
    if given:
        return given
    if "measure" in frame.columns:
        dataset = dataset or data.guess_dataset(_strip_helpers(frame))
        units = {data.measure_unit(m, dataset) for m in frame["measure"].drop_nulls().unique().to_list()}
        if len(units) == 1:
            unit = units.pop()
            return unit[:1].upper() + unit[1:] + " (number)" if unit else ""
    raise ChartError(f"give {what} with units, e.g. 'Children (number)' or 'Rate per 10,000 children'")


def _format_for(frame: pl.DataFrame, column: str, given: str | None) -> str:
    if given:
        return given
    return ",.0f" if frame.schema[column].is_integer() else ",.1f"


_FIXED_DECIMALS = re.compile(r"^([+,]*\.[1-9]\d*)f$")


def axis_format(value_format: str) -> str:
    """The axis labels' format for a value format: fixed decimals lose their trailing zeros on the axis
    (',.1f' -> ',.1~f': ticks 0, 10, 20 rather than 0.0, 10.0, 20.0; 2.5 stays 2.5). Tooltips and tables
    keep the value format."""
    match = _FIXED_DECIMALS.match(value_format or "")
    return f"{match.group(1)}~f" if match else value_format


def _series_labels(
    frame: pl.DataFrame, column: str, labels: Mapping[str, str] | None, dataset: str | None = None
) -> pl.DataFrame:
    """Add the legend label column: explicit labels, else measure labels for `measure`, else the value."""
    values = frame[column].cast(pl.Utf8).unique().drop_nulls().to_list()
    if column == "measure":
        dataset = dataset or data.guess_dataset(_strip_helpers(frame))
    mapping: dict[str, str] = {}
    for value in values:
        if labels and value in labels:
            mapping[value] = labels[value]
        elif column == "measure":
            mapping[value] = data.measure_label(value, dataset)
        else:
            mapping[value] = value
    return frame.with_columns(
        pl.col(column).cast(pl.Utf8).replace_strict(mapping, default=None).alias(f"{HELPER_PREFIX}series")
    )


def _title(title: str, subtitle: str | Sequence[str] | None) -> alt.TitleParams:
    _require_title(title)
    if subtitle:
        lines = [subtitle] if isinstance(subtitle, str) else list(subtitle)
        return alt.TitleParams(text=title, subtitle=lines)
    return alt.TitleParams(text=title)


def _meta(kind: str, **values: Any) -> dict[str, Any]:
    return {"ffh": {"kind": kind, **values}}


def _layered(
    layers: list,
    frame: pl.DataFrame,
    *,
    title: str,
    subtitle: Any,
    width: int,
    height: int,
    kind: str,
    **meta: Any,
) -> alt.LayerChart:
    """Every builder's chart: its layers over the frame, the title, the size and the bookkeeping show() reads."""
    return alt.layer(*layers, data=frame).properties(
        title=_title(title, subtitle), width=width, height=height, usermeta=_meta(kind, **meta)
    )


def _break_layers(breaks: Sequence[Break], x_type: str) -> list[alt.Chart]:
    if not breaks:
        return []
    offset = 0.5 if x_type == "quantitative" else 0
    rows = [{"at": b.at - offset, "label": b.label, "from": b.at} for b in breaks]
    source = alt.InlineData(values=rows)
    rule = (
        alt.Chart(source)
        .mark_rule(color=DARK_GREY, strokeDash=[5, 4], strokeWidth=1.5)
        .encode(x=alt.X("at:Q"), tooltip=[alt.Tooltip("label:N", title="Definition change")])
    )
    text = (
        alt.Chart(source)
        .mark_text(align="left", baseline="top", dx=5, dy=4, color=DARK_GREY, fontSize=12, lineBreak="\n")
        .encode(x=alt.X("at:Q"), y=alt.value(0), text="label:N")
    )
    return [rule, text]


def line(
    frame: Any,
    *,
    x: str = "time_period",
    y: str = "value",
    color: str | None = None,
    title: str,
    subtitle: str | Sequence[str] | None = None,
    x_title: str = "Year (as at or ending 31 March)",
    y_title: str | None = None,
    color_title: str | None = None,
    labels: Mapping[str, str] | None = None,
    breaks: Sequence[Break] = (),
    dataset: str | None = None,
    y_format: str | None = None,
    y_zero: bool = True,
    points: bool = True,
    width: int = WIDTH,
    height: int = HEIGHT,
) -> alt.LayerChart:
    """A trend line per series (`color`), years on x. Breaks draw a labelled rule and split the line."""
    frame = _frame(frame)
    dataset = _dataset(frame, dataset)
    _need(frame, x, y, color)
    y_title = _axis_title(frame, y_title, "y_title", dataset)
    y_format = _format_for(frame, y, y_format)
    if color:
        frame = _series_labels(frame, color, labels, dataset)
    cuts = sorted(b.at for b in breaks)
    frame = frame.with_columns(
        pl.sum_horizontal([(pl.col(x) >= cut).cast(pl.Int32) for cut in cuts] or [pl.lit(0)]).alias(
            f"{HELPER_PREFIX}segment"
        )
    )
    series = f"{HELPER_PREFIX}series"
    color_title = color_title or (
        "Measure" if color == "measure" else (color or "").replace("_", " ").capitalize()
    )
    encoding: dict[str, Any] = {
        "x": alt.X(
            f"{x}:Q",
            title=x_title,
            axis=alt.Axis(format="d", tickMinStep=1),
            scale=alt.Scale(zero=False, nice=False),
        ),
        "y": alt.Y(
            f"{y}:Q", title=y_title, axis=alt.Axis(format=axis_format(y_format)), scale=alt.Scale(zero=y_zero)
        ),
        "detail": alt.Detail(f"{HELPER_PREFIX}segment:N"),
        "tooltip": [alt.Tooltip(f"{x}:Q", title=x_title, format="d")]
        + ([alt.Tooltip(f"{series}:N", title=color_title)] if color else [])
        + [alt.Tooltip(f"{y}:Q", title=y_title, format=y_format)],
    }
    if color:
        encoding["color"] = alt.Color(f"{series}:N", title=color_title, legend=alt.Legend(title=color_title))
    layers = [alt.Chart().mark_line(**({} if color else {"color": DARK_BLUE})).encode(**encoding)]
    if points:
        layers.append(alt.Chart().mark_point(**({} if color else {"color": DARK_BLUE})).encode(**encoding))
    layers += _break_layers(breaks, "quantitative")
    fields = [x, y] + ([color, series] if color else []) + [f"{HELPER_PREFIX}segment"]
    return _layered(
        layers,
        frame,
        title=title,
        subtitle=subtitle,
        width=width,
        height=height,
        kind="line",
        x=x,
        y=y,
        color=color,
        series=series if color else None,
        x_title=x_title,
        y_title=y_title,
        color_title=color_title if color else None,
        format=y_format,
        x_format="d",
        breaks=[b.as_dict() for b in breaks],
        fields=fields,
    )


def bar(
    frame: Any,
    *,
    x: str = "time_period",
    y: str = "value",
    color: str | None = None,
    title: str,
    subtitle: str | Sequence[str] | None = None,
    x_title: str = "Year (as at or ending 31 March)",
    y_title: str | None = None,
    color_title: str | None = None,
    labels: Mapping[str, str] | None = None,
    mode: str = "stacked",
    order: Sequence[str] | None = None,
    breaks: Sequence[Break] = (),
    dataset: str | None = None,
    y_format: str | None = None,
    width: int = WIDTH,
    height: int = HEIGHT,
    x_order: Sequence[str] | None = None,
    x_wrap: bool = False,
) -> alt.LayerChart:
    """Vertical bars for categories or years on x; `mode` = "stacked", "grouped" or "percent" (100%).
    `x_order`: the categories on x in this order (default: sorted); `x_wrap`: long x labels over two or more
    lines (split at spaces)."""
    if mode not in ("stacked", "grouped", "percent"):
        raise ChartError("mode must be 'stacked', 'grouped' or 'percent'")
    frame = _frame(frame)
    dataset = _dataset(frame, dataset)
    _need(frame, x, y, color)
    y_title = _axis_title(frame, y_title, "y_title", dataset)
    y_format = _format_for(frame, y, y_format)
    series = f"{HELPER_PREFIX}series"
    if color:
        frame = _series_labels(frame, color, labels, dataset)
    color_title = color_title or (
        "Measure" if color == "measure" else (color or "").replace("_", " ").capitalize()
    )
    y_axis_format = ".0%" if mode == "percent" else axis_format(y_format)
    x_axis = alt.Axis(labelAngle=0)
    if x_wrap:
        x_axis = alt.Axis(
            labelAngle=0, labelExpr="length(datum.label) > 12 ? split(datum.label, ' ') : datum.label"
        )
    x_enc = alt.X(f"{x}:O", title=x_title, axis=x_axis, sort=list(x_order) if x_order else alt.Undefined)
    y_enc = alt.Y(
        f"{y}:Q",
        title=y_title,
        axis=alt.Axis(format=y_axis_format),
        stack={"stacked": "zero", "grouped": None, "percent": "normalize"}[mode],
    )
    encoding: dict[str, Any] = {
        "x": x_enc,
        "y": y_enc,
        "tooltip": [alt.Tooltip(f"{x}:N", title=x_title)]
        + ([alt.Tooltip(f"{series}:N", title=color_title)] if color else [])
        + [alt.Tooltip(f"{y}:Q", title=y_title, format=y_format)],
    }
    if color:
        domain = (
            [
                (labels or {}).get(o, data.measure_label(o, dataset) if color == "measure" else o)
                for o in order
            ]
            if order
            else alt.Undefined
        )
        encoding["color"] = alt.Color(
            f"{series}:N",
            title=color_title,
            scale=alt.Scale(domain=domain),
            legend=alt.Legend(title=color_title),
        )
        encoding["order"] = alt.Order(f"{HELPER_PREFIX}order:Q")
        if mode == "grouped":
            encoding["xOffset"] = alt.XOffset(f"{series}:N", scale=alt.Scale(domain=domain))
        ranks = {
            v: i for i, v in enumerate(order or sorted(frame[color].cast(pl.Utf8).unique().drop_nulls()))
        }
        frame = frame.with_columns(
            pl.col(color)
            .cast(pl.Utf8)
            .replace_strict(ranks, default=len(ranks))
            .alias(f"{HELPER_PREFIX}order")
        )
    layers = [alt.Chart().mark_bar(**({} if color else {"color": DARK_BLUE})).encode(**encoding)]
    if breaks:
        raise ChartError("breaks on bar charts: split the bars into two charts or use line()")
    fields = [x, y] + ([color, series, f"{HELPER_PREFIX}order"] if color else [])
    return _layered(
        layers,
        frame,
        title=title,
        subtitle=subtitle,
        width=width,
        height=height,
        kind="bar",
        x=x,
        y=y,
        color=color,
        series=series if color else None,
        x_title=x_title,
        y_title=y_title,
        color_title=color_title if color else None,
        format=y_format,
        x_format=None,
        mode=mode,
        breaks=[],
        fields=fields,
    )


def ranked_bar(
    frame: Any,
    *,
    category: str = "la_name",
    value: str = "value",
    title: str,
    subtitle: str | Sequence[str] | None = None,
    value_title: str | None = None,
    category_title: str = "Council",
    highlight: Iterable[str] = (),
    reference: tuple[float, str] | None = None,
    value_format: str | None = None,
    dataset: str | None = None,
    descending: bool = True,
    width: int = 520,
    row_height: int = 16,
) -> alt.LayerChart:
    """Horizontal bars, one per area, sorted by value; `highlight` areas in dark pink; optional reference
    line (e.g. (45.2, "England 45.2%")). Areas with no value (suppressed) are listed in the table."""
    frame = _frame(frame)
    dataset = _dataset(frame, dataset)
    _need(frame, category, value)
    value_title = _axis_title(frame, value_title, "value_title", dataset)
    value_format = _format_for(frame, value, value_format)
    marked = set(highlight)
    unknown = marked - set(frame[category].drop_nulls().to_list())
    if unknown:
        raise ChartError(f"highlight names not in the frame: {sorted(unknown)}")
    flag = f"{HELPER_PREFIX}highlight"
    frame = frame.with_columns(pl.col(category).is_in(list(marked)).alias(flag))
    shown = frame.filter(pl.col(value).is_not_null())
    height = max(row_height * shown.height, 60)
    sort = alt.EncodingSortField(field=value, order="descending" if descending else "ascending")
    bars = (
        alt.Chart()
        .mark_bar()
        .encode(
            # the category title sits level with the value axis title, right-aligned over the labels, so
            # it never overprints a long label (a rotated title is placed from estimated label widths)
            y=alt.Y(
                f"{category}:N",
                sort=sort,
                title=category_title,
                axis=alt.Axis(
                    labelFontSize=11,
                    titleAngle=0,
                    titleAlign="right",
                    titleBaseline="bottom",
                    titleX=-6,
                    titleY=-RANKED_TITLE_RISE,
                ),
            ),
            x=alt.X(
                f"{value}:Q", title=value_title, axis=alt.Axis(format=axis_format(value_format), orient="top")
            ),
            color=alt.condition(f"datum.{flag}", alt.value(DARK_PINK), alt.value(DARK_BLUE)),
            tooltip=[
                alt.Tooltip(f"{category}:N", title=category_title),
                alt.Tooltip(f"{value}:Q", title=value_title, format=value_format),
            ],
        )
        .transform_filter(f"isValid(datum['{value}'])")
    )
    layers: list[alt.Chart] = [bars]
    if reference is not None:
        ref = alt.InlineData(values=[{"v": reference[0], "label": reference[1]}])
        layers.append(alt.Chart(ref).mark_rule(color=ORANGE, strokeWidth=2).encode(x="v:Q"))
        layers.append(
            alt.Chart(ref)
            # under the last bar, where it cannot sit on top of a dark bar
            .mark_text(align="left", dx=4, dy=4, baseline="top", color=TEXT, fontWeight="bold")
            .encode(x="v:Q", y=alt.value(height), text="label:N")
        )
    return _layered(
        layers,
        frame,
        title=title,
        subtitle=subtitle,
        width=width,
        height=height,
        kind="ranked_bar",
        x=value,
        y=category,
        color=None,
        series=None,
        x_title=value_title,
        y_title=category_title,
        format=value_format,
        breaks=[],
        descending=descending,
        fields=[category, value, flag],
    )


def scatter(
    frame: Any,
    *,
    x: str,
    y: str,
    label: str = "la_name",
    color: str | None = None,
    title: str,
    subtitle: str | Sequence[str] | None = None,
    x_title: str,
    y_title: str,
    color_title: str | None = None,
    labels: Mapping[str, str] | None = None,
    highlight: Iterable[str] = (),
    x_format: str | None = None,
    y_format: str | None = None,
    width: int = WIDTH,
    height: int = 420,
    diagonal: bool | str | None = None,
    avoid_overlap: bool = False,
) -> alt.LayerChart:
    """One point per area (e.g. children's homes places vs children in care); `highlight` names are labelled.
    `diagonal`: draw the dashed line y = x (decorative: the chart description says what it means), labelled
    with the text when one is given (e.g. "One place per child"); `avoid_overlap`: of two labelled points
    close together, label the lower one below its point."""
    frame = _frame(frame)
    _need(frame, x, y, label, color)
    if not x_title or not y_title:
        raise ChartError("scatter needs x_title and y_title with units")
    x_format = _format_for(frame, x, x_format)
    y_format = _format_for(frame, y, y_format)
    series = f"{HELPER_PREFIX}series"
    if color:
        frame = _series_labels(frame, color, labels)
        color_title = color_title or color.replace("_", " ").capitalize()
    marked = set(highlight)
    flag = f"{HELPER_PREFIX}highlight"
    frame = frame.with_columns(pl.col(label).is_in(list(marked)).alias(flag))
    encoding: dict[str, Any] = {
        "x": alt.X(f"{x}:Q", title=x_title, axis=alt.Axis(format=axis_format(x_format))),
        "y": alt.Y(f"{y}:Q", title=y_title, axis=alt.Axis(format=axis_format(y_format))),
        "tooltip": [
            alt.Tooltip(f"{label}:N", title="Area"),
            alt.Tooltip(f"{x}:Q", title=x_title, format=x_format),
            alt.Tooltip(f"{y}:Q", title=y_title, format=y_format),
        ],
    }
    if color:
        encoding["color"] = alt.Color(f"{series}:N", title=color_title)
        encoding["shape"] = alt.Shape(f"{series}:N", title=color_title)
    points = (
        alt.Chart().mark_point(opacity=0.85, **({} if color else {"color": DARK_BLUE})).encode(**encoding)
    )
    layers = [points]
    below_flag = f"{HELPER_PREFIX}label_below"
    below = (
        crowded_labels(frame.filter(pl.col(flag)), x, y, label, width=width, height=height)
        if avoid_overlap
        else []
    )
    if below:
        frame = frame.with_columns(pl.col(label).is_in(below).alias(below_flag))
    if marked:
        layers.append(
            alt.Chart()
            .mark_text(align="left", dx=7, dy=-7, fontWeight="bold")
            .encode(x=f"{x}:Q", y=f"{y}:Q", text=f"{label}:N")
            .transform_filter(f"datum.{flag} && !datum.{below_flag}" if below else f"datum.{flag}")
        )
        if below:
            layers.append(
                alt.Chart()
                .mark_text(align="left", dx=7, dy=12, fontWeight="bold")
                .encode(x=f"{x}:Q", y=f"{y}:Q", text=f"{label}:N")
                .transform_filter(f"datum.{flag} && datum.{below_flag}")
            )
    if diagonal:
        top = min(frame[x].max() or 0, frame[y].max() or 0)
        line_data = alt.InlineData(values=[{"a": 0}, {"a": top}])
        diagonal_layers = [
            alt.Chart(line_data)
            .mark_line(color="#6F777B", strokeDash=[4, 4], strokeWidth=1.5, aria=False)
            .encode(x="a:Q", y="a:Q")
        ]
        if isinstance(diagonal, str):
            label_data = alt.InlineData(values=[{"a": top, "text": diagonal}])
            diagonal_layers.append(
                alt.Chart(label_data)
                .mark_text(align="left", dx=6, dy=10, color="#505A5F")
                .encode(x="a:Q", y="a:Q", text="text:N")
            )
        layers = [*diagonal_layers, *layers]
    fields = [label, x, y, flag] + ([below_flag] if below else []) + ([color, series] if color else [])
    return _layered(
        layers,
        frame,
        title=title,
        subtitle=subtitle,
        width=width,
        height=height,
        kind="scatter",
        x=x,
        y=y,
        label=label,
        color=color,
        series=series if color else None,
        x_title=x_title,
        y_title=y_title,
        color_title=color_title if color else None,
        format=y_format,
        x_format=x_format,
        breaks=[],
        fields=fields,
    )


def crowded_labels(
    frame: pl.DataFrame,
    x: str,
    y: str,
    label: str,
    *,
    width: int = WIDTH,
    height: int = 420,
    char_px: float = 6.5,
    line_px: float = 16.0,
) -> list[str]:
    """Labels to draw below their point: of two points whose labels (drawn to the right, about `char_px` per
    character, `line_px` tall) would overlap on a `width` x `height` plot, the lower one's."""
    rows = frame.select(label, x, y).drop_nulls().rows()
    if not rows:
        return []
    x_max = max(r[1] for r in rows) or 1
    y_max = max(r[2] for r in rows) or 1
    placed = [(str(name), vx / x_max * width, vy / y_max * height) for name, vx, vy in rows]
    below = set()
    for i, a in enumerate(placed):
        for b in placed[i + 1 :]:
            left, right = (a, b) if a[1] <= b[1] else (b, a)
            overlap_x = right[1] - left[1] < char_px * len(left[0])
            overlap_y = abs(a[2] - b[2]) < line_px
            if overlap_x and overlap_y:
                below.add(a[0] if a[2] < b[2] else b[0])
    return sorted(below)


HEX_CODE_COLUMNS = ("current_la_code", "new_la_code", "la_code", "code", "gss_code", "id")


def _hex_cells(cells: Any | None) -> pl.DataFrame:
    if cells is None:
        # the published councils dataset carries each current council's cell (data/, never the source files)
        councils = data.load("councils").filter(pl.col("is_current"))
        cells = councils.select(
            pl.col("new_la_code").alias("la_code"),
            "la_name",
            pl.col("hex_q").alias("q"),
            pl.col("hex_r").alias("r"),
            *([pl.col("abbreviation")] if "abbreviation" in councils.columns else []),
        )
    cells = _frame(cells)
    _need(cells, "q", "r")
    code = next((c for c in HEX_CODE_COLUMNS if c in cells.columns), None)
    if code is None:
        raise ChartError(f"hex cells need a code column, one of {HEX_CODE_COLUMNS}")
    name = next((c for c in ("current_la_name", "la_name", "name", "n") if c in cells.columns), code)
    # each cell's label: the council's abbreviation (mySociety registry code), else its name's first letters
    label = (
        pl.col("abbreviation")
        if "abbreviation" in cells.columns
        else pl.col(name).cast(pl.Utf8).str.replace_all(r"[^A-Za-z]", "").str.slice(0, 3).str.to_uppercase()
    )
    return cells.select(
        pl.col(code).alias(f"{HELPER_PREFIX}code"),
        pl.col(name).alias(f"{HELPER_PREFIX}cell_name"),
        pl.col("q").cast(pl.Int64),
        pl.col("r").cast(pl.Int64),
        label.alias(f"{HELPER_PREFIX}label"),
    )


def _hexagon(q: int, r: int) -> list[list[float]]:
    """Pointy-top hexagon around the centre of cell (q, r) in an odd-r layout (odd rows shifted right)."""
    cx = q + (0.5 if r % 2 else 0.0)
    cy = r * math.sqrt(3) / 2
    radius = 1 / math.sqrt(3)  # circumradius for unit horizontal spacing
    ring = [
        [round(cx + radius * math.cos(math.radians(a)), 6), round(cy + radius * math.sin(math.radians(a)), 6)]
        for a in (90, 150, 210, 270, 330, 30)
    ]
    return ring + [ring[0]]


def hex_map(
    frame: Any,
    *,
    value: str = "value",
    code: str = "current_la_code",
    name: str = "current_la_name",
    title: str,
    subtitle: str | Sequence[str] | None = None,
    value_title: str | None = None,
    value_format: str | None = None,
    cells: Any | None = None,
    dataset: str | None = None,
    classes: int = 5,
    width: int = 460,
    height: int = 560,
) -> alt.LayerChart:
    """A hex tile map of councils (one cell each, odd-r layout from the published councils dataset),
    coloured in `classes` equal-interval bands; councils without a value are grey ("no data")."""
    frame = _frame(frame)
    dataset = _dataset(frame, dataset)
    _need(frame, value, code, name)
    value_title = _axis_title(frame, value_title, "value_title", dataset)
    value_format = _format_for(frame, value, value_format)
    if frame[code].is_null().any():
        raise ChartError(f"hex_map: rows without {code}; filter to council rows")
    if frame[code].is_duplicated().any():
        raise ChartError(f"hex_map needs one row per council; {code} repeats")
    grid = _hex_cells(cells)
    cell_code = f"{HELPER_PREFIX}code"
    unmatched = sorted(set(frame[code].to_list()) - set(grid[cell_code].to_list()))
    if unmatched:
        raise ChartError(f"councils with no hex cell: {unmatched}")
    padding = f"{HELPER_PREFIX}padding"
    label, href = f"{HELPER_PREFIX}label", f"{HELPER_PREFIX}href"
    centre_x, centre_y = f"{HELPER_PREFIX}cx", f"{HELPER_PREFIX}cy"
    empty = grid.filter(~pl.col(cell_code).is_in(frame[code].to_list()))
    merged = pl.concat(
        [
            frame.with_columns(
                pl.col(code).alias(cell_code),
                pl.col(name).alias(f"{HELPER_PREFIX}name"),
                pl.lit(False).alias(padding),
            ),
            empty.select(
                cell_code,
                pl.col(f"{HELPER_PREFIX}cell_name").alias(f"{HELPER_PREFIX}name"),
                pl.lit(True).alias(padding),
            ),
        ],
        how="diagonal_relaxed",
    )
    # every cell's label, centre (for the label) and link to its council page (councils/<GSS code>.html)
    placed = grid.select(
        cell_code,
        label,
        (pl.col("q") + (pl.col("r") % 2) * 0.5).cast(pl.Float64).alias(centre_x),
        (pl.col("r") * math.sqrt(3) / 2).alias(centre_y),
    )
    merged = merged.join(placed, on=cell_code, how="left").with_columns(
        (pl.lit(f"{ROOT_TOKEN}councils/") + pl.col(cell_code) + pl.lit(".html")).alias(href)
    )
    features = [
        {
            "type": "Feature",
            "id": row[cell_code],
            "geometry": {"type": "Polygon", "coordinates": [_hexagon(row["q"], row["r"])]},
            "properties": {},
        }
        for row in grid.iter_rows(named=True)
    ]
    scale = alt.Scale(type="quantize", range=SEQUENTIAL[-classes:], nice=True, zero=False)
    lookup = {
        "lookup": cell_code,
        "from_": alt.LookupData(data=alt.InlineData(values=features), key="id"),
        "as_": f"{HELPER_PREFIX}geo",
    }
    tooltip = [
        alt.Tooltip(f"{HELPER_PREFIX}name:N", title="Council"),
        alt.Tooltip(f"{value}:Q", title=value_title, format=value_format),
    ]
    # every cell grey first ("no figure", with its own legend entry), then the cells with a value coloured on top
    no_figure = f"{HELPER_PREFIX}no_figure"
    base = (
        alt.Chart()
        .mark_geoshape(stroke="white", strokeWidth=1, cursor="pointer")
        .encode(
            shape=alt.Shape(f"{HELPER_PREFIX}geo:G"),
            fill=alt.Fill(
                f"{no_figure}:N",
                scale=alt.Scale(domain=["No figure"], range=[NO_DATA]),
                legend=alt.Legend(title=None, orient="right", direction="vertical", symbolType="square"),
            ),
            tooltip=tooltip,
            href=alt.Href(f"{href}:N"),
        )
        .transform_calculate(**{no_figure: "'No figure'"})
        .transform_lookup(**lookup)
        .project(type="identity", reflectY=True)
    )
    coloured = (
        alt.Chart()
        .mark_geoshape(stroke="white", strokeWidth=1, cursor="pointer")
        .encode(
            shape=alt.Shape(f"{HELPER_PREFIX}geo:G"),
            color=alt.Color(
                f"{value}:Q",
                title=value_title,
                scale=scale,
                legend=alt.Legend(format=axis_format(value_format), orient="right", direction="vertical"),
            ),
            tooltip=tooltip,
            href=alt.Href(f"{href}:N"),
        )
        .transform_filter(f"isValid(datum['{value}'])")
        .transform_lookup(**lookup)
        .project(type="identity", reflectY=True)
    )
    # each council's abbreviation on its cell: dark on light cells, white on dark ones (the colour of the cell
    # under it, read from the map's colour scale)
    dark_cell = f"isValid(datum['{value}']) && luminance(scale('color', datum['{value}'])) < 0.3"
    labels = (
        alt.Chart()
        .mark_text(fontSize=11, baseline="middle", align="center", cursor="pointer")
        .encode(
            longitude=alt.Longitude(f"{centre_x}:Q"),
            latitude=alt.Latitude(f"{centre_y}:Q"),
            text=alt.Text(f"{label}:N"),
            fill=alt.condition(dark_cell, alt.value("white"), alt.value(TEXT)),
            tooltip=tooltip,
            href=alt.Href(f"{href}:N"),
        )
        .project(type="identity", reflectY=True)
    )
    shapes = [base, coloured, labels]
    return _layered(
        shapes,
        merged,
        title=title,
        subtitle=subtitle,
        width=width,
        height=height,
        kind="hex_map",
        x=name,
        y=value,
        color=None,
        series=None,
        x_title="Council",
        y_title=value_title,
        format=value_format,
        breaks=[],
        value_field=value,
        no_data_note="Grey cells: no figure (suppressed, not published, or no council row).",
        fields=[cell_code, f"{HELPER_PREFIX}name", value, label, href, centre_x, centre_y],
    )


def mark_zero_cells(chart: alt.LayerChart, label: str) -> alt.LayerChart:
    """A hex_map chart with the councils whose value is exactly 0 drawn white with a dark outline and a legend
    entry of their own (`label`, e.g. "No children's home in the area"); councils with no value stay grey."""
    meta = _chart_meta(chart)
    if meta.get("kind") != "hex_map":
        raise ChartError("mark_zero_cells needs a chart made by hex_map")
    value = meta["value_field"]
    lookups = [t for t in chart.layer[0].transform if isinstance(t, alt.LookupTransform)]
    if not lookups:
        raise ChartError("mark_zero_cells: no hexagon lookup found in the hex_map chart")
    helper = f"{HELPER_PREFIX}zero"
    layer = (
        alt.Chart()
        .mark_geoshape(stroke=DARK_GREY, strokeWidth=1.2)
        .encode(
            shape=alt.Shape(f"{HELPER_PREFIX}geo:G"),
            color=alt.Color(
                f"{helper}:N",
                title=None,
                scale=alt.Scale(domain=[label], range=["white"]),
                legend=alt.Legend(orient="right", symbolStrokeColor=DARK_GREY, symbolType="square"),
            ),
            tooltip=[
                alt.Tooltip(f"{HELPER_PREFIX}name:N", title="Council"),
                alt.Tooltip(f"{helper}:N", title=meta.get("y_title") or value),
            ],
        )
        .transform_filter(f"isValid(datum['{value}']) && datum['{value}'] === 0")
        .transform_calculate(**{helper: json.dumps(label)})
        .transform_lookup(lookup=f"{HELPER_PREFIX}code", from_=lookups[0]["from"], as_=f"{HELPER_PREFIX}geo")
        .project(type="identity", reflectY=True)
    )
    marked = chart.copy(deep=False)
    marked.layer = [*chart.layer, layer]
    return marked.resolve_scale(color="independent")


# --------------------------------------------------------------------------------------------------
# Rendering
# --------------------------------------------------------------------------------------------------


def chart_store() -> Path:
    """Where show() writes chart files in the book build: FFH_CHART_STORE, else book/_build/chart-files."""
    return settings.Settings.from_env().chart_store


@dataclass
class Rendered:
    """What show() produced: the page HTML and the files written to the chart store."""

    name: str
    html: str
    files: dict[str, Path]
    spec: dict[str, Any]
    export_spec: dict[str, Any]
    table: pl.DataFrame
    citation: str
    source: str
    extra: dict[str, Any] = field(default_factory=dict)

    def _repr_html_(self) -> str:  # display(rendered) in a notebook
        return self.html


def _title_parts(chart: Any) -> tuple[str, list[str]]:
    title = getattr(chart, "title", alt.Undefined)
    if title is alt.Undefined or title is None:
        raise ChartError("every chart needs a title that states the finding")
    if isinstance(title, str):
        return title, []
    text = title.text
    text = " ".join(text) if isinstance(text, list) else str(text)
    subtitle = title.subtitle if title.subtitle is not alt.Undefined else []
    subtitle = [subtitle] if isinstance(subtitle, str) else list(subtitle)
    _require_title(text)
    return text, subtitle


def _chart_meta(chart: Any) -> dict[str, Any]:
    meta = getattr(chart, "usermeta", alt.Undefined)
    if meta is alt.Undefined or "ffh" not in meta:
        raise ChartError(
            "show() needs a chart made by analysis.charts (line, bar, ranked_bar, scatter, hex_map)"
        )
    return dict(meta["ffh"])


def _chart_frame(chart: Any) -> pl.DataFrame:
    """The chart's own rows (without the empty map cells hex_map adds)."""
    frame = chart.data
    if not isinstance(frame, pl.DataFrame):
        raise ChartError("the chart's data must be a polars frame from analysis.data.load()")
    padding = f"{HELPER_PREFIX}padding"
    if padding in frame.columns:
        frame = frame.filter(~pl.col(padding))
    return frame


def _strip_helpers(frame: pl.DataFrame) -> pl.DataFrame:
    return frame.select([c for c in frame.columns if not c.startswith(HELPER_PREFIX)])


def _ees_order(frame: pl.DataFrame) -> pl.DataFrame:
    first = [c for c in layout.EES_GEOGRAPHY_COLUMNS + layout.CURRENT_LA_COLUMNS if c in frame.columns]
    last = [c for c in layout.PROVENANCE_COLUMNS if c in frame.columns]
    middle = [c for c in frame.columns if c not in first and c not in last]
    return frame.select(first + middle + last)


def _format_value(value: Any, spec: str) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    if spec in ("d", ",d"):
        spec = spec.replace("d", ".0f")
    try:
        return format(value, spec)
    except (ValueError, TypeError):
        return str(value)


def _cell(value: Any, note: Any, spec: str) -> str:
    if value is None:
        return f"no figure: {note}" if note else "no figure"
    return _format_value(value, spec)


def table_frame(chart: Any, frame: pl.DataFrame | None = None) -> pl.DataFrame:
    """The chart's numbers as a display table (text cells), one column per series for trend charts."""
    meta = _chart_meta(chart)
    frame = frame if frame is not None else _chart_frame(chart)
    kind, fmt = meta["kind"], meta["format"]
    value_field = {"ranked_bar": meta["x"]}.get(kind, meta["y"])
    note_col = "value_note" if "value_note" in frame.columns and value_field == "value" else None
    notes = frame[note_col].to_list() if note_col else [None] * frame.height
    if kind in ("line", "bar"):
        x, y, series = meta["x"], meta["y"], meta.get("series")
        x_fmt = meta.get("x_format")
        shown = frame.with_columns(
            pl.Series(
                f"{HELPER_PREFIX}cell",
                [_cell(v, n, fmt) for v, n in zip(frame[y].to_list(), notes, strict=True)],
            ),
            pl.Series(
                f"{HELPER_PREFIX}x",
                [_format_value(v, x_fmt) if x_fmt else str(v) for v in frame[x].to_list()],
            ),
        )
        if series:
            if shown.select(x, series).is_duplicated().any():
                raise ChartError(
                    f"more than one row per ({x}, series): filter the frame to what the chart shows"
                )
            order = list(dict.fromkeys(shown.sort(series)[series].to_list()))
            wide = shown.sort(x).pivot(
                on=series,
                index=f"{HELPER_PREFIX}x",
                values=f"{HELPER_PREFIX}cell",
                aggregate_function=None,
                sort_columns=False,
            )
            wide = wide.select([f"{HELPER_PREFIX}x"] + order).with_columns(
                pl.all().fill_null("not in this series")
            )
            return wide.rename({f"{HELPER_PREFIX}x": meta["x_title"]})
        if shown[x].is_duplicated().any():
            raise ChartError(f"more than one row per {x}: filter the frame to what the chart shows")
        return shown.sort(x).select(
            pl.col(f"{HELPER_PREFIX}x").alias(meta["x_title"]),
            pl.col(f"{HELPER_PREFIX}cell").alias(meta["y_title"]),
        )
    if kind == "ranked_bar":
        cat, value = meta["y"], meta["x"]
        shown = frame.with_columns(
            pl.Series(
                f"{HELPER_PREFIX}cell",
                [_cell(v, n, fmt) for v, n in zip(frame[value].to_list(), notes, strict=True)],
            )
        )
        shown = shown.sort(value, descending=meta.get("descending", True), nulls_last=True)
        return shown.select(
            pl.col(cat).alias(meta["y_title"]), pl.col(f"{HELPER_PREFIX}cell").alias(meta["x_title"])
        )
    if kind == "hex_map":
        # every cell of the map, including councils with no row in the data (drawn grey)
        value = meta["y"]
        full = chart.data if isinstance(chart.data, pl.DataFrame) else frame
        padding = (
            full[f"{HELPER_PREFIX}padding"].to_list()
            if f"{HELPER_PREFIX}padding" in full.columns
            else [False] * full.height
        )
        notes = full["value_note"].to_list() if note_col else [None] * full.height
        cells = [
            "no figure: no row in the published data" if pad else _cell(v, n, fmt)
            for v, n, pad in zip(full[value].to_list(), notes, padding, strict=True)
        ]
        shown = full.with_columns(pl.Series(f"{HELPER_PREFIX}cell", cells))
        return shown.sort(f"{HELPER_PREFIX}name").select(
            pl.col(f"{HELPER_PREFIX}name").alias("Council"),
            pl.col(f"{HELPER_PREFIX}cell").alias(meta["y_title"]),
        )
    if kind == "scatter":
        label, x, y = meta["label"], meta["x"], meta["y"]
        cols = [pl.col(label).alias("Area")]
        if meta.get("series"):
            cols.append(pl.col(meta["series"]).alias(meta["color_title"]))
        cols += [
            pl.col(x)
            .map_elements(lambda v: _format_value(v, meta["x_format"]), return_dtype=pl.Utf8)
            .alias(meta["x_title"]),
            pl.col(y)
            .map_elements(lambda v: _format_value(v, fmt), return_dtype=pl.Utf8)
            .alias(meta["y_title"]),
        ]
        return frame.sort(label).select(cols).with_columns(pl.all().fill_null("no figure"))
    raise ChartError(f"unknown chart kind {kind!r}")


def _html_table(table: pl.DataFrame, caption: str) -> str:
    head = "".join(f'<th scope="col">{html.escape(str(c))}</th>' for c in table.columns)
    rows = []
    for row in table.iter_rows():
        first, *rest = row
        cells = f'<th scope="row">{html.escape(str(first))}</th>' + "".join(
            f'<td class="ffh-num">{html.escape(str(v))}</td>' for v in rest
        )
        rows.append(f"<tr>{cells}</tr>")
    return (
        f'<div class="ffh-table-scroll" role="region" tabindex="0" aria-label="{html.escape(caption)}">'
        f'<table class="ffh-data-table"><caption>{html.escape(caption)}</caption>'
        f"<thead><tr>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table></div>"
    )


def _wrap(text: str, width: int) -> list[str]:
    chars = max(40, int(width / 6.2))
    return textwrap.wrap(text, chars) or [text]


def _export_spec(
    chart: Any,
    frame: pl.DataFrame,
    title: str,
    subtitle: list[str],
    source: str,
    notes: list[str],
    alt_text: str,
    width: int,
) -> dict[str, Any]:
    inner = chart.copy(deep=False)
    inner.usermeta = alt.Undefined
    footer = _wrap(source, width) + [line for note in notes for line in _wrap(note, width)]
    footer.append("Far from home: open data on children in care. Licence: Open Government Licence v3.0.")
    inner.title = alt.TitleParams(
        text=footer,
        orient="bottom",
        anchor="start",
        fontSize=11,
        fontWeight="normal",
        color=DARK_GREY,
        offset=18,
    )
    top = alt.TitleParams(text=_wrap(title, width + 80), subtitle=subtitle or alt.Undefined)
    spec = alt.vconcat(inner, title=top, description=alt_text).configure(**CONFIG).to_dict()
    return _without_links(spec)


def _without_links(spec: Any) -> Any:
    """The spec without `href` encodings (hex map cells link to council pages on the site only)."""
    if isinstance(spec, dict):
        return {
            k: _without_links(v)
            for k, v in spec.items()
            if not (k == "href" and isinstance(v, dict) and "field" in v)
        }
    if isinstance(spec, list):
        return [_without_links(v) for v in spec]
    return spec


def _page_spec(chart: Any, alt_text: str) -> dict[str, Any]:
    """The Vega-Lite spec the page draws (the wide layout), without its title (the page shows it as text)."""
    inner = chart.copy(deep=False)
    inner.usermeta = alt.Undefined
    inner.title = alt.Undefined
    inner.description = alt_text
    spec = inner.configure(**CONFIG).to_dict()
    spec.pop("$schema", None)  # the page names no other host (page_payload compiles it to Vega)
    return spec


# --------------------------------------------------------------------------------------------------
# Page layout. ffh.js draws every chart at the width of its column (Vega-Lite autosize "fit-x"), never
# scaled down, so its text keeps its size. Below NARROW_BELOW px it draws the narrow layout made here:
# axis titles horizontal above the plot and wrapped, legends above, vertical bars turned sideways, ranked
# bars labelled above each bar, map legends above the map (and the map as tall as its width allows).
# --------------------------------------------------------------------------------------------------

NARROW_BELOW = 560  # px of chart width
NARROW_TITLE_CHARS = 36  # characters per line of an axis or legend title in the narrow layout
NARROW_LABEL_LIMIT = 300  # px: a longer legend label or bar name is cut with an ellipsis
NARROW_LINE_HEIGHT = 300  # px: line charts
NARROW_SCATTER_HEIGHT = 340  # px: scatter charts
NARROW_BAR = 17  # px: a horizontal bar in the narrow layout
NARROW_ROW = NARROW_BAR + 20  # px: one row = a name above its bar
NARROW_GROUPED_STEP = 16  # px per bar of a grouped bar chart turned sideways
WIDE_ALLOWANCE = 260  # px a chart may grow beyond its plot width when its column is wide
NARROW_HINTS = {
    "line": "Tap or hover over a point to show its figures here.",
    "bar": "Tap or hover over a bar to show its figures here.",
    "ranked_bar": "Tap or hover over a bar to show its figures here.",
    "scatter": "Tap or hover over a point to show its figures here.",
    "hex_map": "Tap or hover over a council to show its figures here.",
}


LEGEND_CHANNELS = ("color", "fill", "stroke", "shape", "size", "opacity", "strokeDash")


def _units(spec: dict[str, Any]) -> list[dict[str, Any]]:
    """Every single view (a spec with a mark) of a layered spec, depth first."""
    found = [spec] if "mark" in spec else []
    for child in spec.get("layer", []):
        found += _units(child)
    return found


def _mark_type(unit: dict[str, Any]) -> str:
    mark = unit.get("mark")
    return mark.get("type", "") if isinstance(mark, dict) else str(mark or "")


def _wrapped(title: Any, chars: int = NARROW_TITLE_CHARS) -> Any:
    """A long title as lines (Vega draws a list of strings as lines)."""
    if isinstance(title, str) and len(title) > chars:
        return textwrap.wrap(title, chars)
    return title


def _rows(spec: dict[str, Any], unit: dict[str, Any]) -> list[dict[str, Any]]:
    data = unit.get("data") or spec.get("data") or {}
    if "values" in data:
        return list(data["values"])
    return list(spec.get("datasets", {}).get(data.get("name", ""), []))


def _narrow_titles(spec: dict[str, Any], *, y_on_top: bool) -> None:
    """Wrap axis and legend titles; lay the y axis title horizontally above the plot, under the legends."""
    title_lines = 0
    for unit in _units(spec):
        encoding = unit.get("encoding", {})
        for channel, definition in encoding.items():
            if not isinstance(definition, dict):
                continue
            if "title" in definition:
                definition["title"] = _wrapped(definition["title"])
            for part in ("axis", "legend"):
                if isinstance(definition.get(part), dict) and "title" in definition[part]:
                    definition[part]["title"] = _wrapped(definition[part]["title"])
            if (
                "field" in definition
                and channel in LEGEND_CHANNELS
                and definition.get("legend", {}) is not None
            ):
                legend = definition.setdefault("legend", {})
                # legends sit above the plot: their labels may run its whole width (then an ellipsis)
                legend.update(orient="top", labelLimit={"expr": "width - 24"})
            if channel == "y" and y_on_top and "field" in definition and definition.get("axis") is not None:
                axis = definition.setdefault("axis", {})
                if axis.get("title", definition.get("title")) is None:
                    continue
                title = axis.get("title", definition.get("title"))
                lines = len(title) if isinstance(title, list) else 1
                title_lines = max(title_lines, lines)
                axis.update(
                    titleAngle=0,
                    titleAlign="left",
                    titleAnchor="end",
                    titleBaseline="bottom",
                    titleY=-10 - 16 * (lines - 1),
                )
    legend = dict(spec.get("config", {}).get("legend", {}))
    legend.update(orient="top", direction="vertical", labelLimit=NARROW_LABEL_LIMIT)
    if title_lines:  # clear of the y axis title above the plot
        legend["offset"] = 14 + 16 * title_lines
    spec.setdefault("config", {})["legend"] = legend


NARROW_NAME_GAP = 20  # px above each bar (or group of bars) for its name


def _labels_above_bars(
    spec: dict[str, Any], bars: list[dict[str, Any]], band: float, *, one_per_category: bool = False
) -> None:
    """Horizontal bars with each category's name written above its bar (or group of bars, `band` px high)
    across the plot's width, instead of beside it, where a narrow plot leaves names no room."""
    y = bars[0]["encoding"]["y"]
    gap = NARROW_NAME_GAP / (band + NARROW_NAME_GAP)  # of the step: the gap above each band
    for unit in bars:
        position = unit["encoding"]["y"]
        position["axis"] = {"labels": False, "ticks": False, "domain": False, "title": None}
        position["title"] = None
        position["scale"] = {
            **position.get("scale", {}),
            "paddingInner": round(gap, 3),
            "paddingOuter": round(gap, 3),
        }
    label: dict[str, Any] = {
        "mark": {
            "type": "text",
            "align": "left",
            "baseline": "bottom",
            "dy": -3,
            "fontSize": 12,
            "limit": {"expr": "width"},  # the plot's width: a longer name is cut with an ellipsis
            "color": TEXT,
        },
        "encoding": {
            # the top of the category's band: the name sits in the gap above its bar(s)
            "y": {**{k: v for k, v in y.items() if k in ("field", "type", "sort")}, "bandPosition": 0},
            "x": {"value": 0},
            "text": {"field": y["field"], "type": y.get("type", "nominal")},
        },
    }
    for key in ("data", "transform"):
        if key in bars[0]:
            label[key] = list(bars[0][key]) if key == "transform" else bars[0][key]
    if one_per_category:  # stacked or grouped bars: several rows a category, its name written once
        label.setdefault("transform", []).extend(
            [
                {"window": [{"op": "row_number", "as": f"{HELPER_PREFIX}name_row"}], "groupby": [y["field"]]},
                {"filter": f"datum.{HELPER_PREFIX}name_row === 1"},
            ]
        )
    spec["layer"].append(label)


def _narrow_ranked_bar(spec: dict[str, Any]) -> None:
    """One row per area: its name above its bar (names are never cut short beside a narrow plot)."""
    units = _units(spec)
    bars = [
        u
        for u in units
        if _mark_type(u) == "bar" and u.get("encoding", {}).get("y", {}).get("type") == "nominal"
    ]
    if not bars:
        return
    old_height = spec.get("height")
    spec["height"] = {"step": NARROW_ROW}
    for unit in units:  # e.g. the reference line's label, placed under the last bar
        position = unit.get("encoding", {}).get("y", {})
        if "value" in position and position["value"] == old_height:
            position["value"] = "height"
    _labels_above_bars(spec, bars, band=NARROW_BAR)


def _narrow_bar(spec: dict[str, Any]) -> bool:
    """Vertical bars turned sideways: one row per category (grouped: its bars one under another), its name
    above the row."""
    units = _units(spec)
    if not units or any(_mark_type(u) != "bar" for u in units):
        return False
    encodings = [u.get("encoding", {}) for u in units]
    if any(
        e.get("x", {}).get("type") not in ("ordinal", "nominal")
        or e.get("y", {}).get("type") != "quantitative"
        for e in encodings
    ):
        return False
    bars_per_row = 1
    for unit, encoding in zip(units, encodings, strict=True):
        x, y = encoding.pop("x"), encoding.pop("y")
        encoding["x"], encoding["y"] = y, x
        if "xOffset" in encoding:
            encoding["yOffset"] = encoding.pop("xOffset")
            field_name = encoding["yOffset"].get("field")
            bars_per_row = max(bars_per_row, len({r.get(field_name) for r in _rows(spec, unit)}))
    if bars_per_row > 1:  # grouped: each category's bars one under another
        spec["height"] = {"step": NARROW_GROUPED_STEP, "for": "offset"}
        _labels_above_bars(spec, units, band=bars_per_row * NARROW_GROUPED_STEP, one_per_category=True)
    else:
        spec["height"] = {"step": NARROW_ROW}
        _labels_above_bars(spec, units, band=NARROW_BAR, one_per_category=True)
    return True


def _narrow_spec(spec: dict[str, Any], kind: str) -> dict[str, Any]:
    """The chart's narrow layout (a copy of the page spec without its data, which the page shares)."""
    narrow = json.loads(json.dumps({k: v for k, v in spec.items() if k != "datasets"}))
    narrow["datasets"] = spec.get("datasets", {})
    if kind == "ranked_bar":
        _narrow_ranked_bar(narrow)
    elif kind == "bar":
        _narrow_bar(narrow)
    elif kind == "line":
        if isinstance(narrow.get("height"), int | float):
            narrow["height"] = min(narrow["height"], NARROW_LINE_HEIGHT)
        for unit in _units(
            narrow
        ):  # a definition break's label: one word (the note under the chart explains)
            encoding = unit.get("encoding", {})
            if (
                _mark_type(unit) == "text"
                and encoding.get("x", {}).get("field") == "at"
                and encoding.get("text", {}).get("field") == "label"
            ):
                encoding["text"] = {"value": "Break"}
    elif kind == "scatter" and isinstance(narrow.get("height"), int | float):
        narrow["height"] = min(narrow["height"], NARROW_SCATTER_HEIGHT)
    _narrow_titles(narrow, y_on_top=kind != "hex_map")
    if kind == "hex_map":
        for unit in _units(narrow):
            for definition in unit.get("encoding", {}).values():
                if isinstance(definition, dict) and isinstance(definition.get("legend"), dict):
                    definition["legend"].update(direction="horizontal", gradientLength=240)
    narrow.pop("datasets")
    return narrow


def _vega(spec: dict[str, Any], *, narrow: bool = False) -> dict[str, Any]:
    """A layout compiled to Vega, fitted to its width (ffh.js sets the width of the page's column), with its
    inline data left out (the page holds each dataset once; ffh.js puts it back by name). The narrow layout
    stacks its legends one above another (Vega's legend layout; Vega-Lite has no such setting)."""
    import vl_convert as vlc

    compiled = vlc.vegalite_to_vega({**spec, "autosize": {"type": "fit-x", "contains": "padding"}})
    if narrow:
        legend = compiled.setdefault("config", {}).setdefault("legend", {})
        legend["layout"] = {"top": {"anchor": "start", "direction": "vertical", "margin": 10}}
    shared = spec.get("datasets", {})
    for entry in compiled.get("data", []):
        if entry.get("name") in shared and "values" in entry:
            del entry["values"]
    compiled.pop("$schema", None)
    return compiled


def page_payload(spec: dict[str, Any], kind: str, narrow: dict[str, Any] | None = None) -> dict[str, Any]:
    """What ffh.js draws: the shared data, the wide and narrow layouts (compiled to Vega, so the page needs
    only the Vega runtime) and how to size them."""
    width = spec.get("width") if isinstance(spec.get("width"), int | float) else WIDTH
    height = spec.get("height")
    layout: dict[str, Any] = {
        "narrowBelow": NARROW_BELOW,
        "maxWidth": int(width) + WIDE_ALLOWANCE,
        "hint": NARROW_HINTS.get(kind, "Tap or hover over the chart to show its figures here."),
    }
    if kind == "hex_map" and isinstance(height, int | float):
        layout["aspect"] = round(height / width, 4)  # the map keeps its shape at any width
    narrow = {**(narrow or _narrow_spec(spec, kind)), "datasets": spec.get("datasets", {})}
    return {
        "datasets": spec.get("datasets", {}),
        "wide": _vega(spec),
        "narrow": _vega(narrow, narrow=True),
        "layout": layout,
    }


def _project(chart: Any, fields: list[str]) -> Any:
    """The chart with only the columns it draws (keeps the page small; the CSV has every column)."""
    projected = chart.copy(deep=False)
    projected.data = chart.data.select([f for f in dict.fromkeys(fields) if f in chart.data.columns])
    return projected


def _atomic_write(path: Path, content: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    tmp.write_bytes(content)
    os.replace(tmp, path)


def citation_text(title: str, source: str, data_date: date, year: int | None = None) -> str:
    """The citation's text up to the page URL (the page title is filled in by the site build)."""
    year = year or date.today().year
    return (
        f"Far from home ({year}). \u201c{title}\u201d [chart]. In: {PAGE_TITLE_TOKEN}. {source} "
        f"Source files retrieved on {text.day(data_date)}. Available at: "
    )


def render(
    chart: Any,
    *,
    name: str,
    alt: str,
    data: pl.DataFrame | None = None,
    source: str | None = None,
    notes: Sequence[str] = (),
    store: Path | None = None,
) -> Rendered:
    """Write the chart's files (CSV, PNG, SVG) and return its page HTML. See show()."""
    import vl_convert as vlc

    from analysis import data as data_module

    if not NAME_PATTERN.match(name or ""):
        raise ChartError(f"chart name {name!r}: use lower-case words joined by hyphens, unique in the book")
    if not alt or len(alt.strip()) < 30:
        raise ChartError("alt text: describe what the chart shows and its main numbers (at least a sentence)")
    title, subtitle = _title_parts(chart)
    meta = _chart_meta(chart)
    chart_frame = _chart_frame(chart)
    frame = _strip_helpers(chart_frame)
    if data is not None:
        if (
            not isinstance(data, pl.DataFrame)
            or not data.equals(frame.select(data.columns))
            or set(data.columns) != set(frame.columns)
        ):
            raise ChartError(
                "data= must be the frame the chart was built from (the CSV must be the chart's numbers)"
            )
        frame = data
    missing = [c for c in REQUIRED_COLUMNS if c not in frame.columns]
    if missing:
        raise ChartError(
            f"the chart's frame lacks EES/provenance columns {missing}: keep them when filtering"
        )
    # under the chart: one short line (publisher, publication, releases); the citation and the downloaded
    # PNG/SVG keep the full list of releases and the years each supplies (the CSV has them row by row)
    short_source = source or data_module.short_source_line(frame)
    source = source or data_module.source_line(frame)
    data_date = data_module.last_refreshed(sorted(frame["source_id"].unique().drop_nulls().to_list()))
    break_notes = [
        f"Break in the series from {b['at']:g}: {' '.join(b['label'].split())}"
        for b in meta.get("breaks", [])
    ]
    if meta.get("no_data_note"):
        break_notes.append(meta["no_data_note"])
    all_notes = list(break_notes) + list(notes)

    width = int(chart.width) if isinstance(chart.width, int | float) else WIDTH
    projected = _project(chart, meta["fields"])
    page_spec = _page_spec(projected, alt)
    narrow_spec = _narrow_spec(page_spec, meta["kind"])
    payload = page_payload(page_spec, meta["kind"], narrow_spec)
    export_spec = _export_spec(projected, frame, title, subtitle, source, all_notes, alt, width)
    table = table_frame(chart, chart_frame)

    store = store or chart_store()
    csv_frame = _ees_order(frame)
    files = {
        "csv": store / f"{name}.csv",
        "png": store / f"{name}.png",
        "svg": store / f"{name}.svg",
    }
    _atomic_write(files["csv"], csv_text(csv_frame).encode("utf-8"))
    _atomic_write(files["svg"], vlc.vegalite_to_svg(export_spec).encode("utf-8"))
    _atomic_write(files["png"], vlc.vegalite_to_png(export_spec, scale=2))
    citation = citation_text(title, source, data_date)

    ident = f"chart-{name}"
    spec_json = json.dumps(payload, ensure_ascii=False, separators=(",", ":")).replace("</", "<\\/")
    url = f"{ROOT_TOKEN}{CHART_URL_PREFIX}{name}"
    esc = html.escape
    subtitle_html = "".join(f'<p class="ffh-chart-subtitle">{esc(s)}</p>' for s in subtitle)
    notes_html = "".join(f'<p class="ffh-chart-note">{_note_html(n)}</p>' for n in all_notes)
    page = f"""<figure class="ffh-figure" id="{ident}" data-ffh-chart="{esc(name)}" data-ffh-kind="{esc(meta["kind"])}" aria-labelledby="{ident}-title" aria-describedby="{ident}-desc">
<figcaption class="ffh-figure-head"><p class="ffh-chart-title" id="{ident}-title">{esc(title)}</p>{subtitle_html}</figcaption>
<div class="ffh-chart" data-ffh-spec="{ident}-spec"><script type="application/json" id="{ident}-spec">{spec_json}</script><noscript><img src="{url}.svg" alt="{esc(alt)}"></noscript></div>
<p class="ffh-source">{esc(short_source)}</p>
{notes_html}<p class="ffh-alt" id="{ident}-desc"><span class="ffh-label">Chart description:</span> {esc(alt)}</p>
<details class="ffh-table"><summary>Show the numbers in this chart as a table</summary>
{_html_table(table, f"{title}. {short_source}")}
</details>
<ul class="ffh-downloads" aria-label="Downloads for this chart">
<li><a href="{url}.csv" download="{esc(name)}.csv" type="text/csv">Download the data (CSV, {frame.height} rows)</a></li>
<li><a href="{url}.png" download="{esc(name)}.png" type="image/png">Download the chart (PNG)</a></li>
<li><a href="{url}.svg" download="{esc(name)}.svg" type="image/svg+xml">Download the chart (SVG)</a></li>
</ul>
<details class="ffh-cite"><summary>Cite this chart</summary>
<p class="ffh-citation" id="{ident}-citation">{esc(citation)}<span class="ffh-page-url">{PAGE_URL_TOKEN}#{ident}</span> (accessed: <span class="ffh-accessed">the date you read this page</span>).</p>
<button type="button" class="ffh-copy" data-ffh-copy="{ident}-citation">Copy citation</button>
</details>
</figure>"""
    return Rendered(
        name=name,
        html=page,
        files=files,
        spec=page_spec,
        export_spec=export_spec,
        table=table,
        citation=citation,
        source=source,
        extra={"data_date": data_date, "short_source": short_source, "narrow_spec": narrow_spec},
    )


def show(
    chart: Any,
    *,
    name: str,
    alt: str,
    data: pl.DataFrame | None = None,
    source: str | None = None,
    notes: Sequence[str] = (),
) -> None:
    """Render a chart into the page (title, chart, source, notes, description, table, downloads, citation).

    name: unique slug in the book (files: _static/charts/<name>.csv/.png/.svg); alt: text description of
    what the chart shows; data: the frame the chart was built from (default: the chart's own frame);
    source: override the source (default: data.short_source_line(frame) under the chart and the full
    data.source_line(frame) in the citation and the PNG/SVG); notes: extra notes under the chart.
    """
    from IPython.display import HTML, SVG, display

    if not settings.Settings.from_env().book_build:
        # plain Jupyter: the chart as an image, with its title, source and notes; nothing is written
        display(SVG(notebook_svg(chart, alt=alt, data=data, source=source, notes=notes)))
        return
    rendered = render(chart, name=name, alt=alt, data=data, source=source, notes=notes)
    display(HTML(rendered.html))


def notebook_svg(
    chart: Any,
    *,
    alt: str,
    data: pl.DataFrame | None = None,
    source: str | None = None,
    notes: Sequence[str] = (),
) -> str:
    """The chart as the SVG a notebook shows (title, chart, source line and notes), written nowhere."""
    import vl_convert as vlc

    from analysis import data as data_module

    title, subtitle = _title_parts(chart)
    meta = _chart_meta(chart)
    frame = _strip_helpers(_chart_frame(chart)) if data is None else data
    source = source or data_module.source_line(frame)
    notes = [
        f"Break in the series from {b['at']:g}: {' '.join(b['label'].split())}"
        for b in meta.get("breaks", [])
    ] + list(notes)
    width = int(chart.width) if isinstance(chart.width, int | float) else WIDTH
    spec = _export_spec(_project(chart, meta["fields"]), frame, title, subtitle, source, notes, alt, width)
    return vlc.vegalite_to_svg(spec)


# --------------------------------------------------------------------------------------------------
# Notebook renderer: a bare `chart` in a notebook draws with the local Vega bundle (no CDN). In the book
# build (FFH_BOOK_BUILD=1) a bare chart is an error: charts must go through show().
# --------------------------------------------------------------------------------------------------


def _renderer(spec: dict, **kwargs: Any) -> dict[str, str]:
    if settings.Settings.from_env().book_build:
        raise ChartError("in the book, display charts with charts.show(chart, name=..., alt=...)")
    import vl_convert as vlc

    return {"image/svg+xml": vlc.vegalite_to_svg(spec), "text/plain": "<Altair chart rendered offline>"}


alt.renderers.register("ffh", _renderer)
alt.renderers.enable("ffh")
alt.data_transformers.disable_max_rows()
