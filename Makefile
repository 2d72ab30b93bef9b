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

# --compile-bytecode: machines that set PYTHONDONTWRITEBYTECODE (this one does) never cache bytecode, so
# every process would compile what it imports from source: `import feast` took 16.5 s instead of 10 s,
# `import pandas` 2.7 s instead of 1.1 s. Compiling once at install costs ~80 s.
$(VENV)/.installed: $(UV) pyproject.toml uv.lock
	UV_PROJECT_ENVIRONMENT=$(VENV) $(UV) sync --frozen --quiet --all-extras --compile-bytecode
	touch $@

install: $(VENV)/.installed

## demo: the whole product on embedded defaults: data, features, training, services, UI (Ctrl-C stops)
##   `make demo RAW=DIR` runs it on the Kaggle download instead of synthetic data: DIR is the unzipped
##   folder or home-credit-default-risk.zip itself (see the README, "Real Kaggle data").
RAW ?=
#: The tests' own Redis Cluster (tests/integration/test_redis_cluster.py empties it).
TEST_REDIS_CLUSTER_PORT ?= 7100
#: Two pytest workers (one per core), each given whole modules (tests/conftest.py): the suite's waits
#: overlap. `make test TEST_WORKERS=` runs it in one process.
TEST_WORKERS ?= -n 2 --dist loadscope
demo: install
	bash scripts/ensure_services.sh || echo "no Redis: the embedded SQLite online store is used"
	$(BIN)/python scripts/demo_env.py $(DATA)
	set -a && . $(DATA)/demo.env && set +a && \
	  $(BIN)/python -m training pipeline --scale $(SCALE) --seed $(SEED) --trials $(TRIALS) \
	    $(if $(RAW),--raw "$(RAW)") && \
	  exec $(BIN)/python -m credit_common.procfile deploy/Procfile

## test: every test, with the services and the browser they need (Redis, a Redis Cluster on ports
##   7100-7105, Debian's Chromium)
test: install
	bash scripts/ensure_services.sh
	REDIS_CLUSTER_PORT=$(TEST_REDIS_CLUSTER_PORT) bash scripts/ensure_redis_cluster.sh
	bash scripts/ensure_browser.sh
	$(BIN)/python -m protos.build --check
	$(BIN)/ruff check .
	$(BIN)/lint-imports
	$(BIN)/check-jsonschema --builtin-schema vendor.github-workflows .github/workflows/ci.yml
	TEST_REDIS_CLUSTER_PORT=$(TEST_REDIS_CLUSTER_PORT) $(BIN)/python -m pytest $(TEST_WORKERS)

## protos: regenerate the gRPC code from protos/credit/v1/*.proto
protos: install
	$(BIN)/python -m protos.build

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: install
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

## bench: every benchmark to the end, each writing bench/results/<name>.json, then the README's figures
##   table (python -m bench.readme_table). Long (datagen and features at full size, a scale-0.1 platform,
##   Feast's own materialize, a search): run it on a quiet machine, as the results record the load.
##   A failing benchmark does not stop the others; `make bench` then fails and make names it (***).
##   Sizes for 2 cores, each settable: BENCH_SCALES (datagen, features; 1.0 = Kaggle size); a platform
##   built by the pipeline at BENCH_SCALE in BENCH_DATA (Redis db BENCH_REDIS_DB) for materialize (Feast's
##   path on 10% of the clients) and grpc; train: the pipeline from scratch at BENCH_SCALE for each of
##   BENCH_SEEDS (a BENCH_TRIALS-trial 5-fold search each, the champion against the planted truth), then a
##   refit at scale 1.0; capacity on the demo platform (SCALE, DATA) as
##   `make demo` builds it; applications (POST /v1/applications alone, sustained, in a burst, beside /score) and
##   monotonicity (the what-if at 0.25x to 4x the credit, and the offer's latency, 200 clients) on
##   the same demo platform; pipeline: a Kaggle-size download (scale 1.0, no truth file) through
##   `pipeline --raw`, step by step; ingest: ingest + features of this checkout beside a baseline commit
##   on that download; drift on a 300k reference and a 50k current set. Not here: bench.footprint,
##   which measures services already running (see its docstring). One benchmark: `make bench-grpc`.
BENCH_SCALES ?= 0.1 1.0
BENCH_SCALE ?= 0.1
BENCH_TRIALS ?= 30
BENCH_SEEDS ?= 1 2 3
BENCH_DATA ?= $(DATA)/bench/platform
BENCH_REDIS_DB ?= 3
BENCHES := bench-datagen bench-features bench-ingest bench-pipeline bench-materialize bench-online-memory \
  bench-cluster-failover bench-train bench-grpc bench-capacity bench-applications bench-monotonicity bench-drift
