"""Publishers' errors recorded as data (analysis/corrections.py, data/reference/corrections.csv).

On the real files: the Hackney 2021 correction (a family-wide one) applies to the releases that repeat the 0
and leaves the release that publishes 'x' as published; the Ofsted list labelled 31 August 2024 is read as at
31 March 2024. On fixture files with a corrections table written here: a family-wide correction applies where
the error is repeated and leaves a fixed release alone, and a source-specific correction that no longer
matches stops the run with a message naming the table.
"""

from __future__ import annotations

import shutil
from dataclasses import replace
from datetime import date
from pathlib import Path

import polars as pl
import pytest
from mirror_sources import MANIFEST, path_of, source_files

from analysis import corrections, settings
from analysis.datasets import SourceFiles
from analysis.errors import ParseError
from analysis.sources import dfe_missing

HACKNEY = "E09000012"
LA_MISSING = "ees:la_children_missing_or_away_from_placement"
EES_LA = {
    release: f"dfe-cla-ees-{release}-la-children-who-were-missing-or-away-from-placement-without-authorisation"
    for release in ("2022", "2023", "2024")
}


def hackney_2021(frame: pl.DataFrame, measure: str) -> dict:
    rows = frame.filter(
        (pl.col("time_period") == 2021) & (pl.col("new_la_code") == HACKNEY) & (pl.col("measure") == measure)
    )
    assert rows.height == 1
    return rows.row(0, named=True)


# --------------------------------------------------------------------------------------------------------------
# The committed table on the real files
# --------------------------------------------------------------------------------------------------------------


def test_the_committed_table_is_well_formed():
    rows = corrections.load(settings.REFERENCE_DIR)
    assert {r.source for r in rows} >= {LA_MISSING, "ofsted-providers-places-2024-08-31"}
    for row in rows:
        assert row.source in MANIFEST or row.source in {s.family for s in MANIFEST.values()}, row.source


@pytest.mark.parametrize("release", ["2022", "2023", "2024"])
def test_hackney_2021_is_corrected_in_each_release_that_repeats_the_zero(mirror_dir, release):
    source_id = EES_LA[release]
    # what the release publishes for Hackney's 2021 children missing (the premise, read off the file)
    raw = path_of(mirror_dir, source_id).read_text(encoding="utf-8-sig").splitlines()
    cell = f",{HACKNEY},Children who had a missing incident during the year"
    [published] = [
        r.rsplit(",", 1)[1] for r in raw if r.startswith("2021,") and r.rsplit(",", 1)[0].endswith(cell)
    ]
    frame = dfe_missing.ees_la_missing(source_files(mirror_dir, {source_id: MANIFEST[source_id]}))
    row = hackney_2021(frame, "children_missing")
    assert row["value"] is None
    if release == "2022":
        # the 2022 release publishes x (not available): read as published, no correction
        assert published == "x" and row["value_note"] == "not available (x)"
    else:
        assert published == "0"
        assert row["value_note"].startswith(
            "corrected: published 0, no value here (Hackney could not provide"
        )
    # Hackney's denominator is not in the correction's record and is read as published
    assert hackney_2021(frame, "children_looked_after_during_year")["value"] is not None


def test_the_ofsted_list_labelled_31_august_2024_is_read_as_at_31_march_2024(mirror_dir):
    files = source_files(mirror_dir)
    source = files.get("ofsted-providers-places-2024-08-31").source
    assert MANIFEST[source.source_id].as_at == date(2024, 8, 31)  # as labelled
    assert source.as_at == date(2024, 3, 31)
    assert "corrected: published 2024-08-31, 2024-03-31 here" in source.note


# --------------------------------------------------------------------------------------------------------------
# A table written here, on fixture files
# --------------------------------------------------------------------------------------------------------------

HEADER = (
    "time_period,time_identifier,geographic_level,country_code,country_name,region_code,region_name,"
    "old_la_code,la_name,new_la_code,cla_group,number"
)


def la_line(year: int, code: str, name: str, label: str, value: str) -> str:
    return f"{year},Reporting year,Local authority,E92000001,England,E12000007,London,999,{name},{code},{label},{value}"


def release_file(tmp_path: Path, release: str, lines: list[str]):
    """(source, path) of one release of the EES LA missing family covering 2021 (a fixture)."""
    template = MANIFEST[EES_LA["2024"]]
    source = replace(
        template,
        source_id=f"fixture-{release}",
        release=release,
        release_title=f"fixture release {release}",
        reference_period="2021",
        archive_path=f"fixture/{release}/{template.file_name}",
        expected_bytes=None,
        expected_sha256="",
    )
    path = tmp_path / release / template.file_name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join([HEADER, *lines]) + "\n", encoding="utf-8")
    return source, path


def reference_with(tmp_path: Path, *rows: str) -> Path:
    """A copy of data/reference whose corrections.csv holds only `rows`."""
    reference = tmp_path / "reference"
    shutil.copytree(settings.REFERENCE_DIR, reference)
    (reference / "corrections.csv").write_text(
        ",".join(corrections.COLUMNS) + "\n" + "".join(r + "\n" for r in rows), encoding="utf-8"
    )
    return reference


MISSING = "Children who had a missing incident during the year"
CARED_FOR = "Children looked after during the year"


