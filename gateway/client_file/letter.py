"""The one-page letter a client is handed about the decision on their application (PDF, FR or EN).

What a client should get, no more: the decision, its main reasons in plain words (the families of
factors, then each family's strongest factors, said to the client in the second person with their own
figures, gateway.client_file.letter_wording), the data it rests on, how to contest it, the date and
the model version. The probability, the threshold and the SHAP values stay internal: they mean
nothing to a client without their context and would invite gaming the model; an advisor sees them in
the app. The text is assembled first (plain data, unit-tested), then laid out with fpdf2 in DejaVu
Sans (every French character) or, where that font is absent, in the PDF core font with Latin-1 text.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path

from fpdf import FPDF

from credit_features.catalog import Language
from gateway.client_file.history import History
from gateway.client_file.letter_wording import (
    BUREAU,
    DIRECTIONS,
    explain_bureau,
    family_phrase,
    feature_phrase,
)
from gateway.decisions.policy_texts import REVIEW_WORKING_DAYS
from gateway.decisions.reasons import FamilyReason

#: Where Debian installs DejaVu (fonts-dejavu-core); the core font is the fallback.
FONT_DIR = Path("/usr/share/fonts/truetype/dejavu")
#: Families named in the letter, and factors named under each.
FAMILIES_SHOWN = 4
FACTORS_SHOWN = 2
#: How long the client has to ask for a review, and how long the review takes at most.
CONTEST_DAYS = 30
REVIEW_DAYS = 15
CONTACT_ADDRESS = "Prêt à dépenser, Service Réclamations, 12 rue de la Paix, 75002 Paris"
CONTACT_EMAIL = "reclamations@pret-a-depenser.fr"

_TEXT = {
    "en": {
        "title": "Your credit application: our decision",
        "salutation": "Dear Sir or Madam,",
        "closing": "Yours faithfully,\nPrêt à dépenser",
        "reference": "Application reference: {client_id} · decision {decision_id}",
        "date": "Date: {date}",
        "granted": "We are pleased to tell you that your credit application is granted.",
        "refused": "We are sorry to tell you that we cannot grant your credit application.",
        "offer": " We could lend you up to {amount} over {years} years (a yearly repayment of {annuity}).",
        "reviewed": " An advisor reviewed your file on {date} and took this decision in place of the "
        "automated one ({reason}).",
        "referred": (
            "Your credit application needs a closer look: an advisor will review your file and give you "
            "our decision within {days} working days."
        ),
        "reasons": "The main reasons for this decision",
        "reasons_intro": "Our assessment weighs many factors; those that weighed most in your case are:",
        "factors": "in particular: {factors}",
        "factor_separator": "; ",
        "line": "{family}: {direction}",
        "data": "The information it rests on",
        "data_intro": "Your application form and the records we hold about you:",
        "records": [
            ("bureau_total", f"credits reported by other lenders{BUREAU}"),
            ("previous_total", "earlier applications with us"),
            ("payments", "repayments of earlier instalments"),
            ("card_months", "monthly statements of credit cards with us"),
            ("pos_months", "monthly statements of shop and cash loans with us"),
        ],
        "contest": "How to contest this decision",
        "contest_text": (
            "You may ask, within {contest} days of this letter, for your application to be reviewed by a "
            "person who did not take part in this decision, and add any information you think we missed. "
            "Write to {address}, or to {email}, quoting your application reference. You will receive a "
            "reasoned answer within {review} days."
        ),
        "footer": (
            "This decision was prepared with the help of an automated scoring model (version {version}) "
            "and can be reviewed by a person on request."
        ),
    },
    "fr": {
        "title": "Votre demande de crédit : notre décision",
        "salutation": "Madame, Monsieur,",
        "closing": "Nous vous prions d'agréer, Madame, Monsieur, l'expression de nos salutations "
        "distinguées.\nPrêt à dépenser",
        "reference": "Référence de la demande : {client_id} · décision {decision_id}",
        "date": "Date : {date}",
        "granted": "Nous avons le plaisir de vous informer que votre demande de crédit est acceptée.",
        "refused": "Nous avons le regret de vous informer que nous ne pouvons pas accepter votre demande "
        "de crédit.",
        "reviewed": " Un conseiller a réexaminé votre dossier le {date} et pris cette décision à la place de "
        "la décision automatisée ({reason}).",
        "offer": " Nous pourrions vous prêter jusqu'à {amount} sur {years} ans (un remboursement annuel de "
        "{annuity}).",
        "referred": "Votre demande de crédit demande un examen attentif : un conseiller étudiera votre "
        "dossier et vous donnera notre décision sous {days} jours ouvrés.",
        "reasons": "Les principales raisons de cette décision",
        "reasons_intro": "Notre évaluation prend en compte de nombreux éléments ; ceux qui ont le plus pesé "
        "dans votre cas sont :",
        "factors": "en particulier : {factors}",
        "factor_separator": " ; ",
        "line": "{family} : {direction}",
        "data": "Les informations sur lesquelles elle repose",
        "data_intro": "Votre formulaire de demande et les informations que nous détenons à votre sujet :",
        "records": [
            ("bureau_total", f"crédits déclarés par d'autres établissements{BUREAU}"),
            ("previous_total", "demandes précédentes chez nous"),
            ("payments", "remboursements d'échéances passées"),
            ("card_months", "relevés mensuels de cartes de crédit chez nous"),
            ("pos_months", "relevés mensuels de prêts en magasin et de prêts personnels chez nous"),
        ],
        "contest": "Comment contester cette décision",
        "contest_text": (
            "Vous pouvez demander, dans les {contest} jours suivant ce courrier, que votre demande soit "
            "réexaminée par une personne qui n'a pas pris part à cette décision, et y joindre toute "
            "information qui nous aurait échappé. Écrivez à {address}, ou à {email}, en rappelant la "
            "référence de votre demande. Vous recevrez une réponse motivée sous {review} jours."
        ),
        "footer": (
            "Cette décision a été préparée à l'aide d'un modèle de score automatisé (version {version}) et "
            "peut être réexaminée par une personne sur simple demande."
        ),
    },
}


@dataclass(frozen=True)
class LetterContent:
    """The letter's text, in one language, before layout."""

    language: Language
    title: str
    reference: str
    date: str
    salutation: str
    decision: str
    reasons_title: str
    reasons_intro: str
    reasons: list[str]
    data_title: str
    data_intro: str
    records: list[str]
    contest_title: str
    contest: str
    closing: str
    footer: str


