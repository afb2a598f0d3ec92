# Every target installs what it needs: a fresh clone runs `make run` or `make test` directly.
SHELL := /bin/bash
PYTHON ?= python3
UV_VERSION := 0.13.9
TOOLS := .tools
UV := $(TOOLS)/bin/uv
VENV := .venv
STAMP := $(VENV)/.synced
export SSI_DATA_DIR ?= var

.PHONY: install run demo test test-sqlite test-postgres lint fmt bench clean promtool chromium openapi

$(UV):
	$(PYTHON) -m venv $(TOOLS)
	$(TOOLS)/bin/pip install --quiet --disable-pip-version-check "uv==$(UV_VERSION)"

$(STAMP): $(UV) pyproject.toml uv.lock
	$(UV) sync --frozen --quiet
	touch $(STAMP)

install: $(STAMP)

run: $(STAMP)
	$(VENV)/bin/python -m services.devserver

# The whole route with the `ssi` command line, on a throwaway SQLite deployment.
demo: $(STAMP)
	bash scripts/demo.sh

# promtool checks the alert rules (tests/deploy): Debian's `prometheus` package has it.
promtool:
	@command -v promtool >/dev/null || { [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null \
	  && { DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends prometheus \
	       || { apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends prometheus; }; } >/dev/null; } \
	  || echo "promtool is missing and cannot be installed here: the deploy tests will fail" >&2

# Chromium runs the portal's browser tests (tests/portal/browser), driven by Playwright through
# its executable_path: Debian's `chromium` package, never `playwright install`.
chromium:
	@[ -x /usr/bin/chromium ] || { [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null \
	  && { DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends chromium \
	       || { apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends chromium; }; } >/dev/null; } \
	  || echo "chromium is missing and cannot be installed here: the portal's browser tests will fail under CI or SSI_REQUIRE_BROWSER=1, and are skipped otherwise" >&2

# The suite runs on SQLite unless SSI_TEST_DATABASE_URL names a PostgreSQL database.
test: $(STAMP) promtool chromium
	$(VENV)/bin/pytest -q --durations=15

test-postgres: $(STAMP) promtool chromium
	SSI_TEST_DATABASE_URL=$${SSI_TEST_DATABASE_URL:-postgresql+asyncpg://postgres@127.0.0.1:5432/test} $(VENV)/bin/pytest -q --durations=15

lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy .

fmt: $(STAMP)
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

# The published contract: openapi/*.json and the typed client in clients/python/, rewritten from
# the code (tests fail when they drift).
openapi: $(STAMP)
	$(VENV)/bin/python -m services.publish

bench: $(STAMP)
	$(VENV)/bin/python -m bench

clean:
	rm -rf $(VENV) $(TOOLS) .pytest_cache .mypy_cache .ruff_cache
