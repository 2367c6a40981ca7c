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
## server (`.ci/run` starts a throw-away one). The two halves run side by side (one core each, about five
## minutes in all instead of eight); the PostgreSQL half's report is printed after the SQLite half's.
test: $(TESTSTAMP)
	@if [ -n "$$CCC_TEST_PG" ]; then \
		log=$$(mktemp /tmp/ccc-pg-tests.XXXXXX); \
		echo "PostgreSQL half ($(PG_TESTS)) running beside the SQLite half; its report follows."; \
		$(BIN)/python -m pytest --store=postgres $(PG_TESTS) > $$log 2>&1 & pg=$$!; \
		trap 'kill $$pg 2>/dev/null; rm -f $$log' EXIT; \
		$(BIN)/python -m pytest; sqlite=$$?; \
		wait $$pg; postgres=$$?; \
		echo "── PostgreSQL half: $(PG_TESTS)"; cat $$log; rm -f $$log; \
		echo "SQLite half: exit $$sqlite; PostgreSQL half: exit $$postgres"; \
		[ $$sqlite -eq 0 ] && [ $$postgres -eq 0 ]; \
	else \
		$(BIN)/python -m pytest; sqlite=$$?; \
		echo "PostgreSQL half skipped: no CCC_TEST_PG. Run .ci/run (starts a throw-away server), or"; \
		echo "  CCC_TEST_PG=\$$(.ci/pg-server start /tmp/ccc-pg) make test"; \
		exit $$sqlite; \
	fi

bench: $(STAMP)
	$(BIN)/python bench/run.py

clean:
	rm -rf $(VENV) demo build *.egg-info src/*.egg-info
