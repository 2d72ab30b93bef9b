"""What the app does on each event: call the gateway, turn its answers into the page's updates.

Handlers never raise: every gateway failure becomes a worded message (texts.py), so the advisor never
sees a stack trace. State per browser session is a small dict (the open client), not server globals.
"""

from __future__ import annotations

import logging
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from pathlib import Path
from typing import Any

import gradio as gr

from ui import history_views, views
from ui.amounts import amount_text, parse_amount
from ui.api_models import ClientData, Explanation, History, Score
from ui.comparing import Comparing
from ui.gateway_client import GatewayClient, GatewayError
from ui.guard import Updates, guarded
from ui.layout import Layout
from ui.texts import Language, t

log = logging.getLogger(__name__)

#: Seconds a prepared letter is kept in the app's folder (Gradio's own copy goes with delete_cache).
LETTER_KEEP_SECONDS = 600
#: How long opening a file waits for its offer before showing the file without it.
OFFER_WAIT_SECONDS = 0.3


def _client_id(raw: str | None) -> int | None:
    text = (raw or "").strip()
    return int(text) if text.isdigit() else None


class Handlers:
    """The page's event handlers; each returns updates keyed by the components of `page`."""

    def __init__(self, page: Layout, client: GatewayClient) -> None:
        self.page = page
        self.client = client
        self.comparing = Comparing(page, client)
        self._pool = ThreadPoolExecutor(max_workers=4, thread_name_prefix="gateway")
        # Letters hold personal data: kept in one private folder, one file per client and language.
        self._letters = Path(tempfile.mkdtemp(prefix="ui-letters-"))

    @guarded
    def on_language(self, lang: Language) -> Updates:
        """Every label, heading, placeholder and choice in the chosen language (values are kept)."""
        return self.page.words.updates(lang)

    @guarded
    def on_model(self, lang: Language) -> Updates:
        """The serving model's name, version and threshold; the first sign that the gateway is down."""
        page = self.page
        try:
            model = self.client.model()
        except GatewayError as error:
            return {page.model_line: "", page.message: views.message_html(views.error_text(error, lang))}
        # The message is left alone: a client opened meanwhile may have put its answer there.
        return {page.model_line: t("model_line", lang, name=model.name, version=model.version)}

    @guarded
    def on_search(self, text: str, lang: Language) -> Updates:
        """Up to 20 clients whose id starts with the digits typed (a short list to pick from)."""
        prefix = (text or "").strip()
        if not prefix.isdigit():
            return {self.page.suggestions: gr.update(choices=[], value=None)}
        try:
            found = self.client.search_clients(prefix, lang)
        except GatewayError:
            return {self.page.suggestions: gr.update(choices=[], value=None)}  # opening reports it
        choices = [(views.suggestion(c), str(c.client_id)) for c in found]
        return {self.page.suggestions: gr.update(choices=choices, value=None)}

    @guarded
    def on_pick(
        self, picked: str | None, lang: Language, groups: list[str], query: str, feature: str | None
    ) -> Updates:
        """Open the client picked in the suggestions (closing the list without a pick changes nothing)."""
        if not picked:
            return gr.skip()
        return {self.page.client_id: picked, **self.on_open(picked, lang, groups, query, feature)}

    @guarded
    def on_reopen(  # noqa: PLR0917 (Gradio passes inputs positionally)
        self,
        state: dict | None,
        lang: Language,
        groups: list[str],
        query: str,
        feature: str | None,
        amount: str | None,
        annuity: str | None,
        simulated: str | None,
    ) -> Updates:
        """After a language switch, show the open client again in the new language.

        The what-if keeps what the advisor typed, rewritten in the new language's style, and a result
        on screen is simulated again from those inputs, so that nothing stays in the old language.
        """
        if not state:
            return gr.skip()
        updates = self.on_open(str(state["client_id"]), lang, groups, query, feature)
        try:
            typed = parse_amount(amount), parse_amount(annuity)
        except ValueError:  # the advisor's own text, left for on_simulate to name
            typed = None
        if typed is None:
            for kept in (self.page.amount, self.page.annuity, self.page.whatif):
                updates.pop(kept, None)
            return updates
        updates[self.page.amount], updates[self.page.annuity] = (amount_text(v, lang) for v in typed)
        if simulated and typed[0] is not None:
            updates.update(self._simulated(state, lang, typed[0], typed[1]))
        return updates

    @guarded
    def on_open(
        self, raw_id: str, lang: Language, groups: list[str], query: str, feature: str | None = None
    ) -> Updates:
        """Fetch the client's data, decision (explained in the same call), history and default comparison
        together, then show them."""
        page = self.page
        client_id = _client_id(raw_id)
        if client_id is None:
            return self._cleared(views.message_html(t("err_bad_id", lang)))
        jobs = {
            "data": self._pool.submit(self.client.client, client_id, lang),
            "score": self._pool.submit(self.client.score, client_id, lang),
            "history": self._pool.submit(self.client.history, client_id, lang),
            "comparison": self._pool.submit(self.client.comparison, client_id),
            "offer": self._pool.submit(self.client.offer, client_id),
        }
        results: dict[str, Any] = {}
        for name, job in jobs.items():
            try:
                # The offer is a search (tens to hundreds of decisions): the file opens without it
                # rather than wait for a slow one.
                results[name] = job.result(timeout=OFFER_WAIT_SECONDS if name == "offer" else None)
            except (GatewayError, FutureTimeout) as error:
                results[name] = error
        for essential in ("data", "score"):
            if isinstance(results[essential], GatewayError):
                return self._cleared(
                    views.message_html(views.error_text(results[essential], lang, client_id))
                )
        data: ClientData = results["data"]
        score: Score = results["score"]
        log.info("client opened", extra={"decision": score.decision})
        explanation = score.explanation
        labels = {c.feature: c.label for c in explanation.contributions} if explanation else {}
        updates: Updates = {
            page.message: "",
            page.decision: views.decision_html(
                score,
                lang,
                t("client_heading", lang, client_id=client_id),
                offer=None if isinstance(results["offer"], Exception) else results["offer"],
            ),
            page.gauge: views.gauge_html(score, lang),
            page.reasons: views.reasons_markdown(score, lang),
            page.letter: gr.update(visible=False, value=None),
            **self._explained(explanation, lang),
            **self._history(results["history"], lang),
        }
        frame, count = views.data_frame(data, groups, query, lang)
        updates[page.table], updates[page.data_count] = frame, count
        updates.update(
            self.comparing.offer(
                client_id, results["comparison"], explanation, labels=labels, lang=lang, feature=None
            )
        )
        credit, annuity = data.value("AMT_CREDIT"), data.value("AMT_ANNUITY")
        updates[page.amount], updates[page.annuity] = amount_text(credit, lang), amount_text(annuity, lang)
        updates[page.whatif] = ""
        # The histogram shown is of all clients: the group choice says so, whatever was chosen before.
        updates[page.group] = "all"
        updates[page.state] = {
            "client_id": client_id,
            "probability": score.probability,
            "data": data.model_dump(),
            "explanation": explanation.model_dump() if explanation else None,
            "labels": labels,
        }
        return updates

    def _explained(self, explanation: Explanation | None, lang: Language) -> Updates:
        """The waterfall by family and the strongest family's drill-down (or why there are none)."""
        page = self.page
        if explanation is None or not explanation.families:
            return {
                page.waterfall: views.message_html(t("explanation_missing", lang), "info"),
                page.family: gr.update(choices=[], value=None),
                page.family_chart: "",
            }
        strongest = explanation.families[0]
        return {
            page.waterfall: views.waterfall_html(explanation, lang),
            page.family: gr.update(choices=views.family_choices(explanation, lang), value=strongest.family),
            page.family_chart: views.family_html(strongest, lang),
        }

    def _history(self, history: History | GatewayError, lang: Language) -> Updates:
        if isinstance(history, GatewayError):
            return {self.page.history: views.message_html(t("history_missing", lang), "info")}
        return {self.page.history: history_views.history_html(history, lang)}

    def _cleared(self, message: str) -> Updates:
        """Nothing of the previous client shown. The comparison's dropdowns keep their choices: the
        browser keeps a dropdown's value, which opening the next client sends, and Gradio refuses a value
        outside the choices ("not in the list of choices: []") before any handler runs, so emptying them
        broke every later search until a reload."""
        page = self.page
        return {
            page.state: None, page.message: message, page.decision: "", page.gauge: "", page.reasons: "",
            page.waterfall: "", page.family: gr.update(choices=[], value=None), page.family_chart: "",
            page.history: "", page.letter: gr.update(visible=False, value=None), page.table: None,
            page.data_count: "", page.histogram: "", page.scatter: "",
            page.amount: "", page.annuity: "", page.whatif: "", page.group: "all",
        }  # fmt: skip

    @guarded
    def on_family(self, state: dict | None, lang: Language, family: str | None) -> Updates:
        """The chosen family's features as a waterfall (the drill-down under the families)."""
        if not state or not state.get("explanation") or not family:
            return {self.page.family_chart: ""}
        explanation = Explanation.model_validate(state["explanation"])
        chosen = next((f for f in explanation.families if f.family == family), None)
        return {self.page.family_chart: views.family_html(chosen, lang) if chosen else ""}

    @guarded
    def on_reviews(self, state: dict | None, lang: Language) -> Updates:
        """The open client's reviews (when the review tab is shown)."""
        page = self.page
        if not state:
            return {page.review_list: "", page.message: ""}
        try:
            reviews = self.client.reviews(state["client_id"])
        except GatewayError as error:
            return {page.message: views.message_html(views.error_text(error, lang, state["client_id"]))}
        return {page.review_list: views.reviews_html(reviews, lang), page.message: ""}

    def on_record_review(  # noqa: PLR0917 (Gradio passes the inputs in order)
        self,
        state: dict | None,
        lang: Language,
        client_view: str,
        outcome: str,
        reason: str | None,
        note: str,
        request: gr.Request,
    ) -> Updates:
        """Record the advisor's review of the open client's decision, signed with their login. (Not
        `guarded`: Gradio finds the request it hands over by this signature's annotation.)"""
        page = self.page
        if not state:
            return {page.message: views.message_html(t("err_no_client", lang))}
        if not reason:
            return {page.message: views.message_html(t("err_review_reason", lang))}
        client_id = state["client_id"]
        review = {
            "reviewer": request.username or "advisor",
            "client_view": client_view or "",
            "outcome": outcome,
            "reason": reason,
            "note": note or "",
        }
        try:
            self.client.record_review(client_id, review)
            reviews = self.client.reviews(client_id)
        except GatewayError as error:
            return {page.message: views.message_html(views.error_text(error, lang, client_id))}
        log.info("review recorded", extra={"outcome": outcome, "reason": reason})
        return {
            page.review_list: views.reviews_html(reviews, lang),
            page.client_view: "",
            page.review_note: "",
            page.message: views.message_html(t("review_recorded", lang), "info"),
        }

    def on_letter(self, state: dict | None, lang: Language) -> Updates:
        """Fetch the client's letter in the chosen language and offer it as a download."""
        page = self.page
        if not state:
            return {page.message: views.message_html(t("err_no_client", lang))}
        client_id = state["client_id"]
        try:
            pdf = self.client.letter(client_id, lang)
        except GatewayError as error:
            return {page.message: views.message_html(views.error_text(error, lang, client_id))}
        self._forget_old_letters()
        path = self._letters / t("letter_file", lang, client_id=client_id)
        path.write_bytes(pdf)
        log.info("letter prepared", extra={"bytes": len(pdf), "lang": lang})
        ready = views.message_html(t("letter_ready", lang, client_id=client_id), "info")
        return {page.letter: gr.update(value=str(path), visible=True), page.message: ready}

    def _forget_old_letters(self) -> None:
        """Delete the letters prepared long enough ago to have been downloaded (Gradio serves its copy)."""
        now = time.time()
        for old in self._letters.iterdir():
            if now - old.stat().st_mtime > LETTER_KEEP_SECONDS:
                old.unlink(missing_ok=True)

    @guarded
    def on_data_filter(self, state: dict | None, lang: Language, groups: list[str], query: str) -> Updates:
        """Show only the chosen field groups and the fields whose label holds the words typed."""
        page = self.page
        if not state:
            return {page.table: None, page.data_count: ""}
        frame, count = views.data_frame(ClientData.model_validate(state["data"]), groups, query, lang)
        return {page.table: frame, page.data_count: count}

    @guarded
    def on_simulate(
        self, state: dict | None, lang: Language, amount: str | None, annuity: str | None
    ) -> Updates:
        """The score with another credit amount (and annuity); a simulation, not a decision."""
        page = self.page
        if not state:
            return {page.message: views.message_html(t("err_no_client", lang))}
        typed: dict[str, float | None] = {}
        for field, text in (("credit_amount", amount), ("annuity", annuity)):
            try:
                typed[field] = parse_amount(text)
            except ValueError:
                return {page.message: views.message_html(t("err_not_amount", lang, field=t(field, lang)))}
        credit = typed["credit_amount"]
        if credit is None or credit <= 0:
            return {page.message: views.message_html(t("err_amount", lang))}
        return self._simulated(state, lang, credit, typed["annuity"] or None)

    def _simulated(self, state: dict, lang: Language, amount: float, annuity: float | None) -> Updates:
        page = self.page
        try:
            simulated, change = self.client.simulate(state["client_id"], amount, annuity, lang)
        except GatewayError as error:
            return {page.message: views.message_html(views.error_text(error, lang, state["client_id"]))}
        log.info("simulation", extra={"decision": simulated.decision, "flips": change.flips})
        html = views.whatif_html(simulated, change, state["probability"], amount, lang)
        return {page.whatif: html, page.message: ""}
