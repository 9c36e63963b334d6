"""analysis.release_watch: the files an archive index or the publisher has and data/sources.csv lacks, and the
manifest rows `--apply` writes for them.

- Archive mode over HTTP: the real sources' archive index (MANIFEST.csv) and real files, served on 127.0.0.1
  by pytest-httpserver at FFH_SOURCE_BASE_URL, with a manifest that lacks the newest release's files. The
  rows written must equal the committed manifest's rows for those files (written by hand, not by this code).
- Publisher mode: the Explore Education Statistics content API answered from the JSON fixtures in
  tests/fixtures/discovery/ees (release entries with the latest flagged, a release's downloadFiles) through a
  real requests.Session, and the real files as the files' bytes.
"""

from __future__ import annotations

import copy
import csv
import hashlib
import io
import json
from pathlib import Path

import pytest
import requests
from mirror_sources import MANIFEST, path_of
from requests.structures import CaseInsensitiveDict

from analysis import discovery, manifest, release_watch
from analysis.discovery import EES_CONTENT_API, EES_WEB
from analysis.settings import Settings

# The committed manifest's rows compared with what --apply writes (the columns release_watch fills from the
# index and the families table).
DESCRIBED = [
    "source_id",
    "family",
    "release",
    "release_title",
    "reference_period",
    "publisher",
    "publication",
    "page_url",
    "file_name",
    "archive_path",
    "archive_member",
    "licence",
    "locate",
    "direct_url",
    "expected_bytes",
    "expected_sha256",
]

# newest files of three families: a read EES table, an unused EES table, an Ofsted list
NEW = [
    "dfe-cla-ees-2024-cla-number-and-rate-per-10k-children",
    "dfe-cla-ees-2024-la-cla-placement-stability",
    "ofsted-provider-level-2024-03-31",
]
# their predecessors, in the manifest already
KNOWN = [
    "dfe-cla-ees-2023-cla-number-and-rate-per-10k-children",
    "dfe-cla-ees-2023-la-cla-placement-stability",
    "ofsted-provider-level-2023-03-31",
]
UNRECOGNISED_PATH = "dfe/children-looked-after/ees-2024/data/cla_kinship_care_arrangements.csv"


def write_manifest(path: Path, source_ids) -> Path:
    manifest.write_sources(path, [MANIFEST[s] for s in MANIFEST if s in set(source_ids)])
    return path


def index_text(rows: list[dict[str, str]]) -> str:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, list(rows[0]), lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return buffer.getvalue()


@pytest.fixture
def archive(httpserver, tmp_path, mirror_dir, upstream_manifest):
    """An archive served over HTTP whose index lists KNOWN, NEW and a file no family recognises, and a manifest
    holding every committed row but NEW."""
    rows = [dict(upstream_manifest[MANIFEST[s].archive_path]) for s in KNOWN + NEW]
    fake = b"time_period,time_identifier\n2024,Reporting year\n"
    rows.append(
        {
            **rows[0],
            "path": UNRECOGNISED_PATH,
            "bytes": str(len(fake)),
            "sha256": hashlib.sha256(fake).hexdigest(),
            "release": "reporting year 2024 (covers 2020 to 2024)",
            "copied_from": "",
        }
    )
    httpserver.expect_request("/archive/MANIFEST.csv").respond_with_data(
        index_text(rows), content_type="text/csv"
    )
    files = {source_id: path_of(mirror_dir, source_id).read_bytes() for source_id in KNOWN + NEW}
    for source_id, content in files.items():
        httpserver.expect_request(f"/archive/{MANIFEST[source_id].archive_path}").respond_with_data(
            content, content_type="text/csv"
        )
    httpserver.expect_request(f"/archive/{UNRECOGNISED_PATH}").respond_with_data(
        fake, content_type="text/csv"
    )
    sources = write_manifest(tmp_path / "sources.csv", [s for s in MANIFEST if s not in NEW])
    run = Settings(
        cache_dir=tmp_path / "cache", base_url=httpserver.url_for("/archive/"), sources_manifest=sources
    )
    return {"run": run, "index": rows, "server": httpserver, "files": files}


def requested(httpserver) -> list[str]:
    return [request.path for request, _ in httpserver.log]


