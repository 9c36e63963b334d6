"""Release day for Ofsted's yearly workbook: families recognise a workbook by its sheets, the watch lists a GOV.UK
collection (served on 127.0.0.1, shaped like tests/fixtures/discovery/govuk) or an archive index holding one,
and writes one manifest row per recognised sheet, which the fetch layer and the readers then take.

The workbooks are written by tests/workbooks.py in the real layout (Cover, Contents, Guidance, Notes, Meta-data,
the tables at A4 under title rows, header cells starting with a line break). Every expected value below is read
off those workbooks and data/reference/source_families.csv, not from the code under test.
"""

from __future__ import annotations

import csv
import hashlib
import shutil
from dataclasses import replace
from pathlib import Path

import polars as pl
import pytest
import workbooks as wb
from govuk_collection import ODS, GovukCollection
from mirror_sources import MANIFEST

from analysis import manifest, release_watch
from analysis.datasets import SourceFiles
from analysis.datasets import childrens_homes as homes_module
from analysis.errors import ParseError
from analysis.fetch import Fetcher
from analysis.settings import Settings

COLLECTION = "/government/collections/childrens-social-care-statistics"  # the families' locate
OFSTED = [s for s in MANIFEST if MANIFEST[s].locate == f"govuk-content-api:{COLLECTION}"]
WORKBOOK = "fixture-childrens-social-care-2025.ods"
UNRECOGNISED_SHEETS = ["Cover", "Contents", "Guidance", "Notes", "Meta-data", "Providers+places_Time_series"]
# (source id, family, release, reference period, release title, sheet) of the 2025 workbook's tables
ROWS_2025 = [
    (
        "ofsted-provider-level-2025-03-31",
        "ofsted:provider_level",
        "2025-03-31",
        "2025-03-31",
        "31 March 2025",
        r"^Provider_level_at_31_Mar_2025$",
    ),
    (
        "ofsted-inspections-in-year-2024-25",
        "ofsted:inspections_in_year",
        "2025-03-31",
        "2024-04-01/2025-03-31",
        "2024-25",
        r"^Provider_level_in_year_2024\-25$",
    ),
    (
        "ofsted-providers-places-2025-03-31",
        "ofsted:providers_places",
        "2025-03-31",
        "2025-03-31",
        "31 March 2025",
        r"^Providers\+places_at_31_Mar_2025$",
    ),
    (
        "ofsted-joiners-leavers-2024-25",
        "ofsted:joiners_leavers",
        "2025-03-31",
        "2024-04-01/2025-03-31",
        "2024-25",
        r"^Leavers\+Joiners_at_31_Mar_2025$",
    ),
]


def write_manifest(path: Path, source_ids) -> Path:
    manifest.write_sources(path, [MANIFEST[s] for s in source_ids])
    return path


def described(rows) -> list[tuple[str, ...]]:
    return [(r.source_id, r.family, r.release, r.reference_period, r.release_title, r.sheet) for r in rows]


# --------------------------------------------------------------------------------------------------------------
# Families: a workbook is classified sheet by sheet
# --------------------------------------------------------------------------------------------------------------


def test_a_workbook_is_classified_sheet_by_sheet_and_csv_exports_by_name():
    families = manifest.load_families()
    sheets = [name for name, _ in wb.ofsted_workbook()]
    recognised, others = manifest.classify_sheets(WORKBOOK, sheets, families)
    assert [(sheet, family.family) for sheet, family in recognised] == [
        ("Provider_level_at_31_Mar_2025", "ofsted:provider_level"),
        ("Provider_level_in_year_2024-25", "ofsted:inspections_in_year"),
        ("Providers+places_at_31_Mar_2025", "ofsted:providers_places"),
        ("Leavers+Joiners_at_31_Mar_2025", "ofsted:joiners_leavers"),
    ]
    assert others == UNRECOGNISED_SHEETS
    assert manifest.reads_sheets(WORKBOOK, families) and manifest.reads_sheets("book.XLSX", families)
    assert not manifest.reads_sheets("provider-level-2024-03-31.csv", families)
    # a workbook is never recognised whole, and a CSV export still is, by its name
    assert manifest.classify(WORKBOOK, families) is None
    assert manifest.classify("provider-level-2024-03-31.csv", families).family == "ofsted:provider_level"
    assert (
        manifest.classify("provider-level-2024-03-31.csv", families, "Provider_level_at_31_Mar_2024") is None
    )


