"""analysis.charts and analysis.data on the fixture data folder (tests/fixtures/book/data, made-up numbers)."""

from __future__ import annotations

import csv
import io
import json
import re
import xml.etree.ElementTree as ElementTree
from html.parser import HTMLParser
from pathlib import Path

import polars as pl
import pytest

from analysis import charts, csv_writer, data, text
from analysis.manifest import MANIFEST_COLUMNS, load_sources

FIXTURE = Path(__file__).resolve().parent / "fixtures" / "book"


@pytest.fixture(autouse=True)
def fixture_data(monkeypatch, tmp_path):
    monkeypatch.setenv("FFH_DATA_DIR", str(FIXTURE / "data"))
    monkeypatch.setenv("FFH_CHART_STORE", str(tmp_path / "store"))
    return tmp_path / "store"


def missing_chart():
    frame = data.load("fixture_missing")
    chart = charts.line(
        frame,
        color="measure",
        title="Children recorded missing rose after 2015",
        y_title="Children (number)",
        breaks=[charts.Break(2015, "Definition changed")],
    )
    return frame, chart


ALT = "Line chart: children missing more than 24 hours, 2011 to 2014, then children who went missing, 2015 to 2024."


class _Tables(HTMLParser):
    """Collects table captions, header cells (with scope) and data cells."""

    def __init__(self):
        super().__init__()
        self.captions, self.headers, self.cells, self.links = [], [], [], []
        self._where = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag in ("caption", "th", "td"):
            self._where = (tag, attrs.get("scope"))
            self._text = ""
        if tag == "a":
            self.links.append(attrs)

    def handle_data(self, text):
        if self._where:
            self._text += text

    def handle_endtag(self, tag):
        if self._where and tag == self._where[0]:
            kind, scope = self._where
            {"caption": self.captions, "th": self.headers, "td": self.cells}[kind].append(
                (self._text.strip(), scope) if kind == "th" else self._text.strip()
            )
            self._where = None


# -------------------------------------------------------------------------------- analysis.data


def test_load_uses_datapackage_dtypes_and_keeps_codes_as_text():
    frame = data.load("fixture_placements")
    assert frame.schema["time_period"] == pl.Int64
    assert frame.schema["value"] == pl.Int64
    assert frame.schema["old_la_code"] == pl.Utf8
    assert frame.filter(pl.col("la_name") == "Greywater", pl.col("measure") == "fixture_placed_outside_la")[
        "value"
    ].to_list() == [None]


def test_missing_dataset_fails_loudly():
    with pytest.raises(data.DataNotPublished, match="no_such_dataset.*make data"):
        data.load("no_such_dataset")


def test_measure_labels_units_and_ambiguous_ids(tmp_path, monkeypatch):
    assert data.measure_label("fixture_placed_outside_la") == "Placed outside their council (fixture)"
    with pytest.raises(KeyError):
        data.measure_label("nope")
    (tmp_path / "reference").mkdir()
    (tmp_path / "reference" / "measures.csv").write_text(
        "measure,dataset,label,unit,definition,definition_break_note\n"
        "incidents,a,Incidents A,incidents,,\nincidents,b,Incidents by placement,incidents,,\n"
    )
    monkeypatch.setenv("FFH_DATA_DIR", str(tmp_path))
    with pytest.raises(KeyError, match="pass dataset="):
        data.measure_label("incidents")
    assert data.measure_label("incidents", "b") == "Incidents by placement"


def test_source_line_names_publisher_release_and_years():
    line = data.source_line(data.load("fixture_missing"))
    assert line == (
        "Source: Fixture Statistics Office, Fixture statistics on children in care (SFR): year ending 31 March "
        "2014 (figures for 2011 to 2014); Fixture Statistics Office, Fixture statistics on children in care "
        "(EES): reporting year 2024 (covers 2015 to 2024) (figures for 2015 to 2024)."
    )


