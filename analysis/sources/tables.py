"""Reading the publishers' tables: CSV text in every encoding they use, and ODS/XLSX workbooks by sheet name.

Two readers, one set of checks:

- `read_rows(path, source_id, sheet=...)` gives every record of a file as a list of text cells (a `Table`), for
  readers that find their header by content below title rows (Ofsted). A workbook is read with python-calamine;
  `sheet` is a regular expression matched against the sheet names (`"^Provider_level_at_31_Mar_[0-9]{4}$"`),
  exactly one sheet must match. A workbook's cells are given as a CSV export of the sheet would give them: dates
  as dd/mm/yyyy, whole numbers without ".0", empty cells as "". Record numbers count from the sheet's row 1
  (cell A1) or the CSV file's first record, as a spreadsheet or CSV reader would.
- `read_csv_frame(path, source_id)` gives a CSV file whose header is its first record as a polars frame of text
  columns (DfE, ONS and mySociety files). Polars parses; the same decoding and record checks run first.

Text is decoded as UTF-8 (with or without a byte order mark), else Windows-1252 (Ofsted's 2022 and 2024 lists),
or as UTF-16 when it starts with a UTF-16 byte order mark (logged: a re-saved file). Anything else is refused:
bytes that are neither UTF-8 nor Windows-1252, control characters (binary data), a ZIP or OLE file where CSV
text is expected, a web page.

Structural checks, each a ParseError naming the source, the file, the check and the record:
- every record has the header's number of cells ("record 153 has 5 cells, the header 40 (the file ends
  mid-row)" for a file cut short); a wholly empty record (spreadsheet padding) is exempt in `Table.data_rows`;
- the header row is not repeated inside the data ("header row repeated at record 2604");
- there is at least one data row below the header ("no data rows").
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import logging
import re
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from pathlib import Path

import polars as pl

from analysis.errors import ParseError

log = logging.getLogger(__name__)

# --------------------------------------------------------------------------------------------------------------
# Check names (ParseError.check)
# --------------------------------------------------------------------------------------------------------------

CHECK_READABLE = "file readable"
CHECK_NOT_EMPTY = "file is not empty"
CHECK_ENCODING = "text encoding is UTF-8, Windows-1252 or UTF-16 with a byte order mark"
CHECK_BINARY = "text, not binary data"
CHECK_HTML = "a table, not a web page"
CHECK_NOT_WORKBOOK = "CSV text, not a workbook"
CHECK_CSV = "readable CSV"
CHECK_CELLS = "every row has the header's number of cells"
CHECK_EMPTY_RECORD = "no empty record inside the table"
CHECK_REPEATED_HEADER = "header row appears once"
CHECK_DATA_ROWS = "data rows present"
CHECK_HEADER = "header row found"
CHECK_WORKBOOK = "readable workbook"
CHECK_SHEET = "one sheet matches"

HEADER_SEARCH_ROWS = 20  # a header is looked for in the first rows (title rows above it: at most 4 so far)

_UTF8_BOM = b"\xef\xbb\xbf"
_UTF16_BOMS = (b"\xff\xfe", b"\xfe\xff")
_ZIP_MAGIC = b"PK\x03\x04"  # XLSX and ODS workbooks are ZIP archives
_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # XLS workbooks
# C0 control characters other than tab, line feed and carriage return never occur in CSV text
_CONTROL_BYTES = re.compile(rb"[\x00-\x08\x0b\x0c\x0e-\x1f]")
_NOT_CONTROL_BYTES = bytes(b for b in range(256) if b >= 0x20 or b in (0x09, 0x0A, 0x0D))
_CONTROL_CHARS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")
_CURLY_QUOTES = re.compile("[\u2018\u2019\u201c\u201d]")
_HTML_TAGS = ("<!doctype html", "<html", "<head", "<body")


def normalise_name(cell: str | None) -> str:
    """A header cell compared across files and years: newlines and runs of spaces (no-break spaces too) as one
    space, no space at either end, curly quotes straight, no byte order mark, lower case. (layout.normalise_label,
    lower-cased, with the other curly quotes too.)"""
    if not cell:
        return ""
    if "\ufeff" in cell:  # a byte order mark left inside the text (files joined end to end)
        cell = cell.replace("\ufeff", "")
    if _CURLY_QUOTES.search(cell):
        cell = (
            cell.replace("\u2018", "'").replace("\u2019", "'").replace("\u201c", '"').replace("\u201d", '"')
        )
    return " ".join(cell.split()).lower()


# --------------------------------------------------------------------------------------------------------------
# Decoding
# --------------------------------------------------------------------------------------------------------------


def _line_of(raw: bytes, offset: int) -> int:
    return raw.count(b"\n", 0, offset) + 1


def is_workbook(head: bytes) -> bool:
    """Whether bytes starting a file are a ZIP (XLSX, ODS) or OLE (XLS) container rather than text."""
    return head.startswith(_ZIP_MAGIC) or head.startswith(_OLE_MAGIC)


def decode(raw: bytes, source_id: str, file_name: str) -> tuple[str, str]:
    """(text, encoding) of a CSV file's bytes; ParseError for anything that is not text in a known encoding.

    UTF-16 (byte order mark FF FE or FE FF) is decoded and logged; a UTF-8 byte order mark is removed.
    """
    if not raw:
        raise ParseError(source_id, file_name, CHECK_NOT_EMPTY, "the file has 0 bytes")
    if raw.startswith(_UTF16_BOMS):
        try:
            text = raw.decode("utf-16")
        except UnicodeDecodeError as error:
            raise ParseError(
                source_id,
                file_name,
                CHECK_ENCODING,
                f"starts with a UTF-16 byte order mark but byte {error.start + 1} is not UTF-16",
            ) from error
        control = _CONTROL_CHARS.search(text)
        if control:
            line = text.count("\n", 0, control.start()) + 1
            raise ParseError(
                source_id,
                file_name,
                CHECK_BINARY,
                f"line {line} holds the control character U+{ord(control.group()):04X}: binary data, not text",
            )
        log.info("%s %s: UTF-16 text: decoded", source_id, file_name)
        return text, "utf-16"
    if is_workbook(raw[:8]):
        raise ParseError(
            source_id,
            file_name,
            CHECK_NOT_WORKBOOK,
            "the file is a ZIP or OLE container (an XLSX, ODS or XLS workbook?), not CSV text: "
            "read it as a workbook, naming the sheet",
        )
    control = _CONTROL_BYTES.search(raw) if raw.translate(None, _NOT_CONTROL_BYTES) else None
    if control:
        raise ParseError(
            source_id,
            file_name,
            CHECK_BINARY,
            f"byte {control.start() + 1} (line {_line_of(raw, control.start())}) is the control character "
            f"0x{raw[control.start()]:02X}: binary data, not text",
        )
    if raw.startswith(_UTF8_BOM):
        try:
            return raw[3:].decode("utf-8"), "utf-8-sig"
        except UnicodeDecodeError as error:
            offset = error.start + 3
            raise ParseError(
                source_id,
                file_name,
                CHECK_ENCODING,
                f"starts with a UTF-8 byte order mark but byte {offset + 1} (0x{raw[offset]:02X}, line "
                f"{_line_of(raw, offset)}) is not UTF-8",
            ) from error
    try:
        return raw.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    try:
        return raw.decode("cp1252"), "windows-1252"
    except UnicodeDecodeError as error:
        raise ParseError(
            source_id,
            file_name,
            CHECK_ENCODING,
            f"byte {error.start + 1} (0x{raw[error.start]:02X}, line {_line_of(raw, error.start)}) is neither "
            "UTF-8 nor Windows-1252",
        ) from error


def _refuse_html(text: str, source_id: str, file_name: str) -> None:
    """A web page saved in place of the file (an error page, a landing page) is refused, even when its first
    line holds commas and so would parse as a CSV header."""
    head = text[:4096].lstrip().lower()
    if head.startswith("<") and any(tag in head for tag in _HTML_TAGS):
        first_line = text.lstrip().split("\n", 1)[0].strip()
        raise ParseError(
            source_id, file_name, CHECK_HTML, f"HTML page, not CSV: record 1 begins {first_line[:80]!r}"
        )


def _parse_csv(text: str, source_id: str, file_name: str) -> list[list[str]]:
    """Every record of CSV text (strict: a quote left open at the end of the file is an error)."""
    rows: list[list[str]] = []
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    try:
        for row in reader:
            rows.append(row)
    except csv.Error as error:
        record = len(rows) + 1
        if "unexpected end of data" in str(error):
            detail = f"record {record} is cut inside a quoted cell (the file ends mid-row)"
        else:
            detail = f"record {record}: {error}"
        raise ParseError(source_id, file_name, CHECK_CSV, detail) from error
    return rows


def _cells_message(record: int, cells: int, header: int, ends_mid_row: bool) -> str:
    suffix = " (the file ends mid-row)" if ends_mid_row else ""
    return f"record {record} has {cells} cells, the header {header}{suffix}"


# --------------------------------------------------------------------------------------------------------------
# Rows: CSV files and workbook sheets
# --------------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Table:
    """Every record of one CSV file or workbook sheet, as text cells.

    `rows[i]` is record `i + 1` (a workbook's row i + 1, counted from cell A1). `file_name` names the file and,
    for a workbook, the sheet read: "children-social-care-2025.ods [Provider_level_at_31_Mar_2025]".
    """

    source_id: str
    file_name: str
    rows: list[list[str]]
    encoding: str | None  # the CSV text's encoding; None for a workbook
    sheet: str | None  # the workbook sheet read; None for a CSV file
    ends_with_line_break: bool = True  # False for CSV text that stops without one (a last record may be cut)

    def error(self, check: str, detail: str) -> ParseError:
        return ParseError(self.source_id, self.file_name, check, detail)

    def find_header(
        self,
        required: Sequence[str | Collection[str]],
        *,
        within: int = HEADER_SEARCH_ROWS,
        check: str = CHECK_HEADER,
    ) -> int:
        """Index in `rows` of the header: see find_header_row."""
        return find_header_row(
            self.rows, required, self.source_id, self.file_name, within=within, check=check
        )

    def data_rows(self, header_index: int) -> list[tuple[int, list[str]]]:
        """(record number, cells) of every record below the header, after the structural checks.

        Wholly empty records (spreadsheet padding below a table, blank rows) carry nothing and are left out. Any
        other record must have the header's number of cells and must not repeat the header; at least one must
        exist.
        """
        header = self.rows[header_index]
        width = len(header)
        header_key = _row_key(header)
        probe = next((i for i, name in enumerate(header_key) if name), None)
        last = len(self.rows) - 1
        out: list[tuple[int, list[str]]] = []
        for index in range(header_index + 1, len(self.rows)):
            row = self.rows[index]
            if not any(cell.strip() for cell in row):
                continue
            if (
                probe is not None
                and len(row) > probe
                and normalise_name(row[probe]) == header_key[probe]
                and _row_key(row) == header_key
            ):
                raise self.error(CHECK_REPEATED_HEADER, f"header row repeated at record {index + 1}")
            if len(row) != width:
                cut = index == last and len(row) < width and not self.ends_with_line_break
                raise self.error(CHECK_CELLS, _cells_message(index + 1, len(row), width, cut))
            out.append((index + 1, row))
        if not out:
            raise self.error(
                CHECK_DATA_ROWS, f"no data rows: nothing below the header (record {header_index + 1})"
            )
        return out


def _row_key(row: list[str]) -> tuple[str, ...]:
    """A row's normalised cells without trailing empty ones (to compare a row with the header)."""
    key = [normalise_name(cell) for cell in row]
    while key and not key[-1]:
        key.pop()
    return tuple(key)


def find_header_row(
    rows: list[list[str]],
    required: Sequence[str | Collection[str]],
    source_id: str,
    file_name: str,
    *,
    within: int = HEADER_SEARCH_ROWS,
    check: str = CHECK_HEADER,
) -> int:
    """Index of the first of the first `within` rows naming every required column.

    `required` lists names, each a name or a collection of alternative names (("Local authority", "LA")).
    Names and cells are compared after normalise_name (newlines, spaces, curly quotes, case), so a header cell
    "\\nProvision type" names "Provision type". Title rows above the table are passed over.
    """
    alternatives = [(names,) if isinstance(names, str) else tuple(names) for names in required]
    groups = [{normalise_name(name) for name in names} for names in alternatives]
    for index, row in enumerate(rows[:within]):
        cells = {normalise_name(cell) for cell in row}
        if all(cells & group for group in groups):
            return index
    described = [" or ".join(repr(name) for name in names) for names in alternatives]
    listing = ", ".join(described[:-1]) + " and " + described[-1] if len(described) > 1 else described[0]
    detail = f"no row among the first {within} names {listing}"
    # the row naming most of them is most likely the header: say which of the columns it lacks
    found = [
        (sum(1 for group in groups if {normalise_name(cell) for cell in row} & group), index)
        for index, row in enumerate(rows[:within])
    ]
    best, index = max(found, key=lambda item: (item[0], -item[1]), default=(0, 0))
    if best:
        cells = {normalise_name(cell) for cell in rows[index]}
        lacking = [described[i] for i, group in enumerate(groups) if not cells & group]
        detail += f"; the closest, record {index + 1}, lacks {', '.join(lacking)}"
    raise ParseError(source_id, file_name, check, detail)


def read_rows(path: Path | str, source_id: str, *, sheet: str | re.Pattern[str] | None = None) -> Table:
    """Every record of a CSV file, or every row of one sheet of an ODS/XLSX/XLS workbook, as text cells.

    A workbook is recognised by its content (a ZIP or OLE container), whatever its file name; `sheet` (a regular
    expression searched for in each sheet name) must then match exactly one sheet; without it the workbook
    must have a single sheet. A `sheet` given for CSV text is an error (the file is not what the manifest says).
    """
    path = Path(path)
    try:
        with path.open("rb") as handle:
            head = handle.read(8)
    except OSError as error:
        raise ParseError(source_id, path.name, CHECK_READABLE, str(error)) from error
    if is_workbook(head):
        return _read_workbook(path, source_id, sheet)
    if sheet is not None:
        pattern = sheet.pattern if isinstance(sheet, re.Pattern) else sheet
        raise ParseError(
            source_id,
            path.name,
            CHECK_SHEET,
            f"sheet {pattern!r} was asked for, but the file is CSV text, not a workbook",
        )
    text, encoding = decode(path.read_bytes(), source_id, path.name)
    _refuse_html(text, source_id, path.name)
    rows = _parse_csv(text, source_id, path.name)
    if not rows:
        raise ParseError(source_id, path.name, CHECK_NOT_EMPTY, "the file holds no record")
    return Table(source_id, path.name, rows, encoding, None, text.endswith(("\n", "\r")))


# --------------------------------------------------------------------------------------------------------------
# Workbooks
# --------------------------------------------------------------------------------------------------------------


def choose_sheet(
    names: list[str], sheet: str | re.Pattern[str] | None, source_id: str, file_name: str
) -> str:
    """The one sheet name `sheet` matches (re.search); ParseError listing the sheets if none or several do."""
    if sheet is None:
        if len(names) == 1:
            return names[0]
        raise ParseError(
            source_id,
            file_name,
            CHECK_SHEET,
            f"no sheet named to read, and the workbook has {len(names)} sheets: {names}",
        )
    try:
        pattern = sheet if isinstance(sheet, re.Pattern) else re.compile(sheet)
    except re.error as error:
        raise ParseError(
            source_id, file_name, CHECK_SHEET, f"sheet pattern {sheet!r} is not a regular expression: {error}"
        ) from error
    matches = [name for name in names if pattern.search(name)]
    if len(matches) != 1:
        found = "no sheet" if not matches else f"{len(matches)} sheets ({matches})"
        raise ParseError(
            source_id,
            file_name,
            CHECK_SHEET,
            f"{found} match {pattern.pattern!r}; the workbook's sheets: {names}",
        )
    return matches[0]


def cell_text(value: object) -> str:
    """A workbook cell as a CSV export of the sheet shows it: dates dd/mm/yyyy, whole numbers without ".0",
    booleans TRUE/FALSE, empty cells "". Text is returned as it is (header cells may start with a newline)."""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, int):
        return str(value)
    if isinstance(value, dt.datetime):
        if value.time() == dt.time(0):
            return value.strftime("%d/%m/%Y")
        return value.strftime("%d/%m/%Y %H:%M:%S")
    if isinstance(value, dt.date):
        return value.strftime("%d/%m/%Y")
    if isinstance(value, dt.time):
        return value.strftime("%H:%M:%S")
    if value is None:
        return ""
    return str(value)


