"""analysis.release_watch over the real discovery code, with a fake HTTP session answering JSON shaped
like the EES content API and the GOV.UK content API (see tests/fixtures/discovery/README.md)."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest

from analysis import discovery, release_watch
from analysis.discovery import EES_CONTENT_API, GOVUK_CONTENT_API
from analysis.manifest import load_sources

SLUG = "children-looked-after-in-england-including-adoptions"
COLLECTION = "/government/collections/childrens-social-care-statistics"
ENTRIES_URL = f"{EES_CONTENT_API}/publications/{SLUG}/release-entries?page=1&pageSize=50"
COLLECTION_URL = GOVUK_CONTENT_API + COLLECTION
PIN = "github:example/reference-files@" + "0" * 40


class FakeResponse:
    def __init__(self, status: int, payload: object):
        self.status_code = status
        self.content = json.dumps(payload).encode()

    def json(self):
        return json.loads(self.content)


class FakeSession:
    """Answers GETs from {url: (status, JSON)}; anything else is a 404. Records what was asked."""

    def __init__(self, routes: dict[str, tuple[int, object]]):
        self.routes = routes
        self.requested: list[str] = []

    def get(self, url, **kwargs):
        self.requested.append(url)
        return FakeResponse(*self.routes.get(url, (404, {"error": "not here"})))


def ees_entries(*years: str, latest: str) -> dict:
    results = [
        {
            "releaseId": f"00000000-0000-4000-8000-00000000{year}",
            "slug": year,
            "yearTitle": year,
            "title": f"Reporting year {year}",
            "published": f"{year}-11-14T09:30:00+00:00",
            "isLatestRelease": year == latest,
        }
        for year in years
    ]
    return {
        "results": results,
        "paging": {"page": 1, "pageSize": 50, "totalResults": len(results), "totalPages": 1},
    }


def collection(*years: int) -> dict:
    documents = [
        {
            "title": f"Children's social care in England {year}",
            "base_path": f"/government/statistics/fixture-childrens-social-care-{year}",
            "api_path": f"/api/content/government/statistics/fixture-childrens-social-care-{year}",
            "public_updated_at": f"{year}-07-01T09:30:00.000+01:00",
        }
        for year in years
    ]
    return {
        "title": "Children's social care statistics",
        "base_path": COLLECTION,
        "links": {"documents": documents},
    }


@pytest.fixture
def manifest(tmp_path) -> Path:
    columns = list(next(iter(load_sources().values())).__dataclass_fields__)

    def source(source_id, locate, year, kind="data"):
        row = {c: "" for c in columns}
        row |= {
            "source_id": source_id,
            "publisher": "Department for Education",
            "release": f"reporting year {year}",
            "reporting_year": year,
            "page_url": "https://example.org/",
            "file_name": f"{source_id}.csv",
            "mirror_path": f"x/{source_id}.csv",
            "kind": kind,
            "locate": locate,
        }
        return row

    rows = [
        source("cla-2023", f"ees:{SLUG}", "2023"),
        source("cla-2024", f"ees:{SLUG}", "2024"),
        source("cla-2024-guidance", f"ees:{SLUG}", "2024", kind="documentation"),
        source("ofsted-2023", f"govuk-content-api:{COLLECTION}", "2023"),
        source("ofsted-2024", f"govuk-content-api:{COLLECTION}", "2024"),
        source("reference", PIN, "2025"),
    ]
    path = tmp_path / "sources.csv"
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=columns)
        writer.writeheader()
        writer.writerows(rows)
    return path


@pytest.fixture(autouse=True)
def no_real_backoff(monkeypatch):
    monkeypatch.setattr(discovery, "JSON_BACKOFF_SECONDS", 0.0)


def test_one_check_per_locate_using_the_latest_release_listed(manifest):
    chosen = release_watch.representatives(load_sources(manifest))
    assert [s.source_id for s in chosen] == ["cla-2024", "reference", "ofsted-2024"]


def test_nothing_newer_exits_0(manifest, capsys):
    session = FakeSession(
        {
            ENTRIES_URL: (200, ees_entries("2024", "2023", latest="2024")),
            COLLECTION_URL: (200, collection(2023, 2024)),
        }
    )
    assert release_watch.main(["--manifest", str(manifest)], session=session) == release_watch.EXIT_NONE
    assert "no newer release (3 publications checked)" in capsys.readouterr().out
    # each publication is asked once; the GitHub pin needs no request
    assert sorted(session.requested) == sorted([ENTRIES_URL, COLLECTION_URL])


def test_newer_release_exits_10_with_json_and_markdown(manifest, tmp_path, capsys):
    session = FakeSession(
        {
            ENTRIES_URL: (200, ees_entries("2025", "2024", "2023", latest="2025")),
            COLLECTION_URL: (200, collection(2023, 2024)),
        }
    )
    body = tmp_path / "release.md"
    code = release_watch.main(
        ["--manifest", str(manifest), "--json", "--markdown", str(body)], session=session
    )
    assert code == release_watch.EXIT_NEWER == 10
    report = json.loads(capsys.readouterr().out)
    assert [(n["locate"], n["current_release"], n["latest_release"]) for n in report["newer"]] == [
        (f"ees:{SLUG}", "2024", "2025")
    ]
    assert report["newer"][0]["page_url"].endswith(f"/find-statistics/{SLUG}/2025")
    assert report["errors"] == [] and len(report["checked"]) == 3
    text = body.read_text()
    assert f"| `ees:{SLUG}` | 2024 | 2025 | 2025-11-14T09:30:00+00:00 |" in text
    assert "3 of 3 publications checked." in text


def test_a_failed_check_exits_1_and_still_reports_the_others(manifest, tmp_path):
    session = FakeSession({ENTRIES_URL: (200, ees_entries("2025", "2024", latest="2025"))})  # GOV.UK: 404
    body = tmp_path / "release.md"
    code = release_watch.main(["--manifest", str(manifest), "--markdown", str(body)], session=session)
    assert code == release_watch.EXIT_ERROR == 1
    text = body.read_text()
    assert f"`govuk-content-api:{COLLECTION}` (ofsted-2024): source 'ofsted-2024'" in text
    assert "check 'discovery HTTP status' failed: HTTP 404" in text
    assert f"| `ees:{SLUG}` | 2024 | 2025 |" in text
    assert "2 of 3 publications checked." in text


def test_every_locate_in_the_real_manifest_has_a_representative():
    sources = load_sources()
    chosen = release_watch.representatives(sources)
    assert {s.locate for s in chosen} == {s.locate for s in sources.values()}
    for source in chosen:
        discovery.parse_locate(source)  # every locate is one discovery understands
