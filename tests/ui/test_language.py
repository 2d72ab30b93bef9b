"""Words of the app in one language at a time: every text in both, the page reworded whole on a switch."""

from __future__ import annotations

import re
import string

import pytest

from ui import views
from ui.gateway_client import ErrorKind, GatewayError
from ui.layout import Layout
from ui.texts import (
    AGE_BANDS,
    CONTRACTS,
    EDUCATIONS,
    GROUP_NAMES,
    INCOME_TYPES,
    REVIEW_OUTCOMES,
    REVIEW_REASONS,
    TEXTS,
    number,
    percent,
    years_ago,
)

pytestmark = pytest.mark.unit


def _placeholders(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


def test_every_text_exists_in_both_languages_with_the_same_placeholders():
    for key, words in TEXTS.items():
        assert set(words) == {"fr", "en"}, f"{key}: {sorted(words)}"
        assert words["fr"].strip(), f"{key} has no French"
        assert words["en"].strip(), f"{key} has no English"
        assert _placeholders(words["fr"]) == _placeholders(words["en"]), f"{key}: placeholders differ"


@pytest.fixture(scope="module")
def page() -> Layout:
    layout = Layout("fr")
    layout.build()
    return layout


def _strings(update: dict) -> list[str]:
    """The texts a worded component shows, headings' marks and lines apart."""
    found = []
    for name, value in update.items():
        if name == "choices":
            found.extend(label for label, _ in value)
        elif isinstance(value, str) and not name.startswith("__"):  # not gr.update's own marks
            found.extend(line.lstrip("# ") for line in value.splitlines())
    return found


def _words(lang: str) -> set[str]:
    tables = (
        TEXTS,
        GROUP_NAMES,
        INCOME_TYPES,
        EDUCATIONS,
        CONTRACTS,
        AGE_BANDS,
        REVIEW_OUTCOMES,
        REVIEW_REASONS,
    )
    return {words[lang] for table in tables for words in table.values()}


@pytest.mark.parametrize(("shown", "other"), [("fr", "en"), ("en", "fr")])
def test_a_switch_rewords_every_component_in_the_chosen_language_only(page: Layout, shown, other):
    # given the texts of each language (a text the same in both says nothing about the language)
    own, foreign = _words(shown), _words(other) - _words(shown)
    # when the page is worded in `shown`
    updates = page.words.updates(shown)
    # then every worded component shows texts of that language only
    assert len(updates) >= 30, f"only {len(updates)} worded components"
    for component, update in updates.items():
        texts = _strings(update)
        assert texts, f"{component.elem_id or type(component).__name__} has no words"
        for text in texts:
            assert text not in foreign, f"{other} text shown in {shown}: {text!r}"
            assert text in own, f"{text!r} is not a {shown} text of ui/texts.py"


def test_tabs_are_named_in_french_by_default(page: Layout):
    labels = [update["label"] for c, update in page.words.updates("fr").items() if c.elem_id and
              c.elem_id.startswith("tab-")]  # fmt: skip
    assert labels == [
        "Score et décision",
        "Données du client",
        "Historique",
        "Comparaison",
        "Simulation",
        "Réexamen",
    ]


@pytest.mark.parametrize(
    ("kind", "lang", "expected"),
    [
        (ErrorKind.UNKNOWN_CLIENT, "fr", "Client inconnu : aucun client ne porte l'identifiant 123."),
        (ErrorKind.UNKNOWN_CLIENT, "en", "Unknown client: no client has the ID 123."),
        (ErrorKind.UNAVAILABLE, "fr", "Le service de scoring est momentanément indisponible."),
        (ErrorKind.UNAVAILABLE, "en", "The scoring service is temporarily unavailable."),
        (ErrorKind.FORBIDDEN, "fr", "L'application n'est pas autorisée par le service de scoring"),
        (ErrorKind.INVALID, "fr", "Valeur refusée : credit_amount must be > 0"),
        (ErrorKind.UNEXPECTED, "en", "An unexpected error occurred."),
    ],
)
def test_errors_are_worded_for_the_advisor(kind, lang, expected):
    error = GatewayError(kind, "credit_amount must be > 0", 422)
    text = views.error_text(error, lang, 123)
    assert text.startswith(expected), text
    message = views.message_html(text)
    assert 'role="alert"' in message, "errors are read out by screen readers"
    assert "Traceback" not in message


def test_numbers_are_formatted_per_language():
    assert number(1234567.0, "fr") == "1\u202f234\u202f567"
    assert number(1234567.0, "en") == "1,234,567"
    assert number(0.125, "fr") == "0,125"
    assert percent(0.0512, "fr") == "5,12\u202f%"
    assert percent(0.0512, "en") == "5.12%"
    assert years_ago(2.0, "fr") == "il y a 2 ans"
    assert years_ago(1.5, "fr") == "il y a 1,5 an", "French: singular below 2"
    assert years_ago(1.0, "en") == "1 year ago"
    assert years_ago(2.5, "en") == "2.5 years ago"
    assert re.fullmatch(r"—", years_ago(None, "fr"))
