# qptd: `make demo` crawls the bundled portal replica offline; `make test` runs every check.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: venv demo test lint format typecheck fixtures docs clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

venv: $(STAMP)

demo: $(STAMP)
	$(BIN)/qptd demo

test: $(STAMP) lint typecheck
	$(BIN)/qptd schema-docs --check
	$(BIN)/python -m pytest

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: $(STAMP)
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

typecheck: $(STAMP)
	$(BIN)/mypy

# Rebuild the expected JSON of every stored fixture page from its HTML (review the diff!).
fixtures: $(STAMP)
	$(BIN)/python tests/fixtures/refresh.py

docs: $(STAMP)
	$(BIN)/qptd schema-docs

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
	find exports -mindepth 1 ! -name .gitkeep -delete
