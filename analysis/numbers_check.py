"""Every number a reader sees must be a number the published data holds.

`unsourced_numbers(html_dir, data_dir)` reads each built page's main text and tables and returns the numbers
that no published dataset (data/tidy/*.csv) holds, as shown: a figure printed with one decimal place must be
some dataset value rounded to one decimal place, a count must be a count in some dataset.

Not checked, because they are not figures: years (1990-2039 written without a separator), dates ('31 March
2024', '2024-03-31'), codes (E06000009, SC123456, URNs), the words inside quotations and citations of
documents (<blockquote>, <q>, elements of class ffh-quote, ffh-citation or ffh-cite), download sizes, thresholds
that are part of a measure's name (more than 24 hours, 20 miles), counts of files and rows, chart specifications and
scripts, and the site's navigation. Everything else counts, including chart subtitles, alt text and tables.
"""

from __future__ import annotations

import csv
import json
import math
import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from html.parser import HTMLParser
from pathlib import Path

SKIP_TAGS = {"script", "style", "blockquote", "q", "code", "pre", "nav", "head", "svg", "noscript", "button"}
SKIP_CLASSES = {
    "ffh-quote",
    "ffh-citation",
    "ffh-cite",
    "ffh-page-url",
    "ffh-hash",
    "ffh-file",
    "ffh-file-size",
    "bd-sidebar-primary",
    "bd-sidebar-secondary",
    "bd-header",
    "prev-next-area",
    "bd-footer",
    "bd-footer-article",
    "footer",
    "ffh-no-figure-check",
}
MONTHS = "January|February|March|April|May|June|July|August|September|October|November|December"
_DATE = re.compile(
    rf"\b\d{{1,2}}\s+(?:{MONTHS})\s+\d{{4}}\b|\b(?:{MONTHS})\s+\d{{4}}\b|\b\d{{4}}-\d{{2}}-\d{{2}}\b|\b\d{{4}}-\d{{2}}\b"
    rf"|\b\d{{1,2}}\s+(?:{MONTHS})\b"
)
_CODE = re.compile(r"\b(?:[A-Z]{1,3}\d{5,}|SC\d{6}|\d{7,})\b")
# a number starts after a space or punctuation, not inside a word or a name ("SHA-256", "v3.0", "E06000009")
_NUMBER = re.compile(r"(?<![\w.\-−])[-+−]?\d{1,3}(?:,\d{3})+(?:\.\d+)?%?|(?<![\w.\-−])[-+−]?\d+(?:\.\d+)?%?")
# Numbers that belong to a definition or describe a file, not figures: thresholds in measures' names ("more than
# 24 hours", "more than 20 miles"), "3-digit codes", and counts of files, rows and characters.
_DEFINITIONAL = re.compile(
    r"(?<![\w.])\d[\d,]*(?:\s+(?:hours?|miles?|characters|(?:source\s+)?files?|rows)\b|-digit\b)"
)
_YEAR = re.compile(r"^(19[9]\d|20[0-3]\d)$")


class _TextParser(HTMLParser):
    """The text of <main>, without the skipped elements."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._stack: list[bool] = []
        self._in_main = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        classes = set((dict(attrs).get("class") or "").split())
        if tag == "main":
            self._in_main += 1
        skip = tag in SKIP_TAGS or bool(classes & SKIP_CLASSES)
        if tag not in ("br", "img", "meta", "link", "input", "hr", "wbr", "source"):
            self._stack.append(skip)

    def handle_endtag(self, tag: str) -> None:
        if tag == "main":
            self._in_main -= 1
        if tag not in ("br", "img", "meta", "link", "input", "hr", "wbr", "source") and self._stack:
            self._stack.pop()

    def handle_data(self, data: str) -> None:
        if self._in_main and not any(self._stack):
            self.parts.append(data)


def page_numbers(html: str) -> list[str]:
    """The numbers in a page's checked text, as printed."""
    return [token for token, _ in numbers_in_context(html)]


def numbers_in_context(html: str, width: int = 50) -> list[tuple[str, str]]:
    """(number as printed, the words around it) for each number in a page's checked text."""
    parser = _TextParser()
    parser.feed(html)
    text = " ".join(" ".join(parser.parts).split())
    text = _DATE.sub(lambda m: " " * len(m.group(0)), text)
    text = _CODE.sub(lambda m: " " * len(m.group(0)), text)
    text = _DEFINITIONAL.sub(lambda m: " " * len(m.group(0)), text)
    found = []
    for match in _NUMBER.finditer(text):
        token = match.group(0)
        bare = token.lstrip("+-−").rstrip("%")
        if _YEAR.match(bare) and "," not in bare and not token.endswith("%"):
            continue
        around = text[max(0, match.start() - width) : match.end() + width]
        found.append((token, " ".join(around.split())))
    return found


@dataclass(frozen=True)
class Figure:
    value: Decimal
    places: int


def _parse(token: str) -> Figure | None:
    bare = token.replace(",", "").replace("−", "-").lstrip("+").rstrip("%")
    try:
        value = Decimal(bare)
    except InvalidOperation:
        return None
    places = len(bare.split(".")[1]) if "." in bare else 0
    return Figure(abs(value), places)


def _json_numbers(value) -> list[float]:
    if isinstance(value, bool):
        return []
    if isinstance(value, int | float):
        return [float(value)]
    if isinstance(value, dict):
        return [n for v in value.values() for n in _json_numbers(v)]
    if isinstance(value, list):
        return [n for v in value for n in _json_numbers(v)]
    return []


def published_values(data_dir: Path) -> dict[int, set[Decimal]]:
    """Every number in the published data (the datasets, their dictionaries and validation reports, the
    manifest, provenance and changelog), rounded to 0 to 6 decimal places (absolute values)."""
    rounded: dict[int, set[Decimal]] = {places: set() for places in range(7)}
    number = re.compile(r"^[-+]?\d+(\.\d+)?$")

    def add(value: float) -> None:
        value = abs(value)
        if math.isfinite(value):
            for places in rounded:
                rounded[places].add(Decimal(str(round(value, places))).normalize())

    root = Path(data_dir)
    for path in sorted(root.rglob("*.csv")):
        with path.open(newline="", encoding="utf-8-sig") as handle:
            for row in csv.reader(handle):
                for cell in row:
                    cell = cell.strip()
                    if number.match(cell):
                        add(float(cell))
    for path in sorted(root.rglob("*.json")):
        for value in _json_numbers(json.loads(path.read_text(encoding="utf-8"))):
            add(value)
    return rounded


def unsourced_numbers(html_dir: Path, data_dir: Path, pages: list[Path] | None = None) -> list[str]:
    """'page: number (in its words)' for every number on the built pages that no published dataset holds."""
    values = published_values(data_dir)
    problems = []
    html_dir = Path(html_dir)
    for page in pages or sorted(html_dir.rglob("*.html")):
        if "_static" in page.parts or page.name in ("search.html", "genindex.html"):
            continue
        for token, around in numbers_in_context(page.read_text(encoding="utf-8")):
            figure = _parse(token)
            if figure is None:
                continue
            places = min(figure.places, max(values))
            shown = (
                figure.value.quantize(Decimal(1).scaleb(-places)) if figure.places > places else figure.value
            )
            if shown.normalize() not in values[places]:
                problems.append(f"{page.relative_to(html_dir)}: {token} (in '…{around}…')")
    return problems
