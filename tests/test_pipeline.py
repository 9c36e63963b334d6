"""The whole pipeline against the real mirror: it reproduces the committed outputs exactly, and bad input
stops it with an error naming the source, file and check, leaving the committed outputs untouched."""

from __future__ import annotations

import csv
import hashlib
import shutil
from pathlib import Path

import pytest

from analysis import pipeline, settings
from analysis.errors import FetchError, ParseError, SourceError, ValidationFailed

COMMITTED = settings.DATA_DIR
PUBLISHED_GLOBS = [
    "tidy/*.csv",
    "tidy/*.meta.json",
    "validation/*.json",
    "datapackage.json",
    "provenance.csv",
]


def _published_files(root: Path) -> dict[str, bytes]:
    files = {}
    for pattern in PUBLISHED_GLOBS:
        for path in sorted(root.glob(pattern)):
            files[str(path.relative_to(root))] = path.read_bytes()
    return files


def _run_settings(tmp_path: Path, mirror: Path) -> settings.Settings:
    return settings.Settings(
        cache_dir=tmp_path / "cache" / "raw", mirror_dir=mirror, base_url=None, offline=False
    )


@pytest.fixture(scope="module")
def reproduced(tmp_path_factory, mirror_dir) -> Path:
    """One full run from the mirror into a fresh folder (the committed provenance is carried over, as
    `make data` would find it, so unchanged sources keep their retrieval dates)."""
    tmp_path = tmp_path_factory.mktemp("reproduce")
    output = tmp_path / "data"
    output.mkdir()
    shutil.copy(COMMITTED / "provenance.csv", output / "provenance.csv")
    pipeline.run(output_dir=output, run_settings=_run_settings(tmp_path, mirror_dir))
    return output


def test_make_data_reproduces_the_committed_outputs_byte_for_byte(reproduced):
    committed = _published_files(COMMITTED)
    rebuilt = _published_files(reproduced)
    assert sorted(rebuilt) == sorted(committed)
    differing = [name for name in committed if committed[name] != rebuilt[name]]
    assert differing == []


def test_every_committed_csv_is_described_in_the_datapackage(reproduced):
    import json

    package = json.loads((COMMITTED / "datapackage.json").read_text())
    described = {resource["path"] for resource in package["resources"]}
    on_disk = {f"tidy/{p.name}" for p in (COMMITTED / "tidy").glob("*.csv")}
    assert described == on_disk


def test_provenance_records_the_mirror_checksums(upstream_manifest):
    by_sha = {row["sha256"] for row in upstream_manifest.values()}
    with (COMMITTED / "provenance.csv").open(newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert rows and all(row["sha256"] in by_sha for row in rows)


# ---------------------------------------------------------------------------------------------------
# Bad input, end to end: each case is a real pipeline run on a doctored copy of the mirror


def _doctored_mirror(tmp_path: Path, mirror_dir: Path, relative: str, transform) -> Path:
    """A mirror whose only difference is one transformed file (other files are symlinked)."""
    doctored = tmp_path / "mirror"
    for path in mirror_dir.rglob("*"):
        if path.is_file():
            target = doctored / path.relative_to(mirror_dir)
            target.parent.mkdir(parents=True, exist_ok=True)
            if str(path.relative_to(mirror_dir)) == relative:
                target.write_bytes(transform(path.read_bytes()))
            else:
                target.symlink_to(path)
    return doctored


def _manifest_accepting(tmp_path: Path, doctored: Path, relative: str) -> Path:
    """A copy of data/sources.csv whose expected checksum is the doctored file's, so the run gets past
    the fetch layer's integrity check and reaches the parser or the expectations."""
    content = (doctored / relative).read_bytes()
    with settings.SOURCES_MANIFEST.open(newline="") as handle:
        reader = csv.DictReader(handle)
        rows = list(reader)
        fields = reader.fieldnames
    for row in rows:
        if row["mirror_path"] == relative:
            row["expected_sha256"] = hashlib.sha256(content).hexdigest()
            row["expected_bytes"] = str(len(content))
    manifest = tmp_path / "sources.csv"
    with manifest.open("w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=fields, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    return manifest


@pytest.fixture
def output_with_last_good(tmp_path) -> Path:
    """An output folder holding a copy of the committed outputs: the 'last good data'."""
    output = tmp_path / "out"
    for name, content in _published_files(COMMITTED).items():
        (output / name).parent.mkdir(parents=True, exist_ok=True)
        (output / name).write_bytes(content)
    return output


SFR_2012 = "dfe/children-looked-after/sfr-2012/SFR20_CLA2012.csv"


def _replace_first_national_value(column_index: int, new_value: bytes):
    def transform(raw: bytes) -> bytes:
        lines = raw.split(b"\n")
        for number, line in enumerate(lines):
            if b",NATIONAL," in line:
                cells = line.split(b",")
                cells[column_index] = new_value
                lines[number] = b",".join(cells)
                break
        return b"\n".join(lines)

    return transform


def test_a_file_altered_in_the_mirror_fails_its_checksum_and_nothing_is_written(
    tmp_path, mirror_dir, output_with_last_good
):
    doctored = _doctored_mirror(
        tmp_path, mirror_dir, SFR_2012, lambda raw: raw.replace(b"67050", b"67051", 1)
    )
    before = _published_files(output_with_last_good)
    with pytest.raises(FetchError) as caught:
        pipeline.run(output_dir=output_with_last_good, run_settings=_run_settings(tmp_path, doctored))
    assert caught.value.source_id == "dfe-cla-sfr-2012-sfr20-cla2012"
    assert caught.value.file == "SFR20_CLA2012.csv"
    assert "sha256" in caught.value.check
    assert _published_files(output_with_last_good) == before


def test_a_file_missing_a_column_stops_the_parser_and_nothing_is_written(
    tmp_path, mirror_dir, output_with_last_good, monkeypatch
):
    # the header loses CLA_Outbound: the placements parser must name it
    doctored = _doctored_mirror(
        tmp_path, mirror_dir, SFR_2012, lambda raw: raw.replace(b"CLA_Outbound", b"CLA_Outbnd", 1)
    )
    monkeypatch.setenv("FFH_SOURCES_MANIFEST", str(_manifest_accepting(tmp_path, doctored, SFR_2012)))
    before = _published_files(output_with_last_good)
    with pytest.raises(SourceError) as caught:
        pipeline.run(output_dir=output_with_last_good, run_settings=_run_settings(tmp_path, doctored))
    assert isinstance(caught.value, ParseError)
    assert caught.value.file == "SFR20_CLA2012.csv"
    assert "CLA_Outbound" in str(caught.value)
    assert _published_files(output_with_last_good) == before


def test_an_implausible_value_fails_validation_and_nothing_is_written(
    tmp_path, mirror_dir, output_with_last_good, monkeypatch
):
    # England's children placed outside their council (column 51, CLA_Outbound) above the total looked after
    doctored = _doctored_mirror(tmp_path, mirror_dir, SFR_2012, _replace_first_national_value(50, b"99990"))
    monkeypatch.setenv("FFH_SOURCES_MANIFEST", str(_manifest_accepting(tmp_path, doctored, SFR_2012)))
    before = _published_files(output_with_last_good)
    with pytest.raises(ValidationFailed) as caught:
        pipeline.run(output_dir=output_with_last_good, run_settings=_run_settings(tmp_path, doctored))
    assert caught.value.dataset == "placements_at_31_march"
    assert "99990" in str(caught.value)
    assert _published_files(output_with_last_good) == before
