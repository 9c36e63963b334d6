"""Ofsted children's homes: the parser on every real file's layout, small fixtures for each trap and failure,
the homes dataset, the summaries and the reconciliation against published totals.

Expected figures and where they come from:
- 31 March 2018: 2,209 children's homes, 423 run by councils: Ofsted "Children's social care data in England
  2018", main findings (shared/DATA-MAP.md); the providers-and-places list for that date holds that count
  (shared/upstream/README.md). The provider-level list for the date holds 2,123 (shared/upstream/README.md).
- 31 August 2024 providers-and-places list: 3,491 homes of all types (shared/upstream/README.md).
- 31 March 2017: 2,145 homes, 434 council-run; 31 March 2023: 2,880 homes, 10,818 places (DATA-MAP.md).
- Header rows and column names: read off each file (`head` of the CSV), listed in HEADER_ROWS below.
- Per-file counts of homes are cross-checked against a plain count made here with the csv module.
"""

from __future__ import annotations

import csv
import io
from datetime import date
from pathlib import Path

import polars as pl
import pytest
import workbooks as wb

from analysis import geography, settings
from analysis.datasets import SourceFiles
from analysis.datasets import childrens_homes as homes_module
from analysis.datasets import childrens_homes_by_area as by_area
from analysis.datasets import council_run_homes as council_module
from analysis.datasets import homes_reconciliation as reconciliation
from analysis.datasets import ownership_concentration as ownership
from analysis.errors import GeographyError, ParseError
from analysis.manifest import load_sources
from analysis.sources import ofsted
from analysis.validate import validate

MIRROR = settings.DEFAULT_MIRROR
SOURCES = load_sources()


def path_of(source_id: str) -> Path:
    return MIRROR / SOURCES[source_id].mirror_path


# Row (0-based) of the header in each real file, read off the files: title rows above it from 2022, the
# "Provider information / Latest Full Inspection" super-header in 2016-2021.
HEADER_ROWS = {
    "ofsted-providers-places-2014-09-30": 0,
    "ofsted-provider-level-2015-03-31": 0,
    "ofsted-provider-level-2016-03-31": 1,
    "ofsted-provider-level-2017-03-31": 1,
    "ofsted-provider-level-2018-03-31": 1,
    "ofsted-providers-places-2018-03-31": 0,
    "ofsted-provider-level-2019-03-31": 1,
    "ofsted-provider-level-2020-03-31": 1,
    "ofsted-provider-level-2021-03-31": 1,
    "ofsted-provider-level-2022-03-31": 4,
    "ofsted-provider-level-2023-03-31": 3,
    "ofsted-provider-level-2023-08-31": 0,
    "ofsted-providers-places-2023-08-31": 0,
    "ofsted-provider-level-2024-03-31": 3,
    "ofsted-providers-places-2024-08-31": 0,
}
# Which optional columns each file has (read off the headers).
HAS_PLACES = set(HEADER_ROWS) - {"ofsted-provider-level-2015-03-31"}
HAS_OWNER = {s for s in HEADER_ROWS if ofsted.snapshot_file(s).snapshot_date >= date(2018, 3, 31)}
HAS_JUDGEMENT = {s for s in HEADER_ROWS if ofsted.snapshot_file(s).kind == ofsted.PROVIDER_LEVEL}


def test_every_snapshot_source_is_listed():
    assert sorted(HEADER_ROWS) == sorted(ofsted.SNAPSHOT_SOURCE_IDS)
    listed = {s for s in SOURCES if s.startswith(("ofsted-provider-level-", "ofsted-providers-places-"))}
    assert listed == set(ofsted.SNAPSHOT_SOURCE_IDS)


def _plain_count(path: Path) -> tuple[int, int]:
    """Children's homes and council-run ones, counted here without the parser: decode, find the row with 'URN',
    count rows whose provision type is one of the children's-home labels (any capitalisation)."""
    raw = path.read_bytes()
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = raw.decode("cp1252")
    rows = list(csv.reader(io.StringIO(text, newline="")))
    start = next(i for i, r in enumerate(rows) if "URN" in r)
    header = [c.lower() for c in rows[start]]
    kind = header.index("provision type")
    sector = header.index("sector")
    labels = {
        "children's home",
        "secure children's home",
        "residential special school (registered as a children's home)",
        "residential special school (>295 days/year)",
    }
    homes = [r for r in rows[start + 1 :] if r and r[kind].lower() in labels]
    return len(homes), sum(1 for r in homes if r[sector].lower() == "local authority")


@pytest.mark.parametrize("source_id", ofsted.SNAPSHOT_SOURCE_IDS)
def test_parser_reads_every_real_layout(source_id):
    path = path_of(source_id)
    text = ofsted.decode_text(path.read_bytes(), source_id, path.name)
    rows = list(csv.reader(io.StringIO(text, newline="")))
    assert ofsted.find_header_row(rows, source_id, path.name) == HEADER_ROWS[source_id]

    homes = ofsted.parse_homes(path, source_id)
    snapshot = ofsted.snapshot_file(source_id)
    assert homes["snapshot_date"].unique().to_list() == [snapshot.snapshot_date]
    assert set(homes["provision_type"]) <= set(ofsted.CHILDRENS_HOME_TYPES)
    assert set(homes["sector"]) <= set(ofsted.HOME_SECTORS)
    assert homes["urn"].is_unique().all()
    assert homes["urn"].str.contains(ofsted.URN_PATTERN).all()
    # the same count as a plain count of the file
    expected_homes, expected_council = _plain_count(path)
    assert homes.height == expected_homes
    assert homes.filter(pl.col("sector") == "Local authority").height == expected_council
    # optional columns present exactly where the file has them
    assert (homes["places"].null_count() == 0) == (source_id in HAS_PLACES)
    assert (homes["owner_name_published"].null_count() < homes.height) == (source_id in HAS_OWNER)
    assert (homes["latest_overall_judgement"].null_count() < homes.height) == (source_id in HAS_JUDGEMENT)
    if source_id in HAS_PLACES:
        assert homes["places"].min() >= 1 and homes["places"].max() <= 100