def test_archive_over_http_lists_the_files_the_manifest_lacks_without_writing(archive):
    run, server = archive["run"], archive["server"]
    before = run.sources_manifest.read_bytes()
    report = release_watch.watch(run)
    assert report.errors == [] and report.applied == []
    assert report.checked == len(KNOWN + NEW) + 1
    assert sorted(
        (n["source_id"], n["family"], n["release"], n["reference_period"]) for n in report.new
    ) == sorted((s, MANIFEST[s].family, MANIFEST[s].release, MANIFEST[s].reference_period) for s in NEW)
    status = {n["source_id"]: n["status"] for n in report.new}
    assert status == {NEW[0]: "read", NEW[1]: "unused", NEW[2]: "read"}
    assert [u["file"] for u in report.unrecognised] == [UNRECOGNISED_PATH]
    assert report.exit_code == release_watch.EXIT_NEWER == 10
    assert run.sources_manifest.read_bytes() == before
    # the index, then only the new files: known files and a file no family recognises are not downloaded
    paths = requested(server)
    assert paths[0] == "/archive/MANIFEST.csv"
    assert sorted(paths[1:]) == sorted(f"/archive/{MANIFEST[s].archive_path}" for s in NEW)
    assert {request.headers["User-Agent"] for request, _ in server.log} == {release_watch.USER_AGENT}


def test_apply_appends_the_rows_the_manifest_would_have_and_a_second_watch_finds_nothing(
    archive, tmp_path, capsys
):
    run = archive["run"]
    before = manifest.load_sources(run.sources_manifest)
    body = tmp_path / "release.md"
    assert release_watch.main(["--apply", "--markdown", str(body)], run=run) == release_watch.EXIT_NEWER
    out = capsys.readouterr().out
    for source_id in NEW:
        assert f"added: {source_id} ({MANIFEST[source_id].family}" in out
    after = manifest.load_sources(run.sources_manifest)
    # the rows held before are unchanged and first; each new row is the committed manifest's row
    assert list(after)[: len(before)] == list(before) and all(after[s] == before[s] for s in before)
    assert sorted(list(after)[len(before) :]) == sorted(NEW)
    for source_id in NEW:
        assert {c: getattr(after[source_id], c) for c in DESCRIBED} == {
            c: getattr(MANIFEST[source_id], c) for c in DESCRIBED
        }, source_id
    text = body.read_text(encoding="utf-8")
    assert "These files were added to `data/sources.csv`" in text
    assert f"| `{NEW[1]}` | `{MANIFEST[NEW[1]].family}` (unused) | 2024 | 2020-2024 |" in text
    assert UNRECOGNISED_PATH in text and "Checks that failed" not in text

    again = release_watch.watch(run)
    assert (again.new, again.errors, again.exit_code) == ([], [], release_watch.EXIT_NONE)
    assert release_watch.main([], run=run) == release_watch.EXIT_NONE
    assert f"no new file ({len(KNOWN + NEW) + 1} listed)" in capsys.readouterr().out


def test_a_file_differing_from_its_index_entry_is_an_error_and_nothing_is_applied(archive):
    run, server = archive["run"], archive["server"]
    rows = [dict(r) for r in archive["index"]]
    [entry] = [r for r in rows if r["path"] == MANIFEST[NEW[0]].archive_path]
    entry["sha256"] = "0" * 64
    server.clear()
    server.expect_request("/archive/MANIFEST.csv").respond_with_data(
        index_text(rows), content_type="text/csv"
    )
    server.expect_request(f"/archive/{entry['path']}").respond_with_data(b"other bytes")
    for source_id in NEW[1:]:
        server.expect_request(f"/archive/{MANIFEST[source_id].archive_path}").respond_with_data(
            archive["files"][source_id]
        )
    before = run.sources_manifest.read_bytes()
    report = release_watch.watch(run, apply=True)
    assert report.exit_code == release_watch.EXIT_ERROR
    [error] = report.errors
    assert error["locate"] == entry["path"] and "differs from the index's" in error["error"]
    assert report.applied == [] and run.sources_manifest.read_bytes() == before


