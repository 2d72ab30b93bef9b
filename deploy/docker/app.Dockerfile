# syntax=docker/dockerfile:1.7
# One file for every Python part of the platform (jobs, scoring, explain, gateway, ui); each image
# installs only its part's dependency group (pyproject extras: serving, gateway, training, ui).
# Build from the repository root:
#   docker build -f deploy/docker/app.Dockerfile --target scoring -t credit-scoring:dev .
# Stages: source (uv, the lock and the code) -> one dependency stage per part (uv sync --extra PART)
# -> base (system libraries, non-root user) -> the images: runtime (the offline jobs, also Ray's
# image), scoring and explain (gRPC, `serving`), gateway, ui; each adds its command, port and HEALTHCHECK.

ARG PYTHON_IMAGE=python:3.11-slim-bookworm

FROM ${PYTHON_IMAGE} AS source
# Same uv as the Makefile; the venv lives in /opt/venv and uses the base image's interpreter, so the
# image stages (same base image) can copy it as is.
RUN pip install --no-cache-dir uv==0.13.9
ENV UV_PROJECT_ENVIRONMENT=/opt/venv \
    UV_PYTHON=/usr/local/bin/python3.11 \
    UV_PYTHON_DOWNLOADS=never \
    UV_COMPILE_BYTECODE=1 \
    UV_LINK_MODE=copy
WORKDIR /app
COPY pyproject.toml uv.lock README.md ./
COPY credit_common ./credit_common
COPY protos ./protos
COPY credit_features ./credit_features
COPY credit_model ./credit_model
COPY serving_base ./serving_base
COPY scoring_service ./scoring_service
COPY explain_service ./explain_service
COPY gateway ./gateway
COPY training ./training
COPY ui ./ui
COPY feature_repo ./feature_repo

# The project is installed editable on purpose: the features core finds feature_repo/ next to the
# packages (/app), which a wheel in site-packages would lose. Bytecode is compiled now because the
# root filesystem is read-only at run time.
FROM source AS serving-deps
RUN --mount=type=cache,target=/root/.cache/uv uv sync --frozen --no-dev --extra serving \
    && /opt/venv/bin/python -m compileall -q /app

FROM source AS gateway-deps
RUN --mount=type=cache,target=/root/.cache/uv uv sync --frozen --no-dev --extra gateway \
    && /opt/venv/bin/python -m compileall -q /app

FROM source AS training-deps
RUN --mount=type=cache,target=/root/.cache/uv uv sync --frozen --no-dev --extra training \
    && /opt/venv/bin/python -m compileall -q /app

FROM source AS ui-deps
RUN --mount=type=cache,target=/root/.cache/uv uv sync --frozen --no-dev --extra ui \
    && /opt/venv/bin/python -m compileall -q /app

FROM ${PYTHON_IMAGE} AS base
# LightGBM's wheel links against the system OpenMP runtime, which the slim image lacks; the client's
# letter (gateway/letter.py) is set in DejaVu Sans, which covers every character of French and English.
RUN apt-get update \
    && apt-get install -y --no-install-recommends libgomp1 fonts-dejavu-core \
    && rm -rf /var/lib/apt/lists/*
# A fixed numeric uid so that Kubernetes' runAsNonRoot can check it without resolving names.
RUN groupadd --system --gid 10001 credit \
    && useradd --system --uid 10001 --gid 10001 --home-dir /tmp --no-create-home credit \
    && mkdir -p /data \
    && chown 10001:10001 /data
# Writable places are only /data (shared volume: feature tables, Feast registry, MLflow artifacts,
# prediction log, Ray results) and /tmp (emptyDir/tmpfs). HOME and every cache point into /tmp so the
# root filesystem can stay read-only.
ENV PATH=/opt/venv/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    HOME=/tmp \
    XDG_CACHE_HOME=/tmp/.cache \
    MPLCONFIGDIR=/tmp/matplotlib \
    NUMBA_CACHE_DIR=/tmp/numba \
    GRADIO_TEMP_DIR=/tmp/gradio \
    GRADIO_ANALYTICS_ENABLED=False \
    FEAST_USAGE=False \
    RAY_AUTH_MODE=disabled \
    CREDIT_DATA_DIR=/data
WORKDIR /app
USER 10001:10001
VOLUME ["/data"]

FROM base AS runtime
COPY --from=training-deps /opt/venv /opt/venv
COPY --from=training-deps /app /app
# Jobs (and Ray nodes) pass their own command; the default only lists the jobs.
CMD ["python", "-m", "training", "--help"]

FROM base AS scoring
COPY --from=serving-deps /opt/venv /opt/venv
COPY --from=serving-deps /app /app
ENV SCORING_HOST=0.0.0.0 SCORING_PORT=50051
EXPOSE 50051
# The standard gRPC health service: SERVING only once the champion model is loaded.
HEALTHCHECK --interval=15s --timeout=5s --start-period=120s --retries=3 CMD python -c "import os, grpc; from grpc_health.v1 import health_pb2 as h, health_pb2_grpc as g; c = grpc.insecure_channel('127.0.0.1:' + os.environ['SCORING_PORT']); r = g.HealthStub(c).Check(h.HealthCheckRequest(), timeout=4); raise SystemExit(r.status != h.HealthCheckResponse.SERVING)"
CMD ["python", "-m", "scoring_service"]

FROM base AS explain
COPY --from=serving-deps /opt/venv /opt/venv
COPY --from=serving-deps /app /app
ENV EXPLAIN_HOST=0.0.0.0 EXPLAIN_PORT=50052
EXPOSE 50052
HEALTHCHECK --interval=15s --timeout=5s --start-period=120s --retries=3 CMD python -c "import os, grpc; from grpc_health.v1 import health_pb2 as h, health_pb2_grpc as g; c = grpc.insecure_channel('127.0.0.1:' + os.environ['EXPLAIN_PORT']); r = g.HealthStub(c).Check(h.HealthCheckRequest(), timeout=4); raise SystemExit(r.status != h.HealthCheckResponse.SERVING)"
CMD ["python", "-m", "explain_service"]

FROM base AS gateway
COPY --from=gateway-deps /opt/venv /opt/venv
COPY --from=gateway-deps /app /app
ENV GATEWAY_HOST=0.0.0.0 GATEWAY_PORT=8000
EXPOSE 8000
HEALTHCHECK --interval=15s --timeout=5s --start-period=60s --retries=3 CMD python -c "import os, urllib.request; urllib.request.urlopen('http://127.0.0.1:' + os.environ['GATEWAY_PORT'] + '/v1/health', timeout=4)"
CMD ["python", "-m", "gateway"]

FROM base AS ui
COPY --from=ui-deps /opt/venv /opt/venv
COPY --from=ui-deps /app /app
ENV UI_HOST=0.0.0.0 UI_PORT=7860
EXPOSE 7860
HEALTHCHECK --interval=15s --timeout=5s --start-period=60s --retries=3 CMD python -c "import os, urllib.request; urllib.request.urlopen('http://127.0.0.1:' + os.environ['UI_PORT'] + '/', timeout=4)"
CMD ["python", "-m", "ui"]