def test_counts_stated_in_the_readme_and_publications():
    pp_2018 = ofsted.parse_homes(
        path_of("ofsted-providers-places-2018-03-31"), "ofsted-providers-places-2018-03-31"
    )
    assert pp_2018.height == 2209  # Ofsted published total, 31 March 2018
    assert pp_2018.filter(pl.col("sector") == "Local authority").height == 423  # published, council-run
    pl_2018 = ofsted.parse_homes(
        path_of("ofsted-provider-level-2018-03-31"), "ofsted-provider-level-2018-03-31"
    )
    assert pl_2018.height == 2123  # README: the provider-level list's count
    pp_2024 = ofsted.parse_homes(
        path_of("ofsted-providers-places-2024-08-31"), "ofsted-providers-places-2024-08-31"
    )
    assert pp_2024.height == 3491  # README


def test_2014_and_2015_label_for_residential_special_schools_is_mapped():
    homes = ofsted.parse_homes(
        path_of("ofsted-provider-level-2015-03-31"), "ofsted-provider-level-2015-03-31"
    )
    assert ofsted.RSS_CHILDRENS_HOME in set(homes["provision_type"])
    # the 2015 'Region' column holds Ofsted's own regions, not government office regions: not read
    assert homes["region_name_published"].null_count() == homes.height


def test_short_break_values_by_layout():
    y2017 = ofsted.parse_homes(
        path_of("ofsted-provider-level-2017-03-31"), "ofsted-provider-level-2017-03-31"
    )
    assert y2017["short_break_only"].null_count() == 0 and y2017["short_break_only"].any()
    y2018 = ofsted.parse_homes(
        path_of("ofsted-providers-places-2018-03-31"), "ofsted-providers-places-2018-03-31"
    )
    assert y2018["short_break_only"].null_count() == y2018.height  # not published in 2018


@pytest.mark.parametrize("source_id", ofsted.SNAPSHOT_SOURCE_IDS)
def test_every_la_name_in_every_list_maps(source_id):
    """Every provider's LA name (homes and other providers) maps to a council on the list's date."""
    providers = ofsted.read_provider_list(path_of(source_id), source_id)
    on = ofsted.snapshot_file(source_id).snapshot_date
    names = set(providers["la_name_published"].str.strip_chars()) - {""}
    assert names
    for name in sorted(names):
        match = geography.la_code_for_name(name, on, source=source_id)
        assert match.gss_code.startswith(("E06", "E08", "E09", "E10")) and match.region_code.startswith("E12")


# --------------------------------------------------------------------------------------------------
# Fixtures: every trap and every failure on small files

GOOD_HEADER = (
    "Web link,URN,Provision type,Local authority,Government Office Region,Sector,Places,Organisation name"
)


def write(
    tmp_path: Path, text: str, name: str = "providers-places-2018-03-31.csv", encoding: str = "utf-8"
) -> Path:
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    return path


FIXTURE_ID = "ofsted-providers-places-2018-03-31"


def test_title_rows_super_header_newlines_and_cp1252(tmp_path):
    text = (
        "Children\u2019s social care data in England 2030 \u2013 Provider level,,,,,,,,\r\n"
        "This worksheet contains one table,,,,,,,,\r\n"
        "Provider information,,,,,,,Latest full inspection,\r\n"
        'Web link,URN,"Provision\ntype",Local authority,"Government Office\nRegion",Sector,Places,'
        '"Organisation which owns\nthe provider",\r\n'
        "x,SC123456,Children\u2019s Home,Bristol,South West,Local authority,4,Bristol City Council,\r\n"
        "x,1234567,Secure children's home,Leeds,Yorkshire and The Humber,Local Authority,8,Leeds City Council,\r\n"
        "x,SC654321,Residential special school (registered as a children's home),Kent,South East,Private,12,A Ltd,\r\n"
        "x,SC111111,Independent Fostering Agency,Kent,South East,Private,,B Ltd,\r\n"
        ",,,,,,,,\r\n"
    )
    path = write(tmp_path, text, encoding="cp1252")
    homes = ofsted.parse_homes(path, FIXTURE_ID)
    assert homes["urn"].to_list() == ["1234567", "SC123456", "SC654321"]
    assert homes["provision_type"].to_list() == [
        ofsted.SECURE_CHILDRENS_HOME,
        ofsted.CHILDRENS_HOME,
        ofsted.RSS_CHILDRENS_HOME,
    ]
    assert homes["sector"].to_list() == ["Local authority", "Local authority", "Private"]
    assert homes["places"].to_list() == [8, 4, 12]
    assert homes["owner_name_published"].to_list() == ["Leeds City Council", "Bristol City Council", "A Ltd"]
    assert homes["file_row"].to_list() == [6, 5, 7]


