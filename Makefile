# opsdw — the two README commands (`make demo`, `make test`) and a few helpers.
# Every target bootstraps .venv from requirements.lock first.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.opsdw-installed
export OPSDW_HOME ?= $(CURDIR)/data
export DAGSTER_HOME ?= $(OPSDW_HOME)/dagster

.PHONY: help venv demo test test-fast ui status lint fmt lock clean reset bench bench-marts

help:
	@echo "make demo   - simulate telemetry, land it, build marts, run checks, fire alerts"
	@echo "make test   - run the test suite"
	@echo "make ui     - Dagster UI on http://127.0.0.1:3000"
	@echo "make status - opsdw status over the served marts"
	@echo "make bench  - landing benchmark (1M events per format)"
	@echo "make bench-marts - mart queries and incremental vs full dbt build (15 days, ~10M events)"
	@echo "make reset  - delete \$$OPSDW_HOME ($(OPSDW_HOME))"

venv: $(STAMP)

$(STAMP): requirements.lock pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	@$(BIN)/python -m pip install --quiet --disable-pip-version-check "uv==0.13.9" \
	  && $(BIN)/uv pip install --quiet --python $(BIN)/python -r requirements.lock \
	  || $(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements.lock
	@$(BIN)/uv pip install --quiet --python $(BIN)/python --no-deps -e . \
	  || $(BIN)/python -m pip install --quiet --disable-pip-version-check --no-deps -e .
	@touch $(STAMP)

demo: $(STAMP)
	$(BIN)/opsdw demo $(DEMO_ARGS)

# two pytest-xdist workers (one per core); a file (and the scenario-warehouse files together) runs on one worker
PYTEST_WORKERS ?= 2
test: $(STAMP)
	$(BIN)/python -m pytest -n $(PYTEST_WORKERS) --dist loadfile $(PYTEST_ARGS)

test-fast: $(STAMP)
	$(BIN)/python -m pytest -n $(PYTEST_WORKERS) --dist loadfile -m "not slow" $(PYTEST_ARGS)

ui: $(STAMP)
	$(BIN)/opsdw ui

status: $(STAMP)
	$(BIN)/opsdw status

bench: $(STAMP)
	$(BIN)/python benchmarks/landing.py

bench-marts: $(STAMP)
	$(BIN)/python benchmarks/marts.py

lint: $(STAMP)
	$(BIN)/ruff check orchestration tests benchmarks
	$(BIN)/ruff format --check orchestration tests benchmarks

fmt: $(STAMP)
	$(BIN)/ruff format orchestration tests benchmarks
	$(BIN)/ruff check --fix orchestration tests benchmarks

lock:
	$(BIN)/uv pip compile requirements.in -o requirements.lock --python-version 3.11

reset:
	rm -rf "$(OPSDW_HOME)"

clean: reset
	rm -rf $(VENV) dbt_project/target dbt_project/logs .pytest_cache
