"""What the advisor reads: API answers turned into worded HTML/Markdown and tables, in one language.

Every chart's words live here too (its alt text and caption), so that nothing is said by a picture only.
"""

from __future__ import annotations

import bisect
import html
import re

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
    Field,
    Offer,
    Outcome,
    Review,
    Score,
    Simulation,
)
from ui.gateway_client import ErrorKind, GatewayError
from ui.texts import (
    GROUP_NAMES,
    REVIEW_OUTCOMES,
    REVIEW_REASONS,
    TEXTS,
    Language,
    duration,
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
#: Building statistics: every application column ending in _AVG, _MODE or _MEDI (APARTMENTS_AVG, ...,
#: HOUSETYPE_MODE, EMERGENCYSTATE_MODE), exactly the 47 the data's profile describes as "normalized
#: information about building where the client lives" (tests/ui checks it against the profile).
BUILDING_STATISTIC = re.compile(r"[A-Z_]+_(AVG|MODE|MEDI)")
#: Yes/no fields coded 0/1 (or Y/N): FLAG_* (documents, phones, car, realty) and the addresses'
#: region and city mismatches (REG_REGION_NOT_LIVE_REGION, ...).
YES_NO_FIELD = re.compile(r"FLAG_\w+|(REG|LIVE)_(REGION|CITY)_NOT_(LIVE|WORK)_(REGION|CITY)")
#: The data's DAYS_EMPLOYED for a client without employment (mostly pensioners): not a duration.
NOT_EMPLOYED_DAYS = 365243
_YES_NO = {1: "yes", 0: "no", "Y": "yes", "N": "no", "Yes": "yes", "No": "no"}


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
    rows = [
        (_feature_row(c.label, c.display_value or number(c.value, lang)), c.points) for c in ranked[:count]
    ]
    rest = [c for c in ranked[count:] if c.points != 0]
    if rest:
        rows.append((t("family_others", lang, count=len(rest)), sum(c.points for c in rest)))
    return rows


def _feature_row(label: str, value: str) -> str:
    """A feature's "label = value" row: its label is cut, never its value, so that two features whose
    labels begin alike stay apart."""
    return _kept_end(label, f"= {value}")


def _kept_end(text: str, end: str) -> str:
    """`text end` within a waterfall row's width, `text` cut if need be and `end` always whole."""
    return f"{charts.shortened(text, charts.ROW_LABEL_WIDTH - len(end) - 1)} {end}"


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
        start_label=t("family_start", lang),
        end_label=_kept_end(t("family_end", lang, label=family.label), f"({signed(family.points, lang)})"),
        axis=t("family_axis", lang),
        lang=lang,
    )
    return charts.figure_html(figure, summary, summary)


def data_frame(
    client: ClientData, groups: list[str] | None, query: str | None, lang: Language
) -> tuple[pd.DataFrame, str]:
    """The client's fields of the chosen groups whose label or name holds `query`, in the advisor's units
    (field_value), and a count line; building statistics are left out (shown_in_file)."""
    words = (query or "").strip().lower()
    order = {group: index for index, group in enumerate(GROUP_NAMES)}
    fields = [f for f in client.fields if shown_in_file(f.name)]
    keyed = [(group_key(f.group), f) for f in fields]
    keyed.sort(key=lambda pair: order.get(pair[0], len(order)))  # stable: API order within a group
    rows = [
        (group_name(key, lang), f.label, field_value(f, lang))
        for key, f in keyed
        if key in (groups or []) and (not words or words in f.label.lower() or words in f.name.lower())
    ]
    frame = pd.DataFrame(rows, columns=[t("col_group", lang), t("col_field", lang), t("col_value", lang)])
    return frame, t("data_count", lang, shown=len(rows), total=len(fields))


def shown_in_file(name: str) -> bool:
    """Whether the advisor's view of the client's file shows a field: all but the building statistics.

    The building statistics (APARTMENTS_AVG, FLOORSMAX_MEDI, HOUSETYPE_MODE, ...) are the data's
    normalised figures about the building the client lives in (an average, mode or median scaled to 0-1,
    often missing): they mean nothing to an advisor, who can neither read nor check them with the client.
    They are left out of this view only: the gateway still sends them (its API keeps every raw field) and
    they still feed the model.
    """
    return not BUILDING_STATISTIC.fullmatch(name)


