# realtymedia: `make run` serves on http://127.0.0.1:8080, `make test` runs the test suite.
# Each target sets up what it needs on a fresh machine first.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
RUN_STAMP := $(VENV)/.installed-run
STAMP := $(VENV)/.installed
PIP := $(BIN)/pip install --quiet --disable-pip-version-check -c requirements.lock
HOST ?= 127.0.0.1
PORT ?= 8080

.DEFAULT_GOAL := help
.PHONY: help install run test test-fast migrate lint clean

help: ## show this help
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  %-12s %s\n", $$1, $$2}'

# What the service needs to run: the server and the client SDK (with its upload command), editable.
$(RUN_STAMP): pyproject.toml clients/python/pyproject.toml requirements.lock
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check --upgrade pip==25.3
	$(PIP) -e . -e ./clients/python
	touch $(RUN_STAMP)

# Then the test and lint tools (the `dev` extra), for `make test` and `make lint` only.
$(STAMP): $(RUN_STAMP)
	$(PIP) -e '.[dev]' -e ./clients/python
	touch $(STAMP)

install: $(STAMP) ## create .venv with everything: the service, the SDK, the test and lint tools

migrate: $(RUN_STAMP) ## apply pending database migrations
	$(BIN)/realtymedia db upgrade

run: $(RUN_STAMP) ## serve on http://$(HOST):$(PORT) (SQLite and local disk under ./var unless configured)
	$(BIN)/realtymedia serve --host $(HOST) --port $(PORT)

test: $(STAMP) chromium lint ## lint, then the whole test suite (PostgreSQL too when reachable; required when CI is set)
	$(BIN)/python -m pytest

test-fast: $(STAMP) ## run only the unit tests
	$(BIN)/python -m pytest tests/unit

.PHONY: chromium
chromium: ## install Debian's chromium and npm (for axe-core) for the browser tests, when missing
	@test -x /usr/bin/chromium || { apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y chromium; }
	@command -v npm >/dev/null || { apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y npm; }

lint: $(STAMP) ## ruff on everything, mypy --strict on src/ and the SDK
	$(BIN)/ruff check src clients tests bench
	$(BIN)/mypy

clean: ## remove the virtual environment and local data
	rm -rf $(VENV) var

.PHONY: bench soak
bench: $(STAMP) ## benchmarks: the service (uvicorn, 1 worker) on SQLite and PostgreSQL vs a bare ASGI ceiling (wrk)
	@command -v wrk >/dev/null || (apt-get update -qq && apt-get install -y -qq wrk)
	$(BIN)/python -m bench.run $(BENCH_ARGS)

soak: $(STAMP) ## long fault runs: kill -9 and SIGTERM rounds on SQLite and PostgreSQL, and a round of hostile uploads (bounded)
	SOAK_RESULTS=bench/results/soak $(BIN)/python -m pytest -q -p no:cacheprovider tests/faults/soak_faults.py $(SOAK_ARGS)
