"""The page of the advisor app: its components, worded in the chosen language, and how they look.

Only the layout lives here; what the components do is ui.handlers, and which event calls what is ui.app.
"""

from __future__ import annotations

import json

import gradio as gr

from ui.language import Wordings, choices, coded, compared_groups, field_groups, heading, text
from ui.texts import (
    AGE_BANDS,
    CONTRACTS,
    EDUCATIONS,
    GROUP_NAMES,
    INCOME_TYPES,
    REVIEW_OUTCOMES,
    REVIEW_REASONS,
    Language,
    t,
)

CSS = """
.ui-decision { border: 3px solid; border-radius: 8px; padding: 0.6em 1em; background: #fff; color: #111; }
.ui-decision p { margin: 0.2em 0; }
.ui-granted { border-color: #0072B2; }
.ui-refused { border-color: #D55E00; border-style: double; border-width: 6px; }
.ui-verdict { font-size: 1.6em; }
.ui-granted .ui-icon { color: #0072B2; }
.ui-refused .ui-icon { color: #B34700; }
.ui-referred { border-color: #E69F00; border-style: dashed; border-width: 4px; }
.ui-referred .ui-icon { color: #7A4F00; }
.ui-client { font-weight: 600; }
.ui-message { border-left: 6px solid #D55E00; background: #fff4e5; color: #111; padding: 0.6em 1em;
  font-size: 1.1em; }
.ui-info { border-left-color: #0072B2; background: #eef6fb; }
figure.chart { margin: 0; }
figure.chart figcaption { color: #111; font-size: 0.95em; margin-top: 0.4em; }
.ui-table { max-height: 22em; overflow: auto; margin-bottom: 1em; }
.ui-table table { border-collapse: collapse; width: 100%; }
.ui-table caption { text-align: left; font-weight: 600; padding: 0.3em 0; color: #111; }
.ui-table th, .ui-table td { border: 1px solid #767676; padding: 0.25em 0.5em; text-align: left;
  color: #111; }
.ui-table th { background: #eef6fb; position: sticky; top: 0; }
.ui-table td:nth-child(n+3) { text-align: right; font-variant-numeric: tabular-nums; }
.ui-history h3 { margin: 0.8em 0 0.3em; }
/* The keyboard's focus is seen (WCAG 2.4.7): Gradio removes the outline of its radios and dropdowns;
   blue-700 on white is 6.7:1, over the 3:1 a focus indicator needs. */
input[type=radio]:focus-visible, input[type=checkbox]:focus-visible, input[role=combobox]:focus-visible {
  outline: 3px solid #1d4ed8 !important; outline-offset: 2px; }
/* A dropdown opens its options on focus; tabbing on must not leave them over the next fields' labels. */
.block:not(:focus-within) .options:has(> [role=listbox]) { display: none !important; }
/* The title breaks between words only ("Prêt à dépe-nser" is no title). */
#header h1 { overflow-wrap: normal; word-break: keep-all; hyphens: none; }
/* A phone (390 px wide) shows the decision and its first reason without scrolling: full-width header,
   smaller title, tighter gaps, and the reasons right under the decision (the letter and gauge after).
   Gradio scopes the rules of an @media to its .contain element; the page's own padding, outside it, is
   reached by a top-level rule (kept as written) with the query nested in it. */
.gradio-container > .main.app { @media (max-width: 480px) { padding: 6px 6px 0 !important; } }
@media (max-width: 480px) {
  * { --layout-gap: 8px; --block-padding: 6px 8px; }
  #header, #language { flex: 1 1 100% !important; min-width: 100% !important; }
  #header h1 { font-size: 1.3em; margin: 0 0 0.2em; }
  #header p { font-size: 0.9em; margin: 0; }
  #open-client { padding: 0.4em 1em; min-height: 0; }
  .column:has(> #decision) > * { order: 2; }
  .column:has(> #decision) > #decision { order: 0; }
  .column:has(> #decision) > #reasons { order: 1; }
  .ui-decision { padding: 0.3em 0.6em; font-size: 0.9em; }
  .ui-verdict { font-size: 1.3em; }
  #gauge img { max-height: 8em; width: auto; }
  #reasons h3 { margin: 0.3em 0 0.2em; font-size: 1.05em; }
  /* The explanation's and comparison's charts keep a size their text reads at (ui/charts.py) and pan
     sideways, rather than shrink to 6 px text on a 390 px screen. */
  #waterfall figure, #family-chart figure, #histogram figure, #scatter figure { overflow-x: auto; }
  #waterfall img, #family-chart img, #histogram img, #scatter img { max-width: none !important;
    width: 640px; }
}
/* The client's file reads as text, not code: Gradio's Dataframe sets its cells in the monospace font. */
#client-data { --font-mono: var(--font); }
#client-data table, #client-data th, #client-data td, #client-data .header-table,
#client-data .virtual-row { font-family: var(--font); }
"""


