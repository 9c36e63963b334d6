"""Sources that are members of a zip archive (manifest column `archive_member`).

The zips are built here from the real mirror files, laid out as an EES release's "all files" zip
(`data/<file>.csv`, `data-guidance/data-guidance.txt`), and served on 127.0.0.1 or put in a mirror in
tmp_path. Expected sizes and sha256 of the members come from the mirror's MANIFEST.csv.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import zipfile
from dataclasses import replace
from pathlib import Path

import pytest
from werkzeug import Request, Response

from analysis.errors import FetchError
from analysis.fetch import Fetcher, read_provenance_summary, write_provenance_summary
from analysis.manifest import ManifestError, Source, load_sources
from analysis.settings import Settings

NETGAIN = "dfe-cla-ees-2023-la-cla-on-31-march-la-of-placement-netgain"
STABILITY = "dfe-cla-ees-2023-la-cla-placement-stability"
GUIDANCE = "dfe-cla-ees-2023-data-guidance"
ZIP_PATH = "dfe/children-looked-after/ees-2023/all-files.zip"  # where a test puts the zip


@pytest.fixture(scope="module")
def sources() -> dict[str, Source]:
    return load_sources()


def member_name(source: Source) -> str:
    return ("data-guidance/" if source.file_name == "data-guidance.txt" else "data/") + source.file_name


def as_member(source: Source, **changes) -> Source:
    return replace(source, archive_path=ZIP_PATH, archive_member=member_name(source), **changes)


def all_files_zip(
    mirror_dir: Path, sources: dict[str, Source], doctor: dict[str, bytes] | None = None
) -> bytes:
    """The 2023 release's files as EES lays out its all-files zip; `doctor` replaces members' bytes."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for source in sorted(sources.values(), key=member_name):
            if source.source_id.startswith("dfe-cla-ees-2023-"):
                name = member_name(source)
                body = (doctor or {}).get(name) or (mirror_dir / source.mirror_path).read_bytes()
                archive.writestr(name, body)
    return buffer.getvalue()


def fetcher_for(settings: Settings, **options) -> Fetcher:
    defaults = dict(connect_timeout=2, read_timeout=2, max_retries=1, backoff_seconds=0.01, progress=False)
    defaults.update(options)
    return Fetcher(settings, sleep=lambda seconds: None, **defaults)


def http_settings(tmp_path: Path, base_url: str) -> Settings:
    return Settings(cache_dir=tmp_path / "cache", mirror_dir=None, base_url=base_url, offline=False)


def production_settings(tmp_path: Path) -> Settings:
    return Settings(cache_dir=tmp_path / "cache", mirror_dir=None, base_url=None, offline=False)


def cache_listing(tmp_path: Path) -> list[str]:
    root = tmp_path / "cache"
    return sorted(str(p.relative_to(root)) for p in root.rglob("*")) if root.exists() else []


def member_bytes(body: bytes, name: str) -> bytes:
    with zipfile.ZipFile(io.BytesIO(body)) as archive:
        return archive.read(name)


def test_member_of_a_zip_served_over_http_is_extracted_and_checked(
    httpserver, tmp_path, sources, mirror_dir, upstream_manifest
):
    body = all_files_zip(mirror_dir, sources)
    httpserver.expect_request("/" + ZIP_PATH).respond_with_data(body, content_type="application/zip")
    source = as_member(sources[NETGAIN])
    fetcher = fetcher_for(http_settings(tmp_path, httpserver.url_for("/")))

    fetched = fetcher.fetch(source)

    expected = upstream_manifest[sources[NETGAIN].mirror_path]
    assert hashlib.sha256(fetched.path.read_bytes()).hexdigest() == expected["sha256"]
    assert fetched.path == tmp_path / "cache" / NETGAIN / "la_cla_on_31_march_la_of_placement_netgain.csv"
    record = fetched.provenance
    assert (record.url, record.archive_member) == (
        httpserver.url_for("/" + ZIP_PATH),
        "data/la_cla_on_31_march_la_of_placement_netgain.csv",
    )
    assert (record.archive_sha256, record.archive_bytes) == (hashlib.sha256(body).hexdigest(), len(body))
    assert (record.bytes, record.sha256, record.content) == (
        int(expected["bytes"]),
        expected["sha256"],
        "text (UTF-8)",
    )
    assert record.status == "downloaded" and record.manifest_sha256_matches is True
    assert fetcher.bytes_downloaded() == len(body)
    [key] = {p.split("/")[1] for p in cache_listing(tmp_path) if p.startswith("_archives/")}
    assert cache_listing(tmp_path) == [
        "_archives",
        f"_archives/{key}",
        f"_archives/{key}/archive.zip",
        f"_archives/{key}/provenance.json",
        NETGAIN,
        f"{NETGAIN}/la_cla_on_31_march_la_of_placement_netgain.csv",
        f"{NETGAIN}/provenance.json",
    ]
    on_disk = json.loads((fetched.path.parent / "provenance.json").read_text())
    assert on_disk["archive_member"] == "data/la_cla_on_31_march_la_of_placement_netgain.csv"
    assert on_disk["url"] == httpserver.url_for("/" + ZIP_PATH)


