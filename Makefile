# congdoan — make help lists the targets. Every target creates .venv when it is missing.
SHELL := /bin/bash
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
CONGDOAN := $(VENV)/bin/congdoan
STAMP := $(VENV)/.installed-stamp
DEMO := data/demo
DEMO_DB := sqlite:///$(CURDIR)/$(DEMO)/congdoan.sqlite
PERIOD ?= latest
OUT ?= output/briefings

.DEFAULT_GOAL := help
.PHONY: help venv demo indicators briefings explore-html test lint bench lab clean

help: ## Show this help
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-12s %s\n", $$1, $$2}'

$(STAMP): pyproject.toml
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e '.[dev]'
	@touch $(STAMP)

venv: $(STAMP) ## Create .venv and install congdoan with its dependencies

demo: $(STAMP) ## Build the deterministic demo district into data/demo/
	$(CONGDOAN) demo --out $(DEMO)

indicators: demo ## Compute the indicator table for the latest complete period
	$(CONGDOAN) indicators --period $(PERIOD) --out output/indicators.csv
	@echo "Bảng chỉ tiêu / indicator table: output/indicators.csv"

briefings: demo ## Build the demo data and render the briefings (HTML + PDF)
	$(CONGDOAN) ingest $(DEMO)/inbox --db $(DEMO_DB) --registry $(DEMO) --show 1
	$(CONGDOAN) briefings --period $(PERIOD) --out $(OUT) --data $(DEMO_DB)

explore-html: demo ## Execute explore.ipynb on the demo and export output/explore.html (offline)
	@mkdir -p output
	$(VENV)/bin/papermill --no-progress-bar notebooks/explore.ipynb output/explore.ipynb -p period $(PERIOD)
	$(CONGDOAN) explore-html output/explore.ipynb output/explore.html

test: $(STAMP) ## Run the whole test suite (lint, types, tests)
	$(VENV)/bin/ruff check lib tests benchmarks
	$(VENV)/bin/mypy
	$(VENV)/bin/pytest

.PHONY: test-fast
test-fast: $(STAMP) ## The fast lane: every test not marked slow, browser or postgres
	$(VENV)/bin/pytest -q -m "not slow and not browser and not postgres"

lint: $(STAMP) ## ruff and mypy only
	$(VENV)/bin/ruff check lib tests benchmarks
	$(VENV)/bin/mypy

bench: $(STAMP) ## Run the benchmarks (print figures)
	$(PY) benchmarks/bench_indicators.py
	$(PY) benchmarks/bench_briefings.py
	$(PY) benchmarks/bench_explore.py

lab: $(STAMP) ## Start JupyterLab on the notebooks folder
	$(VENV)/bin/jupyter lab --notebook-dir=notebooks $(if $(filter 0,$(shell id -u)),--allow-root) $(LAB_ARGS)

clean: ## Remove generated data and outputs (keeps .venv)
	rm -rf $(DEMO) output
