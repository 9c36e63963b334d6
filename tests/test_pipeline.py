"""The whole pipeline against the real sources' archive (the `mirror_dir` fixture): it reproduces the committed
outputs exactly, and bad input stops it with an error naming the source, file and check, leaving the committed
outputs untouched. A manifest row of a family the pipeline reads that no dataset reads stops it too."""

from __future__ import annotations

import csv
import hashlib
import re
import shutil
from dataclasses import replace
from pathlib import Path

import polars as pl
import pytest
from mirror_sources import MANIFEST

from analysis import geography, manifest, pipeline, settings
from analysis.datasets import Dataset, SourceFiles
from analysis.errors import FetchError, GeographyError, ParseError, SourceError, ValidationFailed
from analysis.manifest import ManifestError

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


def _run_settings(tmp_path: Path, mirror: Path, **changes) -> settings.Settings:
    return settings.Settings(
        cache_dir=tmp_path / "cache" / "raw", mirror_dir=mirror, base_url=None, offline=False, **changes
    )


@pytest.fixture(scope="module")
def reproduced(tmp_path_factory, mirror_dir) -> Path:
    """One full run from the mirror into a fresh folder (the committed provenance is carried over, as
    `make data` would find it, so unchanged sources keep their retrieval dates)."""
    tmp_path = tmp_path_factory.mktemp("reproduce")
    output = tmp_path / "data"
    output.mkdir()
    shutil.copy(COMMITTED / "provenance.csv", output / "provenance.csv")
    pipeline.run(_run_settings(tmp_path, mirror_dir), output_dir=output)
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
        if row["archive_path"] == relative:
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
        pipeline.run(_run_settings(tmp_path, doctored), output_dir=output_with_last_good)
    assert caught.value.source_id == "dfe-cla-sfr-2012-sfr20-cla2012"
    assert caught.value.file == "SFR20_CLA2012.csv"
    assert "sha256" in caught.value.check
    assert _published_files(output_with_last_good) == before


def test_a_file_missing_a_column_stops_the_parser_and_nothing_is_written(
    tmp_path, mirror_dir, output_with_last_good
):
    # the header loses CLA_Outbound: the placements parser must name it
    doctored = _doctored_mirror(
        tmp_path, mirror_dir, SFR_2012, lambda raw: raw.replace(b"CLA_Outbound", b"CLA_Outbnd", 1)
    )
    run = _run_settings(
        tmp_path, doctored, sources_manifest=_manifest_accepting(tmp_path, doctored, SFR_2012)
    )
    before = _published_files(output_with_last_good)
    with pytest.raises(SourceError) as caught:
        pipeline.run(run, output_dir=output_with_last_good)
    assert isinstance(caught.value, ParseError)
    assert caught.value.file == "SFR20_CLA2012.csv"
    assert "CLA_Outbound" in str(caught.value)
    assert _published_files(output_with_last_good) == before


def test_an_implausible_value_fails_validation_and_nothing_is_written(
    tmp_path, mirror_dir, output_with_last_good
):
    # England's children placed outside their council (column 51, CLA_Outbound) above the total looked after
    doctored = _doctored_mirror(tmp_path, mirror_dir, SFR_2012, _replace_first_national_value(50, b"99990"))
    run = _run_settings(
        tmp_path, doctored, sources_manifest=_manifest_accepting(tmp_path, doctored, SFR_2012)
    )
    before = _published_files(output_with_last_good)
    with pytest.raises(ValidationFailed) as caught:
        pipeline.run(run, output_dir=output_with_last_good)
    assert caught.value.dataset == "placements_at_31_march"
    assert "99990" in str(caught.value)
    assert _published_files(output_with_last_good) == before
    # the failure reports are written beside the raw cache, not into the output folder
    assert (run.cache_dir.parent / "validation-failed" / "placements_at_31_march.json").is_file()


# ---------------------------------------------------------------------------------------------------
# Every manifest row of a family the pipeline reads is read by a dataset


