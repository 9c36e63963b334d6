"""Small workbooks written in tests, laid out like Ofsted's "Children's social care data in England" workbook.

The real workbook (ODS, one a year) has sheets Cover, Contents, Guidance, Notes, Meta-data, then one sheet per
table: `Provider_level_at_31_Mar_2025`, `Provider_level_in_year_2024-25`, `Providers+places_at_31_Mar_2025`,
`SA_Premises_at_31_Mar_2025`, `Leavers+Joiners_at_31_Mar_2025`, `Providers+places_Time_series`, ... Each table
starts at cell A4 under title rows, and some header cells begin with a newline. The offline mirror holds only CSV
exports of these sheets, so tests build workbooks here: XLSX with openpyxl, ODS with odfpy, typed cells (text,
numbers, dates, booleans, empty).

`csv_export` writes the same rows as a spreadsheet's CSV export would (dates dd/mm/yyyy, whole numbers without
".0"), written here independently of analysis.sources.tables. The other way round, `export_rows` reads a real CSV
export and `table_sheet` lays its rows out as a sheet of the workbook (typed cells under title rows).
"""

from __future__ import annotations

import csv
import io
import re
from datetime import date, datetime
from pathlib import Path

Cell = str | int | float | bool | date | datetime | None
Sheet = tuple[str, list[list[Cell]]]


def write_xlsx(path: Path, sheets: list[Sheet]) -> Path:
    import openpyxl

    workbook = openpyxl.Workbook()
    workbook.remove(workbook.active)
    for name, rows in sheets:
        sheet = workbook.create_sheet(name)
        for r, row in enumerate(rows, start=1):
            for c, value in enumerate(row, start=1):
                if value is not None:
                    cell = sheet.cell(r, c, value)
                    if isinstance(value, date):
                        cell.number_format = "DD/MM/YYYY"
    workbook.save(path)
    return path


def _ods_cell(value: Cell):
    from odf.table import TableCell
    from odf.text import P

    if value is None:
        return TableCell()
    if isinstance(value, bool):
        cell = TableCell(valuetype="boolean", booleanvalue="true" if value else "false")
        cell.addElement(P(text="TRUE" if value else "FALSE"))
    elif isinstance(value, int | float):
        cell = TableCell(valuetype="float", value=value)
        cell.addElement(P(text=str(value)))
    elif isinstance(value, date):
        cell = TableCell(valuetype="date", datevalue=value.isoformat())
        cell.addElement(P(text=value.strftime("%d/%m/%Y")))
    else:
        cell = TableCell(valuetype="string")
        for line in value.split("\n"):  # a line break in a cell is a new paragraph in ODS
            cell.addElement(P(text=line))
    return cell


def write_ods(path: Path, sheets: list[Sheet]) -> Path:
    from odf.opendocument import OpenDocumentSpreadsheet
    from odf.table import Table, TableRow

    document = OpenDocumentSpreadsheet()
    for name, rows in sheets:
        table = Table(name=name)
        for row in rows:
            table_row = TableRow()
            for value in row:
                table_row.addElement(_ods_cell(value))
            table.addElement(table_row)
        document.spreadsheet.addElement(table)
    document.save(str(path))
    return path


