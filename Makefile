# Two commands work on a fresh clone: `make dataset` and `make test`. Both set up .venv first.
SHELL := /bin/bash
# The distribution's CPython when it is 3.11 or newer and can make a venv: Debian and Ubuntu build it
# with profile-guided and link-time optimization, which parsed the seed sheet 1.17x faster than an
# unoptimized build such as pyenv's default (README, Performance). Otherwise python3 on PATH.
PYTHON ?= $(shell /usr/bin/python3 -c 'import sys, ensurepip, venv; assert sys.version_info >= (3, 11)' \
            >/dev/null 2>&1 && echo /usr/bin/python3 || echo python3)
VENV := .venv
PY := $(VENV)/bin/python
NATIVE := .build/mypyc/SOURCE_DIGEST
DAGSTER_HOME := $(abspath .dagster_home)
export DAGSTER_HOME

.PHONY: dataset dataset-full test bench ui update-sources setup clean

$(VENV)/.installed: requirements.lock pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements.lock
	$(PY) -m pip install --quiet --no-deps -e .
	touch $@

# The sheet parser compiled with mypyc (pipelines/native.py). Without a C compiler the parser runs as
# Python: same results, slower, and `make bench` says which one it measured.
$(NATIVE): $(VENV)/.installed pipelines/native.py $(wildcard pipelines/sheets/*.py)
	$(PY) -m pipelines.native >/dev/null || echo "warning: mypyc build failed; the sheet parser runs as pure Python"

setup: $(VENV)/.installed $(NATIVE)
	mkdir -p $(DAGSTER_HOME)

# Sheets in raw/sheets only, offline. Every asset is selected: a partial selection would reuse
# stored upstream values and skip the validation gates.
dataset: setup
	$(VENV)/bin/dagster asset materialize -m pipelines.definitions --select '*'

# Sheets + the ATOP 5.1 release + COW states (downloaded, or from ATOP_MIRROR).
dataset-full: setup
	ATOP_USE_RELEASE=1 $(VENV)/bin/dagster asset materialize -m pipelines.definitions --select '*'

test: setup
	$(PY) -m pytest -q

bench: setup
	$(PY) -m bench.run

ui: setup
	$(VENV)/bin/dagster dev -m pipelines.definitions -h 127.0.0.1 -p 3000

update-sources: setup
	$(PY) -m pipelines.sources update

clean:
	rm -rf $(VENV) $(DAGSTER_HOME) .cache .build
