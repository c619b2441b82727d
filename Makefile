# Two commands do all set-up on a fresh machine with Python 3.11+ and make:
#   make demo   - create .venv, install, run the demo against the built-in sandbox
#   make test   - create .venv with dev deps, then ruff, mypy --strict, docs build, pytest
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP_RUN := $(VENV)/.stamp-run
STAMP_DEV := $(VENV)/.stamp-dev

.PHONY: demo test lint typecheck pytest docs bench figures screenshot clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(STAMP_RUN): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e .
	touch $@

$(STAMP_DEV): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[dev,progress]'
	touch $@ $(STAMP_RUN)

demo: $(STAMP_RUN)
	$(BIN)/tenantlead demo

lint: $(STAMP_DEV)
	$(BIN)/ruff check tenantlead tests bench examples scripts
	$(BIN)/ruff format --check tenantlead tests bench examples scripts

typecheck: $(STAMP_DEV)
	$(BIN)/mypy --strict tenantlead

# NO_MKDOCS_2_WARNING: mkdocs-material prints an end-of-life banner on every build otherwise.
docs: $(STAMP_DEV)
	NO_MKDOCS_2_WARNING=1 $(BIN)/mkdocs build --strict --quiet --site-dir .site

pytest: $(STAMP_DEV)
	$(BIN)/python -m pytest -q -p no:cacheprovider

# Rewrite tests/reliability/README.md with the figures the reliability suite measures (pytest checks them).
figures: $(STAMP_DEV)
	TENANTLEAD_UPDATE_FIGURES=1 $(BIN)/python -m pytest -q -p no:cacheprovider tests/reliability

test: lint typecheck docs pytest

bench: $(STAMP_DEV)
	$(BIN)/python -m bench

# docs/img/fleet-notebook.png: the executed examples/fleet.ipynb in headless Chromium.
screenshot: $(STAMP_DEV)
	$(BIN)/python scripts/notebook_screenshot.py

clean:
	rm -rf $(VENV) .site .mypy_cache .ruff_cache .pytest_cache dist build
