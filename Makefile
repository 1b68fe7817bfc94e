# FacetCoder: `make run` serves the app for development, `make test` runs lint and the whole
# suite (what CI runs). Every target sets up .venv (Python >= 3.12) from requirements.txt first.
SHELL := /bin/bash
VENV := .venv
PY := $(VENV)/bin/python
HOST ?= 127.0.0.1
PORT ?= 8000
# The browser tests drive Debian's Chromium; `make browser` installs it when it is missing.
CHROMIUM ?= /usr/bin/chromium
export CHROMIUM

.PHONY: setup browser migrate run serve lint format test test-sqlite test-postgres bench

setup:
	@scripts/setup.sh

browser:
	@test -x "$(CHROMIUM)" || scripts/apt-install.sh chromium

migrate: setup
	$(PY) manage.py migrate --noinput
	$(PY) manage.py load_reference

# Development server: DEBUG on, no secret needed.
run: export DJANGO_DEBUG = 1
run: migrate
	$(PY) manage.py runserver $(HOST):$(PORT)

# Production settings under gunicorn: DEBUG off, DJANGO_SECRET_KEY required (see README).
serve: setup
	@HOST=$(HOST) PORT=$(PORT) scripts/serve.sh

lint: setup
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/djlint templates --check --lint

format: setup
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .
	$(VENV)/bin/djlint templates --reformat

# The whole suite: on SQLite with the browser tests, then on PostgreSQL. The PostgreSQL pass
# always runs in CI (CI=true; the server is installed when missing) and wherever a PostgreSQL
# server is installed; PG=0 leaves it out.
test: lint test-sqlite
	@if [ "$${PG:-}" != 0 ] && { [ "$${CI:-}" = true ] || scripts/postgres.sh available; }; then \
	  scripts/test-postgres.sh; \
	else \
	  echo "PostgreSQL pass skipped: no PostgreSQL server here (CI=true installs one)."; \
	fi

# Two or more workers (pytest-xdist, one per core): each has its own database, live server and
# browser.
test-sqlite: setup browser
	$(PY) -m pytest -n auto

test-postgres: setup
	scripts/test-postgres.sh

# Throughput and latency under gunicorn with production settings, on loopback; writes
# bench/results.md. BENCH_DB=sqlite uses a SQLite file instead of a throwaway PostgreSQL.
bench: setup
	$(PY) bench/run.py
