"""The fetch layer on the real mirror files, served over HTTP on 127.0.0.1 or copied from the mirror.

Expected sizes and sha256 come from the mirror's MANIFEST.csv (written when the copies were made), not
from the code under test. Retries never really sleep: the fetcher's `sleep` is a recorder, so the tests
assert the waits it asked for (backoff, Retry-After) and stay fast.
"""

from __future__ import annotations

import gzip
import hashlib
import io
import json
import random
import shutil
import time
import zipfile
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

import pytest
from werkzeug import Request, Response

from analysis import formats
from analysis.errors import FetchError
from analysis.fetch import FetchedFile, Fetcher, Provenance, read_provenance_summary, write_provenance_summary
from analysis.manifest import Source, load_sources
from analysis.settings import Settings

SMALL = "dfe-cla-sfr-2015-sfr34-missing2015"  # 8,634 bytes
LARGE = "dfe-cla-ees-2022-la-children-who-were-missing-or-away-from-placement-without-authorisation"  # 1.8 MB
CP1252 = "ofsted-provider-level-2024-03-31"  # Ofsted 2024 export, cp1252 (upstream README)
HEXJSON = "geo-odileeds-uk-upper-tier-local-authorities"  # not a CSV


@pytest.fixture(scope="module")
def sources() -> dict[str, Source]:
    return load_sources()


@pytest.fixture
def sleeps() -> list[float]:
    return []


def http_settings(tmp_path: Path, base_url: str) -> Settings:
    return Settings(cache_dir=tmp_path / "cache", mirror_dir=None, base_url=base_url, offline=False)


def production_settings(tmp_path: Path) -> Settings:
    return Settings(cache_dir=tmp_path / "cache", mirror_dir=None, base_url=None, offline=False)


def make_fetcher(settings: Settings, sleeps: list[float], **options) -> Fetcher:
    defaults = dict(connect_timeout=2, read_timeout=2, max_retries=2, backoff_seconds=0.01, progress=False)
    defaults.update(options)
    return Fetcher(settings, sleep=sleeps.append, **defaults)


def mirror_bytes(mirror_dir: Path, source: Source) -> bytes:
    return (mirror_dir / source.mirror_path).read_bytes()


def route(source: Source) -> str:
    return "/" + source.mirror_path


def cache_listing(tmp_path: Path) -> list[str]:
    root = tmp_path / "cache"
    return sorted(str(p.relative_to(root)) for p in root.rglob("*")) if root.exists() else []


def cached_state(fetched: FetchedFile) -> tuple[bytes, bytes]:
    return fetched.path.read_bytes(), (fetched.path.parent / "provenance.json").read_bytes()


# --- success ----------------------------------------------------------------------------------------


def test_http_fetch_of_a_real_file_matches_the_mirror_manifest(
    httpserver, tmp_path, sleeps, sources, mirror_dir, upstream_manifest
):
    source = sources[SMALL]
    body = mirror_bytes(mirror_dir, source)
    httpserver.expect_request(route(source)).respond_with_data(body, content_type="text/csv")
    fetcher = make_fetcher(http_settings(tmp_path, httpserver.url_for("/")), sleeps)

    fetched = fetcher.fetch(source)

    expected = upstream_manifest[source.mirror_path]
    assert fetched.path == tmp_path / "cache" / SMALL / "SFR34_Missing2015.csv"
    assert hashlib.sha256(fetched.path.read_bytes()).hexdigest() == expected["sha256"]
    assert fetched.provenance.sha256 == expected["sha256"]
    assert fetched.provenance.bytes == int(expected["bytes"]) == 8634
    assert fetched.provenance.status == "downloaded"
    assert fetched.provenance.mode == "http"
    assert fetched.provenance.url == httpserver.url_for(route(source))
    assert fetched.provenance.content == "text (UTF-8)"  # the content check it passed
    assert fetcher.bytes_downloaded() == 8634
    on_disk = json.loads((fetched.path.parent / "provenance.json").read_text())
    assert on_disk["sha256"] == expected["sha256"] and on_disk["retrieved_at"].endswith("Z")
    assert cache_listing(tmp_path) == [SMALL, f"{SMALL}/SFR34_Missing2015.csv", f"{SMALL}/provenance.json"]


def test_fetch_all_returns_every_source_by_id(
    httpserver, tmp_path, sleeps, sources, mirror_dir, upstream_manifest
):
    chosen = [sources[SMALL], sources[HEXJSON]]
    for source in chosen:
        httpserver.expect_request(route(source)).respond_with_data(mirror_bytes(mirror_dir, source))
    fetched = make_fetcher(http_settings(tmp_path, httpserver.url_for("/")), sleeps).fetch_all(chosen)
    assert list(fetched) == [SMALL, HEXJSON]
    for source in chosen:
        assert fetched[source.source_id].provenance.sha256 == upstream_manifest[source.mirror_path]["sha256"]


def test_cp1252_csv_passes_the_csv_check(
    httpserver, tmp_path, sleeps, sources, mirror_dir, upstream_manifest
):
    source = sources[CP1252]
    body = mirror_bytes(mirror_dir, source)
    with pytest.raises(UnicodeDecodeError):
        body.decode("utf-8")  # the file really is not UTF-8, so the cp1252 path is exercised
    httpserver.expect_request(route(source)).respond_with_data(body, content_type="text/csv")
    fetched = make_fetcher(http_settings(tmp_path, httpserver.url_for("/")), sleeps).fetch(source)
    assert fetched.provenance.sha256 == upstream_manifest[source.mirror_path]["sha256"]


def test_gzip_encoded_body_is_decoded_and_wire_bytes_counted(
    httpserver, tmp_path, sleeps, sources, mirror_dir
):
    source = sources[LARGE]
    body = mirror_bytes(mirror_dir, source)
    compressed = gzip.compress(body)
    httpserver.expect_request(route(source)).respond_with_response(
        Response(compressed, headers={"Content-Encoding": "gzip", "Content-Type": "text/csv"})
    )
    fetcher = make_fetcher(http_settings(tmp_path, httpserver.url_for("/")), sleeps)
    fetched = fetcher.fetch(source)
    assert fetched.path.read_bytes() == body
    assert fetched.provenance.bytes == len(body) == 1868392
    assert fetcher.bytes_downloaded() == len(compressed) < len(body)


def test_mirror_mode_copies_and_verifies(tmp_path, sleeps, sources, mirror_dir, upstream_manifest):
    settings = Settings(cache_dir=tmp_path / "cache", mirror_dir=mirror_dir, base_url=None, offline=False)
    fetcher = make_fetcher(settings, sleeps)
    fetched = fetcher.fetch(sources[HEXJSON])
    assert fetched.provenance.status == "copied" and fetched.provenance.mode == "mirror"
    assert fetched.provenance.sha256 == upstream_manifest[sources[HEXJSON].mirror_path]["sha256"]
    assert fetched.provenance.public_url == "https://github.com/odileeds/hexmaps"
    assert fetched.provenance.content == "JSON"
    assert fetched.path.read_bytes() == mirror_bytes(mirror_dir, sources[HEXJSON])
    assert fetcher.bytes_downloaded() == 0


