"""What the advisor reads: API answers turned into worded HTML/Markdown and tables, in one language.

Every chart's words live here too (its alt text and caption), so that nothing is said by a picture only.
"""

from __future__ import annotations

import html

import pandas as pd

from ui import charts
from ui.api_models import (
    Bivariate,
    ClientData,
    ClientSummary,
    Comparison,
    Contribution,
    Distribution,
    Explanation,
    FamilyContribution,
    Offer,
    Review,
    Score,
    Simulation,
)
from ui.gateway_client import ErrorKind, GatewayError
from ui.texts import (
    GROUP_NAMES,
    REVIEW_OUTCOMES,
    REVIEW_REASONS,
    Language,
    group_key,
    group_name,
    money,
    number,
    percent,
    points,
    signed,
    t,
)

#: Families whose sentence opens the reasons (the rest are in the waterfall).
FAMILY_REASONS = 5
#: Features a family's drill-down shows at least, before any "other factors" bar.
FAMILY_FEATURES = 8


def message_html(text: str, kind: str = "error") -> str:
    """A message read out by screen readers (role=alert) with an icon, never colour alone."""
    icon = "⚠" if kind == "error" else "ℹ"
    role = "alert" if kind == "error" else "status"
    return (
        f'<div class="ui-message ui-{kind}" role="{role}">'
        f'<span aria-hidden="true">{icon}</span> {html.escape(text)}</div>'
    )


def error_text(error: GatewayError, lang: Language, client_id: int | None = None) -> str:
    """The advisor's words for a failed call (the gateway's detail is shown only for refused values)."""
    if error.kind == ErrorKind.UNKNOWN_CLIENT:
        return t("err_unknown_client", lang, client_id=client_id if client_id is not None else "?")
    if error.kind == ErrorKind.INVALID:
        return t("err_invalid", lang, detail=error.detail or "?")
    return t(f"err_{error.kind}", lang)


def offer_line(offer: Offer | None, lang: Language) -> str | None:
    """What could be lent at the client's term, in words (None when the offer is not known)."""
    if offer is None or not offer.term_years:
        return None
    if offer.max_amount is None or offer.max_amount_annuity is None:
        return t("offer_none", lang)
    return t(
        "offer_line",
        lang,
        years=number(offer.term_years, lang),
        amount=money(offer.max_amount, lang),
        annuity=money(offer.max_amount_annuity, lang),
    )


def decision_html(
    score: Score, lang: Language, heading: str | None = None, offer: Offer | None = None
) -> str:
    """The decision in words with a distinct icon, the lending policy's reasons, the probability, the
    threshold and the margin."""
    icon = {"granted": "✔", "refused": "✖", "referred": "⚑"}[score.decision]
    margin_key = "margin_below" if score.probability < score.threshold else "margin_above"
    details = [
        *(reason.sentence for reason in score.policy_reasons),
        t(
            "probability_line",
            lang,
            probability=percent(score.probability, lang),
            threshold=percent(score.threshold, lang),
        ).replace("**", ""),
        t(margin_key, lang, margin=points(score.margin, lang)),
        t("decision_reference", lang, decision=score.request_id, version=score.model_version),
        *([line] if (line := offer_line(offer, lang)) else []),
    ]
    title = f"<p class='ui-client'>{html.escape(heading)}</p>" if heading else ""
    lines = "".join(f"<p>{html.escape(line)}</p>" for line in details)
    return (
        f'<div class="ui-decision ui-{score.decision}" role="status" aria-live="polite">{title}'
        f'<p class="ui-verdict"><span class="ui-icon" aria-hidden="true">{icon}</span> '
        f"<strong>{t(score.decision, lang)}</strong></p>{lines}</div>"
    )


def gauge_html(score: Score, lang: Language) -> str:
    """The gauge image with its description as alt text and caption."""
    alt = t(
        "gauge_alt",
        lang,
        probability=percent(score.probability, lang),
        threshold=percent(score.threshold, lang),
        decision=t(score.decision, lang),
    )
    return charts.figure_html(charts.gauge(score.probability, score.threshold, lang), alt, alt)