def _read_workbook(path: Path, source_id: str, sheet: str | re.Pattern[str] | None) -> Table:
    from python_calamine import CalamineError, CalamineWorkbook

    try:
        with CalamineWorkbook.from_path(str(path)) as workbook:
            name = choose_sheet(list(workbook.sheet_names), sheet, source_id, path.name)
            values = workbook.get_sheet_by_name(name).to_python(skip_empty_area=False)
    except (CalamineError, OSError) as error:
        raise ParseError(source_id, path.name, CHECK_WORKBOOK, str(error)) from error
    rows = [[cell_text(value) for value in row] for row in values]
    label = f"{path.name} [{name}]"
    if not rows:
        raise ParseError(source_id, label, CHECK_NOT_EMPTY, "the sheet holds no cell")
    return Table(source_id, label, rows, None, name, True)


# --------------------------------------------------------------------------------------------------------------
# Frames: CSV files whose first record is the header
# --------------------------------------------------------------------------------------------------------------


def _records_by_parsing(text: str, source_id: str, file_name: str, require_rows: bool = True) -> int:
    """Every record parsed: raise on the first empty or ragged record; return the number of data records."""
    rows = _parse_csv(text, source_id, file_name)
    if not rows:
        raise ParseError(source_id, file_name, CHECK_NOT_EMPTY, "the file holds no record")
    width = len(rows[0])
    ends_with_line_break = text.endswith(("\n", "\r"))
    for index in range(1, len(rows)):
        row = rows[index]
        if not any(cell.strip() for cell in row):
            raise ParseError(
                source_id, file_name, CHECK_EMPTY_RECORD, f"record {index + 1} is empty (no cell has a value)"
            )
        if len(row) != width:
            cut = index == len(rows) - 1 and len(row) < width and not ends_with_line_break
            raise ParseError(
                source_id, file_name, CHECK_CELLS, _cells_message(index + 1, len(row), width, cut)
            )
    if len(rows) == 1 and require_rows:
        raise ParseError(
            source_id, file_name, CHECK_DATA_ROWS, "no data rows: the file holds only its header"
        )
    return len(rows) - 1


