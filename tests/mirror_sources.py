"""The committed manifest's files in the sources' archive, as the pipeline hands them to the readers.

Tests get the archive from the `mirror_dir` fixture (tests/conftest.py) and build from it here:

- `MANIFEST`: data/sources.csv, loaded once (committed, so usable when tests are collected, e.g. to
  parametrize over every file of a family);
- `of_families(...)`: the manifest rows of some families, oldest release first;
- `source_files(mirror_dir)`: an analysis.datasets.SourceFiles over every manifest row (the pipeline's view:
  families, corrections from data/reference/corrections.csv, the geography's GeoFiles);
- `fixture_files(tmp_path, family, content, ...)`: a small fixture file as the one file of a family.
"""

from __future__ import annotations

from dataclasses import replace
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


def fixture_files(
    tmp_path: Path,
    family: str,
    content: str | bytes,
    *,
    file_name: str,
    reference_period: str = "2024",
    release: str = "2024",
    source_id: str = "fixture",
    reference_dir: Path = settings.REFERENCE_DIR,
) -> SourceFiles:
    """A fixture file as the one file of a family: a manifest row like the family's real ones, its own name,
    release and reference period, read with the drift tables of `reference_dir` (default: the committed ones)."""
    template = next(s for s in MANIFEST.values() if s.family == family)
    source = replace(
        template,
        source_id=source_id,
        release=release,
        release_title=f"fixture release {release}",
        reference_period=reference_period,
        file_name=file_name,
        archive_path=f"fixture/{file_name}",
        expected_bytes=None,
        expected_sha256="",
    )
    path = tmp_path / file_name
    if isinstance(content, str):
        path.write_text(content, encoding="utf-8")
    else:
        path.write_bytes(content)
    return SourceFiles({source_id: source}, {source_id: path}, reference_dir=reference_dir)
