# FacetCoder: `make run` serves the app, `make test` runs lint and the whole suite.
# Both set up .venv (Python >= 3.12) from requirements.txt first; nothing else is needed.
SHELL := /bin/bash
VENV := .venv
PY := $(VENV)/bin/python
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: setup run test lint format migrate

setup:
	@scripts/setup.sh

migrate: setup
	$(PY) manage.py migrate --noinput
	$(PY) manage.py load_reference

run: export DJANGO_DEBUG = 1
run: migrate
	$(PY) manage.py runserver $(HOST):$(PORT)

lint: setup
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/djlint templates --check --lint

format: setup
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .
	$(VENV)/bin/djlint templates --reformat

test: lint
	$(PY) -m pytest
