"""The client's decision letter: its text in each language, and a one-page PDF whatever the font."""

from __future__ import annotations

import dataclasses
import io
import re
from datetime import date
from pathlib import Path

import pytest
from pypdf import PdfReader

from credit_features.catalog import feature_catalog
from credit_features.families import feature_families
from credit_model.lending_policy import PolicyReason
from explain_service.client import Contribution, Explanation, FamilyImpact
from gateway.client_file.history import Card, History, Pos, Repayment
from gateway.client_file.letter import FONT_DIR, letter_content, render_letter
from gateway.client_file.letter_wording import feature_phrase
from gateway.decisions.policy_texts import sentence
from gateway.decisions.reasons import family_reasons

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
        "Vos scores de crédit établis par des organismes extérieurs : a pesé contre votre demande, en "
        "particulier : la moyenne de vos scores de crédit établis par des organismes extérieurs ; votre "
        "score de crédit établi par un organisme extérieur (n° 1)."
    )
    assert "32 crédits déclarés par d'autres établissements" in letter.records, (
        "the bureau is explained where a reason first names it, not again"
    )
    assert "101 remboursements d'échéances passées" in letter.records
    assert "30 jours" in letter.contest, "the delay to contest"
    assert "15 jours" in letter.contest, "the delay to answer"
    assert "version 7" in letter.footer
    assert letter.reference == f"Référence de la demande : 100042 · décision {DECISION_ID}", (
        "the decision's id, which produces it on request"
    )
    granted = content("en", refused=False)
    assert granted.decision == "We are pleased to tell you that your credit application is granted."
    assert granted.reasons[1].startswith(
        "The credit you applied for: weighed in favour of your application, in particular:"
    )


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
        assert "Vos scores de crédit établis par des organismes extérieurs" in text, "accents survive"
        assert "réexaminée" in text, "accents survive"


def test_without_dejavu_the_core_font_keeps_latin_1_accents(tmp_path: Path) -> None:
    pages, text = text_of(render_letter(content("fr"), font_dir=tmp_path))
    assert pages == 1
    assert "Votre demande de crédit : notre décision" in text, "é survives in Latin-1"
    assert "Vos crédits déclarés par d'autres établissements (le fichier des crédits, dit « bureau »)" in text


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


#: What the advisors' third-person labels and the trade's words look like: never in a client's letter.
THIRD_PERSON = re.compile(r"du client|des clients?\b|the client|client's|\bses\b|\bhis\b|\bher\b", re.I)
JARGON = re.compile(r"tolér|tolerat|normalis|annuité|annuity|\bDPD\b|receivable|à recevoir|bureau", re.I)


def repayments_explanation(refused: int = 3) -> Explanation:
    """A client refused for their repayments: shares and counts the letter gives as their own figures,
    and a family with no listed feature of its own wording (the cards)."""
    contributions = (
        Contribution("INST_LATE_SHARE", 0.42, 0.8, "installments"),
        Contribution("INST_DPD_MEAN", 14.2, 0.3, "installments"),
        Contribution("PREV_REFUSED_COUNT", float(refused), 0.5, "previous_applications"),
        Contribution("PREV_REFUSED_SHARE", 0.6, 0.2, "previous_applications"),
        Contribution("CC_AMT_RECIVABLE_VAR", 1.2e9, 0.2, "credit_cards"),
        Contribution("CC_MONTHS_BALANCE_SUM", -300.0, 0.1, "credit_cards"),
        Contribution("POS_SK_DPD_DEF_MAX", 31.0, 0.1, "pos_cash"),
    )
    families = (
        FamilyImpact("installments", 1.1, 40),
        FamilyImpact("previous_applications", 0.7, 60),
        FamilyImpact("credit_cards", 0.3, 70),
        FamilyImpact("pos_cash", 0.1, 12),
    )
    return Explanation(
        request_id="r",
        client_id=1,
        probability=0.6,
        outcome="refused",
        threshold=0.5,
        base_value=-1.75,
        raw_score=0.45,
        model_name="m",
        model_version="1",
        contributions=contributions,
        omitted_shap=0.0,
        omitted=400,
        families=families,
    )


def repayments_letter(language: str, refused: int = 3, history: History = HISTORY):
    return letter_content(
        client_id=100042,
        decision_id=DECISION_ID,
        outcome="refused",
        policy_reasons=[],
        model_version="7",
        families=family_reasons(repayments_explanation(refused), language),
        history=history,
        language=language,
        day=date(2026, 8, 14),
    )


