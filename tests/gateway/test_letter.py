"""The client's decision letter: its text in each language, and a one-page PDF whatever the font."""

from __future__ import annotations

import dataclasses
import io
from datetime import date
from pathlib import Path

import pytest
from pypdf import PdfReader

from gateway.history import Card, History, Pos, Repayment
from gateway.letter import FONT_DIR, letter_content, render_letter
from gateway.reasons import family_reasons

from .test_reasons_by_family import explanation

#: A decision id as the gateway makes them (UUID version 7).
DECISION_ID = "019af4c2a1b07c3e9d2f41a6b8c0d1e2"
HISTORY = History(
    bureau=[],
    bureau_total=32,
    previous=[],
    previous_total=11,
    installments=Repayment(
        payments=101, late_share=0.2, underpaid_share=0.07, mean_days_late=14.2, by_year=[]
    ),
    credit_card=Card(months=61, mean_balance=68198.1, mean_utilisation=0.56, months_overdue=0),
    pos_cash=Pos(months=69, active_loans=1, months_overdue=3),
)


def content(
    language: str, refused: bool = True, *, outcome: str | None = None, policy: list[str] | None = None
):
    return letter_content(
        client_id=100042,
        decision_id=DECISION_ID,
        outcome=outcome or ("refused" if refused else "granted"),
        policy_reasons=policy or [],
        model_version="7",
        families=family_reasons(explanation(), language),
        history=HISTORY,
        language=language,
        day=date(2026, 8, 14),
    )


def text_of(pdf: bytes) -> tuple[int, str]:
    reader = PdfReader(io.BytesIO(pdf))
    return len(reader.pages), " ".join(reader.pages[0].extract_text().split())


def test_french_text_names_the_decision_reasons_records_and_contest() -> None:
    letter = content("fr")
    assert letter.decision.startswith("Nous avons le regret"), "a refusal"
    assert letter.date == "Date : 14 août 2026"
    assert letter.reasons[0] == (
        "Scores de crédit externes : augmente le risque de défaut, en particulier : Moyenne des scores "
        "de crédit externes disponibles, Score de crédit externe 1."
    )
    assert "32 crédits auprès d'autres établissements déclarés au bureau de crédit" in letter.records
    assert "101 remboursements d'échéances passées" in letter.records
    assert "30 jours" in letter.contest, "the delay to contest"
    assert "15 jours" in letter.contest, "the delay to answer"
    assert "version 7" in letter.footer
    assert letter.reference == f"Référence de la demande : 100042 · décision {DECISION_ID}", (
        "the decision's id, which produces it on request"
    )
    granted = content("en", refused=False)
    assert granted.decision == "We are pleased to tell you that your credit application is granted."
    assert granted.reasons[1].startswith("The loan applied for: lowers the risk of default, in particular:")


@pytest.mark.parametrize(
    ("language", "review"),
    [
        ("en", "an advisor will review your file and give you our decision within 2 working days"),
        ("fr", "un conseiller étudiera votre dossier et vous donnera notre décision sous 2 jours ouvrés"),
    ],
)
def test_a_referred_client_is_told_a_person_will_decide_and_when_with_the_policy_reason_first(
    language: str, review: str
) -> None:
    missing = "Information the decision requires is missing: an external credit score."
    letter = content(language, outcome="referred", policy=[missing])
    assert review in letter.decision
    assert letter.reasons[0] == missing, "the policy's reason comes first"
    assert len(letter.reasons) > 1, "the model's reasons follow"
    pages, text = text_of(render_letter(letter))
    assert pages == 1
    assert letter.reasons[0] in text, "the policy's reason is printed"


def test_a_granted_letter_carries_no_policy_reason() -> None:
    letter = content("en", refused=False, policy=["The estimated risk of default reaches our limit."])
    assert "limit" not in " ".join(letter.reasons)


@pytest.mark.parametrize("language", ["fr", "en"])
def test_the_letter_is_one_page_with_its_accents(language: str) -> None:
    assert (FONT_DIR / "DejaVuSans.ttf").exists(), "the gateway's image installs DejaVu Sans"
    pages, text = text_of(render_letter(content(language)))
    assert pages == 1
    letter = content(language)
    for line in (letter.title, letter.decision, letter.reasons_title, letter.contest_title):
        assert line in text, f"{line!r} in the PDF"
    if language == "fr":
        assert "Scores de crédit externes" in text, "accents survive"
        assert "réexaminée" in text, "accents survive"


def test_without_dejavu_the_core_font_keeps_latin_1_accents(tmp_path: Path) -> None:
    pages, text = text_of(render_letter(content("fr"), font_dir=tmp_path))
    assert pages == 1
    assert "Votre demande de crédit : notre décision" in text, "é survives in Latin-1"
    assert "Historique auprès d'autres établissements" in text


def test_a_refusal_letter_says_what_could_be_lent() -> None:
    refused = letter_content(
        client_id=1,
        decision_id=DECISION_ID,
        outcome="refused",
        policy_reasons=[],
        offer=(250_000.0, 20.0, 12_500.0),
        model_version="7",
        families=family_reasons(explanation(), "en"),
        history=HISTORY,
        language="en",
        day=date(2026, 12, 6),
    )
    assert refused.decision.endswith(
        "We could lend you up to 250,000 € over 20 years (a yearly repayment of 12,500 €)."
    )
    assert text_of(render_letter(refused))[0] == 1, "still one page"
    french = letter_content(
        client_id=1,
        decision_id=DECISION_ID,
        outcome="refused",
        policy_reasons=[],
        offer=(250_000.0, 19.87, 12_582.0),
        model_version="7",
        families=family_reasons(explanation(), "fr"),
        history=HISTORY,
        language="fr",
        day=date(2026, 12, 6),
    )
    assert "jusqu'à 250\u202f000 € sur 19,9 ans" in french.decision
    granted = content("en", refused=False)
    assert "lend you up to" not in granted.decision, "a grant offers nothing more"


def test_the_letter_greets_closes_dates_in_its_language_and_lists_no_zero_record() -> None:
    english = letter_content(
        client_id=1,
        decision_id=DECISION_ID,
        outcome="granted",
        policy_reasons=[],
        model_version="7",
        families=family_reasons(explanation(), "en"),
        history=dataclasses.replace(HISTORY, bureau_total=0),
        language="en",
        day=date(2026, 12, 6),
    )
    assert english.date == "Date: 6 December 2026", "no leading zero"
    assert english.salutation == "Dear Sir or Madam,"
    assert english.closing.startswith("Yours faithfully,")
    assert not any(line.startswith("0 ") for line in english.records), "a zero line says nothing"
    assert len(english.records) == 4
    french = content("fr")
    assert french.salutation == "Madame, Monsieur,"
    assert "salutations distinguées" in french.closing
    pages, text = text_of(render_letter(french))
    assert pages == 1, "still one page"
    assert "Madame, Monsieur," in text
    assert "salutations distinguées" in text
