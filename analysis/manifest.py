"""The source manifest (data/sources.csv): every upstream file the pipeline reads.

Columns: source_id, publisher, publication, release, reporting_year, page_url, file_name, mirror_path,
kind (data | documentation), licence, locate (how production finds the file: `ees:<publication slug>`,
`govuk-content-api:<page path>`, `github:<owner/repo@commit>`), direct_url (only when verified),
expected_bytes, expected_sha256 (as last retrieved), note; optional: archive_member.

`archive_member` (optional column; blank or absent for most sources): the file is a member of a zip
archive, e.g. `data/la_cla_on_31_march_la_of_placement_netgain.csv` inside an EES release's "all files"
zip. Then `mirror_path`, `direct_url` (or the discovered URL) locate the ZIP; `file_name`,
`expected_bytes` and `expected_sha256` describe the MEMBER, the file the readers read (fetch.py).
"""

from __future__ import annotations

import csv
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
    archive_member: str = ""


def load_sources(path: Path | None = None) -> dict[str, Source]:
    """Read the manifest (default data/sources.csv; FFH_SOURCES_MANIFEST points elsewhere, for tests)."""
    path = path or settings.sources_manifest()
    with path.open(newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    sources: dict[str, Source] = {}
    for row in rows:
        row["expected_bytes"] = int(row["expected_bytes"]) if row.get("expected_bytes") else None
        row["archive_member"] = (row.get("archive_member") or "").strip()
        source = Source(**row)
        if source.source_id in sources:
            raise ValueError(f"{path}: source_id {source.source_id!r} appears twice")
        sources[source.source_id] = source
    return sources