def field_value(field: Field, lang: Language) -> str:
    """A field's value in the advisor's units: DAYS_* as a duration (DAYS_BIRTH is the age, DAYS_EMPLOYED's
    365243 is "not employed"), yes/no fields as words, amounts (AMT_*, not the AMT_REQ_* counts of
    enquiries) in euros, the rest as the gateway words it or as a number."""
    name, value = field.name, field.value
    numeric = isinstance(value, int | float) and not isinstance(value, bool)
    if YES_NO_FIELD.fullmatch(name) and isinstance(value, int | float | str) and value in _YES_NO:
        return t(_YES_NO[value], lang)
    if name.startswith("DAYS_") and numeric:
        return t("not_employed", lang) if value == NOT_EMPLOYED_DAYS else duration(value, lang)
    if name.startswith("AMT_") and not name.startswith("AMT_REQ_") and numeric:
        return money(value, lang, cents=True)
    if name == "OWN_CAR_AGE" and numeric:  # in years already
        return t("duration_years", lang, value=number(value, lang))
    return field.value_label or _display(value, lang)


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
        "size": number(comparison.group_size, lang),
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
    summary = " ".join([summary, *_outcome_words(distribution, lang)])
    return charts.figure_html(charts.histogram(distribution, lang), summary, summary)


def _outcome_words(distribution: Distribution, lang: Language) -> list[str]:
    """How the group's past clients repaid, in words: the sides, the default rate in the client's bin
    (when that bin holds enough past clients), or why there is no split."""
    outcome = distribution.outcome
    if outcome is None:
        return []
    split = charts.split_counts(distribution)
    if split is None:
        return [_outcome_hidden(outcome, lang)] if outcome.reason else []
    repaid, defaulted = sum(split[0]), sum(split[1])
    words = [
        t(
            "outcome_summary",
            lang,
            repaid=number(repaid, lang),
            defaulted=number(defaulted, lang),
            rate=percent(defaulted / (repaid + defaulted), lang),
        )
    ]
    index = _bin_of(distribution.bin_edges, distribution.client_value)
    if index is not None:
        rate = charts.bin_default_rates(*split, outcome.minimum)[index]
        past = split[0][index] + split[1][index]
        if rate is not None:
            words.append(t("outcome_near_client", lang, rate=percent(rate, lang), count=number(past, lang)))
    return words


def _outcome_hidden(outcome: Outcome, lang: Language) -> str:
    """Why a chart shows the group undivided (a side with fewer past clients than the minimum)."""
    key = f"outcome_{outcome.reason}"
    return t(key if key in TEXTS else "outcome_too_few_past_clients", lang, minimum=outcome.minimum)


def _bin_of(edges: list[float], value: float | None) -> int | None:
    """The histogram bin holding `value` (the last bin includes its right edge), None outside."""
    if value is None or len(edges) < 2 or not edges[0] <= value <= edges[-1]:
        return None
    return min(bisect.bisect_right(edges, value) - 1, len(edges) - 2)


def scatter_html(bivariate: Bivariate, group_label: str, lang: Language) -> str:
    """Two features of the group as a scatter plot, with the client's standing on each in words."""
    xs = [p[0] for p in bivariate.points]
    ys = [p[1] for p in bivariate.points]
    summary = t(
        "bivariate_summary",
        lang,
        count=number(len(bivariate.points), lang),
        group=group_label,
        x_part=_axis(bivariate.x_label, bivariate.client[0], xs, lang),
        y_part=_axis(bivariate.y_label, bivariate.client[1], ys, lang),
    )
    outcomes = bivariate.outcomes
    shown = bivariate.outcome is not None and bivariate.outcome.shown and outcomes is not None
    if shown and outcomes is not None and len(outcomes) == len(bivariate.points):
        repaid, defaulted = outcomes.count("repaid"), outcomes.count("defaulted")
        rate = percent(defaulted / (repaid + defaulted), lang) if repaid + defaulted else "—"
        summary += " " + t(
            "outcome_points", lang, repaid=number(repaid, lang), defaulted=number(defaulted, lang), rate=rate
        )
    else:
        outcomes = None  # never coloured unless the gateway shows the split
        if bivariate.outcome is not None and bivariate.outcome.reason:
            summary += " " + _outcome_hidden(bivariate.outcome, lang)
    figure = charts.scatter(
        bivariate.points, bivariate.client, bivariate.x_label, bivariate.y_label, lang, outcomes=outcomes
    )
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
