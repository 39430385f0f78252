# Set-up is part of every target: a fresh clone needs nothing but Python 3.11+ and make.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
INSTALLED := $(VENV)/.installed
HOST ?= 127.0.0.1
PORT ?= 5000

.PHONY: run test test-postgres test-browser install bench clean translations

$(INSTALLED): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e ".[test]"
	touch $(INSTALLED)

install: $(INSTALLED)

# The links in emails point at the address served (unless VIGILANCE_BASE_URL says otherwise);
# served on every interface, at the machine's name.
LINK_HOST = $(if $(filter 0.0.0.0 ::,$(HOST)),$(shell hostname),$(HOST))
run: export VIGILANCE_BASE_URL ?= http://$(LINK_HOST):$(PORT)
run: $(INSTALLED)
	$(BIN)/vigilance db upgrade
	$(BIN)/vigilance demo load
	$(BIN)/vigilance run --host $(HOST) --port $(PORT)

# Lint and format are part of the suite: a change that breaks either fails `make test`.
test: $(INSTALLED)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/pytest -q

test-postgres: $(INSTALLED)
	VIGILANCE_TEST_DATABASE_URL=$${VIGILANCE_TEST_DATABASE_URL:-postgresql://postgres@127.0.0.1:5432/postgres} \
		$(BIN)/pytest -q -m "not browser"

test-browser: $(INSTALLED)
	VIGILANCE_REQUIRE_BROWSER=1 $(BIN)/pytest -q -m browser

bench: $(INSTALLED)
	$(BIN)/python bench/classify_bench.py

clean:
	rm -rf $(VENV) .pytest_cache .hypothesis

# After changing a translatable text: extract, merge into both catalogues, then translate the new
# entries by editing translations/en/LC_MESSAGES/messages.po (French is the source language; the
# French catalogue needs only plural forms and marshmallow's English messages), and compile again.
# The compiled .mo files are committed, so a fresh clone needs no build step;
# tests/app/test_translations.py fails while an entry lacks its English or a .mo is out of date.
translations: $(INSTALLED)
	$(BIN)/pybabel extract -F babel.cfg -k translatable -k translatable_plural:1,2 -k lazy_gettext -k words -k plural_words:1,2 --no-wrap --sort-by-file \
		--project vigilance -o translations/messages.pot .
	$(BIN)/pybabel update -i translations/messages.pot -d translations --no-wrap --ignore-obsolete --no-fuzzy-matching
	$(BIN)/pybabel compile -d translations