def test_source_line_groups_annual_releases(tmp_path, monkeypatch):
    rows = [",".join(MANIFEST_COLUMNS)] + [
        f"sfr-{y},sfr:cla,{y},year ending 31 March {y},{y},DfE,SFR,,f.csv,sfr/{y}/f.csv,,,OGL,,,,,"
        for y in (2011, 2012, 2013)
    ]
    rows += ["ees-2024,ees:cla,2024,reporting year 2024,2020-2024,DfE,EES,,f.csv,ees/2024/f.csv,,,OGL,,,,,"]
    (tmp_path / "sources.csv").write_text("\n".join(rows) + "\n")
    assert len(load_sources(tmp_path / "sources.csv")) == 4  # a manifest in the real layout
    monkeypatch.setenv("FFH_DATA_DIR", str(tmp_path))
    frame = pl.DataFrame(
        {
            "time_period": [2011, 2012, 2013, 2023, 2024],
            "source_id": ["sfr-2011", "sfr-2012", "sfr-2013", "ees-2024", "ees-2024"],
        }
    )
    assert data.source_line(frame) == (
        "Source: DfE, SFR: releases for the years ending 31 March 2011 to 2013 (each release gives its own year); "
        "DfE, EES: reporting year 2024 (figures for 2023 to 2024)."
    )


def test_short_source_line_names_publisher_publication_and_release_years():
    # one publication without its qualifiers, its two releases by year (the long form lists each in full)
    assert data.short_source_line(data.load("fixture_missing")) == (
        "Source: Fixture Statistics Office, Fixture statistics on children in care, releases 2014 and 2024."
    )
    assert data.short_publication(
        "Children looked after in England including adoptions (SSDA903), statistical first release underlying data"
    ) == ("Children looked after in England including adoptions")
    assert data.short_publication(
        "Children's social care data in England: inspections carried out in year"
    ) == ("Children's social care data in England")


def test_short_source_line_writes_runs_of_releases(tmp_path, monkeypatch):
    from analysis.manifest import MANIFEST_COLUMNS

    def row(source_id, publisher, publication, release, title):
        values = {c: "" for c in MANIFEST_COLUMNS} | {
            "source_id": source_id,
            "publisher": publisher,
            "publication": publication,
            "release": release,
            "release_title": title,
        }
        return ",".join(values.values())

    rows = [",".join(MANIFEST_COLUMNS)]
    rows += [
        row(f"sfr-{y}", "DfE", "CLA (SFR)", str(y), f"year ending 31 March {y}") for y in range(2011, 2018)
    ]
    rows += [row(f"ees-{y}", "DfE", "CLA: EES", str(y), f"reporting year {y} (covers)") for y in (2022, 2024)]
    # Ofsted's flows: the release is the year's end date, the title the financial year
    rows += [
        row(f"lj-{y}", "Ofsted", "Leavers", f"{y + 1}-03-31", f"{y}-{(y + 1) % 100:02d}")
        for y in (2016, 2017, 2018)
    ]
    (tmp_path / "sources.csv").write_text("\n".join(rows) + "\n")
    monkeypatch.setenv("FFH_DATA_DIR", str(tmp_path))
    ids = [f"sfr-{y}" for y in range(2011, 2018)] + ["ees-2022", "ees-2024", "lj-2016", "lj-2017", "lj-2018"]
    frame = pl.DataFrame({"time_period": list(range(2011, 2011 + len(ids))), "source_id": ids})
    assert data.short_source_line(frame) == (
        "Source: DfE, CLA, releases 2011 to 2017, 2022 and 2024; Ofsted, Leavers, releases 2016-17 to 2018-19."
    )


def test_source_line_rejects_unknown_sources():
    frame = data.load("fixture_missing").with_columns(pl.lit("made-up-source").alias("source_id"))
    with pytest.raises(KeyError, match="made-up-source"):
        data.source_line(frame)


def test_last_refreshed_from_provenance():
    assert str(data.last_refreshed()) == "2025-01-03"
    assert str(data.last_refreshed(["fixture-sfr-2014"])) == "2025-01-01"


def test_years():
    assert text.years([2015, 2011, 2012, 2013]) == "2011 to 2013, 2015"


