"""Write the environment of the local all-in-one run (`make demo`), keeping its secrets across runs.

Usage: python scripts/demo_env.py DATA_DIR  → writes DATA_DIR/demo.env (and reuses the keys in it).
The demo API key and advisor password are random per data folder, never committed anywhere.
"""

from __future__ import annotations

import json
import os
import secrets
import sys
from pathlib import Path

from gateway.admission.auth import hash_key
from ui.auth import hash_password

DEMO_GATEWAY_WORKERS = 2
PORTS = {
    "SCORING_PORT": 50051,
    "EXPLAIN_PORT": 50052,
    "GATEWAY_PORT": 8000,
    "GATEWAY_FILE_PORT": 8001,
    "UI_PORT": 7860,
    "MLFLOW_PORT": 5000,
}


def _previous(path: Path) -> dict[str, str]:
    if not path.exists():
        return {}
    pairs = (
        line.split("=", 1)
        for line in path.read_text().splitlines()
        if "=" in line and not line.startswith("#")
    )
    return {key: value.strip("'") for key, value in pairs}


def main() -> None:
    data = Path(sys.argv[1]).resolve()
    data.mkdir(parents=True, exist_ok=True)
    path = data / "demo.env"
    previous = _previous(path)
    api_key = previous.get("DEMO_API_KEY") or secrets.token_urlsafe(18)
    password = previous.get("DEMO_ADVISOR_PASSWORD") or secrets.token_urlsafe(9)
    ports = {name: int(os.environ.get(name, default)) for name, default in PORTS.items()}
    env = {
        "CREDIT_DATA_DIR": str(data),
        "MLFLOW_TRACKING_URI": f"sqlite:///{data / 'mlflow.db'}",
        "REDIS_CONNECTION_STRING": os.environ.get("REDIS_CONNECTION_STRING", "127.0.0.1:6379"),
        "FEAST_ONLINE_STORE": os.environ.get("FEAST_ONLINE_STORE", "auto"),
        "RAY_AUTH_MODE": "disabled",
        "GRADIO_ANALYTICS_ENABLED": "False",
        **{name: str(port) for name, port in ports.items()},
        "GATEWAY_SCORING_TARGET": f"127.0.0.1:{ports['SCORING_PORT']}",
        "GATEWAY_EXPLAIN_TARGET": f"127.0.0.1:{ports['EXPLAIN_PORT']}",
        # One gateway process per core: the decision path is CPU-bound Python, one core each.
        "GATEWAY_WORKERS": os.environ.get("GATEWAY_WORKERS", str(DEMO_GATEWAY_WORKERS)),
        # The public gateway serves the decision path and forwards the rest to the whole gateway.
        "GATEWAY_CLIENT_FILE_URL": f"http://127.0.0.1:{ports['GATEWAY_FILE_PORT']}",
        "GATEWAY_API_KEYS": json.dumps(
            {hash_key(api_key): {"name": "demo", "roles": ["advisor", "service"]}}
        ),
        "UI_GATEWAY_URL": f"http://127.0.0.1:{ports['GATEWAY_PORT']}",
        "UI_API_KEY": api_key,
        "UI_USERS": previous.get("UI_USERS") or json.dumps({"advisor": hash_password(password)}),
        "DEMO_API_KEY": api_key,
        "DEMO_ADVISOR_PASSWORD": password,
    }
    lines = ["# Environment of `make demo` (generated; holds the demo's secrets: keep it out of git)."]
    lines += [f"{key}='{value}'" for key, value in env.items()]
    path.write_text("\n".join(lines) + "\n")
    path.chmod(0o600)


if __name__ == "__main__":
    main()
