# Two commands on a fresh machine: `make run` and `make test`. Everything else is a helper.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
DEMO := scenarios/demo-fr.json
export NUMBA_CACHE_DIR ?= $(CURDIR)/var/numba-cache

.PHONY: install run demo-plan test lint typecheck unit bench clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	touch $(STAMP)

install: $(STAMP)

$(DEMO): | $(STAMP)
	$(BIN)/oms demo -o $(DEMO)

# Seed ./var/oms.db with the demo network (once), print a key per role, serve on :8000.
run: install $(DEMO)
	mkdir -p var
	$(BIN)/oms seed-demo --problem $(DEMO)
	$(BIN)/oms serve --host 127.0.0.1 --port 8000

# Source the demo problem file and print the summary (the engine alone, no service).
demo-plan: install $(DEMO)
	mkdir -p var
	$(BIN)/oms source $(DEMO) --mode online -o var/demo-plan.json

lint: install
	$(BIN)/ruff check oms tests benchmarks
	$(BIN)/mypy

unit: install
	$(BIN)/pytest -q --durations=15

bench: install
	$(BIN)/pytest -q benchmarks --benchmark-only --benchmark-columns=min,median,mean,max,rounds

test: lint unit bench

clean:
	rm -rf $(VENV) var .benchmarks
