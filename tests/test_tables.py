"""analysis/sources/tables.py: CSV text in every encoding the publishers use, ODS/XLSX sheets by name, and the
structural checks, each naming the source, the file, the check and the record.

Structural faults are tried on doctored copies of REAL files (copied from the sources' archive, the `mirror_dir`
fixture, into tmp_path, then cut, re-encoded or overwritten) and read as their manifest rows through the readers
the pipeline uses (dfe_placements.sfr_measures, dfe_placements.netgain on analysis.datasets.SourceFiles);
expected record numbers and cell counts are worked out here from the bytes of the copy, never from the reader.
Workbooks are written here (tests/workbooks.py) laid out like Ofsted's.
"""

from __future__ import annotations

import csv
import logging
import random
from datetime import date, datetime
from pathlib import Path

import polars as pl
import pytest
import workbooks as wb
from mirror_sources import MANIFEST, path_of

from analysis import geography
from analysis.datasets import SourceFiles
from analysis.datasets import placements_at_31_march as placements_module
from analysis.errors import ParseError
from analysis.sources import dfe_common, tables
from analysis.sources import dfe_placements as dp

SFR_ID = "dfe-cla-sfr-2012-sfr20-cla2012"
EES_ID = "dfe-cla-ees-2024-la-cla-on-31-march-la-of-placement-netgain"
RELEASE = "test release"


@pytest.fixture
def real(mirror_dir: Path):
    """The archive's copy of a manifest row's file."""

    def path(source_id: str) -> Path:
        found = path_of(mirror_dir, source_id)
        assert found.is_file(), f"the archive is missing {found}"
        return found

    return path


def copy_of(tmp_path: Path, source_id: str, content: bytes) -> Path:
    """A file named as the manifest row's file, in tmp_path, holding `content`."""
    path = tmp_path / MANIFEST[source_id].file_name
    path.write_bytes(content)
    return path


def as_fetched(source_id: str, path: Path) -> SourceFiles:
    """`path` handed to the readers as the fetched file of the manifest row `source_id`."""
    return SourceFiles({source_id: MANIFEST[source_id]}, {source_id: path})


def read_sfr(path: Path) -> pl.DataFrame:
    """The SFR measures of the children-looked-after file, as placements_at_31_march reads them."""
    return dp.sfr_measures(as_fetched(SFR_ID, path), placements_module.MEASURES)


def read_ees(path: Path) -> pl.DataFrame:
    """The LA-of-placement file's measures (outside, placed here by others, net gain), as the pipeline reads them."""
    return dp.netgain(as_fetched(EES_ID, path))


def raised(call, *args, **kwargs) -> ParseError:
    with pytest.raises(ParseError) as error:
        call(*args, **kwargs)
    return error.value


def nth_comma(line: bytes, n: int) -> int:
    position = -1
    for _ in range(n):
        position = line.index(b",", position + 1)
    return position


# --------------------------------------------------------------------------------------------------------------
# Structural faults on doctored copies of real files
# --------------------------------------------------------------------------------------------------------------


def test_sfr_file_cut_mid_record_is_refused_by_the_reader(tmp_path, real):
    original = real(SFR_ID).read_bytes()
    lines = original.split(b"\n")
    header_cells = len(next(csv.reader([lines[0].decode("utf-8").rstrip("\r")])))
    assert header_cells == 53  # SFR20_CLA2012.csv: New_geog_code ... CLA_NetGain
    # keep records 1-100 and record 101 up to two characters into its sixth cell (Milton Keynes, CLA_Mar2012 '278')
    cut = lines[100][: nth_comma(lines[100], 5) + 3]
    assert cut == b"E06000042,LA,826,Milton Keynes,278,39"
    path = copy_of(tmp_path, SFR_ID, b"\n".join(lines[:100]) + b"\n" + cut)
    error = raised(read_sfr, path)
    assert (error.source_id, error.file, error.check) == (
        SFR_ID,
        "SFR20_CLA2012.csv",
        "every row has the header's number of cells",
    )
    assert error.detail == "record 101 has 6 cells, the header 53 (the file ends mid-row)"


