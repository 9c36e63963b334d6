"""Release day for Ofsted's yearly workbook, rehearsed on the real lists.

The archive holds the newest Ofsted lists only as CSV exports of the workbook's sheets (provider level at
31 March 2024, providers and places labelled 31 August 2024, joiners and leavers 2022-23). Here they are put back
into ONE ODS workbook in the real layout: Cover, Contents, Guidance and Notes sheets, each table at A4 under
title rows, the "Provision type" header cell starting with a line break, typed cells (dates, whole numbers), and
sheets no family reads (premises, a time series). The sheet names carry each list's own date, so this workbook
mixes dates a real one would not; it stands for "a workbook that holds these lists".

The workbook is published in a GOV.UK collection served on 127.0.0.1 (content API JSON shaped like
tests/fixtures/discovery/govuk). On a manifest without those three lists, `release_watch --apply` must write one
row per list read from the workbook, under the ids the CSV exports have; then the children's homes datasets built
from the workbook rows must equal, value for value, those built from the CSV export rows (and the committed data).

Corrections keyed on a source id (data/reference/corrections.csv): the list labelled 31 August 2024 describes
31 March 2024, recorded against `ofsted-providers-places-2024-08-31`. Its workbook sheet
`Providers+places_at_31_Aug_2024` is written under that same id (the id names the table and the release, not the
file), so the correction applies to the workbook row as it does to the CSV export.
"""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

import polars as pl
import pytest
import workbooks as wb
from govuk_collection import ODS, GovukCollection
from mirror_sources import MANIFEST

from analysis import manifest, pipeline, release_watch, settings

pytestmark = pytest.mark.slow

COLLECTION = "/government/collections/childrens-social-care-statistics"
DOCUMENT = "fixture-childrens-social-care-data-in-england-2024"
WORKBOOK = "fixture-childrens-social-care-data-in-england-2024.ods"
DATASETS = ["childrens_homes", "childrens_homes_openings_closures"]
# the newest lists: (source id of the CSV export, the sheet the workbook holds it in, family, release, period,
# release title), read off data/sources.csv and the workbook's naming (`..._at_31_Mar_2024`)
LISTS = [
    (
        "ofsted-provider-level-2024-03-31",
        "Provider_level_at_31_Mar_2024",
        "ofsted:provider_level",
        "2024-03-31",
        "2024-03-31",
        "31 March 2024",
    ),
    (
        "ofsted-providers-places-2024-08-31",
        "Providers+places_at_31_Aug_2024",
        "ofsted:providers_places",
        "2024-08-31",
        "2024-08-31",
        "31 August 2024",
    ),
    (
        "ofsted-joiners-leavers-2022-23",
        "Leavers+Joiners_at_31_Mar_2023",
        "ofsted:joiners_leavers",
        "2023-03-31",
        "2022-04-01/2023-03-31",
        "2022-23",
    ),
]
UNREAD_SHEETS = [
    "Cover",
    "Contents",
    "Guidance",
    "Notes",
    "SA_Premises_at_31_Mar_2024",
    "Providers+places_Time_series",
]


def workbook_sheets(mirror_dir: Path) -> list[wb.Sheet]:
    tables = [
        (
            sheet,
            wb.table_sheet(
                wb.export_rows(mirror_dir / MANIFEST[source_id].archive_path), f"Fixture: {title}"
            ),
        )
        for source_id, sheet, *_, title in LISTS
    ]
    return [
        ("Cover", [["Fixture workbook made of Ofsted's CSV exports"], [], ["Published: fixture"]]),
        (
            "Contents",
            [["Contents"], ["This worksheet contains one table."], ["Sheet"], *[[s] for s, _ in tables]],
        ),
        ("Guidance", [["Guidance"]]),
        (
            "Notes",
            [["Notes"], [], ["Note number", "Note text"], [1, "Names of children's homes are redacted."]],
        ),
        tables[0],
        tables[1],
        ("SA_Premises_at_31_Mar_2024", [["Premises"], [], [], ["URN", "Premises"], ["SC000001", 2]]),
        tables[2],
        ("Providers+places_Time_series", [["Time series"], [], [], ["Year", "Providers"], [2024, 1]]),
    ]


def tidy(directory: Path) -> dict[str, pl.DataFrame]:
    return {
        path.stem: pl.read_csv(path, infer_schema=False, encoding="utf8")
        for path in sorted((directory / "tidy").glob("*.csv"))
    }


def link_archive(archive: Path, mirror_dir: Path, sources: dict[str, manifest.Source]) -> None:
    for source in sources.values():
        target = archive / source.archive_path
        if not target.exists() and (mirror_dir / source.archive_path).is_file():
            target.parent.mkdir(parents=True, exist_ok=True)
            target.symlink_to((mirror_dir / source.archive_path).resolve())


