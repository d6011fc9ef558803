# Everything runs inside the locked uv environment (.venv); `make install` creates it.
SHELL := /bin/bash
.DEFAULT_GOAL := help

UV ?= $(shell command -v uv 2>/dev/null || echo $(HOME)/.local/bin/uv)
RUN := $(UV) run --frozen
export FINOPS_HOME ?= $(CURDIR)/.finops
export DAGSTER_HOME ?= $(FINOPS_HOME)/dagster
export DO_NOT_TRACK := 1
export DBT_SEND_ANONYMOUS_USAGE_STATS := false
export RUNTIME__DLTHUB_TELEMETRY := false
export DBT_PROFILES_DIR := $(CURDIR)/dbt_project

.PHONY: emulators help install demo dev test test-dbt lint fmt manifest check-defs bench clean

SCALE ?= 1000000
WAREHOUSE ?= duckdb

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  %-12s %s\n", $$1, $$2}'

$(UV):
	python3 -m pip install --user --quiet uv

.venv/.installed: pyproject.toml uv.lock | $(UV)
	@# where PYTHONDONTWRITEBYTECODE is set (CI images often set it) Python never caches compiled
	@# modules: every process (each dbt call, each Dagster step) recompiled dagster, dbt, sklearn
	@# and GX from source, 17 s per import of the Dagster definitions. Compile once here.
	$(UV) sync --frozen --compile-bytecode
	$(UV) run --frozen python -m compileall -q ingestion orchestration ml data_tests
	@touch $@

install: .venv/.installed ## create the environment from uv.lock

demo: install ## sample data -> Dagster run -> DuckDB warehouse, then a summary
	$(RUN) finops demo

dev: install manifest ## Dagster UI on 127.0.0.1:3000 (run history kept in .finops/dagster)
	@mkdir -p $(DAGSTER_HOME) && [ -f $(DAGSTER_HOME)/dagster.yaml ] || cp orchestration/dagster.yaml $(DAGSTER_HOME)/
	$(RUN) dagster dev -w workspace.yaml -h 127.0.0.1 -p 3000

EMULATORS := tests/emulators/node_modules/.installed
$(EMULATORS): tests/emulators/package.json tests/emulators/package-lock.json
	cd tests/emulators && npm ci --no-audit --no-fund --loglevel=error
	@touch $@

emulators: $(EMULATORS) ## protocol emulators the tests use (Azurite for Azure Blob Storage, from npm)

test: install emulators ## the whole test suite (DuckDB and PostgreSQL)
	$(RUN) pytest -q -n 2 --dist loadfile

test-dbt: install ## dbt models only, both warehouses
	$(RUN) pytest -q tests/dbt

lint: install ## ruff and sqlfluff
	$(RUN) ruff check .
	$(RUN) ruff format --check .
	$(RUN) sqlfluff lint dbt_project/models dbt_project/macros dbt_project/tests

fmt: install ## format Python and SQL
	$(RUN) ruff format .
	$(RUN) ruff check --fix .
	$(RUN) sqlfluff fix dbt_project/models

manifest: install ## dbt parse (the Dagster definitions read the manifest)
	cd dbt_project && $(RUN) dbt parse --quiet

check-defs: install manifest ## load the Dagster definitions
	$(RUN) dagster definitions validate -w workspace.yaml

bench: install ## pipeline benchmark: make bench SCALE=1000000 WAREHOUSE=duckdb|postgres
	cd bench && $(RUN) python pipeline.py --scale $(SCALE) --warehouse $(WAREHOUSE)

clean: ## remove local state (warehouse, sample data, run history)
	rm -rf .finops dbt_project/target dbt_project/logs
