"""Amounts an advisor types in the what-if: shown in the language's style, read in either language's.

A browser's number input always shows a decimal point ("11287.5"), which a French advisor reads as a
typo; the what-if therefore uses text boxes. Reading must not depend on the language the page is in
at the moment: a language switch keeps what the advisor typed, and "11 287,50" must stay eleven
thousand euros in English. Money has at most two decimals, so a lone separator followed by exactly
three digits separates thousands, and any other is the decimal separator.
"""

from __future__ import annotations

import re

from ui.texts import Language, number_text

_BLANKS = re.compile(r"[\s\u00a0\u202f€]")
_DIGITS_WITH_SEPARATORS = re.compile(r"\d+([.,]\d+)*")


def parse_amount(text: str | None) -> float | None:
    """The amount in `text` ("600 000", "11 287,50 €", "€11,287.50"), None when it is empty.

    Raises ValueError when the text is not an amount.
    """
    compact = _BLANKS.sub("", text or "")
    if not compact:
        return None
    if not _DIGITS_WITH_SEPARATORS.fullmatch(compact):
        raise ValueError(f"not an amount: {text!r}")
    separators = [character for character in compact if character in ".,"]
    decimal = _decimal_separator(compact, separators)
    whole, cents = compact.rsplit(decimal, 1) if decimal else (compact, "")
    digits = re.sub(r"[.,]", "", whole)
    return float(f"{digits}.{cents}" if cents else digits)


def _decimal_separator(compact: str, separators: list[str]) -> str | None:
    """Which separator, if any, marks the decimals: the last one unless it groups thousands."""
    if not separators:
        return None
    last = separators[-1]
    if len(set(separators)) == 2:  # "11,287.50" or "11.287,50": the last one is the decimal mark
        return last
    after = compact.rsplit(last, 1)[1]
    if len(separators) > 1 or len(after) == 3:  # "1,234,567" or "11,287": thousands
        return None
    return last


def amount_text(value: float | None, lang: Language) -> str:
    """`value` as an advisor would type it in `lang`: "11 287,50", "600 000" (no cents when whole)."""
    return "" if value is None else number_text(value, lang)
