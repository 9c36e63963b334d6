"""analysis.refresh: the scheduled refresh's logic (snapshot, staged pipeline run, diff, changelog, publish).

Most tests inject the pipeline (a function writing outputs into the staging dir, as analysis.pipeline.run
does); `cli_pipeline` is tested by running a real subprocess; the end-to-end test runs the real pipeline
(fetch from a temporary mirror with one value changed, build, validate with Great Expectations, publish).
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import json
import shutil
import sys
import textwrap
from pathlib import Path

import pytest

from analysis import changelog, refresh, site
from analysis.changelog import CHANGELOG_COLUMNS
from analysis.manifest import MANIFEST_COLUMNS
from analysis.refresh import PipelineRun

TODAY = dt.date(2026, 11, 30)
HEADER = "time_period,geographic_level,new_la_code,measure,value,value_note,source_id\n"
OLD_CSV = HEADER + "2024,Local authority,E06000001,children_looked_after,120,,dfe-2024\n"
NEW_CSV = HEADER + (
    "2024,Local authority,E06000001,children_looked_after,125,,dfe-2024\n"
    "2024,Local authority,E06000002,children_looked_after,40,,dfe-2024\n"
)
PACKAGE = json.dumps(
    {
        "resources": [
            {
                "name": "placements",
                "path": "tidy/placements.csv",
                "schema": {"primaryKey": ["time_period", "geographic_level", "new_la_code", "measure"]},
            }
        ]
    }
)
PROVENANCE_HEADER = "source_id,file_name,url,bytes,sha256,etag,last_modified,retrieved_at\n"
OLD_PROVENANCE = (
    PROVENANCE_HEADER + f"dfe-2024,la.csv,https://example.org/la.csv,10,{'a' * 64},,,2026-11-01\n"
)
NEW_PROVENANCE = (
    PROVENANCE_HEADER + f"dfe-2024,la.csv,https://example.org/la.csv,12,{'b' * 64},,,2026-11-30\n"
)


def report(success: bool = True) -> dict:
    outcome = {
        "expectation": "expect_column_values_to_be_between",
        "kwargs": {"column": "value", "min_value": 0},
        "success": success,
        "observed": {"unexpected_count": 0 if success else 1},
    }
    if not success:
        outcome |= {"summary": "1 value below 0", "examples": [{"new_la_code": "E06000001", "value": -5}]}
    return {
        "dataset": "placements",
        "success": success,
        "views": {
            "tidy": [outcome, {"expectation": "expect_column_to_exist", "kwargs": {}, "success": True}]
        },
    }


def write_outputs(directory: Path, csv_text: str, provenance: str) -> None:
    (directory / "tidy").mkdir(parents=True, exist_ok=True)
    (directory / "validation").mkdir(parents=True, exist_ok=True)
    (directory / "tidy" / "placements.csv").write_text(csv_text)
    (directory / "tidy" / "placements.meta.json").write_text('{"name": "placements"}')
    (directory / "validation" / "placements.json").write_text(json.dumps(report()))
    (directory / "datapackage.json").write_text(PACKAGE)
    (directory / "provenance.csv").write_text(provenance)


@pytest.fixture
def data_dir(tmp_path) -> Path:
    data = tmp_path / "data"
    write_outputs(data, OLD_CSV, OLD_PROVENANCE)
    # an input: a refresh leaves it alone unless a file's sha256 differs from the one recorded (none is here)
    columns = ",".join(MANIFEST_COLUMNS)
    row = {c: "" for c in MANIFEST_COLUMNS} | {
        "source_id": "dfe-2024",
        "family": "ees:la",
        "release": "2024",
        "release_title": "reporting year 2024",
        "publisher": "Department for Education",
        "publication": "Children looked after in England including adoptions",
        "file_name": "la.csv",
        "archive_path": "dfe/la.csv",
    }
    (data / "sources.csv").write_text(columns + "\n" + ",".join(row.values()) + "\n")
    changelog.append_changelog(data / "changelog.csv", [changelog.initial_import_row(dt.date(2026, 11, 23))])
    return data


def snapshot(directory: Path) -> dict[str, bytes]:
    return {
        p.relative_to(directory).as_posix(): p.read_bytes()
        for p in sorted(directory.rglob("*"))
        if p.is_file()
    }


def pipeline_writing(csv_text: str, provenance: str, seen: list | None = None):
    def run(staging: Path) -> PipelineRun:
        if seen is not None:
            seen.append((staging / "provenance.csv").read_text())
        write_outputs(staging, csv_text, provenance)
        return PipelineRun(ok=True, returncode=0, output="wrote 5 files")

    return run


def test_changed_outputs_are_published_after_the_changelog(data_dir):
    before = snapshot(data_dir)
    seen: list[str] = []
    result = refresh.refresh(data_dir, pipeline=pipeline_writing(NEW_CSV, NEW_PROVENANCE, seen), today=TODAY)

    assert result.status == "changed" and result.exit_code == 0
    # the pipeline was given the committed provenance (it keeps retrieved_at while a sha256 is unchanged)
    assert seen == [OLD_PROVENANCE]
    after = snapshot(data_dir)
    assert after["tidy/placements.csv"] == NEW_CSV.encode()
    assert after["provenance.csv"] == NEW_PROVENANCE.encode()
    assert after["sources.csv"] == before["sources.csv"]
    assert not [p for p in data_dir.iterdir() if p.name.endswith(".incoming")]

    rows = changelog.read_changelog(data_dir / "changelog.csv")
    assert [r["change"] for r in rows] == ["initial_import", "source_changed", "dataset_changed"]
    source_row, dataset_row = rows[1], rows[2]
    assert source_row["date"] == "2026-11-30"
    assert (source_row["source_id"], source_row["file_name"]) == ("dfe-2024", "la.csv")
    assert (source_row["old_sha256"], source_row["new_sha256"]) == ("a" * 64, "b" * 64)
    assert dataset_row["dataset"] == "placements"
    assert (dataset_row["rows_added"], dataset_row["rows_removed"], dataset_row["values_revised"]) == (
        "1",
        "0",
        "1",
    )
    assert dataset_row["new_la_codes"] == "E06000002"
    assert dataset_row["revisions"] == (
        "time_period=2024, geographic_level=Local authority, new_la_code=E06000001, "
        "measure=children_looked_after: value 120 -> 125"
    )
    assert result.changelog_rows == rows[1:]

    body = result.pr_body
    assert "| value | `120` | `125` |" in body
    assert "| `placements` | 2 | 2 | passed |" in body
    assert "| dfe-2024 | la.csv | changed | `aaaaaaaaaaaa` | `bbbbbbbbbbbb` | 10 → 12 |" in body


def test_unchanged_outputs_change_nothing(data_dir):
    before = snapshot(data_dir)
    result = refresh.refresh(data_dir, pipeline=pipeline_writing(OLD_CSV, OLD_PROVENANCE), today=TODAY)
    assert result.status == "unchanged" and result.exit_code == 0
    assert result.changelog_rows == []
    assert snapshot(data_dir) == before
    assert "No published file changed." in result.pr_body


def test_failure_writes_the_issue_body_and_leaves_data_untouched(data_dir):
    before = snapshot(data_dir)

    def failing(staging: Path) -> PipelineRun:
        (staging / "tidy").mkdir()
        (staging / "tidy" / "placements.csv").write_text("half written")  # must never reach data/
        return PipelineRun(
            ok=False,
            returncode=1,
            output="error: dataset 'placements': 1 expectation(s) failed",
            failure_reports={"placements": report(success=False)},
        )

    result = refresh.refresh(data_dir, pipeline=failing, today=TODAY)
    assert result.status == "failed" and result.exit_code == 1
    assert snapshot(data_dir) == before
    body = result.issue_body
    assert "error: dataset 'placements': 1 expectation(s) failed" in body
    assert "failed with exit code 1" in body
    assert (
        '- `placements` [tidy] `expect_column_values_to_be_between` {"column": "value", "min_value": 0}: '
        "1 value below 0" in body
    )
    assert '  - e.g. `{"new_la_code": "E06000001", "value": -5}`' in body


def test_outputs_that_cannot_be_compared_fail_the_refresh(data_dir):
    before = snapshot(data_dir)
    duplicated = OLD_CSV + OLD_CSV.splitlines(keepends=True)[1]
    result = refresh.refresh(data_dir, pipeline=pipeline_writing(duplicated, OLD_PROVENANCE), today=TODAY)
    assert result.status == "failed"
    assert "share a primary key" in result.issue_body
    assert "outputs could not be compared with the committed data" in result.issue_body
    assert snapshot(data_dir) == before


def test_main_writes_bodies_and_github_output(data_dir, tmp_path):
    output = tmp_path / "github_output"
    args = [
        "--base-dir",
        str(data_dir),
        "--pr-body",
        str(tmp_path / "pr.md"),
        "--issue-body",
        str(tmp_path / "issue.md"),
    ]
    args += ["--github-output", str(output), "--diff-json", str(tmp_path / "diff.json")]
    code = refresh.main(args, pipeline=pipeline_writing(NEW_CSV, NEW_PROVENANCE))
    assert code == 0
    assert output.read_text() == "status=changed\nchanged=true\n"
    assert "## Data diff" in (tmp_path / "pr.md").read_text()
    assert not (tmp_path / "issue.md").exists()
    assert json.loads((tmp_path / "diff.json").read_text())["summary"]["values_revised"] == 1

    output.unlink()

    def failing(staging: Path) -> PipelineRun:
        return PipelineRun(
            False, 1, "error: source 'dfe-2024', file 'la.csv': check 'HTTP status' failed: HTTP 404"
        )

    assert refresh.main(args, pipeline=failing) == 1
    assert output.read_text() == "status=failed\nchanged=false\n"
    assert "check 'HTTP status' failed" in (tmp_path / "issue.md").read_text()


FAKE_CLI = textwrap.dedent(
    """
    import json, os, sys
    from pathlib import Path
    out = Path(sys.argv[sys.argv.index("--output-dir") + 1])
    if os.environ["FAKE_MODE"] == "ok":
        (out / "tidy").mkdir()
        (out / "tidy" / "placements.csv").write_text("time_period\\n2024\\n")
        print("wrote 1 file")
        sys.exit(0)
    failed = Path(os.environ["FFH_CACHE_DIR"]).parent / "validation-failed"
    failed.mkdir(parents=True, exist_ok=True)
    (failed / "placements.json").write_text(json.dumps({"dataset": "placements", "success": False, "views": {}}))
    print("error: dataset 'placements': 1 expectation(s) failed", file=sys.stderr)
    sys.exit(1)
    """
)


def test_cli_pipeline_runs_the_command_with_the_staging_dir(tmp_path):
    cache = tmp_path / "cache" / "raw"
    failed_dir = tmp_path / "cache" / "validation-failed"
    failed_dir.mkdir(parents=True)
    (failed_dir / "stale.json").write_text(json.dumps({"dataset": "stale", "success": False, "views": {}}))
    env = {"PATH": "/usr/bin:/bin", "FFH_CACHE_DIR": str(cache)}

    staging = tmp_path / "staging"
    staging.mkdir()
    ok = refresh.cli_pipeline([sys.executable, "-c", FAKE_CLI], env=env | {"FAKE_MODE": "ok"})(staging)
    assert ok == PipelineRun(ok=True, returncode=0, output="wrote 1 file")
    assert (staging / "tidy" / "placements.csv").read_text() == "time_period\n2024\n"

    failed = refresh.cli_pipeline([sys.executable, "-c", FAKE_CLI], env=env | {"FAKE_MODE": "fail"})(staging)
    assert (failed.ok, failed.returncode) == (False, 1)
    assert failed.output == "error: dataset 'placements': 1 expectation(s) failed"
    assert list(failed.failure_reports) == ["placements"]  # the stale report of an earlier run was cleared


def test_changelog_refuses_a_file_with_other_columns(tmp_path):
    path = tmp_path / "changelog.csv"
    path.write_text("date,what\n2026-01-01,x\n")
    with pytest.raises(ValueError, match="columns"):
        changelog.append_changelog(path, [changelog.initial_import_row(TODAY)])


def test_changelog_table_newest_first(tmp_path):
    path = tmp_path / "changelog.csv"
    changelog.append_changelog(path, [changelog.initial_import_row(dt.date(2026, 11, 23))])
    later = {c: "" for c in CHANGELOG_COLUMNS} | {
        "date": "2026-11-30",
        "change": "dataset_changed",
        "dataset": "placements",
        "rows_added": "1",
        "rows_removed": "0",
        "values_revised": "1",
        "revisions": "new_la_code=E06000001: value 120 -> 125; new_la_code=E06000002: value <5 -> 6",
    }
    changelog.append_changelog(path, [later])
    html = str(site.changelog_block(path))
    assert html.index("2026-11-30") < html.index("2026-11-23")
    assert "<li>new_la_code=E06000002: value &lt;5 -&gt; 6</li>" in html
    assert "dataset revised" in html and "initial import" in html
    assert "<caption>" in html and '<th scope="col">Date</th>' in html


def test_committed_changelog_starts_with_the_initial_import():
    path = Path(changelog.CHANGELOG_FILE)
    with path.open(newline="", encoding="utf-8") as handle:
        reader = csv.DictReader(handle)
        assert reader.fieldnames == CHANGELOG_COLUMNS
        first = next(reader)
    assert (first["date"], first["change"], first["note"]) == (
        "2026-11-23",
        "initial_import",
        "initial import of the published files",
    )
    for row in changelog.read_changelog(path):
        assert row["change"] in changelog.CHANGE_KINDS
        dt.date.fromisoformat(row["date"])


# --- end to end: the real pipeline on a temporary mirror in which one published value changed ------------

E2E_DATASET = "missing_over_24_hours"
E2E_SOURCE = "dfe-cla-sfr-2014-sfr36-cla2014"
E2E_COLUMN = "CLA_Miss"


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def rewrite_cell(path: Path, code: str, column: str, value: str) -> str:
    """Set `column` of the row whose first field is `code`, touching no other line. Returns the old value."""
    raw = path.read_bytes()
    newline = b"\r\n" if b"\r\n" in raw else b"\n"
    lines = raw.split(newline)
    header = next(csv.reader([lines[0].decode("latin-1")]))
    index = header.index(column)
    [at] = [i for i, line in enumerate(lines[1:], 1) if line.startswith(code.encode() + b",")]
    fields = next(csv.reader([lines[at].decode("latin-1")]))
    old = fields[index]
    fields[index] = value
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="").writerow(fields)
    lines[at] = buffer.getvalue().encode("latin-1")
    path.write_bytes(newline.join(lines))
    return old


@pytest.fixture
def e2e(tmp_path, mirror_dir):
    """A temporary archive (the files of the families one dataset and the geography read), a copy of
    data/sources.csv the test may update, and the real pipeline, in process, publishing only that dataset."""
    from analysis import geography
    from analysis.datasets import missing_over_24_hours
    from analysis.manifest import load_sources
    from analysis.settings import SOURCES_MANIFEST, Settings

    sources = load_sources()
    mirror = tmp_path / "mirror"
    families = set(geography.GEO_FAMILIES) | set(missing_over_24_hours.DATASET.families)
    for source in sources.values():
        if source.family in families:
            target = mirror / source.archive_path
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(mirror_dir / source.archive_path, target)
    manifest = tmp_path / "sources.csv"
    shutil.copy2(SOURCES_MANIFEST, manifest)
    run_settings = Settings(
        cache_dir=tmp_path / "cache" / "raw",
        mirror_dir=mirror,
        base_url=None,
        offline=False,
        sources_manifest=manifest,
    )
    data = tmp_path / "data"
    data.mkdir()
    changelog.append_changelog(data / "changelog.csv", [changelog.initial_import_row(dt.date(2026, 11, 23))])
    return {
        "data": data,
        "file": mirror / sources[E2E_SOURCE].archive_path,
        "manifest": manifest,
        "pipeline": refresh.inprocess_pipeline(run_settings, only=[E2E_DATASET]),
    }


def set_manifest_checksum(manifest: Path, source_id: str, path: Path) -> None:
    """The tmp manifest describes the changed file (the fetch layer checks mirror files against it)."""
    with manifest.open(newline="", encoding="utf-8") as handle:
        reader = csv.DictReader(handle)
        fields, rows = reader.fieldnames, list(reader)
    for row in rows:
        if row["source_id"] == source_id:
            row["expected_bytes"], row["expected_sha256"] = str(path.stat().st_size), sha256(path)
    with manifest.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=fields, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)


@pytest.mark.slow
def test_end_to_end_a_changed_upstream_value_is_diffed_recorded_and_published(e2e):
    import polars as pl

    data, changed_file = e2e["data"], e2e["file"]
    first = refresh.refresh(data, pipeline=e2e["pipeline"], today=dt.date(2026, 11, 23))
    assert first.status == "changed", first.issue_body
    published = pl.read_csv(data / "tidy" / f"{E2E_DATASET}.csv", infer_schema=False)
    la_2014 = published.filter(
        (pl.col("time_period") == "2014") & (pl.col("geographic_level") == "Local authority")
    ).filter(pl.col("value").cast(pl.Int64, strict=False) >= 6)
    code = la_2014.sort("new_la_code").row(0, named=True)["new_la_code"]
    old_sha = sha256(changed_file)

    old = rewrite_cell(changed_file, code, E2E_COLUMN, "")  # placeholder, to read the value first
    new = str(int(old) + 1)
    rewrite_cell(changed_file, code, E2E_COLUMN, new)
    set_manifest_checksum(e2e["manifest"], E2E_SOURCE, changed_file)
    new_sha = sha256(changed_file)

    second = refresh.refresh(data, pipeline=e2e["pipeline"], today=dt.date(2026, 11, 30))
    assert second.status == "changed", second.issue_body
    rows = [r for r in changelog.read_changelog(data / "changelog.csv") if r["date"] == "2026-11-30"]
    assert [(r["change"], r["source_id"] or r["dataset"]) for r in rows] == [
        ("source_changed", E2E_SOURCE),
        ("dataset_changed", E2E_DATASET),
    ]
    assert (rows[0]["old_sha256"], rows[0]["new_sha256"]) == (old_sha, new_sha)
    assert (rows[1]["values_revised"], rows[1]["rows_added"], rows[1]["rows_removed"]) == ("1", "0", "0")
    assert f"new_la_code={code}" in rows[1]["revisions"] and f"value {old} -> {new}" in rows[1]["revisions"]
    assert f"| value | `{old}` | `{new}` |" in second.pr_body
    published = pl.read_csv(data / "tidy" / f"{E2E_DATASET}.csv", infer_schema=False)
    [value] = published.filter(
        (pl.col("time_period") == "2014")
        & (pl.col("new_la_code") == code)
        & (pl.col("geographic_level") == "Local authority")
    )["value"].to_list()
    assert value == new
    provenance = {r["source_id"]: r for r in csv.DictReader((data / "provenance.csv").open(encoding="utf-8"))}
    assert provenance[E2E_SOURCE]["sha256"] == new_sha

    # nothing changed upstream: the re-run publishes byte-identical files and records nothing
    before = snapshot(data)
    third = refresh.refresh(data, pipeline=e2e["pipeline"], today=dt.date(2026, 12, 7))
    assert third.status == "unchanged"
    assert snapshot(data) == before

    # a value that breaks an expectation: the refresh fails, names it, and publishes nothing
    rewrite_cell(changed_file, code, E2E_COLUMN, "5000")
    set_manifest_checksum(e2e["manifest"], E2E_SOURCE, changed_file)
    fourth = refresh.refresh(data, pipeline=e2e["pipeline"], today=dt.date(2026, 12, 14))
    assert fourth.status == "failed"
    assert f"dataset '{E2E_DATASET}'" in fourth.issue_body
    assert f"- `{E2E_DATASET}` [la_sum_vs_national]" in fourth.issue_body
    assert snapshot(data) == before
