# Set-up is part of every target: a fresh clone needs nothing but Python 3.11+ and make.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
INSTALLED := $(VENV)/.installed
HOST ?= 127.0.0.1
PORT ?= 5000

.PHONY: run test test-postgres test-browser install axe node-tools pdf-tools bench bench-all lock clean translations

# Some machines set PYTHONDONTWRITEBYTECODE: then every pytest worker, and every server or worker
# the tests start as a subprocess, compiles the project's modules again and pytest rewrites
# every test module's assertions again (about 5 s of each worker's collection here).
unexport PYTHONDONTWRITEBYTECODE

# Dependencies come from the lock file, every one pinned with its hashes; the project itself is
# installed on top without resolving anything. After changing dependencies in pyproject.toml:
# `make lock`.
$(INSTALLED): pyproject.toml requirements-test.lock
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --require-hashes -r requirements-test.lock
	$(BIN)/pip install --quiet --no-deps -e .
	touch $(INSTALLED)

install: $(INSTALLED)

# What the tests take from the npm registry, with the machine's npm, as package-lock.json pins it
# (version and hash) into node_modules/: axe-core, the accessibility checker the browser tests run
# in each page, and oidc-provider, the certified OpenID provider the single sign-on tests start
# with the machine's Node.js (tests/oidc/provider.mjs).
NODE_TOOLS := node_modules/.installed
AXE := node_modules/axe-core/axe.min.js
# Without npm the accessibility checks and the single sign-on tests skip, as the browser tests do
# without chromium (unless VIGILANCE_REQUIRE_BROWSER=1; .ci/run installs them all).
$(NODE_TOOLS): package.json package-lock.json
	@if command -v npm >/dev/null 2>&1; then \
		npm ci --no-audit --no-fund --loglevel=error && touch $(NODE_TOOLS); \
	else echo "npm not found: the accessibility checks and single sign-on tests will skip (apt-get install npm)"; fi

node-tools: $(NODE_TOOLS)

# Debian's poppler-utils reads the printed documents back in the tests (pdftotext, pdfinfo,
# pdftoppm): installed when missing where the machine allows it (root, apt-get); elsewhere the
# tests that read PDFs skip, saying why.
pdf-tools:
	@if ! command -v pdftotext >/dev/null 2>&1; then \
		if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
			echo "installing Debian's poppler-utils (the tests read the PDFs back)"; \
			DEBIAN_FRONTEND=noninteractive apt-get update -qq && \
			DEBIAN_FRONTEND=noninteractive apt-get install -y -qq poppler-utils >/dev/null; \
		else echo "pdftotext not found: the tests reading PDFs back will skip (apt-get install poppler-utils)"; fi; \
	fi

# Kept for habit and scripts: the same install.
axe: node-tools

# The links in emails point at the address served (unless VIGILANCE_BASE_URL says otherwise);
# served on every interface, at the machine's name.
LINK_HOST = $(if $(filter 0.0.0.0 ::,$(HOST)),$(shell hostname),$(HOST))
run: export VIGILANCE_BASE_URL ?= http://$(LINK_HOST):$(PORT)
run: $(INSTALLED)
	$(BIN)/vigilance db upgrade
	$(BIN)/vigilance demo load
	$(BIN)/vigilance run --host $(HOST) --port $(PORT)

# Lint and format are part of the suite: a change that breaks either fails `make test`. The tests
# run in parallel, one process per core (pytest-xdist): each test has its own database and ports.
# The browser tests (a real Chromium, a minute and a half of their own) are the browser suite:
# `make test-browser`, which .ci/run runs on SQLite and on PostgreSQL after this one.
PYTEST_WORKERS ?= auto
test: $(INSTALLED) $(NODE_TOOLS) pdf-tools
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/pytest -q -n $(PYTEST_WORKERS) -m "not browser"

test-postgres: $(INSTALLED) $(NODE_TOOLS) pdf-tools
	VIGILANCE_TEST_DATABASE_URL=$${VIGILANCE_TEST_DATABASE_URL:-postgresql://postgres@127.0.0.1:5432/postgres} \
		$(BIN)/pytest -q -n $(PYTEST_WORKERS) -m "not browser"

# On SQLite, or on PostgreSQL when VIGILANCE_TEST_DATABASE_URL names one.
test-browser: $(INSTALLED) $(NODE_TOOLS)
	VIGILANCE_REQUIRE_BROWSER=1 $(BIN)/pytest -q -n $(PYTEST_WORKERS) -m browser

# The classification benchmark (a minute or two; wrk: apt-get install wrk). Every benchmark and
# its options: bench/README.md.
bench: $(INSTALLED)
	$(BIN)/python -m bench.classify

# Every benchmark at the sizes bench/README.md's figures were taken at (PostgreSQL needed).
bench-all: $(INSTALLED)
	$(BIN)/python -m bench.classify
	$(BIN)/python -m bench.intake
	$(BIN)/python -m bench.triage --sizes 10000 --requests 100 --claims 1000 --split-claims 4000 --in-process-claims 500 --quiet-load
	$(BIN)/python -m bench.summaries --reports 100000 --establishments 20
	$(BIN)/python -m bench.worker --part throughput --reports 10000 --workers 1,2 --smtp-seconds 10
	$(BIN)/python -m bench.worker --part idle --idle-small 10000 --idle-timers 100000
	$(BIN)/python -m bench.documents

# Refresh the lock files from pyproject.toml: new dependencies are added, the others keep their
# pins (`make lock UPGRADE=1` moves every pin to the newest allowed release). pip-tools runs in
# a virtualenv of its own, so that locking never depends on what the project's one holds.
LOCK_VENV := .venv-lock
PIP_COMPILE = $(LOCK_VENV)/bin/pip-compile --quiet --generate-hashes --strip-extras --allow-unsafe \
	--no-emit-index-url --no-emit-find-links $(if $(UPGRADE),--upgrade)
lock:
	test -x $(LOCK_VENV)/bin/pip-compile || ($(PYTHON) -m venv $(LOCK_VENV) && $(LOCK_VENV)/bin/pip install --quiet pip-tools)
	$(PIP_COMPILE) --extra test -o requirements-test.lock pyproject.toml
	$(PIP_COMPILE) -o requirements.lock pyproject.toml

clean:
	rm -rf $(VENV) $(LOCK_VENV) .pytest_cache .hypothesis node_modules

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