def test_an_index_that_cannot_be_read_is_a_failed_check(httpserver, tmp_path):
    httpserver.expect_request("/archive/MANIFEST.csv").respond_with_data("gone", status=404)
    run = Settings(
        cache_dir=tmp_path / "cache",
        base_url=httpserver.url_for("/archive/"),
        sources_manifest=write_manifest(tmp_path / "sources.csv", KNOWN),
    )
    body = tmp_path / "release.md"
    assert release_watch.main(["--markdown", str(body)], run=run) == release_watch.EXIT_ERROR
    report = release_watch.watch(run)
    assert report.errors == [{"locate": "listing", "error": f"{run.base_url}MANIFEST.csv: HTTP 404"}]
    assert "Checks that failed" in body.read_text(encoding="utf-8")
    # an index without the columns a row is written from is refused, naming them
    httpserver.clear()
    httpserver.expect_request("/archive/MANIFEST.csv").respond_with_data("path,bytes\nx.csv,1\n")
    [error] = release_watch.watch(run).errors
    assert "lacks columns" in error["error"] and "sha256" in error["error"]


# --------------------------------------------------------------------------------------------------------------
# Publisher mode: the EES content API (JSON fixtures) and the real files
# --------------------------------------------------------------------------------------------------------------

FIXTURES = Path(__file__).parent / "fixtures" / "discovery"
SLUG = "children-looked-after-in-england-including-adoptions"
ENTRIES_URL = f"{EES_CONTENT_API}/publications/{SLUG}/release-entries?page={{}}&pageSize=50"
RELEASE_2024_ID = "00000000-0000-4000-8000-0000000f2024"


def fixture(name: str):
    return json.loads((FIXTURES / name).read_text(encoding="utf-8"))


class FixtureAdapter(requests.adapters.BaseAdapter):
    """Answers requests from a {url: (status, JSON value or bytes)} table; anything else is a 404."""

    def __init__(self, routes: dict[str, tuple[int, object]]):
        super().__init__()
        self.routes = routes
        self.requested: list[str] = []

    def send(self, request, **kwargs):
        self.requested.append(request.url)
        status, payload = self.routes.get(request.url, (404, {"error": "not in the fixtures"}))
        body = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
        response = requests.Response()
        response.status_code = status
        response.url = request.url
        response.request = request
        response.raw = io.BytesIO(body)
        response.headers = CaseInsensitiveDict({"Content-Length": str(len(body))})
        return response

    def close(self):
        pass


def release_2024() -> dict:
    """The latest release the entries fixture flags (2024), shaped as release-2023.json: the same three
    downloadFiles (a read table, an unused table, a PDF), under the 2024 release's id and titles."""
    release = copy.deepcopy(fixture("ees/release-2023.json"))
    release.update(
        id=RELEASE_2024_ID, title="Reporting year 2024", yearTitle="2024", releaseName="2024", slug="2024"
    )
    return release


def file_url(release: dict, file_name: str) -> str:
    [item] = [f for f in release["downloadFiles"] if f["fileName"] == file_name]
    return f"{EES_CONTENT_API}/releases/{release['id']}/files/{item['id']}"


@pytest.fixture
def ees_session(mirror_dir):
    release = release_2024()
    routes: dict[str, tuple[int, object]] = {
        ENTRIES_URL.format(1): (200, fixture("ees/release-entries-page-1.json")),
        ENTRIES_URL.format(2): (200, fixture("ees/release-entries-page-2.json")),
        f"{EES_CONTENT_API}/publications/{SLUG}/releases/2024": (200, release),
    }
    for source_id in NEW[:2]:
        routes[file_url(release, MANIFEST[source_id].file_name)] = (
            200,
            path_of(mirror_dir, source_id).read_bytes(),
        )
    session = requests.Session()
    adapter = FixtureAdapter(routes)
    session.mount("https://", adapter)
    return session, adapter, release


@pytest.fixture(autouse=True)
def no_real_backoff(monkeypatch):
    monkeypatch.setattr(discovery, "JSON_BACKOFF_SECONDS", 0.0)


def ees_rows(*releases: str) -> list[str]:
    return [s for s, row in MANIFEST.items() if row.locate == f"ees:{SLUG}" and row.release in releases]


