"""`python -m gateway`: serve the REST API with uvicorn (GATEWAY_* environment variables), in one
process or, with GATEWAY_WORKERS > 1, in that many sharing the port (gateway.workers)."""

from __future__ import annotations

import sys

import uvicorn

from credit_common.logging import configure_logging
from credit_common.tracing import start_tracing
from gateway.api.serving import app_for
from gateway.settings import get_settings
from gateway.workers import Supervisor, prepare_run_folder


def main() -> None:
    settings = get_settings()
    configure_logging(settings.log_level, service="gateway")
    if settings.workers > 1:
        prepare_run_folder(settings.run_folder)
        sys.exit(Supervisor(settings.workers, settings.run_folder).run())
    start_tracing("credit-gateway")  # before the app: FastAPI traces once a tracer provider is set
    uvicorn.run(app_for(settings), host=settings.host, port=settings.port, log_config=None, access_log=False)


if __name__ == "__main__":
    main()
