"""Ofsted children's homes: the parser on every real file's layout, small fixtures for each trap and failure,
the homes dataset, the summaries and the reconciliation against published totals.

Real files are the manifest's Ofsted rows (families ofsted:providers_places, ofsted:provider_level and
ofsted:joiners_leavers) in the sources' archive (the `mirror_dir` fixture), handed to the readers as the
pipeline hands them (analysis.datasets.SourceFiles: manifest rows with the corrections of
data/reference/corrections.csv applied). Small fixture files are read as a manifest row of the family they
imitate.

Expected figures and where they come from:
- 31 March 2017: 2,145 homes, 434 run by councils; 31 March 2018: 2,209 homes, 423 run by councils: Ofsted,
  "Children's social care data in England 2017 to 2018: main findings". The providers-and-places list dated
  31 March 2018 holds that count.
- 31 March 2019: 2,304 homes, 418 run by councils: Ofsted, "Children's Social Care in England 2019", main findings.
- 31 March 2023: 2,880 homes, 10,818 places (children's homes other than short-break-only homes, secure homes and
  residential special schools): Ofsted, "Main findings: children's social care in England 2023".
- 30 September 2013: 2,067 homes: Ofsted official statistics on children's social care providers (March 2014).
- The provider-level list dated 31 March 2018 holds 2,123 homes (counted in the archive file); the
  providers-and-places list labelled 31 August 2024 holds 3,491 homes of all types, the figure Ofsted reported
  for 31 March 2024 (the evidence of its date correction in data/reference/corrections.csv).
- The DfE population file (ons_mid-year_population_estimates_2012_to_2024.csv): England, 2017, 11,716,740;
  Buckinghamshire E10000002, 2019, 122,137 (read off the archive file).
- Header rows and column names: read off each file (the first lines of the CSV), listed in HEADER_ROWS below.
- Per-file counts of homes, council-run homes and places are cross-checked against a plain count made here with
  the csv module.
"""

from __future__ import annotations

import csv
import io
import shutil
from dataclasses import replace
from datetime import date
from pathlib import Path

import polars as pl
import pytest
import workbooks as wb
from mirror_sources import MANIFEST, fixture_files, of_families, source_files

from analysis import geography, pipeline, settings
from analysis.datasets import SourceFile, SourceFiles, load_datasets
from analysis.datasets import childrens_homes as homes_module
from analysis.datasets import childrens_homes_by_area as by_area
from analysis.datasets import childrens_homes_openings_closures as flows_module
from analysis.datasets import childrens_homes_supply as supply_module
from analysis.datasets import council_run_homes as council_module
from analysis.datasets import homes_reconciliation as reconciliation
from analysis.datasets import ownership_concentration as ownership
from analysis.errors import GeographyError, ParseError
from analysis.manifest import load_families
from analysis.sources import ofsted
from analysis.validate import validate

PP = ofsted.PROVIDERS_PLACES_FAMILY
PL = ofsted.PROVIDER_LEVEL_FAMILY
JL = ofsted.JOINERS_LEAVERS_FAMILY
SNAPSHOT_IDS = [s.source_id for s in of_families(PP, PL)]
JOINERS_LEAVERS_IDS = [s.source_id for s in of_families(JL)]
DATASET_NAMES = [
    "childrens_homes",
    "homes_reconciliation",
    "childrens_homes_by_area",
    "council_run_homes",
    "ownership_concentration",
    "childrens_homes_largest_owners",
    "childrens_homes_supply",
    "childrens_homes_openings_closures",
]


@pytest.fixture(scope="module")
def files(mirror_dir: Path) -> SourceFiles:
    """Every manifest row as a fetched file of the archive, with the committed reference tables."""
    return source_files(mirror_dir)


def homes_of(files: SourceFiles, source_id: str) -> pl.DataFrame:
    """One real list's children's homes, read as childrens_homes reads it."""
    file = files.get(source_id)
    return ofsted.parse_homes(file, files.reference_dir)


def manifest_file(
    path: Path, family: str, reference_period: str, source_id: str, *, sheet: str = ""
) -> SourceFile:
    """A fixture file as a manifest row of `family` (like the family's real rows, with its own name and date)."""
    template = next(s for s in MANIFEST.values() if s.family == family)
    source = replace(
        template,
        source_id=source_id,
        release=reference_period.rsplit("/", 1)[-1],
        release_title=f"fixture {reference_period}",
        reference_period=reference_period,
        file_name=path.name,
        archive_path=f"fixture/{path.name}",
        sheet=sheet,
        expected_bytes=None,
        expected_sha256="",
    )
    return SourceFile(source, path)


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
# Which optional columns each file has (read off the headers): places in every list but 2015, the owning
# organisation from 2018, inspection judgements in the provider-level lists only.
HAS_PLACES = set(HEADER_ROWS) - {"ofsted-provider-level-2015-03-31"}
HAS_OWNER = {s for s in HEADER_ROWS if MANIFEST[s].as_at >= date(2018, 3, 31)}
HAS_JUDGEMENT = {s for s in HEADER_ROWS if MANIFEST[s].family == PL}


def test_every_snapshot_list_of_the_manifest_is_listed_here():
    """A new list in data/sources.csv needs its header row read off the file and added to HEADER_ROWS."""
    assert sorted(HEADER_ROWS) == sorted(SNAPSHOT_IDS)
    assert set(ofsted.SNAPSHOT_FAMILIES) == {PP, PL}


def _plain_count(path: Path) -> tuple[int, int, int | None]:
    """Children's homes, council-run ones and their places, counted here without the parser: decode, find the row
    with 'URN', count rows whose provision type is one of the children's-home labels (any capitalisation)."""
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
    column = next((header.index(n) for n in ("places", "max/estimated places") if n in header), None)
    places = None if column is None else sum(int(r[column]) for r in homes)
    return len(homes), sum(1 for r in homes if r[sector].lower() == "local authority"), places


