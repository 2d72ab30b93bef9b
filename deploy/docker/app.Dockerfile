# syntax=docker/dockerfile:1.7
# One image definition for every Python part of the platform (jobs, scoring, explain, gateway, ui).
# Build from the repository root:
#   docker build -f deploy/docker/app.Dockerfile --target runtime -t credit-platform:dev .
# Stages: builder (uv installs the locked dependencies) -> runtime (role-agnostic, used by Kubernetes
# and Ray with an explicit command) -> one thin target per service (scoring, explain, gateway, ui) that
# only adds the command, the port and a HEALTHCHECK; they share every layer with runtime.

ARG PYTHON_IMAGE=python:3.11-slim-bookworm

FROM ${PYTHON_IMAGE} AS builder
# Same uv as the Makefile; the venv lives in /opt/venv and uses the base image's interpreter, so the
# runtime stage (same base image) can copy it as is.
RUN pip install --no-cache-dir uv==0.13.9
ENV UV_PROJECT_ENVIRONMENT=/opt/venv \
    UV_PYTHON=/usr/local/bin/python3.11 \
    UV_PYTHON_DOWNLOADS=never \
    UV_COMPILE_BYTECODE=1 \
    UV_LINK_MODE=copy
WORKDIR /app
# Dependencies first (cached until uv.lock changes), then the project itself.
COPY pyproject.toml uv.lock README.md ./
RUN --mount=type=cache,target=/root/.cache/uv uv sync --frozen --no-dev --no-install-project
COPY credit_common ./credit_common
COPY protos ./protos
COPY training ./training
COPY scoring_service ./scoring_service
COPY explain_service ./explain_service
COPY gateway ./gateway
COPY ui ./ui
COPY feature_repo ./feature_repo
# The project is installed editable on purpose: training.store finds feature_repo/ next to the
# packages (/app), which a wheel in site-packages would lose. Bytecode is compiled now because the
# root filesystem is read-only at run time.
RUN --mount=type=cache,target=/root/.cache/uv uv sync --frozen --no-dev \
    && /opt/venv/bin/python -m compileall -q /app

FROM ${PYTHON_IMAGE} AS runtime
# LightGBM's wheel links against the system OpenMP runtime, which the slim image lacks.
RUN apt-get update \
    && apt-get install -y --no-install-recommends libgomp1 \
    && rm -rf /var/lib/apt/lists/*
# A fixed numeric uid so that Kubernetes' runAsNonRoot can check it without resolving names.
RUN groupadd --system --gid 10001 credit \
    && useradd --system --uid 10001 --gid 10001 --home-dir /tmp --no-create-home credit \
    && mkdir -p /data \
    && chown 10001:10001 /data
COPY --from=builder /opt/venv /opt/venv
COPY --from=builder /app /app
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
    FEAST_USAGE=False \
    RAY_AUTH_MODE=disabled \
    CREDIT_DATA_DIR=/data
WORKDIR /app
USER 10001:10001
VOLUME ["/data"]
# Jobs (and Ray nodes) pass their own command; the default only lists the jobs.
CMD ["python", "-m", "training", "--help"]

FROM runtime AS scoring
ENV SCORING_HOST=0.0.0.0 SCORING_PORT=50051
EXPOSE 50051
# The standard gRPC health service: SERVING only once the champion model is loaded.
HEALTHCHECK --interval=15s --timeout=5s --start-period=120s --retries=3 CMD python -c "import os, grpc; from grpc_health.v1 import health_pb2 as h, health_pb2_grpc as g; c = grpc.insecure_channel('127.0.0.1:' + os.environ['SCORING_PORT']); r = g.HealthStub(c).Check(h.HealthCheckRequest(), timeout=4); raise SystemExit(r.status != h.HealthCheckResponse.SERVING)"
CMD ["python", "-m", "scoring_service"]

FROM runtime AS explain
ENV EXPLAIN_HOST=0.0.0.0 EXPLAIN_PORT=50052
EXPOSE 50052
HEALTHCHECK --interval=15s --timeout=5s --start-period=120s --retries=3 CMD python -c "import os, grpc; from grpc_health.v1 import health_pb2 as h, health_pb2_grpc as g; c = grpc.insecure_channel('127.0.0.1:' + os.environ['EXPLAIN_PORT']); r = g.HealthStub(c).Check(h.HealthCheckRequest(), timeout=4); raise SystemExit(r.status != h.HealthCheckResponse.SERVING)"
CMD ["python", "-m", "explain_service"]

FROM runtime AS gateway
ENV GATEWAY_HOST=0.0.0.0 GATEWAY_PORT=8000
EXPOSE 8000
HEALTHCHECK --interval=15s --timeout=5s --start-period=60s --retries=3 CMD python -c "import os, urllib.request; urllib.request.urlopen('http://127.0.0.1:' + os.environ['GATEWAY_PORT'] + '/v1/health', timeout=4)"
CMD ["python", "-m", "gateway"]

FROM runtime AS ui
ENV UI_HOST=0.0.0.0 UI_PORT=7860
EXPOSE 7860
HEALTHCHECK --interval=15s --timeout=5s --start-period=60s --retries=3 CMD python -c "import os, urllib.request; urllib.request.urlopen('http://127.0.0.1:' + os.environ['UI_PORT'] + '/', timeout=4)"
CMD ["python", "-m", "ui"]
