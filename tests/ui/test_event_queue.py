"""The advisor app's queue polls at the app's own rates, under the names this Gradio gives them."""

from __future__ import annotations

import gradio as gr
import pytest

from ui.event_queue import POLL_ATTRIBUTES, queued

pytestmark = pytest.mark.unit


def test_the_queue_is_set_to_poll_at_the_apps_rates() -> None:
    with gr.Blocks() as app:
        gr.Markdown("an app")
    queue = queued(app, concurrency=3)._queue
    for name, seconds in POLL_ATTRIBUTES.items():
        assert getattr(queue, name) == seconds, f"Gradio's queue has no {name} any more, or another value"
    assert queue.default_concurrency_limit == 3