def test_a_sheet_two_families_recognise_is_an_error_naming_both(tmp_path):
    reference = tmp_path / "reference"
    reference.mkdir()
    text = manifest.families_path().read_text(encoding="utf-8")
    # the unused in-year family given a pattern that also fits the provider-level list's sheet
    rows = list(csv.DictReader(text.splitlines()))
    clash = next(r for r in rows if r["family"] == "ofsted:inspections_in_year" and r["sheet_pattern"])
    rows.append({**clash, "sheet_pattern": r"^Provider_level_"})
    with (reference / manifest.FAMILIES_FILE).open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, manifest.FAMILY_COLUMNS, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    families = manifest.load_families(manifest.families_path(reference))
    with pytest.raises(manifest.ManifestError) as raised:
        manifest.classify_sheets(WORKBOOK, [name for name, _ in wb.ofsted_workbook()], families)
    message = str(raised.value)
    assert f"sheet 'Provider_level_at_31_Mar_2025' of file {WORKBOOK!r} fits more than one family" in message
    assert "['ofsted:inspections_in_year', 'ofsted:provider_level']" in message


def test_a_family_row_with_a_sheet_pattern_needs_a_file_pattern_and_templates_known_fields(tmp_path):
    reference = tmp_path / "reference"
    reference.mkdir()
    rows = list(csv.DictReader(manifest.families_path().read_text(encoding="utf-8").splitlines()))
    path = reference / manifest.FAMILIES_FILE

    def write(rows):
        with path.open("w", newline="", encoding="utf-8") as handle:
            writer = csv.DictWriter(handle, manifest.FAMILY_COLUMNS, lineterminator="\n")
            writer.writeheader()
            writer.writerows(rows)

    sheet_row = next(i for i, r in enumerate(rows) if r["sheet_pattern"])
    write([*rows[:sheet_row], {**rows[sheet_row], "file_pattern": ""}, *rows[sheet_row + 1 :]])
    with pytest.raises(manifest.ManifestError, match="a sheet_pattern needs the file_pattern"):
        manifest.load_families(path)
    write([{**rows[0], "source_id_template": "dfe-{year}-{stem}"}, *rows[1:]])
    with pytest.raises(
        manifest.ManifestError, match=r"uses \['year'\]: only \['release', 'financial_year', 'stem'\]"
    ):
        manifest.load_families(path)


def test_source_ids_reproduce_every_committed_id_and_name_a_workbooks_lists_once():
    families = manifest.load_families()
    for source in MANIFEST.values():
        stem = release_watch._stem(source.file_name)
        assert release_watch.source_id(families[source.family], source.release, stem) == source.source_id
    # the sheets of one workbook: one id per list, each the id the list has as a CSV export
    ids = [
        release_watch.source_id(families[family], release, "any-stem") for _, family, release, *_ in ROWS_2025
    ]
    assert ids == [row[0] for row in ROWS_2025]
    assert len(set(ids)) == len(ids)
    # a template that needs a date is refused for a release that is not one
    with pytest.raises(release_watch.FarFromHomeError, match=r"needs \['financial_year'\]"):
        release_watch.source_id(families["ofsted:joiners_leavers"], "2025", "x")


@pytest.mark.parametrize(
    ("sheet", "family", "expected"),
    [
        (
            "Provider_level_at_31_Mar_2025",
            "ofsted:provider_level",
            ("2025-03-31", "2025-03-31", "31 March 2025"),
        ),
        (
            "Providers+places_at_31_Aug_2024",
            "ofsted:providers_places",
            ("2024-08-31", "2024-08-31", "31 August 2024"),
        ),
        (
            "Providers+places_at_30_Sep_2014",
            "ofsted:providers_places",
            ("2014-09-30", "2014-09-30", "30 September 2014"),
        ),
        (
            "Leavers+Joiners_at_31_Mar_2023",
            "ofsted:joiners_leavers",
            ("2023-03-31", "2022-04-01/2023-03-31", "2022-23"),
        ),
        (
            "Provider_level_in_year_2024-25",
            "ofsted:inspections_in_year",
            ("2025-03-31", "2024-04-01/2025-03-31", "2024-25"),
        ),
    ],
)
def test_release_period_and_title_come_from_the_sheet_name(sheet, family, expected):
    families = manifest.load_families()
    assert manifest.classify(WORKBOOK, families, sheet).family == family
    candidate = release_watch.Candidate(WORKBOOK, "", "http://127.0.0.1/x.ods", "Ofsted", "p", "2025", "")
    assert release_watch._sheet_period(families[family], candidate, sheet) == expected


