"""Orchestration: fetch -> build (tidy, then derived) -> complete geography -> validate -> publish.

Sources are chosen by what the manifest says they are: each dataset names the source families it reads, and
every manifest row of those families is fetched and handed to it (analysis.datasets.SourceFiles). A manifest
row of a family the pipeline reads that no dataset actually read stops the run (a release added to the
manifest would otherwise be silently ignored); families nobody reads are marked `unused`, with a reason, in
data/reference/source_families.csv, and are not fetched.

Nothing is written to the output folder unless every dataset built and validated. On a validation failure
the reports are written beside the raw cache (for the refresh job's issue body) and ValidationFailed is raised.
"""

from __future__ import annotations

import sys
import time
from dataclasses import dataclass
from pathlib import Path

import polars as pl

from analysis import geography
from analysis.csv_writer import formula_like_cells
from analysis.datasets import Dataset, SourceFiles, load_datasets
from analysis.errors import GeographyError, ValidationFailed
from analysis.fetch import FetchedFile, Fetcher, write_provenance_summary
from analysis.manifest import (
    FAMILIES_FILE,
    Family,
    ManifestError,
    Source,
    check_families,
    families_path,
    load_families,
    load_sources,
)
from analysis.publish import publish
from analysis.settings import PROVENANCE_FILE, Settings
from analysis.validate import ValidationReport, raise_for_failures, report_json, validate


@dataclass
class RunResult:
    frames: dict[str, pl.DataFrame]
    reports: dict[str, ValidationReport]
    written: list[Path]
    fetched: dict[str, FetchedFile]
    source_files: SourceFiles


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


def wanted_families(datasets: list[Dataset], families: dict[str, Family]) -> set[str]:
    """The families the selected datasets read (and the geography every run needs), all known and read."""
    wanted = set(geography.GEO_FAMILIES)
    for dataset in datasets:
        wanted.update(dataset.families)
    unknown = sorted(wanted - set(families))
    if unknown:
        raise ManifestError(
            f"datasets read families that are not in data/reference/{FAMILIES_FILE}: {unknown}"
        )
    unused = sorted(f for f in wanted if not families[f].is_read)
    if unused:
        raise ManifestError(
            f"families {unused} are read by a dataset but marked unused in data/reference/{FAMILIES_FILE}"
        )
    return wanted


def required_sources(sources: dict[str, Source], wanted: set[str]) -> list[Source]:
    return [s for s in sources.values() if s.family in wanted]


def check_one_file_per_release(sources: dict[str, Source], manifest: Path) -> None:
    """Each release of a family is one manifest row: a release listed twice (a row copied, or two files of one
    table in one release) would be read twice, and its values counted twice."""
    lines: dict[tuple[str, str], list[tuple[int, Source]]] = {}
    for line, source in enumerate(sources.values(), start=2):  # line 1 is the header
        lines.setdefault((source.family, source.release), []).append((line, source))
    repeated = {key: rows for key, rows in lines.items() if len(rows) > 1}
    if repeated:
        details = "; ".join(
            f"release {release} of family {family} on lines "
            + ", ".join(f"{line} ({s.source_id}, {s.archive_path})" for line, s in rows)
            for (family, release), rows in sorted(repeated.items())
        )
        raise ManifestError(
            f"{manifest}: a release listed more than once: {details}. Remove the row that repeats the release; "
            f"if the release really has two files of one table, each needs its own family in "
            f"data/reference/{FAMILIES_FILE}"
        )


def check_everything_read(sources: dict[str, Source], families: dict[str, Family], read: set[str]) -> None:
    """Every manifest row of a family the pipeline reads was read by some dataset."""
    unread = sorted(
        s.source_id for s in sources.values() if families[s.family].is_read and s.source_id not in read
    )
    if unread:
        details = ", ".join(
            f"{sid} ({sources[sid].family}, release {sources[sid].release})" for sid in unread
        )
        raise ManifestError(
            f"manifest sources that no dataset reads: {details}. A dataset must read each release of the "
            f"families it uses; if nothing should read this table, mark its family unused, with a reason, in "
            f"data/reference/{FAMILIES_FILE}"
        )


