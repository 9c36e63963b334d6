# Far from home. Two commands on a fresh machine: `make book` and `make test`.
# Every target creates or reuses the project virtual env (.venv), installed from pinned constraints.

PYTHON ?= python3.11
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
# An archive of the source files beside the clone (the build machines have ../shared/upstream): `make data`
# copies from it when it exists; elsewhere (a GitHub runner, production) sources come from the publishers.
FFH_SOURCE_MIRROR ?= $(if $(wildcard ../shared/upstream/MANIFEST.csv),$(abspath ../shared/upstream),)
export FFH_SOURCE_MIRROR

.PHONY: venv data book test lint unit browser bench clean

venv: $(STAMP)

$(STAMP): pyproject.toml requirements.lock
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -c requirements.lock -e '.[dev]'
	touch $(STAMP)

## make data: fetch every source (from FFH_SOURCE_MIRROR when set), tidy, validate, then publish data/
data: $(STAMP)
	$(PY) -m analysis.cli data

## make book: build the site from the committed tidy data, strict, offline (book/_build/html)
book: $(STAMP)
	$(PY) -m analysis.site build

## make test: lint, unit and integration tests, pipeline reproduction, strict book build, browser tests
test: $(STAMP)
	bash scripts/test.sh

lint: $(STAMP)
	bash scripts/lint.sh

bench: $(STAMP)
	$(PY) scripts/bench.py

clean:
	rm -rf book/_build .cache
