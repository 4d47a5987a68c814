# The two commands: `make run` serves the demo city, `make test` runs the whole suite.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
TEST_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/portal
TEST_REDIS_URL ?= redis://127.0.0.1:6379/15
TEST_ENV := DEBUG=false SECRET_KEY=test-only-secret-key-not-for-production-0123456789abcdef \
	DATABASE_URL=$(TEST_DATABASE_URL) REDIS_URL=$(TEST_REDIS_URL) STATICFILES_STORAGE=django.contrib.staticfiles.storage.StaticFilesStorage \
	SECURE_SSL_REDIRECT=false PORTAL_BASE_URL=https://portal.example.org

.PHONY: run test datesweep bench load backup restore install sysdeps sysdeps-test services messages lint pytest pytest-sqlite format vendor lock clean

run: sysdeps install
	DEBUG=true $(PY) manage.py migrate --noinput
	DEBUG=true $(PY) manage.py compilemessages --ignore=.venv --ignore=node_modules -v0
	DEBUG=true $(PY) manage.py load_demo
	bash scripts/serve.sh

test: sysdeps-test install services messages lint pytest pytest-sqlite datesweep

# A generated city at a tenth and at full size, page timings, throughput, import (bench/README.md).
bench: sysdeps-test install services messages
	$(TEST_ENV) $(PY) -m bench.run $(BENCH_ARGS)

# The demo city under 100 simulated users for 60 s on loopback: gunicorn, a Celery worker,
# requests/s and p50/p95/p99 per journey, errors against a target of none (load/run.py).
# LOAD_ARGS="-u 50 -t 30s" for fewer users or a shorter run; the job queue is Redis database 13.
LOAD_REDIS_URL ?= redis://127.0.0.1:6379/13
load: sysdeps-test install services messages
	$(TEST_ENV) LOAD_REDIS_URL=$(LOAD_REDIS_URL) $(PY) -m load.run $(LOAD_ARGS)

# Backups (README "Backups"): the database (DATABASE_URL, else the SQLite file) and the stored files
# in one archive under BACKUP_DIR; `make restore INPUT=<archive>` brings one back and checks it,
# FORCE=1 to overwrite a portal that has data. Without a SECRET_KEY in the environment they act on
# the local portal of `make run`.
BACKUP_DIR ?= var/backups
PORTAL_ENV := $(if $(SECRET_KEY),,DEBUG=true)
backup: install
	$(PORTAL_ENV) $(PY) manage.py backup --output $(BACKUP_DIR) $(if $(KEEP_DAYS),--keep-days $(KEEP_DAYS))

restore: install
	@test -n "$(INPUT)" || { echo "Name the archive: make restore INPUT=$(BACKUP_DIR)/portal-YYYYMMDD-HHMMSS.tar.gz [FORCE=1]"; exit 1; }
	$(PORTAL_ENV) $(PY) manage.py restore --input $(INPUT) $(if $(FORCE),--force)

install: $(VENV)/.installed

$(VENV)/.installed: requirements.lock
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' || { echo "Python 3.11 or newer is needed as $(PYTHON)"; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install -q --upgrade pip
	$(VENV)/bin/pip install -q -r requirements.lock
	touch $@

sysdeps:
	bash scripts/sysdeps.sh run

sysdeps-test:
	bash scripts/sysdeps.sh test

services:
	bash scripts/services.sh

messages: install
	DEBUG=true $(PY) manage.py compilemessages --ignore=.venv --ignore=node_modules -v0

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(TEST_ENV) $(PY) manage.py check --fail-level WARNING
	$(TEST_ENV) $(PY) manage.py makemigrations --check --dry-run

pytest: install
	$(TEST_ENV) $(PY) -m pytest $(or $(PYTEST_ARGS),-n 2)

# The races and the database guards again on the embedded default (issue 14 §7, §8): the tests
# marked `concurrency` or `guards` on a SQLite file of their own, without Redis, as `make run`
# serves. The test database is kept between runs (--reuse-db migrates it forward) together with
# its write-ahead log; `make clean` removes both.
SQLITE_TEST_DIR := var/test-sqlite
pytest-sqlite: install
	mkdir -p $(SQLITE_TEST_DIR)
	$(TEST_ENV) DATABASE_URL=sqlite:///$(CURDIR)/$(SQLITE_TEST_DIR)/portal.sqlite3 REDIS_URL= \
		$(PY) -m pytest -m "concurrency or guards" -p no:xdist -q $(SQLITE_PYTEST_ARGS)

# The tests marked `dates` (periods, compliance, deadlines, survey rounds, assessment periods,
# bulletins) on a clock set to each moment below, Shanghai time: the turn of the year, of a quarter
# and of a half-year, a day mid-quarter and a leap day. Live-server and worker tests stay out (their
# other processes keep the real clock). One moment: make datesweep DATESWEEP_AT=2027-03-31T23:30+08:00
DATESWEEP_AT ?= 2026-12-31T23:30+08:00 2027-01-01T00:10+08:00 2027-03-31T23:30+08:00 \
	2027-06-30T23:30+08:00 2027-07-01T00:10+08:00 2027-08-15T10:00+08:00 2028-02-29T12:00+08:00
DATESWEEP_FILES = $(shell grep -rl --include='test_*.py' 'pytest\.mark\.dates' tests)
datesweep: install
	@set -e; for at in $(DATESWEEP_AT); do echo "== date sweep at $$at"; \
		$(TEST_ENV) $(PY) -m pytest -m dates -n 2 -q -p no:cacheprovider --frozen-at=$$at $(DATESWEEP_FILES); \
	done

format: install
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

# Refresh static/vendor/ from the npm packages pinned in package.json.
vendor:
	bash scripts/vendor.sh

# Re-pin requirements.lock from pyproject.toml.
lock:
	$(PYTHON) -m pip install -q uv && $(PYTHON) -m uv pip compile pyproject.toml --extra dev --python-version 3.11 -q --no-header -o requirements.lock

clean:
	rm -rf $(VENV) var staticfiles .pytest_cache