def export_text(value: Cell) -> str:
    """A cell as a spreadsheet's CSV export shows it."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, date):
        return f"{value.day:02d}/{value.month:02d}/{value.year}"
    if isinstance(value, float) and value == int(value):
        return str(int(value))
    return str(value)


def csv_export(path: Path, rows: list[list[Cell]], encoding: str = "utf-8") -> Path:
    """The rows as CSV text, every record padded to the widest row (as spreadsheet exports are)."""
    width = max(len(row) for row in rows)
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, lineterminator="\r\n")
    for row in rows:
        writer.writerow([export_text(v) for v in row] + [""] * (width - len(row)))
    path.write_bytes(buffer.getvalue().encode(encoding))
    return path


# --------------------------------------------------------------------------------------------------------------
# Ofsted's workbook
# --------------------------------------------------------------------------------------------------------------

PROVIDER_HEADER = [
    "Web link",
    "URN",
    "\nProvision type",  # header cells starting with a line break, as in the real workbook
    "Registration date",
    "Registration status",
    "Name",
    "Ofsted region",
    "Government Office Region",
    "\nLocal authority",
    "Sector",
    "Places",
    "Short-break-only children's home",
    "Organisation which owns the provider",
    "Latest full inspection event type",
    "Latest full inspection date",
    "Overall experiences and progress of children and young people",
]
WEB = "Ofsted Social Care Provider Webpage"
PROVIDER_ROWS: list[list[Cell]] = [
    # fmt: off
    [
        WEB,
        "SC123456",
        "Children's home",
        date(2015, 3, 2),
        "Active",
        "REDACTED",
        "South West",
        "South West",
        "Bristol",
        "Local Authority",
        4,
        None,
        "Bristol City Council",
        "Full inspection",
        date(2024, 11, 5),
        "Good",
    ],
    [
        WEB,
        1234567,
        "Secure children's home",
        date(2002, 7, 1),
        "Active",
        "REDACTED",
        "North East, Yorkshire and the Humber",
        "Yorkshire and The Humber",
        "Leeds",
        "Local Authority",
        8,
        None,
        "Leeds City Council",
        "Full inspection",
        date(2024, 6, 20),
        "Outstanding",
    ],
    [
        WEB,
        "SC654321",
        "Residential special school (registered as a children's home)",
        date(2019, 1, 9),
        "Active",
        "REDACTED",
        "South East",
        "South East",
        "Kent",
        "Private",
        12,
        "Short-break-only children's home",
        "A Ltd",
        None,
        None,
        None,
    ],
    [
        WEB,
        "SC111111",
        "Independent Fostering Agency",
        date(2013, 9, 17),
        "Active",
        "Affinity Fostering",
        "East of England",
        "East of England",
        "Essex",
        "Private",
        None,
        None,
        "B Ltd",
        "Full inspection",
        date(2022, 8, 15),
        "Outstanding",
    ],
    [
        WEB,
        "SC222222",
        "Children's Home",
        date(2023, 1, 9),
        "Suspended",
        "REDACTED",
        "London",
        "London",
        "Camden",
        "Voluntary",
        3.0,
        None,
        "C Trust",
        "Full inspection",
        date(2025, 2, 28),
        "Requires improvement to be good",
    ],
    # fmt: on
]
PROVIDER_SHEET = "Provider_level_at_31_Mar_2025"
PROVIDER_PATTERN = r"^Provider_level_at_31_Mar_\d{4}$"


def provider_sheet_rows(title_rows: int = 3) -> list[list[Cell]]:
    """The provider-level sheet: title rows (the table at A4 with three), the header, the providers."""
    titles: list[list[Cell]] = [
        ["Children's social care data in England 2025 \u2013 Provider level as at 31 March 2025"],
        ["This worksheet contains one table, this table begins in cell A4."],
        ["Some cells in this table are empty, where the column does not apply to that provider type."],
        ["A further note added one year."],
    ]
    return titles[:title_rows] + [PROVIDER_HEADER] + PROVIDER_ROWS


JOINERS_SHEET = "Leavers+Joiners_at_31_Mar_2025"
JOINERS_PATTERN = r"^Leavers\+Joiners_at_31_Mar_\d{4}$"
JOINERS_ROWS: list[list[Cell]] = [
    ["Children's social care data in England 2025 - Leavers and Joiners at 31 March 2025"],
    ["This worksheet contains one table which begins in cell A4."],
    [],
    # fmt: off
    [
        "URN",
        "\nProvision type",
        "Government Office Region",
        "Local authority",
        "Sector",
        "Places",
        "Short-break-only children's home",
        "Joiner status",
        "Leaver status",
        "Registration date",
        "Name",
    ],
    [
        "SC333333",
        "Children's home",
        "North West",
        "Wigan",
        "Private",
        2,
        None,
        "Joiner",
        None,
        date(2024, 10, 1),
        "REDACTED",
    ],
    [
        2345678,
        "Children's home",
        "North West",
        "Bolton",
        "Voluntary",
        6.0,
        None,
        None,
        "Leaver",
        date(2010, 5, 4),
        "REDACTED",
    ],
    [
        "SC444444",
        "Independent fostering agency",
        "North West",
        "Bolton",
        "Private",
        0,
        None,
        "Joiner",
        None,
        date(2024, 6, 3),
        "D Ltd",
    ],
    # fmt: on
]


def ofsted_workbook(provider_rows: list[list[Cell]] | None = None) -> list[Sheet]:
    """Every sheet of a small workbook laid out like Ofsted's."""
    rows = provider_rows if provider_rows is not None else provider_sheet_rows()
    return [
        ("Cover", [["Children's social care data in England 2025"], [], ["Published 15 July 2025"]]),
        (
            "Contents",
            [
                ["Contents"],
                ["This worksheet contains one table, which begins in cell A3."],
                ["Sheet", "Description"],
                [PROVIDER_SHEET, "Providers at 31 March 2025 with their latest full inspection"],
                ["Provider_level_in_year_2024-25", "Inspections in the year"],
            ],
        ),
        ("Guidance", [["Guidance"], ["Read the notes before using the data."]]),
        (
            "Notes",
            [
                ["Notes"],
                ["This worksheet contains one table, which begins in cell A3."],
                ["Note number", "Note text"],
                [1, "Names and addresses of children's homes are redacted."],
            ],
        ),
        ("Meta-data", [["Meta-data"], [], [], ["Column", "Meaning"], ["URN", "Unique reference number"]]),
        (PROVIDER_SHEET, rows),
        (
            "Provider_level_in_year_2024-25",
            [["Inspections in the year"], [], [], ["URN", "Provision type", "Local authority"]],
        ),
        (
            "Providers+places_at_31_Mar_2025",
            [["Providers and places"], [], [], ["URN", "Provision type", "Local authority", "Places"]],
        ),
        (JOINERS_SHEET, JOINERS_ROWS),
        ("Providers+places_Time_series", [["Time series"], [], [], ["Year", "Providers", "Places"]]),
    ]


