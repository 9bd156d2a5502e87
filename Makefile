# qptd: `make demo` crawls the bundled portal replica offline; `make test` runs every check.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: venv demo test test-fast lint format typecheck fixtures docs clean system-deps bench report-screenshot mutation

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

# Mutation testing (docs/TESTING.md): mutmut changes the core modules one small edit at a
# time and runs the fast tests that reach each edit; prints the score and every survivor as
# a diff. Not part of `make test` (long on 2 cores): narrow it with MUTATE (files or globs)
# and MUTATION_TESTS, e.g. `make mutation MUTATE=qptd_spider/urls.py MUTATION_TESTS=tests/test_urls.py`.
# It runs in a copy (build/mutation/) of the working tree, never in the tree itself.
MUTATE ?= qptd_spider/normalize/*.py qptd_spider/pages/*.py qptd_spider/urls.py \
	qptd_spider/dataset/merge.py qptd_spider/dataset/versions.py qptd_spider/crawl/incremental.py \
	qptd_spider/crawl/failures.py qptd_spider/crawl/state.py qptd_spider/warc.py
MUTATION_TESTS ?= tests/test_signature.py tests/test_dates.py tests/test_text.py tests/test_urls.py \
	tests/test_article_page.py tests/test_listing_page.py tests/test_body_reading.py \
	tests/test_fast_paths.py tests/test_real_cms.py tests/test_items.py tests/test_evidence.py \
	tests/test_discovery.py tests/test_policies.py tests/test_state.py tests/test_dataset.py \
	tests/test_incremental.py tests/test_archive.py tests/test_faults.py
MUTATION_DIR := build/mutation
# Each mutant's worker is forked from the process that ran the clean tests: their memos (the
# product's lru_caches, a test module's _cache of parsed pages) would answer instead of the
# mutated code. This pytest plugin of the copy empties them when a worker's session starts.
define MUTATION_MEMOS
"""Empty every memo when a mutant's test session starts (make mutation)."""
import functools
import gc
import sys


def pytest_sessionstart(session):
    for obj in gc.get_objects():
        if isinstance(obj, functools._lru_cache_wrapper):
            obj.cache_clear()
    for name, module in list(sys.modules.items()):
        if name.startswith("tests.") and isinstance(getattr(module, "_cache", None), dict):
            module._cache.clear()
endef
export MUTATION_MEMOS
MUTMUT := $(CURDIR)/$(BIN)/mutmut

mutation: $(STAMP)
	rm -rf $(MUTATION_DIR) && mkdir -p $(MUTATION_DIR)
	git ls-files -z -c -o --exclude-standard qptd_spider tests harness docs schemas README.md \
	  pyproject.toml \
	  | xargs -0 cp --parents -t $(MUTATION_DIR)
	cp -r schemas $(MUTATION_DIR)/qptd_spider/_schemas
	@printf '%s\n' "$$MUTATION_MEMOS" > $(MUTATION_DIR)/mutation_memos.py
	@{ echo "[mutmut]"; echo "source_paths = qptd_spider"; echo "only_mutate ="; \
	  for f in $(wildcard $(MUTATE)); do echo "    $$f"; done; \
	  echo "pytest_add_cli_args_test_selection ="; \
	  for f in $(MUTATION_TESTS); do echo "    $$f"; done; \
	  echo "timeout_constant = 30"; \
	  printf 'also_copy =\n    docs\n    schemas\n    harness\n    README.md\n    mutation_memos.py\n'; \
	  echo "# One hypothesis seed: the same examples for the clean run and every mutant."; \
	  printf 'pytest_add_cli_args =\n    -m\n    not integration\n    -p\n    no:cacheprovider\n    --hypothesis-seed=0\n    -p\n    mutation_memos\n'; \
	} > $(MUTATION_DIR)/setup.cfg
	@echo "mutating $(words $(wildcard $(MUTATE))) files; log in $(MUTATION_DIR)/mutmut.log"
	cd $(MUTATION_DIR) && $(MUTMUT) run --max-children 2 > mutmut.log 2>&1 \
	  || { tail -40 mutmut.log; exit 1; }
	@cd $(MUTATION_DIR) && for m in $$($(MUTMUT) results | awk -F: '/: survived/ {print $$1}'); do \
	  $(MUTMUT) show $$m; echo; done > survivors.diff; cat survivors.diff
	@cd $(MUTATION_DIR) && $(MUTMUT) export-cicd-stats > /dev/null && $(CURDIR)/$(BIN)/python -c \
	  'import json; s = json.load(open("mutants/mutmut-cicd-stats.json")); \
	  n = s["total"] - s["skipped"]; k = s["killed"] + s["timeout"]; \
	  survived, untested, slow = s["survived"], s["no_tests"], s["timeout"]; \
	  print(f"mutation score: {k} of {n} mutants killed ({k / max(n, 1):.1%}, {slow} of them " \
	        f"by a timeout); {survived} survived, {untested} reached by no test " \
	        f"(diffs: $(MUTATION_DIR)/survivors.diff)")'

docs: $(STAMP)
	$(BIN)/qptd schema-docs

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
	find exports -mindepth 1 ! -name .gitkeep -delete