def build_all(datasets: list[Dataset], source_files: SourceFiles) -> dict[str, pl.DataFrame]:
    frames: dict[str, pl.DataFrame] = {}
    geo = source_files.geo_files()
    for dataset in build_order(datasets):
        started = time.perf_counter()
        frame = dataset.build(source_files, **{name: frames[name] for name in dataset.needs})
        if "geographic_level" in frame.columns:
            try:
                frame = geography.complete_geography(frame, geo)
            except GeographyError as error:
                read = (
                    [
                        sid
                        for sid in sorted(frame["source_id"].drop_nulls().unique().to_list())
                        if sid in source_files.ids()
                    ]
                    if "source_id" in frame.columns
                    else []
                )
                # the files of the rows the error names, else every file the dataset read
                named = [sid for sid in read if repr(sid) in str(error)] or read
                files = (
                    ", ".join(f"{sid} ({source_files.file_name(sid)})" for sid in named) or "no source column"
                )
                raise GeographyError(
                    f"dataset {dataset.name!r}, {'file' if len(named) == 1 else 'files'} {files}: {error}"
                ) from error
        frames[dataset.name] = frame
        _log(f"  built {dataset.name}: {frame.height:,} rows ({time.perf_counter() - started:.1f}s)")
    return frames


def validate_all(
    datasets: list[Dataset], frames: dict[str, pl.DataFrame], settings: Settings, source_files: SourceFiles
) -> dict[str, ValidationReport]:
    reports = {}
    for dataset in datasets:
        frame = frames[dataset.name]
        views = dataset.views(frame) if dataset.views else {}
        report = validate(
            dataset, frame, views, expectations_dir=settings.expectations_dir, source_files=source_files
        )
        reports[dataset.name] = report
        status = "ok" if report.success else f"FAILED ({len(report.failures)} expectations)"
        _log(f"  validated {dataset.name}: {len(report.outcomes)} expectations, {status}")
    return reports


def select_datasets(datasets: list[Dataset], only: list[str] | None) -> list[Dataset]:
    if not only:
        return datasets
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
    return [d for d in datasets if d.name in selected]


def run(
    settings: Settings,
    output_dir: Path | None = None,
    only: list[str] | None = None,
    fetcher: Fetcher | None = None,
    accept_revisions: bool = False,
) -> RunResult:
    output_dir = Path(output_dir or settings.data_dir)
    sources = load_sources(settings.sources_manifest)
    families = load_families(families_path(settings.reference_dir))
    check_families(sources, families, settings.sources_manifest)
    check_one_file_per_release(sources, settings.sources_manifest)
    datasets = select_datasets(load_datasets(), only)
    wanted = wanted_families(datasets, families)

    _log("fetch:")
    fetcher = fetcher or Fetcher(settings, accept_revisions=accept_revisions)
    fetched = fetcher.fetch_all(required_sources(sources, wanted))
    source_files = SourceFiles(
        sources, {sid: f.path for sid, f in fetched.items()}, reference_dir=settings.reference_dir
    )

    _log("build:")
    frames = build_all(datasets, source_files)
    if not only:
        check_everything_read(sources, families, source_files.read)

    _log("validate:")
    reports = validate_all(datasets, frames, settings, source_files)
    failed = [r for r in reports.values() if not r.success]
    if failed:
        failure_dir = settings.cache_dir.parent / "validation-failed"
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

    for name, frame in frames.items():
        for cell in formula_like_cells(frame):
            where = ", ".join(
                f"{k} {cell[k]}" for k in ("source_id", "urn", "file_row", "la_name") if cell.get(k)
            )
            _log(
                f"  neutralised text in {name}.{cell['column']}: {cell['value']!r} ({where}): published with a "
                "leading ' so no spreadsheet runs it; listed in the validation report"
            )

    _log("publish:")
    written = publish(frames, {d.name: d for d in datasets}, reports, sources, output_dir, settings)
    write_provenance_summary(
        [f.provenance for f in fetched.values()], output_dir / PROVENANCE_FILE.name, known_source_ids=sources
    )
    _log(f"  wrote {len(written)} files to {output_dir}")
    return RunResult(
        frames=frames, reports=reports, written=written, fetched=fetched, source_files=source_files
    )