def test_production_records_a_new_upstream_version_without_failing(
    httpserver, tmp_path, sleeps, sources, mirror_dir
):
    # production: the URL is the source's direct_url; the publisher now serves different bytes
    url = httpserver.url_for("/media/new-version.csv")
    source = replace(sources[SMALL], direct_url=url)
    body = mirror_bytes(mirror_dir, source).replace(b"\n", b"\r\n", 1)
    httpserver.expect_request("/media/new-version.csv").respond_with_response(
        Response(body, headers={"ETag": '"abc"', "Last-Modified": "Wed, 21 Oct 2015 07:28:00 GMT"})
    )
    stream = io.StringIO()
    fetched = make_fetcher(production_settings(tmp_path), sleeps, progress_stream=stream).fetch(source)
    assert fetched.provenance.sha256 == hashlib.sha256(body).hexdigest() != source.expected_sha256
    assert fetched.provenance.manifest_sha256_matches is False
    assert fetched.provenance.origin == "production" and fetched.provenance.public_url == url
    assert "new upstream version" in stream.getvalue()


def test_progress_lines_for_bodies_over_a_megabyte(httpserver, tmp_path, sleeps, sources, mirror_dir):
    source = sources[LARGE]
    httpserver.expect_request(route(source)).respond_with_data(mirror_bytes(mirror_dir, source))
    stream = io.StringIO()
    make_fetcher(
        http_settings(tmp_path, httpserver.url_for("/")), sleeps, progress=True, progress_stream=stream
    ).fetch(source)
    lines = stream.getvalue().splitlines()
    assert [line.split(": ")[1].split("%")[0] for line in lines] == [str(p) for p in range(10, 101, 10)]

    quiet = io.StringIO()
    small = sources[SMALL]
    httpserver.expect_request(route(small)).respond_with_data(mirror_bytes(mirror_dir, small))
    make_fetcher(
        http_settings(tmp_path, httpserver.url_for("/")), sleeps, progress=True, progress_stream=quiet
    ).fetch(small)
    assert quiet.getvalue() == ""


# --- HTTP failures and retries ------------------------------------------------------------------------


def test_404_is_a_clear_error_not_retried_and_nothing_cached(httpserver, tmp_path, sleeps, sources):
    source = sources[SMALL]
    httpserver.expect_request(route(source)).respond_with_data("not here", status=404)
    with pytest.raises(FetchError) as caught:
        make_fetcher(http_settings(tmp_path, httpserver.url_for("/")), sleeps).fetch(source)
    error = caught.value
    assert (error.source_id, error.file, error.check) == (SMALL, "SFR34_Missing2015.csv", "HTTP status")
    assert "404" in error.detail and httpserver.url_for(route(source)) in error.detail
    assert len(httpserver.log) == 1 and sleeps == []
    assert not (tmp_path / "cache" / SMALL / "SFR34_Missing2015.csv").exists()
    assert [name for name in cache_listing(tmp_path) if name.endswith(".part")] == []


def test_500_then_200_retries_and_succeeds(
    httpserver, tmp_path, sleeps, sources, mirror_dir, upstream_manifest
):
    source = sources[SMALL]
    httpserver.expect_ordered_request(route(source)).respond_with_data("boom", status=500)
    httpserver.expect_ordered_request(route(source)).respond_with_data(mirror_bytes(mirror_dir, source))
    fetched = make_fetcher(
        http_settings(tmp_path, httpserver.url_for("/")), sleeps, backoff_seconds=0.25
    ).fetch(source)
    assert fetched.provenance.sha256 == upstream_manifest[source.mirror_path]["sha256"]
    assert len(httpserver.log) == 2
    assert sleeps == [0.25]  # first backoff step


def test_503_forever_gives_up_after_max_retries(httpserver, tmp_path, sleeps, sources):
    source = sources[SMALL]
    httpserver.expect_request(route(source)).respond_with_data("busy", status=503)
    with pytest.raises(FetchError) as caught:
        make_fetcher(
            http_settings(tmp_path, httpserver.url_for("/")), sleeps, max_retries=3, backoff_seconds=0.5
        ).fetch(source)
    assert caught.value.check == "HTTP status"
    assert "503" in caught.value.detail and "4 attempts" in caught.value.detail
    assert len(httpserver.log) == 4
    assert sleeps == [0.5, 1.0, 2.0]  # exponential backoff between the four attempts
    assert not (tmp_path / "cache" / SMALL / "SFR34_Missing2015.csv").exists()


def test_429_honours_retry_after_and_caps_it(httpserver, tmp_path, sleeps, sources, mirror_dir):
    source = sources[SMALL]
    httpserver.expect_ordered_request(route(source)).respond_with_data(
        "slow down", status=429, headers={"Retry-After": "7"}
    )
    httpserver.expect_ordered_request(route(source)).respond_with_data(
        "slow down", status=429, headers={"Retry-After": "3600"}
    )
    httpserver.expect_ordered_request(route(source)).respond_with_data(mirror_bytes(mirror_dir, source))
    fetcher = make_fetcher(
        http_settings(tmp_path, httpserver.url_for("/")), sleeps, max_retry_after_seconds=30
    )
    assert fetcher.fetch(source).provenance.status == "downloaded"
    assert sleeps == [7.0, 30.0]


def test_read_timeout_is_reported(httpserver, tmp_path, sleeps, sources, mirror_dir):
    source = sources[SMALL]
    body = mirror_bytes(mirror_dir, source)

    def slow(request: Request) -> Response:
        time.sleep(0.6)
        return Response(body)

    httpserver.expect_request(route(source)).respond_with_handler(slow)
    started = time.monotonic()
    with pytest.raises(FetchError) as caught:
        make_fetcher(
            http_settings(tmp_path, httpserver.url_for("/")), sleeps, read_timeout=0.15, max_retries=0
        ).fetch(source)
    assert caught.value.check == "HTTP timeout"
    assert time.monotonic() - started < 0.6
    assert not (tmp_path / "cache" / SMALL / "SFR34_Missing2015.csv").exists()
    time.sleep(0.6)  # let the single-threaded test server finish the slow handler


def test_body_that_stalls_midway_times_out(raw_http_server, tmp_path, sleeps, sources, mirror_dir):
    source = sources[SMALL]
    body = mirror_bytes(mirror_dir, source)
    head = f"HTTP/1.1 200 OK\r\nContent-Length: {len(body)}\r\nContent-Type: text/csv\r\n\r\n".encode()
    server = raw_http_server(lambda request: [head + body[:1000], 3.0, body[1000:]])
    with pytest.raises(FetchError) as caught:
        make_fetcher(http_settings(tmp_path, server.url), sleeps, read_timeout=0.2, max_retries=1).fetch(
            source
        )
    assert caught.value.check == "HTTP timeout" and "stalled" in caught.value.detail
    assert len(server.requests) == 2
    assert [name for name in cache_listing(tmp_path) if not name.endswith("/")] == [SMALL]