@pytest.mark.parametrize("source_id", SNAPSHOT_IDS)
def test_parser_reads_every_real_layout(files, source_id):
    file = files.get(source_id)
    text = ofsted.decode_text(file.path.read_bytes(), source_id, file.name)
    rows = list(csv.reader(io.StringIO(text, newline="")))
    layout = ofsted.drift(files.reference_dir).layout(file.source.family)
    assert ofsted.find_header_row(rows, layout, source_id, file.name) == HEADER_ROWS[source_id]

    homes = homes_of(files, source_id)
    assert homes["snapshot_date"].unique().to_list() == [file.source.as_at]
    assert set(homes["snapshot_kind"]) == {ofsted.SNAPSHOT_FAMILIES[file.source.family]}
    assert set(homes["provision_type"]) <= set(ofsted.CHILDRENS_HOME_TYPES)
    assert set(homes["sector"]) <= set(ofsted.HOME_SECTORS)
    assert homes["urn"].is_unique().all()
    assert homes["urn"].str.contains(ofsted.URN_PATTERN).all()
    assert set(homes["source_id"]) == {source_id}
    # the same counts as a plain count of the file
    expected_homes, expected_council, expected_places = _plain_count(file.path)
    assert homes.height == expected_homes
    assert homes.filter(pl.col("sector") == "Local authority").height == expected_council
    # optional columns present exactly where the file has them
    assert (homes["places"].null_count() == 0) == (source_id in HAS_PLACES)
    assert (homes["owner_name_published"].null_count() < homes.height) == (source_id in HAS_OWNER)
    assert (homes["latest_overall_judgement"].null_count() < homes.height) == (source_id in HAS_JUDGEMENT)
    if source_id in HAS_PLACES:
        assert homes["places"].sum() == expected_places
        assert homes["places"].min() >= 1 and homes["places"].max() <= 100


def test_counts_stated_in_the_publications(files):
    pp_2018 = homes_of(files, "ofsted-providers-places-2018-03-31")
    assert pp_2018.height == 2209  # Ofsted published total, 31 March 2018
    assert pp_2018.filter(pl.col("sector") == "Local authority").height == 423  # published, council-run
    assert homes_of(files, "ofsted-provider-level-2018-03-31").height == 2123  # counted in the archive file
    assert homes_of(files, "ofsted-providers-places-2024-08-31").height == 3491  # reported for 31 March 2024


def test_list_labelled_31_august_2024_is_dated_31_march_2024(files):
    """data/reference/corrections.csv re-dates the list; its evidence is checked here on the file itself: no home
    in it was registered after 31 March 2024."""
    source_id = "ofsted-providers-places-2024-08-31"
    assert MANIFEST[source_id].as_at == date(2024, 8, 31)  # as Ofsted labels it
    snapshot = ofsted.snapshot_file(files.get(source_id))
    assert snapshot == ofsted.OfstedSnapshotFile(source_id, ofsted.PROVIDERS_PLACES, date(2024, 3, 31))
    assert "corrected: published 2024-08-31, 2024-03-31 here" in files.get(source_id).source.note
    homes = homes_of(files, source_id)
    assert set(homes["snapshot_date"]) == {date(2024, 3, 31)}
    assert homes["registration_date"].max() <= date(2024, 3, 31)
    # the list a year earlier does hold registrations made between April and August
    earlier = homes_of(files, "ofsted-providers-places-2023-08-31")
    assert earlier["registration_date"].max() > date(2023, 3, 31)


def test_2014_and_2015_label_for_residential_special_schools_is_mapped(files):
    homes = homes_of(files, "ofsted-provider-level-2015-03-31")
    assert ofsted.RSS_CHILDRENS_HOME in set(homes["provision_type"])
    # the 2015 'Region' column holds Ofsted's own regions, not government office regions: not read
    assert homes["region_name_published"].null_count() == homes.height


def test_short_break_values_by_layout(files):
    y2017 = homes_of(files, "ofsted-provider-level-2017-03-31")
    assert y2017["short_break_only"].null_count() == 0 and y2017["short_break_only"].any()
    y2018 = homes_of(files, "ofsted-providers-places-2018-03-31")
    assert y2018["short_break_only"].null_count() == y2018.height  # not published in 2018


@pytest.mark.parametrize("source_id", SNAPSHOT_IDS)
def test_every_la_name_in_every_list_maps(files, source_id):
    """Every provider's LA name (homes and other providers) maps to a council on the list's date."""
    file = files.get(source_id)
    providers = ofsted.read_provider_list(file, files.reference_dir)
    on = ofsted.snapshot_file(file).snapshot_date
    names = set(providers["la_name_published"].str.strip_chars()) - {""}
    assert names
    geo = files.geo_files()
    for name in sorted(names):
        match = geography.la_code_for_name(name, on, source=source_id, files=geo)
        assert match.gss_code.startswith(("E06", "E08", "E09", "E10")) and match.region_code.startswith("E12")


# --------------------------------------------------------------------------------------------------
# Fixtures: every trap and every failure on small files

GOOD_HEADER = (
    "Web link,URN,Provision type,Local authority,Government Office Region,Sector,Places,Organisation name"
)
FIXTURE_ID = "ofsted-providers-places-fixture"


def fixture_list(
    tmp_path: Path,
    text: str,
    *,
    name: str = "providers-places-2018-03-31.csv",
    encoding: str = "utf-8",
    family: str = PP,
    reference_period: str = "2018-03-31",
    source_id: str = FIXTURE_ID,
) -> SourceFile:
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    return manifest_file(path, family, reference_period, source_id)


def parse(file: SourceFile, reference_dir: Path = settings.REFERENCE_DIR) -> pl.DataFrame:
    """A list's homes, read as childrens_homes reads it (with the committed drift tables, or `reference_dir`'s)."""
    return ofsted.parse_homes(file, reference_dir)


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
    provider_level = fixture_list(
        tmp_path,
        text,
        name="csc-provider-level.csv",
        encoding="cp1252",
        family=PL,
        source_id="ofsted-provider-level-fixture",
    )
    homes = parse(provider_level)
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
    assert set(homes["snapshot_date"]) == {date(2018, 3, 31)}  # from the manifest row, not the file name
    assert set(homes["snapshot_kind"]) == {ofsted.PROVIDER_LEVEL}


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
    file = fixture_list(tmp_path, text)
    with pytest.raises(ParseError) as raised:
        parse(file)
    assert raised.value.check == check
    assert raised.value.file == "providers-places-2018-03-31.csv" and raised.value.source_id == FIXTURE_ID
    assert FIXTURE_ID in str(raised.value) and check in str(raised.value)


