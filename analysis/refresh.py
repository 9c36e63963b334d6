"""The scheduled refresh, as a command the workflow only has to call.

    python -m analysis.refresh --base-dir data --pr-body pr-body.md --issue-body issue-body.md

1. copy the committed data dir to a temporary snapshot;
2. run the pipeline into a staging dir (`python -m analysis.cli data --output-dir STAGING`): fetch, build,
   validate, publish there and nowhere else;
3. on failure: write the issue body (the failing expectations / errors as the pipeline reported them) and
   exit 1, leaving the data dir untouched;
4. on success: diff staging against the snapshot (analysis.datadiff), write the pull request body (data
   diff, validation summary, upstream files whose sha256 changed); if any published file changed, append
   rows to `changelog.csv` and only then copy the staged outputs into the data dir.

The data changelog (`data/changelog.csv`, one row per changed upstream file and per changed dataset per
refresh) is written here too, and `changelog_table()` renders it for the book (book/changelog.md).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from analysis import datadiff, settings
from analysis.changelog import (
    INITIAL_IMPORT_NOTE,
    append_changelog,
    changelog_rows,
    initial_import_row,
)

# What the pipeline publishes into an output dir, and so what a refresh copies into data/.
PUBLISHED_DIRS = ("tidy", "validation")
PUBLISHED_FILES = ("datapackage.json", "provenance.csv")

EXIT_OK = 0
EXIT_FAILED = 1


@dataclass(frozen=True)
class PipelineRun:
    """What running the pipeline into a staging dir gave: success, what it printed, and on a validation
    failure the reports of the datasets that failed ({dataset: report as in data/validation/})."""

    ok: bool
    returncode: int
    output: str
    failure_reports: dict[str, dict[str, Any]] = field(default_factory=dict)


Pipeline = Callable[[Path], PipelineRun]


@dataclass(frozen=True)
class RefreshResult:
    status: str  # "failed" | "unchanged" | "changed"
    diff: dict[str, Any] | None
    pr_body: str | None
    issue_body: str | None
    changelog_rows: list[dict[str, str]]

    @property
    def exit_code(self) -> int:
        return EXIT_FAILED if self.status == "failed" else EXIT_OK


# --------------------------------------------------------------------------------------------------
# Running the pipeline
# --------------------------------------------------------------------------------------------------


def validation_failure_dir(env: dict[str, str] | None = None) -> Path:
    """Where analysis.pipeline writes the reports of datasets that failed validation (it publishes
    nothing then): `<FFH_CACHE_DIR>/../validation-failed/`."""
    cache_dir = settings.Settings.from_env(env).cache_dir
    if not cache_dir.is_absolute():
        cache_dir = settings.PROJECT_ROOT / cache_dir
    return cache_dir.parent / "validation-failed"


def cli_pipeline(command: Sequence[str] | None = None, *, env: dict[str, str] | None = None) -> Pipeline:
    """A pipeline that runs `python -m analysis.cli data --output-dir STAGING` in a subprocess."""
    base = list(command) if command else [sys.executable, "-m", "analysis.cli", "data", "--accept-revisions"]

    def run(staging: Path) -> PipelineRun:
        failure_dir = validation_failure_dir(env)
        for stale in failure_dir.glob("*.json"):  # reports of an earlier run must not be taken for this one's
            stale.unlink()
        completed = subprocess.run(
            [*base, "--output-dir", str(staging)],
            cwd=settings.PROJECT_ROOT,
            env=env,
            capture_output=True,
            text=True,
            check=False,
        )
        output = "\n".join(part for part in (completed.stdout.strip(), completed.stderr.strip()) if part)
        ok = completed.returncode == 0
        reports = {} if ok else _read_reports(failure_dir)
        return PipelineRun(ok=ok, returncode=completed.returncode, output=output, failure_reports=reports)

    return run


def inprocess_pipeline(
    run_settings: settings.Settings | None = None, *, only: list[str] | None = None
) -> Pipeline:
    """A pipeline that calls analysis.pipeline.run(output_dir=STAGING) in this process (no subprocess).

    Errors the pipeline reports (FarFromHomeError: a failed fetch, parse or validation) become a failed
    run with the error as output, as `python -m analysis.cli data` prints it."""

    def run(staging: Path) -> PipelineRun:
        from analysis import pipeline
        from analysis.errors import FarFromHomeError

        resolved = run_settings or settings.Settings.from_env()
        failure_dir = resolved.cache_dir.parent / "validation-failed"
        for stale in failure_dir.glob("*.json"):
            stale.unlink()
        try:
            pipeline.run(resolved, output_dir=staging, only=only, accept_revisions=True)
        except FarFromHomeError as error:
            return PipelineRun(False, 1, f"error: {error}", _read_reports(failure_dir))
        return PipelineRun(True, 0, "")

    return run


# --------------------------------------------------------------------------------------------------
# Validation reports (data/validation/<dataset>.json)
# --------------------------------------------------------------------------------------------------


def _read_reports(directory: Path) -> dict[str, dict[str, Any]]:
    reports: dict[str, dict[str, Any]] = {}
    for path in sorted(directory.glob("*.json")):
        report = json.loads(path.read_text(encoding="utf-8"))
        reports[report.get("dataset", path.stem)] = report
    return reports


def read_validation(data_dir: Path) -> dict[str, dict[str, Any]]:
    """The published validation reports of a data dir (data/validation/<dataset>.json)."""
    return _read_reports(data_dir / "validation")


def _results(report: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    return [(view, r) for view, results in (report.get("views") or {}).items() for r in results]


def validation_summary(reports: dict[str, dict[str, Any]]) -> str:
    lines = ["## Validation", ""]
    if not reports:
        return "\n".join(lines + ["No validation report was written.", ""])
    lines += ["| dataset | expectations | passed | result |", "| --- | --- | --- | --- |"]
    for name, report in reports.items():
        results = _results(report)
        passed = sum(1 for _, r in results if r.get("success"))
        outcome = "passed" if report.get("success") else "FAILED"
        lines.append(f"| `{name}` | {len(results)} | {passed} | {outcome} |")
    failures = failing_expectations(reports)
    if failures:
        lines += ["", *failures]
    return "\n".join(lines) + "\n"


def failing_expectations(reports: dict[str, dict[str, Any]]) -> list[str]:
    lines: list[str] = []
    for name, report in reports.items():
        for view, r in _results(report):
            if not r.get("success"):
                observed = json.dumps(r.get("observed"), default=str)[:500]
                summary = f" {r['summary']}" if r.get("summary") else ""
                lines.append(
                    f"- `{name}` [{view}] `{r.get('expectation')}` {json.dumps(r.get('kwargs', {}), default=str)}:"
                    f"{summary} (observed {observed})"
                )
                for example in (r.get("examples") or [])[:5]:
                    lines.append(f"  - e.g. `{json.dumps(example, default=str)[:300]}`")
    return lines


# --------------------------------------------------------------------------------------------------
# Bodies
# --------------------------------------------------------------------------------------------------

MAX_OUTPUT_CHARS = 40_000


def issue_body(run: PipelineRun) -> str:
    output = run.output or "(the pipeline printed nothing)"
    if len(output) > MAX_OUTPUT_CHARS:
        output = "…\n" + output[-MAX_OUTPUT_CHARS:]
    lines = [
        "The scheduled data refresh failed, so nothing was published: the committed data is unchanged.",
        "",
        (
            f"The pipeline (fetch, build, validate, publish into a staging folder) failed with exit code "
            f"{run.returncode}. Its report (the failing dataset, expectation and examples, or the source, file "
            "and check that failed):"
            if run.returncode
            else "The pipeline ran, but its outputs could not be compared with the committed data:"
        ),
        "",
        "```text",
        output.replace("```", "`\u200b``"),
        "```",
        "",
    ]
    failures = failing_expectations(run.failure_reports)
    if failures:
        lines += ["Failing expectations:", "", *failures, ""]
    lines += [
        "To reproduce against the live sources: `make data FFH_SOURCE_MIRROR=`. If a publisher changed "
        "a file's layout, fix the reader in `analysis/sources/`; if the data is right and the expectation is "
        "wrong, change `expectations/<dataset>.json` in a pull request that says why.",
    ]
    return "\n".join(lines) + "\n"


def pr_body(diff: dict[str, Any], reports: dict[str, dict[str, Any]], *, max_revisions: int) -> str:
    intro = [
        "Data refresh (`python -m analysis.refresh`): every dataset validated, and this change carries the newly "
        "published files. Check the revisions below before merging: MPs and journalists quote these figures.",
        "",
        "",
    ]
    return (
        "\n".join(intro)
        + datadiff.render_markdown(diff, max_revisions=max_revisions)
        + "\n"
        + validation_summary(reports)
    )


# --------------------------------------------------------------------------------------------------
# The changelog
# --------------------------------------------------------------------------------------------------


# --------------------------------------------------------------------------------------------------
# The refresh
# --------------------------------------------------------------------------------------------------


def publish_staging(staging: Path, base_dir: Path) -> None:
    """Copy the staged outputs into the data dir (each directory replaced as a whole)."""
    for name in PUBLISHED_DIRS:
        source = staging / name
        if not source.is_dir():
            continue
        target = base_dir / name
        incoming = base_dir / f".{name}.incoming"
        shutil.rmtree(incoming, ignore_errors=True)
        shutil.copytree(source, incoming)
        shutil.rmtree(target, ignore_errors=True)
        incoming.rename(target)
    for name in PUBLISHED_FILES:
        source = staging / name
        if source.is_file():
            tmp = base_dir / f".{name}.incoming"
            shutil.copy2(source, tmp)
            os.replace(tmp, base_dir / name)


def refresh(
    base_dir: Path,
    *,
    pipeline: Pipeline | None = None,
    today: dt.date | None = None,
    changelog: Path | None = None,
    max_revisions: int = datadiff.DEFAULT_MAX_REVISIONS,
) -> RefreshResult:
    base_dir = Path(base_dir)
    pipeline = pipeline or cli_pipeline()
    today = today or dt.date.today()
    changelog = changelog or base_dir / "changelog.csv"
    with tempfile.TemporaryDirectory(prefix="ffh-refresh-") as tmp:
        snapshot = Path(tmp) / "snapshot"
        staging = Path(tmp) / "staging"
        shutil.copytree(base_dir, snapshot)
        staging.mkdir()
        # The pipeline keeps a source's retrieved_at unless its sha256 changed: give it the last record.
        if (base_dir / "provenance.csv").is_file():
            shutil.copy2(base_dir / "provenance.csv", staging / "provenance.csv")
        run = pipeline(staging)
        if not run.ok:
            return RefreshResult("failed", None, None, issue_body(run), [])
        try:
            diff = datadiff.diff_dirs(snapshot, staging)
        except datadiff.DataDiffError as exc:
            failed = PipelineRun(
                False, 0, f"the pipeline succeeded but its outputs cannot be compared: {exc}"
            )
            return RefreshResult("failed", None, None, issue_body(failed), [])
        revised = revised_sources(base_dir / "sources.csv", staging / "provenance.csv")
        body = revisions_text(revised) + pr_body(diff, read_validation(staging), max_revisions=max_revisions)
        if not diff["changed"] and not revised:
            return RefreshResult("unchanged", diff, body, None, [])
        rows = changelog_rows(diff, today)
        append_changelog(changelog, rows)
        publish_staging(staging, base_dir)
        if revised:
            update_manifest_checksums(base_dir / "sources.csv", revised)
        return RefreshResult("changed", diff, body, None, rows)


def revised_sources(manifest_path: Path, provenance_path: Path) -> list[dict[str, str]]:
    """Sources whose retrieved bytes differ from the manifest's sha256: a publisher's revised file (same name,
    new bytes), taken in by the refresh in every mode."""
    from analysis import fetch, manifest

    if not manifest_path.is_file() or not provenance_path.is_file():
        return []
    sources = manifest.load_sources(manifest_path)
    records = fetch.read_provenance_summary(provenance_path)
    revised = []
    for source_id, record in sorted(records.items()):
        source = sources.get(source_id)
        if (
            source
            and source.expected_sha256
            and record.get("sha256")
            and record["sha256"] != source.expected_sha256
        ):
            revised.append(
                {
                    "source_id": source_id,
                    "file_name": source.file_name,
                    "old_sha256": source.expected_sha256,
                    "new_sha256": record["sha256"],
                    "old_bytes": str(source.expected_bytes or ""),
                    "new_bytes": record.get("bytes", ""),
                }
            )
    return revised


def update_manifest_checksums(manifest_path: Path, revised: list[dict[str, str]]) -> None:
    """Write the revised files' new sha256 and size into the manifest (the same pull request as the data)."""
    from dataclasses import replace

    from analysis import manifest

    sources = manifest.load_sources(manifest_path)
    for item in revised:
        source = sources[item["source_id"]]
        sources[item["source_id"]] = replace(
            source,
            expected_sha256=item["new_sha256"],
            expected_bytes=int(item["new_bytes"]) if item["new_bytes"] else source.expected_bytes,
        )
    manifest.write_sources(manifest_path, list(sources.values()))