def test_ees_file_cut_mid_row_names_the_record_not_a_label(tmp_path, real):
    original = real(EES_ID).read_bytes()
    lines = original.split(b"\n")
    # record 2000 cut inside its 'characteristic' label: before, a half label read as an unknown category
    cut = lines[1999][: nth_comma(lines[1999], 10) + 12]
    assert cut.endswith(b",E09000029,1. Children")
    path = copy_of(tmp_path, EES_ID, b"\n".join(lines[:1999]) + b"\n" + cut)
    error = raised(read_ees, path)
    assert (error.source_id, error.file, error.check, error.detail) == (
        EES_ID,
        "la_cla_on_31_march_la_of_placement_netgain.csv",
        "every row has the header's number of cells",
        "record 2000 has 11 cells, the header 12 (the file ends mid-row)",
    )


def test_ees_header_only_file(tmp_path, real):
    header = real(EES_ID).read_bytes().split(b"\n")[0] + b"\n"
    path = copy_of(tmp_path, EES_ID, header)
    error = raised(read_ees, path)
    assert (error.source_id, error.file, error.check, error.detail) == (
        EES_ID,
        "la_cla_on_31_march_la_of_placement_netgain.csv",
        "data rows present",
        "no data rows: the file holds only its header",
    )


@pytest.mark.parametrize("bom", [b"", b"\xef\xbb\xbf"])
def test_ees_header_row_repeated_inside_the_data(tmp_path, bom, real):
    lines = real(EES_ID).read_bytes().split(b"\n")
    assert lines[0].startswith(b"\xef\xbb\xbftime_period,")
    # the header again as record 501, with or without its byte order mark (two downloads joined end to end)
    doctored = lines[:500] + [bom + lines[0].removeprefix(b"\xef\xbb\xbf")] + lines[500:]
    path = copy_of(tmp_path, EES_ID, b"\n".join(doctored))
    error = raised(read_ees, path)
    assert (error.source_id, error.file, error.check, error.detail) == (
        EES_ID,
        "la_cla_on_31_march_la_of_placement_netgain.csv",
        "header row appears once",
        "header row repeated at record 501",
    )


def test_utf16_copy_of_a_real_file_reads_identically(tmp_path, caplog, real):
    text = real(EES_ID).read_bytes().decode("utf-8-sig")
    expected = read_ees(real(EES_ID))
    little = copy_of(tmp_path, EES_ID, text.encode("utf-16"))  # byte order mark + little-endian
    assert little.read_bytes()[:2] == b"\xff\xfe"
    with caplog.at_level(logging.INFO, logger="analysis.sources.tables"):
        assert read_ees(little).equals(expected)
    assert (
        "UTF-16 text: decoded" in caplog.text
        and "la_cla_on_31_march_la_of_placement_netgain.csv" in caplog.text
    )
    big = tmp_path / "big-endian" / little.name
    big.parent.mkdir()
    big.write_bytes(b"\xfe\xff" + text.encode("utf-16-be"))
    assert read_ees(big).equals(expected)
    sfr_text = real(SFR_ID).read_bytes().decode("utf-8")
    sfr = copy_of(tmp_path, SFR_ID, sfr_text.encode("utf-16"))
    assert read_sfr(sfr).equals(read_sfr(real(SFR_ID)))


HTML_PAGE = (
    '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" '
    'content="width=device-width, initial-scale=1"><title>Page not found - GOV.UK</title></head>\n'
    "<body><h1>Page not found</h1><p>If you entered a web address, check it is correct.</p></body></html>\n"
)


def test_html_page_whose_first_line_has_commas_is_refused(tmp_path):
    first_line = HTML_PAGE.split("\n")[0]
    assert "," in first_line  # would pass for a CSV header on a comma count alone
    path = copy_of(tmp_path, SFR_ID, HTML_PAGE.encode("utf-8"))
    error = raised(read_sfr, path)
    assert (error.source_id, error.file, error.check) == (
        SFR_ID,
        "SFR20_CLA2012.csv",
        "a table, not a web page",
    )
    assert error.detail == f"HTML page, not CSV: record 1 begins {first_line[:80]!r}"
    assert error.detail.startswith("HTML page, not CSV: record 1 begins '<!DOCTYPE html>")
    # the rows reader (Ofsted) refuses it the same way, leading blank lines and all
    page = copy_of(tmp_path, "ofsted-provider-level-2024-03-31", b"\r\n  " + HTML_PAGE.encode("utf-8"))
    error = raised(tables.read_rows, page, "ofsted-provider-level-2024-03-31")
    assert (error.file, error.check) == ("provider-level-2024-03-31.csv", "a table, not a web page")


