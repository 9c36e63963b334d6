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

from analysis.data import csv_text
from analysis.datasets import Dataset
from analysis.manifest import Source
from analysis.validate import ValidationReport, report_json

LICENCE = {
    "name": "OGL-UK-3.0",
    "path": "https://www.nationalarchives.gov.uk/doc/open-government-licence/version/3/",
    "title": "Open Government Licence v3.0",
}
POLARS_TO_FRICTIONLESS = {
    pl.Int64: "integer",
    pl.Int32: "integer",
    pl.Float64: "number",
    pl.Utf8: "string",
    pl.Boolean: "boolean",
    pl.Date: "date",
}


def csv_bytes(frame: pl.DataFrame) -> bytes:
    """The published CSV: spreadsheet-safe, UTF-8, no BOM, '\\n' line ends, nulls as empty cells."""
    return csv_text(frame).encode("utf-8")


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
        "name": dataset.name,
        "path": f"tidy/{dataset.name}.csv",
        "title": dataset.title,
        "description": dataset.description,
        "format": "csv",
        "mediatype": "text/csv",
        "encoding": "utf-8",
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
                "title": f"{sources[s].publisher}: {sources[s].publication}, {sources[s].release} ({sources[s].file_name})",
                "path": sources[s].page_url,
                "source_id": s,
            }
            for s in used_sources
            if s in sources
        ],
        "licenses": [LICENCE],
    }


def datapackage(resources: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "profile": "tabular-data-package",
        "name": "far-from-home",
        "title": "Far from home: children in care placed out of area, children's homes and children missing from care, England",
        "description": (
            "Tidy, validated data from the Department for Education (SSDA903 children looked after statistics) and "
            "Ofsted (children's social care providers), in the DfE Explore Education Statistics column layout."
        ),
        "homepage": "",
        "licenses": [LICENCE],
        "resources": sorted(resources, key=lambda r: r["name"]),
    }


def _json_bytes(payload: Any) -> bytes:
    return (json.dumps(payload, indent=2, ensure_ascii=False) + "\n").encode("utf-8")


def publish(
    frames: dict[str, pl.DataFrame],
    datasets: dict[str, Dataset],
    reports: dict[str, ValidationReport],
    sources: dict[str, Source],
    data_dir: Path,
) -> list[Path]:
    """Write every output, staged then moved into place. Returns the paths written."""
    outputs: dict[Path, bytes] = {}
    resources = []
    for name, frame in frames.items():
        metadata = dataset_metadata(datasets[name], frame, sources)
        resources.append(metadata)
        outputs[data_dir / "tidy" / f"{name}.csv"] = csv_bytes(frame)
        outputs[data_dir / "tidy" / f"{name}.meta.json"] = _json_bytes(metadata)
        outputs[data_dir / "validation" / f"{name}.json"] = report_json(reports[name]).encode("utf-8")
    # A partial run (--only) must not drop the other datasets from the package: merge with what is there.
    package_path = data_dir / "datapackage.json"
    if package_path.exists():
        previous = json.loads(package_path.read_text(encoding="utf-8"))
        kept = [r for r in previous.get("resources", []) if r["name"] not in frames]
        resources = kept + resources
    outputs[package_path] = _json_bytes(datapackage(resources))

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
