"""Production discovery on JSON fixtures shaped like the GOV.UK content API and the EES content API.

The fixtures (tests/fixtures/discovery/, see its README) are synthetic; the sources are the real rows of
data/sources.csv. Requests go through a real `requests.Session` whose transport answers from the fixtures,
so URL building, status handling and JSON parsing are the production code paths.
"""

from __future__ import annotations

import copy
import io
import json
import zipfile
from dataclasses import replace
from pathlib import Path

import pytest
import requests
from requests.structures import CaseInsensitiveDict

from analysis import discovery
from analysis.discovery import EES_CONTENT_API, GOVUK_CONTENT_API, check_latest_release, locate
from analysis.errors import FetchError
from analysis.fetch import Fetcher
from analysis.manifest import Source, load_sources
from analysis.settings import Settings

FIXTURES = Path(__file__).parent / "fixtures" / "discovery"
COLLECTION_PATH = "/government/collections/statistics-looked-after-children"
COLLECTION_URL = GOVUK_CONTENT_API + COLLECTION_PATH
SLUG = "children-looked-after-in-england-including-adoptions"
ENTRIES_URL = f"{EES_CONTENT_API}/publications/{SLUG}/release-entries?page={{}}&pageSize=50"


def fixture(name: str):
    return json.loads((FIXTURES / name).read_text())


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
        response.reason = {200: "OK", 404: "Not Found", 500: "Internal Server Error"}.get(status, "")
        response.url = request.url
        response.request = request
        response.raw = io.BytesIO(body)
        content_type = "text/csv" if isinstance(payload, bytes) else "application/json"
        response.headers = CaseInsensitiveDict(
            {"Content-Type": content_type, "Content-Length": str(len(body))}
        )
        return response

    def close(self):
        pass


def session_for(routes: dict[str, tuple[int, object]]) -> tuple[requests.Session, FixtureAdapter]:
    adapter = FixtureAdapter(routes)
    session = requests.Session()
    session.mount("https://", adapter)
    session.mount("http://", adapter)
    return session, adapter


def govuk_routes() -> dict[str, tuple[int, object]]:
    collection = fixture("govuk/collection.json")
    pages = {
        "fixture-children-looked-after-2013-to-2014": "govuk/publication-2013-to-2014.json",
        "fixture-children-looked-after-2014-to-2015": "govuk/publication-2014-to-2015.json",
        "fixture-children-looked-after-2017-to-2018": "govuk/publication-2017-to-2018.json",
        "fixture-children-looked-after-guide": "govuk/guide.json",
    }
    routes: dict[str, tuple[int, object]] = {COLLECTION_URL: (200, collection)}
    for document in collection["links"]["documents"]:
        name = document["base_path"].rsplit("/", 1)[-1]
        routes["https://www.gov.uk" + document["api_path"]] = (200, fixture(pages[name]))
    return routes


def ees_routes() -> dict[str, tuple[int, object]]:
    return {
        ENTRIES_URL.format(1): (200, fixture("ees/release-entries-page-1.json")),
        ENTRIES_URL.format(2): (200, fixture("ees/release-entries-page-2.json")),
        f"{EES_CONTENT_API}/publications/{SLUG}/releases/2023": (200, fixture("ees/release-2023.json")),
    }


def attachment_url(page_fixture: str, filename: str) -> str:
    [match] = [
        a["url"] for a in fixture(page_fixture)["details"]["attachments"] if a.get("filename") == filename
    ]
    return match


@pytest.fixture(scope="module")
def sources() -> dict[str, Source]:
    return load_sources()


@pytest.fixture(autouse=True)
def no_real_backoff(monkeypatch):
    monkeypatch.setattr(discovery, "JSON_BACKOFF_SECONDS", 0.0)


# --- GOV.UK ---------------------------------------------------------------------------------------------


