# Two commands on a fresh machine: `make run` and `make test`. Needs only Python 3.11 and make.
PYTHON ?= python3
UV := $(PYTHON) -m uv
VENV := .venv
PY := $(VENV)/bin/python
HOST ?= 127.0.0.1
PORT ?= 8000
# The address in e-mails, QR posters and the receipt page: where `make run` serves, unless
# SITE_URL is set (a server listening on every interface is reached at 127.0.0.1 locally).
SITE_URL ?= http://$(if $(filter 0.0.0.0 ::,$(HOST)),127.0.0.1,$(HOST)):$(PORT)
# The settings default to production (DEBUG off, SECRET_KEY required); the local targets
# below run with DEBUG on. Backup and restore keep a DEBUG the environment sets.
DEV := DEBUG=1
# `make test` runs the suite in this many processes (pytest-xdist), each with its own test
# database, migrated from scratch in about 6 s of CPU now that each app's migrations are
# squashed (hms/squashed_migration.py); 0 runs it in one process.
TEST_PROCESSES ?= 2

.PHONY: run serve test install lint format messages stop-db clean-data bench bench-deviations bench-reports backup restore bench-people bench-picker bench-export bench-scale

install:
	@$(UV) --version >/dev/null 2>&1 || $(PYTHON) -m pip install --quiet --user uv || $(PYTHON) -m pip install --quiet uv
	@$(UV) sync --frozen --quiet
	@# The real OpenID provider of the sign-in tests (tests/oidc/provider.mjs); only with npm.
	@if command -v npm >/dev/null 2>&1 && { [ ! -d node_modules ] || [ package-lock.json -nt node_modules ]; }; then \
	  npm ci --no-audit --no-fund --loglevel=error && touch node_modules; \
	fi

run: install
	$(DEV) $(PY) manage.py migrate --noinput
	$(DEV) $(PY) manage.py seed_demo
	@echo ""
	@echo "  HMS is running at $(SITE_URL)/  (worker and beat beside it; Ctrl-C stops all)"
	@echo "  Demo logins, password hms-demo for all:"
	@echo "    admin       administrator"
	@echo "    hms         HSE department"
	@echo "    leder       line manager, Department of Chemistry"
	@echo "    verneombud  safety representative, Department of Chemistry"
	@echo "    ansatt      employee in a section of the Department of Chemistry"
	@echo "    leder2      line manager, Department of Structural Engineering"
	@echo ""
	@$(MAKE) --no-print-directory serve

# The three processes of a local run, on a migrated database (tests/test_make_run.py).
serve:
	@# Ctrl-C (or the server stopping) stops all three at once. The worker gets SIGQUIT, its
	@# cold shutdown: on SIGINT/SIGTERM it would wait in "warm shutdown" for its pool, and a
	@# task cut short is delivered again (tasks are acknowledged late).
	@trap 'trap - INT TERM EXIT; kill -QUIT $$worker 2>/dev/null; kill -TERM $$beat $$web 2>/dev/null; wait' INT TERM EXIT; \
	$(DEV) SITE_URL=$(SITE_URL) $(VENV)/bin/celery -A hms worker --loglevel=INFO --concurrency=2 --without-gossip --without-mingle & worker=$$!; \
	$(DEV) SITE_URL=$(SITE_URL) $(VENV)/bin/celery -A hms beat --loglevel=INFO & beat=$$!; \
	$(DEV) SITE_URL=$(SITE_URL) $(PY) manage.py runserver $(HOST):$(PORT) & web=$$!; \
	wait $$web

test: install
	@if [ -z "$$HMS_BROWSER" ] && ! command -v chromium >/dev/null 2>&1; then \
	  echo ""; \
	  echo "!!! No Chromium found: the browser journeys (Playwright) will be SKIPPED."; \
	  echo "!!! Install Debian's chromium (apt-get install chromium) to run them."; \
	  echo ""; \
	fi
	@if [ ! -d node_modules/oidc-provider ]; then \
	  echo ""; \
	  echo "!!! No node/npm: the sign-in tests against a real OpenID provider will be SKIPPED."; \
	  echo "!!! Install Debian's nodejs and npm (apt-get install nodejs npm) to run them."; \
	  echo ""; \
	fi
	$(VENV)/bin/pytest -n $(TEST_PROCESSES) $(PYTEST_ARGS)

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format: install
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

