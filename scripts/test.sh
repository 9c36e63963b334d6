#!/usr/bin/env bash
# `make test`: every quality gate, in order of cost. Any failure stops the run with a non-zero exit.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=.venv/bin/python

echo "== lint (ruff, actionlint, zizmor)"
bash scripts/lint.sh

echo "== unit and integration tests (including the pipeline run against the mirror)"
# two processes (pytest-xdist), a test file to each at a time: its module fixtures are built once
$PY -m pytest -m "not browser" -p no:cacheprovider -n 2 --dist loadfile

echo "== strict book build"
$PY -m analysis.site build

echo "== real-browser tests over the built site (Chromium, Playwright, axe-core)"
bash scripts/fetch_axe.sh
# (axe on every one of the 163 council pages, at two sizes, takes about 8 minutes: .ci/run runs it after this)
$PY -m pytest -m "browser and not every_council" -p no:cacheprovider -n 2 --dist loadfile
