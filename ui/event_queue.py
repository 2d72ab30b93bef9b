"""Gradio's event queue, set up so that an app nobody uses stays idle.

Gradio's queue looks for a new event every millisecond while it has none, and for progress to report
every 10 ms: a thousand wake-ups a second. The idle demo's UI took 0.04 to 0.056 cores, more than any
other idle process of the demo; at the rates below it takes 0.019 (measured over 20 s, 2026-12-07).
Looking every 10 ms costs an advisor's click at most 10 ms before it starts, which nobody sees beside
the gateway's answer.
"""

from __future__ import annotations

import logging

import gradio as gr

log = logging.getLogger(__name__)

#: How long the queue sleeps between looks while it has no event to start.
IDLE_POLL_SECONDS = 0.01
#: How long it sleeps between looks for progress to report (this app reports none).
PROGRESS_POLL_SECONDS = 0.1
#: The queue's attributes holding both (Gradio's own names, checked by tests/ui/test_event_queue.py).
POLL_ATTRIBUTES = {
    "sleep_when_free": IDLE_POLL_SECONDS,
    "progress_update_sleep_when_free": PROGRESS_POLL_SECONDS,
}


def queued(app: gr.Blocks, concurrency: int) -> gr.Blocks:
    """`app` with its queue (`concurrency` events of a kind at once) polling at the rates above."""
    app.queue(default_concurrency_limit=concurrency)
    queue = app._queue
    for name, seconds in POLL_ATTRIBUTES.items():
        if not hasattr(queue, name):  # a Gradio that renamed it: the app works, only less idle
            log.warning("gradio queue setting not found", extra={"setting": name})
            continue
        setattr(queue, name, seconds)
    return app
