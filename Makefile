# `make run` serves the demo as production does (gunicorn, 2 workers, and the queue worker),
# `make dev` with Flask's reloading development server, `make test` runs the whole suite.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-dev
RUN_STAMP := $(VENV)/.installed-run
DATA ?= instance
HOST ?= 127.0.0.1
PORT ?= 5000
# Links in messages and pages point where the demo is served (`make run PORT=5055`).
BASE_URL ?= $(or $(CIVIC_BASE_URL),http://$(HOST):$(PORT))

.PHONY: run dev demo-data test install bench translations compile-translations lint clean-demo

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/pip install -q -e '.[dev]'
	touch $@

install: $(STAMP)

# Runtime dependencies only (no dev extras); a dev install already holds them.
$(RUN_STAMP): pyproject.toml | $(BIN)/python
	test -f $(STAMP) -a $(STAMP) -nt pyproject.toml || $(BIN)/pip install -q -e .
	touch $@

compile-translations: install
	$(BIN)/pybabel -q compile -d civic/translations -D 'messages wtforms'

demo-data: $(RUN_STAMP)
	$(BIN)/pybabel -q compile -d civic/translations -D 'messages wtforms'
	mkdir -p $(DATA)
	test -s $(DATA)/secret_key || $(BIN)/python -c 'import secrets; print(secrets.token_hex(32))' > $(DATA)/secret_key
	CIVIC_DATA_DIR=$(DATA) $(BIN)/civic db upgrade
	CIVIC_DATA_DIR=$(DATA) CIVIC_BASE_URL=$(BASE_URL) $(BIN)/civic demo

run: demo-data
	@echo "Serving http://$(HOST):$(PORT) with gunicorn, 2 workers (queue worker beside it; Ctrl+C stops both)"
	CIVIC_DATA_DIR=$(DATA) CIVIC_BASE_URL=$(BASE_URL) $(BIN)/civic worker & worker=$$!; \
	trap 'kill $$worker 2>/dev/null' EXIT INT TERM; \
	CIVIC_DATA_DIR=$(DATA) CIVIC_BASE_URL=$(BASE_URL) $(BIN)/gunicorn -c python:civic.gunicorn_conf --workers 2 --bind $(HOST):$(PORT) --access-logfile - 'civic:create_app()'

dev: install demo-data
	@echo "Serving http://$(HOST):$(PORT) with Flask's reloader (worker beside it; Ctrl+C stops both)"
	CIVIC_DATA_DIR=$(DATA) CIVIC_BASE_URL=$(BASE_URL) $(BIN)/civic worker & worker=$$!; \
	trap 'kill $$worker 2>/dev/null' EXIT INT TERM; \
	CIVIC_DATA_DIR=$(DATA) CIVIC_BASE_URL=$(BASE_URL) FLASK_DEBUG=1 $(BIN)/civic run --host $(HOST) --port $(PORT) --reload

test: install compile-translations
	$(BIN)/pytest -n auto --dist loadgroup -p no:cacheprovider $(PYTEST_ARGS)

bench: install compile-translations
	$(BIN)/python -m bench $(BENCH_ARGS)

translations: install
	$(BIN)/pybabel -q extract -F babel.cfg -k _l -k lazy_gettext -k ngettext:1,2 -o civic/translations/messages.pot --no-location --sort-output --project civic --copyright-holder "civic" civic templates
	$(BIN)/pybabel -q update -i civic/translations/messages.pot -d civic/translations --no-fuzzy-matching --ignore-obsolete
	$(BIN)/pybabel -q compile -d civic/translations -D 'messages wtforms'

lint: install
	$(BIN)/ruff check .
	$(BIN)/lint-imports