@pytest.fixture(scope="module")
def rehearsal(tmp_path_factory, mirror_dir, make_httpserver):
    work = tmp_path_factory.mktemp("release-day-workbook")
    book = wb.write_ods(work / WORKBOOK, workbook_sheets(mirror_dir)).read_bytes()
    newest = {source_id for source_id, *_ in LISTS}
    held = {s: row for s, row in MANIFEST.items() if s not in newest}

    # the watch, live: the collection on GOV.UK (served here) has the workbook. The manifest it reads holds the
    # rows this collection locates (the others' publishers are not served here)
    locate = f"govuk-content-api:{COLLECTION}"
    manifest.write_sources(work / "sources.csv", [s for s in held.values() if s.locate == locate])
    live = settings.Settings(cache_dir=work / "cache", sources_manifest=work / "sources.csv")
    with pytest.MonkeyPatch.context() as monkeypatch:
        govuk = GovukCollection(make_httpserver, monkeypatch, COLLECTION)
        govuk.document(
            DOCUMENT,
            "Children's social care data in England 2024",
            "2024-07-18T09:30:00.000+01:00",
            [(WORKBOOK, book, ODS)],
        )
        report = release_watch.watch(live, apply=True)
        requested = govuk.requested()
        workbook_path = govuk.attachments[0].path
        make_httpserver.clear()
    watched = manifest.load_sources(work / "sources.csv")
    after = {**held, **{s: watched[s] for s in report.applied}}

    # the data: from the CSV export rows, and from the workbook rows (an archive holding the workbook where the
    # rows say, beside the real files)
    results = {}
    for name, sources in (("exports", MANIFEST), ("workbook", after)):
        archive = work / f"archive-{name}"
        link_archive(archive, mirror_dir, sources)
        if name == "workbook":
            place = archive / f"ofsted/{DOCUMENT}/{WORKBOOK}"
            place.parent.mkdir(parents=True, exist_ok=True)
            place.write_bytes(book)
        manifest.write_sources(work / f"sources-{name}.csv", list(sources.values()))
        run = settings.Settings(
            cache_dir=work / f"cache-{name}",
            mirror_dir=archive,
            sources_manifest=work / f"sources-{name}.csv",
        )
        (work / name).mkdir()
        results[name] = pipeline.run(run, output_dir=work / name, only=DATASETS)
    return {
        "work": work,
        "book": book,
        "report": report,
        "requested": requested,
        "workbook_path": workbook_path,
        "after": after,
        "held": held,
        "results": results,
    }


def test_the_watch_writes_one_row_per_list_under_the_csv_exports_ids(rehearsal):
    report, after, book = rehearsal["report"], rehearsal["after"], rehearsal["book"]
    assert report.errors == []
    assert [u["sheet"] for u in report.unrecognised] == UNREAD_SHEETS
    assert report.applied == [source_id for source_id, *_ in LISTS]
    assert list(after)[: len(rehearsal["held"])] == list(rehearsal["held"])
    for source_id, sheet, family, release, period, title in LISTS:
        row, export = after[source_id], MANIFEST[source_id]
        assert (row.family, row.release, row.reference_period, row.release_title) == (
            family,
            release,
            period,
            title,
        )
        # what the CSV export's committed row says of the list
        assert (row.family, row.release, row.reference_period, row.release_title) == (
            export.family,
            export.release,
            export.reference_period,
            export.release_title,
        )
        assert row.sheet == "^" + re.escape(sheet) + "$"
        assert (row.file_name, row.expected_bytes, row.expected_sha256) == (
            WORKBOOK,
            len(book),
            hashlib.sha256(book).hexdigest(),
        )
        assert (row.direct_url, row.locate) == ("", export.locate)
    # the collection, its one document, the workbook once
    assert rehearsal["requested"] == [
        f"/api/content{COLLECTION}",
        f"/api/content/government/statistics/{DOCUMENT}",
        rehearsal["workbook_path"],
    ]


def test_the_homes_built_from_the_workbook_rows_equal_those_from_the_csv_exports_value_for_value(rehearsal):
    exports = tidy(rehearsal["work"] / "exports")
    workbook = tidy(rehearsal["work"] / "workbook")
    committed = tidy(settings.DATA_DIR)
    assert sorted(workbook) == sorted(exports)
    assert set(DATASETS) <= set(workbook)
    for name in workbook:
        assert workbook[name].equals(exports[name]), name
        assert workbook[name].equals(committed[name]), name
    # the workbook's lists were read from it (the sheet of each row), not from elsewhere
    fetched = rehearsal["results"]["workbook"].fetched
    for source_id, *_ in LISTS:
        assert fetched[source_id].path.name == WORKBOOK


def test_a_correction_keyed_on_the_lists_id_applies_to_its_workbook_row(rehearsal):
    homes = tidy(rehearsal["work"] / "workbook")["childrens_homes"]
    from_sheet = homes.filter(pl.col("source_id") == "ofsted-providers-places-2024-08-31")
    assert from_sheet.height > 3000
    assert set(from_sheet["snapshot_date"]) == {"2024-03-31"}
    assert set(from_sheet["source_release"]) == {"31 August 2024"}
    assert from_sheet["correction"].null_count() == 0
    assert (
        from_sheet["correction"]
        .str.starts_with("reference period corrected: published 2024-08-31, 2024-03-31 here")
        .all()
    )