def test_govuk_same_file_name_in_two_years_is_told_apart_by_the_page_year(sources):
    session, _ = session_for(govuk_routes())
    cache = discovery.DiscoveryCache()
    url_2014 = locate(sources["dfe-cla-sfr-2014-meta-data-document"], session, cache)
    url_2015 = locate(sources["dfe-cla-sfr-2015-meta-data-document"], session, cache)
    assert url_2014 == attachment_url("govuk/publication-2013-to-2014.json", "Meta_Data_Document.txt")
    assert url_2015 == attachment_url("govuk/publication-2014-to-2015.json", "Meta_Data_Document.txt")
    assert url_2014 != url_2015


def test_govuk_collection_is_read_once_per_run(sources):
    session, adapter = session_for(govuk_routes())
    cache = discovery.DiscoveryCache()
    locate(sources["dfe-cla-sfr-2014-sfr36-cla2014"], session, cache)
    locate(sources["dfe-cla-sfr-2015-sfr34-cla2015"], session, cache)
    assert adapter.requested.count(COLLECTION_URL) == 1
    assert len(adapter.requested) == 5  # the collection and its four documents
    assert cache.bytes_transferred > 0


def test_govuk_file_with_year_in_its_name(sources):
    session, _ = session_for(govuk_routes())
    assert locate(sources["dfe-cla-sfr-2014-sfr36-cla2014"], session) == attachment_url(
        "govuk/publication-2013-to-2014.json", "SFR36_CLA2014.csv"
    )


def test_govuk_no_matching_attachment_names_the_page(sources):
    session, _ = session_for(govuk_routes())
    with pytest.raises(FetchError) as caught:
        locate(sources["dfe-cla-sfr-2011-sfr21-cla"], session)
    error = caught.value
    assert (error.source_id, error.file, error.check) == (
        "dfe-cla-sfr-2011-sfr21-cla",
        "SFR21_CLA.csv",
        "attachment found on page",
    )
    assert "https://www.gov.uk/government/collections/statistics-looked-after-children" in error.detail
    assert "SFR36_CLA2014.csv" in error.detail  # what the page does hold, to help fix the manifest


def test_govuk_file_only_on_another_years_page_is_not_taken(sources):
    session, _ = session_for(govuk_routes())
    with pytest.raises(FetchError) as caught:
        locate(sources["dfe-cla-sfr-2016-meta-data-document"], session)
    assert caught.value.check == "attachment matches reporting year"
    assert "2013 to 2014" in caught.value.detail and "2014 to 2015" in caught.value.detail


def test_govuk_two_candidates_for_one_year_is_an_error(sources):
    routes = govuk_routes()
    page_url = next(url for url in routes if url.endswith("2013-to-2014"))
    page = copy.deepcopy(routes[page_url][1])
    extra = dict(
        page["details"]["attachments"][2],
        id="999",
        url="https://assets.example.org/other/Meta_Data_Document.txt",
    )
    page["details"]["attachments"].append(extra)
    routes[page_url] = (200, page)
    session, _ = session_for(routes)
    with pytest.raises(FetchError) as caught:
        locate(sources["dfe-cla-sfr-2014-meta-data-document"], session)
    assert caught.value.check == "attachment unambiguous"


def test_govuk_http_failures(sources):
    source = sources["dfe-cla-sfr-2014-sfr36-cla2014"]
    session, _ = session_for({})
    with pytest.raises(FetchError) as caught:
        locate(source, session)
    assert caught.value.check == "discovery HTTP status" and COLLECTION_URL in caught.value.detail

    session, adapter = session_for({COLLECTION_URL: (500, {"error": "down"})})
    with pytest.raises(FetchError) as caught:
        locate(source, session)
    assert caught.value.check == "discovery HTTP"
    assert len(adapter.requested) == discovery.JSON_RETRIES + 1

    session, _ = session_for({COLLECTION_URL: (200, b"<html>not json</html>")})
    with pytest.raises(FetchError) as caught:
        locate(source, session)
    assert caught.value.check == "discovery JSON"


# --- EES ------------------------------------------------------------------------------------------------


def test_ees_file_url_comes_from_the_release_json(sources):
    session, adapter = session_for(ees_routes())
    url = locate(sources["dfe-cla-ees-2023-cla-number-and-rate-per-10k-children"], session)
    release = fixture("ees/release-2023.json")
    [wanted] = [
        f for f in release["downloadFiles"] if f["fileName"] == "cla_number_and_rate_per_10k_children.csv"
    ]
    assert (
        url
        == f"https://content.explore-education-statistics.service.gov.uk/api/releases/{release['id']}/files/{wanted['id']}"
    )
    assert ENTRIES_URL.format(2) in adapter.requested  # followed the paging