def test_a_manifest_row_no_dataset_reads_is_named_and_rows_of_unused_families_are_not():
    sources = manifest.load_sources(settings.SOURCES_MANIFEST)
    families = manifest.load_families(manifest.families_path(settings.REFERENCE_DIR))
    read_families = {s.family for s in sources.values() if families[s.family].is_read}
    everything_read = {sid for sid, s in sources.items() if s.family in read_families}
    # rows of unused families (data guidance, placement stability...) need no reader
    assert len(everything_read) < len(sources)
    pipeline.check_everything_read(sources, families, everything_read)
    # one release of a read family left unread: the run stops, naming it, its family and release
    left_out = "dfe-cla-ees-2024-la-cla-on-31-march-la-of-placement-netgain"
    with pytest.raises(ManifestError) as caught:
        pipeline.check_everything_read(sources, families, everything_read - {left_out})
    message = str(caught.value)
    assert f"{left_out} (ees:la_cla_on_31_march_la_of_placement_netgain, release 2024)" in message
    assert "source_families.csv" in message


def test_a_read_family_no_dataset_reads_stops_the_run_and_nothing_is_written(
    tmp_path, mirror_dir, output_with_last_good
):
    # a table the project does not read, marked as read in the families table: its manifest rows would be
    # silently ignored, so the run stops after building and before anything is validated or written
    family = "ees:la_cla_placement_stability"
    reference = tmp_path / "reference"
    shutil.copytree(settings.REFERENCE_DIR, reference)
    table = reference / manifest.FAMILIES_FILE
    with table.open(newline="", encoding="utf-8") as handle:
        reader = csv.DictReader(handle)
        rows, columns = list(reader), reader.fieldnames
    for row in rows:
        if row["family"] == family:
            assert row["status"] == "unused"
            row["status"], row["unused_reason"] = "read", ""
    with table.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, columns, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    unread = sorted(
        s.source_id for s in manifest.load_sources(settings.SOURCES_MANIFEST).values() if s.family == family
    )
    assert unread
    before = _published_files(output_with_last_good)
    with pytest.raises(ManifestError) as caught:
        pipeline.run(
            _run_settings(tmp_path, mirror_dir, reference_dir=reference), output_dir=output_with_last_good
        )
    message = str(caught.value)
    assert message.startswith("manifest sources that no dataset reads: ")
    named = re.findall(r"([\w-]+) \(([^,]+), release \w+\)", message)
    assert sorted(source_id for source_id, _ in named) == unread
    assert {named_family for _, named_family in named} == {family}
    assert _published_files(output_with_last_good) == before


def test_a_release_listed_twice_in_the_manifest_is_named_by_its_lines_and_stops_the_run():
    sources = manifest.load_sources(settings.SOURCES_MANIFEST)
    pipeline.check_one_file_per_release(sources, settings.SOURCES_MANIFEST)  # the committed one: each once
    copied = "dfe-cla-sfr-2012-sfr20-cla2012"
    line = list(sources).index(copied) + 2  # the header is line 1
    again = {**sources, f"{copied}-again": replace(sources[copied], source_id=f"{copied}-again")}
    with pytest.raises(ManifestError) as caught:
        pipeline.check_one_file_per_release(again, Path("sources.csv"))
    message = str(caught.value)
    assert message.startswith("sources.csv: a release listed more than once: ")
    assert f"release 2012 of family sfr:cla_underlying_data on lines {line} ({copied}, " in message
    assert f"{len(sources) + 2} ({copied}-again, " in message
    assert "source_families.csv" in message


def test_a_geography_stop_names_the_file_of_the_rows_it_names(monkeypatch):
    ids = ["dfe-cla-sfr-2011-sfr21-cla", "dfe-cla-sfr-2012-sfr20-cla2012"]
    frame = pl.DataFrame({"geographic_level": ["Local authority"] * 2, "source_id": ids})

    def unknown_code(frame, geo):
        raise GeographyError(f"LA codes not known: ('E06000099', 'Newtown', {ids[1]!r})")

    monkeypatch.setattr(geography, "complete_geography", unknown_code)
    files = SourceFiles({i: MANIFEST[i] for i in ids}, {i: Path(MANIFEST[i].file_name) for i in ids})
    monkeypatch.setattr(SourceFiles, "geo_files", lambda self: None)
    dataset = Dataset(
        name="fixture",
        title="",
        description="",
        families=[],
        build=lambda sources: frame,
        key=[],
        columns={},
    )
    with pytest.raises(GeographyError) as caught:
        pipeline.build_all([dataset], files)
    assert str(caught.value).startswith(f"dataset 'fixture', file {ids[1]} ({MANIFEST[ids[1]].file_name}): ")