def test_judgement_and_short_break_tables(tmp_path):
    header = "URN,Provision type,Local authority,Sector,Places,Short breaks only,Inspection date,Overall effectiveness"

    def provider_level(body: str) -> SourceFile:
        return fixture_list(
            tmp_path,
            header + "\n" + body,
            name="provider-level-2017-03-31.csv",
            family=PL,
            reference_period="2017-03-31",
            source_id="ofsted-provider-level-fixture",
        )

    homes = parse(
        provider_level(
            "SC123456,Children's home,Kent,Private,4,Short breaks only,01/02/2017,Requires Improvement to be good\n"
            "SC123457,Children's home,Kent,Private,4,Long term care only,,\n"
        )
    )
    assert homes["short_break_only"].to_list() == [True, False]
    assert homes["latest_overall_judgement"].to_list() == ["Requires improvement to be good", None]
    assert homes["latest_inspection_date"].to_list() == [date(2017, 2, 1), None]
    assert set(homes["snapshot_kind"]) == {ofsted.PROVIDER_LEVEL}
    for bad_row, check in [
        ("SC123456,Children's home,Kent,Private,4,Sometimes,,", "known short-break values"),
        ("SC123456,Children's home,Kent,Private,4,,01/02/2017,Brilliant", "known overall judgements"),
        (
            "SC123456,Children's home,Kent,Private,4,,2017-02-01,Good",
            "latest_inspection_date is a dd/mm/yyyy date",
        ),
    ]:
        with pytest.raises(ParseError) as raised:
            parse(provider_level(bad_row + "\n"))
        assert raised.value.check == check


def test_undecodable_bytes_raise(tmp_path):
    file = fixture_list(tmp_path, "")
    file.path.write_bytes(
        GOOD_HEADER.encode() + b"\nx,SC123456,Children\x81s home,Kent,South East,Private,4,A\n"
    )
    with pytest.raises(ParseError) as raised:
        parse(file)
    assert raised.value.check == "text encoding is UTF-8, Windows-1252 or UTF-16 with a byte order mark"
    # byte 0x81 is undefined in Windows-1252; it sits on line 2, at this offset:
    offset = len(GOOD_HEADER) + 1 + len("x,SC123456,Children")
    assert raised.value.detail == f"byte {offset + 1} (0x81, line 2) is neither UTF-8 nor Windows-1252"


def test_kind_and_date_come_from_the_manifest_row(tmp_path):
    """parse_homes is told the list's kind and date (snapshot_file of its manifest row): a file whose manifest row
    is not a list at a date is refused, whatever its name says."""
    text = GOOD_HEADER + "\nx,SC123456,Children's home,Kent,South East,Private,4,A\n"
    provider_level = fixture_list(
        tmp_path, text, name="csc-data.csv", family=PL, reference_period="2025-03-31", source_id="csc"
    )
    assert ofsted.snapshot_file(provider_level) == ofsted.OfstedSnapshotFile(
        "csc", ofsted.PROVIDER_LEVEL, date(2025, 3, 31)
    )
    joiners = fixture_list(
        tmp_path,
        text,
        name="csc-data.csv",
        family=JL,
        reference_period="2024-04-01/2025-03-31",
        source_id="csc",
    )
    with pytest.raises(
        ValueError, match="'csc' \\(family ofsted:joiners_leavers\\) is not an Ofsted list at a date"
    ):
        ofsted.snapshot_file(joiners)


# --------------------------------------------------------------------------------------------------
# The drift tables are data: data/reference/ofsted_columns.csv and ofsted_labels.csv

COLUMNS_CSV = "ofsted_columns.csv"
LABELS_CSV = "ofsted_labels.csv"
LIST_2025 = "ofsted-provider-level-2025-03-31"


def reference_copy(tmp_path: Path) -> Path:
    """A copy of the committed reference tables, to edit in a test."""
    return Path(shutil.copytree(settings.REFERENCE_DIR, tmp_path / "reference"))


def add_row(table: Path, row: str) -> int:
    """Append a CSV row to a reference table; its line number."""
    text = table.read_text(encoding="utf-8")
    assert text.endswith("\n")
    table.write_text(text + row + "\n", encoding="utf-8")
    return len(text.splitlines()) + 1


def line_of(table: Path, start: str) -> int:
    """The line number of the one line of a table starting with `start`."""
    [number] = [
        n
        for n, line in enumerate(table.read_text(encoding="utf-8").splitlines(), 1)
        if line.startswith(start)
    ]
    return number


def provider_level_2025(tmp_path: Path, text: str, reference_dir: Path) -> pl.DataFrame:
    """A fixture list as the provider-level list of 31 March 2025, read with the tables of `reference_dir`."""
    files = fixture_files(
        tmp_path,
        PL,
        text,
        file_name="provider-level-2025-03-31.csv",
        reference_period="2025-03-31",
        release="2025-03-31",
        source_id=LIST_2025,
        reference_dir=reference_dir,
    )
    return ofsted.parse_homes(files.get(LIST_2025), files.reference_dir)


