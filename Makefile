# The two commands: `make run` and `make test`. Everything else supports them.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
export FLASK_APP := wsgi
TEST_DATABASE_URL ?= postgresql://postgres@127.0.0.1:5432/postgres

.PHONY: run test test-sqlite test-postgres browser-deps lint format bench clean help

help:
	@echo "make run    - install, migrate, seed the demo clinic, serve on http://127.0.0.1:5000"
	@echo "             with the background worker (reminders)"
	@echo "make test   - run the tests on SQLite, then on PostgreSQL"
	@echo "make lint   - ruff check, ruff format --check, mypy"
	@echo "make bench  - benchmarks (figures go in docs/performance.md)"

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

# Reinstall only when the project's requirements change, so a second `make run` is quick.
$(STAMP): $(BIN)/python pyproject.toml requirements.lock
	@echo "Installing the app and its test tools into $(VENV)…"
	$(BIN)/pip install --quiet -c requirements.lock -e '.[test]'
	@touch $(STAMP)

run: export CLINIC_ENV := development
run: $(STAMP)
	@mkdir -p instance
	$(BIN)/flask db upgrade
	$(BIN)/flask seed-demo --skip-if-present
	@echo ""
	@echo "clinic is starting on http://127.0.0.1:5000 with its worker (Ctrl-C stops both)."
	@echo "Emails go to instance/mail/*.eml and show on the Messages page."
	@$(BIN)/flask worker & worker=$$!; \
	  trap 'kill -TERM $$worker 2>/dev/null; wait $$worker' EXIT INT TERM; \
	  $(BIN)/flask run --host 127.0.0.1 --port 5000

browser-deps:
	@if [ ! -x /usr/bin/chromium ]; then \
	  if [ "$$(id -u)" = "0" ]; then \
	    echo "Installing Debian's chromium for the browser tests…"; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
	  else \
	    echo "The browser tests need Chromium at /usr/bin/chromium: run 'sudo apt-get install chromium'"; \
	    exit 1; \
	  fi; \
	fi

test: $(STAMP) browser-deps
	@$(MAKE) --no-print-directory test-sqlite
	@$(MAKE) --no-print-directory test-postgres

test-sqlite: $(STAMP)
	@echo "== tests on SQLite =="
	TEST_DATABASE_URL= $(BIN)/pytest $(PYTEST_ARGS)

test-postgres: $(STAMP)
	@if $(BIN)/python -c "import psycopg,sys; psycopg.connect('$(TEST_DATABASE_URL)', connect_timeout=3).close()" 2>/dev/null; then \
	  echo "== tests on PostgreSQL ($(TEST_DATABASE_URL)) =="; \
	  TEST_DATABASE_URL=$(TEST_DATABASE_URL) $(BIN)/pytest $(PYTEST_ARGS); \
	elif [ "$(REQUIRE_POSTGRES)" = "1" ]; then \
	  echo "PostgreSQL is required but unreachable at $(TEST_DATABASE_URL)"; exit 1; \
	else \
	  echo "PostgreSQL is not reachable at $(TEST_DATABASE_URL): its run was left out."; \
	  echo "Start it, or set TEST_DATABASE_URL, to test on PostgreSQL too."; \
	fi

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

format: $(STAMP)
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

bench: $(STAMP)
	$(BIN)/python -m bench $(BENCH_ARGS)
	$(BIN)/python -m bench.dispatch

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache .mypy_cache test-artifacts
