# Marchwarden: `make demo` runs the demo server, `make test` runs every check.
# Both set up what they need on a fresh machine with Python >= 3.11.

PYTHON ?= python3
UV_VERSION := 0.13.9
UV := .tools/bin/uv

.PHONY: setup demo test lint typecheck pytest bench clean

$(UV):
	$(PYTHON) -m venv .tools
	.tools/bin/pip install --quiet --disable-pip-version-check "uv==$(UV_VERSION)"

.venv/.synced: pyproject.toml uv.lock | $(UV)
	$(UV) sync --frozen --quiet
	touch $@

setup: .venv/.synced

demo: setup
	.venv/bin/marchwarden demo

lint: setup
	.venv/bin/ruff check src tests bench
	.venv/bin/ruff format --check src tests bench

typecheck: setup
	.venv/bin/mypy

pytest: setup
	.venv/bin/pytest

test: lint typecheck pytest

bench: setup
	for b in bench/bench_*.py; do .venv/bin/python $$b || exit 1; done

clean:
	rm -rf .venv .tools marchwarden.db marchwarden.db-wal marchwarden.db-shm marchwarden-audit.anchor*