@pytest.mark.parametrize(
    ("sheet", "family", "detail"),
    [
        (
            "Leavers+Joiners_at_31_Aug_2025",
            "ofsted:joiners_leavers",
            "2025-08-31 does not end a year to 31 March",
        ),
        ("Provider_level_in_year_2024-26", "ofsted:inspections_in_year", "'2024-26' is not one year"),
        ("Provider_level_at_31_Feb_2025", "ofsted:provider_level", "'31_Feb_2025' is not a day"),
    ],
)
def test_a_sheet_name_that_gives_no_release_is_an_error_naming_the_file_and_sheet(sheet, family, detail):
    families = manifest.load_families()
    candidate = release_watch.Candidate(WORKBOOK, "", "http://127.0.0.1/x.ods", "Ofsted", "p", "2025", "")
    with pytest.raises(release_watch.FarFromHomeError) as raised:
        release_watch._sheet_period(families[family], candidate, sheet)
    assert str(raised.value).startswith(
        f"file {WORKBOOK!r}, sheet {sheet!r} ({family}): check 'date in the sheet"
    )
    assert detail in str(raised.value)


# --------------------------------------------------------------------------------------------------------------
# Live mode: a GOV.UK collection
# --------------------------------------------------------------------------------------------------------------


@pytest.fixture
def collection(httpserver, monkeypatch, tmp_path):
    """The Ofsted collection with a 2024 document (older than the newest list held, 31 August 2024) and a 2025
    one holding the yearly workbook and a PDF; a manifest of the committed Ofsted rows."""
    govuk = GovukCollection(httpserver, monkeypatch, COLLECTION)
    book = wb.write_ods(tmp_path / WORKBOOK, wb.ofsted_workbook()).read_bytes()
    govuk.document(
        "fixture-childrens-social-care-in-england-2024",
        "Children's social care in England 2024",
        "2024-07-11T09:30:00.000+01:00",
        [("fixture-childrens-social-care-2024.ods", b"not read", ODS)],
    )
    govuk.document(
        "fixture-childrens-social-care-in-england-2025",
        "Children's social care in England 2025",
        "2025-07-15T09:30:00.000+01:00",
        [(WORKBOOK, book, ODS), ("fixture-methodology-2025.pdf", b"%PDF-1.4", "application/pdf")],
    )
    run = Settings(
        cache_dir=tmp_path / "cache", sources_manifest=write_manifest(tmp_path / "sources.csv", OFSTED)
    )
    return {"govuk": govuk, "run": run, "book": book, "tmp": tmp_path}


def test_govuk_collection_workbook_rows_are_written_per_sheet_and_an_unchanged_collection_downloads_nothing(
    collection, capsys
):
    govuk, run, book = collection["govuk"], collection["run"], collection["book"]
    [old, workbook, pdf] = govuk.attachments
    page = govuk.page_url("fixture-childrens-social-care-in-england-2025")
    assert release_watch.main(["--apply"], run=run) == release_watch.EXIT_NEWER
    out = capsys.readouterr().out
    for sheet in UNRECOGNISED_SHEETS:
        assert f"unrecognised: {govuk.server.url_for(workbook.path)} sheet `{sheet}`" in out
    # the collection and the 2025 document only (the 2024 document is older than the newest list held), then
    # the workbook once; the PDF no family recognises by name is not downloaded
    assert govuk.requested() == [
        f"/api/content{COLLECTION}",
        "/api/content/government/statistics/fixture-childrens-social-care-in-england-2025",
        workbook.path,
    ]
    after = manifest.load_sources(run.sources_manifest)
    assert list(after)[: len(OFSTED)] == OFSTED
    written = [after[s] for s in list(after)[len(OFSTED) :]]
    assert described(written) == ROWS_2025
    for row in written:
        assert (row.file_name, row.page_url, row.direct_url) == (WORKBOOK, page, "")
        assert (row.expected_bytes, row.expected_sha256) == (len(book), hashlib.sha256(book).hexdigest())
        assert row.archive_path == f"ofsted/fixture-childrens-social-care-in-england-2025/{WORKBOOK}"
        assert (row.publisher, row.publication) == ("Ofsted", "Children's social care in England 2025")
        assert row.locate == f"govuk-content-api:{COLLECTION}" and row.licence == "OGL-UK-3.0"
    # the rows load and fit their families (as `make data` checks them)
    manifest.check_families(after, manifest.load_families(), run.sources_manifest)

    # unchanged: the collection and the 2025 document are read again, nothing is downloaded
    govuk.server.clear_log()
    again = release_watch.watch(run)
    assert (again.new, again.errors, again.exit_code) == ([], [], release_watch.EXIT_NONE)
    assert [u["file"] for u in again.unrecognised] == [govuk.server.url_for(pdf.path)]
    assert old.path not in govuk.requested() and workbook.path not in govuk.requested()

    # production finds each row's attachment through its locate, and the workbook is downloaded once
    govuk.server.clear_log()
    read = [r for r in written if r.family != "ofsted:inspections_in_year"]
    fetched = Fetcher(run, progress=False).fetch_all(read)
    assert govuk.requested().count(workbook.path) == 1
    assert govuk.requested().count(f"/api/content{COLLECTION}") == 1
    for row in read:
        record = fetched[row.source_id].provenance
        assert fetched[row.source_id].path == run.cache_dir / row.source_id / WORKBOOK
        assert (record.url, record.sha256, record.manifest_sha256_matches) == (
            govuk.server.url_for(workbook.path),
            row.expected_sha256,
            True,
        )
        assert fetched[row.source_id].path.read_bytes() == book