def test_members_of_one_zip_download_it_once_per_run(
    httpserver, tmp_path, sources, mirror_dir, upstream_manifest
):
    body = all_files_zip(mirror_dir, sources)
    httpserver.expect_request("/" + ZIP_PATH).respond_with_data(body)
    chosen = [as_member(sources[i]) for i in (NETGAIN, STABILITY, GUIDANCE)]
    fetcher = fetcher_for(http_settings(tmp_path, httpserver.url_for("/")))

    fetched = fetcher.fetch_all(chosen)

    assert len(httpserver.log) == 1 and fetcher.bytes_downloaded() == len(body)
    for source_id in (NETGAIN, STABILITY, GUIDANCE):
        expected = upstream_manifest[sources[source_id].mirror_path]["sha256"]
        assert fetched[source_id].provenance.sha256 == expected
    assert fetched[GUIDANCE].provenance.archive_member == "data-guidance/data-guidance.txt"


def test_the_zip_is_reused_on_a_304_in_a_later_run(httpserver, tmp_path, sources, mirror_dir):
    body = all_files_zip(mirror_dir, sources)
    seen: list[dict[str, str]] = []

    def handle(request: Request) -> Response:
        seen.append(dict(request.headers))
        if request.headers.get("If-None-Match") == '"z1"':
            return Response(status=304, headers={"ETag": '"z1"'})
        return Response(body, headers={"ETag": '"z1"', "Content-Type": "application/zip"})

    httpserver.expect_request("/" + ZIP_PATH).respond_with_handler(handle)
    settings = http_settings(tmp_path, httpserver.url_for("/"))
    first = fetcher_for(settings).fetch(as_member(sources[NETGAIN]))
    again_fetcher = fetcher_for(settings)
    again = again_fetcher.fetch(as_member(sources[NETGAIN]))

    assert "If-None-Match" not in seen[0] and seen[1]["If-None-Match"] == '"z1"'
    assert again.provenance.status == "not-modified" and again_fetcher.bytes_downloaded() == 0
    assert again.provenance.sha256 == first.provenance.sha256
    assert again.provenance.retrieved_at == first.provenance.retrieved_at


def test_a_missing_member_names_the_closest_and_keeps_the_good_copy(
    httpserver, tmp_path, sources, mirror_dir
):
    url = httpserver.url_for("/releases/all-files")
    httpserver.expect_request("/releases/all-files").respond_with_data(all_files_zip(mirror_dir, sources))
    settings = production_settings(tmp_path)
    good = fetcher_for(settings).fetch(as_member(sources[NETGAIN], direct_url=url))
    before = (good.path.read_bytes(), (good.path.parent / "provenance.json").read_bytes())

    # the 2022 release spelt it "net_gain"; the 2023 zip holds "netgain"
    wrong = replace(
        as_member(sources[NETGAIN], direct_url=url),
        archive_member="data/la_cla_on_31_march_la_of_placement_net_gain.csv",
    )
    with pytest.raises(FetchError) as caught:
        fetcher_for(settings).fetch(wrong)

    error = caught.value
    assert (error.source_id, error.file, error.check) == (
        NETGAIN,
        "la_cla_on_31_march_la_of_placement_netgain.csv",
        "member in archive",
    )
    assert error.detail.startswith(
        f"{url} [data/la_cla_on_31_march_la_of_placement_net_gain.csv]: the zip has no member "
        "'data/la_cla_on_31_march_la_of_placement_net_gain.csv'; the closest of its 13 files: "
        "'data/la_cla_on_31_march_la_of_placement_netgain.csv', "
    )
    assert (good.path.read_bytes(), (good.path.parent / "provenance.json").read_bytes()) == before