def test_a_renamed_column_stops_naming_the_columns_table_and_reads_once_listed(tmp_path):
    reference = reference_copy(tmp_path)
    text = (
        "URN,Provision type,Local authority,Sector,Registered places\n"
        "SC100001,Children's home,Kent,Private,4\n"
        "SC100002,Secure children's home,Leeds,Local authority,8\n"
    )
    with pytest.raises(ParseError) as raised:
        provider_level_2025(tmp_path, text, reference)
    error = raised.value
    assert (error.source_id, error.file, error.check) == (
        LIST_2025,
        "provider-level-2025-03-31.csv",
        "known column names",
    )
    assert "'Registered places'" in error.detail
    assert "data/reference/ofsted_columns.csv (family ofsted:provider_level)" in error.detail
    # the rename recorded in the (copied) table: the same file reads, its places in the places column
    add_row(reference / COLUMNS_CSV, "ofsted:provider_level,places,Registered places,read,,renamed in 2025")
    homes = provider_level_2025(tmp_path, text, reference)
    assert homes.select("urn", "places").rows() == [("SC100001", 4), ("SC100002", 8)]
    # the committed tables still stop it: the copy was edited, not them
    with pytest.raises(ParseError, match="Registered places"):
        provider_level_2025(tmp_path, text, settings.REFERENCE_DIR)


def test_a_new_column_listed_as_ignored_changes_nothing(tmp_path):
    reference = reference_copy(tmp_path)
    body = "SC100001,Children's home,Kent,Private,4,3 stars\nSC100002,Children's home,Leeds,Voluntary,2,\n"
    text = "URN,Provision type,Local authority,Sector,Places,Star rating\n" + body
    with pytest.raises(ParseError, match=r"unknown column\(s\) \['Star rating'\]"):
        provider_level_2025(tmp_path, text, reference)
    add_row(reference / COLUMNS_CSV, "ofsted:provider_level,,Star rating,ignored,,not used")
    homes = provider_level_2025(tmp_path, text, reference)
    without = "URN,Provision type,Local authority,Sector,Places\n" + "".join(
        line.rsplit(",", 1)[0] + "\n" for line in body.splitlines()
    )
    assert homes.equals(provider_level_2025(tmp_path, without, settings.REFERENCE_DIR))


def test_a_new_provision_type_stops_naming_the_labels_table_and_reads_once_listed(tmp_path):
    reference = reference_copy(tmp_path)
    text = (
        "URN,Provision type,Local authority,Sector,Places\n"
        "SC100001,Children's home,Kent,Private,4\n"
        "SC100002,Holiday play scheme,Kent,Private,\n"
        "SC100003,Secure children's home,Leeds,Local authority,8\n"
        "SC100004,Holiday play scheme,Leeds,Voluntary,\n"
    )
    with pytest.raises(ParseError) as raised:
        provider_level_2025(tmp_path, text, reference)
    error = raised.value
    assert (error.source_id, error.file, error.check) == (
        LIST_2025,
        "provider-level-2025-03-31.csv",
        "known provision types",
    )
    # the value, where it first is (record 3 = the second data row), and the table and column to edit
    assert "'Holiday play scheme' first at record 3 (URN SC100002)" in error.detail
    assert "data/reference/ofsted_labels.csv, column provision_type" in error.detail
    assert "SC100004" not in error.detail  # one record per value
    # listed as known and not a children's home (maps_to empty): it reads, with the two homes only
    add_row(reference / LABELS_CSV, "*,provision_type,Holiday play scheme,,not a children's home")
    homes = provider_level_2025(tmp_path, text, reference)
    assert homes["urn"].to_list() == ["SC100001", "SC100003"]
    assert homes["provision_type"].to_list() == [ofsted.CHILDRENS_HOME, ofsted.SECURE_CHILDRENS_HOME]


# (published column, a known value, an unknown value, the check, the canonical column)
LABEL_FAULTS = [
    ("Sector", "Private", "Social enterprise", "known sectors", "sector"),
    ("Overall effectiveness", "Good", "Brilliant", "known overall judgements", "latest_overall_judgement"),
    ("Short breaks only", "Yes", "Sometimes", "known short-break values", "short_break_only"),
    ("Registration status", "Active", "Dormant", "known registration statuses", "registration_status"),
    ("Inspection type", "Full inspection", "Desk review", "known inspection types", "latest_inspection_type"),
]


@pytest.mark.parametrize(("column", "known", "unknown", "check", "canonical"), LABEL_FAULTS)
def test_an_unknown_label_names_the_record_urn_value_and_table_column(
    tmp_path, column, known, unknown, check, canonical
):
    """A provider-level list of 2015's layout whose second home has an unknown value in one column."""
    header = "URN,Provision type,Local authority,Sector," + column
    rows = [
        f"SC100001,Children's home,Kent,Private,{known}",
        f"SC100002,Children's home,Kent,Private,{unknown}",
    ]
    if column == "Sector":
        header = "URN,Provision type,Local authority,Sector"
        rows = [f"SC100001,Children's home,Kent,{known}", f"SC100002,Children's home,Kent,{unknown}"]
    text = "\n".join([header, *rows]) + "\n"
    file = fixture_list(
        tmp_path, text, name="provider-level-2015-03-31.csv", family=PL, source_id="pl-fixture"
    )
    with pytest.raises(ParseError) as raised:
        parse(file)
    error = raised.value
    assert (error.source_id, error.file, error.check) == (
        "pl-fixture",
        "provider-level-2015-03-31.csv",
        check,
    )
    assert f"value(s): {unknown!r} first at record 3 (URN SC100002). " in error.detail
    assert (
        f"data/reference/ofsted_labels.csv, column {canonical} (family ofsted:provider_level" in error.detail
    )
    # the known value reads
    assert parse(fixture_list(tmp_path, "\n".join([header, rows[0]]) + "\n", family=PL)).height == 1


def test_a_sector_known_but_not_a_homes_names_the_record_and_the_table(tmp_path):
    text = GOOD_HEADER + "\nx,SC123456,Children's home,Kent,South East,Academy,4,A\n"
    with pytest.raises(ParseError) as raised:
        parse(fixture_list(tmp_path, text))
    assert raised.value.check == "children's home sectors"
    assert raised.value.detail.startswith("record 2 (URN SC123456): 'Academy' ")
    assert "data/reference/ofsted_labels.csv, column sector" in raised.value.detail


