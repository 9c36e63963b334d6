"""One settings object for every run: where things live, where sources come from, how the site is addressed.

`Settings.from_env()` is the only place in the package that reads the environment. Everything else takes a
`Settings` (or a value from it) as an argument: the pipeline, the fetch layer, the book's data reader.

Sources are read through the fetch layer only. Three modes:

- FFH_SOURCE_MIRROR=/path/to/archive    copy files from a local folder laid out like the sources' archive
                                        (publisher/release/file, with an index MANIFEST.csv)
- FFH_SOURCE_BASE_URL=http://host/path/ fetch over HTTP from base URL + archive path (a server laid out so)
- neither                               production: locate each file on its publisher's site (discovery.py)

Other variables (all optional):

- FFH_CACHE_DIR         raw download cache (default .cache/raw)
- FFH_OFFLINE=1         HTTP modes use only the verified cache
- FFH_DATA_DIR          the published data folder the book reads (default data/)
- FFH_SOURCES_MANIFEST  the source manifest (default data/sources.csv)
- FFH_CHART_STORE       where chart files are written during a book build (default book/_build/chart-files)
- FFH_BOOK_BUILD=1      set by the book build: charts render as site HTML, not as notebook images
- FFH_SITE_URL          the site's public address (https://…/); citations and exported charts carry it
- FFH_REQUIRE_RAW=1     tests that need the raw source files fail, rather than skip, when they are absent
- FFH_CHROMIUM          the Chromium binary the browser tests drive (default /usr/bin/chromium)
- FFH_SITE_DIR          the built site the browser tests serve (default book/_build/html)
- FFH_DOWNLOAD_STALL_SECONDS (default 30): a download try fails when no new byte has arrived for this long
- FFH_DOWNLOAD_DEADLINE_SECONDS (default 300): the total budget for one file, every try, wait and Retry-After
  included; when it runs out the fetch fails with the check "download deadline"
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DATA_DIR = PROJECT_ROOT / "data"
TIDY_DIR = DATA_DIR / "tidy"
REFERENCE_DIR = DATA_DIR / "reference"
VALIDATION_DIR = DATA_DIR / "validation"
SOURCES_MANIFEST = DATA_DIR / "sources.csv"
PROVENANCE_FILE = DATA_DIR / "provenance.csv"
EXPECTATIONS_DIR = PROJECT_ROOT / "expectations"
BOOK_DIR = PROJECT_ROOT / "book"
DEFAULT_CACHE_DIR = PROJECT_ROOT / ".cache" / "raw"
# The sources' archive beside a clone on the build machines (CI: ../shared/upstream). Only tests and the
# Makefile's default point here; the book never reads it.
DEFAULT_MIRROR = PROJECT_ROOT.parent / "shared" / "upstream"
DEFAULT_CHROMIUM = Path("/usr/bin/chromium")
ADDRESS_NOT_SET = "address not set"


def _flag(value: str | None) -> bool:
    return (value or "").strip().lower() not in ("", "0", "false", "no")


@dataclass(frozen=True)
class Settings:
    """Run-time settings, read from the environment once (from_env) and passed down."""

    cache_dir: Path = DEFAULT_CACHE_DIR
    mirror_dir: Path | None = None
    base_url: str | None = None
    offline: bool = False
    data_dir: Path = DATA_DIR
    sources_manifest: Path = SOURCES_MANIFEST
    reference_dir: Path = REFERENCE_DIR
    expectations_dir: Path = EXPECTATIONS_DIR
    chart_store: Path = BOOK_DIR / "_build" / "chart-files"
    book_build: bool = False
    site_url: str = ""
    require_raw: bool = False
    chromium: Path = DEFAULT_CHROMIUM
    site_dir: Path = BOOK_DIR / "_build" / "html"
    download_stall_seconds: float = 30.0
    download_deadline_seconds: float = 300.0
    # the environment as read, for the few places that start a subprocess (the book build)
    environment: Mapping[str, str] = field(default_factory=dict, compare=False, repr=False)

    def __post_init__(self) -> None:
        for name in ("download_stall_seconds", "download_deadline_seconds"):
            value = getattr(self, name)
            if not value > 0:
                raise ValueError(f"Settings.{name} must be a positive number of seconds, not {value!r}")

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Settings:
        env = dict(os.environ if environ is None else environ)
        mirror = env.get("FFH_SOURCE_MIRROR") or None
        base_url = env.get("FFH_SOURCE_BASE_URL") or None
        site_url = (env.get("FFH_SITE_URL") or "").strip()
        defaults = cls()
        return cls(
            cache_dir=Path(env.get("FFH_CACHE_DIR") or DEFAULT_CACHE_DIR),
            mirror_dir=Path(mirror).resolve() if mirror else None,
            base_url=base_url.rstrip("/") + "/" if base_url else None,
            offline=_flag(env.get("FFH_OFFLINE")),
            data_dir=Path(env["FFH_DATA_DIR"]).resolve() if env.get("FFH_DATA_DIR") else DATA_DIR,
            sources_manifest=Path(env.get("FFH_SOURCES_MANIFEST") or SOURCES_MANIFEST),
            chart_store=Path(env["FFH_CHART_STORE"]).resolve()
            if env.get("FFH_CHART_STORE")
            else defaults.chart_store,
            book_build=_flag(env.get("FFH_BOOK_BUILD")),
            site_url=site_url.rstrip("/") + "/" if site_url else "",
            require_raw=_flag(env.get("FFH_REQUIRE_RAW")),
            chromium=Path(env.get("FFH_CHROMIUM") or DEFAULT_CHROMIUM),
            site_dir=Path(env.get("FFH_SITE_DIR") or defaults.site_dir),
            download_stall_seconds=_seconds(
                env, "FFH_DOWNLOAD_STALL_SECONDS", defaults.download_stall_seconds
            ),
            download_deadline_seconds=_seconds(
                env, "FFH_DOWNLOAD_DEADLINE_SECONDS", defaults.download_deadline_seconds
            ),
            environment=env,
        )

    @property
    def site_address(self) -> str:
        """The site's public address for citations and chart footers, or the words 'address not set'."""
        return self.site_url or ADDRESS_NOT_SET

    def subprocess_env(self, **overrides: str) -> dict[str, str]:
        """The environment a child process (the book build, a pipeline run) starts with."""
        return {**self.environment, **overrides}


def _seconds(env: Mapping[str, str], variable: str, default: float) -> float:
    text = (env.get(variable) or "").strip()
    if not text:
        return default
    try:
        value = float(text)
    except ValueError:
        value = float("nan")
    if not value > 0 or value == float("inf"):
        raise ValueError(f"{variable}={text!r}: expected a positive number of seconds")
    return value


def quiet_third_party_libraries() -> None:
    """Turn off Great Expectations' usage reporting before it is imported (the runs are offline)."""
    os.environ.setdefault("GX_ANALYTICS_ENABLED", "False")
