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

# Order matters where a dataset reads another's built frame (see Dataset.needs).
DATASET_MODULES: list[str] = [
    # DfE children looked after (SSDA903)
    "placements_at_31_march",
    "placement_distance_national",
    "childrens_homes_placements",
    "population",
    "missing_from_care",
    "missing_incidents_by_placement",
    "missing_over_24_hours",
    # Ofsted children's homes
    "childrens_homes",
    "homes_reconciliation",
    "childrens_homes_by_area",
    "council_run_homes",
    "ownership_concentration",
    "childrens_homes_supply",
    "childrens_homes_openings_closures",
    # figures that exist only in reports, with citations
    "published_figures",
]


class SourceFiles(Mapping[str, Path]):
    """source_id -> local path of the fetched raw file (from the fetch layer's cache or a mirror)."""

    def __init__(self, paths: dict[str, Path], releases: dict[str, str] | None = None):
        self._paths = dict(paths)
        self._releases = dict(releases or {})

    def __getitem__(self, source_id: str) -> Path:
        try:
            return self._paths[source_id]
        except KeyError:
            raise KeyError(
                f"source {source_id!r} was not fetched: list it in the dataset's `sources`"
            ) from None

    def __iter__(self):
        return iter(self._paths)

    def __len__(self) -> int:
        return len(self._paths)

    def release(self, source_id: str) -> str:
        """The release label of a source (from data/sources.csv), for the `source_release` column."""
        return self._releases.get(source_id, "")


@dataclass(frozen=True)
class Dataset:
    """One tidy, published dataset: data/tidy/<name>.csv, validated by expectations/<name>.json."""

    name: str
    title: str
    description: str
    sources: list[str]
    build: Callable[..., pl.DataFrame]
    key: list[str]
    columns: dict[str, str]
    # other datasets whose built frames `build` receives as keyword arguments (by name)
    needs: list[str] = field(default_factory=list)
    # derived frames for cross-row checks (e.g. outside <= total), validated by the suite's other views
    views: Callable[[pl.DataFrame], dict[str, pl.DataFrame]] | None = None
    # where a `sources` entry is a reference table committed in data/reference, not an upstream file
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