messages: install
	$(DEV) $(PY) manage.py makemessages --locale nb --locale nn --locale en --ignore ".venv/*" --ignore ".data/*" --ignore "tests/*" --ignore "node_modules/*" --no-obsolete
	$(DEV) $(PY) manage.py compilemessages --ignore ".venv/*"

bench: install
	$(DEV) $(PY) manage.py bench_tree

bench-deviations: install
	$(DEV) $(PY) manage.py migrate --noinput
	$(DEV) $(PY) manage.py seed_demo
	$(DEV) $(PY) manage.py fill_deviations --count 100000
	$(DEV) $(PY) manage.py bench_deviations

# The tertial and annual report of the whole demo organisation with 100,000 deviations
# (topped up with fill_deviations only if fewer exist): time and peak memory per stage.
bench-reports: install
	$(DEV) $(PY) manage.py migrate --noinput
	$(DEV) $(PY) manage.py seed_demo
	$(DEV) $(PY) manage.py bench_reports --fill 100000

# The export of the whole demo organisation with 100,000 deviations (topped up with
# fill_deviations only if fewer exist): seconds and peak memory against 2 min and 500 MB.
bench-export: install
	$(DEV) $(PY) manage.py migrate --noinput
	$(DEV) $(PY) manage.py seed_demo
	$(DEV) $(PY) manage.py bench_export --fill 100000

# The people and role imports at the institution's size (5,000 people, 8,000 roles), dry run,
# apply and the second no-change run; rolled back, so nothing is kept.
# The person picker at 50,000 people (built and rolled back): median and p95 per kind of query.
bench-picker: install
	$(DEV) $(PY) manage.py migrate --noinput
	$(DEV) $(PY) manage.py bench_person_picker

bench-people: install
	$(DEV) $(PY) manage.py migrate --noinput
	$(DEV) $(PY) manage.py seed_demo
	$(DEV) $(PY) manage.py bench_people

# The big sector (10,000 units, 50,000 people, 1,000,000 deviations; built with COPY by
# build_sector, or reused) and a small one of 10,000 deviations in SCALE_SMALL_DB for the query
# counts; then the list pages on gunicorn with DEBUG off, deep pages, reporters and reports.
SCALE_SMALL_DB ?= postgres://postgres@127.0.0.1:5432/h_scale_small
bench-scale: install
	$(DEV) $(PY) manage.py migrate --noinput
	$(DEV) $(PY) manage.py seed_demo
	$(DEV) $(PY) manage.py build_sector
	DATABASE_URL=$(SCALE_SMALL_DB) $(DEV) $(PY) manage.py migrate --noinput
	DATABASE_URL=$(SCALE_SMALL_DB) $(DEV) $(PY) manage.py seed_demo
	DATABASE_URL=$(SCALE_SMALL_DB) $(DEV) $(PY) manage.py build_sector --deviations 10000
	$(DEV) $(PY) manage.py bench_scale --small-database $(SCALE_SMALL_DB)

stop-db:
	@$(PY) -c "from pathlib import Path; from hms.embedded_db import stop_embedded_server; stop_embedded_server(Path('.data/postgres'))"

clean-data: stop-db
	rm -rf .data

# The database and the media files in one archive under backups/ (or FILE=...).
backup: install
	DEBUG=$${DEBUG:-1} $(PY) manage.py backup $(FILE)

# Put an archive back: make restore FILE=backups/hms-....tar (FORCE=1 replaces what is there).
restore: install
	@test -n "$(FILE)" || (echo "Usage: make restore FILE=backups/hms-YYYYMMDD-HHMMSS.tar [FORCE=1]"; exit 2)
	DEBUG=$${DEBUG:-1} $(PY) manage.py restore $(FILE) $(if $(FORCE),--force)
