# Two commands do everything on a fresh clone: `make demo` and `make test`.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
PLUGINS := $(patsubst %/pyproject.toml,%,$(wildcard plugins/*/pyproject.toml))
STAMP  := $(VENV)/.installed
TESTSTAMP := $(VENV)/.installed-test

.PHONY: demo test install bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip setuptools wheel

$(STAMP): $(BIN)/python pyproject.toml $(wildcard plugins/*/pyproject.toml)
	$(BIN)/python -m pip install -q -e . $(foreach p,$(PLUGINS),-e $(p))
	touch $(STAMP)

$(TESTSTAMP): $(STAMP)
	$(BIN)/python -m pip install -q -e '.[test]'
	touch $(TESTSTAMP)

install: $(STAMP)

## make demo: build a demo workspace in ./demo from contracts/ and examples/, then open the TUI
demo: $(STAMP)
	$(BIN)/ccc demo demo

# The tests that run on PostgreSQL too (`pytest --store=postgres`): the store, imports, engine, governance,
# exports, invoices and the TUI (contracts, readers and the core are the same code on both stores).
PG_TESTS := tests/store tests/engine tests/imports tests/governance tests/export tests/invoice tests/tui

## make test: install what the tests need and run them; the PostgreSQL half when CCC_TEST_PG names a
## server (`.ci/run` starts a throw-away one)
test: $(TESTSTAMP)
	$(BIN)/python -m pytest
	@if [ -n "$$CCC_TEST_PG" ]; then \
		echo "PostgreSQL half: $(PG_TESTS)"; \
		$(BIN)/python -m pytest --store=postgres $(PG_TESTS); \
	else \
		echo "PostgreSQL half skipped: no CCC_TEST_PG. Run .ci/run (starts a throw-away server), or"; \
		echo "  CCC_TEST_PG=\$$(.ci/pg-server start /tmp/ccc-pg) make test"; \
	fi

bench: $(STAMP)
	$(BIN)/python bench/run.py

clean:
	rm -rf $(VENV) demo build *.egg-info src/*.egg-info