def theme() -> gr.themes.Base:
    """Gradio's default look with primary buttons dark enough for white text (WCAG AA contrast 4.5:1:
    blue-700 gives 6.7:1 where the default blue-500 gives 3.7:1)."""
    return gr.themes.Default(primary_hue="blue", secondary_hue="orange").set(
        button_primary_background_fill="*primary_700",
        button_primary_background_fill_hover="*primary_800",
        button_primary_text_color="white",
        button_primary_background_fill_dark="*primary_700",
        button_primary_text_color_dark="white",
    )


def page_language_js() -> str:
    """Browser-side: the page's language (lang attribute, read by screen readers) and its title."""
    titles = json.dumps({lang: t("title", lang) for lang in ("fr", "en")})
    return f"(lang) => {{ document.documentElement.lang = lang; document.title = {titles}[lang]; }}"


#: Browser-side, once, what Gradio's widgets lack for the keyboard (WAI-ARIA practices):
#: - each radio button of a group is named apart, so the arrow keys cannot move within the group: give
#:   each group's buttons one name, again whenever Gradio redraws them;
#: - a tab list does not follow the arrow keys: Left/Right (and Home/End) choose the previous/next tab.
KEYBOARD_JS = """() => {
  const name = () => document.querySelectorAll("input[type=radio]").forEach((input) => {
    const block = input.closest(".block[id]");
    if (block && input.name !== block.id) input.name = block.id;
  });
  name();
  new MutationObserver(name).observe(document.body, {childList: true, subtree: true});
  document.addEventListener("keydown", (event) => {
    const tab = event.target.closest && event.target.closest("[role=tab]");
    const list = tab && tab.closest("[role=tablist]");
    if (!list || !["ArrowRight", "ArrowLeft", "Home", "End"].includes(event.key)) return;
    const tabs = [...list.querySelectorAll("[role=tab]")];
    const at = tabs.indexOf(tab);
    const moves = {ArrowRight: at + 1, ArrowLeft: at - 1 + tabs.length, Home: 0, End: tabs.length - 1};
    const next = tabs[moves[event.key] % tabs.length];
    event.preventDefault();
    next.focus();
    next.click();
  });
}"""


def _header(lang: Language) -> dict[str, str]:
    return {"value": f"# {t('title', lang)}\n{t('intro', lang)}"}


