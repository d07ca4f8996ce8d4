# Everyday commands. `make run` and `make test` do all set-up on a fresh machine.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PIP := $(VENV)/bin/pip
# PostgreSQL pass of `make test`: the server to create the test database on.
TEST_DATABASE_URL ?= $(or $(DATABASE_URL),postgres://postgres@127.0.0.1:5432/referat_archive)
PYTEST_ARGS ?=
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: help setup lexicon run serve migrate sample test test-sqlite test-postgres lint format browser-deps gettext-deps messages bench clean

help:
	@echo "make run     - set up, migrate the embedded SQLite archive, load sample data, serve on http://$(HOST):$(PORT)"
	@echo "make test    - set up and run every test on SQLite, then on PostgreSQL"
	@echo "make lint    - ruff check and format check"

$(VENV)/.installed: requirements.txt requirements-dev.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PIP) install --quiet --disable-pip-version-check -r requirements-dev.txt
	touch $@

# The Danish compound lexicon, built once from the vendored dictionary (a few seconds).
lexicon: $(VENV)/.installed
	@$(PY) -c "from minutes.textanalysis.lexicon import load_lexicon; load_lexicon()"

setup: $(VENV)/.installed lexicon

migrate: setup
	DEBUG=1 $(PY) manage.py migrate --noinput

sample: migrate
	DEBUG=1 $(PY) manage.py load_sample_data

# The background worker (PDF text extraction for clerks' uploads) runs beside the server
# and stops with it.
run: sample
	DEBUG=1 $(PY) manage.py run_jobs & worker=$$!; trap "kill $$worker 2>/dev/null" EXIT INT TERM; \
	DEBUG=1 $(PY) manage.py runserver $(HOST):$(PORT)

# Install Debian package $(2) when command $(1) is missing (with sudo when not root);
# $(3) says what it is for, $(4) what happens without it.
define debian-package
	@if ! command -v $(1) >/dev/null 2>&1; then \
	  echo "Installing Debian's $(2) $(3)"; \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  ($$SUDO apt-get update -qq && $$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $(2) >/dev/null) \
	    || echo "Could not install $(2): $(4)"; \
	fi
endef

# Debian's Chromium for the browser tests (Playwright drives it; no browser download).
browser-deps:
	$(call debian-package,chromium,chromium,for the browser tests,browser tests will be skipped (they fail under CI))

# GNU gettext: a test extracts the UI's messages to check every one has an English translation.
gettext-deps:
	$(call debian-package,xgettext,gettext,for the translation test,the translation test will fail)

test: setup browser-deps gettext-deps test-sqlite test-postgres

test-sqlite: setup
	@echo "== tests on SQLite =="
	env -u DATABASE_URL $(PY) -m pytest $(PYTEST_ARGS)

# Runs when a PostgreSQL server answers; ARCHIVE_REQUIRE_POSTGRES=1 (set by CI) makes a
# missing server an error instead of a skip.
test-postgres: setup
	@if DATABASE_URL="$(TEST_DATABASE_URL)" $(PY) -m minutes.dbcheck; then \
	  echo "== tests on PostgreSQL ($(TEST_DATABASE_URL)) =="; \
	  DATABASE_URL="$(TEST_DATABASE_URL)" $(PY) -m pytest $(PYTEST_ARGS); \
	elif [ -n "$$ARCHIVE_REQUIRE_POSTGRES" ]; then \
	  echo "PostgreSQL is required (ARCHIVE_REQUIRE_POSTGRES) but not reachable at $(TEST_DATABASE_URL)"; exit 1; \
	else \
	  echo "== PostgreSQL not reachable at $(TEST_DATABASE_URL): PostgreSQL pass skipped =="; \
	fi

lint: setup
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format: setup
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

messages: setup
	DEBUG=1 $(PY) manage.py compilemessages --ignore=.venv

clean:
	rm -rf $(VENV) var staticfiles .pytest_cache
