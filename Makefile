# svcsim: two commands on a fresh machine with Python 3.11 and pip.
#   make run   - set up .venv if needed, install, run the reference scenario
#   make test  - set up .venv if needed, install, lint, type-check, run the test suite
#   make test-fast - the edit loop: the suite without the slow tests and notebooks
#   make bench - every benchmark (engine, city, recommend, calibration, the default run), a few minutes
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.svcsim-installed

.PHONY: run test test-fast lint typecheck bench clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

run: $(STAMP)
	$(BIN)/svcsim $(ARGS)

lint: $(STAMP)
	$(BIN)/ruff check .

typecheck: $(STAMP)
	$(BIN)/mypy

# Two pytest-xdist workers (PYTEST_WORKERS=0 runs in one process), a test file per
# worker at a time so that module fixtures run once; results do not depend on it:
# every test fixes its seeds.
PYTEST_WORKERS ?= 2

test: lint typecheck
	$(BIN)/pytest -n $(PYTEST_WORKERS) --dist loadfile

test-fast: $(STAMP)
	$(BIN)/pytest -n $(PYTEST_WORKERS) --dist loadfile -m "not slow" -q

# Every benchmark, each with its figures as ratios to the lean SimPy loop run in the
# same process (bench/lean.py); about 3 minutes on an idle 2-core machine.
bench: $(STAMP)
	$(BIN)/python bench/bench_engine.py
	$(BIN)/python bench/bench_city.py
	$(BIN)/python bench/bench_recommend.py
	$(BIN)/python bench/bench_calibration.py
	$(BIN)/python bench/bench_run.py

clean:
	rm -rf $(VENV) outputs multirun .pytest_cache .mypy_cache .ruff_cache
