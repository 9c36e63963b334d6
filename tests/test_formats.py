"""The content check (analysis/formats.py) on the real mirror files and on doctored copies of them.

The fetch layer's use of it (every mode, errors, cache untouched) is tested in tests/test_fetch.py.
"""

from __future__ import annotations

import gzip
from dataclasses import replace

import pytest

from analysis import formats
from analysis.errors import FetchError
from analysis.manifest import load_sources

SMALL = "dfe-cla-sfr-2015-sfr34-missing2015"
CP1252 = "ofsted-provider-level-2024-03-31"
EES = "dfe-cla-ees-2023-cla-number-and-rate-per-10k-children"
HEXJSON = "geo-odileeds-uk-upper-tier-local-authorities"


@pytest.fixture(scope="module")
def sources():
    return load_sources()


def test_every_manifest_file_in_the_mirror_passes_as_the_kind_its_name_says(sources, mirror_dir):
    seen: dict[str, set[str]] = {}
    for source in sources.values():
        content = formats.check_kind(source, mirror_dir / source.mirror_path, source.mirror_path)
        seen.setdefault(formats.expected_kind(source.file_name), set()).add(content.label)
    assert seen == {
        "csv": {"text (UTF-8)", "text (cp1252)"},
        "text": {"text (UTF-8)", "text (cp1252)"},
        "json": {"JSON"},
        "parquet": {"parquet file (PAR1)"},  # the constituency overlaps (constituency_councils)
    }


@pytest.mark.parametrize(
    ("path", "label"),
    [
        ("geo/mysociety-2025-constituencies/PARL25_LAD23_combo_overlap.parquet", "parquet file (PAR1)"),
        ("geo/mysociety-2025-constituencies/pcon_2024_lookup.json", "JSON"),
        ("geo/mysociety-2025-constituencies/PARL25_LAD23_combo_overlap.resource.yaml", "text (UTF-8)"),
        ("ofsted/childrens-social-care/provider-level-2024-03-31.csv", "text (cp1252)"),
        ("dfe/children-looked-after/ees-2023/data/cla_number_and_rate_per_10k_children.csv", "text (UTF-8)"),
    ],
)
def test_sniff_names_real_files_by_their_bytes(mirror_dir, path, label):
    assert formats.sniff(mirror_dir / path) == label


@pytest.mark.parametrize(
    ("damage", "label"),
    [
        (lambda body: b"", "empty file"),
        (gzip.compress, "gzip data (1f 8b)"),
        (lambda body: b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + body, "OLE2 compound file"),
        (lambda body: body.decode("utf-8-sig").encode("utf-16"), "UTF-16 text"),
        (lambda body: body[:100] + b"\x00" + body[100:], "binary data (contains NUL bytes)"),
        (lambda body: b"PK\x03\x04" + body, "zip archive (PK\\x03\\x04)"),
        (lambda body: b"<?xml version='1.0'?>\n<rows>" + body + b"</rows>", "XML or other markup"),
    ],
    ids=["empty", "gzip", "ole2", "utf16", "nul", "zip-magic", "xml"],
)
def test_sniff_doctored_copies(tmp_path, mirror_dir, sources, damage, label):
    doctored = tmp_path / "copy"
    doctored.write_bytes(damage((mirror_dir / sources[EES].mirror_path).read_bytes()))
    assert formats.sniff(doctored).startswith(label)


def test_a_damaged_zip_magic_is_named_and_refused(tmp_path, mirror_dir, sources):
    doctored = tmp_path / "all.zip"
    doctored.write_bytes(b"PK\x03\x04" + (mirror_dir / sources[SMALL].mirror_path).read_bytes())
    source = replace(sources[SMALL], source_id="test-zip", file_name="all.zip")
    with pytest.raises(FetchError) as caught:
        formats.check_kind(source, doctored, "mirror/all.zip")
    error = caught.value
    assert (error.source_id, error.file, error.check) == ("test-zip", "all.zip", "content is a zip archive")
    assert error.detail.startswith(
        "mirror/all.zip: zip archive (PK\\x03\\x04): does not open as a zip archive ("
    )


def test_json_must_have_an_object_or_array_at_the_top(tmp_path, sources):
    doctored = tmp_path / "value.hexjson"
    doctored.write_bytes(b'"just a string"\n')
    with pytest.raises(FetchError) as caught:
        formats.check_kind(sources[HEXJSON], doctored)
    assert caught.value.check == "content is JSON"
    assert caught.value.detail == "text (UTF-8), not JSON"


def test_expected_kind_comes_from_the_extension_in_any_case():
    assert formats.expected_kind("SFR34_Missing2015.CSV") == "csv"
    assert formats.expected_kind("uk-upper-tier-local-authorities.hexjson") == "json"
    assert formats.expected_kind("data-guidance.txt") == "text"
    assert formats.expected_kind("table.ods") == "ods"
    assert formats.expected_kind("archive") is None