@pytest.mark.parametrize(
    ("text", "check"),
    [
        ("Title\nnothing here,at all\n", "header row found"),
        (
            GOOD_HEADER + ",Star rating\nx,SC1234567,Children's home,Kent,South East,Private,4,A,5\n",
            "known column names",
        ),
        (
            "Web link,URN,Provision type,Local authority\nx,SC123456,Children's home,Kent\n",
            "required columns present",
        ),
        (
            GOOD_HEADER + "\nx,SC123456,Children's hostel,Kent,South East,Private,4,A\n",
            "known provision types",
        ),
        (
            GOOD_HEADER + "\nx,SC123456,Children's home,Kent,South East,Social enterprise,4,A\n",
            "known sectors",
        ),
        (
            GOOD_HEADER + "\nx,SC123456,Children's home,Kent,South East,Academy,4,A\n",
            "children's home sectors",
        ),
        (
            GOOD_HEADER + "\nx,SC123456,Children's home,Kent,South East,Private,four,A\n",
            "places is a whole number",
        ),
        (
            GOOD_HEADER
            + "\nx,SC123456,Children's home,Kent,South East,Private,4,A\nx,SC123456,Children's home,Kent,"
            "South East,Private,3,A\n",
            "one row per URN",
        ),
        (GOOD_HEADER + "\nx,AB123,Children's home,Kent,South East,Private,4,A\n", "URN format"),
        (
            GOOD_HEADER + "\nx,SC123456,Children's home,Kent,South East,Private,4\n",
            "every row has the header's number of cells",
        ),
        (
            GOOD_HEADER + ",\nx,SC123456,Children's home,Kent,South East,Private,4,A,stray\n",
            "unnamed columns are empty",
        ),
        (GOOD_HEADER + "\nx,,Children's home,Kent,South East,Private,4,A\n", "every provider has a URN"),
        (
            GOOD_HEADER + "\nx,SC123456,Children's home,,South East,Private,4,A\n",
            "every home has a local authority",
        ),
        (
            "URN,Provision type,LA,Sector,LA\nSC123456,Children's home,Kent,Private,Kent\n",
            "one column per canonical name",
        ),
        (
            GOOD_HEADER + "\nx,SC123456,Independent fostering agency,Kent,South East,Private,,A\n",
            "children's homes present",
        ),
        (  # before: "unexpected provision type(s) ['Provision type']"
            GOOD_HEADER + "\nx,SC123456,Children's home,Kent,South East,Private,4,A\n" + GOOD_HEADER + "\n",
            "header row appears once",
        ),
        ("Title\n" + GOOD_HEADER + "\n,,,,,,,\n", "data rows present"),
    ],
)
def test_bad_files_raise_parse_error_naming_file_and_check(tmp_path, text, check):
    path = write(tmp_path, text)
    with pytest.raises(ParseError) as raised:
        ofsted.parse_homes(path, FIXTURE_ID)
    assert raised.value.check == check
    assert raised.value.file == path.name and raised.value.source_id == FIXTURE_ID


def test_judgement_and_short_break_tables(tmp_path):
    header = "URN,Provision type,Local authority,Sector,Places,Short breaks only,Inspection date,Overall effectiveness"
    good = write(
        tmp_path,
        header
        + "\nSC123456,Children's home,Kent,Private,4,Short breaks only,01/02/2017,Requires Improvement to be good\n"
        "SC123457,Children's home,Kent,Private,4,Long term care only,,\n",
        name="provider-level-2017-03-31.csv",
    )
    homes = ofsted.parse_homes(good, "ofsted-provider-level-2017-03-31")
    assert homes["short_break_only"].to_list() == [True, False]
    assert homes["latest_overall_judgement"].to_list() == ["Requires improvement to be good", None]
    assert homes["latest_inspection_date"].to_list() == [date(2017, 2, 1), None]
    for bad_row, check in [
        ("SC123456,Children's home,Kent,Private,4,Sometimes,,", "known short-break values"),
        ("SC123456,Children's home,Kent,Private,4,,01/02/2017,Brilliant", "known overall judgements"),
        (
            "SC123456,Children's home,Kent,Private,4,,2017-02-01,Good",
            "latest_inspection_date is a dd/mm/yyyy date",
        ),
    ]:
        path = write(tmp_path, header + "\n" + bad_row + "\n", name="provider-level-2017-03-31.csv")
        with pytest.raises(ParseError) as raised:
            ofsted.parse_homes(path, "ofsted-provider-level-2017-03-31")
        assert raised.value.check == check


def test_undecodable_bytes_raise(tmp_path):
    path = write(tmp_path, "")
    path.write_bytes(GOOD_HEADER.encode() + b"\nx,SC123456,Children\x81s home,Kent,South East,Private,4,A\n")
    with pytest.raises(ParseError) as raised:
        ofsted.parse_homes(path, FIXTURE_ID)
    assert raised.value.check == "text encoding is UTF-8, Windows-1252 or UTF-16 with a byte order mark"
    # byte 0x81 is undefined in Windows-1252; it sits on line 2, at this offset:
    offset = len(GOOD_HEADER) + 1 + len("x,SC123456,Children")
    assert raised.value.detail == f"byte {offset + 1} (0x81, line 2) is neither UTF-8 nor Windows-1252"


# --------------------------------------------------------------------------------------------------
# Ofsted's workbook (ODS/XLSX sheets) and structural faults in real lists

WORKBOOK_WRITERS = {"xlsx": wb.write_xlsx, "ods": wb.write_ods}
ID_2025 = "ofsted-provider-level-2025-03-31"