def test_a_collection_older_than_the_newest_list_held_reads_no_document(collection):
    govuk, run = collection["govuk"], collection["run"]
    rows = manifest.load_sources(run.sources_manifest)
    newest = max(rows.values(), key=lambda s: s.release)
    later = replace(newest, source_id="fixture-later", release="2025-08-31", reference_period="2025-08-31")
    manifest.write_sources(run.sources_manifest, [*rows.values(), later])
    report = release_watch.watch(run)
    assert (report.new, report.errors, report.unrecognised, report.checked) == ([], [], [], 0)
    assert govuk.requested() == [f"/api/content{COLLECTION}"]


def test_a_list_held_as_a_csv_export_is_not_added_again_from_the_workbook(collection):
    run = collection["run"]
    # the manifest holds the 2025 provider-level list already, as a CSV export
    rows = manifest.load_sources(run.sources_manifest)
    held = replace(
        MANIFEST["ofsted-provider-level-2024-03-31"],
        source_id="ofsted-provider-level-2025-03-31",
        release="2025-03-31",
        reference_period="2025-03-31",
        file_name="provider-level-2025-03-31.csv",
        archive_path="ofsted/childrens-social-care/provider-level-2025-03-31.csv",
    )
    manifest.write_sources(run.sources_manifest, [*rows.values(), held])
    report = release_watch.watch(run)
    assert report.errors == []
    assert [n["source_id"] for n in report.new] == [r[0] for r in ROWS_2025[1:]]


def test_the_same_list_twice_in_one_release_is_an_error_and_nothing_is_applied(collection):
    govuk, run = collection["govuk"], collection["run"]
    [_, workbook, _] = govuk.attachments
    export = wb.csv_export(collection["tmp"] / "provider-level-2025-03-31.csv", wb.provider_sheet_rows())
    govuk.documents[-1]["item"]["details"]["attachments"].append(
        {
            "attachment_type": "file",
            "content_type": "text/csv",
            "filename": export.name,
            "id": "fixture-599",
            "title": export.name,
            "url": govuk.server.url_for("/media/fixture-599/" + export.name),
        }
    )
    govuk.serve()
    govuk.server.expect_request("/media/fixture-599/" + export.name).respond_with_data(export.read_bytes())
    before = run.sources_manifest.read_bytes()
    report = release_watch.watch(run, apply=True)
    assert [e["error"] for e in report.errors] == [
        "source id 'ofsted-provider-level-2025-03-31' already exists: the release may be listed twice"
    ]
    assert report.applied == [] and run.sources_manifest.read_bytes() == before


# --------------------------------------------------------------------------------------------------------------
# Archive mode: a workbook in the archive index
# --------------------------------------------------------------------------------------------------------------

ARCHIVE_PATH = f"ofsted/childrens-social-care/{WORKBOOK}"


