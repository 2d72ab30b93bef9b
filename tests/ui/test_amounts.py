"""The what-if's amounts: written in the advisor's language, read the same whatever the page's language."""

from __future__ import annotations

import pytest

from ui.amounts import amount_text, parse_amount

pytestmark = pytest.mark.unit


@pytest.mark.parametrize(
    ("typed", "amount"),
    [
        ("600 000", 600_000.0),
        ("11\u202f287,50", 11_287.5),  # as the French page writes it
        ("11 287,50 €", 11_287.5),
        ("€11,287.50", 11_287.5),  # as the English page writes it
        ("11287.5", 11_287.5),
        ("11,287", 11_287.0),  # three digits after a lone separator: thousands, in either language
        ("11.287", 11_287.0),
        ("1,5", 1.5),
        ("1.234.567,8", 1_234_567.8),
        ("  ", None),
        ("", None),
        (None, None),
    ],
)
def test_an_amount_reads_the_same_in_either_language(typed: str | None, amount: float | None) -> None:
    assert parse_amount(typed) == amount


@pytest.mark.parametrize("typed", ["abc", "12..3", "-500", "1e6", "12,5,0.0.1x"])
def test_what_is_not_an_amount_is_refused(typed: str) -> None:
    with pytest.raises(ValueError, match="not an amount"):
        parse_amount(typed)


@pytest.mark.parametrize(
    ("value", "lang", "text"),
    [
        (11_287.5, "fr", "11\u202f287,50"),
        (600_000.0, "fr", "600\u202f000"),
        (11_287.5, "en", "11,287.50"),
        (600_000.0, "en", "600,000"),
        (None, "fr", ""),
    ],
)
def test_an_amount_is_written_as_the_language_writes_it(value: float | None, lang: str, text: str) -> None:
    assert amount_text(value, lang) == text  # type: ignore[arg-type]
    if value is not None:
        assert parse_amount(text) == value, "what the page writes, it reads back"