def test_a_member_must_match_the_manifest_in_mirror_modes(httpserver, tmp_path, sources, mirror_dir):
    source = as_member(sources[NETGAIN])
    real = (mirror_dir / sources[NETGAIN].mirror_path).read_bytes()
    doctored = real.replace(b"E92000001", b"E92000002", 1)  # same size, one value changed
    httpserver.expect_request("/" + ZIP_PATH).respond_with_data(
        all_files_zip(mirror_dir, sources, {source.archive_member: doctored})
    )
    with pytest.raises(FetchError) as caught:
        fetcher_for(http_settings(tmp_path, httpserver.url_for("/"))).fetch(source)
    error = caught.value
    assert (error.source_id, error.file, error.check) == (
        NETGAIN,
        "la_cla_on_31_march_la_of_placement_netgain.csv",
        "sha256 matches manifest",
    )
    assert f"{httpserver.url_for('/' + ZIP_PATH)} [{source.archive_member}]: sha256 " in error.detail
    assert source.expected_sha256 in error.detail
    assert not [p for p in cache_listing(tmp_path) if p.startswith(NETGAIN + "/")]  # no member, no record


def test_production_records_a_new_member_version_with_the_zip_url_and_member(
    httpserver, tmp_path, sources, mirror_dir
):
    source = as_member(sources[NETGAIN], direct_url=httpserver.url_for("/releases/all-files"))
    real = (mirror_dir / sources[NETGAIN].mirror_path).read_bytes()
    revised = real.replace(b"E92000001", b"E92000002", 1)
    httpserver.expect_request("/releases/all-files").respond_with_response(
        Response(
            all_files_zip(mirror_dir, sources, {source.archive_member: revised}),
            headers={"ETag": '"r2"', "Content-Type": "application/octet-stream"},
        )
    )
    fetched = fetcher_for(production_settings(tmp_path)).fetch(source)
    assert fetched.path.read_bytes() == revised
    assert fetched.provenance.manifest_sha256_matches is False  # a new upstream version, not an error

    summary = tmp_path / "provenance.csv"
    write_provenance_summary([fetched.provenance], summary)
    row = read_provenance_summary(summary)[NETGAIN]
    assert row["url"] == f"{source.direct_url}#data/la_cla_on_31_march_la_of_placement_netgain.csv"
    assert (row["file_name"], row["etag"], row["mode"]) == (source.file_name, '"r2"', "download")
    assert row["sha256"] == hashlib.sha256(revised).hexdigest()


def test_a_member_is_content_checked(httpserver, tmp_path, sources, mirror_dir):
    source = as_member(sources[NETGAIN], direct_url=httpserver.url_for("/releases/all-files"))
    page = b"<!-- edge, cached -->\n<html><body>Service unavailable, try later</body></html>\n"
    httpserver.expect_request("/releases/all-files").respond_with_data(
        all_files_zip(mirror_dir, sources, {source.archive_member: page})
    )
    with pytest.raises(FetchError) as caught:
        fetcher_for(production_settings(tmp_path)).fetch(source)
    error = caught.value
    assert (error.source_id, error.file, error.check) == (
        NETGAIN,
        "la_cla_on_31_march_la_of_placement_netgain.csv",
        "not an HTML page",
    )
    assert f"[{source.archive_member}]: HTML page, not CSV" in error.detail
    assert not [p for p in cache_listing(tmp_path) if p.startswith(NETGAIN + "/")]


def test_a_url_that_serves_no_zip_is_refused(httpserver, tmp_path, sources, mirror_dir):
    source = as_member(sources[NETGAIN], direct_url=httpserver.url_for("/releases/all-files"))
    httpserver.expect_request("/releases/all-files").respond_with_data(
        (mirror_dir / sources[NETGAIN].mirror_path).read_bytes(), content_type="text/csv"
    )
    with pytest.raises(FetchError) as caught:
        fetcher_for(production_settings(tmp_path)).fetch(source)
    error = caught.value
    assert (error.source_id, error.file, error.check) == (
        NETGAIN,
        "la_cla_on_31_march_la_of_placement_netgain.csv",
        "content is a zip archive",
    )
    assert error.detail == f"{source.direct_url}: text (UTF-8), not a zip archive"
    assert [p for p in cache_listing(tmp_path) if p.endswith((".zip", ".csv", ".json"))] == []


def test_a_damaged_zip_is_refused_before_any_member_is_read(httpserver, tmp_path, sources, mirror_dir):
    source = as_member(sources[NETGAIN], direct_url=httpserver.url_for("/releases/all-files"))
    body = all_files_zip(mirror_dir, sources)
    truncated = body[: len(body) - 200]  # the central directory is at the end
    httpserver.expect_request("/releases/all-files").respond_with_data(truncated)
    with pytest.raises(FetchError) as caught:
        fetcher_for(production_settings(tmp_path)).fetch(source)
    error = caught.value
    assert (error.source_id, error.file, error.check) == (
        NETGAIN,
        "la_cla_on_31_march_la_of_placement_netgain.csv",
        "content is a zip archive",
    )
    assert "zip archive (PK\\x03\\x04): does not open as a zip archive" in error.detail
    assert [p for p in cache_listing(tmp_path) if p.endswith((".zip", ".csv", ".json"))] == []