class Layout:
    """Builds the Blocks and keeps its components, so that handlers can name what they update."""

    def __init__(self, lang: Language) -> None:
        self.words = Wordings(lang)

    def build(self) -> gr.Blocks:
        """The page: header, client finder, then five tabs (score, data, history, comparison, what-if)."""
        words = self.words
        # Gradio phones home (analytics) unless told not to: the app must not leak usage.
        # Files served to the browser (the letters) are deleted from Gradio's cache after an hour.
        with gr.Blocks(
            title=t("title", words.lang), analytics_enabled=False, delete_cache=(3600, 3600)
        ) as self.blocks:
            self.state = gr.State(None)
            with gr.Row(equal_height=True):
                self.header = words.add(gr.Markdown, _header, elem_id="header")
                self.lang = words.add(
                    gr.Radio,
                    text(label="language"),
                    choices=[("Français", "fr"), ("English", "en")],
                    value=words.lang,
                    elem_id="language",
                    scale=0,
                    min_width=220,
                )
            self.model_line = gr.Markdown(elem_id="model-line")
            with gr.Row(equal_height=True):
                self.client_id = words.add(
                    gr.Textbox,
                    text(label="client_id", placeholder="client_id_placeholder"),
                    max_length=12,
                    elem_id="client-id",
                )
                self.suggestions = words.add(
                    gr.Dropdown,
                    text(label="suggestions"),
                    choices=[],
                    elem_id="suggestions",
                    interactive=True,
                )
                self.open = words.add(
                    gr.Button, text(value="open"), variant="primary", elem_id="open-client", scale=0
                )
            self.message = gr.HTML(elem_id="message")
            with gr.Tabs():
                self._score_tab()
                self._data_tab()
                self._history_tab()
                self._compare_tab()
                self._whatif_tab()
                self._review_tab()
        return self.blocks

    def _tab(self, key: str, tab_id: str) -> gr.Tab:
        return self.words.add(gr.Tab, text(label=f"tab_{key}"), id=tab_id, elem_id=f"tab-{tab_id}")

    def _score_tab(self) -> None:
        words = self.words
        # The explanation's column is the wider: its charts' row labels need the room to read at 12 px.
        with self._tab("score", "score"), gr.Row():
            with gr.Column(scale=2):
                self.decision = gr.HTML(elem_id="decision")
                self.gauge = gr.HTML(elem_id="gauge")
                self.reasons = gr.Markdown(elem_id="reasons")
                words.add(gr.Markdown, heading("letter_heading"))
                words.add(gr.Markdown, text(value="letter_intro"))
                with gr.Row(equal_height=True):
                    self.prepare_letter = words.add(
                        gr.Button, text(value="letter_prepare"), elem_id="prepare-letter", scale=0
                    )
                    self.letter = words.add(
                        gr.DownloadButton,
                        text(label="letter_download"),
                        visible=False,
                        variant="primary",
                        elem_id="download-letter",
                        scale=0,
                    )
            with gr.Column(scale=3):
                words.add(gr.Markdown, heading("waterfall_heading"))
                self.waterfall = gr.HTML(elem_id="waterfall")
                self.family = words.add(gr.Dropdown, text(label="family_pick"), choices=[], elem_id="family")
                self.family_chart = gr.HTML(elem_id="family-chart")

    def _data_tab(self) -> None:
        words = self.words
        with self._tab("data", "data"):
            with gr.Row():
                self.groups = words.add(
                    gr.CheckboxGroup, field_groups, value=list(GROUP_NAMES), elem_id="groups"
                )
                self.field_filter = words.add(gr.Textbox, text(label="field_filter"), elem_id="field-filter")
            self.data_count = gr.Markdown(elem_id="data-count")
            self.table = gr.Dataframe(
                interactive=False,
                wrap=True,
                column_widths=["22%", "48%", "30%"],
                max_height=600,
                elem_id="client-data",
            )

    def _history_tab(self) -> None:
        with self._tab("history", "history"):
            self.words.add(gr.Markdown, text(value="history_intro"))
            self.history = gr.HTML(elem_id="history")

    def _compare_tab(self) -> None:
        words = self.words
        with self._tab("compare", "compare"):
            self.group = words.add(gr.Radio, compared_groups, value="all", elem_id="group")
            with gr.Row():
                self.income = words.add(gr.Dropdown, coded(INCOME_TYPES, "filter_income"), value="")
                self.age = words.add(gr.Dropdown, coded(AGE_BANDS, "filter_age"), value="")
                self.contract = words.add(gr.Dropdown, coded(CONTRACTS, "filter_contract"), value="")
                self.education = words.add(gr.Dropdown, coded(EDUCATIONS, "filter_education"), value="")
            with gr.Row(equal_height=True):
                self.feature = words.add(gr.Dropdown, text(label="feature"), choices=[], elem_id="feature")
                self.compare = words.add(gr.Button, text(value="compare"), elem_id="compare", scale=0)
            self.histogram = gr.HTML(elem_id="histogram")
            words.add(gr.Markdown, heading("bivariate_heading"))
            with gr.Row(equal_height=True):
                self.x = words.add(gr.Dropdown, text(label="feature_x"), choices=[], elem_id="feature-x")
                self.y = words.add(gr.Dropdown, text(label="feature_y"), choices=[], elem_id="feature-y")
                self.show_scatter = words.add(
                    gr.Button, text(value="show_bivariate"), elem_id="show-scatter", scale=0
                )
            self.scatter = gr.HTML(elem_id="scatter")

    def _whatif_tab(self) -> None:
        words = self.words
        with self._tab("whatif", "whatif"):
            words.add(gr.Markdown, text(value="whatif_intro"))
            with gr.Row(equal_height=True):
                # Text, not gr.Number: a number input shows "11287.5" whatever the language (ui/amounts).
                self.amount = words.add(
                    gr.Textbox, text(label="credit_amount"), max_length=40, elem_id="credit-amount"
                )
                self.annuity = words.add(gr.Textbox, text(label="annuity"), max_length=40, elem_id="annuity")
                self.simulate = words.add(
                    gr.Button, text(value="simulate"), variant="primary", elem_id="simulate", scale=0
                )
            self.whatif = gr.HTML(elem_id="whatif-result")

    def _review_tab(self) -> None:
        words = self.words
        with self._tab("review", "review") as self.review_tab:
            words.add(gr.Markdown, text(value="review_intro"))
            self.client_view = words.add(
                gr.Textbox, text(label="review_client_view"), lines=2, max_length=4000, elem_id="client-view"
            )
            with gr.Row(equal_height=True):
                self.review_outcome = words.add(
                    gr.Radio,
                    choices(REVIEW_OUTCOMES, "review_outcome"),
                    value="confirmed",
                    elem_id="review-outcome",
                )
                self.review_reason = words.add(
                    gr.Dropdown, choices(REVIEW_REASONS, "review_reason"), value=None, elem_id="review-reason"
                )
            self.review_note = words.add(
                gr.Textbox, text(label="review_note"), max_length=4000, elem_id="review-note"
            )
            self.record_review = words.add(
                gr.Button, text(value="review_record"), variant="primary", elem_id="record-review", scale=0
            )
            words.add(gr.Markdown, heading("review_history"))
            self.review_list = gr.HTML(elem_id="review-list")

    @property
    def filters(self) -> list[gr.Dropdown]:
        """The comparison's group filters, in the order the handlers take them."""
        return [self.income, self.age, self.contract, self.education]