def test_ees_older_releases_listing_is_used_when_release_entries_is_absent(sources):
    routes = ees_routes()
    del routes[ENTRIES_URL.format(1)], routes[ENTRIES_URL.format(2)]
    routes[f"{EES_CONTENT_API}/publications/{SLUG}/releases"] = (200, fixture("ees/releases-list.json"))
    session, _ = session_for(routes)
    url = locate(sources["dfe-cla-ees-2023-la-cla-placement-stability"], session)
    assert url.endswith("/files/00000000-0000-4000-8000-000000f00002")


def test_ees_data_guidance_is_not_a_download_file(sources):
    session, _ = session_for(ees_routes())
    with pytest.raises(FetchError) as caught:
        locate(sources["dfe-cla-ees-2023-data-guidance"], session)
    assert caught.value.check == "EES file in release"
    assert "find-statistics/children-looked-after-in-england-including-adoptions/2023" in caught.value.detail
    assert "cla_number_and_rate_per_10k_children.csv" in caught.value.detail


def test_ees_release_missing_for_the_reporting_year(sources):
    routes = ees_routes()
    routes[ENTRIES_URL.format(1)] = (
        200,
        dict(fixture("ees/release-entries-page-1.json"), paging={"totalPages": 1}),
    )
    session, _ = session_for(routes)
    with pytest.raises(FetchError) as caught:
        locate(sources["dfe-cla-ees-2022-cla-number-and-rate-per-10k-children"], session)
    assert caught.value.check == "EES release for reporting year"
    assert "2024, 2023" in caught.value.detail


# --- GitHub, direct URLs, bad locate fields ---------------------------------------------------------------


def test_github_raw_url_comes_from_the_manifest_copied_from(sources, upstream_manifest):
    source = sources["geo-mysociety-uk-local-authorities-current"]
    repo_at_commit, path = upstream_manifest[source.mirror_path]["copied_from"].split(":", 1)
    repo, commit = repo_at_commit.split("@")
    assert locate(source, requests.Session()) == f"https://raw.githubusercontent.com/{repo}/{commit}/{path}"


def test_github_pin_that_disagrees_with_the_manifest_is_refused(sources):
    source = sources["geo-ons-la-all-codes"]
    moved = replace(source, locate="github:drkane/geo-lookups@" + "0" * 40)
    with pytest.raises(FetchError) as caught:
        locate(moved, requests.Session())
    assert caught.value.check == "GitHub path in manifest"


def test_direct_url_is_used_without_any_request(sources):
    session, adapter = session_for({})
    source = replace(sources["dfe-cla-sfr-2011-sfr21-cla"], direct_url="https://example.org/verified.csv")
    assert locate(source, session) == "https://example.org/verified.csv"
    assert adapter.requested == []


@pytest.mark.parametrize("bad", ["", "ees", "ftp:/somewhere", "govuk-content-api:", "github:no-commit"])
def test_bad_locate_field(sources, bad):
    source = replace(sources["dfe-cla-sfr-2011-sfr21-cla"], locate=bad)
    with pytest.raises(FetchError) as caught:
        locate(source, requests.Session())
    assert caught.value.check == "locate field"


# --- release watch --------------------------------------------------------------------------------------


def test_latest_release_ees(sources):
    session, _ = session_for(ees_routes())
    newer = check_latest_release(sources["dfe-cla-ees-2023-cla-number-and-rate-per-10k-children"], session)
    latest_entry = fixture("ees/release-entries-page-1.json")["results"][0]  # the one flagged isLatestRelease
    assert newer.current_release == "2023"
    assert newer.latest_release == latest_entry["yearTitle"] == "2024"
    assert newer.latest_published == latest_entry["published"]
    assert newer.page_url.endswith(f"/find-statistics/{SLUG}/2024")
    assert newer.is_newer is True
    same = check_latest_release(sources["dfe-cla-ees-2024-cla-number-and-rate-per-10k-children"], session)
    assert same.is_newer is False