def reasons_markdown(score: Score, lang: Language) -> str:
    """The gateway's plain-language sentences: the strongest families first, then the strongest factors."""
    if score.reasons is None:
        return f"ℹ {t('explanation_missing', lang)}"
    parts = []
    if score.reasons.families:
        parts.append(f"### {t('families_heading', lang)}")
        parts.extend(f"- {_arrow(f.impact)} {f.sentence}" for f in score.reasons.families[:FAMILY_REASONS])
        parts.append(f"### {t('features_heading', lang)}")
    for key, icon, reasons in (
        ("raising", "▲", score.reasons.raising),
        ("lowering", "▼", score.reasons.lowering),
    ):
        parts.append(f"#### {icon} {t(key, lang)}")
        parts.extend([f"- {r.sentence}" for r in reasons] or [t("no_reason", lang)])
    return "\n".join(parts)


def _arrow(impact: float) -> str:
    return "▲" if impact > 0 else "▼"


def waterfall_html(explanation: Explanation, lang: Language) -> str:
    """Every family's summed contribution, from the average client to this one, and the same in words."""
    families = explanation.families
    raising = [f for f in families if f.points > 0]
    lowering = [f for f in families if f.points < 0]
    summary = t(
        "waterfall_summary",
        lang,
        start=percent(explanation.base_probability, lang),
        end=percent(explanation.probability, lang),
        top_raise=max(raising, key=lambda f: f.points).label if raising else t("none", lang),
        top_lower=min(lowering, key=lambda f: f.points).label if lowering else t("none", lang),
    )
    figure = charts.waterfall(
        [(f.label, f.points) for f in families],
        100 * explanation.base_probability,
        start_label=f"{t('waterfall_start', lang)} ({percent(explanation.base_probability, lang)})",
        end_label=f"{t('waterfall_end', lang)} ({percent(explanation.probability, lang)})",
        axis=t("waterfall_axis", lang),
        lang=lang,
    )
    return charts.figure_html(figure, summary, summary)


def family_choices(explanation: Explanation, lang: Language) -> list[tuple[str, str]]:
    """(label with signed impact, family key) of every family, strongest first, for the drill-down."""
    return [
        (t("family_choice", lang, label=f.label, impact=signed(f.points, lang)), f.family)
        for f in explanation.families
    ]


def feature_rows(
    features: list[Contribution], lang: Language, minimum: int = FAMILY_FEATURES
) -> list[tuple[str, float]]:
    """The strongest features as (label = value, impact) rows, then the rest summed in one row.

    Features are added beyond `minimum` until the summed rest is smaller than the largest bar shown,
    so that "other factors" is never the largest bar (the whole decision stays explained by named ones).
    """
    ranked = sorted(features, key=lambda c: abs(c.points), reverse=True)
    count = min(minimum, len(ranked))
    while count < len(ranked) and abs(sum(c.points for c in ranked[count:])) >= abs(ranked[0].points):
        count += 1
    rows = [(f"{c.label} = {number(c.value, lang)}", c.points) for c in ranked[:count]]
    rest = [c for c in ranked[count:] if c.points != 0]
    if rest:
        rows.append((t("family_others", lang, count=len(rest)), sum(c.points for c in rest)))
    return rows


def family_html(family: FamilyContribution, lang: Language) -> str:
    """One family's features as a waterfall from 0 to the family's total, with the same in words."""
    rows = feature_rows(family.features, lang)
    top = max(family.features, key=lambda c: abs(c.points), default=None)
    summary = t(
        "family_summary",
        lang,
        label=family.label,
        impact=signed(family.points, lang),
        direction=t(family.direction, lang),
        count=len(family.features),
        top=top.label if top else t("none", lang),
        top_impact=signed(top.points, lang) if top else "—",
    )
    figure = charts.waterfall(
        rows,
        0.0,
        start_label=f"{t('family_start', lang)} (0)",
        end_label=f"{t('family_end', lang, label=family.label)} ({signed(family.points, lang)})",
        axis=t("family_axis", lang),
        lang=lang,
    )
    return charts.figure_html(figure, summary, summary)


def data_frame(
    client: ClientData, groups: list[str] | None, query: str | None, lang: Language
) -> tuple[pd.DataFrame, str]:
    """The client's fields of the chosen groups whose label or name holds `query`, and a count line."""
    words = (query or "").strip().lower()
    order = {group: index for index, group in enumerate(GROUP_NAMES)}
    keyed = [(group_key(f.group), f) for f in client.fields]
    keyed.sort(key=lambda pair: order.get(pair[0], len(order)))  # stable: API order within a group
    rows = [
        (group_name(key, lang), f.label, f.value_label or _display(f.value, lang))
        for key, f in keyed
        if key in (groups or []) and (not words or words in f.label.lower() or words in f.name.lower())
    ]
    frame = pd.DataFrame(rows, columns=[t("col_group", lang), t("col_field", lang), t("col_value", lang)])
    return frame, t("data_count", lang, shown=len(rows), total=len(client.fields))