BENCH_ENV = set -a && . $(BENCH_DATA)/demo.env && set +a &&
.PHONY: $(BENCHES) bench-platform bench-demo-platform bench-serving bench-history-source

bench: install
	bash scripts/ensure_services.sh
	$(MAKE) --keep-going --no-print-directory $(BENCHES) || { \
	  $(BIN)/python -m bench.readme_table; echo "make bench: some benchmarks FAILED (*** above)" >&2; exit 1; }
	$(BIN)/python -m bench.readme_table

bench-datagen:
	$(BIN)/python -m bench.datagen $(foreach scale,$(BENCH_SCALES),--scales $(scale))

bench-features:
	$(BIN)/python -m bench.features $(foreach scale,$(BENCH_SCALES),--scales $(scale)) --work $(DATA)/bench

bench-ingest:
	$(BIN)/python -m bench.ingest --scale 1.0 --work $(DATA)/bench

bench-pipeline:
	$(BIN)/python -m bench.pipeline --scale 1.0 --work $(DATA)/bench

bench-platform:
	REDIS_CONNECTION_STRING=127.0.0.1:6379,db=$(BENCH_REDIS_DB) FEAST_ONLINE_STORE=redis \
	  $(BIN)/python scripts/demo_env.py $(BENCH_DATA)
	$(BENCH_ENV) $(BIN)/python -m training pipeline --scale $(BENCH_SCALE) --seed $(SEED) --trials $(TRIALS)

bench-materialize: bench-platform
	$(BENCH_ENV) $(BIN)/python -m bench.materialize --feast-share 0.1

bench-online-memory: bench-demo-platform
	$(BIN)/python -m bench.online_memory --data $(DATA)

bench-cluster-failover: bench-demo-platform
	$(BIN)/python -m bench.cluster_failover --data $(DATA)

bench-train:
	$(BIN)/python -m bench.train $(foreach seed,$(BENCH_SEEDS),--seeds $(seed)) --scale $(BENCH_SCALE) \
	  --trials $(BENCH_TRIALS) --folds 5 --refit-scale 1.0 --work $(DATA)/bench

bench-grpc: bench-platform
	$(BENCH_ENV) $(BIN)/python -m bench.grpc

bench-demo-platform:
	$(BIN)/python scripts/demo_env.py $(DATA)
	set -a && . $(DATA)/demo.env && set +a && \
	  $(BIN)/python -m training pipeline --scale $(SCALE) --seed $(SEED) --trials $(TRIALS)

bench-capacity: bench-demo-platform
	$(BIN)/python -m bench.capacity --data $(DATA)

## bench-serving: the serving figures again (capacity on the demo, gRPC on the bench platform), then
##   the README's table; what to run when the table marks them stale
bench-serving: install
	bash scripts/ensure_services.sh
	$(MAKE) --no-print-directory bench-capacity bench-grpc
	$(BIN)/python -m bench.readme_table

bench-applications: bench-demo-platform
	$(BIN)/python -m bench.applications --data $(DATA)

bench-monotonicity: bench-demo-platform
	$(BIN)/python -m bench.monotonicity --data $(DATA)

bench-drift:
	$(BIN)/python -m bench.drift --work $(DATA)/bench/drift

## bench-history-source: the client's file (history, applications, population) from a shared PostgreSQL
##   against the Parquet files
##   (needs PostgreSQL; CLIENT_FILE_DATABASE_URL, default the machine's database `test`); not in `make bench`
CLIENT_FILE_DATABASE_URL ?= postgresql://postgres@127.0.0.1:5432/test
bench-history-source:
	$(BIN)/python -m bench.history_source --url $(CLIENT_FILE_DATABASE_URL) --work $(DATA)/bench/history

clean:
	rm -rf $(DATA) mlruns .pytest_cache
