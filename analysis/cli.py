"""Command line: `python -m analysis.cli data` (= make data) and friends."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from analysis import settings
from analysis.errors import FarFromHomeError


def _data(args: argparse.Namespace) -> int:
    from analysis import pipeline

    pipeline.run(
        settings.Settings.from_env(),
        output_dir=Path(args.output_dir),
        only=args.only or None,
        accept_revisions=args.accept_revisions,
    )
    return 0


def _fetch(args: argparse.Namespace) -> int:
    """Fetch every manifest source into the raw cache (used by CI to fill its cache from the publishers)."""
    from analysis.errors import FetchError
    from analysis.fetch import Fetcher
    from analysis.manifest import load_sources

    run = settings.Settings.from_env()
    fetcher = Fetcher(run)
    failed = []
    for source in load_sources(run.sources_manifest).values():
        try:
            fetcher.fetch(source)
        except FetchError as error:
            failed.append(str(error))
            print(f"error: {error}", file=sys.stderr)
    total = len(load_sources(run.sources_manifest))
    print(f"fetched {total - len(failed)} of {total} sources into {run.cache_dir}")
    return 1 if failed else 0


def _sources(args: argparse.Namespace) -> int:
    from analysis.manifest import load_sources

    for source in load_sources(settings.Settings.from_env().sources_manifest).values():
        print(f"{source.source_id}\t{source.family}\t{source.release}\t{source.file_name}")
    return 0


def _datasets(args: argparse.Namespace) -> int:
    from analysis.datasets import load_datasets

    for dataset in load_datasets():
        print(f"{dataset.name}\t{dataset.title}")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="farfromhome", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)

    data = commands.add_parser("data", help="fetch, tidy, validate and publish every dataset")
    data.add_argument(
        "--output-dir", default=str(settings.DATA_DIR), help="where to publish (default: data/)"
    )
    data.add_argument("--only", nargs="*", help="build only these datasets (and what they need)")
    data.add_argument(
        "--accept-revisions",
        action="store_true",
        help="take in upstream files whose bytes differ from data/sources.csv (the refresh records them)",
    )
    data.set_defaults(handler=_data)

    commands.add_parser("fetch", help="fetch every manifest source into the raw cache").set_defaults(
        handler=_fetch
    )
    commands.add_parser("sources", help="list the source manifest").set_defaults(handler=_sources)
    commands.add_parser("datasets", help="list the published datasets").set_defaults(handler=_datasets)

    args = parser.parse_args(argv)
    try:
        return args.handler(args)
    except FarFromHomeError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
