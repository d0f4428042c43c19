# Two commands: `make run` serves the demo, `make test` runs the whole suite.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-dev
DATA ?= instance
HOST ?= 127.0.0.1
PORT ?= 5000

.PHONY: run test install bench translations compile-translations lint clean-demo

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/pip install -q -e '.[dev]'
	touch $@

install: $(STAMP)

compile-translations: install
	$(BIN)/pybabel -q compile -d civic/translations -D 'messages wtforms'

run: install compile-translations
	mkdir -p $(DATA)
	test -s $(DATA)/secret_key || $(BIN)/python -c 'import secrets; print(secrets.token_hex(32))' > $(DATA)/secret_key
	CIVIC_DATA_DIR=$(DATA) $(BIN)/civic db upgrade
	CIVIC_DATA_DIR=$(DATA) $(BIN)/civic demo
	@echo "Serving http://$(HOST):$(PORT)  (worker running beside it; Ctrl+C stops both)"
	CIVIC_DATA_DIR=$(DATA) $(BIN)/civic worker & worker=$$!; \
	trap 'kill $$worker 2>/dev/null' EXIT INT TERM; \
	CIVIC_DATA_DIR=$(DATA) $(BIN)/civic run --host $(HOST) --port $(PORT) --no-reload

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