def test_mirror_mode_reads_a_member_of_a_zip_in_the_mirror(tmp_path, sources, mirror_dir, upstream_manifest):
    mirror = tmp_path / "mirror"
    (mirror / ZIP_PATH).parent.mkdir(parents=True)
    (mirror / ZIP_PATH).write_bytes(all_files_zip(mirror_dir, sources))
    settings = Settings(cache_dir=tmp_path / "cache", mirror_dir=mirror, base_url=None, offline=False)
    fetched = fetcher_for(settings).fetch(as_member(sources[GUIDANCE]))

    record = fetched.provenance
    assert record.sha256 == upstream_manifest[sources[GUIDANCE].mirror_path]["sha256"]
    assert (record.status, record.mode, record.content) == ("copied", "mirror", "text (UTF-8)")
    assert record.url == (mirror / ZIP_PATH).resolve().as_uri()
    assert record.public_url == sources[GUIDANCE].page_url
    assert not (tmp_path / "cache" / "_archives").exists()  # the mirror's zip is read where it lies


def test_offline_mode_reuses_the_extracted_member(httpserver, tmp_path, sources, mirror_dir):
    httpserver.expect_request("/" + ZIP_PATH).respond_with_data(all_files_zip(mirror_dir, sources))
    online = http_settings(tmp_path, httpserver.url_for("/"))
    first = fetcher_for(online).fetch(as_member(sources[STABILITY]))
    requests_before = len(httpserver.log)
    offline = fetcher_for(replace(online, offline=True)).fetch(as_member(sources[STABILITY]))
    assert offline.provenance.status == "cached" and len(httpserver.log) == requests_before
    assert offline.path.read_bytes() == first.path.read_bytes()
    assert offline.provenance.archive_member == "data/la_cla_placement_stability.csv"


@pytest.mark.parametrize("member", ["/data/x.csv", "../x.csv", "data//x.csv", "data\\x.csv", "data/./x.csv"])
def test_an_archive_member_must_be_a_relative_path(tmp_path, sources, mirror_dir, member):
    settings = Settings(cache_dir=tmp_path / "cache", mirror_dir=mirror_dir, base_url=None, offline=False)
    with pytest.raises(FetchError) as caught:
        fetcher_for(settings).fetch(replace(as_member(sources[NETGAIN]), archive_member=member))
    error = caught.value
    assert (error.source_id, error.check) == (NETGAIN, "archive member") and repr(member) in error.detail
    assert cache_listing(tmp_path) == []


def test_the_manifest_column_is_required_and_may_be_blank(tmp_path):
    # every manifest column is required (data/sources.csv has one layout); archive_member is blank for a
    # file fetched as itself and names the member for a file inside a zip
    manifest = (Path(__file__).resolve().parent.parent / "data" / "sources.csv").read_text(encoding="utf-8")
    header, first, *_ = manifest.splitlines()
    columns = header.split(",")
    position = columns.index("archive_member")
    assert next(csv.reader([first]))[position] == ""
    blank = tmp_path / "blank.csv"
    blank.write_text(f"{header}\n{first}\n", encoding="utf-8")
    [plain] = load_sources(blank).values()
    assert plain.archive_member == ""

    cells = next(csv.reader([first]))
    cells[position] = "data/x.csv"
    filled = tmp_path / "filled.csv"
    with filled.open("w", newline="", encoding="utf-8") as handle:
        csv.writer(handle, lineterminator="\n").writerows([columns, cells])
    [member] = load_sources(filled).values()
    assert member.archive_member == "data/x.csv"
    assert replace(member, archive_member="") == plain

    # a manifest without the column is refused, naming the file and the columns it must have
    without = tmp_path / "without.csv"
    kept = [i for i in range(len(columns)) if i != position]
    with without.open("w", newline="", encoding="utf-8") as handle:
        csv.writer(handle, lineterminator="\n").writerows(
            [[columns[i] for i in kept], [next(csv.reader([first]))[i] for i in kept]]
        )
    with pytest.raises(ManifestError, match="columns must be") as caught:
        load_sources(without)
    assert str(without) in str(caught.value) and "archive_member" in str(caught.value)
