# syntax=docker/dockerfile:1.7
# The MLflow tracking server. It is infrastructure, not part of the platform's distribution, so it
# gets its own small image: the same MLflow as uv.lock plus the PostgreSQL driver (backend store) and
# boto3 (S3-compatible artifact store), neither of which the platform itself needs.
#   docker build -f deploy/docker/mlflow.Dockerfile -t credit-mlflow:dev deploy/docker
ARG PYTHON_IMAGE=python:3.11-slim-bookworm
FROM ${PYTHON_IMAGE}

# Keep MLFLOW_VERSION equal to mlflow's version in uv.lock (tests/deploy checks it).
ARG MLFLOW_VERSION=3.17.2
RUN python -m venv /opt/mlflow \
    && /opt/mlflow/bin/pip install --no-cache-dir \
        "mlflow==${MLFLOW_VERSION}" "psycopg2-binary==2.9.13" "boto3==1.44.8" \
    && groupadd --system --gid 10001 mlflow \
    && useradd --system --uid 10001 --gid 10001 --home-dir /tmp --no-create-home mlflow \
    && mkdir -p /data \
    && chown 10001:10001 /data

# mlflow server reads its options from these variables: MLFLOW_BACKEND_STORE_URI (PostgreSQL URI,
# from a secret), MLFLOW_ARTIFACTS_DESTINATION (artifacts served by the server itself; the shared data
# volume by default, or s3://bucket/path), MLFLOW_SERVER_ALLOWED_HOSTS (Host headers it answers).
# Its job runner (huey workers for GenAI jobs the platform does not use) stays off.
ENV PATH=/opt/mlflow/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    HOME=/tmp \
    MLFLOW_ARTIFACTS_DESTINATION=/data/mlartifacts \
    MLFLOW_SERVER_ALLOWED_HOSTS=localhost,localhost:5000,mlflow,mlflow:5000 \
    MLFLOW_WORKERS=2 \
    MLFLOW_SERVER_ENABLE_JOB_EXECUTION=false
USER 10001:10001
EXPOSE 5000
HEALTHCHECK --interval=15s --timeout=5s --start-period=30s --retries=3 \
    CMD python -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:5000/health', timeout=4)"
CMD ["mlflow", "server", "--host", "0.0.0.0", "--port", "5000", "--serve-artifacts"]