_MONTHS_FR = (
    "janvier",
    "février",
    "mars",
    "avril",
    "mai",
    "juin",
    "juillet",
    "août",
    "septembre",
    "octobre",
    "novembre",
    "décembre",
)


def _day_text(day: date, language: Language) -> str:
    """A date in the language's own style: 14 août 2026, 6 December 2026 (no leading zero)."""
    if language == "fr":
        return f"{day.day} {_MONTHS_FR[day.month - 1]} {day.year}"
    return f"{day.day} {day.strftime('%B')} {day.year}"


def _money(amount: float, language: Language) -> str:
    text = f"{amount:,.0f}"
    return (text.replace(",", "\u202f") if language == "fr" else text) + " €"


def _offer_line(outcome: str, offer: tuple[float, float, float] | None, language: Language) -> str:
    """After a refusal, what could be lent: (amount, years, yearly repayment), or nothing."""
    if outcome != "refused" or offer is None:
        return ""
    amount, years, annuity = offer
    shown_years = (
        f"{years:.0f}"
        if float(years).is_integer()
        else f"{years:.1f}".replace(".", "," if language == "fr" else ".")
    )
    return _TEXT[language]["offer"].format(
        amount=_money(amount, language), years=shown_years, annuity=_money(annuity, language)
    )


@dataclass(frozen=True)
class ChangedDecision:
    """A decision an advisor changed on review: the new outcome, the day, the reason in the client's
    language."""

    outcome: str
    day: date
    reason: str


def letter_content(
    *,
    client_id: int,
    decision_id: str,
    outcome: str,
    policy_reasons: list[str],
    offer: tuple[float, float, float] | None = None,
    model_version: str,
    families: list[FamilyReason],
    history: History,
    language: Language,
    day: date,
    review: ChangedDecision | None = None,
) -> LetterContent:
    """The letter's text: the lending policy's reasons first (a knock-out, missing information, an
    unusual file), then the families that weighed most (each with its strongest factors) and the records
    the decision rests on, in `language`. A referred client is told a person will decide, and when. A
    decision an advisor changed on review (`review`) is the letter's decision, and says so."""
    text = _TEXT[language]
    reviewed_line = ""
    if review is not None:
        outcome = review.outcome
        shown = _day_text(review.day, language)
        reviewed_line = text["reviewed"].format(date=shown, reason=review.reason)
    reasons = [reason for reason in policy_reasons if outcome != "granted"]
    for family in families[:FAMILIES_SHOWN]:
        reasons.append(_family_line(family, language))
    counts = {
        "bureau_total": history.bureau_total,
        "previous_total": history.previous_total,
        "payments": history.installments.payments,
        "card_months": history.credit_card.months,
        "pos_months": history.pos_cash.months,
    }
    records = [f"{counts[key]} {label}" for key, label in text["records"] if counts[key]]
    # The credit bureau is explained where the letter first names it: a reason, else the records.
    lines = explain_bureau([*reasons, *records], language)
    return LetterContent(
        language=language,
        title=text["title"],
        reference=text["reference"].format(client_id=client_id, decision_id=decision_id),
        date=text["date"].format(date=_day_text(day, language)),
        salutation=text["salutation"],
        decision=text[outcome].format(days=REVIEW_WORKING_DAYS)
        + reviewed_line
        + _offer_line(outcome, offer, language),
        reasons_title=text["reasons"],
        reasons_intro=text["reasons_intro"],
        reasons=lines[: len(reasons)],
        data_title=text["data"],
        data_intro=text["data_intro"],
        records=lines[len(reasons) :],
        contest_title=text["contest"],
        contest=text["contest_text"].format(
            contest=CONTEST_DAYS, review=REVIEW_DAYS, address=CONTACT_ADDRESS, email=CONTACT_EMAIL
        ),
        closing=text["closing"],
        footer=text["footer"].format(version=model_version),
    )


