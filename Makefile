# Entry points named by the README. `make demo` runs the product, `make test` runs the tests;
# both install what they need into .venv first (only Python 3.11 and the package registries needed).

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
UV := $(BIN)/uv
SCALE ?= 0.01
SEED ?= 42
DATA ?= data

.PHONY: demo test install lint format bench-datagen clean

$(UV):
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check uv==0.13.9

$(VENV)/.installed: $(UV) pyproject.toml uv.lock
	UV_PROJECT_ENVIRONMENT=$(VENV) $(UV) sync --frozen --quiet
	touch $@

install: $(VENV)/.installed

## demo: the whole product on embedded defaults (grows with each issue)
demo: install
	$(BIN)/python -m training datagen --scale $(SCALE) --seed $(SEED) --out $(DATA)/raw
	$(BIN)/python -m training ingest --raw $(DATA)/raw --out $(DATA)/parquet

## test: every test, with the services they need started where missing
test: install
	bash scripts/ensure_services.sh
	$(BIN)/python -m pytest

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: install
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

bench-datagen: install
	$(BIN)/python -m bench.datagen

clean:
	rm -rf $(DATA) mlruns .pytest_cache