# --------------------------------------------------------------------------------------------------------------
# A real CSV export put back into a sheet in Ofsted's layout
# --------------------------------------------------------------------------------------------------------------

_DAY = re.compile(r"^(\d{2})/(\d{2})/(\d{4})$")


def export_rows(path: Path) -> list[list[str]]:
    """A CSV export's records as text (UTF-8, else Windows-1252, as the archive's exports are)."""
    raw = path.read_bytes()
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = raw.decode("cp1252")
    return list(csv.reader(io.StringIO(text, newline="")))


def typed(cell: str) -> Cell:
    """A cell as a spreadsheet holds it: dd/mm/yyyy a date, a whole number without leading zero a number, empty
    nothing, anything else text."""
    if cell == "":
        return None
    match = _DAY.match(cell)
    if match:
        return date(int(match.group(3)), int(match.group(2)), int(match.group(1)))
    if cell.isdigit() and len(cell) < 15 and (cell == "0" or not cell.startswith("0")):
        return int(cell)
    return cell


def table_sheet(rows: list[list[str]], title: str, title_rows: int = 3) -> list[list[Cell]]:
    """The sheet of a list: title rows (three put the table at A4, as Ofsted's do; one more, a note added one
    year), then the table, "Provision type" as "\nProvision type"."""
    header_index = next(i for i, row in enumerate(rows) if "URN" in row)
    header = ["\nProvision type" if cell == "Provision type" else cell for cell in rows[header_index]]
    titles: list[list[Cell]] = [
        [title],
        ["This worksheet contains one table, this table begins in cell A4."],
        ["Some cells in this table are empty."],
        ["A further note added one year."],
    ]
    return (
        titles[:title_rows]
        + [[typed(c) for c in header]]
        + [[typed(c) for c in row] for row in rows[header_index + 1 :]]
    )
