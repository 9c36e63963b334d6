"""The registry of tidy datasets.

A dataset module defines a `DATASET = Dataset(...)` (or `DATASETS = [...]`); the pipeline builds each,
validates it with `expectations/<name>.json`, and only then publishes every output together.
Add a new module's name to DATASET_MODULES.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

import polars as pl

from analysis.manifest import Source
from analysis.settings import REFERENCE_DIR

# Order matters where a dataset reads another's built frame (see Dataset.needs).
DATASET_MODULES: list[str] = [
    # geography: councils since 2011 and the site's hex map (read by the book and by derived datasets)
    "councils",
    "constituency_councils",
    # DfE children looked after (SSDA903)
    "placements_at_31_march",
    "placement_distance_national",
    "childrens_homes_placements",
    # derived from placements_at_31_march / placements_revisions (the out-of-area chapter's figures)
    "placements_national_trend",
    "placements_national_change",
    "placements_council_shares",
    "placements_net_flows",
    "placements_revisions_summary",
    "population",
    "missing_from_care",
    "missing_incidents_by_placement",
    "missing_over_24_hours",
    # derived: the missing chapter's trends, council rates and placement shares
    "missing_national",
    "missing_at_31_march",
    "missing_by_council",
    "missing_incidents_shares",
    # Ofsted children's homes
    "childrens_homes",
    "homes_reconciliation",
    "childrens_homes_by_area",
    "council_run_homes",
    "ownership_concentration",
    "childrens_homes_supply",
    "childrens_homes_openings_closures",
    # derived figures for the children's homes chapters (ownership, where homes are)
    "childrens_homes_by_sector",
    "councils_running_homes",
    "childrens_homes_openings_by_sector",
    "childrens_homes_by_region",
    "childrens_homes_by_council",
    "homes_rebuilt_totals",
    "council_run_homes_by_owner",
    # figures that exist only in reports, with citations, and the same figures checked against the data
    "published_figures",
    "published_figures_reconciled",
    # the council pages and the area finder (derived from the datasets above)
    "council_owned_homes",
    "childrens_homes_by_constituency",
    "council_profiles",
]


@dataclass(frozen=True)
class SourceFile:
    """One fetched upstream file and its manifest row."""

    source: Source
    path: Path

    @property
    def source_id(self) -> str:
        return self.source.source_id

    @property
    def name(self) -> str:
        return self.path.name

    @property
    def release_title(self) -> str:
        """The release as the publisher names it: the `source_release` column of the published rows."""
        return self.source.release_title


class SourceFiles:
    """The fetched files, found by family. Records which sources the datasets read, so the pipeline can
    refuse a manifest row that nothing reads (a release added to the manifest but silently ignored)."""

    def __init__(
        self, sources: Mapping[str, Source], paths: Mapping[str, Path], reference_dir: Path = REFERENCE_DIR
    ):
        from analysis import corrections

        self.reference_dir = Path(reference_dir)
        # publishers' errors recorded in data/reference/corrections.csv; whole-file ones (a list's date) are
        # applied to the manifest rows here, record ones by the readers (corrections.apply)
        self.corrections = corrections.load(self.reference_dir)
        unknown = sorted(set(paths) - set(sources))
        if unknown:
            raise KeyError(f"fetched files with no manifest row: {unknown}")
        self._files = {
            sid: SourceFile(corrections.correct_source(sources[sid], self.corrections), Path(path))
            for sid, path in paths.items()
        }
        self.read: set[str] = set()
        self._geo_files = None

    def of(self, family: str) -> list[SourceFile]:
        """Every file of a family that was fetched, newest release first (then by source id)."""
        files = [f for f in self._files.values() if f.source.family == family]
        files.sort(key=lambda f: (f.source.release, f.source_id), reverse=True)
        self.read.update(f.source_id for f in files)
        return files

    def latest(self, family: str) -> SourceFile:
        """The newest release's file of a family (e.g. a geography lookup); an error if none was fetched."""
        files = self.of(family)
        if not files:
            raise KeyError(f"no file of family {family!r} was fetched: add one to data/sources.csv")
        newest = [f for f in files if f.source.release == files[0].source.release]
        if len(newest) > 1:
            raise KeyError(
                f"family {family!r} has {len(newest)} files in release {files[0].source.release}: "
                f"{[f.source_id for f in newest]}"
            )
        return files[0]

    def geo_files(self):
        """The geography's files (analysis.geography.GeoFiles): the newest of each geo family, and the
        reference tables of this run."""
        from analysis.geography import GeoFiles

        if self._geo_files is None:
            self._geo_files = GeoFiles.from_source_files(self)
        return self._geo_files

    def get(self, source_id: str) -> SourceFile:
        try:
            found = self._files[source_id]
        except KeyError:
            raise KeyError(f"source {source_id!r} was not fetched") from None
        self.read.add(source_id)
        return found

    def families(self) -> set[str]:
        return {f.source.family for f in self._files.values()}

    def files_of(self, family: str) -> list[SourceFile]:
        """The files of a family, newest first, without recording a read (for validation parameters)."""
        files = [f for f in self._files.values() if f.source.family == family]
        return sorted(files, key=lambda f: (f.source.release, f.source_id), reverse=True)

    def file_name(self, source_id: str) -> str:
        return self._files[source_id].source.file_name

    def sfr_years(self, measure: str) -> set[int]:
        """Years of the fetched SFR files that publish a measure (data/reference/sfr_columns.csv)."""
        from analysis.sources import dfe

        years = set()
        for family, specs in dfe.drift(self.reference_dir).sfr.items():
            for spec_measure, _names, first, last in specs:
                if spec_measure != measure:
                    continue
                for f in self.files_of(family):
                    if f.source.release_rank >= first and (last is None or f.source.release_rank <= last):
                        years.update(f.source.years)
        return years

    def __len__(self) -> int:
        return len(self._files)

    def ids(self) -> list[str]:
        return sorted(self._files)


@dataclass(frozen=True)
class Dataset:
    """One tidy, published dataset: data/tidy/<name>.csv, validated by expectations/<name>.json."""

    name: str
    title: str
    description: str
    # source families (data/reference/source_families.csv) whose files `build` reads
    families: list[str]
    build: Callable[..., pl.DataFrame]
    key: list[str]
    columns: dict[str, str]
    # other datasets whose built frames `build` receives as keyword arguments (by name)
    needs: list[str] = field(default_factory=list)
    # derived frames for cross-row checks (e.g. outside <= total), validated by the suite's other views
    views: Callable[[pl.DataFrame], dict[str, pl.DataFrame]] | None = None
    # reference tables committed in data/reference that `build` reads (named in the dictionary)
    reference_files: list[str] = field(default_factory=list)


def load_datasets() -> list[Dataset]:
    datasets: list[Dataset] = []
    for module_name in DATASET_MODULES:
        module = importlib.import_module(f"analysis.datasets.{module_name}")
        if hasattr(module, "DATASETS"):
            datasets.extend(module.DATASETS)
        else:
            datasets.append(module.DATASET)
    names = [d.name for d in datasets]
    duplicates = {n for n in names if names.count(n) > 1}
    if duplicates:
        raise ValueError(f"dataset names registered twice: {sorted(duplicates)}")
    return datasets
