# MIH sites. `make` lists the targets.
SHELL := /bin/bash
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV ?= .venv
PY := $(VENV)/bin/python
PORT ?= 8000

.DEFAULT_GOAL := help

help: ## List the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-10s %s\n", $$1, $$2}'

$(VENV)/.installed: requirements.txt requirements-dev.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check --upgrade pip
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	touch $@

install: $(VENV)/.installed ## Create .venv and install the pinned requirements

messages: install ## Compile the translation catalogues (pure Python, no gettext needed)
	@$(PY) manage.py compile_translations

setup: messages ## Migrate the database and create both sites with demo content (idempotent)
	@mkdir -p var
	$(PY) manage.py migrate --noinput
	$(PY) manage.py setup_sites --port $(PORT)

run: setup ## Set everything up; serve both sites on PORT (default 8000) beside one task worker
	@$(PY) manage.py ensure_dev_superuser
	@echo
	@echo "  MIH VVS ApS:  http://mihvvs.localhost:$(PORT)/"
	@echo "  MIH El ApS:   http://mihel.localhost:$(PORT)/"
	@echo "  Admin:        http://mihvvs.localhost:$(PORT)/admin/"
	@echo
	@# The worker sends queued mail and runs Wagtail's tasks; Ctrl-C stops both (the trap stops
	@# the worker whichever way the server ends). Restart after changing task code.
	$(PY) manage.py run_worker --no-reload & worker=$$!; \
	trap 'kill $$worker 2>/dev/null; wait $$worker 2>/dev/null' EXIT; \
	$(PY) manage.py runserver 127.0.0.1:$(PORT)

test: messages ## Run the whole test suite (DATABASE_URL picks PostgreSQL)
	$(PY) -m pytest

bench: messages ## Export and purge benchmark vs Wagtail's own export (COUNTS="10000 100000")
	$(PY) -m tests.bench.export_purge --counts $(or $(COUNTS),10000 100000)

bench-photos: messages ## CPU and peak memory of the most expensive photo request the limits accept
	$(PY) -m tests.bench.photo_cost

bench-serve: messages ## Serving benchmark: our pages vs a bare view and `wagtail start` (needs Redis; BASELINE=b2a7260 adds that commit)
	$(PY) -m tests.bench.serve $(if $(BASELINE),--baseline-ref $(BASELINE))

bench-counting: messages ## Visit statistics: what counting adds to a page-cache hit (needs Redis)
	$(PY) -m tests.bench.bench_counting

lint: install ## ruff check, ruff format --check, djhtml --check
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/djhtml --check $$(find templates -name '*.html')

format: install ## Apply ruff and djhtml formatting
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .
	$(VENV)/bin/djhtml $$(find templates -name '*.html')

clean: ## Remove the venv and local data (var/)
	rm -rf $(VENV) var

.PHONY: help install messages setup run test bench bench-photos bench-serve bench-counting lint format clean
