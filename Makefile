# Staffroom. `make run` starts the embedded default; `make test` runs every test
# against real PostgreSQL, Redis, Elasticsearch and Chromium.
SHELL := /bin/bash
PYTHON ?= $(shell command -v python3.11 || command -v python3)
PORT ?= 8000
VENV ?= .venv
# Use the active virtualenv when there is one; otherwise create .venv.
ifdef VIRTUAL_ENV
  PY := $(VIRTUAL_ENV)/bin/python
else
  PY := $(VENV)/bin/python
endif

.PHONY: help install run test test-quick lint check worker messages clean

help: ## Show the targets
	@grep -E '^[a-z-]+:.*##' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  %-12s %s\n", $$1, $$2}'

$(PY):
	@command -v $(PYTHON) >/dev/null || { echo "Python 3.11 is needed (python3.11 not found)"; exit 1; }
	$(PYTHON) -m venv $(VENV)

install: $(PY) ## Install the project and its dev tools into the virtualenv
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e '.[dev]'

run: install ## Start the embedded default on 127.0.0.1:$(PORT) with demo content
	$(PY) manage.py migrate --noinput -v0
	$(PY) manage.py seed_demo
	exec $(PY) -m staffroom.run --port $(PORT)

test: install ## Run the whole suite against real services (started by the harness)
	$(PY) -m pytest

test-quick: install ## Skip the tests that need external services or a browser
	$(PY) -m pytest -m "not postgres and not redis and not elasticsearch and not browser" -p no:staffroom_harness

lint: ## ruff check and format check
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .

check: ## Django system checks and missing migrations
	$(PY) manage.py check
	$(PY) manage.py makemigrations --check --dry-run

messages: ## Collect the interface strings into locale/ and compile the catalogues
	$(PY) manage.py makemessages -d django -l nn -l en --no-location --ignore=.venv --ignore=tests --ignore=var --ignore=bench
	$(PY) manage.py makemessages -d djangojs -l nn -l en --no-location --ignore=.venv --ignore=tests --ignore=var --ignore=bench
	$(PY) manage.py compilemessages --ignore=.venv

worker: ## The search indexing worker
	$(PY) manage.py search_worker

clean:
	rm -rf var .pytest_cache