def _check_records(text: str, source_id: str, file_name: str, require_rows: bool = True) -> int:
    """Check that every record of CSV text whose header is record 1 has the header's number of cells and that
    a data record follows; return the number of data records.

    Fast path, for text with no line break inside a quoted cell: one record per line, so the file's commas must
    number (lines x (header cells - 1)) plus the commas inside quoted cells.
    A short record leaves commas missing; a long one makes polars fail. Either way, and whenever a quoted cell
    spans lines, every record is parsed to name the first faulty one.
    """
    lines = text.count("\n") + (0 if text.endswith("\n") else 1)
    first_end = text.find("\n")
    header_line = (text if first_end == -1 else text[:first_end]).rstrip("\r")
    if '"' in header_line:
        header_width = len(next(csv.reader([header_line])))
    else:
        header_width = header_line.count(",") + 1
    quoted_commas = 0
    if '"' in text:
        parts = text.split('"')
        inside = "".join(
            parts[1::2]
        )  # the text inside quotes, when every quote is a cell's opening or closing
        if (
            len(parts) % 2 == 0 or "\n" in inside
        ):  # a quote left open, or a quoted cell going on to the next line
            return _records_by_parsing(text, source_id, file_name, require_rows)
        quoted_commas = inside.count(",")
    if text.count(",") != lines * (header_width - 1) + quoted_commas or lines < 2:
        return _records_by_parsing(text, source_id, file_name, require_rows)
    return lines - 1