@pytest.mark.parametrize(
    ("table", "row", "same_as", "problem"),
    [
        (
            LABELS_CSV,
            "*,provision_type,Children's home (short-term),Childrens home,",
            None,
            "maps to 'Childrens home'",
        ),
        (LABELS_CSV, "*,short_break_only,Occasionally,sometimes,", None, "maps to 'sometimes'"),
        (LABELS_CSV, "*,latest_overall_judgement,Very good,Excellent,", None, "maps to 'Excellent'"),
        (LABELS_CSV, "*,sector,PRIVATE,Private,", "*,sector,Private,", "'PRIVATE' is listed twice"),
        (LABELS_CSV, "ofsted:provider-level,sector,Charity,,", None, "family 'ofsted:provider-level'"),
        (LABELS_CSV, "*,ownership,Private,,", None, "column 'ownership' has no labels"),
        (
            COLUMNS_CSV,
            "ofsted:provider_level,,web  LINK,ignored,,",
            "ofsted:provider_level,,Web link,",
            "'web  LINK' is listed twice for family ofsted:provider_level",
        ),
        (COLUMNS_CSV, "*,,Sector,ignored,,", "*,sector,Sector,", "'Sector' is listed twice"),
        (COLUMNS_CSV, "ofsted:joiners_leavers,capacity,Capacity,read,,", None, "column 'capacity' is not"),
        (COLUMNS_CSV, "ofsted:joiners_leavers,,Reason code,skipped,,", None, "role must be"),
    ],
)
def test_a_bad_table_row_is_refused_at_load_naming_the_table_and_line(tmp_path, table, row, same_as, problem):
    reference = reference_copy(tmp_path)
    line = add_row(reference / table, row)
    with pytest.raises(ValueError) as raised:
        ofsted.drift(reference)
    message = str(raised.value)
    assert message.startswith(f"data/reference/{table}, line {line}: ")
    assert problem in message
    if same_as:
        assert f"(also line {line_of(reference / table, same_as)})" in message
    # and the committed tables load
    assert ofsted.drift(settings.REFERENCE_DIR).layout(PL).family == PL


# --------------------------------------------------------------------------------------------------
# Ofsted's workbook (ODS/XLSX sheets) and structural faults in real lists

WORKBOOK_WRITERS = {"xlsx": wb.write_xlsx, "ods": wb.write_ods}
ID_2025 = "ofsted-provider-level-2025-03-31"


def list_2025(path: Path, sheet: str = "") -> SourceFile:
    """A workbook (with the sheet to read) or a CSV export as the provider-level list of 31 March 2025."""
    return manifest_file(path, PL, "2025-03-31", ID_2025, sheet=sheet)


@pytest.mark.parametrize("kind", sorted(WORKBOOK_WRITERS))
def test_workbook_sheet_gives_the_same_homes_as_its_csv_export(tmp_path, kind):
    book = WORKBOOK_WRITERS[kind](tmp_path / f"csc-2025.{kind}", wb.ofsted_workbook())
    from_book = parse(list_2025(book, wb.PROVIDER_PATTERN))
    export = wb.csv_export(tmp_path / "provider-level-2025-03-31.csv", wb.provider_sheet_rows(), "cp1252")
    from_csv = parse(list_2025(export))
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
    at_a4 = parse(list_2025(wb.write_ods(tmp_path / "a4.ods", wb.ofsted_workbook()), wb.PROVIDER_PATTERN))
    rows = wb.provider_sheet_rows(title_rows=4)
    assert rows[4] == wb.PROVIDER_HEADER  # the table at A5
    at_a5 = parse(list_2025(wb.write_ods(tmp_path / "a5.ods", wb.ofsted_workbook(rows)), wb.PROVIDER_PATTERN))
    assert at_a5.equals(at_a4.with_columns(pl.col("file_row") + 1))


def test_workbook_named_in_the_manifest_is_read_with_its_sheet_pattern(tmp_path):
    """A manifest row for a workbook names the sheet to read (column `sheet`: the family's sheet pattern in
    data/reference/source_families.csv); the homes dataset reads that sheet."""
    [pattern] = load_families()[PL].sheet_patterns
    book = wb.write_ods(tmp_path / "childrens-social-care-2025.ods", wb.ofsted_workbook())
    file = manifest_file(book, PL, "2025-03-31", ID_2025, sheet=pattern)
    sources = SourceFiles({ID_2025: file.source}, {ID_2025: book})
    homes = homes_module.parse_snapshots([sources.get(ID_2025)], sources)
    expected = parse(list_2025(book, wb.PROVIDER_PATTERN))
    assert homes.drop("correction").equals(expected)
    assert homes["correction"].null_count() == homes.height


def test_joiners_leavers_workbook_named_in_the_manifest_is_read_with_its_sheet_pattern(tmp_path, mirror_dir):
    """The openings-and-closures dataset reads the sheet its manifest row names, as the homes dataset does."""
    from analysis.datasets import councils as councils_module

    [pattern] = load_families()[JL].sheet_patterns
    book = wb.write_ods(tmp_path / "childrens-social-care-2025.ods", wb.ofsted_workbook())
    file = manifest_file(book, JL, "2024-04-01/2025-03-31", "ofsted-joiners-leavers-2024-25", sheet=pattern)
    geo = [s for s in MANIFEST.values() if s.family in geography.GEO_FAMILIES]
    sources = SourceFiles(
        {file.source_id: file.source, **{s.source_id: s for s in geo}},
        {file.source_id: book, **{s.source_id: mirror_dir / s.archive_path for s in geo}},
    )
    frame = flows_module.build(sources, councils=councils_module.build(sources))
    # read off tests/workbooks.py: SC333333 joined (Wigan, private, 2 places), 2345678 left (Bolton, voluntary,
    # 6 places); the fostering agency is not a home
    england = frame.filter(
        pl.col("geographic_level") == "National",
        pl.col("provision_type") == by_area.ALL_TYPES,
        pl.col("sector") == by_area.ALL_SECTORS,
    ).row(0, named=True)
    assert (england["year_end_date"], england["opened"], england["closed"]) == (date(2025, 3, 31), 1, 1)
    assert (england["opened_places"], england["closed_places"]) == (2, 6)
    councils = frame.filter(
        pl.col("geographic_level") == "Local authority",
        pl.col("provision_type") == by_area.ALL_TYPES,
        pl.col("sector") == by_area.ALL_SECTORS,
        (pl.col("opened") > 0) | (pl.col("closed") > 0),
    )
    assert sorted(councils.select("la_name", "opened", "closed").rows()) == [
        ("Bolton", 0, 1),
        ("Wigan", 1, 0),
    ]


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
        parse(list_2025(book, sheet))
    error = raised.value
    assert (error.source_id, error.file, error.check) == (ID_2025, "csc-2025.ods", "one sheet matches")
    assert error.detail.startswith(f"{found} match {sheet!r}; the workbook's sheets: ['Cover', 'Contents',")
    assert "'Leavers+Joiners_at_31_Mar_2025', 'Providers+places_Time_series']" in error.detail