@pytest.mark.parametrize("kind", sorted(WORKBOOK_WRITERS))
def test_workbook_sheet_gives_the_same_homes_as_its_csv_export(tmp_path, kind):
    book = WORKBOOK_WRITERS[kind](tmp_path / f"csc-2025.{kind}", wb.ofsted_workbook())
    from_book = ofsted.parse_homes(book, ID_2025, sheet=wb.PROVIDER_PATTERN)
    export = wb.csv_export(tmp_path / "provider-level-2025-03-31.csv", wb.provider_sheet_rows(), "cp1252")
    from_csv = ofsted.parse_homes(export, ID_2025)
    assert from_book.equals(from_csv)
    # and what both hold, read off tests/workbooks.py: the fostering agency left out, the table at A4
    assert from_book.select(
        "urn", "provision_type", "sector", "places", "file_row", "registration_status", "short_break_only"
    ).rows() == [
        ("1234567", ofsted.SECURE_CHILDRENS_HOME, "Local authority", 8, 6, "Active", False),
        ("SC123456", ofsted.CHILDRENS_HOME, "Local authority", 4, 5, "Active", False),
        ("SC222222", ofsted.CHILDRENS_HOME, "Voluntary", 3, 9, "Suspended", False),
        ("SC654321", ofsted.RSS_CHILDRENS_HOME, "Private", 12, 7, "Active", True),
    ]
    assert from_book["registration_date"].to_list() == [
        date(2002, 7, 1),
        date(2015, 3, 2),
        date(2023, 1, 9),
        date(2019, 1, 9),
    ]
    assert from_book["latest_inspection_date"].to_list() == [
        date(2024, 6, 20),
        date(2024, 11, 5),
        date(2025, 2, 28),
        None,
    ]
    assert from_book["latest_overall_judgement"].to_list() == [
        "Outstanding",
        "Good",
        "Requires improvement to be good",
        None,
    ]
    assert set(from_book["snapshot_date"]) == {date(2025, 3, 31)}


def test_workbook_with_an_extra_title_row_still_reads(tmp_path):
    at_a4 = ofsted.parse_homes(
        wb.write_ods(tmp_path / "a4.ods", wb.ofsted_workbook()), ID_2025, sheet=wb.PROVIDER_PATTERN
    )
    rows = wb.provider_sheet_rows(title_rows=4)
    assert rows[4] == wb.PROVIDER_HEADER  # the table at A5
    at_a5 = ofsted.parse_homes(
        wb.write_ods(tmp_path / "a5.ods", wb.ofsted_workbook(rows)), ID_2025, sheet=wb.PROVIDER_PATTERN
    )
    assert at_a5.equals(at_a4.with_columns(pl.col("file_row") + 1))


def test_workbook_source_id_without_a_date_takes_date_and_kind(tmp_path):
    book = wb.write_xlsx(tmp_path / "csc-2025.xlsx", wb.ofsted_workbook())
    by_id = ofsted.parse_homes(book, ID_2025, sheet=wb.PROVIDER_PATTERN)
    given = ofsted.parse_homes(
        book, "ofsted-csc-data-2025", date(2025, 3, 31), ofsted.PROVIDER_LEVEL, wb.PROVIDER_PATTERN
    )
    assert given.equals(by_id.with_columns(pl.lit("ofsted-csc-data-2025").alias("source_id")))
    with pytest.raises(ValueError, match="not an Ofsted provider-level"):
        ofsted.parse_homes(book, "ofsted-csc-data-2025", sheet=wb.PROVIDER_PATTERN)
    with pytest.raises(ValueError, match="kind 'homes'"):
        ofsted.parse_homes(book, "ofsted-csc-data-2025", date(2025, 3, 31), "homes", wb.PROVIDER_PATTERN)


@pytest.mark.parametrize(
    ("sheet", "found"),
    [
        ("Provider_level", "2 sheets (['Provider_level_at_31_Mar_2025', 'Provider_level_in_year_2024-25'])"),
        (r"^Provider_level_at_31_Mar_2024$", "no sheet"),
    ],
)
def test_workbook_sheet_pattern_matching_two_sheets_or_none(tmp_path, sheet, found):
    book = wb.write_ods(tmp_path / "csc-2025.ods", wb.ofsted_workbook())
    with pytest.raises(ParseError) as raised:
        ofsted.parse_homes(book, ID_2025, sheet=sheet)
    error = raised.value
    assert (error.source_id, error.file, error.check) == (ID_2025, "csc-2025.ods", "one sheet matches")
    assert error.detail.startswith(f"{found} match {sheet!r}; the workbook's sheets: ['Cover', 'Contents',")
    assert "'Leavers+Joiners_at_31_Mar_2025', 'Providers+places_Time_series']" in error.detail


def test_workbook_errors_name_the_sheet(tmp_path):
    rows = wb.provider_sheet_rows()
    header = wb.PROVIDER_HEADER + ["Star rating"]
    book = wb.write_xlsx(tmp_path / "csc-2025.xlsx", wb.ofsted_workbook(rows[:3] + [header] + rows[4:]))
    with pytest.raises(ParseError) as raised:
        ofsted.parse_homes(book, ID_2025, sheet=wb.PROVIDER_PATTERN)
    error = raised.value
    assert (error.file, error.check) == (
        "csc-2025.xlsx [Provider_level_at_31_Mar_2025]",
        "known column names",
    )
    assert error.detail == (
        "unknown column(s) ['Star rating']: add them to the layout's column tables in analysis/sources/ofsted.py"
    )
    repeated = wb.write_xlsx(
        tmp_path / "repeated.xlsx", wb.ofsted_workbook(rows[:6] + [wb.PROVIDER_HEADER] + rows[6:])
    )
    with pytest.raises(ParseError) as raised:
        ofsted.parse_homes(repeated, ID_2025, sheet=wb.PROVIDER_PATTERN)
    assert (raised.value.file, raised.value.check, raised.value.detail) == (
        "repeated.xlsx [Provider_level_at_31_Mar_2025]",
        "header row appears once",
        "header row repeated at record 7",
    )