def suggestion(client: ClientSummary) -> str:
    """One line of the search list: the id, then the contract and income types in the page's language."""
    return f"{client.client_id} · {client.contract_type_label or '—'} · {client.income_type_label or '—'}"


def _display(value: object, lang: Language) -> str:
    if value is None:
        return "—"
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, int | float):
        return number(float(value), lang)
    return str(value)


def histogram_html(
    distribution: Distribution, comparison: Comparison, group_label: str, lang: Language
) -> str:
    """A feature's distribution in the group with the client's place in words."""
    median = number(distribution.quantiles.get("0.5"), lang)
    common = {
        "label": distribution.label,
        "group": group_label,
        "size": comparison.group_size,
        "median": median,
    }
    if distribution.client_value is None or distribution.client_percentile is None:
        summary = t("hist_summary_missing", lang, **common)
    else:
        summary = t(
            "hist_summary",
            lang,
            value=number(distribution.client_value, lang),
            percentile=percent(distribution.client_percentile, lang),
            missing=percent(distribution.missing_share, lang),
            **common,
        )
    return charts.figure_html(charts.histogram(distribution, lang), summary, summary)


def scatter_html(bivariate: Bivariate, group_label: str, lang: Language) -> str:
    """Two features of the group as a scatter plot, with the client's standing on each in words."""
    xs = [p[0] for p in bivariate.points]
    ys = [p[1] for p in bivariate.points]
    summary = t(
        "bivariate_summary",
        lang,
        count=len(bivariate.points),
        group=group_label,
        x_part=_axis(bivariate.x_label, bivariate.client[0], xs, lang),
        y_part=_axis(bivariate.y_label, bivariate.client[1], ys, lang),
    )
    figure = charts.scatter(bivariate.points, bivariate.client, bivariate.x_label, bivariate.y_label, lang)
    return charts.figure_html(figure, summary, summary)


def _axis(label: str, value: float | None, values: list[float], lang: Language) -> str:
    if value is None:
        return t("axis_unknown", lang, label=label)
    share = percent(charts.share_at_or_below(values, value), lang)
    return t("axis_known", lang, label=label, value=number(value, lang), share=share)


def whatif_html(
    simulated: Score, change: Simulation, before: float | None, amount: float, lang: Language
) -> str:
    """The simulated decision: the new probability beside the current one, the change in points and
    whether the decision flips, then the decision and its gauge."""
    term = (
        t("whatif_term", lang, years=number(change.term_years, lang))
        if change.term_years
        else t("whatif_term_unknown", lang)
    )
    line = t(
        "whatif_result",
        lang,
        amount=money(amount, lang),
        term=term,
        probability=percent(simulated.probability, lang),
        before=percent(before, lang),
        change=("+" if change.change_points >= 0 else "−") + points(change.change_points / 100, lang),
    ).replace("**", "")
    flip = (
        t("whatif_flips", lang, before=t(change.current_decision, lang), after=t(simulated.decision, lang))
        if change.flips
        else t("whatif_same", lang)
    )
    return (
        f'<p class="ui-whatif" role="status">{html.escape(line)} {html.escape(flip)}</p>'
        + decision_html(simulated, lang)
        + gauge_html(simulated, lang)
    )


def reviews_html(reviews: list[Review], lang: Language) -> str:
    """The client's reviews, oldest first, one line each (who, when, outcome, the decision reviewed)."""
    if not reviews:
        return f"<p>{html.escape(t('review_none', lang))}</p>"
    decision_words = {
        "granted": t("granted", lang),
        "refused": t("refused", lang),
        "referred": t("referred", lang),
    }
    lines = [
        t(
            "review_line",
            lang,
            day=review.reviewed_at[:10],
            reviewer=review.reviewer,
            outcome=REVIEW_OUTCOMES[review.outcome][lang],
            original=decision_words.get(review.original_outcome, review.original_outcome),
            version=review.model_version,
            reason=REVIEW_REASONS[review.reason][lang],
        )
        for review in reviews
    ]
    return "<ul>" + "".join(f"<li>{html.escape(line)}</li>" for line in lines) + "</ul>"