@pytest.mark.parametrize(
    ("language", "figures"),
    [
        (
            "fr",
            [
                "42\u202f% de vos échéances payées en retard",
                "14 jours de retard en moyenne pour payer une échéance",
                "3 demandes de crédit refusées chez nous",
                "60\u202f% de vos demandes de crédit précédentes refusées",
                "jusqu'à 31 jours de retard en un mois sur vos prêts, sans compter les très petits impayés",
            ],
        ),
        (
            "en",
            [
                "42% of your instalments paid late",
                "14 days late on average paying an instalment",
                "3 refused credit applications with us",
                "60% of your previous credit applications refused",
                "up to 31 days late in a month on your loans, not counting very small unpaid amounts",
            ],
        ),
    ],
)
def test_the_letter_gives_shares_and_counts_as_the_clients_own_figures_in_the_second_person(
    language: str, figures: list[str]
) -> None:
    letter = repayments_letter(language)
    pdf = render_letter(letter)
    pages, text = text_of(pdf)
    assert pages == 1
    raw = PdfReader(io.BytesIO(pdf)).pages[0].extract_text()  # text_of's split() drops the narrow space
    for figure in figures:
        assert figure in " ".join(letter.reasons), f"{figure!r} in the reasons"
        assert " ".join(figure.split()) in text, f"{figure!r} in the PDF"
    assert ("42\u202f%" if language == "fr" else "42%") in raw, "the language's percent style, in print"
    for reason in letter.reasons:
        assert not THIRD_PERSON.search(reason), f"the client is spoken to, not of: {reason!r}"
        assert not JARGON.search(reason), f"no trade word: {reason!r}"
    assert not THIRD_PERSON.search(text), "nowhere in the letter"
    cards = next(
        reason for reason in letter.reasons if reason.startswith(("Vos cartes", "Your credit cards"))
    )
    assert (
        cards.count("vos cartes de crédit chez nous" if language == "fr" else "your credit cards with us")
        == 1
    ), "two factors without their own wording are said once, by their family, in the second person"


def test_one_refused_application_is_singular() -> None:
    assert "1 demande de crédit refusée chez nous" in " ".join(repayments_letter("fr", refused=1).reasons)
    assert "1 refused credit application with us" in " ".join(repayments_letter("en", refused=1).reasons)


@pytest.mark.parametrize("language", ["fr", "en"])
def test_the_credit_bureau_is_explained_in_plain_words_once_where_the_letter_first_names_it(
    language: str,
) -> None:
    explained = {
        "fr": "crédits déclarés par d'autres établissements (le fichier des crédits, dit « bureau »)",
        "en": "credits reported by other lenders (the shared credit file, known as the “credit bureau”)",
    }[language]
    # a bureau family among the reasons: explained there, and the records name it plainly
    _, text = text_of(render_letter(content(language)))
    assert text.count("bureau") == 1, "one mention, in its explanation"
    assert text.index(explained) < text.index("32 "), "the first mention is a reason, before the records"
    # no bureau family among the reasons: explained in the records
    letter = repayments_letter(language)
    assert explained in letter.records[0]
    _, text = text_of(render_letter(letter))
    assert text.count("bureau") == 1
    # and no bureau credits at all: the letter does not name it
    _, text = text_of(
        render_letter(repayments_letter(language, history=dataclasses.replace(HISTORY, bureau_total=0)))
    )
    assert "bureau" not in text


@pytest.mark.parametrize("language", ["fr", "en"])
def test_every_feature_a_letter_may_name_is_worded_for_the_client(language: str) -> None:
    families = feature_families()
    for specs in feature_catalog().values():
        for spec in specs:
            for value in (None, 0.0, 1.0, 0.35, 2.0, 40.0):
                phrase = feature_phrase(spec.name, value, families[spec.name], language)
                assert phrase[:1].islower() or phrase[:1].isdigit(), (spec.name, phrase)
                assert not THIRD_PERSON.search(phrase), f"{spec.name}: {phrase!r} speaks of the client"
                assert not JARGON.search(phrase), f"{spec.name}: {phrase!r} uses a trade word"
                assert "{" not in phrase, f"{spec.name}: {phrase!r} left a placeholder"
    assert feature_phrase("SOMETHING_NEW", 1.0, "unknown", language) in (
        "d'autres éléments de votre dossier",
        "other details of your file",
    ), "a feature the letter does not know is still said in the second person"


@pytest.mark.parametrize("language", ["fr", "en"])
def test_the_lending_policy_speaks_to_the_client_without_internal_figures(language: str) -> None:
    found = {
        "annuity_income": PolicyReason("annuity_income", "refused", 0.52, 0.4),
        "credit_income": PolicyReason("credit_income", "refused", 7.25, 6.0),
        "age_at_end": PolicyReason("age_at_end", "refused", 72.0, 70.0),
        "missing_information": PolicyReason(
            "missing_information",
            "referred",
            fields=("AMT_INCOME_TOTAL", "EXT_SOURCE_1, EXT_SOURCE_2 or EXT_SOURCE_3"),
        ),
        "novelty": PolicyReason("novelty", "referred", 9.1, 6.0),
        "score": PolicyReason("score", "refused", 0.123, 0.1),
    }
    told = {rule: sentence(reason, language, client=True) for rule, reason in found.items()}
    for rule, text in told.items():
        assert not THIRD_PERSON.search(text), f"{rule}: {text!r}"
        assert "distance" not in text, f"{rule}: no model distance in {text!r}"
        assert not re.search(r"12[.,]3|9[.,]1", text), f"{rule}: no probability nor distance in {text!r}"
    if language == "fr":
        assert told["annuity_income"] == (
            "Le remboursement annuel prendrait 52\u202f% de votre revenu annuel ; "
            "notre limite est de 40\u202f%."
        )
        assert told["age_at_end"].startswith("Vous auriez 72 ans")
        assert "votre revenu annuel" in told["missing_information"]
    else:
        assert (
            told["annuity_income"]
            == "The yearly repayment would take 52% of your yearly income; our limit is 40%."
        )
        assert told["age_at_end"].startswith("You would be 72")
        assert "your yearly income, a credit score from an outside agency" in told["missing_information"]
    assert sentence(found["age_at_end"], language).startswith(("The client", "Le client")), (
        "the app's unchanged"
    )
