# Two commands work on a fresh clone: `make dataset` and `make test`. Both set up .venv first.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
DAGSTER_HOME := $(abspath .dagster_home)
export DAGSTER_HOME

.PHONY: dataset dataset-full test bench ui update-sources setup clean

$(VENV)/.installed: requirements.lock pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements.lock
	$(PY) -m pip install --quiet --no-deps -e .
	touch $@

setup: $(VENV)/.installed
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
	rm -rf $(VENV) $(DAGSTER_HOME) .cache
