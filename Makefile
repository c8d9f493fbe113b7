# Marchwarden: `make demo` runs the demo server, `make test` runs every check.
# Both set up what they need on a fresh machine with Python >= 3.11.

PYTHON ?= python3
UV_VERSION := 0.13.9
UV := .tools/bin/uv
NPM ?= npm
# the browser UI's libraries (Leaflet), from npm, copied where the server serves /vendor/
WEB_VENDOR := src/marchwarden/web/vendor
LEAFLET := $(WEB_VENDOR)/leaflet/.installed
# the field page's offline libraries: Workbox (service worker) and idb (IndexedDB)
WORKBOX := $(WEB_VENDOR)/workbox/.installed
IDB := $(WEB_VENDOR)/idb/.installed
WORKBOX_MODULES := core routing strategies
# unit symbols (MIL-STD-2525 / APP-6) and point clustering: their ES-module sources
MILSYMBOL := $(WEB_VENDOR)/milsymbol/.installed
SUPERCLUSTER := $(WEB_VENDOR)/supercluster/.installed

.PHONY: setup demo test lint typecheck pytest bench clean

$(UV):
	$(PYTHON) -m venv .tools
	.tools/bin/pip install --quiet --disable-pip-version-check "uv==$(UV_VERSION)"

.venv/.synced: pyproject.toml uv.lock | $(UV)
	$(UV) sync --frozen --quiet
	touch $@

node_modules/.marchwarden-installed: package.json package-lock.json
	@command -v $(NPM) >/dev/null 2>&1 || { echo "make setup needs Node.js and npm to install the map library (Debian: apt-get install nodejs npm)" >&2; exit 1; }
	$(NPM) ci --no-audit --no-fund --loglevel=error
	touch $@

$(LEAFLET): node_modules/.marchwarden-installed
	rm -rf $(WEB_VENDOR)/leaflet
	mkdir -p $(WEB_VENDOR)/leaflet
	cp -R node_modules/leaflet/dist/leaflet-src.esm.js node_modules/leaflet/dist/leaflet.css \
		node_modules/leaflet/dist/images node_modules/leaflet/LICENSE $(WEB_VENDOR)/leaflet/
	touch $@

$(WORKBOX): node_modules/.marchwarden-installed
	rm -rf $(WEB_VENDOR)/workbox
	mkdir -p $(WEB_VENDOR)/workbox
	cp node_modules/workbox-sw/build/workbox-sw.js node_modules/workbox-sw/LICENSE $(WEB_VENDOR)/workbox/
	for m in $(WORKBOX_MODULES); do \
		cp node_modules/workbox-$$m/build/workbox-$$m.prod.js $(WEB_VENDOR)/workbox/ || exit 1; \
	done
	touch $@

$(IDB): node_modules/.marchwarden-installed
	rm -rf $(WEB_VENDOR)/idb
	mkdir -p $(WEB_VENDOR)/idb
	cp node_modules/idb/build/index.js node_modules/idb/LICENSE $(WEB_VENDOR)/idb/
	touch $@

# milsymbol's ES-module entry is index.mjs: served as .js (every server knows that type)
$(MILSYMBOL): node_modules/.marchwarden-installed
	rm -rf $(WEB_VENDOR)/milsymbol
	mkdir -p $(WEB_VENDOR)/milsymbol
	cp -R node_modules/milsymbol/src node_modules/milsymbol/LICENSE $(WEB_VENDOR)/milsymbol/
	cp node_modules/milsymbol/index.mjs $(WEB_VENDOR)/milsymbol/milsymbol.js
	touch $@

# supercluster imports its one dependency (kdbush) by bare name: point it at the copy beside it
$(SUPERCLUSTER): node_modules/.marchwarden-installed
	rm -rf $(WEB_VENDOR)/supercluster
	mkdir -p $(WEB_VENDOR)/supercluster
	sed "s#from 'kdbush'#from './kdbush.js'#" node_modules/supercluster/index.js > $(WEB_VENDOR)/supercluster/supercluster.js
	cp node_modules/kdbush/index.js $(WEB_VENDOR)/supercluster/kdbush.js
	cp node_modules/supercluster/LICENSE $(WEB_VENDOR)/supercluster/LICENSE
	cp node_modules/kdbush/LICENSE $(WEB_VENDOR)/supercluster/LICENSE.kdbush
	touch $@

setup: .venv/.synced $(LEAFLET) $(WORKBOX) $(IDB) $(MILSYMBOL) $(SUPERCLUSTER)

demo: setup
	.venv/bin/marchwarden demo

lint: setup
	.venv/bin/ruff check src tests bench
	.venv/bin/ruff format --check src tests bench

typecheck: setup
	.venv/bin/mypy

# the suite runs in PYTEST_WORKERS processes (pytest-xdist), a test file per worker at a
# time (module-scoped servers stay in one process); PYTEST_WORKERS=0 runs it in this one
PYTEST_WORKERS ?= 2

pytest: setup
	.venv/bin/pytest $(if $(filter 0,$(PYTEST_WORKERS)),,-n $(PYTEST_WORKERS) --dist loadfile)

test: lint typecheck pytest

bench: setup
	for b in bench/bench_*.py; do .venv/bin/python $$b || exit 1; done

clean:
	rm -rf .venv .tools node_modules $(WEB_VENDOR)/leaflet $(WEB_VENDOR)/workbox $(WEB_VENDOR)/idb $(WEB_VENDOR)/milsymbol $(WEB_VENDOR)/supercluster marchwarden.db marchwarden.db-wal marchwarden.db-shm marchwarden-audit.anchor*