def releases(tmp_path: Path, published: dict[str, str]) -> list:
    """One fixture release per entry, each publishing `value` for council E09000033's 2021 children missing."""
    return [
        release_file(
            tmp_path,
            release,
            [
                la_line(2021, "E09000033", "Westminster", MISSING, value),
                la_line(2021, "E09000033", "Westminster", CARED_FOR, "300"),
                la_line(2021, "E09000032", "Wandsworth", MISSING, "0"),
            ],
        )
        for release, value in published.items()
    ]


def read(files: list, reference: Path) -> pl.DataFrame:
    sources = SourceFiles({s.source_id: s for s, _ in files}, {s.source_id: p for s, p in files}, reference)
    return dfe_missing.ees_la_missing(sources)


def westminster(frame: pl.DataFrame, release: str, measure: str = "children_missing") -> dict:
    rows = frame.filter(
        (pl.col("source_id") == f"fixture-{release}")
        & (pl.col("new_la_code") == "E09000033")
        & (pl.col("measure") == measure)
    )
    assert rows.height == 1
    return rows.row(0, named=True)


FAMILY_ROW = (
    f"{LA_MISSING},time_period=2021;new_la_code=E09000033;measure=children_missing,number,0,,"
    "fixture: the council sent no return,fixture evidence"
)


def test_a_family_correction_applies_where_the_error_is_repeated_and_leaves_a_fixed_release_alone(tmp_path):
    frame = read(
        releases(tmp_path, {"2022": "0", "2023": "0", "2024": "41"}), reference_with(tmp_path, FAMILY_ROW)
    )
    for release in ("2022", "2023"):
        row = westminster(frame, release)
        assert row["value"] is None
        assert (
            row["value_note"] == "corrected: published 0, no value here (fixture: the council sent no return)"
        )
    fixed = westminster(frame, "2024")  # the publisher fixed it: read as published, no note
    assert (fixed["value"], fixed["value_note"]) == (41, None)
    # the record is only what the row names: the council's other measure and another council's 0 are kept
    assert westminster(frame, "2022", "children_looked_after_during_year")["value"] == 300
    others = frame.filter(pl.col("new_la_code") == "E09000032")
    assert others["value"].to_list() == [0, 0, 0] and others["value_note"].null_count() == 3


def test_a_correction_with_a_value_replaces_the_published_one(tmp_path):
    row = (
        f"{LA_MISSING},time_period=2021;new_la_code=E09000033;measure=children_missing,number,0,12,"
        "fixture: a typing error,fixture evidence"
    )
    frame = read(releases(tmp_path, {"2023": "0"}), reference_with(tmp_path, row))
    corrected = westminster(frame, "2023")
    assert corrected["value"] == 12
    assert corrected["value_note"] == "corrected: published 0, 12 here (fixture: a typing error)"


def test_a_source_correction_that_no_longer_matches_stops_the_run(tmp_path):
    row = (
        "fixture-2024,time_period=2021;new_la_code=E09000033;measure=children_missing,number,0,,"
        "fixture: the council sent no return,fixture evidence"
    )
    reference = reference_with(tmp_path, row)
    # while the file says 0, the correction applies
    assert westminster(read(releases(tmp_path, {"2024": "0"}), reference), "2024")["value"] is None
    # the publisher republished the file with a figure: the run stops and asks for a review
    with pytest.raises(ParseError) as caught:
        read(releases(tmp_path, {"2024": "41"}), reference)
    error = caught.value
    assert (error.source_id, error.check) == ("fixture-2024", "correction still matches the file")
    assert "data/reference/corrections.csv" in error.detail and "review the correction" in error.detail
    assert "'41'" in error.detail
    # a source correction only concerns its source: another release of the family is read as published
    other = read(releases(tmp_path, {"2023": "41"}), reference)
    assert westminster(other, "2023")["value"] == 41


def test_a_correction_naming_a_column_the_file_lacks_stops_the_run(tmp_path):
    row = f"{LA_MISSING},time_period=2021;la_code=E09000033,number,0,,fixture,fixture evidence"
    with pytest.raises(ParseError, match=r"no column\(s\) \['la_code'\]"):
        read(releases(tmp_path, {"2023": "0"}), reference_with(tmp_path, row))


def test_a_whole_file_correction_that_no_longer_matches_the_manifest_stops_the_run(tmp_path, mirror_dir):
    source_id = "ofsted-providers-places-2024-08-31"
    row = f"{source_id},*,reference_period,2024-08-31,2024-03-31,fixture reason,fixture evidence"
    reference = reference_with(tmp_path, row)
    path = path_of(mirror_dir, source_id)
    assert SourceFiles({source_id: MANIFEST[source_id]}, {source_id: path}, reference).get(
        source_id
    ).source.as_at == (date(2024, 3, 31))
    relabelled = replace(MANIFEST[source_id], reference_period="2024-03-31")  # the manifest was fixed
    with pytest.raises(ParseError) as caught:
        SourceFiles({source_id: relabelled}, {source_id: path}, reference)
    assert caught.value.check == "correction still matches the file"
    assert "the manifest now says '2024-03-31'" in caught.value.detail


def test_every_correction_needs_a_reason_and_evidence(tmp_path):
    reference = reference_with(tmp_path, f"{LA_MISSING},time_period=2021,number,0,,,")
    with pytest.raises(ValueError, match="needs a reason and evidence"):
        corrections.load(reference)