def test_spreadsheet_safe_neutralises_formulas_and_keeps_numbers():
    frame = pl.DataFrame(
        {
            "text": [
                '=HYPERLINK("http://x","click")',
                "-5",
                "+1.5e3",
                "-x",
                "@SUM(A1)",
                "\tTAB",
                "plain",
                None,
            ],
            "n": [-5, 1, 2, 3, 4, 5, 6, 7],
        }
    )
    safe = csv_writer.spreadsheet_safe(frame)
    assert safe["text"].to_list() == [
        '\'=HYPERLINK("http://x","click")',
        "-5",
        "+1.5e3",
        "'-x",
        "'@SUM(A1)",
        "'\tTAB",
        "plain",
        None,
    ]
    assert safe["n"].to_list() == frame["n"].to_list()
    text = csv_writer.csv_text(frame)
    assert text.startswith("\ufefftext,n\n")  # a UTF-8 byte order mark, as every published CSV
    rows = list(csv.reader(io.StringIO(text.removeprefix("\ufeff"))))
    assert rows[1] == ['\'=HYPERLINK("http://x","click")', "-5"]
    assert rows[2][0] == "-5"


# -------------------------------------------------------------------------------- charts: content


def test_line_chart_has_title_axis_units_source_alt_and_break(fixture_data):
    frame, chart = missing_chart()
    rendered = charts.render(chart, name="missing-trend", alt=ALT)
    spec = rendered.export_spec
    assert spec["title"]["text"] == ["Children recorded missing rose after 2015"]
    layer = spec["vconcat"][0]["layer"][0]["encoding"]
    assert layer["y"]["title"] == "Children (number)"
    assert layer["x"]["title"] == "Year (as at or ending 31 March)"
    footer = " ".join(spec["vconcat"][0]["title"]["text"])
    assert "Fixture Statistics Office" in footer and "year ending 31 March 2014" in footer
    assert "Break in the series from 2015: Definition changed" in footer
    assert spec["description"] == ALT
    # the break: a rule between 2014 and 2015, and the two definitions never joined into one line
    rules = [lyr for lyr in spec["vconcat"][0]["layer"] if lyr["mark"]["type"] == "rule"]
    assert rules and rendered.spec["datasets"]
    breaks = [v for values in rendered.spec["datasets"].values() for v in values if "at" in v]
    assert breaks == [{"at": 2014.5, "label": "Definition changed", "from": 2015}]
    assert layer["detail"]["field"] == "_ffh_segment"
    # page HTML: title, description (alt) as visible text and as the figure's description
    page = rendered.html
    assert 'aria-describedby="chart-missing-trend-desc"' in page
    assert f'id="chart-missing-trend-desc"><span class="ffh-label">Chart description:</span> {ALT}' in page
    assert (
        '<p class="ffh-chart-title" id="chart-missing-trend-title">Children recorded missing rose after 2015</p>'
        in page
    )
    assert rendered.spec["description"] == ALT
    assert "$schema" not in rendered.spec


def test_short_source_under_the_chart_full_source_in_the_citation_and_files(fixture_data):
    frame, chart = missing_chart()
    rendered = charts.render(chart, name="missing-trend", alt=ALT)
    short = data.short_source_line(frame)
    under = re.search(r'<p class="ffh-source">(.*?)</p>', rendered.html).group(1)
    assert under == short
    citation = re.search(r'<p class="ffh-citation"[^>]*>(.*?)</p>', rendered.html).group(1)
    assert data.source_line(frame) in citation  # every release and the years it gives
    assert "year ending 31 March 2014" in rendered.files["svg"].read_text()
    rows = list(csv.DictReader(rendered.files["csv"].open()))
    assert {r["source_release"] for r in rows} == set(frame["source_release"].to_list())


def test_axis_labels_drop_trailing_zeros_tooltips_keep_them():
    assert charts.axis_format(".1f") == ".1~f"
    assert charts.axis_format(",.2f") == ",.2~f"
    for kept in (",.0f", "d", "+,d", ".0%", ""):
        assert charts.axis_format(kept) == kept
    frame = data.load("fixture_missing").with_columns(pl.col("value").cast(pl.Float64) / 100)
    spec = charts.line(frame, color="measure", title="Rate", y_title="Rate (%)").to_dict()
    y = spec["layer"][0]["encoding"]["y"]
    assert y["axis"]["format"] == ",.1~f"
    assert [t for t in spec["layer"][0]["encoding"]["tooltip"] if t["field"] == "value"][0][
        "format"
    ] == ",.1f"