def _family_line(family: FamilyReason, language: Language) -> str:
    """A family as a reason for the client: which way it weighed, in particular its strongest factors,
    in the second person with the client's own figures (the advisors' labels stay in the app)."""
    text = _TEXT[language]
    line = text["line"].format(
        family=family_phrase(family.family, language), direction=DIRECTIONS[language][family.direction]
    )
    factors: list[str] = []
    for reason in family.top[:FACTORS_SHOWN]:
        phrase = feature_phrase(reason.feature, reason.value, family.family, language)
        if phrase not in factors:  # two factors without their own wording share their family's
            factors.append(phrase)
    if factors:
        line = f"{line}, {text['factors'].format(factors=text['factor_separator'].join(factors))}"
    return f"{line}."


class _Layout:
    """fpdf2 with the letter's font: DejaVu Sans when installed, else the core font on Latin-1 text."""

    def __init__(self, font_dir: Path) -> None:
        self.pdf = FPDF(format="A4")
        self.pdf.set_auto_page_break(auto=True, margin=15)  # an overflow shows as a second page
        self.pdf.set_margins(20, 18, 20)
        regular, bold = font_dir / "DejaVuSans.ttf", font_dir / "DejaVuSans-Bold.ttf"
        self.unicode = regular.exists() and bold.exists()
        if self.unicode:
            self.pdf.add_font("DejaVu", "", str(regular))
            self.pdf.add_font("DejaVu", "B", str(bold))
        self.family = "DejaVu" if self.unicode else "Helvetica"
        self.pdf.add_page()

    def _text(self, text: str) -> str:
        if self.unicode:
            return text
        plain = (
            text.replace("\u202f", " ")
            .replace("—", "-")
            .replace("’", "'")
            .replace("œ", "oe")
            .replace("“", '"')
            .replace("”", '"')
        )
        return plain.encode("latin-1", "replace").decode("latin-1")

    def write(self, text: str, size: float = 10, bold: bool = False, gap: float = 1.5) -> None:
        self.pdf.set_font(self.family, "B" if bold else "", size)
        self.pdf.multi_cell(0, size * 0.5, self._text(text), new_x="LMARGIN", new_y="NEXT")
        self.pdf.ln(gap)


def render_letter(content: LetterContent, font_dir: Path = FONT_DIR) -> bytes:
    """The letter as a one-page PDF."""
    layout = _Layout(font_dir)
    layout.pdf.set_title(layout._text(content.title))
    layout.pdf.set_lang(content.language)
    layout.write(content.title, size=15, bold=True, gap=3)
    layout.write(content.reference, gap=0.5)
    layout.write(content.date, gap=5)
    layout.write(content.salutation, gap=2)
    layout.write(content.decision, size=12, bold=True, gap=5)
    layout.write(content.reasons_title, size=12, bold=True)
    layout.write(content.reasons_intro)
    for reason in content.reasons:
        layout.write(f"•  {reason}" if layout.unicode else f"-  {reason}")
    layout.pdf.ln(3)
    layout.write(content.data_title, size=12, bold=True)
    layout.write(content.data_intro)
    for record in content.records:
        layout.write(f"•  {record}" if layout.unicode else f"-  {record}", gap=0.8)
    layout.pdf.ln(3)
    layout.write(content.contest_title, size=12, bold=True)
    layout.write(content.contest, gap=3)
    layout.write(content.closing, gap=5)
    layout.write(content.footer, size=8.5)
    return bytes(layout.pdf.output())
