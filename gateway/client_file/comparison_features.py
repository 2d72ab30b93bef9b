"""The features clients are compared on: the champion's most important ones (its global SHAP
importance, logged by training beside the model), read from the registry when the gateway starts.

A gateway may start beside its registry: `make demo` starts both at once, and Kubernetes or Compose
start them in any order. While the registry does not answer, the gateway waits for it (a minute at
most, saying so once) instead of dying and being restarted by its supervisor (the demo's runner stops
everything after five deaths in a minute). A champion that is not there is not waited for: that
registry needs filling, not time.
"""

from __future__ import annotations

import asyncio
import logging
import time

from credit_model.registries import open_registry
from credit_model.registry import CHAMPION_URI, ModelUri
from credit_model.rest_registry import RegistryError

log = logging.getLogger(__name__)
#: The champion's global SHAP importance, logged by training beside the model.
IMPORTANCE_ARTIFACT = "shap_importance.json"
#: How long a starting gateway waits for a registry that does not answer yet.
REGISTRY_WAIT_SECONDS = 60.0
RETRY_SECONDS = 1.0


async def comparison_features(count: int, wait_seconds: float = REGISTRY_WAIT_SECONDS) -> list[str]:
    """The champion's `count` most important features, once the registry answers."""
    registry = open_registry()
    deadline = time.monotonic() + wait_seconds
    waiting_said = False
    while True:
        try:
            importance = await asyncio.to_thread(
                registry.run_json, ModelUri.parse(CHAMPION_URI), IMPORTANCE_ARTIFACT
            )
            return list(importance)[:count]
        except FileNotFoundError:
            raise
        except (OSError, RegistryError) as error:  # refused, timed out, or a server still starting
            if time.monotonic() + RETRY_SECONDS > deadline:
                raise
            if not waiting_said:
                log.info("waiting for the registry", extra={"error": str(error)[:300]})
                waiting_said = True
            await asyncio.sleep(RETRY_SECONDS)