def test_ranked_bar_title_sits_above_the_labels(fixture_data):
    frame = data.load("fixture_placements").filter(
        pl.col("geographic_level") == "Local authority", pl.col("measure") == "fixture_placed_outside_la"
    )
    spec = charts.ranked_bar(frame, title="Ranked", value_title="Children (number)").to_dict()
    axis = spec["layer"][0]["encoding"]["y"]["axis"]
    assert axis["titleAngle"] == 0 and axis["titleY"] < 0 and axis["titleAlign"] == "right"


def _payload(rendered):
    return json.loads(
        re.search(r'<script type="application/json"[^>]*>(.*?)</script>', rendered.html).group(1)
    )


def test_page_draws_compiled_vega_in_a_wide_and_a_narrow_layout_sharing_one_copy_of_the_data(fixture_data):
    frame, chart = missing_chart()
    rendered = charts.render(chart, name="missing-trend", alt=ALT)
    payload = _payload(rendered)
    assert set(payload) == {"datasets", "wide", "narrow", "layout"}
    assert payload["layout"]["narrowBelow"] == charts.NARROW_BELOW
    for layout in ("wide", "narrow"):
        vega = payload[layout]
        assert vega["autosize"] == {"type": "fit-x", "contains": "padding"}
        assert "marks" in vega and "$schema" not in vega  # Vega, not Vega-Lite: no compiler in the page
        named = [d for d in vega["data"] if d.get("name") in payload["datasets"]]
        assert named and all("values" not in d for d in named)  # the page holds each dataset once
        assert vega["description"] == ALT
    assert payload["narrow"]["height"] == charts.NARROW_LINE_HEIGHT
    # narrow: the y axis title lies above the plot; the break's label is one word
    narrow_vl = rendered.extra["narrow_spec"]
    y_axis = narrow_vl["layer"][0]["encoding"]["y"]["axis"]
    assert y_axis["titleAngle"] == 0 and y_axis["titleY"] < 0
    texts = [u for u in narrow_vl["layer"] if charts._mark_type(u) == "text"]
    assert texts and texts[0]["encoding"]["text"] == {"value": "Break"}
    assert 'data-ffh-kind="line"' in rendered.html


def test_narrow_bars_run_sideways_with_names_above_them(fixture_data):
    placements = data.load("fixture_placements")
    outside = placements.filter(
        pl.col("geographic_level") == "Local authority", pl.col("measure") == "fixture_placed_outside_la"
    )
    ranked = charts.render(
        charts.ranked_bar(outside, title="Ranked", value_title="Children (number)"),
        name="ranked",
        alt="Bar chart ranking eight made-up councils by children placed outside.",
    )
    layers = ranked.extra["narrow_spec"]["layer"]
    assert layers[0]["encoding"]["y"]["axis"]["labels"] is False
    names = layers[-1]
    assert charts._mark_type(names) == "text" and names["encoding"]["text"]["field"] == "la_name"
    assert names["encoding"]["y"]["bandPosition"] == 0
    homes = data.load("fixture_homes")
    grouped = charts.render(
        charts.bar(homes, color="sector", title="Grouped", y_title="Homes (number)", mode="grouped"),
        name="grouped",
        alt="Grouped bar chart of made-up children's homes by sector and year.",
    )
    narrow = grouped.extra["narrow_spec"]
    encoding = narrow["layer"][0]["encoding"]
    assert encoding["x"]["type"] == "quantitative" and encoding["y"]["field"] == "time_period"
    assert "yOffset" in encoding and "xOffset" not in encoding
    assert narrow["height"] == {"step": charts.NARROW_GROUPED_STEP, "for": "offset"}
    assert grouped.extra["narrow_spec"]["layer"][-1]["encoding"]["text"]["field"] == "time_period"


def test_table_has_caption_scoped_headers_and_every_value(fixture_data):
    frame, chart = missing_chart()
    rendered = charts.render(chart, name="missing-trend", alt=ALT)
    tables = _Tables()
    tables.feed(rendered.html)
    assert tables.captions and tables.captions[0].startswith("Children recorded missing rose after 2015")
    scopes = {scope for _, scope in tables.headers}
    assert scopes == {"col", "row"}
    years = [text for text, scope in tables.headers if scope == "row"]
    assert years == [str(y) for y in range(2011, 2025)]
    shown = set(tables.cells)
    for value in frame["value"].to_list():
        assert f"{value:,}" in shown
    assert "not in this series" in shown  # each definition in its own column


