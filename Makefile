# The README's two commands are `make run` and `make test`; everything else supports them.
SHELL := /bin/bash
VENV ?= .venv
PY := $(VENV)/bin/python
PIP := $(VENV)/bin/pip
PYTEST_ARGS ?= -n 2
HOST ?= 127.0.0.1
PORT ?= 8000
# `make run` serves the demo as production would (DEBUG off, so error pages show no internals),
# with this checkout's own secrets and staff entrance (var/demo.env, made once) over plain http
# on this machine. `make run DEV=1` is development mode: DEBUG on, reload on code changes.
DEV ?=
ifeq ($(DEV),1)
RUN_ENV := DEBUG=1
UVICORN_FLAGS := --reload --reload-dir rapport --reload-dir config
else
RUN_ENV := set -a && . var/demo.env && set +a && ALLOWED_HOSTS=$(HOST),localhost \
  RAPPORT_SITE_URL=http://$(HOST):$(PORT) RAPPORT_ALLOW_TEST_PAYMENTS=1 EMAIL_PORT=$${EMAIL_PORT:-1025}
UVICORN_FLAGS :=
endif
STAMP := $(VENV)/.installed

.PHONY: run test venv install install-dev frontend chromium lint typecheck migrations-check \
        pytest demo-data migrate lock clean bench fonts demo-env static

$(PY):
	@python=$$(scripts/find-python.sh) && echo "Using $$python" && "$$python" -m venv $(VENV)
	$(PIP) install --quiet --upgrade pip

# The offline client (offlineoffice/, its own package) is installed beside the site: its tests
# run in the suite against a live server.
$(STAMP): pyproject.toml constraints.txt offlineoffice/pyproject.toml | $(PY)
	$(PIP) install --quiet -c constraints.txt -e '.[dev]' -e ./offlineoffice
	@touch $(STAMP)

install: $(STAMP) frontend

frontend: node_modules/.package-lock.json

node_modules/.package-lock.json: package.json package-lock.json
	@if command -v npm >/dev/null 2>&1; then npm ci --no-audit --no-fund --loglevel=error; \
	else echo "npm not found: install Debian's nodejs/npm for htmx (pages still work without it)"; fi

demo-env:
	@scripts/demo-env.sh

migrate: install demo-env
	$(RUN_ENV) $(PY) manage.py migrate --no-input

# Loads the demo data when the database is empty and creates the demo accounts.
demo-data: migrate
	$(RUN_ENV) $(PY) manage.py bootstrap_demo

# Outside DEBUG, WhiteNoise serves the collected, fingerprinted files.
static: install demo-env
	@$(RUN_ENV) $(PY) manage.py collectstatic --no-input -v 0

run: demo-data static fonts
	@echo "Rapport is serving on http://$(HOST):$(PORT)/ (Ctrl-C stops it)"
	$(RUN_ENV) $(VENV)/bin/uvicorn config.asgi:application --host $(HOST) --port $(PORT) \
	  $(UVICORN_FLAGS)

# Debian packages the tests need: Chromium (browser journeys), GNU gettext (catalogue checks),
# CJK fonts (Chinese on PDF receipts), poppler-utils (reading the PDFs back) and the PostgreSQL
# client (pg_dump / pg_restore for backups and the restore drill; it must not be older than the
# server: Debian's postgresql-client matches Debian's server).
chromium:
	@missing=""; command -v chromium >/dev/null 2>&1 || missing="chromium"; \
	command -v xgettext >/dev/null 2>&1 || missing="$$missing gettext"; \
	command -v pdftotext >/dev/null 2>&1 || missing="$$missing poppler-utils"; \
	command -v pg_dump >/dev/null 2>&1 || missing="$$missing postgresql-client"; \
	fc-list 2>/dev/null | grep -q "Noto Sans CJK" || missing="$$missing fonts-noto-cjk"; \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null; \
	  else echo "Missing Debian packages: run 'sudo apt-get install $$missing' for the tests"; exit 1; fi; \
	fi

# Chinese names on receipts need a CJK font; without root the store still runs, with a warning.
fonts:
	@if ! fc-list 2>/dev/null | grep -q "Noto Sans CJK"; then \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq fonts-noto-cjk >/dev/null; \
	  else echo "Note: 'sudo apt-get install fonts-noto-cjk' lets receipts print Chinese names."; fi; \
	fi

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

typecheck: install
	$(VENV)/bin/mypy rapport config offlineoffice/src

migrations-check: install
	$(PY) manage.py makemigrations --check --dry-run --settings=config.settings_test

pytest: install chromium
	$(VENV)/bin/pytest -p no:cacheprovider $(PYTEST_ARGS)

test: lint migrations-check typecheck pytest

# Regenerate the pinned versions after changing pyproject.toml's ranges.
lock: | $(PY)
	$(PIP) install --quiet -e '.[dev]'
	$(PIP) freeze --exclude-editable | grep -v '^-e' > constraints.txt

bench: install
	@echo "See bench/README.md"

clean:
	rm -rf $(VENV) node_modules var/static var/test-artifacts