def archive_with(tmp_path: Path, sheets) -> Settings:
    archive = tmp_path / "archive"
    (archive / ARCHIVE_PATH).parent.mkdir(parents=True)
    book = wb.write_ods(archive / ARCHIVE_PATH, sheets).read_bytes()
    with (archive / "MANIFEST.csv").open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(["path", "bytes", "sha256", "publisher", "publication", "release", "upstream_page"])
        writer.writerow(
            [
                ARCHIVE_PATH,
                len(book),
                hashlib.sha256(book).hexdigest(),
                "Ofsted",
                "Children's social care data in England 2025",
                "2025",
                f"https://www.gov.uk{COLLECTION}",
            ]
        )
    return Settings(
        cache_dir=tmp_path / "cache",
        mirror_dir=archive,
        sources_manifest=write_manifest(tmp_path / "sources.csv", OFSTED),
    )


def homes_from(run: Settings, source_id: str) -> pl.DataFrame:
    sources = manifest.load_sources(run.sources_manifest)
    files = SourceFiles(sources, {source_id: run.mirror_dir / sources[source_id].archive_path})
    return homes_module.parse_snapshots([files.get(source_id)], files)


def test_archive_index_workbook_with_an_extra_title_row_is_classified_and_read(tmp_path):
    run = archive_with(tmp_path, wb.ofsted_workbook(wb.provider_sheet_rows(title_rows=4)))
    report = release_watch.watch(run, apply=True)
    assert report.errors == [] and [u["sheet"] for u in report.unrecognised] == UNRECOGNISED_SHEETS
    after = manifest.load_sources(run.sources_manifest)
    written = [after[s] for s in report.applied]
    assert described(written) == ROWS_2025
    assert {(r.archive_path, r.direct_url, r.page_url) for r in written} == {
        (ARCHIVE_PATH, "", f"https://www.gov.uk{COLLECTION}")
    }
    # the provider-level row reads its sheet: the table at A5 under four title rows
    homes = homes_from(run, "ofsted-provider-level-2025-03-31")
    assert sorted(homes.select("file_row", "urn").rows()) == [
        (6, "SC123456"),
        (7, "1234567"),
        (8, "SC654321"),
        (10, "SC222222"),  # row 9: the fostering agency, not a home
    ]
    # the workbook is known by its archive path: nothing new
    assert release_watch.watch(run).new == []


@pytest.mark.parametrize(
    ("dropped", "check", "detail"),
    [
        ("Sector", "required columns present", "missing ['sector']"),
        ("\nLocal authority", "header row found", "the closest, record 4, lacks 'Local authority' ("),
    ],
)
def test_a_recognised_sheet_missing_a_required_column_stops_naming_the_file_sheet_and_column(
    tmp_path, dropped, check, detail
):
    rows = wb.provider_sheet_rows()
    position = wb.PROVIDER_HEADER.index(dropped)
    rows = rows[:3] + [row[:position] + row[position + 1 :] for row in rows[3:]]
    run = archive_with(tmp_path, wb.ofsted_workbook(rows))
    assert release_watch.watch(run, apply=True).errors == []
    with pytest.raises(ParseError) as raised:
        homes_from(run, "ofsted-provider-level-2025-03-31")
    error = raised.value
    assert (error.source_id, error.file, error.check) == (
        "ofsted-provider-level-2025-03-31",
        f"{WORKBOOK} [Provider_level_at_31_Mar_2025]",
        check,
    )
    assert detail in error.detail
    assert "data/reference/ofsted_columns.csv, family ofsted:provider_level" in error.detail


def test_a_workbook_no_family_recognises_a_sheet_of_is_listed_not_guessed(tmp_path):
    run = archive_with(tmp_path, wb.ofsted_workbook()[:5])  # Cover ... Meta-data only
    report = release_watch.watch(run, apply=True)
    assert (report.new, report.errors) == ([], [])
    [entry] = report.unrecognised
    assert entry["file"] == ARCHIVE_PATH and "Meta-data" in entry["hint"]


def test_a_workbook_that_does_not_open_is_a_failed_check_naming_the_file(tmp_path):
    run = archive_with(tmp_path, wb.ofsted_workbook())
    shutil.copyfile(Path(__file__), run.mirror_dir / ARCHIVE_PATH)  # not a workbook any more
    index = (run.mirror_dir / "MANIFEST.csv").read_text(encoding="utf-8").splitlines()
    index[1] = ",".join([ARCHIVE_PATH, "", "", *index[1].split(",")[3:]])
    (run.mirror_dir / "MANIFEST.csv").write_text("\n".join(index) + "\n", encoding="utf-8")
    report = release_watch.watch(run, apply=True)
    [error] = report.errors
    assert error["locate"] == ARCHIVE_PATH
    assert error["error"].startswith(f"file {WORKBOOK!r}: check 'readable workbook' failed")
    assert report.applied == []