def test_suppressed_values_show_their_note_not_zero(fixture_data):
    frame = data.load("fixture_placements").filter(
        pl.col("geographic_level") == "Local authority", pl.col("measure") == "fixture_placed_outside_la"
    )
    chart = charts.ranked_bar(
        frame, title="Harrowgate Fields placed the most children outside", value_title="Children (number)"
    )
    rendered = charts.render(
        chart, name="ranking", alt="Bar chart ranking eight made-up councils by children placed outside."
    )
    table = dict(rendered.table.iter_rows())
    assert table["Greywater"] == "no figure: suppressed (c): confidential, small number"
    assert table["Harrowgate Fields"] == "277"
    assert rendered.table.columns == ["Council", "Children (number)"]


def test_downloads_are_written_and_valid(fixture_data):
    frame, chart = missing_chart()
    rendered = charts.render(chart, name="missing-trend", alt=ALT)
    files = rendered.files
    assert set(files) == {"csv", "png", "svg"}
    assert all(path.parent == fixture_data and path.stat().st_size > 0 for path in files.values())
    assert files["png"].read_bytes().startswith(b"\x89PNG\r\n\x1a\n")
    assert ElementTree.parse(files["svg"]).getroot().tag.endswith("svg")
    assert "Children recorded missing rose after 2015" in files["svg"].read_text()
    written = pl.read_csv(files["csv"], schema=data.schema("fixture_missing"))
    assert written.columns[:10] == [
        "time_period",
        "time_identifier",
        "geographic_level",
        "country_code",
        "country_name",
        "region_code",
        "region_name",
        "new_la_code",
        "old_la_code",
        "la_name",
    ]
    assert written.columns[-2:] == ["source_id", "source_release"]
    assert written.equals(frame)
    hrefs = re.findall(r'href="([^"]+)"', rendered.html)
    assert [h for h in hrefs if "_static/charts/" in h] == [
        f"{charts.ROOT_TOKEN}_static/charts/missing-trend.{ext}" for ext in ("csv", "png", "svg")
    ]


def test_chart_csv_is_spreadsheet_safe(fixture_data):
    frame = data.load("fixture_missing").with_columns(
        pl.when(pl.col("time_period") == 2011)
        .then(pl.lit('=HYPERLINK("http://evil","x")'))
        .otherwise(pl.lit("-5"))
        .alias("time_identifier")
    )
    chart = charts.line(frame, color="measure", title="Rose", y_title="Children (number)")
    rendered = charts.render(chart, name="safe", alt="A line chart used to test that CSV downloads are safe.")
    rows = list(csv.DictReader(rendered.files["csv"].open()))
    assert rows[0]["time_identifier"] == '\'=HYPERLINK("http://evil","x")'
    assert rows[1]["time_identifier"] == "-5"
    assert rows[0]["value"] == "900"


def test_citation_has_title_source_data_date_and_page_url(fixture_data):
    frame, chart = missing_chart()
    rendered = charts.render(chart, name="missing-trend", alt=ALT)
    citation = re.search(
        r'<p class="ffh-citation" id="chart-missing-trend-citation">(.*?)</p>', rendered.html
    ).group(1)
    assert "Far from home" in citation
    assert "Children recorded missing rose after 2015" in citation
    assert "Fixture Statistics Office" in citation
    assert "Source files retrieved on 2 January 2025" in citation  # latest of the frame's sources
    assert f'<span class="ffh-page-url">{charts.PAGE_URL_TOKEN}#chart-missing-trend</span>' in citation
    assert 'class="ffh-accessed"' in citation
    assert charts.PAGE_TITLE_TOKEN in citation