def test_truncated_body_is_rejected(raw_http_server, tmp_path, sleeps, sources, mirror_dir):
    source = sources[SMALL]
    body = mirror_bytes(mirror_dir, source)
    head = f"HTTP/1.1 200 OK\r\nContent-Length: {len(body)}\r\nContent-Type: text/csv\r\n\r\n".encode()
    server = raw_http_server(lambda request: head + body[: len(body) // 2])
    with pytest.raises(FetchError) as caught:
        make_fetcher(http_settings(tmp_path, server.url), sleeps, max_retries=1).fetch(source)
    assert caught.value.check == "truncated body"
    assert len(server.requests) == 2  # a truncation is retried once, then reported
    assert cache_listing(tmp_path) == [SMALL]  # the directory only: no partial file


def test_connection_refused_is_retried_then_reported(tmp_path, sleeps, sources):
    import socket

    probe = socket.socket()
    probe.bind(("127.0.0.1", 0))
    port = probe.getsockname()[1]
    probe.close()  # nothing listens on this port now
    with pytest.raises(FetchError) as caught:
        make_fetcher(http_settings(tmp_path, f"http://127.0.0.1:{port}/"), sleeps, max_retries=2).fetch(
            sources[SMALL]
        )
    assert caught.value.check == "HTTP connection"
    assert len(sleeps) == 2


# --- content checks -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "content_type"),
    [
        (b"<!DOCTYPE html><html><body>Page not found</body></html>", "text/csv"),
        (b"\xef\xbb\xbf \n <HTML><head><title>Error</title></head></HTML>", "application/octet-stream"),
        (b"time_period,value\n2024,1\n", "text/html; charset=utf-8"),
    ],
    ids=["doctype-body", "bom-whitespace-html-body", "html-content-type"],
)
def test_html_served_for_a_data_file_is_rejected(httpserver, tmp_path, sleeps, sources, body, content_type):
    source = sources[SMALL]
    httpserver.expect_request(route(source)).respond_with_data(body, content_type=content_type)
    with pytest.raises(FetchError) as caught:
        make_fetcher(http_settings(tmp_path, httpserver.url_for("/")), sleeps).fetch(source)
    assert caught.value.check == "not an HTML page"
    assert len(httpserver.log) == 1  # not retried


@pytest.mark.parametrize(
    ("body", "detail"),
    [
        (b"PK\x03\x04" + b"\x00" * 60, "zip archive (PK\\x03\\x04), not CSV"),
        (b"a,b\n1,\x002\n", "binary data (contains NUL bytes), not CSV"),
        (b"just a title line\n1,2\n", "first line has no comma"),
        (b"a,b\n\x81\x8d\x8f\x90\x9d\xff\xfe\n", "decodes neither as UTF-8 nor as cp1252"),
    ],
    ids=["zip", "nul", "no-comma", "undecodable"],
)
def test_csv_sanity(httpserver, tmp_path, sleeps, sources, body, detail):
    source = replace(sources[SMALL], expected_sha256="", expected_bytes=None)
    httpserver.expect_request(route(source)).respond_with_data(body, content_type="text/csv")
    with pytest.raises(FetchError) as caught:
        make_fetcher(http_settings(tmp_path, httpserver.url_for("/")), sleeps).fetch(source)
    assert caught.value.check == "content is CSV" and detail in caught.value.detail


def test_empty_body_is_rejected(httpserver, tmp_path, sleeps, sources):
    source = sources[SMALL]
    httpserver.expect_request(route(source)).respond_with_data(b"", content_type="text/csv")
    with pytest.raises(FetchError) as caught:
        make_fetcher(http_settings(tmp_path, httpserver.url_for("/")), sleeps).fetch(source)
    assert caught.value.check == "non-empty body"


def test_size_limit(httpserver, tmp_path, sleeps, sources, mirror_dir):
    source = sources[SMALL]
    httpserver.expect_request(route(source)).respond_with_data(mirror_bytes(mirror_dir, source))
    with pytest.raises(FetchError) as caught:
        make_fetcher(http_settings(tmp_path, httpserver.url_for("/")), sleeps, max_bytes=4096).fetch(source)
    assert caught.value.check == "size limit" and "8,634" in caught.value.detail


def test_mirror_served_over_http_must_match_the_manifest(httpserver, tmp_path, sleeps, sources, mirror_dir):
    source = sources[SMALL]
    body = bytearray(mirror_bytes(mirror_dir, source))
    body[-2] = ord("9") if body[-2] != ord("9") else ord("8")  # same size, one byte different
    httpserver.expect_request(route(source)).respond_with_data(bytes(body), content_type="text/csv")
    with pytest.raises(FetchError) as caught:
        make_fetcher(http_settings(tmp_path, httpserver.url_for("/")), sleeps).fetch(source)
    assert caught.value.check == "sha256 matches manifest"
    assert source.expected_sha256 in caught.value.detail


# --- content, not names (analysis/formats.py) ------------------------------------------------------------

DOC = "dfe-cla-ees-2023-data-guidance"  # data-guidance.txt, UTF-8 documentation
PARQUET_PATH = (
    "geo/mysociety-2025-constituencies/PARL25_LAD23_combo_overlap.parquet"  # real, not in the manifest
)


def zip_of(members: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def doctored_mirror(tmp_path: Path, mirror_dir: Path, source: Source, damage) -> tuple[Settings, Source]:
    """A one-file mirror in tmp_path holding `damage(real bytes)`; the manifest row describes those bytes,
    so only the content check stands between them and the cache."""
    body = damage((mirror_dir / source.mirror_path).read_bytes())
    target = tmp_path / "mirror" / source.mirror_path
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(body)
    settings = Settings(
        cache_dir=tmp_path / "cache", mirror_dir=tmp_path / "mirror", base_url=None, offline=False
    )
    return settings, replace(
        source, expected_bytes=len(body), expected_sha256=hashlib.sha256(body).hexdigest()
    )


def test_zip_served_for_the_hexjson_is_refused_and_the_good_copy_kept(
    httpserver, tmp_path, sleeps, sources, mirror_dir
):
    # issue 8: production, where a new sha256 is not an error, so only the content check can catch it
    url = httpserver.url_for("/hexmaps/uk-upper-tier-local-authorities.hexjson")
    source = replace(sources[HEXJSON], direct_url=url)
    junk = zip_of({"uk-upper-tier-local-authorities.hexjson": random.Random(8).randbytes(4096)})
    httpserver.expect_ordered_request("/hexmaps/uk-upper-tier-local-authorities.hexjson").respond_with_data(
        mirror_bytes(mirror_dir, source), content_type="application/json"
    )
    httpserver.expect_request("/hexmaps/uk-upper-tier-local-authorities.hexjson").respond_with_data(
        junk, content_type="application/octet-stream"
    )
    settings = production_settings(tmp_path)
    good = make_fetcher(settings, sleeps).fetch(source)
    before, listing = cached_state(good), cache_listing(tmp_path)

    with pytest.raises(FetchError) as caught:
        make_fetcher(settings, sleeps).fetch(source)

    error = caught.value
    assert (error.source_id, error.file, error.check) == (
        HEXJSON,
        "uk-upper-tier-local-authorities.hexjson",
        "content is JSON",
    )
    assert error.detail == f"{url}: zip archive (PK\\x03\\x04), not JSON"
    assert len(httpserver.log) == 2  # a wrong kind of file is not retried
    assert cached_state(good) == before and cache_listing(tmp_path) == listing


@pytest.mark.parametrize(
    "body",
    [
        b"<!-- cache node 3, region eu-west -->\n<html><body><h1>Sign in</h1></body></html>\n",
        b"Moved, see below\n<!DOCTYPE html>\n<html><body>gone</body></html>\n",
        b"\xef\xbb\xbf  <head><title>Error, 502</title></head>\n",
    ],
    ids=["comment-with-comma-then-html", "text-line-with-comma-then-doctype", "bom-head-title-with-comma"],
)
def test_html_page_whose_first_line_has_a_comma_is_not_csv(httpserver, tmp_path, sleeps, sources, body):
    assert b"," in body.split(b"\n", 1)[0]  # the old check (a comma in the first line) let these through
    source = sources[SMALL]
    httpserver.expect_request(route(source)).respond_with_data(body, content_type="text/csv")
    with pytest.raises(FetchError) as caught:
        make_fetcher(http_settings(tmp_path, httpserver.url_for("/")), sleeps).fetch(source)
    error = caught.value
    assert (error.source_id, error.file, error.check) == (SMALL, "SFR34_Missing2015.csv", "not an HTML page")
    assert f"{httpserver.url_for(route(source))}: HTML page, not CSV" in error.detail
    assert cache_listing(tmp_path) == [SMALL]


def test_binary_junk_without_nul_bytes_is_not_csv(httpserver, tmp_path, sleeps, sources, mirror_dir):
    source = replace(sources[SMALL], expected_sha256="", expected_bytes=None)
    real = mirror_bytes(mirror_dir, source)
    junk = real[:200] + bytes(b or 1 for b in random.Random(13).randbytes(8000))  # a real header, then noise
    assert b"\x00" not in junk and "," in junk.decode("cp1252", errors="replace").split("\n")[0]
    httpserver.expect_request(route(source)).respond_with_data(junk, content_type="text/csv")
    with pytest.raises(FetchError) as caught:
        make_fetcher(http_settings(tmp_path, httpserver.url_for("/")), sleeps).fetch(source)
    error = caught.value
    assert (error.source_id, error.file, error.check) == (SMALL, "SFR34_Missing2015.csv", "content is CSV")
    assert (
        "binary data (" in error.detail
        and "control bytes" in error.detail
        and error.detail.endswith("not CSV")
    )
    assert cache_listing(tmp_path) == [SMALL]


def test_utf16_csv_and_text_are_accepted_as_text(httpserver, tmp_path, sleeps, sources, mirror_dir):
    # production (a new sha256 is recorded, not refused): the bytes are the real files re-encoded as UTF-16
    fetcher = make_fetcher(production_settings(tmp_path), sleeps)
    for source_id, encoding in ((SMALL, "utf-16"), (DOC, "utf-16-be")):
        source = sources[source_id]
        text = mirror_bytes(mirror_dir, source).decode("utf-8-sig")
        body = (b"\xfe\xff" if encoding == "utf-16-be" else b"") + text.encode(encoding)
        assert body[:2] in (b"\xff\xfe", b"\xfe\xff")
        path = f"/{source_id}/{source.file_name}"
        httpserver.expect_request(path).respond_with_data(body)
        fetched = fetcher.fetch(replace(source, direct_url=httpserver.url_for(path)))
        assert fetched.path.read_bytes() == body
        assert formats.sniff(fetched.path) == "UTF-16 text"


def test_broken_utf16_is_binary_not_text(httpserver, tmp_path, sleeps, sources, mirror_dir):
    source = sources[DOC]
    text = mirror_bytes(mirror_dir, source).decode("utf-8-sig")
    body = text.encode("utf-16")[:-1] + b"\x00\xd8"  # a lone high surrogate at the end
    path = f"/{DOC}/data-guidance.txt"
    httpserver.expect_request(path).respond_with_data(body)
    with pytest.raises(FetchError) as caught:
        make_fetcher(production_settings(tmp_path), sleeps).fetch(
            replace(source, direct_url=httpserver.url_for(path))
        )
    error = caught.value
    assert (error.source_id, error.file, error.check) == (DOC, "data-guidance.txt", "content is text")
    assert error.detail.endswith("binary data (a UTF-16 byte order mark, but not UTF-16 text), not text")
    assert cache_listing(tmp_path) == [DOC]


def test_mirror_mode_checks_content_too(tmp_path, sleeps, sources, mirror_dir):
    settings, source = doctored_mirror(
        tmp_path, mirror_dir, sources[HEXJSON], lambda body: body[: len(body) // 2]
    )
    with pytest.raises(FetchError) as caught:
        make_fetcher(settings, sleeps).fetch(source)
    error = caught.value
    assert (error.source_id, error.file, error.check) == (
        HEXJSON,
        "uk-upper-tier-local-authorities.hexjson",
        "content is JSON",
    )
    assert "text (UTF-8) that does not parse as JSON (" in error.detail
    assert cache_listing(tmp_path) == [HEXJSON]


def test_documentation_replaced_by_a_pdf_is_not_text(tmp_path, sleeps, sources, mirror_dir):
    settings, source = doctored_mirror(tmp_path, mirror_dir, sources[DOC], lambda body: b"%PDF-1.7\n" + body)
    with pytest.raises(FetchError) as caught:
        make_fetcher(settings, sleeps).fetch(source)
    error = caught.value
    assert (error.source_id, error.file, error.check) == (DOC, "data-guidance.txt", "content is text")
    assert error.detail.endswith("PDF document (%PDF), not text")
    assert cache_listing(tmp_path) == [DOC]


@pytest.mark.parametrize(
    ("damage", "detail"),
    [
        (lambda body: body[:-100], "no PAR1 magic at the end (a truncated file?)"),
        (lambda body: body[:-8] + b"\xff\xff\xff\x7fPAR1", "footer length 2,147,483,647 does not fit"),
        (lambda body: b"PAR2" + body[4:], "binary data"),
    ],
    ids=["truncated", "footer-length", "head-magic"],
)
def test_damaged_parquet_is_refused(tmp_path, sleeps, sources, mirror_dir, damage, detail):
    # the constituency overlaps file is real; a source row for it is made here (the manifest has none yet)
    real = replace(
        sources[HEXJSON],
        source_id="test-parquet",
        file_name="PARL25_LAD23_combo_overlap.parquet",
        archive_path=PARQUET_PATH,
    )
    settings, intact = doctored_mirror(tmp_path / "intact", mirror_dir, real, lambda body: body)
    assert (
        make_fetcher(settings, sleeps).fetch(intact).path.read_bytes()
        == (mirror_dir / PARQUET_PATH).read_bytes()
    )

    settings, source = doctored_mirror(tmp_path, mirror_dir, real, damage)
    with pytest.raises(FetchError) as caught:
        make_fetcher(settings, sleeps).fetch(source)
    error = caught.value
    assert (error.source_id, error.file, error.check) == (
        "test-parquet",
        "PARL25_LAD23_combo_overlap.parquet",
        "content is parquet",
    )
    assert detail in error.detail
    assert cache_listing(tmp_path) == ["test-parquet"]


def workbook(kind: str, sheet: bytes) -> bytes:
    """A minimal ODS or XLSX container around `sheet` (the parts the content check looks for)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        if kind == "ods":
            archive.writestr("mimetype", formats.ODS_MIMETYPE, compress_type=zipfile.ZIP_STORED)
            archive.writestr("content.xml", sheet, compress_type=zipfile.ZIP_DEFLATED)
        else:
            archive.writestr("[Content_Types].xml", b"<Types/>", compress_type=zipfile.ZIP_DEFLATED)
            archive.writestr("xl/workbook.xml", b"<workbook/>", compress_type=zipfile.ZIP_DEFLATED)
            archive.writestr("xl/worksheets/sheet1.xml", sheet, compress_type=zipfile.ZIP_DEFLATED)
    return buffer.getvalue()


@pytest.mark.parametrize(
    ("name", "served", "check", "detail"),
    [
        (
            "table.ods",
            "xlsx",
            "content is an ODS workbook",
            "XLSX workbook (zip with xl/workbook.xml), not an ODS workbook",
        ),
        (
            "table.xlsx",
            "ods",
            "content is an XLSX workbook",
            "ODS workbook (zip, mimetype application/vnd.oasis.opendocument.spreadsheet), not an XLSX workbook",
        ),
        ("table.ods", "zip", "content is an ODS workbook", "zip archive (PK\\x03\\x04), not an ODS workbook"),
        (
            "table.zip",
            "ods",
            "content is a zip archive",
            "ODS workbook (zip, mimetype application/vnd.oasis.opendocument.spreadsheet), not a zip archive",
        ),
        ("table.xlsx", "csv", "content is an XLSX workbook", "text (UTF-8), not an XLSX workbook"),
    ],
)
def test_workbooks_are_told_apart_by_their_parts(
    httpserver, tmp_path, sleeps, sources, mirror_dir, name, served, check, detail
):
    sheet = mirror_bytes(mirror_dir, sources[SMALL])  # the real table's bytes stand in for the sheet
    bodies = {
        "ods": workbook("ods", sheet),
        "xlsx": workbook("xlsx", sheet),
        "zip": zip_of({"a.csv": sheet}),
        "csv": sheet,
    }
    fetcher = make_fetcher(production_settings(tmp_path), sleeps)
    source = replace(
        sources[SMALL], source_id="test-workbook", file_name=name, expected_sha256="", expected_bytes=None
    )
    right = name.rsplit(".", 1)[1]
    httpserver.expect_request("/right/" + name).respond_with_data(bodies[right])
    httpserver.expect_request("/wrong/" + name).respond_with_data(bodies[served])

    good = fetcher.fetch(replace(source, direct_url=httpserver.url_for("/right/" + name)))
    before = cached_state(good)
    with pytest.raises(FetchError) as caught:
        fetcher.fetch(replace(source, direct_url=httpserver.url_for("/wrong/" + name)))
    error = caught.value
    assert (error.source_id, error.file, error.check) == ("test-workbook", name, check)
    assert error.detail == f"{httpserver.url_for('/wrong/' + name)}: {detail}"
    assert cached_state(good) == before


@pytest.mark.parametrize(
    ("compression", "offset", "detail"),
    [
        (zipfile.ZIP_STORED, 200, "member 'data/SFR34_Missing2015.csv' fails its CRC check"),
        (zipfile.ZIP_DEFLATED, 200, "member 'data/SFR34_Missing2015.csv' fails its CRC check"),
        (zipfile.ZIP_DEFLATED, 60, "a member does not decompress (Error -3"),
    ],
    ids=["stored", "deflated", "deflate-stream"],
)
def test_zip_with_a_damaged_member_is_refused(
    httpserver, tmp_path, sleeps, sources, mirror_dir, compression, offset, detail
):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression) as archive:
        archive.writestr("data/SFR34_Missing2015.csv", mirror_bytes(mirror_dir, sources[SMALL]))
    body = bytearray(buffer.getvalue())
    body[offset] ^= 0xFF  # a byte of the member's data (its local header is 56 bytes)
    source = replace(
        sources[SMALL], source_id="test-zip", file_name="all.zip", expected_sha256="", expected_bytes=None
    )
    httpserver.expect_request("/all.zip").respond_with_data(bytes(body))
    with pytest.raises(FetchError) as caught:
        make_fetcher(production_settings(tmp_path), sleeps).fetch(
            replace(source, direct_url=httpserver.url_for("/all.zip"))
        )
    error = caught.value
    assert (error.source_id, error.file, error.check) == ("test-zip", "all.zip", "content is a zip archive")
    assert f"{httpserver.url_for('/all.zip')}: zip archive (PK\\x03\\x04): {detail}" in error.detail
    assert cache_listing(tmp_path) == ["test-zip"]


def test_a_file_name_with_no_content_check_is_refused(tmp_path, sleeps, sources, mirror_dir):
    settings = Settings(cache_dir=tmp_path / "cache", mirror_dir=mirror_dir, base_url=None, offline=False)
    source = replace(sources[SMALL], file_name="SFR34_Missing2015.dat")
    with pytest.raises(FetchError) as caught:
        make_fetcher(settings, sleeps).fetch(source)
    error = caught.value
    assert (error.source_id, error.file, error.check) == (
        SMALL,
        "SFR34_Missing2015.dat",
        "content kind for file name",
    )
    assert "'.dat'" in error.detail and ".csv" in error.detail
    assert cache_listing(tmp_path) == [SMALL]


# --- conditional requests and the cache --------------------------------------------------------------


def etag_handler(body: bytes, etag: str, seen: list[dict[str, str]]):
    def handle(request: Request) -> Response:
        seen.append(dict(request.headers))
        if request.headers.get("If-None-Match") == etag:
            return Response(status=304, headers={"ETag": etag})
        return Response(body, headers={"ETag": etag, "Content-Type": "text/csv"})

    return handle


def test_304_reuses_the_cache_without_downloading(httpserver, tmp_path, sleeps, sources, mirror_dir):
    source = sources[SMALL]
    body = mirror_bytes(mirror_dir, source)
    seen: list[dict[str, str]] = []
    httpserver.expect_request(route(source)).respond_with_handler(etag_handler(body, '"v1"', seen))
    settings = http_settings(tmp_path, httpserver.url_for("/"))

    first = make_fetcher(settings, sleeps).fetch(source)
    again_fetcher = make_fetcher(settings, sleeps)
    again = again_fetcher.fetch(source)

    assert "If-None-Match" not in seen[0]
    assert seen[1]["If-None-Match"] == '"v1"'
    assert again.provenance.status == "not-modified"
    assert again_fetcher.bytes_downloaded() == 0
    assert again.path.read_bytes() == body
    assert again.provenance.sha256 == first.provenance.sha256
    assert again.provenance.retrieved_at == first.provenance.retrieved_at  # when those bytes were retrieved


def test_304_of_a_copy_the_manifest_no_longer_describes_is_refused(
    httpserver, tmp_path, sleeps, sources, mirror_dir
):
    source = sources[SMALL]
    seen: list[dict[str, str]] = []
    httpserver.expect_request(route(source)).respond_with_handler(
        etag_handler(mirror_bytes(mirror_dir, source), '"v1"', seen)
    )
    settings = http_settings(tmp_path, httpserver.url_for("/"))
    make_fetcher(settings, sleeps).fetch(source)
    updated_manifest = replace(source, expected_sha256="0" * 64)
    with pytest.raises(FetchError) as caught:
        make_fetcher(settings, sleeps).fetch(updated_manifest)
    assert seen[1]["If-None-Match"] == '"v1"'  # the server did answer 304
    assert caught.value.check == "sha256 matches manifest"


def test_cache_with_wrong_checksum_is_not_trusted_for_conditional_requests(
    httpserver, tmp_path, sleeps, sources, mirror_dir
):
    source = sources[SMALL]
    body = mirror_bytes(mirror_dir, source)
    seen: list[dict[str, str]] = []
    httpserver.expect_request(route(source)).respond_with_handler(etag_handler(body, '"v1"', seen))
    settings = http_settings(tmp_path, httpserver.url_for("/"))
    fetched = make_fetcher(settings, sleeps).fetch(source)
    fetched.path.write_bytes(body.replace(b"E", b"F", 1))  # the cached copy is damaged on disk

    refetcher = make_fetcher(settings, sleeps)
    again = refetcher.fetch(source)
    assert "If-None-Match" not in seen[1]
    assert again.provenance.status == "downloaded" and again.path.read_bytes() == body
    assert refetcher.bytes_downloaded() == len(body)


@pytest.mark.parametrize(
    "failure",
    [
        lambda body: Response("down", status=500),
        lambda body: Response(b"<!DOCTYPE html><p>maintenance</p>", content_type="text/csv"),
        lambda body: Response(body[:-1] + b"X", content_type="text/csv"),  # not the manifest's bytes
    ],
    ids=["500", "html", "checksum"],
)
def test_failed_refetch_leaves_the_good_copy_and_its_provenance(
    httpserver, tmp_path, sleeps, sources, mirror_dir, failure
):
    source = sources[SMALL]
    body = mirror_bytes(mirror_dir, source)
    httpserver.expect_ordered_request(route(source)).respond_with_data(body, content_type="text/csv")
    httpserver.expect_request(route(source)).respond_with_response(failure(body))
    settings = http_settings(tmp_path, httpserver.url_for("/"))
    good = make_fetcher(settings, sleeps).fetch(source)
    before = cached_state(good)
    listing = cache_listing(tmp_path)

    with pytest.raises(FetchError):
        make_fetcher(settings, sleeps, max_retries=1).fetch(source)

    assert cached_state(good) == before
    assert cache_listing(tmp_path) == listing  # no partial file left behind


def test_offline_mode_uses_only_the_verified_cache(httpserver, tmp_path, sleeps, sources, mirror_dir):
    source = sources[SMALL]
    httpserver.expect_request(route(source)).respond_with_data(mirror_bytes(mirror_dir, source))
    online = http_settings(tmp_path, httpserver.url_for("/"))
    make_fetcher(online, sleeps).fetch(source)
    offline = replace(online, offline=True)
    requests_before = len(httpserver.log)

    fetched = make_fetcher(offline, sleeps).fetch(source)
    assert fetched.provenance.status == "cached" and len(httpserver.log) == requests_before

    with pytest.raises(FetchError) as caught:
        make_fetcher(offline, sleeps).fetch(sources[HEXJSON])
    assert caught.value.check == "offline cache"


# --- mirror mode failures -----------------------------------------------------------------------------


def test_mirror_mode_missing_file(tmp_path, sleeps, sources):
    empty_mirror = tmp_path / "mirror"
    empty_mirror.mkdir()
    settings = Settings(cache_dir=tmp_path / "cache", mirror_dir=empty_mirror, base_url=None, offline=False)
    with pytest.raises(FetchError) as caught:
        make_fetcher(settings, sleeps).fetch(sources[SMALL])
    assert caught.value.check == "file exists in mirror"
    assert str(empty_mirror / sources[SMALL].mirror_path) in caught.value.detail
    assert f"remove or correct its row in {settings.sources_manifest}" in caught.value.detail


def test_mirror_mode_checksum_mismatch(tmp_path, sleeps, sources, mirror_dir):
    real = sources[SMALL]
    altered_mirror = tmp_path / "mirror"
    target = altered_mirror / "altered" / real.file_name
    target.parent.mkdir(parents=True)
    shutil.copyfile(mirror_dir / real.mirror_path, target)
    data = bytearray(target.read_bytes())
    data[100] ^= 0x01  # one byte changed, same size
    target.write_bytes(bytes(data))
    fake = replace(real, source_id="test-altered", archive_path="altered/" + real.file_name)
    settings = Settings(cache_dir=tmp_path / "cache", mirror_dir=altered_mirror, base_url=None, offline=False)
    with pytest.raises(FetchError) as caught:
        make_fetcher(settings, sleeps).fetch(fake)
    error = caught.value
    assert (error.source_id, error.file, error.check) == (
        "test-altered",
        real.file_name,
        "sha256 matches manifest",
    )
    assert not (tmp_path / "cache" / "test-altered" / real.file_name).exists()


def test_mirror_mode_size_mismatch(tmp_path, sleeps, sources, mirror_dir):
    real = sources[SMALL]
    altered_mirror = tmp_path / "mirror"
    target = altered_mirror / real.mirror_path
    target.parent.mkdir(parents=True)
    target.write_bytes((mirror_dir / real.mirror_path).read_bytes() + b"extra,row\n")
    settings = Settings(cache_dir=tmp_path / "cache", mirror_dir=altered_mirror, base_url=None, offline=False)
    with pytest.raises(FetchError) as caught:
        make_fetcher(settings, sleeps).fetch(real)
    assert caught.value.check == "size matches manifest" and "8,644 bytes" in caught.value.detail


def test_file_name_cannot_escape_the_cache(tmp_path, sleeps, sources, mirror_dir):
    settings = Settings(cache_dir=tmp_path / "cache", mirror_dir=mirror_dir, base_url=None, offline=False)
    with pytest.raises(FetchError) as caught:
        make_fetcher(settings, sleeps).fetch(replace(sources[SMALL], file_name="../escape.csv"))
    assert caught.value.check == "file name"


# --- provenance summary --------------------------------------------------------------------------------


def provenance(
    source_id: str, sha: str, retrieved_at: str, origin: str = "mirror", url: str = ""
) -> Provenance:
    return Provenance(
        source_id=source_id,
        url=url or f"file:///mirror/{source_id}.csv",
        retrieved_at=retrieved_at,
        bytes=10,
        sha256=sha,
        etag='"e"',
        last_modified="Wed, 21 Oct 2015 07:28:00 GMT",
        mode="mirror" if origin == "mirror" else "http",
        status="copied",
        file_name=f"{source_id}.csv",
        public_url=url or f"https://example.org/page/{source_id}",
        origin=origin,
        content="text (UTF-8)",
    )


def test_provenance_summary_is_stable_and_keeps_retrieved_at_while_unchanged(tmp_path):
    path = tmp_path / "provenance.csv"
    write_provenance_summary(
        [
            provenance("b-source", "1" * 64, "2024-01-01T00:00:00Z"),
            provenance("a-source", "2" * 64, "2024-01-01T00:00:00Z"),
        ],
        path,
    )
    first = path.read_bytes()
    assert (
        first.decode().splitlines()[0]
        == "source_id,file_name,url,bytes,sha256,etag,last_modified,retrieved_at,mode"
    )
    assert [line.split(",")[0] for line in first.decode().splitlines()[1:]] == ["a-source", "b-source"]
    assert ",,," in first.decode()  # mirror rows: no publisher validators

    # re-run later, same bytes: the file is byte-identical
    write_provenance_summary(
        [
            provenance("a-source", "2" * 64, "2025-06-01T00:00:00Z"),
            provenance("b-source", "1" * 64, "2025-06-01T00:00:00Z"),
        ],
        path,
    )
    assert path.read_bytes() == first

    # one source changed: only its retrieved_at moves
    write_provenance_summary([provenance("a-source", "3" * 64, "2025-07-01T00:00:00Z")], path)
    rows = read_provenance_summary(path)
    assert rows["a-source"]["retrieved_at"] == "2025-07-01T00:00:00Z"
    assert rows["b-source"]["retrieved_at"] == "2024-01-01T00:00:00Z"  # kept: not part of this run

    write_provenance_summary([], path, known_source_ids=["a-source"])
    assert list(read_provenance_summary(path)) == ["a-source"]
    assert [p.name for p in tmp_path.iterdir()] == ["provenance.csv"]  # no temporary file left


def test_provenance_summary_states_production_urls_and_validators(tmp_path):
    path = tmp_path / "provenance.csv"
    url = "https://assets.example.org/file.csv"
    write_provenance_summary(
        [provenance("p", "4" * 64, "2025-01-01T00:00:00Z", origin="production", url=url)], path
    )
    row = read_provenance_summary(path)["p"]
    # data/provenance.csv says how the bytes were obtained in public words: downloaded from the publisher
    assert (row["url"], row["etag"], row["mode"]) == (url, '"e"', "download")
    with pytest.raises(ValueError):
        write_provenance_summary([provenance("p", "4" * 64, "x"), provenance("p", "4" * 64, "x")], path)


def test_mirror_run_twice_writes_identical_summary(tmp_path, sleeps, sources, mirror_dir, upstream_manifest):
    settings = Settings(cache_dir=tmp_path / "cache", mirror_dir=mirror_dir, base_url=None, offline=False)
    chosen = [sources[SMALL], sources[CP1252], sources[HEXJSON]]
    path = tmp_path / "provenance.csv"
    write_provenance_summary(
        [f.provenance for f in make_fetcher(settings, sleeps).fetch_all(chosen).values()], path
    )
    first = path.read_bytes()
    time.sleep(1.1)  # retrieved_at has one-second resolution: make a second run's time differ
    write_provenance_summary(
        [f.provenance for f in make_fetcher(settings, sleeps).fetch_all(chosen).values()], path
    )
    assert path.read_bytes() == first
    rows = read_provenance_summary(path)
    for source in chosen:
        assert rows[source.source_id]["sha256"] == upstream_manifest[source.mirror_path]["sha256"]
        assert rows[source.source_id]["url"] == source.page_url
        assert rows[source.source_id]["mode"] == "copy"  # a checked copy of the publisher's file


# --- nothing unchecked in provenance -------------------------------------------------------------------


def test_provenance_summary_refuses_a_record_without_a_content_check(tmp_path):
    path = tmp_path / "provenance.csv"
    write_provenance_summary([provenance("a-source", "1" * 64, "2024-01-01T00:00:00Z")], path)
    before = path.read_bytes()
    unchecked = replace(provenance("b-source", "2" * 64, "2024-01-01T00:00:00Z"), content="")
    with pytest.raises(FetchError) as caught:
        write_provenance_summary([provenance("a-source", "3" * 64, "2025-01-01T00:00:00Z"), unchecked], path)
    error = caught.value
    assert (error.source_id, error.file, error.check) == ("b-source", "b-source.csv", "content checked")
    assert path.read_bytes() == before  # nothing written, not even the checked record
    assert [p.name for p in tmp_path.iterdir()] == ["provenance.csv"]


def plant_unchecked_cache(fetched: FetchedFile, junk: bytes) -> bytes:
    """Make the cache hold `junk` with a matching provenance.json of before the content check (no
    `content`), as a copy cached by an older version of the fetch layer would be."""
    record_path = fetched.path.parent / "provenance.json"
    record = json.loads(record_path.read_text())
    del record["content"]
    record.update(bytes=len(junk), sha256=hashlib.sha256(junk).hexdigest())
    fetched.path.write_bytes(junk)
    record_path.write_text(json.dumps(record, indent=2, sort_keys=True) + "\n")
    return record_path.read_bytes()


def test_a_304_does_not_reuse_a_cached_copy_that_fails_the_content_check(
    httpserver, tmp_path, sleeps, sources, mirror_dir
):
    url = httpserver.url_for("/hexmaps/uk.hexjson")
    source = replace(sources[HEXJSON], direct_url=url)
    seen: list[dict[str, str]] = []
    httpserver.expect_request("/hexmaps/uk.hexjson").respond_with_handler(
        etag_handler(mirror_bytes(mirror_dir, source), '"v1"', seen)
    )
    settings = production_settings(tmp_path)
    fetched = make_fetcher(settings, sleeps).fetch(source)
    record_before = plant_unchecked_cache(fetched, zip_of({"x": random.Random(3).randbytes(512)}))
    listing = cache_listing(tmp_path)

    with pytest.raises(FetchError) as caught:
        make_fetcher(settings, sleeps).fetch(source)

    assert seen[1]["If-None-Match"] == '"v1"'  # the server did answer 304
    error = caught.value
    assert (error.source_id, error.file, error.check) == (
        HEXJSON,
        "uk-upper-tier-local-authorities.hexjson",
        "content is JSON",
    )
    assert error.detail.endswith("zip archive (PK\\x03\\x04), not JSON")
    assert (fetched.path.parent / "provenance.json").read_bytes() == record_before  # no record written
    assert cache_listing(tmp_path) == listing


def test_offline_mode_does_not_reuse_a_cached_copy_that_fails_the_content_check(
    httpserver, tmp_path, sleeps, sources, mirror_dir
):
    source = sources[SMALL]
    httpserver.expect_request(route(source)).respond_with_data(mirror_bytes(mirror_dir, source))
    online = http_settings(tmp_path, httpserver.url_for("/"))
    fetched = make_fetcher(online, sleeps).fetch(source)
    record_before = plant_unchecked_cache(fetched, b"<!DOCTYPE html><title>Sign in, please</title>")
    requests_before = len(httpserver.log)

    with pytest.raises(FetchError) as caught:
        make_fetcher(replace(online, offline=True), sleeps).fetch(source)

    error = caught.value
    assert (error.source_id, error.file, error.check) == (SMALL, "SFR34_Missing2015.csv", "not an HTML page")
    assert "HTML page, not CSV" in error.detail
    assert len(httpserver.log) == requests_before
    assert (fetched.path.parent / "provenance.json").read_bytes() == record_before


# --- download budgets: stall and deadline (settings.download_stall_seconds / download_deadline_seconds) --


def budget_settings(tmp_path: Path, base_url: str, stall: float, deadline: float) -> Settings:
    return replace(
        http_settings(tmp_path, base_url), download_stall_seconds=stall, download_deadline_seconds=deadline
    )


def first_good_then(body: bytes, then) -> Callable[[bytes], object]:
    """A raw-server reply function: the real file on the first connection, `then` on every later one."""
    head = f"HTTP/1.1 200 OK\r\nContent-Length: {len(body)}\r\nContent-Type: text/csv\r\n\r\n".encode()
    served: list[int] = []

    def respond(request: bytes):
        served.append(1)
        return head + body if len(served) == 1 else then(head)

    return respond


def test_a_stalled_body_fails_at_the_deadline_and_keeps_the_good_copy(
    raw_http_server, tmp_path, sleeps, sources, mirror_dir
):
    source = sources[SMALL]
    body = mirror_bytes(mirror_dir, source)
    server = raw_http_server(first_good_then(body, lambda head: [head + body[:1000], 30.0]))
    settings = budget_settings(tmp_path, server.url, stall=0.3, deadline=1.0)
    good = make_fetcher(settings, sleeps).fetch(source)
    before, listing = cached_state(good), cache_listing(tmp_path)

    started = time.monotonic()
    with pytest.raises(FetchError) as caught:
        # the stall and the deadline come from the settings; without the deadline, max_retries=10 would
        # allow 11 tries of 0.3 s (3.3 s)
        make_fetcher(settings, sleeps, read_timeout=None, max_retries=10).fetch(source)
    elapsed = time.monotonic() - started

    error = caught.value
    assert (error.source_id, error.file, error.check) == (SMALL, "SFR34_Missing2015.csv", "download deadline")
    # the budget ends either inside a try (cut off) or before a backoff that would outlast it
    assert "the 1 s download deadline (FFH_DOWNLOAD_DEADLINE_SECONDS)" in error.detail
    assert "HTTP timeout: " in error.detail and "body stalled after" in error.detail
    assert elapsed < 1.0 + 1.0  # the budget plus a margin for a loaded machine, well under 3.3 s
    assert cached_state(good) == before and cache_listing(tmp_path) == listing


@pytest.mark.parametrize("with_length", [True, False], ids=["content-length", "until-close"])
def test_a_trickling_body_fails_at_the_deadline(
    raw_http_server, tmp_path, sleeps, sources, mirror_dir, with_length
):
    # a byte every 50 ms never trips a 0.5 s stall timeout; only the deadline can end it
    source = sources[SMALL]
    body = mirror_bytes(mirror_dir, source)
    length = f"Content-Length: {len(body)}\r\n" if with_length else "Connection: close\r\n"
    head = f"HTTP/1.1 200 OK\r\n{length}Content-Type: text/csv\r\n\r\n".encode()
    trickle: list[bytes | float] = [head]
    for index in range(len(body)):
        trickle += [body[index : index + 1], 0.05]
    server = raw_http_server(lambda request: trickle)
    settings = budget_settings(tmp_path, server.url, stall=0.5, deadline=0.8)

    started = time.monotonic()
    with pytest.raises(FetchError) as caught:
        make_fetcher(settings, sleeps, read_timeout=None).fetch(source)
    elapsed = time.monotonic() - started

    error = caught.value
    assert (error.source_id, error.file, error.check) == (SMALL, "SFR34_Missing2015.csv", "download deadline")
    assert "the body was still arriving at the deadline" in error.detail
    assert len(server.requests) == 1
    assert elapsed < 0.8 + 1.0  # without the watchdog: 8,634 bytes x 50 ms = 7 minutes
    assert cache_listing(tmp_path) == [SMALL]  # no partial file


def test_a_retry_after_beyond_the_deadline_fails_at_once(httpserver, tmp_path, sleeps, sources, mirror_dir):
    source = sources[SMALL]
    httpserver.expect_ordered_request(route(source)).respond_with_data(mirror_bytes(mirror_dir, source))
    httpserver.expect_request(route(source)).respond_with_data(
        "slow down", status=429, headers={"Retry-After": "7"}
    )
    settings = budget_settings(tmp_path, httpserver.url_for("/"), stall=2, deadline=5)
    good = make_fetcher(settings, sleeps).fetch(source)
    before = cached_state(good)

    with pytest.raises(FetchError) as caught:
        make_fetcher(settings, sleeps, read_timeout=None).fetch(source)

    error = caught.value
    assert (error.source_id, error.file, error.check) == (SMALL, "SFR34_Missing2015.csv", "download deadline")
    assert "429" in error.detail and "asks to retry after 7 s (Retry-After)" in error.detail
    assert "of the 5 s download deadline (FFH_DOWNLOAD_DEADLINE_SECONDS) is left (1 attempt)" in error.detail
    assert sleeps == [] and len(httpserver.log) == 2  # no wait, no second try
    assert cached_state(good) == before


def test_a_backoff_beyond_the_deadline_fails_at_once(httpserver, tmp_path, sleeps, sources):
    source = sources[SMALL]
    httpserver.expect_request(route(source)).respond_with_data("busy", status=503)
    settings = budget_settings(tmp_path, httpserver.url_for("/"), stall=2, deadline=3)
    with pytest.raises(FetchError) as caught:
        make_fetcher(settings, sleeps, read_timeout=None, backoff_seconds=1.0, max_retries=4).fetch(source)
    error = caught.value
    assert (error.source_id, error.file, error.check) == (SMALL, "SFR34_Missing2015.csv", "download deadline")
    assert "HTTP status: HTTP 503" in error.detail and "a retry after the 2 s backoff" in error.detail
    assert sleeps == [1.0]  # the first backoff fits in 3 s; the second (2 s) would not: waits count in full
    assert len(httpserver.log) == 2
    assert cache_listing(tmp_path) == []  # nothing was received


def test_download_budgets_come_from_the_environment(monkeypatch, tmp_path):
    monkeypatch.delenv("FFH_DOWNLOAD_STALL_SECONDS", raising=False)
    monkeypatch.delenv("FFH_DOWNLOAD_DEADLINE_SECONDS", raising=False)
    defaults = Settings.from_env()
    assert (defaults.download_stall_seconds, defaults.download_deadline_seconds) == (30.0, 300.0)

    monkeypatch.setenv("FFH_DOWNLOAD_STALL_SECONDS", "12.5")
    monkeypatch.setenv("FFH_DOWNLOAD_DEADLINE_SECONDS", "90")
    configured = Settings.from_env()
    assert (configured.download_stall_seconds, configured.download_deadline_seconds) == (12.5, 90.0)
    fetcher = Fetcher(configured, progress=False)
    assert (fetcher.read_timeout, fetcher.deadline_seconds) == (12.5, 90.0)

    for bad in ("soon", "0", "-5", "inf"):
        monkeypatch.setenv("FFH_DOWNLOAD_DEADLINE_SECONDS", bad)
        with pytest.raises(ValueError, match="FFH_DOWNLOAD_DEADLINE_SECONDS"):
            Settings.from_env()