def test_production_finds_a_workbook_rows_attachment_on_the_document_its_row_names(collection):
    """A list dated in another year than its document (31 August 2024 in the 2025 workbook), in a workbook whose
    name has no year and that an older document also holds under the same name: the row's page_url decides."""
    from analysis import discovery

    govuk = collection["govuk"]
    same_name = "fixture-childrens-social-care.ods"
    for document in govuk.documents:
        attachment = document["item"]["details"]["attachments"][0]
        attachment.update(
            filename=same_name, url=govuk.server.url_for(f"/media/{attachment['id']}/{same_name}")
        )
    govuk.serve()
    row = replace(
        MANIFEST["ofsted-providers-places-2024-08-31"],
        source_id="fixture-row",
        file_name=same_name,
        sheet=r"^Providers\+places_at_31_Aug_2024$",
        page_url=govuk.page_url("fixture-childrens-social-care-in-england-2025"),
    )
    session = release_watch.default_session()
    url = discovery.locate(row, session)
    assert url == govuk.server.url_for(
        f"/media/{govuk.documents[1]['item']['details']['attachments'][0]['id']}/{same_name}"
    )
    # without the document, the reporting-year rule takes the 2024 document's file of that name
    elsewhere = replace(row, page_url=f"https://www.gov.uk{COLLECTION}")
    assert discovery.locate(elsewhere, session) == govuk.server.url_for(
        f"/media/{govuk.documents[0]['item']['details']['attachments'][0]['id']}/{same_name}"
    )


def test_a_collection_of_whole_files_finds_the_files_held_by_name_and_release_and_downloads_nothing(
    httpserver, monkeypatch, tmp_path
):
    """The statistical first releases' collection: the 2017 document ("… 2016 to 2017", the year ending March
    2017) holds the files the manifest has; a PDF no family recognises is listed; the 2016 document is older than
    the newest release held (2017) and is not read."""
    path = "/government/collections/statistics-looked-after-children"
    held = [s for s in MANIFEST if MANIFEST[s].locate == f"govuk-content-api:{path}"]
    govuk = GovukCollection(httpserver, monkeypatch, path)
    govuk.document(
        "fixture-children-looked-after-2015-to-2016",
        "Children looked after in England including adoption: 2015 to 2016",
        "2016-09-29T09:30:00.000+01:00",
        [("SFR41_CLA2016.csv", b"not read", "text/csv")],
    )
    [*_, pdf] = govuk.document(
        "fixture-children-looked-after-2016-to-2017",
        "Children looked after in England including adoption: 2016 to 2017",
        "2017-09-28T09:30:00.000+01:00",
        [
            ("SFR50_CLA2017.csv", b"not read", "text/csv"),
            ("SFR50_Missing_2017.csv", b"not read", "text/csv"),
            ("SFR50_2017_MetaData.txt", b"not read", "text/plain"),
            ("SFR50_2017_Text.pdf", b"not read", "application/pdf"),
        ],
    )
    run = Settings(
        cache_dir=tmp_path / "cache", sources_manifest=write_manifest(tmp_path / "sources.csv", held)
    )
    report = release_watch.watch(run)
    assert (report.new, report.errors, report.checked) == ([], [], 4)
    assert [u["file"] for u in report.unrecognised] == [govuk.server.url_for(pdf.path)]
    assert govuk.requested() == [
        f"/api/content{path}",
        "/api/content/government/statistics/fixture-children-looked-after-2016-to-2017",
    ]


def test_a_workbook_known_only_by_its_content_type_is_an_error_not_a_row(collection):
    govuk, run = collection["govuk"], collection["run"]
    attachment = govuk.documents[-1]["item"]["details"]["attachments"][0]
    attachment["filename"] = "fixture-childrens-social-care-2025"  # no extension; content type ODS
    govuk.serve()
    report = release_watch.watch(run, apply=True)
    [error] = report.errors
    assert error["error"].startswith(
        "file 'fixture-childrens-social-care-2025': check 'workbook named .ods or .xlsx' failed: its content type "
        f"is {ODS!r}"
    )
    assert report.applied == [] and not [p for p in govuk.requested() if p.startswith("/media/")]