def test_workbook_errors_name_the_sheet(tmp_path):
    rows = wb.provider_sheet_rows()
    header = wb.PROVIDER_HEADER + ["Star rating"]
    book = wb.write_xlsx(tmp_path / "csc-2025.xlsx", wb.ofsted_workbook(rows[:3] + [header] + rows[4:]))
    with pytest.raises(ParseError) as raised:
        parse(list_2025(book, wb.PROVIDER_PATTERN))
    error = raised.value
    assert (error.file, error.check) == (
        "csc-2025.xlsx [Provider_level_at_31_Mar_2025]",
        "known column names",
    )
    assert error.detail.startswith("unknown column(s) ['Star rating']: ")
    assert "data/reference/ofsted_columns.csv (family ofsted:provider_level)" in error.detail
    repeated = wb.write_xlsx(
        tmp_path / "repeated.xlsx", wb.ofsted_workbook(rows[:6] + [wb.PROVIDER_HEADER] + rows[6:])
    )
    with pytest.raises(ParseError) as raised:
        parse(list_2025(repeated, wb.PROVIDER_PATTERN))
    assert (raised.value.file, raised.value.check, raised.value.detail) == (
        "repeated.xlsx [Provider_level_at_31_Mar_2025]",
        "header row appears once",
        "header row repeated at record 7",
    )


def joiners_2025(path: Path, sheet: str = "") -> SourceFile:
    """A workbook (with the sheet to read) or a CSV export as the joiners and leavers of 2024-25."""
    return manifest_file(path, JL, "2024-04-01/2025-03-31", "ofsted-csc-data-2025", sheet=sheet)


def test_joiners_and_leavers_from_a_workbook_sheet(tmp_path):
    book = wb.write_ods(tmp_path / "csc-2025.ods", wb.ofsted_workbook())
    flows = ofsted.parse_joiners_leavers(joiners_2025(book, wb.JOINERS_PATTERN), settings.REFERENCE_DIR)
    export = wb.csv_export(tmp_path / "joiners-leavers-2024-25.csv", wb.JOINERS_ROWS)
    assert flows.equals(ofsted.parse_joiners_leavers(joiners_2025(export), settings.REFERENCE_DIR))
    assert flows.select("urn", "places", "joined", "left", "file_row").rows() == [
        ("2345678", 6, False, True, 6),
        ("SC333333", 2, True, False, 5),
    ]
    assert set(flows["year_end_date"]) == {date(2025, 3, 31)}


REAL_2024 = "ofsted-provider-level-2024-03-31"


def _real_lines(files: SourceFiles, source_id: str) -> list[bytes]:
    raw = files.get(source_id).path.read_bytes()
    lines = raw.split(b"\n")
    records = list(csv.reader(io.StringIO(raw.decode("cp1252"), newline="")))
    assert len(records) == len(lines) - (lines[-1] == b"")  # no quoted line breaks: line N is record N
    return lines


def _copy(tmp_path: Path, content: bytes) -> SourceFile:
    """A doctored copy of the real 2024 provider-level list, read as that list's manifest row."""
    path = tmp_path / "provider-level-2024-03-31.csv"
    path.write_bytes(content)
    return SourceFile(MANIFEST[REAL_2024], path)


def test_real_list_with_its_header_repeated(tmp_path, files):
    lines = _real_lines(files, REAL_2024)
    assert lines[3].startswith(b"Web link,URN,")  # the header is record 4
    copy = _copy(tmp_path, b"\n".join(lines[:1000] + [lines[3]] + lines[1000:]))
    with pytest.raises(ParseError) as raised:
        parse(copy)
    error = raised.value
    assert (error.source_id, error.file, error.check, error.detail) == (
        REAL_2024,
        "provider-level-2024-03-31.csv",
        "header row appears once",
        "header row repeated at record 1001",
    )


def test_real_list_header_only_and_cut_mid_row(tmp_path, files):
    lines = _real_lines(files, REAL_2024)
    copy = _copy(tmp_path, b"\n".join(lines[:4]) + b"\n")
    with pytest.raises(ParseError) as raised:
        parse(copy)
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
    copy = _copy(tmp_path, b"\n".join(lines[:1999]) + b"\n" + cut)
    with pytest.raises(ParseError) as raised:
        parse(copy)
    assert (raised.value.check, raised.value.detail) == (
        "every row has the header's number of cells",
        "record 2000 has 2 cells, the header 40 (the file ends mid-row)",
    )


def test_real_list_re_encoded_as_utf16_reads_identically(tmp_path, files):
    original = files.get(REAL_2024)
    copy = _copy(tmp_path, original.path.read_bytes().decode("cp1252").encode("utf-16"))
    assert copy.path.read_bytes()[:2] == b"\xff\xfe"
    assert parse(copy).equals(homes_of(files, REAL_2024))
    assert geography.ofsted_la_names_in_file(copy.path) == geography.ofsted_la_names_in_file(original.path)


# --------------------------------------------------------------------------------------------------
# The homes dataset and the datasets built on it, as the pipeline builds them


