"""The Gradio Blocks of the advisor app: layout, language switch, and handlers that call the gateway.

Handlers never raise: every gateway failure becomes a worded message (texts.py), so the advisor never
sees a stack trace. State per browser session is a small dict (the open client), not server globals.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import gradio as gr

from ui import views
from ui.gateway_client import ClientData, Comparison, Explanation, GatewayClient, GatewayError, Score
from ui.texts import AGE_BANDS, CONTRACTS, EDUCATIONS, GROUP_NAMES, INCOME_TYPES, Language, group_name, t

log = logging.getLogger(__name__)

GROUPS = list(GROUP_NAMES)
CANDIDATE_FEATURES = 15  # the client's strongest factors offered in the comparison lists
Updates = dict[Any, Any]

CSS = """
.ui-decision { border: 3px solid; border-radius: 8px; padding: 0.6em 1em; background: #fff; color: #111; }
.ui-decision p { margin: 0.2em 0; }
.ui-granted { border-color: #0072B2; }
.ui-refused { border-color: #D55E00; border-style: double; border-width: 6px; }
.ui-verdict { font-size: 1.6em; }
.ui-granted .ui-icon { color: #0072B2; }
.ui-refused .ui-icon { color: #D55E00; }
.ui-client { font-weight: 600; }
.ui-message { border-left: 6px solid #D55E00; background: #fff4e5; color: #111; padding: 0.6em 1em;
  font-size: 1.1em; }
.ui-info { border-left-color: #0072B2; background: #eef6fb; }
figure.chart { margin: 0; }
figure.chart figcaption { color: #111; font-size: 0.95em; margin-top: 0.4em; }
"""


def _choices(table: dict[str, dict[Language, str]], lang: Language) -> list[tuple[str, str]]:
    return [(t("any", lang), ""), *((words[lang], code) for code, words in table.items())]


def _group_choices(lang: Language) -> list[tuple[str, str]]:
    return [(t(f"group_{g}", lang), g) for g in ("all", "similar", "filtered")]


def guarded(handler: Callable[..., Updates]) -> Callable[..., Updates]:
    """Turn any unexpected failure of a handler into a worded message (and a log line with the trace)."""

    @functools.wraps(handler)
    def run(self: AdvisorApp, *args: Any) -> Updates:
        try:
            return handler(self, *args)
        except Exception:
            log.exception("handler failed", extra={"handler": handler.__name__})
            lang = next((a for a in args if a in ("fr", "en")), self.default_language)
            return {self.message: views.message_html(t("err_unexpected", lang))}

    return run


def _client_id(raw: str | None) -> int | None:
    text = (raw or "").strip()
    return int(text) if text.isdigit() else None


class AdvisorApp:
    """Builds the Blocks and holds its components, so that handlers can name what they update."""

    def __init__(self, client: GatewayClient, default_language: Language = "fr") -> None:
        self.client = client
        self.default_language = default_language
        self._pool = ThreadPoolExecutor(max_workers=4, thread_name_prefix="gateway")

    # ---------------------------------------------------------------- layout
    def build(self) -> gr.Blocks:
        """The page: header, client finder, then four tabs (score, data, comparison, what-if)."""
        lang: Language = self.default_language
        # Gradio phones home (analytics) unless told not to: the app must not leak usage.
        with gr.Blocks(title=t("title", lang), analytics_enabled=False) as demo:
            self.state = gr.State(None)
            with gr.Row(equal_height=True):
                self.header = gr.Markdown(self._header(lang), elem_id="header")
                self.lang = gr.Radio(
                    [("Français", "fr"), ("English", "en")],
                    value=lang,
                    label=t("language", lang),
                    elem_id="language",
                    scale=0,
                    min_width=220,
                )
            self.model_line = gr.Markdown(elem_id="model-line")
            with gr.Row(equal_height=True):
                self.client_id = gr.Textbox(
                    label=t("client_id", lang),
                    placeholder=t("client_id_placeholder", lang),
                    max_length=12,
                    elem_id="client-id",
                )
                self.suggestions = gr.Dropdown(
                    choices=[], label=t("suggestions", lang), elem_id="suggestions", interactive=True
                )
                self.open = gr.Button(t("open", lang), variant="primary", elem_id="open-client", scale=0)
            self.message = gr.HTML(elem_id="message")
            with gr.Tabs():
                self._score_tab(lang)
                self._data_tab(lang)
                self._compare_tab(lang)
                self._whatif_tab(lang)
            self._wire(demo)
        return demo

    def _score_tab(self, lang: Language) -> None:
        with gr.Tab(t("tab_score", lang), id="score", elem_id="tab-score") as self.tab_score, gr.Row():
            with gr.Column(scale=1):
                self.decision = gr.HTML(elem_id="decision")
                self.gauge = gr.HTML(elem_id="gauge")
                self.reasons = gr.Markdown(elem_id="reasons")
            with gr.Column(scale=1):
                self.waterfall_heading = gr.Markdown(f"### {t('waterfall_heading', lang)}")
                self.waterfall = gr.HTML(elem_id="waterfall")

    def _data_tab(self, lang: Language) -> None:
        with gr.Tab(t("tab_data", lang), id="data", elem_id="tab-data") as self.tab_data:
            with gr.Row():
                self.groups = gr.CheckboxGroup(
                    [(group_name(g, lang), g) for g in GROUPS],
                    value=GROUPS,
                    label=t("groups", lang),
                    elem_id="groups",
                )
                self.field_filter = gr.Textbox(label=t("field_filter", lang), elem_id="field-filter")
            self.data_count = gr.Markdown(elem_id="data-count")
            self.table = gr.Dataframe(
                interactive=False,
                wrap=True,
                column_widths=["22%", "48%", "30%"],
                max_height=600,
                elem_id="client-data",
            )

    def _compare_tab(self, lang: Language) -> None:
        with gr.Tab(t("tab_compare", lang), id="compare", elem_id="tab-compare") as self.tab_compare:
            self.group = gr.Radio(
                _group_choices(lang), value="all", label=t("compare_group", lang), elem_id="group"
            )
            with gr.Row():
                self.income = gr.Dropdown(
                    _choices(INCOME_TYPES, lang), value="", label=t("filter_income", lang)
                )
                self.age = gr.Dropdown(_choices(AGE_BANDS, lang), value="", label=t("filter_age", lang))
                self.contract = gr.Dropdown(
                    _choices(CONTRACTS, lang), value="", label=t("filter_contract", lang)
                )
                self.education = gr.Dropdown(
                    _choices(EDUCATIONS, lang), value="", label=t("filter_education", lang)
                )
            with gr.Row(equal_height=True):
                self.feature = gr.Dropdown(choices=[], label=t("feature", lang), elem_id="feature")
                self.compare = gr.Button(t("compare", lang), elem_id="compare", scale=0)
            self.histogram = gr.HTML(elem_id="histogram")
            self.bivariate_heading = gr.Markdown(f"### {t('bivariate_heading', lang)}")
            with gr.Row(equal_height=True):
                self.x = gr.Dropdown(choices=[], label=t("feature_x", lang), elem_id="feature-x")
                self.y = gr.Dropdown(choices=[], label=t("feature_y", lang), elem_id="feature-y")
                self.show_scatter = gr.Button(t("show_bivariate", lang), elem_id="show-scatter", scale=0)
            self.scatter = gr.HTML(elem_id="scatter")

    def _whatif_tab(self, lang: Language) -> None:
        with gr.Tab(t("tab_whatif", lang), id="whatif", elem_id="tab-whatif") as self.tab_whatif:
            self.whatif_intro = gr.Markdown(t("whatif_intro", lang))
            with gr.Row(equal_height=True):
                self.amount = gr.Number(label=t("credit_amount", lang), minimum=0, elem_id="credit-amount")
                self.annuity = gr.Number(label=t("annuity", lang), minimum=0, elem_id="annuity")
                self.simulate = gr.Button(t("simulate", lang), variant="primary", elem_id="simulate", scale=0)
            self.whatif = gr.HTML(elem_id="whatif-result")

    def _header(self, lang: Language) -> str:
        return f"# {t('title', lang)}\n{t('intro', lang)}"

    # ---------------------------------------------------------------- events
    def _wire(self, demo: gr.Blocks) -> None:
        filters = [self.income, self.age, self.contract, self.education]
        opened = [
            self.state,
            self.message,
            self.decision,
            self.gauge,
            self.reasons,
            self.waterfall,
            self.table,
            self.data_count,
            self.feature,
            self.x,
            self.y,
            self.histogram,
            self.scatter,
            self.amount,
            self.annuity,
            self.whatif,
        ]
        open_inputs = [self.client_id, self.lang, self.groups, self.field_filter, self.feature]
        demo.load(self.on_model, inputs=[self.lang], outputs=[self.model_line, self.message])
        self.client_id.submit(self.on_open, inputs=open_inputs, outputs=opened)
        self.open.click(self.on_open, inputs=open_inputs, outputs=opened)
        self.client_id.input(
            self.on_search,
            inputs=[self.client_id],
            outputs=[self.suggestions, self.message],
            trigger_mode="always_last",
            show_progress="hidden",
        )
        self.suggestions.input(
            self.on_pick, inputs=[self.suggestions, *open_inputs[1:]], outputs=[*opened, self.client_id]
        )
        for control in (self.groups, self.field_filter):
            control.change(
                self.on_data_filter,
                inputs=[self.state, self.lang, self.groups, self.field_filter],
                outputs=[self.table, self.data_count, self.message],
                show_progress="hidden",
            )
        compare_inputs = [self.state, self.lang, self.group, *filters]
        self.compare.click(
            self.on_compare, inputs=[*compare_inputs, self.feature], outputs=[self.histogram, self.message]
        )
        self.feature.input(
            self.on_compare, inputs=[*compare_inputs, self.feature], outputs=[self.histogram, self.message]
        )
        self.show_scatter.click(
            self.on_scatter, inputs=[*compare_inputs, self.x, self.y], outputs=[self.scatter, self.message]
        )
        self.simulate.click(
            self.on_simulate,
            inputs=[self.state, self.lang, self.amount, self.annuity],
            outputs=[self.whatif, self.message],
        )
        relabelled = [
            self.header, self.lang, self.client_id, self.suggestions, self.open, self.tab_score,
            self.tab_data, self.tab_compare, self.tab_whatif, self.waterfall_heading, self.groups,
            self.field_filter, self.group, *filters, self.feature, self.compare, self.bivariate_heading,
            self.x, self.y, self.show_scatter, self.whatif_intro, self.amount, self.annuity, self.simulate,
        ]  # fmt: skip
        self.lang.change(self.on_language, inputs=[self.lang], outputs=relabelled).then(
            self.on_model, inputs=[self.lang], outputs=[self.model_line, self.message]
        ).then(self.on_reopen, inputs=[self.state, *open_inputs[1:]], outputs=opened)

    # ---------------------------------------------------------------- handlers
    @guarded
    def on_model(self, lang: Language) -> Updates:
        """The serving model's name, version and threshold; the first sign that the gateway is down."""
        try:
            model = self.client.model()
        except GatewayError as error:
            return {self.model_line: "", self.message: views.message_html(views.error_text(error, lang))}
        # The message is left alone: a client opened meanwhile may have put its answer there.
        return {self.model_line: t("model_line", lang, name=model.name, version=model.version)}

    @guarded
    def on_search(self, text: str) -> Updates:
        """Up to 20 clients whose id starts with the digits typed (a short list to pick from)."""
        prefix = (text or "").strip()
        if not prefix.isdigit():
            return {self.suggestions: gr.update(choices=[], value=None)}
        try:
            found = self.client.search_clients(prefix)
        except GatewayError:
            return {self.suggestions: gr.update(choices=[], value=None)}  # opening reports the failure
        choices = [
            (f"{c.client_id} · {c.contract_type or '—'} · {c.income_type or '—'}", str(c.client_id))
            for c in found
        ]
        return {self.suggestions: gr.update(choices=choices, value=None)}

    @guarded
    def on_pick(
        self, picked: str | None, lang: Language, groups: list[str], query: str, feature: str | None
    ) -> Updates:
        """Open the client picked in the suggestions (closing the list without a pick changes nothing)."""
        if not picked:
            return gr.skip()
        return {self.client_id: picked, **self.on_open(picked, lang, groups, query, feature)}

    @guarded
    def on_reopen(
        self, state: dict | None, lang: Language, groups: list[str], query: str, feature: str | None
    ) -> Updates:
        """After a language switch, show the open client again in the new language.

        The what-if inputs and result are left as the advisor left them: the client is the same, and
        a reset arriving after the advisor typed a new amount would silently simulate the old one.
        """
        if not state:
            return gr.skip()
        updates = self.on_open(str(state["client_id"]), lang, groups, query, feature)
        for kept in (self.amount, self.annuity, self.whatif):
            updates.pop(kept, None)
        return updates

    @guarded
    def on_open(
        self, raw_id: str, lang: Language, groups: list[str], query: str, feature: str | None = None
    ) -> Updates:
        """Fetch the client's data, decision (explained in the same call) and default comparison together,
        then show them."""
        client_id = _client_id(raw_id)
        if client_id is None:
            return self._cleared(views.message_html(t("err_bad_id", lang)))
        jobs = {
            "data": self._pool.submit(self.client.client, client_id),
            "score": self._pool.submit(self.client.score, client_id, lang),
            "comparison": self._pool.submit(self.client.comparison, client_id),
        }
        results: dict[str, Any] = {}
        for name, job in jobs.items():
            try:
                results[name] = job.result()
            except GatewayError as error:
                results[name] = error
        for essential in ("data", "score"):
            if isinstance(results[essential], GatewayError):
                text = views.error_text(results[essential], lang, client_id)
                return self._cleared(views.message_html(text))
        data: ClientData = results["data"]
        score: Score = results["score"]
        log.info("client opened", extra={"decision": score.decision})
        updates: Updates = {self.message: ""}
        updates[self.decision] = views.decision_html(
            score, lang, t("client_heading", lang, client_id=client_id)
        )
        updates[self.gauge] = views.gauge_html(score, lang)
        updates[self.reasons] = views.reasons_markdown(score, lang)
        explanation = score.explanation
        if explanation is not None:
            updates[self.waterfall] = views.waterfall_html(explanation, lang)
        else:
            updates[self.waterfall] = views.message_html(t("explanation_missing", lang), "info")
        frame, count = views.data_frame(data, groups, query, lang)
        updates[self.table], updates[self.data_count] = frame, count
        features = self._comparable(client_id, results["comparison"], explanation)
        values = [f for _, f in features]
        # Default to features the client has a value for, so that the client shows on the charts.
        known = [f for f in values if f in _known_values(results["comparison"], explanation)] + values
        chosen = feature if feature in values else (known[0] if known else None)
        pair = list(dict.fromkeys(known))[:2]
        updates[self.feature] = gr.update(choices=features, value=chosen)
        updates[self.x] = gr.update(choices=features, value=pair[0] if pair else None)
        updates[self.y] = gr.update(choices=features, value=pair[1] if len(pair) > 1 else None)
        comparison = results["comparison"]
        updates[self.histogram] = ""
        if isinstance(comparison, Comparison) and chosen is not None:
            updates[self.histogram] = self._histogram(client_id, lang, "all", {}, chosen)
        updates[self.scatter] = ""
        credit, annuity = data.value("AMT_CREDIT"), data.value("AMT_ANNUITY")
        updates[self.amount], updates[self.annuity], updates[self.whatif] = credit, annuity, ""
        updates[self.state] = {
            "client_id": client_id,
            "probability": score.probability,
            "data": data.model_dump(),
        }
        return updates

    def _cleared(self, message: str) -> Updates:
        empty = gr.update(choices=[], value=None)
        return {
            self.state: None, self.message: message, self.decision: "", self.gauge: "", self.reasons: "",
            self.waterfall: "", self.table: None, self.data_count: "", self.feature: empty, self.x: empty,
            self.y: empty, self.histogram: "", self.scatter: "", self.amount: None, self.annuity: None,
            self.whatif: "",
        }  # fmt: skip

    def _comparable(
        self, client_id: int, comparison: Comparison | GatewayError, explanation: Explanation | GatewayError
    ) -> list[tuple[str, str]]:
        """(label, feature) pairs to compare: the gateway's defaults, then the client's factors."""
        labels: dict[str, str] = {}
        if isinstance(comparison, Comparison):
            labels.update((d.feature, d.label) for d in comparison.features)
        if isinstance(explanation, Explanation):
            for contribution in explanation.contributions[:CANDIDATE_FEATURES]:
                labels.setdefault(contribution.feature, contribution.label)
        try:
            kept = self.client.comparable_features(client_id, list(labels))
        except GatewayError:
            kept = [d.feature for d in comparison.features] if isinstance(comparison, Comparison) else []
        return [(labels[f], f) for f in kept]

    def _histogram(
        self, client_id: int, lang: Language, group: str, filters: dict[str, str], feature: str
    ) -> str:
        comparison = self.client.comparison(client_id, group, [feature], filters)  # type: ignore[arg-type]
        return views.histogram_html(
            comparison.features[0], comparison, self._group_label(group, filters, lang), lang
        )

    def _group_label(self, group: str, filters: dict[str, str], lang: Language) -> str:
        label = t(f"group_{group}", lang)
        if group != "filtered" or not filters:
            return label
        tables = {"income_type": INCOME_TYPES, "age_band": AGE_BANDS, "contract_type": CONTRACTS,
                  "education": EDUCATIONS}  # fmt: skip
        words = [tables[k][v][lang] for k, v in filters.items() if v in tables[k]]
        return f"{label} — {', '.join(words)}"

    @guarded
    def on_data_filter(self, state: dict | None, lang: Language, groups: list[str], query: str) -> Updates:
        """Show only the chosen field groups and the fields whose label holds the words typed."""
        if not state:
            return {self.table: None, self.data_count: ""}
        frame, count = views.data_frame(ClientData.model_validate(state["data"]), groups, query, lang)
        return {self.table: frame, self.data_count: count}

    @guarded
    def on_compare(  # noqa: PLR0917 (Gradio passes inputs positionally)
        self,
        state: dict | None,
        lang: Language,
        group: str,
        income: str,
        age: str,
        contract: str,
        education: str,
        feature: str | None,
    ) -> Updates:
        """The chosen feature's distribution in the chosen group, with the client marked."""
        if not state or not feature:
            return {self.message: views.message_html(t("err_no_client", lang))}
        filters = _filters(group, income, age, contract, education)
        try:
            figure = self._histogram(state["client_id"], lang, group, filters, feature)
        except GatewayError as error:
            return {self.message: views.message_html(views.error_text(error, lang, state["client_id"]))}
        return {self.histogram: figure, self.message: ""}

    @guarded
    def on_scatter(  # noqa: PLR0917 (Gradio passes inputs positionally)
        self,
        state: dict | None,
        lang: Language,
        group: str,
        income: str,
        age: str,
        contract: str,
        education: str,
        x: str | None,
        y: str | None,
    ) -> Updates:
        """Two chosen features of the group as a scatter plot, the client highlighted."""
        if not state or not x or not y:
            return {self.message: views.message_html(t("err_no_client", lang))}
        filters = _filters(group, income, age, contract, education)
        try:
            bivariate = self.client.bivariate(state["client_id"], x, y, group=group, filters=filters)  # type: ignore[arg-type]
        except GatewayError as error:
            return {self.message: views.message_html(views.error_text(error, lang, state["client_id"]))}
        label = self._group_label(group, filters, lang)
        return {self.scatter: views.scatter_html(bivariate, label, lang), self.message: ""}

    @guarded
    def on_simulate(
        self, state: dict | None, lang: Language, amount: float | None, annuity: float | None
    ) -> Updates:
        """The score with another credit amount (and annuity); a simulation, not a decision."""
        if not state:
            return {self.message: views.message_html(t("err_no_client", lang))}
        if amount is None or amount <= 0:
            return {self.message: views.message_html(t("err_amount", lang))}
        try:
            simulated = self.client.simulate(state["client_id"], float(amount), annuity or None, lang)
        except GatewayError as error:
            return {self.message: views.message_html(views.error_text(error, lang, state["client_id"]))}
        log.info("simulation", extra={"decision": simulated.decision})
        html = views.whatif_html(simulated, state["probability"], float(amount), lang)
        return {self.whatif: html, self.message: ""}

    def on_language(self, lang: Language) -> Updates:
        """Every label, placeholder and choice in the chosen language (values are kept)."""
        return {
            self.header: self._header(lang),
            self.lang: gr.update(label=t("language", lang)),
            self.client_id: gr.update(
                label=t("client_id", lang), placeholder=t("client_id_placeholder", lang)
            ),
            self.suggestions: gr.update(label=t("suggestions", lang)),
            self.open: gr.update(value=t("open", lang)),
            self.tab_score: gr.update(label=t("tab_score", lang)),
            self.tab_data: gr.update(label=t("tab_data", lang)),
            self.tab_compare: gr.update(label=t("tab_compare", lang)),
            self.tab_whatif: gr.update(label=t("tab_whatif", lang)),
            self.waterfall_heading: f"### {t('waterfall_heading', lang)}",
            self.groups: gr.update(
                label=t("groups", lang), choices=[(group_name(g, lang), g) for g in GROUPS]
            ),
            self.field_filter: gr.update(label=t("field_filter", lang)),
            self.group: gr.update(label=t("compare_group", lang), choices=_group_choices(lang)),
            self.income: gr.update(label=t("filter_income", lang), choices=_choices(INCOME_TYPES, lang)),
            self.age: gr.update(label=t("filter_age", lang), choices=_choices(AGE_BANDS, lang)),
            self.contract: gr.update(label=t("filter_contract", lang), choices=_choices(CONTRACTS, lang)),
            self.education: gr.update(label=t("filter_education", lang), choices=_choices(EDUCATIONS, lang)),
            self.feature: gr.update(label=t("feature", lang)),
            self.compare: gr.update(value=t("compare", lang)),
            self.bivariate_heading: f"### {t('bivariate_heading', lang)}",
            self.x: gr.update(label=t("feature_x", lang)),
            self.y: gr.update(label=t("feature_y", lang)),
            self.show_scatter: gr.update(value=t("show_bivariate", lang)),
            self.whatif_intro: t("whatif_intro", lang),
            self.amount: gr.update(label=t("credit_amount", lang)),
            self.annuity: gr.update(label=t("annuity", lang)),
            self.simulate: gr.update(value=t("simulate", lang)),
        }


def _known_values(comparison: Comparison | GatewayError, explanation: Explanation | GatewayError) -> set[str]:
    """Features for which the client has a value (missing ones would show no marker)."""
    known = set()
    if isinstance(comparison, Comparison):
        known.update(d.feature for d in comparison.features if d.client_value is not None)
    if isinstance(explanation, Explanation):
        known.update(c.feature for c in explanation.contributions if c.value is not None)
    return known


def _filters(group: str, income: str, age: str, contract: str, education: str) -> dict[str, str]:
    """The gateway's filter parameters of a filtered group (empty choices mean any)."""
    if group != "filtered":
        return {}
    given = {"income_type": income, "age_band": age, "contract_type": contract, "education": education}
    return {k: v for k, v in given.items() if v}


def build_app(client: GatewayClient, default_language: Language = "fr") -> gr.Blocks:
    """The advisor app's Blocks, calling the gateway through `client`."""
    return AdvisorApp(client, default_language).build()