def test_latest_ees_release_lists_the_flagged_releases_download_files(sources):
    # release_watch's publisher mode: the release flagged latest and the address of each of its files
    latest = copy.deepcopy(fixture("ees/release-2023.json"))
    latest.update(id="00000000-0000-4000-8000-0000000f2024", yearTitle="2024", slug="2024")
    routes = ees_routes()
    routes[f"{EES_CONTENT_API}/publications/{SLUG}/releases/2024"] = (200, latest)
    session, adapter = session_for(routes)
    source = sources["dfe-cla-ees-2022-cla-number-and-rate-per-10k-children"]
    release = discovery.latest_ees_release(source, session, SLUG)
    assert (release.slug, release.title) == ("2024", "reporting year 2024")
    assert (
        release.page_url == f"https://explore-education-statistics.service.gov.uk/find-statistics/{SLUG}/2024"
    )
    assert release.files == [
        {"fileName": f["fileName"], "url": f"{EES_CONTENT_API}/releases/{latest['id']}/files/{f['id']}"}
        for f in latest["downloadFiles"]
    ]
    assert [f["fileName"] for f in release.files] == [
        "cla_number_and_rate_per_10k_children.csv",
        "la_cla_placement_stability.csv",
        "methodology_note.pdf",
    ]
    assert ENTRIES_URL.format(2) in adapter.requested  # every page of the entries was read
    # with no release flagged, the first listed (EES lists newest first)
    unflagged = copy.deepcopy(fixture("ees/release-entries-page-1.json"))
    for entry in unflagged["results"]:
        entry["isLatestRelease"] = False
    routes[ENTRIES_URL.format(1)] = (200, unflagged)
    assert discovery.latest_ees_release(source, session_for(routes)[0], SLUG).slug == "2024"
    # a release without an id, or a publication with no release, is a failed check
    routes[f"{EES_CONTENT_API}/publications/{SLUG}/releases/2024"] = (200, {"downloadFiles": []})
    with pytest.raises(FetchError, match="has no id"):
        discovery.latest_ees_release(source, session_for(routes)[0], SLUG)
    empty = {"results": [], "paging": {"page": 1, "totalPages": 1}}
    with pytest.raises(FetchError, match="lists no releases"):
        discovery.latest_ees_release(source, session_for({ENTRIES_URL.format(1): (200, empty)})[0], SLUG)


def test_latest_release_govuk(sources):
    session, _ = session_for(govuk_routes())
    info = check_latest_release(sources["dfe-cla-sfr-2017-sfr50-cla2017"], session)
    assert info.latest_release == "Children looked after in England including adoption: 2017 to 2018"
    assert (
        info.page_url == "https://www.gov.uk/government/statistics/fixture-children-looked-after-2017-to-2018"
    )
    assert info.is_newer is True  # 2018 > 2017
    later = replace(sources["dfe-cla-sfr-2017-sfr50-cla2017"], release="2018")
    assert check_latest_release(later, session).is_newer is False


def test_latest_release_github_is_pinned(sources):
    session, adapter = session_for({})
    info = check_latest_release(sources["geo-ons-la-all-codes"], session)
    assert info.is_newer is False and info.latest_release == info.current_release
    assert info.current_release == "e20a072d5fc0918437abaa3622be63f40b71d9dd"
    assert adapter.requested == []


# --- production fetch through discovery -------------------------------------------------------------------


def test_production_fetch_locates_then_downloads(tmp_path, sources, mirror_dir, upstream_manifest):
    source = sources["dfe-cla-ees-2023-la-cla-placement-stability"]
    routes = ees_routes()
    body = (mirror_dir / source.mirror_path).read_bytes()
    file_url = f"{EES_CONTENT_API}/releases/00000000-0000-4000-8000-0000000f2023/files/00000000-0000-4000-8000-000000f00002"
    routes[file_url] = (200, body)
    session, _ = session_for(routes)
    settings = Settings(cache_dir=tmp_path / "cache", mirror_dir=None, base_url=None, offline=False)
    fetcher = Fetcher(settings, session=session, progress=False, sleep=lambda seconds: None)

    fetched = fetcher.fetch(source)

    assert fetched.provenance.url == file_url and fetched.provenance.public_url == file_url
    assert fetched.provenance.origin == "production"
    assert fetched.provenance.sha256 == upstream_manifest[source.mirror_path]["sha256"]
    assert fetched.provenance.manifest_sha256_matches is True
    assert fetcher.bytes_downloaded() == len(body) + fetcher.discovery_cache.bytes_transferred
    assert fetcher.discovery_cache.bytes_transferred > 0