def test_joiners_and_leavers_from_a_workbook_sheet(tmp_path):
    book = wb.write_ods(tmp_path / "csc-2025.ods", wb.ofsted_workbook())
    flows = ofsted.parse_joiners_leavers(book, "ofsted-csc-data-2025", date(2025, 3, 31), wb.JOINERS_PATTERN)
    export = wb.csv_export(tmp_path / "joiners-leavers-2024-25.csv", wb.JOINERS_ROWS)
    assert flows.equals(ofsted.parse_joiners_leavers(export, "ofsted-csc-data-2025", date(2025, 3, 31)))
    assert flows.select("urn", "places", "joined", "left", "file_row").rows() == [
        ("2345678", 6, False, True, 6),
        ("SC333333", 2, True, False, 5),
    ]


REAL_2024 = "ofsted-provider-level-2024-03-31"


def _real_lines(source_id: str) -> list[bytes]:
    raw = path_of(source_id).read_bytes()
    lines = raw.split(b"\n")
    records = list(csv.reader(io.StringIO(raw.decode("cp1252"), newline="")))
    assert len(records) == len(lines) - (lines[-1] == b"")  # no quoted line breaks: line N is record N
    return lines


def test_real_list_with_its_header_repeated(tmp_path):
    lines = _real_lines(REAL_2024)
    assert lines[3].startswith(b"Web link,URN,")  # the header is record 4
    path = write(tmp_path, "", name="provider-level-2024-03-31.csv")
    path.write_bytes(b"\n".join(lines[:1000] + [lines[3]] + lines[1000:]))
    with pytest.raises(ParseError) as raised:
        ofsted.parse_homes(path, REAL_2024)
    error = raised.value
    assert (error.source_id, error.file, error.check, error.detail) == (
        REAL_2024,
        "provider-level-2024-03-31.csv",
        "header row appears once",
        "header row repeated at record 1001",
    )


def test_real_list_header_only_and_cut_mid_row(tmp_path):
    lines = _real_lines(REAL_2024)
    path = write(tmp_path, "", name="provider-level-2024-03-31.csv")
    path.write_bytes(b"\n".join(lines[:4]) + b"\n")
    with pytest.raises(ParseError) as raised:
        ofsted.parse_homes(path, REAL_2024)
    assert (raised.value.source_id, raised.value.file, raised.value.check, raised.value.detail) == (
        REAL_2024,
        "provider-level-2024-03-31.csv",
        "data rows present",
        "no data rows: nothing below the header (record 4)",
    )
    header_cells = len(next(csv.reader([lines[3].decode("cp1252").rstrip("\r")])))
    assert header_cells == 40
    cut = lines[1999][: lines[1999].index(b",") + 4]  # record 2000 cut inside its URN
    assert cut == b"Ofsted Social Care Provider Webpage,124"
    path.write_bytes(b"\n".join(lines[:1999]) + b"\n" + cut)
    with pytest.raises(ParseError) as raised:
        ofsted.parse_homes(path, REAL_2024)
    assert (raised.value.check, raised.value.detail) == (
        "every row has the header's number of cells",
        "record 2000 has 2 cells, the header 40 (the file ends mid-row)",
    )


def test_real_list_re_encoded_as_utf16_reads_identically(tmp_path):
    raw = path_of(REAL_2024).read_bytes()
    path = write(tmp_path, "", name="provider-level-2024-03-31.csv")
    path.write_bytes(raw.decode("cp1252").encode("utf-16"))
    assert ofsted.parse_homes(path, REAL_2024).equals(ofsted.parse_homes(path_of(REAL_2024), REAL_2024))
    assert geography.ofsted_la_names_in_file(path) == geography.ofsted_la_names_in_file(path_of(REAL_2024))


# --------------------------------------------------------------------------------------------------
# The homes dataset


@pytest.fixture(scope="module")
def source_files() -> SourceFiles:
    ids = [s for s in SOURCES if s.startswith("ofsted-")]
    return SourceFiles({s: path_of(s) for s in ids}, {s: SOURCES[s].release for s in ids})


@pytest.fixture(scope="module")
def homes(source_files) -> pl.DataFrame:
    return geography.complete_geography(homes_module.DATASET.build(source_files))


def test_chosen_list_per_date_prefers_providers_and_places():
    chosen = homes_module.chosen_sources()
    assert chosen[date(2018, 3, 31)] == "ofsted-providers-places-2018-03-31"
    assert chosen[date(2023, 8, 31)] == "ofsted-providers-places-2023-08-31"
    assert chosen[date(2019, 3, 31)] == "ofsted-provider-level-2019-03-31"
    assert len(chosen) == 13


def test_acceptance_31_march_2018_matches_ofsted_published_total(homes):
    """Ofsted, Children's social care data in England 2018 (main findings): 2,209 homes, 423 run by councils."""
    march_2018 = homes.filter(pl.col("snapshot_date") == date(2018, 3, 31))
    assert march_2018.height == 2209
    assert march_2018.filter(pl.col("sector") == "Local authority").height == 423
    assert set(march_2018["snapshot_kind"]) == {ofsted.PROVIDERS_PLACES}
    assert set(march_2018["provision_type"]) == set(ofsted.CHILDRENS_HOME_TYPES)


