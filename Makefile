# qptd: `make demo` crawls the bundled portal replica offline; `make test` runs every check.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: venv demo test lint format typecheck fixtures docs clean system-deps bench

# The product (qptd, with the distributed extra for its tests) and the test harness
# (harness/: replica, evaluation, demo), both editable.
$(STAMP): pyproject.toml harness/pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev,distributed]' -e ./harness
	touch $(STAMP)

venv: $(STAMP)

demo: $(STAMP)
	$(BIN)/qptd demo

test: $(STAMP) system-deps lint typecheck
	$(BIN)/qptd schema-docs --check
	$(BIN)/python -m pytest

# The distributed-crawl test needs a real redis-server; install it where we may (root + apt).
system-deps:
	@command -v redis-server >/dev/null || { \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq redis-server >/dev/null; \
	  else echo "note: install redis-server (apt-get install redis-server) for the distributed-crawl test"; fi; }

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

# Benchmarks print numbers; nothing asserts a timing (~8 min; docs/BENCHMARKS.md).
bench: $(STAMP)
	$(BIN)/python benchmarks/run.py

docs: $(STAMP)
	$(BIN)/qptd schema-docs

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
	find exports -mindepth 1 ! -name .gitkeep -delete