def revisions_text(revised: list[dict[str, str]]) -> str:
    if not revised:
        return ""
    lines = [
        "## Revised upstream files",
        "",
        "The publisher changed these files (same name, new bytes); their new size and sha256 are written into "
        "`data/sources.csv` by this pull request. The data diff below shows what the revisions changed.",
        "",
        "| source | file | old sha256 | new sha256 | bytes (old → new) |",
        "| --- | --- | --- | --- | --- |",
    ]
    lines += [
        f"| `{r['source_id']}` | {r['file_name']} | `{r['old_sha256']}` | `{r['new_sha256']}` | "
        f"{r['old_bytes']} → {r['new_bytes']} |"
        for r in revised
    ]
    return "\n".join(lines) + "\n\n"


def _write(path: Path | None, text: str | None) -> None:
    if path is not None and text is not None:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")


def main(argv: Sequence[str] | None = None, *, pipeline: Pipeline | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m analysis.refresh", description=__doc__.split("\n\n")[0])
    parser.add_argument("--base-dir", type=Path, default=settings.DATA_DIR, help="the committed data dir")
    parser.add_argument("--pr-body", type=Path, help="write the pull request body here (on success)")
    parser.add_argument("--issue-body", type=Path, help="write the issue body here (on failure)")
    parser.add_argument("--diff-json", type=Path, help="write the full data diff as JSON here")
    parser.add_argument("--github-output", type=Path, help="append status=… and changed=… (GitHub Actions)")
    parser.add_argument("--max-revisions", type=int, default=datadiff.DEFAULT_MAX_REVISIONS)
    parser.add_argument(
        "--init-changelog",
        action="store_true",
        help=f"only create changelog.csv with the initial import row ({INITIAL_IMPORT_NOTE!r}) if it is missing",
    )
    args = parser.parse_args(argv)

    if args.init_changelog:
        path = args.base_dir / "changelog.csv"
        if path.exists():
            print(f"{path} exists; left as it is")
        else:
            append_changelog(path, [initial_import_row(dt.date.today())])
            print(f"wrote {path}")
        return EXIT_OK

    result = refresh(args.base_dir, pipeline=pipeline, max_revisions=args.max_revisions)
    _write(args.pr_body, result.pr_body)
    _write(args.issue_body, result.issue_body)
    if args.diff_json and result.diff is not None:
        _write(args.diff_json, json.dumps(result.diff, indent=1, default=str))
    if args.github_output:
        with args.github_output.open("a", encoding="utf-8") as handle:
            handle.write(
                f"status={result.status}\nchanged={'true' if result.status == 'changed' else 'false'}\n"
            )
    if result.status == "failed":
        print("refresh failed: nothing was published", file=sys.stderr)
        print(result.issue_body, file=sys.stderr)
    elif result.status == "unchanged":
        print("refresh: no published file changed")
    else:
        summary = result.diff["summary"]
        print(
            f"refresh: {len(summary['datasets_changed'])} datasets changed, {summary['rows_added']} rows added, "
            f"{summary['values_revised']} values revised, {summary['source_files_changed']} source files changed; "
            f"{len(result.changelog_rows)} changelog rows appended"
        )
    return result.exit_code


if __name__ == "__main__":
    sys.exit(main())