def test_random_bytes_are_refused_naming_the_byte(tmp_path):
    data = random.Random(20250601).randbytes(4096)
    first = next(i for i, b in enumerate(data) if b < 0x20 and b not in (0x09, 0x0A, 0x0D))
    line = data[:first].count(b"\n") + 1
    path = copy_of(tmp_path, SFR_ID, data)
    error = raised(read_sfr, path)
    assert (error.source_id, error.file, error.check) == (
        SFR_ID,
        "SFR20_CLA2012.csv",
        "text, not binary data",
    )
    assert error.detail == (
        f"byte {first + 1} (line {line}) is the control character 0x{data[first]:02X}: binary data, not text"
    )
    error = raised(tables.read_rows, path, SFR_ID)
    assert error.check == "text, not binary data"


def test_a_workbook_where_csv_is_expected_and_a_broken_workbook(tmp_path):
    path = wb.write_xlsx(tmp_path / "SFR20_CLA2012.csv", [("Data", [["New_geog_code", "geog_l"]])])
    error = raised(read_sfr, path)
    assert (error.source_id, error.file, error.check) == (
        SFR_ID,
        "SFR20_CLA2012.csv",
        "CSV text, not a workbook",
    )
    broken = tmp_path / "csc.ods"
    broken.write_bytes(b"PK\x03\x04" + bytes(200))
    error = raised(tables.read_rows, broken, "ofsted-csc", sheet="Provider")
    assert (error.file, error.check) == ("csc.ods", "readable workbook")


def test_every_real_frame_file_reads_as_polars_reads_it(mirror_dir):
    """read_csv_frame gives exactly polars' frame for every DfE, ONS and mySociety CSV of the mirror: the checks
    refuse nothing real and change no value (the fast record count agrees with the parser)."""
    checked = 0
    for source_id, source in MANIFEST.items():
        path = path_of(mirror_dir, source)
        if not source_id.startswith(("dfe-", "geo-")) or path.suffix != ".csv":
            continue
        raw = path.read_bytes()
        expected = pl.read_csv(raw.removeprefix(b"\xef\xbb\xbf"), infer_schema=False)
        frame = tables.read_csv_frame(path, source_id)
        assert frame.equals(expected) and frame.columns == expected.columns, source_id
        checked += 1
    assert checked >= 40  # 48 DfE and 7 geography CSV files in the manifest today


# --------------------------------------------------------------------------------------------------------------
# Decoding
# --------------------------------------------------------------------------------------------------------------

TEXT = "URN,Local authority\r\nSC123456,Children\u2019s home \u2013 Bristol\r\n"


@pytest.mark.parametrize(
    ("raw", "encoding"),
    [
        (TEXT.encode("utf-8"), "utf-8"),
        (b"\xef\xbb\xbf" + TEXT.encode("utf-8"), "utf-8-sig"),
        (TEXT.encode("cp1252"), "windows-1252"),
        (TEXT.encode("utf-16"), "utf-16"),
        (b"\xfe\xff" + TEXT.encode("utf-16-be"), "utf-16"),
    ],
)
def test_decode_every_publisher_encoding(raw, encoding):
    assert tables.decode(raw, "s", "f.csv") == (TEXT, encoding)


@pytest.mark.parametrize(
    ("raw", "check", "detail"),
    [
        (b"", "file is not empty", "the file has 0 bytes"),
        (
            b"\xef\xbb\xbfa,b\n\x81,2\n",
            "text encoding is UTF-8, Windows-1252 or UTF-16 with a byte order mark",
            "starts with a UTF-8 byte order mark but byte 8 (0x81, line 2) is not UTF-8",
        ),
        (
            b"a,b\n1,\x9d\n",
            "text encoding is UTF-8, Windows-1252 or UTF-16 with a byte order mark",
            "byte 7 (0x9D, line 2) is neither UTF-8 nor Windows-1252",
        ),
        (
            b"a,b\n1,2\x00\n",
            "text, not binary data",
            "byte 8 (line 2) is the control character 0x00: binary data, not text",
        ),
        (
            "a,b\n1,\x07\n".encode("utf-16"),
            "text, not binary data",
            "line 2 holds the control character U+0007: binary data, not text",
        ),
    ],
)
def test_decode_refusals(raw, check, detail):
    error = raised(tables.decode, raw, "s", "f.csv")
    assert (error.source_id, error.file, error.check, error.detail) == ("s", "f.csv", check, detail)


