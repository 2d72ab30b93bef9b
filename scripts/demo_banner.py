"""Wait until the demo's gateway and UI answer, then print where everything is and how to log in."""

from __future__ import annotations

import os
import signal
import sys
import time

import httpx


def _wait(url: str, timeout: float = 600) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if httpx.get(url, timeout=2).status_code < 500:
                return True
        except httpx.HTTPError:
            pass
        time.sleep(1)
    return False


def main() -> None:
    gateway = f"http://127.0.0.1:{os.environ['GATEWAY_PORT']}"
    ui = f"http://127.0.0.1:{os.environ['UI_PORT']}"
    ready = _wait(gateway + "/v1/health") and _wait(ui)
    state = "ready" if ready else "NOT ready after 10 minutes (see the logs above)"
    sys.stdout.write(
        f"""
================= Prêt à dépenser — the demo is {state} =================
  Advisors' app   {ui}        login: advisor / {os.environ["DEMO_ADVISOR_PASSWORD"]}
  REST API        {gateway}/docs   X-API-Key: {os.environ["DEMO_API_KEY"]}
  MLflow          http://127.0.0.1:{os.environ["MLFLOW_PORT"]}
  gRPC            scoring :{os.environ["SCORING_PORT"]}, explain :{os.environ["EXPLAIN_PORT"]}
  Try:  curl -H 'X-API-Key: {os.environ["DEMO_API_KEY"]}' {gateway}/v1/clients?limit=3
  Ctrl-C stops everything.
==========================================================================
"""
    )
    sys.stdout.flush()
    signal.pause()


if __name__ == "__main__":
    main()
