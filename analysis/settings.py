"""Where things live, and where sources are fetched from.

Sources are read through the fetch layer only. Three modes, chosen by environment variables:

- FFH_SOURCE_MIRROR=/path/to/upstream   copy files from a local folder laid out like ../shared/upstream
- FFH_SOURCE_BASE_URL=http://host/path/  fetch over HTTP from base URL + mirror_path (tests serve the mirror)
- neither                                production: locate each file on its publisher's site (discovery.py)

`make data` sets FFH_SOURCE_MIRROR to ../shared/upstream when that folder exists.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DATA_DIR = PROJECT_ROOT / "data"
TIDY_DIR = DATA_DIR / "tidy"
REFERENCE_DIR = DATA_DIR / "reference"
VALIDATION_DIR = DATA_DIR / "validation"
SOURCES_MANIFEST = DATA_DIR / "sources.csv"
PROVENANCE_FILE = DATA_DIR / "provenance.csv"
EXPECTATIONS_DIR = PROJECT_ROOT / "expectations"
DEFAULT_CACHE_DIR = PROJECT_ROOT / ".cache" / "raw"
DEFAULT_MIRROR = PROJECT_ROOT.parent / "shared" / "upstream"
DEFAULT_CHROMIUM = Path("/usr/bin/chromium")  # Debian's Chromium: the browser tests and `make bench`


@dataclass(frozen=True)
class Settings:
    """Run-time settings, read from the environment once per run."""

    cache_dir: Path
    mirror_dir: Path | None
    base_url: str | None
    offline: bool
    chromium: Path = DEFAULT_CHROMIUM  # FFH_CHROMIUM: the browser the browser tests and `make bench` drive

    @classmethod
    def from_env(cls) -> Settings:
        mirror = os.environ.get("FFH_SOURCE_MIRROR") or None
        base_url = os.environ.get("FFH_SOURCE_BASE_URL") or None
        return cls(
            cache_dir=Path(os.environ.get("FFH_CACHE_DIR", DEFAULT_CACHE_DIR)),
            mirror_dir=Path(mirror).resolve() if mirror else None,
            base_url=base_url.rstrip("/") + "/" if base_url else None,
            offline=os.environ.get("FFH_OFFLINE", "") not in ("", "0", "false"),
            chromium=Path(os.environ.get("FFH_CHROMIUM") or DEFAULT_CHROMIUM),
        )