@pytest.fixture(scope="module")
def built(files) -> dict[str, pl.DataFrame]:
    """The Ofsted datasets and what they need (councils, population, childrens_homes_placements), built and
    given their geography by the pipeline (pipeline.build_all)."""
    return pipeline.build_all(pipeline.select_datasets(load_datasets(), DATASET_NAMES), files)


@pytest.fixture(scope="module")
def homes(built) -> pl.DataFrame:
    return built["childrens_homes"]


def suite_report(dataset, frame: pl.DataFrame, files: SourceFiles):
    """The dataset's expectation suite run on a frame, placeholders resolved from the run's files."""
    return validate(dataset, frame, dataset.views(frame) if dataset.views else {}, source_files=files)


def test_chosen_list_per_date_prefers_providers_and_places(files):
    chosen = {day: f.source_id for day, f in homes_module.chosen_sources(files).items()}
    assert chosen[date(2018, 3, 31)] == "ofsted-providers-places-2018-03-31"
    assert chosen[date(2023, 8, 31)] == "ofsted-providers-places-2023-08-31"
    assert chosen[date(2019, 3, 31)] == "ofsted-provider-level-2019-03-31"
    # the list labelled 31 August 2024 is dated 31 March 2024 (corrections.csv), where it is complete
    assert chosen[date(2024, 3, 31)] == "ofsted-providers-places-2024-08-31"
    assert date(2024, 8, 31) not in chosen
    # 15 lists; 2018-03-31, 2023-08-31 and (corrected) 2024-03-31 have one of each kind: 12 dates
    assert len(SNAPSHOT_IDS) == 15 and len(chosen) == 12


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
    row = homes.filter(pl.col("snapshot_date") == date(2023, 8, 31)).row(0, named=True)
    assert row["time_identifier"] == "As at 31 August" and row["time_period"] == 2023
    row = homes.filter(pl.col("source_id") == "ofsted-providers-places-2024-08-31").row(0, named=True)
    assert (row["snapshot_date"], row["time_identifier"], row["time_period"]) == (
        date(2024, 3, 31),
        "As at 31 March",
        2024,
    )
    assert row["source_release"] == MANIFEST["ofsted-providers-places-2024-08-31"].release_title
    # 'Bristol City' (2014 spelling) and 'Bristol' are one council
    bristol = homes.filter(pl.col("la_name_published").is_in(["Bristol City", "Bristol"]))
    assert set(bristol["la_name_published"]) == {"Bristol City", "Bristol"}
    assert set(bristol["new_la_code"]) == {"E06000023"}


def test_homes_suite_passes_and_catches_a_repeated_urn(homes, files):
    dataset = homes_module.DATASET
    report = suite_report(dataset, homes, files)
    assert report.success, [o.as_dict() for o in report.failures]
    broken = pl.concat([homes, homes.head(1)])
    report = suite_report(dataset, broken, files)
    failed = {(o.view, o.expectation) for o in report.failures}
    assert ("tidy", "expect_compound_columns_to_be_unique") in failed
    assert ("per_snapshot", "expect_column_values_to_be_between") in failed


def _one_home(name: str, region: str) -> pl.DataFrame:
    return pl.DataFrame(
        {
            "la_name_published": [name],
            "snapshot_date": [date(2018, 3, 31)],
            "region_name_published": [region],
            "urn": ["SC123456"],
            "file_row": [7],
            "source_id": ["ofsted-providers-places-2018-03-31"],
        }
    )


def test_region_disagreement_raises(files):
    with pytest.raises(GeographyError, match="North West") as raised:
        homes_module.add_geography(_one_home("Kent", "North West"), files)
    assert "SC123456" in str(raised.value) and "Kent" in str(raised.value)


def test_unknown_la_name_raises_naming_source_file_and_record(files):
    with pytest.raises(GeographyError, match="Atlantis") as raised:
        homes_module.add_geography(_one_home("Atlantis", "North West"), files)
    message = str(raised.value)
    assert "'ofsted-providers-places-2018-03-31'" in message
    assert "'providers-places-2018-03-31.csv'" in message
    assert "record 7 (URN SC123456)" in message and "local authority name known" in message


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
def reconciled(built) -> pl.DataFrame:
    return built["homes_reconciliation"]


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
    assert (provider_level["homes_in_file"], provider_level["homes_difference"]) == (2123, 2123 - 2209)
    assert "86 fewer than the published 2,209" in provider_level["difference_in_words"]
    assert not provider_level["used_in_childrens_homes"]

    march_2017 = row(date(2017, 3, 31), "ofsted-provider-level-2017-03-31")
    assert (march_2017["published_homes"], march_2017["published_council_run_homes"]) == (2145, 434)
    march_2019 = row(date(2019, 3, 31), "ofsted-provider-level-2019-03-31")
    assert (march_2019["published_homes"], march_2019["published_council_run_homes"]) == (2304, 418)
    march_2023 = row(date(2023, 3, 31), "ofsted-provider-level-2023-03-31")
    assert (march_2023["published_homes"], march_2023["published_places"]) == (2880, 10818)
    assert "places" in march_2023["difference_in_words"]
    assert "see homes_rebuilt_totals" in march_2023["difference_in_words"]  # published on another definition

    sep_2013 = row(date(2013, 9, 30), None)
    assert sep_2013["published_homes"] == 2067 and "No Ofsted list" in sep_2013["difference_in_words"]
    # the list labelled 31 August 2024 is compared on 31 March 2024, with its label stated
    relabelled = row(date(2024, 3, 31), "ofsted-providers-places-2024-08-31")
    assert relabelled["homes_in_file"] == 3491 and relabelled["used_in_childrens_homes"]
    assert (
        "Ofsted labels this list 31 August 2024; it is dated 31 March 2024 here"
        in (relabelled["difference_in_words"])
    )
    march_2024 = row(date(2024, 3, 31), "ofsted-provider-level-2024-03-31")
    assert not march_2024["used_in_childrens_homes"]
    assert reconciled.filter(pl.col("snapshot_date") == date(2024, 8, 31)).is_empty()
    assert reconciled["difference_in_words"].null_count() == 0


