"""Orchestration: fetch -> build (tidy) -> complete geography -> validate -> publish.

Nothing is written to the output folder unless every dataset built and validated. On a validation failure
the reports are written to the cache (for the refresh job's issue body) and ValidationFailed is raised.
"""

from __future__ import annotations

import sys
import time
from dataclasses import dataclass
from pathlib import Path

import polars as pl

from analysis import geography, settings
from analysis.datasets import Dataset, SourceFiles, load_datasets
from analysis.errors import ValidationFailed
from analysis.fetch import FetchedFile, Fetcher, write_provenance_summary
from analysis.manifest import Source, load_sources
from analysis.publish import publish
from analysis.validate import ValidationReport, raise_for_failures, report_json, validate


@dataclass
class RunResult:
    frames: dict[str, pl.DataFrame]
    reports: dict[str, ValidationReport]
    written: list[Path]
    fetched: dict[str, FetchedFile]


def _log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def build_order(datasets: list[Dataset]) -> list[Dataset]:
    """Datasets sorted so each comes after the ones it `needs`."""
    by_name = {d.name: d for d in datasets}
    ordered: list[Dataset] = []
    visiting: set[str] = set()

    def visit(dataset: Dataset) -> None:
        if dataset in ordered:
            return
        if dataset.name in visiting:
            raise ValueError(f"datasets need each other in a cycle at {dataset.name!r}")
        visiting.add(dataset.name)
        for needed in dataset.needs:
            if needed not in by_name:
                raise ValueError(f"dataset {dataset.name!r} needs {needed!r}, which is not registered")
            visit(by_name[needed])
        visiting.discard(dataset.name)
        ordered.append(dataset)

    for dataset in datasets:
        visit(dataset)
    return ordered


def required_sources(datasets: list[Dataset], sources: dict[str, Source]) -> list[Source]:
    wanted = set(geography.SOURCE_IDS)
    for dataset in datasets:
        wanted.update(dataset.sources)
    unknown = sorted(wanted - set(sources))
    if unknown:
        raise ValueError(f"datasets name sources missing from data/sources.csv: {unknown}")
    return [sources[s] for s in sorted(wanted)]


def build_all(datasets: list[Dataset], source_files: SourceFiles) -> dict[str, pl.DataFrame]:
    frames: dict[str, pl.DataFrame] = {}
    for dataset in build_order(datasets):
        started = time.perf_counter()
        frame = dataset.build(source_files, **{name: frames[name] for name in dataset.needs})
        if "geographic_level" in frame.columns:
            frame = geography.complete_geography(frame)
        frames[dataset.name] = frame
        _log(f"  built {dataset.name}: {frame.height:,} rows ({time.perf_counter() - started:.1f}s)")
    return frames


def validate_all(datasets: list[Dataset], frames: dict[str, pl.DataFrame]) -> dict[str, ValidationReport]:
    reports = {}
    for dataset in datasets:
        frame = frames[dataset.name]
        views = dataset.views(frame) if dataset.views else {}
        report = validate(dataset.name, frame, views, key=dataset.key)
        reports[dataset.name] = report
        status = "ok" if report.success else f"FAILED ({len(report.failures)} expectations)"
        _log(f"  validated {dataset.name}: {len(report.outcomes)} expectations, {status}")
    return reports


def run(
    output_dir: Path = settings.DATA_DIR,
    run_settings: settings.Settings | None = None,
    only: list[str] | None = None,
    fetcher: Fetcher | None = None,
) -> RunResult:
    run_settings = run_settings or settings.Settings.from_env()
    sources = load_sources()
    datasets = load_datasets()
    if only:
        unknown = sorted(set(only) - {d.name for d in datasets})
        if unknown:
            raise ValueError(f"unknown dataset(s): {unknown}")
        # keep what the selected datasets need, so their inputs can be built
        selected = {d.name for d in datasets if d.name in only}
        by_name = {d.name: d for d in datasets}
        stack = list(selected)
        while stack:
            for needed in by_name[stack.pop()].needs:
                if needed not in selected:
                    selected.add(needed)
                    stack.append(needed)
        datasets = [d for d in datasets if d.name in selected]

    _log("fetch:")
    fetcher = fetcher or Fetcher(run_settings)
    fetched = fetcher.fetch_all(required_sources(datasets, sources))
    source_files = SourceFiles(
        {sid: f.path for sid, f in fetched.items()}, {sid: sources[sid].release for sid in fetched}
    )
    geography.use_source_files(source_files)

    _log("build:")
    frames = build_all(datasets, source_files)

    _log("validate:")
    reports = validate_all(datasets, frames)
    failed = [r for r in reports.values() if not r.success]
    if failed:
        failure_dir = run_settings.cache_dir.parent / "validation-failed"
        failure_dir.mkdir(parents=True, exist_ok=True)
        for report in failed:
            (failure_dir / f"{report.dataset}.json").write_text(report_json(report), encoding="utf-8")
        _log(f"validation failed: nothing was written to {output_dir}; reports in {failure_dir}")
        for report in failed:
            try:
                raise_for_failures(report)
            except ValidationFailed as error:
                _log(str(error))
        raise_for_failures(failed[0])

    _log("publish:")
    written = publish(frames, {d.name: d for d in datasets}, reports, sources, output_dir)
    write_provenance_summary(
        [f.provenance for f in fetched.values()], output_dir / settings.PROVENANCE_FILE.name
    )
    _log(f"  wrote {len(written)} files to {output_dir}")
    return RunResult(frames=frames, reports=reports, written=written, fetched=fetched)
