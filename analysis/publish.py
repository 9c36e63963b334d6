"""The publish stage: write validated datasets, their dictionaries, the data package and validation reports.

Called only after every dataset has passed validation. Everything is first written into a staging folder
beside the destination, then each file is moved into place with os.replace (atomic per file), so an error
while writing never leaves a half-written CSV where the last good one was.
Output is deterministic: the same frames give byte-identical files.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from pathlib import Path
from typing import Any

import polars as pl

from analysis.csv_writer import csv_text, formula_like_cells
from analysis.datasets import Dataset
from analysis.manifest import Source
from analysis.settings import Settings
from analysis.validate import ValidationReport, report_json

LICENCES = {
    "OGL-UK-3.0": {
        "name": "OGL-UK-3.0",
        "path": "https://www.nationalarchives.gov.uk/doc/open-government-licence/version/3/",
        "title": "Open Government Licence v3.0",
    },
    "CC-BY-4.0": {
        "name": "CC-BY-4.0",
        "path": "https://creativecommons.org/licenses/by/4.0/",
        "title": "Creative Commons Attribution 4.0",
    },
    "MIT": {"name": "MIT", "path": "https://opensource.org/license/mit", "title": "MIT License"},
}
LICENCE = LICENCES["OGL-UK-3.0"]
POLARS_TO_FRICTIONLESS = {
    pl.Int64: "integer",
    pl.Int32: "integer",
    pl.Float64: "number",
    pl.Utf8: "string",
    pl.Boolean: "boolean",
    pl.Date: "date",
}


def csv_bytes(frame: pl.DataFrame) -> bytes:
    """The published CSV (analysis/csv_writer.py): UTF-8 with a BOM, spreadsheet-safe, '\\n' line ends."""
    return csv_text(frame).encode("utf-8")


def licences_of(used_sources: list[str], sources: dict[str, Source]) -> list[dict[str, str]]:
    """The licences of the sources a dataset's rows come from (the manifest's `licence`, ';'-separated);
    the Open Government Licence when the rows name no source."""
    names: list[str] = []
    for source_id in used_sources:
        for name in (sources[source_id].licence or "").split(";") if source_id in sources else []:
            name = name.strip()
            if name and name not in names:
                names.append(name)
    unknown = [n for n in names if n not in LICENCES]
    if unknown:
        raise ValueError(f"licences {unknown} are not known to analysis/publish.py LICENCES")
    return [LICENCES[n] for n in sorted(names or ["OGL-UK-3.0"])]


def field_type(dtype: pl.DataType) -> str:
    return POLARS_TO_FRICTIONLESS.get(dtype.base_type(), "string")


def dataset_metadata(dataset: Dataset, frame: pl.DataFrame, sources: dict[str, Source]) -> dict[str, Any]:
    undocumented = [c for c in frame.columns if c not in dataset.columns]
    if undocumented:
        raise ValueError(f"dataset {dataset.name!r}: columns without a description: {undocumented}")
    used_sources = (
        sorted(set(frame["source_id"].unique().drop_nulls().to_list()))
        if "source_id" in frame.columns
        else []
    )
    return {
        "profile": "tabular-data-resource",
        "name": dataset.name,
        "path": f"tidy/{dataset.name}.csv",
        "title": dataset.title,
        "description": dataset.description,
        "format": "csv",
        "mediatype": "text/csv",
        "encoding": "utf-8-sig",
        "rows": frame.height,
        "schema": {
            "fields": [
                {"name": name, "type": field_type(dtype), "description": dataset.columns[name]}
                for name, dtype in frame.schema.items()
            ],
            "primaryKey": list(dataset.key),
            "missingValues": [""],
        },
        "sources": [
            {
                "title": f"{sources[s].publisher}: {sources[s].publication}, {sources[s].release_title} "
                f"({sources[s].file_name}; source_id {s})",
                "path": sources[s].page_url,
            }
            for s in used_sources
            if s in sources
        ],
        "licenses": licences_of(used_sources, sources),
    }


def datapackage(resources: list[dict[str, Any]], site_url: str = "") -> dict[str, Any]:
    package = {
        "profile": "tabular-data-package",
        "name": "far-from-home",
        "title": "Far from home: children in care placed out of area, children's homes and children missing from care, England",
        "description": (
            "Tidy, validated data from the Department for Education (SSDA903 children looked after statistics) and "
            "Ofsted (children's social care providers), in the DfE Explore Education Statistics column layout."
        ),
        "licenses": [LICENCE],
        "resources": sorted(resources, key=lambda r: r["name"]),
    }
    if site_url:
        package["homepage"] = site_url
    return package


def _json_bytes(payload: Any) -> bytes:
    return (json.dumps(payload, indent=2, ensure_ascii=False) + "\n").encode("utf-8")


def publish(
    frames: dict[str, pl.DataFrame],
    datasets: dict[str, Dataset],
    reports: dict[str, ValidationReport],
    sources: dict[str, Source],
    data_dir: Path,
    settings: Settings | None = None,
) -> list[Path]:
    """Write every output, staged then moved into place. Returns the paths written."""
    settings = settings or Settings()
    outputs: dict[Path, bytes] = {}
    resources = []
    for name, frame in frames.items():
        metadata = dataset_metadata(datasets[name], frame, sources)
        resources.append(metadata)
        outputs[data_dir / "tidy" / f"{name}.csv"] = csv_bytes(frame)
        outputs[data_dir / "tidy" / f"{name}.meta.json"] = _json_bytes(metadata)
        report = json.loads(report_json(reports[name]))
        neutralised = formula_like_cells(frame)
        if neutralised:
            # published with a leading ' so no spreadsheet runs them, and named here (and in the run's log)
            report["neutralised_text"] = [
                {**cell, "file": sources[cell["source_id"]].file_name}
                if cell.get("source_id") in sources
                else cell
                for cell in neutralised
            ]
        outputs[data_dir / "validation" / f"{name}.json"] = _json_bytes(report)
    # A partial run (--only) must not drop the other datasets from the package: merge with what is there.
    package_path = data_dir / "datapackage.json"
    if package_path.exists():
        previous = json.loads(package_path.read_text(encoding="utf-8"))
        kept = [r for r in previous.get("resources", []) if r["name"] not in frames]
        resources = kept + resources
    outputs[package_path] = _json_bytes(datapackage(resources, settings.site_url))

    data_dir.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=".staging-", dir=data_dir))
    try:
        staged: list[tuple[Path, Path]] = []
        for destination, content in outputs.items():
            staged_file = staging / destination.relative_to(data_dir)
            staged_file.parent.mkdir(parents=True, exist_ok=True)
            staged_file.write_bytes(content)
            staged.append((staged_file, destination))
        for staged_file, destination in staged:
            destination.parent.mkdir(parents=True, exist_ok=True)
            os.replace(staged_file, destination)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return sorted(outputs)
