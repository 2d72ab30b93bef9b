"""Keeps the served model current: follows the registry alias and swaps atomically to a new version.

Requests read `holder.current` once and use that object to the end, so a swap (one reference
assignment) never disturbs a call in flight and no call fails while a new champion is loaded.
Listeners hear of every swap (the explain service then prepares the new version's explanations).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import Generic, TypeVar

from credit_model.registries import Registry
from credit_model.registry import ModelUri
from serving_base.bundle import ModelBundle
from serving_base.errors import ModelNotReadyError

log = logging.getLogger(__name__)
Served = TypeVar("Served")
#: Called on the event loop after each swap with what is served now; it must return quickly.
SwapListener = Callable[[Served], Awaitable[None]]


class ModelHolder(Generic[Served]):
    """Holds what is served for the current version: the bundle itself, or an explainer built on it."""

    def __init__(self, model_uri: str, prepare: Callable[[ModelBundle], Served], registry: Registry) -> None:
        self.model_uri = ModelUri.parse(model_uri)
        self._prepare = prepare
        self._registry = registry
        self._current: Served | None = None
        self._version: str | None = None
        self._listeners: list[SwapListener[Served]] = []

    def add_listener(self, listener: SwapListener[Served]) -> None:
        """Call `listener` after every swap, the first load included."""
        self._listeners.append(listener)

    @property
    def current(self) -> Served:
        """What to serve now; ModelNotReadyError until the first version is loaded."""
        if self._current is None:
            raise ModelNotReadyError(f"model {self.model_uri} not loaded yet")
        return self._current

    @property
    def version(self) -> str | None:
        """The version served now (None before the first load)."""
        return self._version

    def refresh(self) -> bool:
        """Load the version the URI points at if it changed (blocking); True when a swap happened."""
        version = self._registry.resolve(self.model_uri)
        if version == self._version:
            return False
        served = self._prepare(ModelBundle.of(self._registry.load(self.model_uri.pinned(version))))
        self._current, self._version = served, version
        log.info("model swapped in", extra={"model_uri": str(self.model_uri), "version": version})
        return True

    async def watch(self, poll_seconds: float, on_ready: Callable[[], Awaitable[None]]) -> None:
        """Poll the registry forever; call `on_ready` after the first successful load."""
        announced = waiting_said = False
        while True:
            try:
                if await asyncio.to_thread(self.refresh):
                    for listener in self._listeners:
                        await listener(self.current)
                if not announced and self._current is not None:
                    await on_ready()
                    announced = True
            except Exception as error:  # registry down or bad version: keep serving the current one
                detail = {"model_uri": str(self.model_uri), "error": str(error)[:300]}
                if self._current is not None:
                    log.warning("model refresh failed", extra=detail)
                elif not waiting_said:  # the registry may be starting with us: say it once, not every second
                    log.info("waiting for the registry", extra=detail)
                    waiting_said = True
            # Until a first version is served, retry every second: the registry may simply be starting.
            await asyncio.sleep(poll_seconds if self._current is not None else min(poll_seconds, 1.0))