def test_homes_dataset_layout_and_geography(homes):
    assert homes.columns[:12] == [
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
        "current_la_code",
        "current_la_name",
    ]
    assert homes.columns[-2:] == ["source_id", "source_release"]
    assert homes["new_la_code"].null_count() == 0 and homes["region_code"].null_count() == 0
    assert homes["old_la_code"].null_count() == homes.height
    assert homes.select(pl.struct("snapshot_date", "urn").is_unique().all()).item()
    assert homes.equals(homes.sort("snapshot_date", "urn"))
    row = homes.filter(pl.col("snapshot_date") == date(2024, 8, 31)).row(0, named=True)
    assert row["time_identifier"] == "As at 31 August" and row["time_period"] == 2024
    # 'Bristol City' (2014 spelling) and 'Bristol' are one council
    bristol = homes.filter(pl.col("la_name_published").is_in(["Bristol City", "Bristol"]))
    assert set(bristol["new_la_code"]) == {"E06000023"}


def test_homes_suite_passes_and_catches_a_repeated_urn(homes):
    dataset = homes_module.DATASET
    report = validate(dataset.name, homes, dataset.views(homes), key=dataset.key)
    assert report.success, [o.as_dict() for o in report.failures]
    broken = pl.concat([homes, homes.head(1)])
    report = validate(dataset.name, broken, dataset.views(broken), key=dataset.key)
    failed = {(o.view, o.expectation) for o in report.failures}
    assert ("tidy", "expect_compound_columns_to_be_unique") in failed
    assert ("per_snapshot", "expect_column_values_to_be_between") in failed


def test_region_disagreement_raises():
    frame = pl.DataFrame(
        {
            "la_name_published": ["Kent"],
            "snapshot_date": [date(2018, 3, 31)],
            "region_name_published": ["North West"],
            "urn": ["SC123456"],
            "source_id": ["test"],
        }
    )
    with pytest.raises(GeographyError, match="North West"):
        homes_module.add_geography(frame)


def test_unknown_la_name_raises():
    frame = pl.DataFrame(
        {
            "la_name_published": ["Atlantis"],
            "snapshot_date": [date(2018, 3, 31)],
            "region_name_published": ["North West"],
            "urn": ["SC123456"],
            "source_id": ["test"],
        }
    )
    with pytest.raises(GeographyError, match="Atlantis"):
        homes_module.add_geography(frame)


def test_owner_names_merge_spellings_only():
    key = homes_module.owner_key
    assert key("Cambian Childcare Ltd") == key("CAMBIAN CHILDCARE LIMITED")
    assert key("Homes2inspire Limited") == key("Homes 2 Inspire Ltd")
    assert key("Priory Education Services Limited 06244880") == key("Priory Education Services Limited")
    assert key("Birtenshaw - company number 02978546") == key("Birtenshaw")
    assert key("J & R Care Limited") == key("J&r Care Limited")
    assert key("Aegis 24/7 Ltd") != key("Aegis Ltd")
    assert key("Keys Care Limited") != key("Keys Child Care Limited")
    names = homes_module.owner_display_names(["A Care Ltd", "A Care Limited", "A CARE LTD", "A Care Ltd"])
    assert names == {key("A Care Ltd"): "A Care Ltd"}


# --------------------------------------------------------------------------------------------------
# Reconciliation


@pytest.fixture(scope="module")
def reconciled(source_files) -> pl.DataFrame:
    return geography.complete_geography(reconciliation.DATASET.build(source_files))


def test_reconciliation_states_each_difference(reconciled):
    def row(day: date, source_id: str | None) -> dict:
        rows = reconciled.filter(pl.col("snapshot_date") == day)
        rows = rows.filter(
            pl.col("source_id").is_null() if source_id is None else pl.col("source_id") == source_id
        )
        assert rows.height == 1
        return rows.row(0, named=True)

    pp = row(date(2018, 3, 31), "ofsted-providers-places-2018-03-31")
    assert (pp["homes_in_file"], pp["published_homes"], pp["homes_difference"]) == (2209, 2209, 0)
    assert (pp["council_run_homes_in_file"], pp["published_council_run_homes"]) == (423, 423)
    assert pp["used_in_childrens_homes"] and "the same as the published 2,209" in pp["difference_in_words"]

    provider_level = row(date(2018, 3, 31), "ofsted-provider-level-2018-03-31")
    assert (provider_level["homes_in_file"], provider_level["homes_difference"]) == (2123, -86)
    assert "86 fewer than the published 2,209" in provider_level["difference_in_words"]
    assert not provider_level["used_in_childrens_homes"]

    march_2017 = row(date(2017, 3, 31), "ofsted-provider-level-2017-03-31")
    assert (march_2017["published_homes"], march_2017["published_council_run_homes"]) == (2145, 434)
    march_2023 = row(date(2023, 3, 31), "ofsted-provider-level-2023-03-31")
    assert (march_2023["published_homes"], march_2023["published_places"]) == (2880, 10818)
    assert "places" in march_2023["difference_in_words"]

    sep_2013 = row(date(2013, 9, 30), None)
    assert sep_2013["published_homes"] == 2067 and "No Ofsted list" in sep_2013["difference_in_words"]
    aug_2024 = row(date(2024, 8, 31), "ofsted-providers-places-2024-08-31")
    assert aug_2024["homes_in_file"] == 3491 and "date label may be wrong" in aug_2024["difference_in_words"]
    march_2024 = row(date(2024, 3, 31), "ofsted-provider-level-2024-03-31")
    assert "3,491" in march_2024["difference_in_words"]
    assert reconciled["difference_in_words"].null_count() == 0


def test_reconciliation_suite_passes(reconciled):
    dataset = reconciliation.DATASET
    report = validate(dataset.name, reconciled, dataset.views(reconciled), key=dataset.key)
    assert report.success, [o.as_dict() for o in report.failures]


