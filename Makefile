# congdoan — make help lists the targets. Every target creates .venv when it is missing.
SHELL := /bin/bash
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
CONGDOAN := $(VENV)/bin/congdoan
STAMP := $(VENV)/.installed-stamp
DEMO ?= demo
WORKSPACE ?= $(DEMO)
PERIOD ?= latest
FLOORS_VENV ?= .venv-floors

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

$(DEMO)/congdoan.yaml: | $(STAMP)
	$(CONGDOAN) demo $(DEMO)
	$(CONGDOAN) -w $(DEMO) ingest --show 1

demo: $(STAMP) $(DEMO)/congdoan.yaml ## Make the demo workspace (Gia Lâm district) in demo/ and ingest its inbox

indicators: demo ## Compute the indicator table of the workspace for the latest complete period
	$(CONGDOAN) -w $(WORKSPACE) indicators --period $(PERIOD) --out $(WORKSPACE)/output/indicators.csv

briefings: demo ## Render the briefings of the demo workspace (HTML + PDF) into demo/output/briefings
	$(CONGDOAN) -w $(WORKSPACE) briefings --period $(PERIOD)

explore-html: demo ## Execute explore.ipynb on the workspace and export its output/explore.html (offline)
	$(CONGDOAN) -w $(WORKSPACE) explore-html notebooks/explore.ipynb $(WORKSPACE)/output/explore.html \
	  --run -p period $(PERIOD)

test: $(STAMP) ## Run the whole test suite (lint, types, tests), then the fast lane on the floors
	$(VENV)/bin/ruff check lib tests benchmarks
	$(VENV)/bin/mypy
	$(VENV)/bin/pytest
	$(MAKE) --no-print-directory test-floors

.PHONY: test-floors
test-floors: $(STAMP) ## The fast lane on the lowest versions pyproject.toml allows (in .venv-floors)
	@test -x $(FLOORS_VENV)/bin/python || $(PY) -m venv $(FLOORS_VENV)
	$(PY) .ci/floors.py > $(FLOORS_VENV)/floors.txt
	$(FLOORS_VENV)/bin/python -m pip install -q -c $(FLOORS_VENV)/floors.txt -e '.[dev]'
	$(FLOORS_VENV)/bin/pytest -q -n auto -m "not slow and not browser and not postgres"

.PHONY: test-fast
test-fast: $(STAMP) ## The fast lane: every test not marked slow, browser or postgres, one process a core
	$(VENV)/bin/pytest -q -n auto -m "not slow and not browser and not postgres"

lint: $(STAMP) ## ruff and mypy only
	$(VENV)/bin/ruff check lib tests benchmarks
	$(VENV)/bin/mypy

bench: $(STAMP) ## Run the benchmarks (print figures)
	$(PY) benchmarks/bench_indicators.py
	$(PY) benchmarks/bench_briefings.py
	$(PY) benchmarks/bench_explore.py

lab: demo ## Start JupyterLab in the workspace (WORKSPACE=DIR; default the demo)
	$(CONGDOAN) -w $(WORKSPACE) lab -- $(LAB_ARGS)

clean: ## Remove the demo workspace and outputs (keeps .venv)
	rm -rf $(DEMO) output