def test_reconciliation_suite_passes(reconciled, files):
    report = suite_report(reconciliation.DATASET, reconciled, files)
    assert report.success, [o.as_dict() for o in report.failures]


def test_published_totals_file_cites_every_figure():
    totals = reconciliation.read_published_totals()
    assert totals["document"].null_count() == 0 and totals["section"].null_count() == 0
    figure = totals.filter(pl.col("reference_date") == date(2018, 3, 31), pl.col("measure") == "homes")
    assert figure["value"].to_list() == [2209]


# --------------------------------------------------------------------------------------------------
# Summaries


@pytest.fixture(scope="module")
def areas(built) -> pl.DataFrame:
    return built["childrens_homes_by_area"]


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


def test_by_area_suite_passes_and_catches_a_bad_sum(areas, files):
    dataset = by_area.DATASET
    report = suite_report(dataset, areas, files)
    assert report.success, [o.as_dict() for o in report.failures]
    broken = areas.with_columns(
        pl.when((pl.col("geographic_level") == "Regional") & (pl.col("region_name") == "London"))
        .then(pl.col("homes") + 1)
        .otherwise(pl.col("homes"))
        .alias("homes")
    )
    report = suite_report(dataset, broken, files)
    assert {o.view for o in report.failures} >= {"regions_and_las_vs_england", "parts_vs_all"}


def test_council_run_homes(built, files):
    frame = built["council_run_homes"]
    national = frame.filter(
        pl.col("geographic_level") == "National", pl.col("snapshot_date") == date(2018, 3, 31)
    )
    assert national["council_run_homes"].to_list() == [423]  # Ofsted published, 31 March 2018
    march_2019 = frame.filter(
        pl.col("geographic_level") == "National", pl.col("snapshot_date") == date(2019, 3, 31)
    )
    assert "47" in march_2019["published_figure_note"][0]  # the 2019 debate's figure is quoted, not compared
    report = suite_report(council_module.DATASET, frame, files)
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


def test_ownership_real_suites_pass(built, files):
    for dataset in ownership.DATASETS:
        frame = built[dataset.name]
        assert frame["snapshot_date"].min() == date(2018, 3, 31)  # owners are published from 2018
        report = suite_report(dataset, frame, files)
        assert report.success, (dataset.name, [o.as_dict() for o in report.failures])


# --------------------------------------------------------------------------------------------------
# Supply against need (reads the DfE population and childrens_homes_placements datasets)


@pytest.fixture(scope="module")
def supply(built) -> pl.DataFrame:
    return built["childrens_homes_supply"]


def test_supply_england_2018(supply, files):
    row = supply.filter(
        pl.col("geographic_level") == "National", pl.col("snapshot_date") == date(2018, 3, 31)
    )
    row = row.row(0, named=True)
    # the places of the 31 March 2018 providers-and-places list (2,209 homes), counted here from the file
    _, _, places = _plain_count(files.get("ofsted-providers-places-2018-03-31").path)
    assert row["places"] == places == 11746
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


def test_supply_suite_passes(supply, files):
    report = suite_report(supply_module.DATASET, supply, files)
    assert report.success, [o.as_dict() for o in report.failures]
    assert set(supply["time_identifier"]) == {"As at 31 March"}


# --------------------------------------------------------------------------------------------------
# Openings and closures (joiners and leavers)


@pytest.mark.parametrize("source_id", JOINERS_LEAVERS_IDS)
def test_joiners_leavers_every_real_layout(files, source_id):
    file = files.get(source_id)
    first_day, year_end = file.source.period
    assert (first_day.month, first_day.day, year_end.month, year_end.day) == (4, 1, 3, 31)
    flows = ofsted.parse_joiners_leavers(file, files.reference_dir)
    expected_homes, _, expected_places = _plain_count(file.path)
    assert flows.height == expected_homes
    assert flows["places"].sum() == expected_places
    assert (flows["joined"] | flows["left"]).all()
    assert flows["year_end_date"].unique().to_list() == [year_end]


def test_openings_and_closures_2017_18_match_the_published_change(built, files):
    """Ofsted published 2,145 homes at 31 March 2017 and 2,209 at 31 March 2018 (main findings 2017 to 2018): a
    change of 64, which the 2017-18 joiners (opened) minus leavers (closed) must equal."""
    frame = built["childrens_homes_openings_closures"]
    england = frame.filter(
        pl.col("geographic_level") == "National",
        pl.col("provision_type") == by_area.ALL_TYPES,
        pl.col("sector") == by_area.ALL_SECTORS,
        pl.col("year_end_date") == date(2018, 3, 31),
    ).row(0, named=True)
    assert england["net_change"] == 2209 - 2145
    assert england["source_id"] == "ofsted-joiners-leavers-2017-18"
    report = suite_report(flows_module.DATASET, frame, files)
    assert report.success, [o.as_dict() for o in report.failures]


def test_joiners_leavers_row_must_be_one_or_the_other(tmp_path):
    header = "URN,Provision type,Local authority,Sector,Places,Joiner status,Leaver status"

    def joiners(text: str) -> SourceFile:
        return fixture_list(
            tmp_path,
            text,
            name="joiners-leavers-2017-18.csv",
            family=JL,
            reference_period="2017-04-01/2018-03-31",
            source_id="ofsted-joiners-leavers-fixture",
        )

    for text, check in [
        (header + "\nSC123456,Children's home,Kent,Private,4,,\n", "every row is a joiner or a leaver"),
        (header + "\nSC123456,Children's home,Kent,Private,4,Rejoiner,\n", "known joiner status"),
        (
            header + ",Closure reason\nSC123456,Children's home,Kent,Private,4,Joiner,,x\n",
            "known column names",
        ),
    ]:
        file = joiners(text)
        with pytest.raises(ParseError) as raised:
            ofsted.parse_joiners_leavers(file, settings.REFERENCE_DIR)
        assert (raised.value.source_id, raised.value.file, raised.value.check) == (
            "ofsted-joiners-leavers-fixture",
            "joiners-leavers-2017-18.csv",
            check,
        )