def test_ees_lists_the_latest_releases_files_and_apply_writes_their_rows(tmp_path, ees_session):
    session, adapter, release = ees_session
    run = Settings(
        cache_dir=tmp_path / "cache",
        sources_manifest=write_manifest(tmp_path / "sources.csv", ees_rows("2022", "2023")),
    )
    report = release_watch.watch(run, apply=True, session=session)
    assert report.errors == [] and report.exit_code == release_watch.EXIT_NEWER
    assert sorted(report.applied) == sorted(NEW[:2])
    assert [u["file"] for u in report.unrecognised] == [file_url(release, "methodology_note.pdf")]
    after = manifest.load_sources(run.sources_manifest)
    for source_id in NEW[:2]:
        row, committed = after[source_id], MANIFEST[source_id]
        # as the committed row says: what the file is, which release and years, its bytes, how it is found
        same = [
            "family",
            "release",
            "reference_period",
            "file_name",
            "publisher",
            "publication",
            "licence",
            "locate",
        ]
        same += ["expected_bytes", "expected_sha256"]
        assert {c: getattr(row, c) for c in same} == {c: getattr(committed, c) for c in same}, source_id
        # and where the publisher has it: the release's page and the file's address in the API
        assert row.release_title == "reporting year 2024"
        assert row.page_url == f"{EES_WEB}/find-statistics/{SLUG}/2024"
        assert row.direct_url == file_url(release, row.file_name)
        # a place of its own in an archive of the sources, by release
        assert row.archive_path.endswith(f"/2024/{row.file_name}")
        assert row.archive_path not in {s.archive_path for s in MANIFEST.values()}
    # the PDF no family recognises is not downloaded
    assert file_url(release, "methodology_note.pdf") not in adapter.requested
    # the rows written are found again: nothing new, no request for the files
    adapter.requested.clear()
    again = release_watch.watch(run, session=session)
    assert (again.new, again.errors, again.exit_code) == ([], [], release_watch.EXIT_NONE)
    assert not [u for u in adapter.requested if "/files/" in u]


def test_ees_files_the_manifest_already_has_are_not_new(tmp_path, ees_session):
    # the committed manifest has the 2024 release (found by hand, with no direct_url): nothing is new
    session, adapter, release = ees_session
    run = Settings(
        cache_dir=tmp_path / "cache",
        sources_manifest=write_manifest(tmp_path / "sources.csv", ees_rows("2023", "2024")),
    )
    report = release_watch.watch(run, session=session)
    assert (report.new, report.errors, report.exit_code) == ([], [], release_watch.EXIT_NONE)
    assert [u["file"] for u in report.unrecognised] == [file_url(release, "methodology_note.pdf")]
    assert not [u for u in adapter.requested if "/files/" in u]


def test_a_govuk_collection_that_cannot_be_read_is_a_failed_check_and_github_pins_need_no_request(
    tmp_path, ees_session
):
    # the fixture adapter has no GOV.UK route: the collection answers 404 (tests/test_release_watch_workbooks.py
    # walks a collection that answers)
    session, adapter, _ = ees_session
    ids = ees_rows("2023", "2024") + ["ofsted-provider-level-2024-03-31", "geo-ons-la-all-codes"]
    run = Settings(
        cache_dir=tmp_path / "cache", sources_manifest=write_manifest(tmp_path / "sources.csv", ids)
    )
    body = tmp_path / "release.md"
    assert release_watch.main(["--markdown", str(body)], session=session, run=run) == release_watch.EXIT_ERROR
    report = release_watch.watch(run, session=session)
    locate = MANIFEST["ofsted-provider-level-2024-03-31"].locate
    assert [e["locate"] for e in report.errors] == [locate]
    collection = f"{discovery.GOVUK_CONTENT_API}{locate.partition(':')[2]}"
    assert f"HTTP 404 for {collection}" in report.errors[0]["error"]
    assert report.new == []
    assert {url for url in adapter.requested if not url.startswith(EES_CONTENT_API)} == {collection}
    assert f"`{locate}`" in body.read_text(encoding="utf-8")


def test_an_ees_publication_that_cannot_be_listed_is_a_failed_check(tmp_path):
    session = requests.Session()
    session.mount("https://", FixtureAdapter({}))  # every request: 404
    run = Settings(
        cache_dir=tmp_path / "cache",
        sources_manifest=write_manifest(tmp_path / "sources.csv", ees_rows("2024")),
    )
    report = release_watch.watch(run, session=session)
    [error] = report.errors
    assert error["locate"] == f"ees:{SLUG}" and "HTTP 404" in error["error"]
    assert report.exit_code == release_watch.EXIT_ERROR


def test_every_family_the_manifest_locates_is_one_the_watch_can_list_or_reports():
    families = manifest.load_families()
    for source in MANIFEST.values():
        if source.locate:
            scheme, _ = discovery.parse_locate(source)
            assert scheme in ("ees", "govuk-content-api", "github"), source.source_id
        # a new file of the family is written with the family's locate: the same as its committed rows'
        if families[source.family].locate:
            assert source.locate == families[source.family].locate, source.source_id
