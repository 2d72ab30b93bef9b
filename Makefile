# Entry points named by the README. `make demo` runs the product, `make test` runs the tests;
# both install what they need into .venv first (only Python 3.11 and the package registries needed).

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
UV := $(BIN)/uv
SCALE ?= 0.01
SEED ?= 42
TRIALS ?= 8
DATA ?= data

.PHONY: demo test install lint format protos bench clean

$(UV):
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check uv==0.13.9

$(VENV)/.installed: $(UV) pyproject.toml uv.lock
	UV_PROJECT_ENVIRONMENT=$(VENV) $(UV) sync --frozen --quiet --all-extras
	touch $@

install: $(VENV)/.installed

## demo: the whole product on embedded defaults: data, features, training, services, UI (Ctrl-C stops)
demo: install
	bash scripts/ensure_services.sh || echo "no Redis: the embedded SQLite online store is used"
	$(BIN)/python scripts/demo_env.py $(DATA)
	set -a && . $(DATA)/demo.env && set +a && \
	  $(BIN)/python -m training pipeline --scale $(SCALE) --seed $(SEED) --trials $(TRIALS) && \
	  exec $(BIN)/honcho -f deploy/Procfile -d . start

## test: every test, with the services and the browser they need (Redis, Debian's Chromium)
test: install
	bash scripts/ensure_services.sh
	bash scripts/ensure_browser.sh
	$(BIN)/python -m protos.build --check
	$(BIN)/ruff check .
	$(BIN)/lint-imports
	$(BIN)/python -m pytest

## protos: regenerate the gRPC code from protos/credit/v1/*.proto
protos: install
	$(BIN)/python -m protos.build

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: install
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

## bench: every benchmark (needs a platform built at SCALE=0.1: `make demo SCALE=0.1` or the pipeline)
bench: install
	$(BIN)/python -m bench.datagen --scales 0.1 1.0
	$(BIN)/python -m bench.features --scales 0.1 1.0
	$(BIN)/python -m bench.grpc
	$(BIN)/python -m bench.gateway
	$(BIN)/python -m bench.drift

clean:
	rm -rf $(DATA) mlruns .pytest_cache
