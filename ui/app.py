"""The advisor app assembled: the page (ui.layout), its handlers (ui.handlers) and which event calls which."""

from __future__ import annotations

import gradio as gr

from ui.gateway_client import GatewayClient
from ui.handlers import Handlers
from ui.layout import KEYBOARD_JS, Layout, page_language_js
from ui.texts import Language


def _wire(page: Layout, handlers: Handlers) -> None:
    """Connect each control to its handler, with the inputs it reads and the outputs it may update."""
    opened = [
        page.state, page.message, page.decision, page.gauge, page.reasons, page.letter, page.waterfall,
        page.family, page.family_chart, page.history, page.table, page.data_count, page.feature, page.x,
        page.y, page.histogram, page.scatter, page.amount, page.annuity, page.whatif, page.group,
    ]  # fmt: skip
    open_inputs = [page.client_id, page.lang, page.groups, page.field_filter, page.feature]
    model_line = {"inputs": [page.lang], "outputs": [page.model_line, page.message]}
    page.blocks.load(handlers.on_model, **model_line)
    page.blocks.load(None, inputs=[page.lang], js=page_language_js())
    page.blocks.load(None, js=KEYBOARD_JS)
    page.lang.change(None, inputs=[page.lang], js=page_language_js())
    page.client_id.submit(handlers.on_open, inputs=open_inputs, outputs=opened)
    page.open.click(handlers.on_open, inputs=open_inputs, outputs=opened)
    page.client_id.input(
        handlers.on_search,
        inputs=[page.client_id, page.lang],
        outputs=[page.suggestions, page.message],
        trigger_mode="always_last",
        show_progress="hidden",
    )
    page.suggestions.input(
        handlers.on_pick, inputs=[page.suggestions, *open_inputs[1:]], outputs=[*opened, page.client_id]
    )
    page.family.input(
        handlers.on_family,
        inputs=[page.state, page.lang, page.family],
        outputs=[page.family_chart, page.message],
    )
    page.prepare_letter.click(
        handlers.on_letter, inputs=[page.state, page.lang], outputs=[page.letter, page.message]
    )
    for control in (page.groups, page.field_filter):
        control.change(
            handlers.on_data_filter,
            inputs=[page.state, page.lang, page.groups, page.field_filter],
            outputs=[page.table, page.data_count, page.message],
            show_progress="hidden",
        )
    compare_inputs = [page.state, page.lang, page.group, *page.filters]
    for event in (page.compare.click, page.feature.input):
        event(
            handlers.comparing.on_compare,
            inputs=[*compare_inputs, page.feature],
            outputs=[page.histogram, page.message],
        )
    page.show_scatter.click(
        handlers.comparing.on_scatter,
        inputs=[*compare_inputs, page.x, page.y],
        outputs=[page.scatter, page.message],
    )
    page.review_tab.select(
        handlers.on_reviews, inputs=[page.state, page.lang], outputs=[page.review_list, page.message]
    )
    page.record_review.click(
        handlers.on_record_review,
        inputs=[
            page.state,
            page.lang,
            page.client_view,
            page.review_outcome,
            page.review_reason,
            page.review_note,
        ],
        outputs=[page.review_list, page.client_view, page.review_note, page.message],
    )
    page.simulate.click(
        handlers.on_simulate,
        inputs=[page.state, page.lang, page.amount, page.annuity],
        outputs=[page.whatif, page.message],
    )
    page.lang.change(
        handlers.on_language, inputs=[page.lang], outputs=[*page.words.components, page.message]
    ).then(handlers.on_model, **model_line).then(
        handlers.on_reopen,
        inputs=[page.state, *open_inputs[1:], page.amount, page.annuity, page.whatif],
        outputs=opened,
    )


def build_app(client: GatewayClient, default_language: Language = "fr") -> gr.Blocks:
    """The advisor app's Blocks, calling the gateway through `client`."""
    page = Layout(default_language)
    with page.build():
        _wire(page, Handlers(page, client))
    return page.blocks
