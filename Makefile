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

# After changing a translatable text: extract, build both catalogues (English translations are
# in translations/build_catalogs.py, which refuses to leave one out), compile. The compiled .mo
# files are committed, so a fresh clone needs no build step.
translations: $(INSTALLED)
	$(BIN)/pybabel extract -F babel.cfg -k _ -k gettext -k lazy_gettext --no-wrap -o translations/messages.pot .
	$(BIN)/python translations/build_catalogs.py
	$(BIN)/pybabel compile -d translations
