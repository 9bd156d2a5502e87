# qptd: `make demo` crawls the bundled portal replica offline; `make test` runs every check.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: venv demo test test-fast lint format typecheck fixtures docs clean system-deps bench report-screenshot

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

# The edit loop: every test but those marked `integration` (a crawl, in process or in a
# subprocess, a browser, a writer killed or starved mid-write): under a minute. `make test`
# runs them all.
test-fast: $(STAMP)
	$(BIN)/python -m pytest -m "not integration" -q

# Tests need a real redis-server (distributed crawls) and Chromium (the report as a browser
# draws it); install them where we may (root + apt), else those tests say what is missing.
system-deps:
	@missing=""; command -v redis-server >/dev/null || missing="$$missing redis-server"; \
	  command -v chromium >/dev/null || missing="$$missing chromium"; \
	  if [ -n "$$missing" ]; then \
	    if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	      apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null; \
	    else echo "note: install$$missing (apt-get install$$missing) for the tests that need them"; fi; \
	  fi

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

# docs/report.png: the demo dataset's report as headless Chromium draws it (after make demo).
report-screenshot: $(STAMP)
	$(BIN)/qptd report --exports exports/demo
	chromium --headless --no-sandbox --disable-gpu --hide-scrollbars --window-size=900,2600 \
	  --screenshot=docs/report.png file://$(CURDIR)/exports/demo/report.html

docs: $(STAMP)
	$(BIN)/qptd schema-docs

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
	find exports -mindepth 1 ! -name .gitkeep -delete