def test_cell_text_is_what_a_csv_export_shows():
    assert [
        tables.cell_text(v)
        for v in [
            "\nProvision type",
            4.0,
            12345678901234.0,
            0.5,
            7,
            True,
            False,
            date(2024, 1, 2),
            datetime(2024, 1, 2, 0, 0),
            datetime(2024, 1, 2, 13, 5, 9),
            "",
            None,
        ]
    ] == [
        "\nProvision type",
        "4",
        "12345678901234",
        "0.5",
        "7",
        "TRUE",
        "FALSE",
        "02/01/2024",
        "02/01/2024",
        "02/01/2024 13:05:09",
        "",
        "",
    ]


# --------------------------------------------------------------------------------------------------------------
# Rows from CSV text: records, header search, data rows
# --------------------------------------------------------------------------------------------------------------


def rows_file(tmp_path: Path, text: str, name: str = "list.csv") -> Path:
    path = tmp_path / name
    path.write_bytes(text.encode("utf-8"))
    return path


def test_read_rows_counts_records_not_lines(tmp_path):
    path = rows_file(
        tmp_path, 'Title,,\r\n"URN","\nProvision type",LA\r\nSC1,"Children\'s\nhome",Kent\r\n,,\r\n'
    )
    table = tables.read_rows(path, "s")
    assert table.rows == [
        ["Title", "", ""],
        ["URN", "\nProvision type", "LA"],
        ["SC1", "Children's\nhome", "Kent"],
        ["", "", ""],
    ]
    assert (table.file_name, table.encoding, table.sheet) == ("list.csv", "utf-8", None)
    header = table.find_header(["URN", "Provision type", ("Local authority", "LA")])
    assert header == 1
    assert table.data_rows(header) == [(3, ["SC1", "Children's\nhome", "Kent"])]  # padding row 4 left out


def test_header_not_found_names_what_was_looked_for():
    rows = [["Title"]] * 20 + [["URN", "\nProvision  type", "LA", "Children\u2019s\u00a0home"]]
    error = raised(
        tables.find_header_row, rows, ["URN", "Provision type", ("Local authority", "LA")], "s", "f.csv"
    )
    assert (error.check, error.detail) == (
        "header row found",
        "no row among the first 20 names 'URN', 'Provision type' and 'Local authority' or 'LA'",
    )
    # newlines, runs of spaces, no-break spaces, curly quotes and case do not matter
    assert (
        tables.find_header_row(rows, ["urn", "PROVISION TYPE", "children's home"], "s", "f.csv", within=21)
        == 20
    )


@pytest.mark.parametrize(
    ("text", "check", "detail"),
    [
        (
            "URN,LA\r\nSC1,Kent\r\nSC2,Kent,x\r\nSC3,Kent\r\n",
            "every row has the header's number of cells",
            "record 3 has 3 cells, the header 2",
        ),
        (
            "URN,LA\r\nSC1,Kent\r\nSC2\r\n",
            "every row has the header's number of cells",
            "record 3 has 1 cells, the header 2",  # ends with a line break: not cut mid-row
        ),
        (
            "URN,LA\r\nSC1,Kent\r\nSC2",
            "every row has the header's number of cells",
            "record 3 has 1 cells, the header 2 (the file ends mid-row)",
        ),
        (
            "URN,LA\r\nSC1,Kent\r\n urn , la \r\nSC2,Kent\r\n",
            "header row appears once",
            "header row repeated at record 3",
        ),
        (
            "Title,\r\nURN,LA\r\n,\r\n,\r\n",
            "data rows present",
            "no data rows: nothing below the header (record 2)",
        ),
    ],
)
def test_data_rows_checks(tmp_path, text, check, detail):
    table = tables.read_rows(rows_file(tmp_path, text), "s")
    error = raised(table.data_rows, table.find_header(["URN", "LA"]))
    assert (error.source_id, error.file, error.check, error.detail) == ("s", "list.csv", check, detail)


