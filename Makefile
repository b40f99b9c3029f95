# Atende — developer commands. `make run` and `make test` do all set-up on a fresh machine.
SHELL := /bin/bash
API := apps/api
WEB := apps/web
UV ?= $(shell command -v uv 2>/dev/null || echo "python3 -m uv")
export UV_LINK_MODE ?= copy

.PHONY: help install install-api install-web build-web run migrate seed serve test test-api \
        test-web test-e2e lint typecheck format bench bench-smoke compose-config clean

help:
	@echo "make run    install, migrate, seed and serve Atende with the simulator on http://localhost:8000"
	@echo "make test   lint, type-check and run every test suite (API, web, end-to-end)"
	@echo "make bench  run the benchmarks (bench/README.md)"

$(API)/.venv/.synced: $(API)/pyproject.toml $(API)/uv.lock
	@command -v uv >/dev/null 2>&1 || python3 -m pip install --quiet uv
	cd $(API) && $(UV) sync --frozen
	@touch $@

install-api: $(API)/.venv/.synced

$(WEB)/node_modules/.installed: $(WEB)/package.json $(WEB)/package-lock.json
	cd $(WEB) && npm ci --no-audit --no-fund
	@touch $@

install-web: $(WEB)/node_modules/.installed

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund
	@touch $@

install: install-api install-web node_modules/.installed

build-web: install-web
	cd $(WEB) && npm run build

migrate: install-api
	cd $(API) && $(UV) run atende migrate

seed: install-api
	cd $(API) && $(UV) run atende seed

run: install build-web migrate seed
	cd $(API) && WEB_DIST=$(CURDIR)/$(WEB)/dist $(UV) run atende serve --host 127.0.0.1 --port 8000

lint: install
	cd $(API) && $(UV) run ruff check src tests alembic ../../bench
	cd $(API) && $(UV) run ruff format --check src tests alembic ../../bench
	cd $(WEB) && npm run lint && npm run format:check

typecheck: install
	cd $(API) && $(UV) run mypy
	cd $(WEB) && npm run typecheck

test-api: install-api
	cd $(API) && $(UV) run pytest -q -p no:cacheprovider

test-web: install-web
	cd $(WEB) && npm test

test-e2e: build-web install-api
	bash scripts/e2e.sh

test: lint typecheck test-api test-web test-e2e compose-config bench-smoke

# Compose v2 (`docker compose`) when present, else Debian's Compose v1 (`docker-compose`).
compose-config:
	@if [ -f docker-compose.yml ]; then \
	  if docker compose version >/dev/null 2>&1; then compose="docker compose"; \
	  else compose=docker-compose; fi; \
	  ATENDE_ENV_FILE=.env.example $$compose -f docker-compose.yml --env-file .env.example \
	    config --quiet && echo "$$compose config: ok"; \
	fi

bench: install-api
	cd $(API) && $(UV) run python ../../bench/run.py

bench-smoke: install-api
	@if [ -f bench/run.py ]; then cd $(API) && $(UV) run python ../../bench/run.py --smoke; fi

format: install
	cd $(API) && $(UV) run ruff format src tests && $(UV) run ruff check --fix src tests
	cd $(WEB) && npx prettier --write .

clean:
	rm -rf $(API)/.venv $(WEB)/node_modules $(WEB)/dist node_modules data $(API)/data
