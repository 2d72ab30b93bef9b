"""The comparison tab's handlers: the features offered, a feature's histogram, two features' scatter plot.

Feature labels come from the open client's explanation, in the advisor's language, wherever it names
the feature (the comparison routes word them in one language only).
"""

from __future__ import annotations

import gradio as gr

from ui import views
from ui.api_models import Comparison, Explanation
from ui.gateway_client import GatewayClient, GatewayError
from ui.guard import Updates, guarded
from ui.layout import Layout
from ui.texts import AGE_BANDS, CONTRACTS, EDUCATIONS, INCOME_TYPES, Language, t

CANDIDATE_FEATURES = 15  # the client's strongest factors offered in the comparison lists


class Comparing:
    """Handlers of the comparison tab, and the offer of features made when a client opens."""

    def __init__(self, page: Layout, client: GatewayClient) -> None:
        self.page = page
        self.client = client

    def offer(
        self,
        client_id: int,
        comparison: Comparison | GatewayError,
        explanation: Explanation | None,
        *,
        labels: dict[str, str],
        lang: Language,
        feature: str | None,
    ) -> Updates:
        """The features offered for comparison, the default one's histogram, an empty scatter plot.

        `feature` is kept when offered; otherwise the default is the client's strongest reason (see
        `strongest_first`), and the scatter plot's pair its two strongest.
        """
        page = self.page
        features = self._comparable(client_id, comparison, explanation, labels)
        values = [f for _, f in features]
        ranked = strongest_first(values, explanation, _known_values(comparison, explanation))
        chosen = feature if feature in values else (ranked[0] if ranked else None)
        pair = ranked[:2]
        histogram = ""
        if isinstance(comparison, Comparison) and chosen is not None:
            histogram = self._histogram(client_id, lang, "all", {}, chosen, labels=labels)
        return {
            page.feature: gr.update(choices=features, value=chosen),
            page.x: gr.update(choices=features, value=pair[0] if pair else None),
            page.y: gr.update(choices=features, value=pair[1] if len(pair) > 1 else None),
            page.histogram: histogram,
            page.scatter: "",
        }

    def _comparable(
        self,
        client_id: int,
        comparison: Comparison | GatewayError,
        explanation: Explanation | None,
        labels: dict[str, str],
    ) -> list[tuple[str, str]]:
        """(label, feature) pairs to compare: the gateway's defaults, then the client's factors.

        Labels come from the explanation, in the advisor's language, where it names the feature.
        """
        offered: dict[str, str] = {}
        if isinstance(comparison, Comparison):
            offered.update((d.feature, d.label) for d in comparison.features)
        if explanation is not None:
            for contribution in explanation.contributions[:CANDIDATE_FEATURES]:
                offered.setdefault(contribution.feature, contribution.label)
        try:
            kept = self.client.comparable_features(client_id, list(offered))
        except GatewayError:
            kept = [d.feature for d in comparison.features] if isinstance(comparison, Comparison) else []
        return [(labels.get(f, offered[f]), f) for f in kept]

    def _histogram(
        self,
        client_id: int,
        lang: Language,
        group: str,
        filters: dict[str, str],
        feature: str,
        *,
        labels: dict[str, str],
    ) -> str:
        comparison = self.client.comparison(client_id, group, [feature], filters)  # type: ignore[arg-type]
        distribution = comparison.features[0]
        distribution = distribution.model_copy(update={"label": labels.get(feature, distribution.label)})
        return views.histogram_html(distribution, comparison, _group_label(group, filters, lang), lang)

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
        page = self.page
        if not state or not feature:
            return {page.message: views.message_html(t("err_no_client", lang))}
        filters = _filters(group, income, age, contract, education)
        try:
            figure = self._histogram(
                state["client_id"], lang, group, filters, feature, labels=state["labels"]
            )
        except GatewayError as error:
            return {page.message: views.message_html(views.error_text(error, lang, state["client_id"]))}
        return {page.histogram: figure, page.message: ""}

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
        page = self.page
        if not state or not x or not y:
            return {page.message: views.message_html(t("err_no_client", lang))}
        filters = _filters(group, income, age, contract, education)
        try:
            bivariate = self.client.bivariate(state["client_id"], x, y, group=group, filters=filters)  # type: ignore[arg-type]
        except GatewayError as error:
            return {page.message: views.message_html(views.error_text(error, lang, state["client_id"]))}
        labels = state["labels"]
        bivariate = bivariate.model_copy(
            update={"x_label": labels.get(x, bivariate.x_label), "y_label": labels.get(y, bivariate.y_label)}
        )
        label = _group_label(group, filters, lang)
        return {page.scatter: views.scatter_html(bivariate, label, lang), page.message: ""}


def _group_label(group: str, filters: dict[str, str], lang: Language) -> str:
    label = t(f"group_{group}", lang)
    if group != "filtered" or not filters:
        return label
    tables = {"income_type": INCOME_TYPES, "age_band": AGE_BANDS, "contract_type": CONTRACTS,
              "education": EDUCATIONS}  # fmt: skip
    words = [tables[k][v][lang] for k, v in filters.items() if v in tables[k]]
    return f"{label} — {', '.join(words)}"


def strongest_first(offered: list[str], explanation: Explanation | None, known: set[str]) -> list[str]:
    """The offered features, this client's strongest reasons first: the largest absolute contribution in
    the client's explanation, features the client has a value for before the others (so that the client
    shows on the charts), then features the explanation does not name, in the gateway's order."""
    impact = {c.feature: abs(c.points) for c in explanation.contributions} if explanation else {}
    return sorted(offered, key=lambda f: (f not in known, f not in impact, -impact.get(f, 0.0)))


def _known_values(comparison: Comparison | GatewayError, explanation: Explanation | None) -> set[str]:
    """Features for which the client has a value (missing ones would show no marker)."""
    known = set()
    if isinstance(comparison, Comparison):
        known.update(d.feature for d in comparison.features if d.client_value is not None)
    if explanation is not None:
        known.update(c.feature for c in explanation.contributions if c.value is not None)
    return known


def _filters(group: str, income: str, age: str, contract: str, education: str) -> dict[str, str]:
    """The gateway's filter parameters of a filtered group (empty choices mean any)."""
    if group != "filtered":
        return {}
    given = {"income_type": income, "age_band": age, "contract_type": contract, "education": education}
    return {k: v for k, v in given.items() if v}
