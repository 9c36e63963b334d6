"""The committed manifest's files in the sources' archive, as the pipeline hands them to the readers.

Tests get the archive from the `mirror_dir` fixture (tests/conftest.py) and build from it here:

- `MANIFEST`: data/sources.csv, loaded once (committed, so usable when tests are collected, e.g. to
  parametrize over every file of a family);
- `of_families(...)`: the manifest rows of some families, oldest release first;
- `source_files(mirror_dir)`: an analysis.datasets.SourceFiles over every manifest row (the pipeline's view:
  families, corrections from data/reference/corrections.csv, the geography's GeoFiles).
"""

from __future__ import annotations

from pathlib import Path

from analysis import settings
from analysis.datasets import SourceFiles
from analysis.manifest import Source, load_sources

MANIFEST: dict[str, Source] = load_sources(settings.SOURCES_MANIFEST)


def of_families(*families: str, prefix: str = "") -> list[Source]:
    """Manifest rows whose family is one of `families` or starts with `prefix`, by release then id."""
    rows = [s for s in MANIFEST.values() if s.family in families or (prefix and s.family.startswith(prefix))]
    return sorted(rows, key=lambda s: (s.release, s.source_id))


def path_of(mirror_dir: Path, source: Source | str) -> Path:
    """Where a manifest row's file is in the archive."""
    if isinstance(source, str):
        source = MANIFEST[source]
    return Path(mirror_dir) / source.archive_path


def source_files(mirror_dir: Path, sources: dict[str, Source] | None = None) -> SourceFiles:
    """Every manifest row (or `sources`) as fetched files in the archive, with the committed reference tables."""
    sources = MANIFEST if sources is None else sources
    return SourceFiles(
        sources,
        {sid: Path(mirror_dir) / s.archive_path for sid, s in sources.items()},
        reference_dir=settings.REFERENCE_DIR,
    )