def test_published_totals_file_cites_every_figure():
    totals = reconciliation.read_published_totals()
    assert totals["document"].null_count() == 0 and totals["section"].null_count() == 0
    figure = totals.filter(pl.col("reference_date") == date(2018, 3, 31), pl.col("measure") == "homes")
    assert figure["value"].to_list() == [2209]


# --------------------------------------------------------------------------------------------------
# Summaries


@pytest.fixture(scope="module")
def areas(homes) -> pl.DataFrame:
    return geography.complete_geography(by_area.DATASET.build(None, childrens_homes=homes))


def _national(areas: pl.DataFrame, day: date, sector: str = by_area.ALL_SECTORS) -> dict:
    rows = areas.filter(
        pl.col("geographic_level") == "National",
        pl.col("snapshot_date") == day,
        pl.col("provision_type") == by_area.ALL_TYPES,
        pl.col("sector") == sector,
    )
    assert rows.height == 1
    return rows.row(0, named=True)


def test_by_area_national_2018_matches_published(areas):
    assert _national(areas, date(2018, 3, 31))["homes"] == 2209
    council = _national(areas, date(2018, 3, 31), "Local authority")
    assert council["homes"] == 423
    assert council["share_of_area_homes_pct"] == round(423 * 100 / 2209, 1)
    assert _national(areas, date(2015, 3, 31))["places"] is None  # the 2015 list has no places


def test_by_area_has_every_council_with_zeros(areas):
    las = areas.filter(
        pl.col("geographic_level") == "Local authority", pl.col("snapshot_date") == date(2019, 3, 31)
    )
    # councils on 31 March 2019 (geography: 152 including the City of London and the Isles of Scilly)
    assert las["new_la_code"].n_unique() == 152
    scilly = las.filter(pl.col("la_name") == "Isles of Scilly", pl.col("provision_type") == by_area.ALL_TYPES)
    assert scilly["homes"].to_list() == [0] * 5


def test_by_area_suite_passes_and_catches_a_bad_sum(areas):
    dataset = by_area.DATASET
    report = validate(dataset.name, areas, dataset.views(areas), key=dataset.key)
    assert report.success, [o.as_dict() for o in report.failures]
    broken = areas.with_columns(
        pl.when((pl.col("geographic_level") == "Regional") & (pl.col("region_name") == "London"))
        .then(pl.col("homes") + 1)
        .otherwise(pl.col("homes"))
        .alias("homes")
    )
    report = validate(dataset.name, broken, dataset.views(broken), key=dataset.key)
    assert {o.view for o in report.failures} >= {"regions_and_las_vs_england", "parts_vs_all"}


def test_council_run_homes(homes):
    frame = geography.complete_geography(council_module.DATASET.build(None, childrens_homes=homes))
    national = frame.filter(
        pl.col("geographic_level") == "National", pl.col("snapshot_date") == date(2018, 3, 31)
    )
    assert national["council_run_homes"].to_list() == [423]  # Ofsted published, 31 March 2018
    march_2019 = frame.filter(
        pl.col("geographic_level") == "National", pl.col("snapshot_date") == date(2019, 3, 31)
    )
    assert "47" in march_2019["published_figure_note"][0]  # the 2019 debate's figure is quoted, not compared
    dataset = council_module.DATASET
    report = validate(dataset.name, frame, dataset.views(frame), key=dataset.key)
    assert report.success, [o.as_dict() for o in report.failures]


def test_ownership_on_a_small_frame():
    """Hand-made: owner A 3 homes (9 places), B 2 (2), C 2 (4), one home with no owner (2 places): 8 homes, 17 places."""
    rows = [("A", 3)] * 3 + [("B", 1)] * 2 + [("C", 2)] * 2 + [(None, 2)]
    frame = pl.DataFrame(
        {
            "owner_name": [r[0] for r in rows],
            "places": [r[1] for r in rows],
            "sector": ["Private"] * len(rows),
            "time_period": [2019] * len(rows),
            "time_identifier": ["As at 31 March"] * len(rows),
            "snapshot_date": [date(2019, 3, 31)] * len(rows),
            "snapshot_kind": [ofsted.PROVIDER_LEVEL] * len(rows),
            "source_id": ["x"] * len(rows),
            "source_release": ["x"] * len(rows),
        }
    )
    ranked = ownership.ranked_owners(frame).sort("rank")
    assert ranked["owner_name"].to_list() == ["A", "C", "B"]  # C before B: same homes, more places
    assert ranked["share_of_homes_pct"].to_list() == [37.5, 25.0, 25.0]
    groups = ownership.build_concentration(None, childrens_homes=frame)
    top1 = groups.filter(pl.col("owner_group") == "Largest 1").row(0, named=True)
    assert (top1["homes"], top1["places"], top1["share_of_places_pct"], top1["tie_at_edge"]) == (
        3,
        9,
        52.9,
        False,
    )
    every = groups.filter(pl.col("owner_group") == "All owning organisations").row(0, named=True)
    assert (every["owners_in_group"], every["homes"], every["homes_without_owner_published"]) == (3, 7, 1)


def test_ownership_real_suites_pass(homes):
    for dataset in ownership.DATASETS:
        frame = geography.complete_geography(dataset.build(None, childrens_homes=homes))
        assert frame["snapshot_date"].min() == date(2018, 3, 31)  # owners are published from 2018
        report = validate(dataset.name, frame, dataset.views(frame) if dataset.views else {}, key=dataset.key)
        assert report.success, [o.as_dict() for o in report.failures]


