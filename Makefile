# svcsim: two commands on a fresh machine with Python 3.11 and pip.
#   make run   - set up .venv if needed, install, run the reference scenario
#   make test  - set up .venv if needed, install, lint, type-check, run the test suite
#   make bench - every benchmark (engine, city, recommend, calibration), a few minutes
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.svcsim-installed

.PHONY: run test lint typecheck bench clean

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

test: lint typecheck
	$(BIN)/pytest

# Every benchmark, each with its figures as ratios to the lean SimPy loop run in the
# same process (bench/lean.py); about 3 minutes on an idle 2-core machine.
bench: $(STAMP)
	$(BIN)/python bench/bench_engine.py
	$(BIN)/python bench/bench_city.py
	$(BIN)/python bench/bench_recommend.py
	$(BIN)/python bench/bench_calibration.py

clean:
	rm -rf $(VENV) outputs multirun .pytest_cache .mypy_cache .ruff_cache
