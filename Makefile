# Zichtlijn: `make run` serves the embedded default; `make test` runs every test.
# Both set up whatever is missing first (venv, Python packages, vendored htmx, Chromium).

PYTHON ?= python3.11
VENV   := .venv
BIN    := $(VENV)/bin
HOST   ?= 127.0.0.1
PORT   ?= 8000
SUDO   := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

VENV_STAMP   := $(VENV)/.installed
VENDOR_STAMP := app/static/vendor/.installed

.PHONY: setup run test test-fast test-postgres cluster bench bench-quick bench-export bench-failover soak messages screenshots export-samples pdf-deps clean

setup: $(VENV_STAMP) $(VENDOR_STAMP)

$(VENV_STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check --upgrade pip
	$(BIN)/pip install --quiet --disable-pip-version-check -e '.[dev]'
	touch $@

# htmx 2 and its ws extension, pinned in package.json, served from app/static (no CDN).
$(VENDOR_STAMP): package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	mkdir -p app/static/vendor
	cp node_modules/htmx.org/dist/htmx.min.js node_modules/htmx-ext-ws/dist/ws.js app/static/vendor/
	touch $@

# Browser tests drive Debian's Chromium (Playwright cannot download browsers here).
/usr/bin/chromium:
	$(SUDO) apt-get update -qq
	DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq chromium fonts-dejavu-core >/dev/null

# The PDF report: WeasyPrint's libraries (Pango) and the fonts it embeds (Liberation Sans;
# DejaVu Sans for the rare sign Liberation lacks). Checked on every run, installed when missing.
pdf-deps:
	@{ fc-list 2>/dev/null | grep -q "Liberation Sans" && fc-list | grep -q "DejaVu Sans" && /sbin/ldconfig -p | grep -q libpangoft2-1.0; } || { \
	  $(SUDO) apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq fonts-liberation fonts-dejavu-core libpango-1.0-0 libpangoft2-1.0-0 >/dev/null; }

# pdftoppm, for the page images of the sample report in docs/export.
/usr/bin/pdftoppm:
	$(SUDO) apt-get update -qq
	DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq poppler-utils >/dev/null

# No permessage-deflate: compressing every broadcast once per socket cost ~20 us of CPU per socket
# per message and ~40 KB of zlib state per connection, for fragments of ~1 KB (docs/perf/).
UVICORN_FLAGS := --ws-max-size 65536 --ws-per-message-deflate false --proxy-headers

run: setup pdf-deps
	@echo ""; echo "  Zichtlijn: open http://$(if $(filter 0.0.0.0,$(HOST)),localhost,$(HOST)):$(PORT)/ in your browser (Ctrl+C stops it)"; echo ""
	$(BIN)/uvicorn app.main:create_app --factory --host $(HOST) --port $(PORT) $(UVICORN_FLAGS)

# Tests run in pytest-xdist workers, one per core (`-n auto`): each worker has its own server
# process, browser and (PostgreSQL pass) fresh database, dropped afterwards. `loadfile` keeps
# each file on one worker, so a module's shared fixture (the 300-card PDF) is made once.
XDIST ?= -n auto --dist loadfile

# Every test on the embedded default (SQLite, in-memory), browser tests and the scale-out tests
# (several processes on PostgreSQL with Redis or LISTEN/NOTIFY) included; then, on a fresh
# PostgreSQL database with LISTEN/NOTIFY, the tests that can behave differently there (marker
# `backend`: HTTP, sockets, security, unit tests on a database; tests/conftest.py says why the
# browser, PDF and pure tests are not among them). Without PostgreSQL or Redis their tests are
# skipped and listed; with CI=true they fail instead.
test: setup pdf-deps /usr/bin/chromium
	$(BIN)/pytest -q -rs $(XDIST)
	ZL_TEST_DB=postgres ZL_TEST_BROKER=postgres $(BIN)/pytest -q -rs $(XDIST) -m backend --ignore=tests/scale

# A quick loop while coding (SQLite): leaves out the browser tests and the `slow` ones (tests/scale,
# processes killed or restarted, PDF worker processes and the 300-card PDF, fuzzing; tests/conftest.py).
test-fast: setup pdf-deps
	$(BIN)/pytest -q -rs $(XDIST) -m "not e2e and not slow"

# The whole suite (browser tests too) on a fresh PostgreSQL database, dropped afterwards.
# BROKER=redis or BROKER=postgres puts that broker under the app as well.
BROKER ?=
test-postgres: setup pdf-deps /usr/bin/chromium
	ZL_TEST_DB=postgres ZL_TEST_BROKER=$(BROKER) $(BIN)/pytest -q -rs $(XDIST)

# N app processes on a fresh PostgreSQL database with a broker, until Ctrl-C (tests/cluster.py).
N ?= 2
cluster: setup
	$(BIN)/python -m tests.cluster --processes $(N) --broker $(or $(BROKER),redis)

# Load harness against a real server over real sockets (not part of `make test`): the app and a
# bare relay, the targets of issue 11, a stepped sweep, the PDF export (hence pdf-deps), and one
# app process beside two on PostgreSQL + Redis, and one of two killed mid-load (skipped, with a
# note, without them). Writes
# docs/perf/latest.md and the table in README.md. `make bench-quick` is a short smoke run;
# `make soak` runs 30 min.
bench: setup pdf-deps
	$(BIN)/python -m bench

bench-quick: setup pdf-deps
	$(BIN)/python -m bench --quick

# The PDF export step alone (boards of 40, 300 and 1,000 cards; ~3 min): its rows in the README's table.
bench-export: setup pdf-deps
	$(BIN)/python -m bench export

# The kill of one of two processes alone (PostgreSQL + Redis; ~3 min): into docs/perf/latest.json, the table again.
bench-failover: setup
	$(BIN)/python -m bench failover

soak: setup
	$(BIN)/python -m bench soak --minutes $(or $(MINUTES),30)

# Extract UI strings into the catalogs; translate the new entries in the .po files after.
messages: setup
	$(BIN)/pybabel extract -F babel.cfg -k _ -k gettext -k ngettext:1,2 -k gettext_noop --no-location --sort-output -o app/translations/messages.pot app
	$(BIN)/pybabel update -i app/translations/messages.pot -d app/translations --no-fuzzy-matching --ignore-obsolete

clean:
	rm -rf $(VENV) node_modules app/static/vendor

# Screens at phone and desktop size into docs/screenshots (a sample board, real Chromium).
screenshots: setup /usr/bin/chromium
	$(BIN)/python scripts/screenshots.py

# The sample report (PDF) and its page images into docs/export (shown in the README).
export-samples: setup pdf-deps /usr/bin/pdftoppm
	$(BIN)/python scripts/export_samples.py
