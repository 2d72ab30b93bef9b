"""`python -m gateway`: serve the REST API with uvicorn (GATEWAY_* environment variables)."""

from __future__ import annotations

import uvicorn

from credit_common.logging import configure_logging
from credit_common.tracing import start_tracing
from gateway.app import create_app
from gateway.settings import get_settings


def main() -> None:
    settings = get_settings()
    configure_logging(settings.log_level, service="gateway")
    start_tracing("credit-gateway")  # before the app: FastAPI traces once a tracer provider is set
    uvicorn.run(
        create_app(settings), host=settings.host, port=settings.port, log_config=None, access_log=False
    )


if __name__ == "__main__":
    main()
