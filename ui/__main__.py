"""`python -m ui`: serve the advisor app (UI_* environment variables) with a login in front of it."""

from __future__ import annotations

import logging

from credit_common.logging import configure_logging
from ui.settings import get_settings

log = logging.getLogger("ui")


def main() -> None:
    settings = get_settings()
    configure_logging(settings.log_level, service="ui")
    # httpx logs every URL at INFO, and URLs hold client ids: keep those out of the logs.
    logging.getLogger("httpx").setLevel(logging.WARNING)
    from ui.app import build_app
    from ui.auth import LOGIN_MESSAGE, Authenticator
    from ui.event_queue import queued
    from ui.gateway_client import GatewayClient
    from ui.layout import CSS, theme

    if not settings.users and not settings.allow_anonymous:
        raise SystemExit("UI_USERS is empty: configure advisors' logins (or set UI_ALLOW_ANONYMOUS=true)")
    client = GatewayClient(settings.gateway_url, settings.api_key.get_secret_value(), settings.timeout)
    demo = build_app(client, settings.default_language)
    log.info("ui starting", extra={"port": settings.port, "users": len(settings.users)})
    queued(demo, concurrency=8).launch(
        server_name=settings.host,
        server_port=settings.port,
        auth=Authenticator(settings.users) if settings.users else None,
        auth_message=LOGIN_MESSAGE,
        css=CSS,
        theme=theme(),
        ssr_mode=False,
        show_error=False,
        quiet=True,
        footer_links=[],
    )
    client.close()


if __name__ == "__main__":
    main()