def test_quoted_cell_left_open_at_the_end(tmp_path):
    path = rows_file(tmp_path, 'URN,LA\r\nSC1,Kent\r\nSC2,"Kent\r\n')
    for reader in (tables.read_rows, tables.read_csv_frame):
        error = raised(reader, path, "s")
        assert (error.check, error.detail) == (
            "readable CSV",
            "record 3 is cut inside a quoted cell (the file ends mid-row)",
        )


def test_sheet_asked_of_a_csv_file(tmp_path):
    error = raised(tables.read_rows, rows_file(tmp_path, "URN,LA\r\nSC1,Kent\r\n"), "s", sheet="Provider")
    assert (error.check, error.detail) == (
        "one sheet matches",
        "sheet 'Provider' was asked for, but the file is CSV text, not a workbook",
    )


# --------------------------------------------------------------------------------------------------------------
# Frames
# --------------------------------------------------------------------------------------------------------------


def test_frame_with_quoted_line_breaks_reads_as_polars(tmp_path):
    text = 'a,b,c\r\n1,"two\r\nlines, and a comma",3\r\n4,,6\r\n'
    frame = tables.read_csv_frame(rows_file(tmp_path, text), "s")
    assert frame.rows() == [("1", "two\r\nlines, and a comma", "3"), ("4", None, "6")]
    assert tables.read_csv_frame(rows_file(tmp_path, text), "s", empty_as_null=False)["b"][1] == ""


@pytest.mark.parametrize(
    ("text", "check", "detail"),
    [
        (
            "a,b,c\n1,2,3\n4,5\n6,7,8\n",
            "every row has the header's number of cells",
            "record 3 has 2 cells, the header 3",
        ),
        (
            "a,b,c\n1,2,3\n4,5,6,7\n",
            "every row has the header's number of cells",
            "record 3 has 4 cells, the header 3",
        ),
        (
            'a,b,c\n1,"2,x",3\n4,"5,6"\n',
            "every row has the header's number of cells",
            "record 3 has 2 cells, the header 3",
        ),
        (
            "a,b,c\n1,2,3\n\n4,5,6\n",
            "no empty record inside the table",
            "record 3 is empty (no cell has a value)",
        ),
        (
            "a,b,c\n1,2,3\n, ,\n4,5,6\n",
            "no empty record inside the table",
            "record 3 is empty (no cell has a value)",
        ),
        ("a,b,c\n1,2,3\n a ,b,c\n", "header row appears once", "header row repeated at record 3"),
        ("a,b,c\r\n", "data rows present", "no data rows: the file holds only its header"),
    ],
)
def test_frame_structural_checks(tmp_path, text, check, detail):
    error = raised(tables.read_csv_frame, rows_file(tmp_path, text, "f.csv"), "s")
    assert (error.source_id, error.file, error.check, error.detail) == ("s", "f.csv", check, detail)


def test_project_tables_may_be_empty_but_sources_may_not(tmp_path):
    path = rows_file(tmp_path, "alias,la_code,seen_in,note\n", "aliases.csv")
    assert tables.read_csv_frame(path, "project-reference", require_rows=False).columns == [
        "alias",
        "la_code",
        "seen_in",
        "note",
    ]
    assert geography.read_name_aliases(path).height == 0
    error = raised(dfe_common.read_ees_csv, path, "s", RELEASE)
    assert error.check == "data rows present"


# --------------------------------------------------------------------------------------------------------------
# Workbooks
# --------------------------------------------------------------------------------------------------------------

WRITERS = {"xlsx": wb.write_xlsx, "ods": wb.write_ods}