def test_every_chart_type_renders(fixture_data):
    placements = data.load("fixture_placements")
    councils = placements.filter(pl.col("geographic_level") == "Local authority")
    outside = councils.filter(pl.col("measure") == "fixture_placed_outside_la")
    homes = data.load("fixture_homes")
    index = [c for c in councils.columns if c not in ("measure", "value", "value_note")]
    wide = councils.pivot(on="measure", index=index, values="value")
    cells = pl.read_csv(FIXTURE / "hex_cells.csv")
    built = {
        "bar": charts.bar(
            homes, color="sector", title="Private homes grew", y_title="Homes (number)", mode="grouped"
        ),
        "percent": charts.bar(
            homes, color="sector", title="Private share grew", y_title="Share of homes (%)", mode="percent"
        ),
        "scatter": charts.scatter(
            wide,
            x="fixture_children_looked_after",
            y="fixture_placed_outside_la",
            title="More in care, more placed outside",
            x_title="Children looked after (number)",
            y_title="Placed outside (number)",
            highlight=["Amberton"],
        ),
        "map": charts.hex_map(
            outside,
            title="South-west councils place most away",
            value_title="Children placed outside (number)",
            cells=cells,
        ),
    }
    for name, chart in built.items():
        rendered = charts.render(
            chart, name=f"type-{name}", alt=f"A {name} chart of made-up fixture numbers for a test."
        )
        assert rendered.files["png"].read_bytes()[:4] == b"\x89PNG"
        assert rendered.table.height > 0
    # the map: every council in the table, grey note for the suppressed one, cells with no row still drawn
    extra = cells.vstack(
        pl.DataFrame({"current_la_code": ["E06999909"], "la_name": ["Ivyford"], "q": [5], "r": [5]})
    )
    chart = charts.hex_map(
        outside,
        title="South-west councils place most away",
        value_title="Children placed outside (number)",
        cells=extra,
    )
    rendered = charts.render(chart, name="type-map", alt="A hex map of made-up fixture numbers for a test.")
    table = dict(rendered.table.iter_rows())
    assert len(table) == outside.height + 1
    assert table["Ivyford"] == "no figure: no row in the published data"
    assert table["Greywater"].startswith("no figure: suppressed")
    assert table["Amberton"] == "60"
    assert "Grey cells: no figure" in rendered.html
    csv_rows = rendered.files["csv"].read_text().splitlines()
    assert len(csv_rows) == outside.height + 1  # the download holds the data rows only


def test_hexagons_follow_odd_r_layout():
    even = charts._hexagon(2, 4)
    odd = charts._hexagon(2, 5)
    centre = lambda ring: (sum(p[0] for p in ring[:-1]) / 6, sum(p[1] for p in ring[:-1]) / 6)  # noqa: E731
    assert centre(odd)[0] - centre(even)[0] == pytest.approx(0.5)  # odd rows shifted right by half a cell
    assert centre(odd)[1] > centre(even)[1]  # r grows northwards


# -------------------------------------------------------------------------------- charts: refusals


def test_chart_without_title_alt_or_units_is_refused(fixture_data):
    frame = data.load("fixture_missing")
    with pytest.raises(charts.ChartError, match="title"):
        charts.line(frame, color="measure", title="  ", y_title="Children (number)")
    _, chart = missing_chart()
    with pytest.raises(charts.ChartError, match="alt text"):
        charts.render(chart, name="x", alt="chart")
    with pytest.raises(charts.ChartError, match="chart name"):
        charts.render(chart, name="Bad Name", alt=ALT)
    mixed = pl.concat([frame, frame.with_columns(pl.lit("fixture_childrens_homes").alias("measure"))])
    with pytest.raises(charts.ChartError, match="y_title"):
        charts.line(mixed, color="measure", title="Mixed units")


def test_chart_csv_must_keep_provenance_and_match_the_chart(fixture_data):
    frame = data.load("fixture_missing")
    bare = frame.select("time_period", "measure", "value")
    chart = charts.line(bare, color="measure", title="Rose", y_title="Children (number)")
    with pytest.raises(charts.ChartError, match="source_id"):
        charts.render(chart, name="bare", alt=ALT)
    _, chart = missing_chart()
    with pytest.raises(charts.ChartError, match="the frame the chart was built from"):
        charts.render(chart, name="other", alt=ALT, data=frame.head(3))


def test_bare_chart_display_is_refused_in_the_book_build(monkeypatch):
    _, chart = missing_chart()
    monkeypatch.setenv("FFH_BOOK_BUILD", "1")
    with pytest.raises(charts.ChartError, match="charts.show"):
        charts._renderer(chart.to_dict())
    monkeypatch.delenv("FFH_BOOK_BUILD")
    bundle = charts._renderer(chart.to_dict())
    assert bundle["image/svg+xml"].lstrip().startswith("<svg")
