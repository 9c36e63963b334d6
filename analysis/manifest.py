"""The source manifest (data/sources.csv): every upstream file the pipeline reads.

Columns: source_id, publisher, publication, release, reporting_year, page_url, file_name, mirror_path,
kind (data | documentation), licence, locate (how production finds the file: `ees:<publication slug>`,
`govuk-content-api:<page path>`, `github:<owner/repo@commit>`), direct_url (only when verified),
expected_bytes, expected_sha256 (as last retrieved), note.
"""

from __future__ import annotations

import csv
import os
from dataclasses import dataclass
from pathlib import Path

from analysis import settings


@dataclass(frozen=True)
class Source:
    source_id: str
    publisher: str
    publication: str
    release: str
    reporting_year: str
    page_url: str
    file_name: str
    mirror_path: str
    kind: str
    licence: str
    locate: str
    direct_url: str
    expected_bytes: int | None
    expected_sha256: str
    note: str


def load_sources(path: Path | None = None) -> dict[str, Source]:
    """Read the manifest (default data/sources.csv; FFH_SOURCES_MANIFEST points elsewhere, for tests)."""
    path = path or Path(os.environ.get("FFH_SOURCES_MANIFEST") or settings.SOURCES_MANIFEST)
    with path.open(newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    sources: dict[str, Source] = {}
    for row in rows:
        row["expected_bytes"] = int(row["expected_bytes"]) if row.get("expected_bytes") else None
        source = Source(**row)
        if source.source_id in sources:
            raise ValueError(f"{path}: source_id {source.source_id!r} appears twice")
        sources[source.source_id] = source
    return sources
