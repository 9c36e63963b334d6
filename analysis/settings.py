"""Where things live, and where sources are fetched from.

Sources are read through the fetch layer only. Three modes, chosen by environment variables:

- FFH_SOURCE_MIRROR=/path/to/upstream   copy files from a local folder laid out like ../shared/upstream
- FFH_SOURCE_BASE_URL=http://host/path/  fetch over HTTP from base URL + mirror_path (tests serve the mirror)
- neither                                production: locate each file on its publisher's site (discovery.py)

Download budgets (HTTP modes), in seconds:

- FFH_DOWNLOAD_STALL_SECONDS (default 30): a try fails when no new byte has arrived for this long (the
  socket's connect/read timeout; a stalled body is retried like any transient failure)
- FFH_DOWNLOAD_DEADLINE_SECONDS (default 300): the total budget for one file, every try, wait and
  Retry-After included; when it runs out the fetch fails with the check "download deadline"

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
DEFAULT_DOWNLOAD_STALL_SECONDS = 30.0
DEFAULT_DOWNLOAD_DEADLINE_SECONDS = 300.0


@dataclass(frozen=True)
class Settings:
    """Run-time settings, read from the environment once per run."""

    cache_dir: Path
    mirror_dir: Path | None
    base_url: str | None
    offline: bool
    download_stall_seconds: float = DEFAULT_DOWNLOAD_STALL_SECONDS
    download_deadline_seconds: float = DEFAULT_DOWNLOAD_DEADLINE_SECONDS

    def __post_init__(self) -> None:
        for name in ("download_stall_seconds", "download_deadline_seconds"):
            value = getattr(self, name)
            if not value > 0:
                raise ValueError(f"Settings.{name} must be a positive number of seconds, not {value!r}")

    @classmethod
    def from_env(cls) -> Settings:
        mirror = os.environ.get("FFH_SOURCE_MIRROR") or None
        base_url = os.environ.get("FFH_SOURCE_BASE_URL") or None
        return cls(
            cache_dir=Path(os.environ.get("FFH_CACHE_DIR", DEFAULT_CACHE_DIR)),
            mirror_dir=Path(mirror).resolve() if mirror else None,
            base_url=base_url.rstrip("/") + "/" if base_url else None,
            offline=os.environ.get("FFH_OFFLINE", "") not in ("", "0", "false"),
            download_stall_seconds=_seconds("FFH_DOWNLOAD_STALL_SECONDS", DEFAULT_DOWNLOAD_STALL_SECONDS),
            download_deadline_seconds=_seconds(
                "FFH_DOWNLOAD_DEADLINE_SECONDS", DEFAULT_DOWNLOAD_DEADLINE_SECONDS
            ),
        )


def sources_manifest() -> Path:
    """The source manifest: data/sources.csv, or FFH_SOURCES_MANIFEST (tests point it at a doctored copy)."""
    return Path(os.environ.get("FFH_SOURCES_MANIFEST") or SOURCES_MANIFEST)


def _seconds(variable: str, default: float) -> float:
    text = os.environ.get(variable, "").strip()
    if not text:
        return default
    try:
        value = float(text)
    except ValueError:
        value = float("nan")
    if not value > 0 or value == float("inf"):
        raise ValueError(f"{variable}={text!r}: expected a positive number of seconds")
    return value