# --- zip members (manifest archive_member) ---------------------------------------------------------------


def test_ees_member_of_an_all_files_zip_is_unresolved_without_a_direct_url(sources):
    session, adapter = session_for(ees_routes())
    source = replace(
        sources["dfe-cla-ees-2023-data-guidance"],
        archive_path="dfe/children-looked-after/ees-2023/all-files.zip",
        archive_member="data-guidance/data-guidance.txt",
    )
    with pytest.raises(FetchError) as caught:
        locate(source, session)
    error = caught.value
    assert (error.source_id, error.file, error.check) == (
        "dfe-cla-ees-2023-data-guidance",
        "data-guidance.txt",
        "EES all-files zip URL",
    )
    assert "unresolved" in error.detail and "set direct_url" in error.detail
    assert f"find-statistics/{SLUG}" in error.detail
    assert adapter.requested == []  # no route is guessed

    verified = replace(source, direct_url="https://example.org/verified-all-files.zip")
    assert locate(verified, session) == "https://example.org/verified-all-files.zip"


def test_govuk_zip_attachment_is_found_by_the_zip_name_in_mirror_path(sources):
    routes = govuk_routes()
    page_url = next(url for url in routes if url.endswith("2013-to-2014"))
    page = copy.deepcopy(routes[page_url][1])
    zip_url = "https://assets.publishing.service.gov.uk/media/fixture-105/SFR36_2014_UnderlyingData.zip"
    page["details"]["attachments"].append(
        {
            "attachment_type": "file",
            "content_type": "application/zip",
            "filename": "SFR36_2014_UnderlyingData.zip",
            "id": "105",
            "title": "Underlying data (zip)",
            "url": zip_url,
        }
    )
    routes[page_url] = (200, page)
    session, _ = session_for(routes)
    source = replace(
        sources["dfe-cla-sfr-2014-sfr36-cla2014"],
        archive_path="dfe/children-looked-after/sfr-2014/SFR36_2014_UnderlyingData.zip",
        archive_member="SFR36_CLA2014.csv",
    )
    assert locate(source, session) == zip_url

    missing = replace(source, archive_path="dfe/children-looked-after/sfr-2014/Other.zip")
    with pytest.raises(FetchError) as caught:
        locate(missing, session)
    assert (caught.value.file, caught.value.check) == ("SFR36_CLA2014.csv", "attachment found on page")
    assert "no attachment named 'Other.zip'" in caught.value.detail


def test_production_fetch_of_a_member_from_a_verified_zip_url(
    tmp_path, sources, mirror_dir, upstream_manifest
):
    source = sources["dfe-cla-ees-2023-la-cla-placement-stability"]
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(
            "data/la_cla_placement_stability.csv", (mirror_dir / source.mirror_path).read_bytes()
        )
    zip_url = "https://example.org/verified/all-files.zip"
    session, adapter = session_for({zip_url: (200, buffer.getvalue())})
    member = replace(
        source,
        archive_path="dfe/children-looked-after/ees-2023/all-files.zip",
        archive_member="data/la_cla_placement_stability.csv",
        direct_url=zip_url,
    )
    settings = Settings(cache_dir=tmp_path / "cache", mirror_dir=None, base_url=None, offline=False)
    fetched = Fetcher(settings, session=session, progress=False, sleep=lambda seconds: None).fetch(member)
    assert adapter.requested == [zip_url]
    assert fetched.provenance.sha256 == upstream_manifest[source.mirror_path]["sha256"]
    assert fetched.provenance.public_url == zip_url + "#data/la_cla_placement_stability.csv"