# --------------------------------------------------------------------------------------------------
# Supply against need (reads the DfE population and childrens_homes_placements datasets)


@pytest.fixture(scope="module")
def supply(areas) -> pl.DataFrame:
    from analysis.datasets import childrens_homes_placements, population
    from analysis.datasets import childrens_homes_supply as supply_module

    dfe_ids = set(population.DATASET.sources) | set(childrens_homes_placements.DATASET.sources)
    files = SourceFiles({s: path_of(s) for s in dfe_ids}, {s: SOURCES[s].release for s in dfe_ids})
    people = geography.complete_geography(population.DATASET.build(files))
    placements = geography.complete_geography(childrens_homes_placements.DATASET.build(files))
    frame = supply_module.DATASET.build(
        None, childrens_homes_by_area=areas, population=people, childrens_homes_placements=placements
    )
    return geography.complete_geography(frame)


def test_supply_england_2018(supply):
    row = supply.filter(
        pl.col("geographic_level") == "National", pl.col("snapshot_date") == date(2018, 3, 31)
    )
    row = row.row(0, named=True)
    assert row["places"] == 11746  # the 31 March 2018 providers-and-places list (2,209 homes)
    # DfE population file, England, time_period 2017 (mid-2017): 11,716,740
    assert row["population_0_to_17"] == 11716740 and row["population_reference_date"] == "2017-06-30"
    assert row["places_per_10000_children"] == round(11746 * 10_000 / 11716740, 1)
    assert row["children_definition"] == "Children's homes (subject to Children's Homes Regulations)"
    assert row["places_per_child_in_childrens_homes"] == round(11746 / row["children_in_childrens_homes"], 2)


def test_supply_joins_successor_codes_only_where_unambiguous(supply):
    las = supply.filter(pl.col("geographic_level") == "Local authority")
    # Buckinghamshire on 31 March 2020 is the county (E10000002) in Ofsted's list; DfE publishes its 2020
    # children under the unitary code E06000060: joined through the council now covering the same area.
    bucks = las.filter(pl.col("snapshot_date") == date(2020, 3, 31), pl.col("new_la_code") == "E10000002")
    assert bucks["population_0_to_17"].to_list() == [122137]  # DfE population file, 2019, E10000002
    assert bucks["children_in_childrens_homes"].null_count() == 0
    # Bournemouth before BCP: the population file has only BCP for those years; nothing is apportioned.
    bournemouth = las.filter(
        pl.col("snapshot_date") == date(2018, 3, 31), pl.col("new_la_code") == "E06000028"
    )
    assert bournemouth["population_0_to_17"].to_list() == [None]


def test_supply_suite_passes(supply):
    from analysis.datasets import childrens_homes_supply as supply_module

    dataset = supply_module.DATASET
    report = validate(dataset.name, supply, dataset.views(supply), key=dataset.key)
    assert report.success, [o.as_dict() for o in report.failures]
    assert set(supply["time_identifier"]) == {"As at 31 March"}


# --------------------------------------------------------------------------------------------------
# Openings and closures (joiners and leavers)


@pytest.mark.parametrize("source_id", ofsted.JOINERS_LEAVERS_SOURCE_IDS)
def test_joiners_leavers_every_real_layout(source_id):
    assert source_id in SOURCES
    flows = ofsted.parse_joiners_leavers(path_of(source_id), source_id)
    expected_homes, _ = _plain_count(path_of(source_id))
    assert flows.height == expected_homes
    assert (flows["joined"] | flows["left"]).all()
    assert flows["year_end_date"].unique().to_list() == [ofsted.joiners_leavers_year_end(source_id)]


def test_openings_and_closures_2017_18_match_the_published_change():
    """Ofsted published 2,145 homes at 31 March 2017 and 2,209 at 31 March 2018 (DATA-MAP.md): a change of 64,
    which the 2017-18 joiners (opened) minus leavers (closed) must equal."""
    from analysis.datasets import childrens_homes_openings_closures as flows_module

    ids = ofsted.JOINERS_LEAVERS_SOURCE_IDS
    files = SourceFiles({s: path_of(s) for s in ids}, {s: SOURCES[s].release for s in ids})
    frame = geography.complete_geography(flows_module.DATASET.build(files))
    england = frame.filter(
        pl.col("geographic_level") == "National",
        pl.col("provision_type") == by_area.ALL_TYPES,
        pl.col("sector") == by_area.ALL_SECTORS,
        pl.col("year_end_date") == date(2018, 3, 31),
    ).row(0, named=True)
    assert england["net_change"] == 2209 - 2145
    dataset = flows_module.DATASET
    report = validate(dataset.name, frame, dataset.views(frame), key=dataset.key)
    assert report.success, [o.as_dict() for o in report.failures]


def test_joiners_leavers_row_must_be_one_or_the_other(tmp_path):
    header = "URN,Provision type,Local authority,Sector,Places,Joiner status,Leaver status"
    path = write(
        tmp_path, header + "\nSC123456,Children's home,Kent,Private,4,,\n", name="joiners-leavers-2017-18.csv"
    )
    with pytest.raises(ParseError) as raised:
        ofsted.parse_joiners_leavers(path, "ofsted-joiners-leavers-2017-18")
    assert raised.value.check == "every row is a joiner or a leaver"
    path = write(tmp_path, header + ",Closure reason\nSC123456,Children's home,Kent,Private,4,Joiner,,x\n")
    with pytest.raises(ParseError) as raised:
        ofsted.parse_joiners_leavers(path, "ofsted-joiners-leavers-2017-18")
    assert raised.value.check == "known column names"
