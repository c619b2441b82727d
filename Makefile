# Two commands do all set-up on a fresh machine with Python 3.11+ and make:
#   make demo   - create .venv, install, run the demo against the built-in sandbox
#   make test   - create .venv with dev deps, then ruff, mypy --strict, docs build, pytest
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP_RUN := $(VENV)/.stamp-run
STAMP_DEV := $(VENV)/.stamp-dev

.PHONY: demo test lint typecheck pytest docs bench clean

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
	$(BIN)/ruff check tenantlead tests bench examples
	$(BIN)/ruff format --check tenantlead tests bench examples

typecheck: $(STAMP_DEV)
	$(BIN)/mypy --strict tenantlead

docs: $(STAMP_DEV)
	$(BIN)/mkdocs build --strict --quiet --site-dir .site

pytest: $(STAMP_DEV)
	$(BIN)/python -m pytest -q -p no:cacheprovider

test: lint typecheck docs pytest

bench: $(STAMP_DEV)
	$(BIN)/python -m bench

clean:
	rm -rf $(VENV) .site .mypy_cache .ruff_cache .pytest_cache dist build
