"""The History tab's words, tables and chart: the client's credit past, built from the gateway's answer.

Tables are plain HTML with a caption and column headers (read row by row by screen readers), each
value formatted in the chosen language; an empty part of the history says so in a sentence.
"""

from __future__ import annotations

import html
from collections.abc import Callable, Sequence
from typing import Any

from ui import charts
from ui.api_models import BureauCredit, History, Installments, PreviousApplication
from ui.texts import Language, money, number, percent, t, years_ago

#: A table column: its header's text key and how a row's value is shown.
Column = tuple[str, Callable[[Any, Language], str]]


def _plain(value: object, lang: Language) -> str:
    return "—" if value is None else str(value)


BUREAU_COLUMNS: dict[str, Column] = {
    "credit_active_label": ("col_status", _plain),
    "credit_type_label": ("col_type", _plain),
    "years_ago": ("col_when", years_ago),
    "amount": ("col_amount", money),
    "debt": ("col_debt", money),
    "overdue_days": ("col_overdue_days", number),
    "months_late": ("col_months_late", number),
}
PREVIOUS_COLUMNS: dict[str, Column] = {
    "contract_type_label": ("col_contract", _plain),
    "status_label": ("col_decision", _plain),
    "years_ago": ("col_when", years_ago),
    "amount_asked": ("col_asked", money),
    "amount_granted": ("col_granted", money),
}


def _message(text: str) -> str:
    return f'<p class="ui-empty">{html.escape(text)}</p>'


def table_html(
    rows: Sequence[Any], columns: dict[str, Column], caption: str, total: int, lang: Language
) -> str:
    """Rows as an HTML table with a caption (how many of `total` are shown) and one header per column,
    in a scrollable region named `caption` that the keyboard can reach."""
    head = "".join(f'<th scope="col">{html.escape(t(key, lang))}</th>' for key, _ in columns.values())
    body = "".join(
        "<tr>"
        + "".join(
            f"<td>{html.escape(show(getattr(row, name), lang))}</td>" for name, (_, show) in columns.items()
        )
        + "</tr>"
        for row in rows
    )
    title = t("table_rows", lang, count=len(rows), total=max(total, len(rows)))
    return (
        f'<div class="ui-table" role="region" tabindex="0" aria-label="{html.escape(caption, quote=True)}">'
        f"<table><caption>{html.escape(title)}</caption><thead><tr>{head}</tr></thead>"
        f"<tbody>{body}</tbody></table></div>"
    )


def _recent_first(row: BureauCredit | PreviousApplication) -> float:
    return row.years_ago if row.years_ago is not None else float("inf")


def bureau_html(history: History, lang: Language) -> str:
    """The credits the bureau knows, most recent first, or a sentence saying there are none."""
    if not history.bureau:
        return _message(t("bureau_empty", lang))
    rows = sorted(history.bureau, key=_recent_first)
    return table_html(rows, BUREAU_COLUMNS, t("bureau_heading", lang), history.bureau_total, lang)


def previous_html(history: History, lang: Language) -> str:
    """The client's earlier applications with us, most recent first, or a sentence saying there are none."""
    if not history.previous:
        return _message(t("previous_empty", lang))
    rows = [_nothing_granted_unless_approved(row) for row in sorted(history.previous, key=_recent_first)]
    return table_html(rows, PREVIOUS_COLUMNS, t("previous_heading", lang), history.previous_total, lang)


#: Earlier applications that lent nothing: the data keeps an AMT_CREDIT for them, which is no grant.
NOTHING_GRANTED = frozenset({"Refused", "Canceled"})


def _nothing_granted_unless_approved(row: PreviousApplication) -> PreviousApplication:
    """A refused or cancelled application shows no amount granted."""
    return row.model_copy(update={"amount_granted": None}) if row.status in NOTHING_GRANTED else row


def installments_html(installments: Installments, lang: Language) -> str:
    """Repayment behaviour in one sentence, and payments by year as a chart whose alt text lists them."""
    if installments.payments == 0:
        return _message(t("installments_empty", lang))
    summary = t(
        "installments_summary",
        lang,
        payments=number(installments.payments, lang),
        late=percent(installments.late_share, lang),
        underpaid=percent(installments.underpaid_share, lang),
        days=number(installments.mean_days_late, lang),
    )
    parts = [f"<p>{html.escape(summary)}</p>"]
    if installments.by_year:
        years = sorted(installments.by_year, key=lambda y: y.years_ago)
        described = "; ".join(
            t(
                "payments_year",
                lang,
                start=y.years_ago,
                end=y.years_ago + 1,
                payments=number(y.payments, lang),
                late=number(y.late, lang),
            )
            for y in years
        )
        alt = t("payments_alt", lang, years=described)
        parts.append(charts.figure_html(charts.payments(years, lang), alt, alt))
    return "".join(parts)


def card_text(history: History, lang: Language) -> str:
    """The credit card's use in one sentence (or that there is none)."""
    card = history.credit_card
    if card.months == 0:
        return t("card_empty", lang)
    return t(
        "card_summary",
        lang,
        months=number(card.months, lang),
        balance=money(card.mean_balance, lang),
        utilisation=percent(card.mean_utilisation, lang),
        overdue=number(card.months_overdue, lang),
    )


def pos_text(history: History, lang: Language) -> str:
    """Point-of-sale and cash loans in one sentence (or that there are none)."""
    pos = history.pos_cash
    if pos.months == 0:
        return t("pos_empty", lang)
    return t(
        "pos_summary",
        lang,
        months=number(pos.months, lang),
        active=number(pos.active_loans, lang),
        overdue=number(pos.months_overdue, lang),
    )


def history_html(history: History, lang: Language) -> str:
    """The whole History tab: bureau and previous applications as tables, repayments, card and POS."""
    sections = [
        ("bureau_heading", bureau_html(history, lang)),
        ("previous_heading", previous_html(history, lang)),
        ("installments_heading", installments_html(history.installments, lang)),
        ("card_heading", f"<p>{html.escape(card_text(history, lang))}</p>"),
        ("pos_heading", f"<p>{html.escape(pos_text(history, lang))}</p>"),
    ]
    return "".join(
        f'<section class="ui-history"><h3>{html.escape(t(key, lang))}</h3>{body}</section>'
        for key, body in sections
    )
