"""The lending policy's reasons in words, in the advisor's and the client's language.

Each rule of credit_model.lending_policy that fires is a reason of the decision like the model's own:
these sentences say what the rule found and its bound, with numbers as a French or English reader
writes them. The letter and the app use the same sentences.
"""

from __future__ import annotations

import math
from typing import Literal

from credit_model.lending_policy import PolicyReason

Language = Literal["en", "fr"]

#: Review of a referred file: how long a person takes to decide it (working days).
REVIEW_WORKING_DAYS = 2

_SENTENCES: dict[str, dict[Language, str]] = {
    "annuity_income": {
        "en": "The yearly repayment would take {value:.0%} of the yearly income; our limit is {bound:.0%}.",
        "fr": (
            "Le remboursement annuel prendrait {value:.0%} du revenu annuel ; "
            "notre limite est de {bound:.0%}."
        ),
    },
    "credit_income": {
        "en": "The credit is {value:.1f} times the yearly income; our limit is {bound:.1f} times.",
        "fr": (
            "Le crédit représente {value:.1f} fois le revenu annuel ; notre limite est de {bound:.1f} fois."
        ),
    },
    "age_at_end": {
        "en": "The client would be {value:.0f} at the end of the loan; our limit is {bound:.0f}.",
        "fr": "Le client aurait {value:.0f} ans à la fin du prêt ; notre limite est de {bound:.0f} ans.",
    },
    "missing_information": {
        "en": "Information the decision requires is missing: {fields}. An advisor will complete the file.",
        "fr": (
            "Des informations nécessaires à la décision manquent : {fields}. "
            "Un conseiller complétera le dossier."
        ),
    },
    "novelty": {
        "en": (
            "This application is unlike those our model learned from "
            "(distance {value:.1f}, limit {bound:.1f}): an advisor will review it."
        ),
        "fr": (
            "Cette demande ne ressemble pas à celles sur lesquelles notre modèle a appris "
            "(distance {value:.1f}, limite {bound:.1f}) : un conseiller l'examinera."
        ),
    },
    "score": {
        "en": "The estimated risk of default, {value:.1%}, reaches our limit of {bound:.1%}.",
        "fr": "Le risque de défaut estimé, {value:.1%}, atteint notre limite de {bound:.1%}.",
    },
}
#: The same findings told to the client, in the second person, in plain words: no distance of the model's
#: nor its probability and threshold, which stay internal (gateway.client_file.letter).
_CLIENT_SENTENCES: dict[str, dict[Language, str]] = {
    "annuity_income": {
        "en": "The yearly repayment would take {value:.0%} of your yearly income; our limit is {bound:.0%}.",
        "fr": (
            "Le remboursement annuel prendrait {value:.0%} de votre revenu annuel ; "
            "notre limite est de {bound:.0%}."
        ),
    },
    "credit_income": {
        "en": "The credit would be {value:.1f} times your yearly income; our limit is {bound:.1f} times.",
        "fr": (
            "Le crédit représenterait {value:.1f} fois votre revenu annuel ; "
            "notre limite est de {bound:.1f} fois."
        ),
    },
    "age_at_end": {
        "en": "You would be {value:.0f} at the end of the loan; our limit is {bound:.0f}.",
        "fr": "Vous auriez {value:.0f} ans à la fin du prêt ; notre limite est de {bound:.0f} ans.",
    },
    "missing_information": {
        "en": "Information the decision requires is missing: {fields}. An advisor will complete your file.",
        "fr": (
            "Des informations nécessaires à la décision manquent : {fields}. "
            "Un conseiller complétera votre dossier."
        ),
    },
    "novelty": {
        "en": "Your application is unlike those our assessment learned from: an advisor will review it.",
        "fr": (
            "Votre demande ne ressemble pas à celles sur lesquelles notre évaluation a appris : "
            "un conseiller l'examinera."
        ),
    },
    "score": {
        "en": "The risk that the credit is not repaid, as we estimate it, reaches our limit.",
        "fr": "Le risque que le crédit ne soit pas remboursé, tel que nous l'estimons, atteint notre limite.",
    },
}
_CLIENT_FIELD_NAMES: dict[str, dict[Language, str]] = {
    "AMT_INCOME_TOTAL": {"en": "your yearly income", "fr": "votre revenu annuel"},
    "AMT_CREDIT": {"en": "the credit amount", "fr": "le montant du crédit"},
    "AMT_ANNUITY": {"en": "the yearly repayment", "fr": "le remboursement annuel"},
    "DAYS_BIRTH": {"en": "your date of birth", "fr": "votre date de naissance"},
    "NAME_INCOME_TYPE": {"en": "the source of your income", "fr": "la source de vos revenus"},
    "EXT_SOURCE_1, EXT_SOURCE_2 or EXT_SOURCE_3": {
        "en": "a credit score from an outside agency",
        "fr": "un score de crédit établi par un organisme extérieur",
    },
}
_FIELD_NAMES: dict[str, dict[Language, str]] = {
    "AMT_INCOME_TOTAL": {"en": "the yearly income", "fr": "le revenu annuel"},
    "AMT_CREDIT": {"en": "the credit amount", "fr": "le montant du crédit"},
    "AMT_ANNUITY": {"en": "the yearly repayment", "fr": "le remboursement annuel"},
    "DAYS_BIRTH": {"en": "the date of birth", "fr": "la date de naissance"},
    "NAME_INCOME_TYPE": {"en": "the source of income", "fr": "la source de revenus"},
    "EXT_SOURCE_1, EXT_SOURCE_2 or EXT_SOURCE_3": {
        "en": "an external credit score",
        "fr": "un score de crédit externe",
    },
}


def field_name(field: str, language: Language) -> str:
    """A required field in words (its own name when the policy names a field this table does not)."""
    return _FIELD_NAMES.get(field, {}).get(language, field)


def sentence(reason: PolicyReason, language: Language, *, client: bool = False) -> str:
    """What the rule found, in `language`: for the advisor, or (`client`) as the client's letter tells
    it, in the second person."""
    template = (_CLIENT_SENTENCES if client else _SENTENCES)[reason.rule][language]
    names = _CLIENT_FIELD_NAMES if client else _FIELD_NAMES
    fields = ", ".join(
        names.get(field, {}).get(language) or field_name(field, language) for field in reason.fields
    )
    value = 0.0 if math.isnan(reason.value) else reason.value
    bound = 0.0 if math.isnan(reason.bound) else reason.bound
    text = template.format(value=value, bound=bound, fields=fields)
    return _french_numbers(text) if language == "fr" else text


def _french_numbers(text: str) -> str:
    """Decimal points between digits as commas, and a narrow space before each percent sign."""
    out = []
    for i, char in enumerate(text):
        between_digits = 0 < i < len(text) - 1 and text[i - 1].isdigit() and text[i + 1].isdigit()
        if char == "." and between_digits:
            out.append(",")
        elif char == "%":
            out.append("\u202f%")
        else:
            out.append(char)
    return "".join(out)
