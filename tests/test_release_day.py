"""Release day, rehearsed on the real files: the data held needs no code change to take in a release.

An archive of the sources and a manifest are copied without the newest release of each family (DfE's 2024
Explore Education Statistics release and Ofsted's newest lists). The pipeline publishes from them; then the
newest files appear in the archive (the publisher releases), `release_watch --apply` writes their manifest
rows, and the pipeline runs again. What it publishes must equal the committed data, value for value.
"""

from __future__ import annotations

import csv
from pathlib import Path

import polars as pl
import pytest

from analysis import manifest, pipeline, release_watch, settings

pytestmark = pytest.mark.slow

COMMITTED = settings.DATA_DIR


def _newest(path: str) -> bool:
    """The files a later release brought: the 2024 EES release, Ofsted's 2024 lists and 2022-23 flows."""
    return path.startswith("dfe/children-looked-after/ees-2024/") or path.endswith(
        ("provider-level-2024-03-31.csv", "providers-places-2024-08-31.csv", "joiners-leavers-2022-23.csv")
    )


def _publish(archive: Path, source: Path, rows: list[dict[str, str]]) -> None:
    """Put `rows`' files in the archive (links to the real files) and write its index."""
    for row in rows:
        target = archive / row["path"]
        target.parent.mkdir(parents=True, exist_ok=True)
        if not target.exists():
            target.symlink_to((source / row["path"]).resolve())
    with (archive / "MANIFEST.csv").open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, list(rows[0]), lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)


def _tidy(directory: Path) -> dict[str, pl.DataFrame]:
    return {
        path.stem: pl.read_csv(path, infer_schema=False, encoding="utf8")
        for path in sorted((directory / "tidy").glob("*.csv"))
    }


@pytest.fixture(scope="module")
def rehearsal(tmp_path_factory, mirror_dir):
    work = tmp_path_factory.mktemp("release-day")
    rows = list(csv.DictReader((mirror_dir / "MANIFEST.csv").open(newline="", encoding="utf-8")))
    held = [r for r in rows if not _newest(r["path"])]
    assert len(held) < len(rows), "the archive has no newer release to rehearse with"
    archive = work / "archive"
    _publish(archive, mirror_dir, held)
    committed_sources = manifest.load_sources(settings.SOURCES_MANIFEST)
    before = [s for s in committed_sources.values() if not _newest(s.archive_path)]
    manifest.write_sources(work / "sources.csv", before)
    run = settings.Settings(
        cache_dir=work / "cache", mirror_dir=archive, sources_manifest=work / "sources.csv"
    )

    (work / "before").mkdir()
    pipeline.run(run, output_dir=work / "before")
    _publish(archive, mirror_dir, rows)
    report = release_watch.watch(run, apply=True)
    (work / "after").mkdir()
    pipeline.run(run, output_dir=work / "after")
    return {
        "work": work,
        "report": report,
        "removed": {s.source_id for s in committed_sources.values() if _newest(s.archive_path)},
        "committed_sources": committed_sources,
        "after_sources": manifest.load_sources(work / "sources.csv"),
    }


def test_the_data_held_before_the_release_validates_and_stops_at_the_earlier_year(rehearsal):
    before = _tidy(rehearsal["work"] / "before")
    placements = before["placements_at_31_march"]
    assert placements["time_period"].cast(pl.Int64).max() == 2023
    assert "2024-03-31" not in before["childrens_homes"]["snapshot_date"].to_list()


def test_release_watch_finds_exactly_the_new_release_and_describes_it_as_the_manifest_does(rehearsal):
    report = rehearsal["report"]
    assert report.errors == [] and report.unrecognised == []
    assert set(report.applied) == rehearsal["removed"]
    committed, after = rehearsal["committed_sources"], rehearsal["after_sources"]
    columns = [
        "family",
        "release",
        "release_title",
        "reference_period",
        "file_name",
        "archive_path",
        "expected_bytes",
        "expected_sha256",
        "publisher",
        "publication",
        "page_url",
        "licence",
        "locate",
    ]
    for source_id in rehearsal["removed"]:
        assert {c: getattr(after[source_id], c) for c in columns} == {
            c: getattr(committed[source_id], c) for c in columns
        }


def test_after_release_watch_the_published_data_equals_the_committed_data_value_for_value(rehearsal):
    after = _tidy(rehearsal["work"] / "after")
    committed = _tidy(COMMITTED)
    assert sorted(after) == sorted(committed)
    differing = [name for name in committed if not committed[name].equals(after[name])]
    assert differing == []


def test_a_second_watch_finds_nothing_new(rehearsal):
    work = rehearsal["work"]
    run = settings.Settings(
        cache_dir=work / "cache", mirror_dir=work / "archive", sources_manifest=work / "sources.csv"
    )
    again = release_watch.watch(run)
    assert again.new == [] and again.exit_code == release_watch.EXIT_NONE