def read_csv_frame(
    path: Path | str, source_id: str, *, empty_as_null: bool = True, require_rows: bool = True
) -> pl.DataFrame:
    """A CSV file whose first record is its header, as a polars frame of text (Utf8) columns, as published.

    Decoded as `decode` does (UTF-8 with or without a byte order mark, Windows-1252, UTF-16); refused with a
    ParseError naming the record when a record has a number of cells other than the header's (a file cut
    mid-row), a record is empty, the header row is repeated, or no data row follows the header (unless
    `require_rows` is False: a project table may be empty). Empty cells are null unless `empty_as_null` is False.
    Column names are as published (callers strip them).
    """
    path = Path(path)
    try:
        raw = path.read_bytes()
    except OSError as error:
        raise ParseError(source_id, path.name, CHECK_READABLE, str(error)) from error
    text, encoding = decode(raw, source_id, path.name)
    _refuse_html(text, source_id, path.name)
    records = _check_records(text, source_id, path.name, require_rows)
    if encoding == "utf-8":
        data = raw
    elif encoding == "utf-8-sig":
        data = raw[3:]
    else:
        data = text.encode("utf-8")
    try:
        frame = pl.read_csv(
            data, infer_schema=False, truncate_ragged_lines=False, empty_string_is_null=empty_as_null
        )
    except pl.exceptions.PolarsError as error:
        _records_by_parsing(text, source_id, path.name)  # names the faulty record if there is one
        raise ParseError(source_id, path.name, CHECK_CSV, str(error).splitlines()[0]) from error
    if frame.height != records:
        raise ParseError(
            source_id,
            path.name,
            CHECK_CSV,
            f"{records} records below the header, but {frame.height} rows parsed (line endings?)",
        )
    _refuse_empty_and_header_rows(frame, source_id, path.name)
    return frame