@pytest.mark.parametrize("kind", sorted(WRITERS))
def test_workbook_sheet_rows_as_a_csv_export_shows_them(tmp_path, kind):
    path = WRITERS[kind](tmp_path / f"csc.{kind}", wb.ofsted_workbook())
    table = tables.read_rows(path, "ofsted-csc-2025", sheet=wb.PROVIDER_PATTERN)
    assert (table.sheet, table.file_name, table.encoding) == (
        wb.PROVIDER_SHEET,
        f"csc.{kind} [Provider_level_at_31_Mar_2025]",
        None,
    )
    assert len(table.rows) == 3 + 1 + len(wb.PROVIDER_ROWS)
    assert table.rows[0][0].startswith("Children's social care data in England 2025")
    assert table.rows[0][1:] == [""] * 15
    assert table.rows[3] == wb.PROVIDER_HEADER
    assert table.rows[5] == [
        wb.WEB,
        "1234567",
        "Secure children's home",
        "01/07/2002",
        "Active",
        "REDACTED",
        "North East, Yorkshire and the Humber",
        "Yorkshire and The Humber",
        "Leeds",
        "Local Authority",
        "8",
        "",
        "Leeds City Council",
        "Full inspection",
        "20/06/2024",
        "Outstanding",
    ]
    assert table.rows[8][10] == "3"  # places stored as 3.0
    header = table.find_header(["URN", "Provision type", ("Local authority", "LA")])
    assert header == 3  # A4
    assert [record for record, _ in table.data_rows(header)] == [5, 6, 7, 8, 9]
    # the same rows as a CSV export
    export = wb.csv_export(tmp_path / "provider-level-2025-03-31.csv", wb.provider_sheet_rows())
    assert tables.read_rows(export, "ofsted-csc-2025").rows == table.rows


@pytest.mark.parametrize("kind", sorted(WRITERS))
def test_workbook_rows_count_from_a1_when_the_top_rows_are_empty(tmp_path, kind):
    rows = [[], [], [], [None, "URN", "LA"], [None, "SC1", "Kent"]]
    path = WRITERS[kind](tmp_path / f"one.{kind}", [("Data", rows)])
    table = tables.read_rows(path, "s")  # one sheet: no pattern needed
    assert table.rows[3:] == [["", "URN", "LA"], ["", "SC1", "Kent"]]
    assert table.data_rows(table.find_header(["URN"])) == [(5, ["", "SC1", "Kent"])]


SHEETS = [
    "Cover",
    "Contents",
    "Guidance",
    "Notes",
    "Meta-data",
    "Provider_level_at_31_Mar_2025",
    "Provider_level_in_year_2024-25",
    "Providers+places_at_31_Mar_2025",
    "Leavers+Joiners_at_31_Mar_2025",
    "Providers+places_Time_series",
]


@pytest.mark.parametrize("kind", sorted(WRITERS))
@pytest.mark.parametrize(
    ("sheet", "detail"),
    [
        (
            "^Provider_level",
            f"2 sheets (['Provider_level_at_31_Mar_2025', 'Provider_level_in_year_2024-25']) match '^Provider_level'; the workbook's sheets: {SHEETS}",
        ),
        (
            r"^Provider_level_at_31_Mar_2026$",
            f"no sheet match '^Provider_level_at_31_Mar_2026$'; the workbook's sheets: {SHEETS}",
        ),
        (None, f"no sheet named to read, and the workbook has 10 sheets: {SHEETS}"),
        ("[", "sheet pattern '[' is not a regular expression: unterminated character set at position 0"),
    ],
)
def test_sheet_must_match_exactly_one(tmp_path, kind, sheet, detail):
    path = WRITERS[kind](tmp_path / f"csc.{kind}", wb.ofsted_workbook())
    error = raised(tables.read_rows, path, "ofsted-csc-2025", sheet=sheet)
    assert (error.source_id, error.file, error.check, error.detail) == (
        "ofsted-csc-2025",
        f"csc.{kind}",
        "one sheet matches",
        detail,
    )


def test_ofsted_la_names_from_a_workbook_sheet(tmp_path):
    path = wb.write_ods(tmp_path / "csc.ods", wb.ofsted_workbook())
    names = geography.ofsted_la_names_in_file(path, "ofsted-csc-2025", sheet=wb.PROVIDER_PATTERN)
    assert names == {"Bristol", "Leeds", "Kent", "Essex", "Camden"}
    export = wb.csv_export(tmp_path / "provider-level-2025-03-31.csv", wb.provider_sheet_rows())
    assert geography.ofsted_la_names_in_file(export) == names


def test_ofsted_la_names_refuse_a_repeated_header(tmp_path):
    rows = wb.provider_sheet_rows()
    path = wb.csv_export(
        tmp_path / "provider-level-2025-03-31.csv", rows[:6] + [wb.PROVIDER_HEADER] + rows[6:]
    )
    error = raised(geography.ofsted_la_names_in_file, path)
    assert (error.source_id, error.check, error.detail) == (
        "ofsted",
        "header row appears once",
        "header row repeated at record 7",
    )
