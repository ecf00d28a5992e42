# Atrium: `make run` to try it, `make test` to check it. Both set themselves up.
VENV ?= .venv
PY := $(VENV)/bin/python
FLASK := $(VENV)/bin/flask
PYTHON ?= python3
export FLASK_APP := app:create_app
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
PG_HOST ?= 127.0.0.1
REDIS_TEST_URL ?= redis://127.0.0.1:6379/15
PYTEST_ARGS ?=

.PHONY: install run lint test test-services services chromium tools screenshots bench load clean

$(VENV)/.installed: requirements.txt requirements-dev.txt
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements-dev.txt
	touch $@

install: $(VENV)/.installed

chromium:  ## Debian's Chromium for the browser tests (Playwright drives it)
	@command -v chromium >/dev/null 2>&1 || { $(SUDO) apt-get update -qq && $(SUDO) DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; }

tools: tools/node_modules/.installed  ## axe-core and the Nu HTML Checker for the browser tests (npm)

tools/node_modules/.installed: tools/package.json tools/package-lock.json
	npm ci --prefix tools --no-audit --no-fund --loglevel=error
	touch $@

SHOTS := portal-home-1366 portal-home-390 portal-account-users-1366 portal-account-users-390 \
         backoffice-admin-1366 backoffice-admin-applications-1366 backoffice-admin-companies-details--1-1366
screenshots: install chromium tools  ## the README's screenshots (docs/screenshots), made by the browser tests
	$(PY) -m pytest -q -p no:randomly tests/browser_tests/test_layout_and_access.py -k "portal_page or back_office_page"
	mkdir -p docs/screenshots
	for shot in $(SHOTS); do cp test-artifacts/$$shot.png docs/screenshots/; done

run: install  ## SQLite in instance/, jobs in process, mail to the outbox, demo data
	$(FLASK) db upgrade
	$(FLASK) seed-demo
	@echo ""
	@echo "  Demo logins (password: atrium-demo)"
	@echo "    portal      http://127.0.0.1:5000/login        anna.admin@acme.example, ben.buyer@acme.example,"
	@echo "                                                   alice.approver@acme.example, carl.ccm@acme.example,"
	@echo "                                                   gina.admin@globex.example"
	@echo "    back office http://127.0.0.1:5000/admin/       admin@atrium.example, support@atrium.example,"
	@echo "                                                   agent@atrium.example"
	$(FLASK) serve

# pytest exits 5 when it collected no test: that is a failure here.
define pytest
	$(PY) -m pytest $(1) $(PYTEST_ARGS); rc=$$?; \
	if [ $$rc -eq 5 ]; then echo "pytest collected no tests" >&2; exit 1; fi; exit $$rc
endef

lint: install  ## pyflakes and import order (ruff.toml)
	$(VENV)/bin/ruff check .

test: install chromium tools lint  ## the whole suite on SQLite with jobs in process
	$(call pytest,-m "not services")

services:  ## start PostgreSQL and Redis if they are not running
	@pg_isready -q -h $(PG_HOST) || pg_ctlcluster --skip-systemctl-redirect $$(ls /etc/postgresql) main start
	@redis-cli -h 127.0.0.1 ping >/dev/null 2>&1 || redis-server --daemonize yes --bind 127.0.0.1 -::1 --port 6379 --save "" --appendonly no --dir /var/lib/redis --logfile /var/log/redis/ci.log
	@for i in 1 2 3 4 5 6 7 8 9 10; do pg_isready -q -h $(PG_HOST) && redis-cli ping >/dev/null 2>&1 && exit 0; sleep 1; done; echo "PostgreSQL or Redis did not start" >&2; exit 1

test-services: install chromium tools services  ## the same suite on PostgreSQL + Redis, with a real rq worker
	@db=atrium_test_$$$$; \
	createdb -h $(PG_HOST) -U postgres $$db || exit 1; \
	TEST_DATABASE_URL=postgresql://postgres@$(PG_HOST)/$$db TEST_REDIS_URL=$(REDIS_TEST_URL) \
	  $(PY) -m pytest $(PYTEST_ARGS); rc=$$?; \
	dropdb -h $(PG_HOST) -U postgres --if-exists $$db; \
	if [ $$rc -eq 5 ]; then echo "pytest collected no tests" >&2; exit 1; fi; exit $$rc

PROFILE ?= S
bench: install  ## every page and bulk operation: median, p95, SQL and ratio to the floor (PROFILE=S|M|L, BENCH_DATABASE_URL)
	BENCH_DATABASE_URL="$(BENCH_DATABASE_URL)" $(PY) bench/pages.py --profile $(PROFILE) $(BENCH_ARGS)

LOAD_VENV ?= .venv-load

$(LOAD_VENV)/.installed:
	$(PYTHON) -m venv $(LOAD_VENV)
	$(LOAD_VENV)/bin/pip install --quiet locust==2.47.0
	touch $@

load: install services $(LOAD_VENV)/.installed  ## production-shaped load: Atrium at profile L on PostgreSQL + Redis beside a bare app (LOAD_ARGS)
	$(PY) load/run.py $(LOAD_ARGS)

clean:
	rm -rf $(VENV) $(LOAD_VENV) .pytest_cache tools/node_modules