def _refuse_empty_and_header_rows(frame: pl.DataFrame, source_id: str, file_name: str) -> None:
    """A data row with no value (",,,,") would be a row of nulls; a data row whose every cell equals its column's
    name is the header again (files joined end to end). Only rows whose first cell is empty or the first
    column's name are looked at closely."""
    if not frame.width or frame.is_empty():
        return
    first = frame.columns[0]
    # a header repeated by joining two files end to end keeps its byte order mark: strip it too
    key = pl.col(first).str.strip_chars().str.strip_chars_start("\ufeff")
    candidates = frame.with_row_index("_row").filter(key.is_null() | key.is_in(["", first.strip()]))
    if candidates.is_empty():
        return
    empty = candidates.filter(
        pl.all_horizontal([pl.col(c).fill_null("").str.strip_chars() == "" for c in frame.columns])
    )
    header = candidates.filter(
        pl.all_horizontal(
            [pl.col(first).str.strip_chars().str.strip_chars_start("\ufeff") == first.strip()]
            + [pl.col(c).fill_null("").str.strip_chars() == c.strip() for c in frame.columns[1:]]
        )
    )
    faults = [(row, "empty") for row in empty["_row"].head(1)] + [
        (row, "header") for row in header["_row"].head(1)
    ]
    if faults:
        row, kind = min(faults)
        if kind == "empty":
            raise ParseError(
                source_id, file_name, CHECK_EMPTY_RECORD, f"record {row + 2} is empty (no cell has a value)"
            )
        raise ParseError(
            source_id, file_name, CHECK_REPEATED_HEADER, f"header row repeated at record {row + 2}"
        )
