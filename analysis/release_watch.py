"""Watch the publishers for releases newer than the ones `data/sources.csv` lists.

    python -m analysis.release_watch [--json] [--markdown FILE]

Each distinct `locate` in the manifest (an EES publication, a GOV.UK collection, a GitHub repository)
is checked once with `analysis.discovery.check_latest_release`, using the manifest row with the latest
reporting year for that locate as the "current" release.

Exit codes: 0 no newer release, 10 a newer release was found, 1 a check failed (the failures are
reported; newer releases found by the other checks are reported too).
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, is_dataclass
from pathlib import Path
from typing import Any

from analysis import manifest, settings
from analysis.errors import FarFromHomeError

EXIT_NONE = 0
EXIT_ERROR = 1
EXIT_NEWER = 10

USER_AGENT = "far-from-home-release-watch"


@dataclass(frozen=True)
class WatchReport:
    checked: list[dict[str, Any]]
    newer: list[dict[str, Any]]
    errors: list[dict[str, str]]

    @property
    def exit_code(self) -> int:
        if self.errors:
            return EXIT_ERROR
        return EXIT_NEWER if self.newer else EXIT_NONE

    def as_dict(self) -> dict[str, Any]:
        return {"checked": self.checked, "newer": self.newer, "errors": self.errors}


def _year(source: manifest.Source) -> int:
    match = re.search(r"\d{4}", source.reporting_year or "")
    return int(match.group()) if match else -1


def representatives(sources: dict[str, manifest.Source]) -> list[manifest.Source]:
    """One source per distinct locate: the latest reporting year (data files before documentation)."""
    chosen: dict[str, manifest.Source] = {}
    for source in sources.values():
        if not source.locate:
            continue
        best = chosen.get(source.locate)
        rank = (_year(source), source.kind == "data", source.source_id)
        if best is None or rank > (_year(best), best.kind == "data", best.source_id):
            chosen[source.locate] = source
    return [chosen[locate] for locate in sorted(chosen)]


def _as_dict(info: Any) -> dict[str, Any]:
    if is_dataclass(info):
        data = asdict(info)
    elif hasattr(info, "_asdict"):
        data = info._asdict()
    elif isinstance(info, dict):
        data = dict(info)
    else:
        data = dict(vars(info))
    return {k: (v.isoformat() if hasattr(v, "isoformat") else v) for k, v in data.items()}


def watch(
    sources: dict[str, manifest.Source],
    session: Any,
    check: Callable[[manifest.Source, Any], Any] | None = None,
) -> WatchReport:
    if check is None:
        from analysis import discovery

        check = discovery.check_latest_release
    checked: list[dict[str, Any]] = []
    newer: list[dict[str, Any]] = []
    errors: list[dict[str, str]] = []
    for source in representatives(sources):
        try:
            info = _as_dict(check(source, session))
        except Exception as exc:  # one publisher failing must not hide the others
            errors.append(
                {
                    "locate": source.locate,
                    "source_id": source.source_id,
                    # project errors name the source, file and check; anything else also needs its type
                    "error": str(exc)
                    if isinstance(exc, FarFromHomeError)
                    else f"{type(exc).__name__}: {exc}",
                }
            )
            continue
        info["locate"] = source.locate
        checked.append(info)
        if info.get("is_newer"):
            newer.append(info)
    return WatchReport(checked, newer, errors)


def render_markdown(report: WatchReport) -> str:
    lines = ["## Upstream release watch", ""]
    if report.newer:
        lines += [
            "A publisher has released statistics newer than the ones `data/sources.csv` lists. To take them in: "
            "add the new files to `data/sources.csv` (see CONTRIBUTING.md, *Adding a source*), check the readers "
            "against the new layout, run `make data` and `make test`, and open a pull request.",
            "",
            "| locate | current release (manifest) | latest release | published | page |",
            "| --- | --- | --- | --- | --- |",
        ]
        for info in report.newer:
            lines.append(
                f"| `{info['locate']}` | {info.get('current_release', '')} | {info.get('latest_release', '')} "
                f"| {info.get('latest_published', '') or ''} | {info.get('page_url', '')} |"
            )
        lines.append("")
    else:
        lines += ["No newer release found.", ""]
    if report.errors:
        lines += ["Checks that failed (fix discovery before the next refresh relies on it):", ""]
        lines += [f"- `{e['locate']}` ({e['source_id']}): {e['error']}" for e in report.errors]
        lines.append("")
    lines.append(f"{len(report.checked)} of {len(report.checked) + len(report.errors)} publications checked.")
    return "\n".join(lines) + "\n"


def default_session():
    import requests

    session = requests.Session()
    session.headers["User-Agent"] = USER_AGENT
    return session


def main(argv: Sequence[str] | None = None, *, session: Any = None, check=None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m analysis.release_watch", description=__doc__.split("\n\n")[0]
    )
    parser.add_argument("--json", action="store_true", help="print the report as JSON")
    parser.add_argument("--markdown", type=Path, help="write the report as Markdown (an issue body) here")
    parser.add_argument("--manifest", type=Path, default=settings.SOURCES_MANIFEST)
    args = parser.parse_args(argv)
    report = watch(manifest.load_sources(args.manifest), session or default_session(), check)
    if args.markdown:
        args.markdown.parent.mkdir(parents=True, exist_ok=True)
        args.markdown.write_text(render_markdown(report), encoding="utf-8")
    if args.json:
        print(json.dumps(report.as_dict(), indent=1, default=str))
    else:
        for info in report.newer:
            print(f"newer: {info['locate']}: {info.get('current_release')} -> {info.get('latest_release')}")
        for error in report.errors:
            print(f"error: {error['locate']}: {error['error']}", file=sys.stderr)
        if not report.newer and not report.errors:
            print(f"no newer release ({len(report.checked)} publications checked)")
    return report.exit_code


if __name__ == "__main__":
    sys.exit(main())
