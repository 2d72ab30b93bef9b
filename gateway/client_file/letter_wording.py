"""The letter's reasons worded for the client: second person, plain words, the client's own figures.

The advisors' labels (credit_features.catalog) speak of "the client" in the third person and use the
trade's words (the credit bureau, "small debts tolerated"): fine in the app, wrong in a letter to that
client. Here each family and the features a letter names get the client's wording: "your refused
credit applications", "42 % of your instalments paid late". A feature without its own wording falls
back to its family's plain phrase, still in the second person. The credit bureau is explained in plain
words the first time the letter names it (see BUREAU and explain_bureau).
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

from credit_features.catalog import Language

#: Where the letter first names the credit bureau, its plain-words explanation goes; elsewhere nothing.
BUREAU = "[[bureau]]"
_BUREAU_EXPLAINED: dict[Language, str] = {
    "fr": " (le fichier des crédits, dit « bureau »)",
    "en": " (the shared credit file, known as the “credit bureau”)",
}

#: A family as the subject of a letter's reason, and as the fallback for its features the letter names.
_FAMILIES: dict[str, dict[Language, tuple[str, str]]] = {
    "external_scores": {
        "fr": (
            "Vos scores de crédit établis par des organismes extérieurs",
            "vos scores de crédit établis par des organismes extérieurs",
        ),
        "en": ("Your credit scores from outside agencies", "your credit scores from outside agencies"),
    },
    "loan": {
        "fr": ("Le crédit que vous demandez", "d'autres caractéristiques du crédit que vous demandez"),
        "en": ("The credit you applied for", "other features of the credit you applied for"),
    },
    "income_work": {
        "fr": ("Vos revenus et votre emploi", "d'autres éléments de vos revenus et de votre emploi"),
        "en": ("Your income and work", "other details of your income and work"),
    },
    "identity_family": {
        "fr": (
            "Votre situation personnelle et familiale",
            "d'autres éléments de votre situation personnelle",
        ),
        "en": ("Your personal and family situation", "other details of your personal situation"),
    },
    "housing": {
        "fr": ("Votre logement et vos biens", "les caractéristiques de votre logement"),
        "en": ("Your housing and assets", "the features of your home"),
    },
    "region": {
        "fr": ("Votre région et vos adresses", "votre région et vos adresses"),
        "en": ("Your region and addresses", "your region and addresses"),
    },
    "documents_contact": {
        "fr": (
            "Les documents et coordonnées que vous avez fournis",
            "les documents et coordonnées que vous avez fournis",
        ),
        "en": ("The documents and contact details you gave", "the documents and contact details you gave"),
    },
    "bureau": {
        "fr": (
            f"Vos crédits déclarés par d'autres établissements{BUREAU}",
            "d'autres éléments de vos crédits chez d'autres établissements",
        ),
        "en": (
            f"Your credits reported by other lenders{BUREAU}",
            "other details of your credits at other lenders",
        ),
    },
    "previous_applications": {
        "fr": (
            "Vos demandes de crédit précédentes chez nous",
            "d'autres éléments de vos demandes précédentes",
        ),
        "en": ("Your previous credit applications with us", "other details of your previous applications"),
    },
    "installments": {
        "fr": ("Le remboursement de vos échéances passées", "d'autres éléments de vos remboursements"),
        "en": ("The repayment of your past instalments", "other details of your repayments"),
    },
    "credit_cards": {
        "fr": ("Vos cartes de crédit chez nous", "l'utilisation de vos cartes de crédit chez nous"),
        "en": ("Your credit cards with us", "how you used your credit cards with us"),
    },
    "pos_cash": {
        "fr": (
            "Vos prêts en magasin et prêts personnels chez nous",
            "d'autres éléments de vos prêts en magasin et prêts personnels",
        ),
        "en": ("Your shop and cash loans with us", "other details of your shop and cash loans"),
    },
    "other": {
        "fr": ("D'autres éléments de votre dossier", "d'autres éléments de votre dossier"),
        "en": ("Other details of your file", "other details of your file"),
    },
}
#: Which way a family weighed, said to the client.
DIRECTIONS: dict[Language, dict[str, str]] = {
    "fr": {"raises": "a pesé contre votre demande", "lowers": "a pesé en faveur de votre demande"},
    "en": {"raises": "weighed against your application", "lowers": "weighed in favour of your application"},
}


@dataclass(frozen=True)
class _Wording:
    """A feature (or features, by a regular expression) as the client reads it. With a `kind`, the
    `with_value` phrases carry the client's own figure ({value}; {s}: the plural ending of a count);
    the plain phrases are for a value that is not known."""

    pattern: re.Pattern[str]
    fr: str
    en: str
    kind: str | None = None  # share, count, days, times
    fr_plain: str | None = None
    en_plain: str | None = None


def _w(  # noqa: PLR0917 - a table row: pattern, French, English, then the figure's kind and plain phrases
    pattern: str,
    fr: str,
    en: str,
    kind: str | None = None,
    fr_plain: str | None = None,
    en_plain: str | None = None,
) -> _Wording:
    return _Wording(re.compile(pattern), fr, en, kind, fr_plain, en_plain)


_PERIODS = {
    "HOUR": ("l'heure", "hour"),
    "DAY": ("la journée", "day"),
    "WEEK": ("la semaine", "week"),
    "MON": ("le mois", "month"),
    "QRT": ("les trois mois", "three months"),
    "YEAR": ("l'année", "year"),
}
_OTHER_LENDERS = ("chez d'autres établissements", "at other lenders")
_SMALL_DEBTS = ("sans compter les très petits impayés", "not counting very small unpaid amounts")

#: First match wins: specific features first, then patterns for their families of aggregates.
_WORDINGS: tuple[_Wording, ...] = (
    # external scores
    _w(
        r"APP_EXT_SOURCE_([123])",
        "votre score de crédit établi par un organisme extérieur (n° {n})",
        "your credit score from outside agency no. {n}",
    ),
    _w(
        r"APP_EXT_SOURCE_MEAN",
        "la moyenne de vos scores de crédit établis par des organismes extérieurs",
        "the average of your credit scores from outside agencies",
    ),
    _w(
        r"APP_EXT_SOURCE_MIN",
        "le plus faible de vos scores de crédit établis par des organismes extérieurs",
        "the lowest of your credit scores from outside agencies",
    ),
    _w(
        r"APP_EXT_SOURCE_MAX",
        "le plus élevé de vos scores de crédit établis par des organismes extérieurs",
        "the highest of your credit scores from outside agencies",
    ),
    _w(
        r"APP_EXT_SOURCE_STD",
        "l'écart entre vos scores de crédit établis par des organismes extérieurs",
        "how far apart your credit scores from outside agencies are",
    ),
    # the loan applied for
    _w(r"APP_AMT_CREDIT", "le montant du crédit que vous demandez", "the amount of credit you applied for"),
    _w(
        r"APP_AMT_ANNUITY",
        "le remboursement annuel du crédit que vous demandez",
        "the yearly repayment of the credit you applied for",
    ),
    _w(
        r"APP_AMT_GOODS_PRICE",
        "le prix du bien que le crédit financerait",
        "the price of the goods the credit would pay for",
    ),
    _w(
        r"APP_CREDIT_INCOME_RATIO",
        "un crédit de {value} fois votre revenu annuel",
        "a credit of {value} times your yearly income",
        "times",
        "le montant du crédit rapporté à votre revenu annuel",
        "the credit amount relative to your yearly income",
    ),
    _w(
        r"APP_ANNUITY_INCOME_RATIO",
        "un remboursement qui prendrait {value} de votre revenu annuel",
        "a repayment that would take {value} of your yearly income",
        "share",
        "la part de votre revenu qui irait au remboursement",
        "the share of your income that would go to the repayment",
    ),
    _w(
        r"APP_PAYMENT_RATE",
        "un remboursement annuel de {value} du montant emprunté",
        "a yearly repayment of {value} of the amount borrowed",
        "share",
        "le remboursement annuel rapporté au montant emprunté",
        "the yearly repayment relative to the amount borrowed",
    ),
    _w(
        r"APP_CREDIT_GOODS_RATIO",
        "le montant du crédit rapporté au prix du bien",
        "the credit amount relative to the price of the goods",
    ),
    _w(
        r"APP_REVOLVING_LOAN",
        "le type de crédit demandé (renouvelable ou prêt personnel)",
        "the kind of credit you applied for (revolving or cash loan)",
    ),
    _w(
        r"APP_NAME_TYPE_SUITE_CODE",
        "qui vous accompagnait lors de votre demande",
        "who came with you to apply",
    ),
    _w(r"APP_WEEKDAY_APPR_PROCESS_START_CODE", "le jour de votre demande", "the weekday you applied"),
    _w(r"APP_HOUR_APPR_PROCESS_START", "l'heure de votre demande", "the time of day you applied"),
    # income and work
    _w(r"APP_AMT_INCOME_TOTAL", "votre revenu annuel déclaré", "your declared yearly income"),
    _w(
        r"APP_INCOME_PER_FAMILY_MEMBER",
        "votre revenu annuel par membre de votre famille",
        "your yearly income per family member",
    ),
    _w(r"APP_NAME_INCOME_TYPE_CODE", "la source de vos revenus", "the source of your income"),
    _w(r"APP_OCCUPATION_TYPE_CODE", "votre profession", "your occupation"),
    _w(
        r"APP_ORGANIZATION_TYPE_CODE",
        "le type d'organisation qui vous emploie",
        "the kind of organisation you work for",
    ),
    _w(
        r"APP_(YEARS|DAYS)_EMPLOYED|APP_EMPLOYED_BIRTH_RATIO",
        "votre ancienneté dans votre emploi actuel",
        "how long you have been in your current job",
    ),
    _w(
        r"APP_FLAG_EMP_PHONE",
        "le téléphone professionnel donné ou non",
        "whether you gave a work phone number",
    ),
    # identity and family
    _w(r"APP_GENDER_MALE", "votre sexe", "your sex"),
    _w(r"APP_AGE_YEARS|APP_DAYS_BIRTH", "votre âge", "your age"),
    _w(r"APP_NAME_EDUCATION_TYPE_CODE", "votre niveau d'études", "your education"),
    _w(r"APP_NAME_FAMILY_STATUS_CODE", "votre situation familiale", "your family status"),
    _w(r"APP_CNT_CHILDREN", "votre nombre d'enfants", "your number of children"),
    _w(
        r"APP_CNT_FAM_MEMBERS",
        "le nombre de personnes de votre foyer",
        "the number of people in your household",
    ),
    _w(
        r"APP_DAYS_REGISTRATION",
        "la date de votre dernier changement de situation administrative",
        "when you last changed your registration details",
    ),
    _w(
        r"APP_DAYS_ID_PUBLISH",
        "la date de votre dernière pièce d'identité",
        "when your identity document was last renewed",
    ),
    _w(
        r"APP_OBS_\d+_CNT_SOCIAL_CIRCLE",
        "les retards de paiement observés dans votre entourage",
        "late payments seen among the people around you",
    ),
    _w(
        r"APP_DEF_\d+_CNT_SOCIAL_CIRCLE",
        "les défauts de paiement observés dans votre entourage",
        "missed payments among the people around you",
    ),
    # housing
    _w(r"APP_OWNS_CAR", "le fait de posséder ou non une voiture", "whether you own a car"),
    _w(r"APP_OWN_CAR_AGE", "l'âge de votre voiture", "the age of your car"),
    _w(r"APP_OWNS_REALTY", "le fait d'être ou non propriétaire", "whether you own a house or flat"),
    _w(r"APP_NAME_HOUSING_TYPE_CODE", "votre situation de logement", "your housing situation"),
    # region and addresses
    _w(
        r"APP_REGION_POPULATION_RELATIVE",
        "la densité de population de votre région",
        "how populated your region is",
    ),
    _w(r"APP_REGION_RATING_CLIENT(_W_CITY)?", "notre note de votre région", "our rating of your region"),
    _w(
        r"APP_(REG|LIVE)_(REGION|CITY)_NOT_(LIVE|WORK)_(REGION|CITY)",
        "la distance entre vos adresses (domicile, contact, travail)",
        "how far apart your addresses are (home, contact, work)",
    ),
    # documents and contact details
    _w(
        r"APP_FLAG_DOCUMENT_\d+|APP_DOCUMENT_COUNT",
        "les documents que vous avez fournis",
        "the documents you provided",
    ),
    _w(
        r"APP_DAYS_LAST_PHONE_CHANGE",
        "la date de votre dernier changement de téléphone",
        "when you last changed your phone",
    ),
    _w(r"APP_FLAG_\w+", "les coordonnées que vous avez données", "the contact details you gave"),
    # enquiries about the client's credit file
    *(
        _w(
            rf"APP_AMT_REQ_CREDIT_BUREAU_{period}",
            f"{{value}} consultation{{s}} de votre dossier de crédit dans {fr} précédant votre demande",
            f"{{value}} check{{s}} of your credit file in the {en} before you applied",
            "count",
            f"les consultations de votre dossier de crédit dans {fr} précédant votre demande",
            f"checks of your credit file in the {en} before you applied",
        )
        for period, (fr, en) in _PERIODS.items()
    ),
    # credits at other lenders
    _w(
        r"BURO_COUNT",
        f"{{value}} crédit{{s}} {_OTHER_LENDERS[0]}",
        f"{{value}} credit{{s}} {_OTHER_LENDERS[1]}",
        "count",
        f"le nombre de vos crédits {_OTHER_LENDERS[0]}",
        f"the number of your credits {_OTHER_LENDERS[1]}",
    ),
    _w(
        r"BURO_ACTIVE_COUNT",
        f"{{value}} crédit{{s}} en cours {_OTHER_LENDERS[0]}",
        f"{{value}} running credit{{s}} {_OTHER_LENDERS[1]}",
        "count",
        f"vos crédits en cours {_OTHER_LENDERS[0]}",
        f"your running credits {_OTHER_LENDERS[1]}",
    ),
    _w(
        r"BURO_CLOSED_COUNT",
        f"{{value}} crédit{{s}} terminé{{s}} {_OTHER_LENDERS[0]}",
        f"{{value}} closed credit{{s}} {_OTHER_LENDERS[1]}",
        "count",
        f"vos crédits terminés {_OTHER_LENDERS[0]}",
        f"your closed credits {_OTHER_LENDERS[1]}",
    ),
    _w(
        r"BURO_SOLD_COUNT",
        "{value} crédit{s} revendu{s} à un tiers par d'autres établissements",
        "{value} credit{s} sold on to a third party by other lenders",
        "count",
        "vos crédits revendus à un tiers par d'autres établissements",
        "your credits sold on to a third party by other lenders",
    ),
    _w(
        r"BURO_ACTIVE_SHARE",
        f"{{value}} de vos crédits {_OTHER_LENDERS[0]} encore en cours",
        f"{{value}} of your credits {_OTHER_LENDERS[1]} still running",
        "share",
        f"la part de vos crédits {_OTHER_LENDERS[0]} encore en cours",
        f"the share of your credits {_OTHER_LENDERS[1]} still running",
    ),
    _w(
        r"BURO_CREDIT_CARD_SHARE",
        f"{{value}} de cartes de crédit parmi vos crédits {_OTHER_LENDERS[0]}",
        f"{{value}} of your credits {_OTHER_LENDERS[1]} being credit cards",
        "share",
        f"la part de cartes de crédit parmi vos crédits {_OTHER_LENDERS[0]}",
        f"the share of credit cards among your credits {_OTHER_LENDERS[1]}",
    ),
    _w(
        r"BURO_(ACTIVE_)?DEBT_CREDIT_RATIO",
        f"{{value}} de vos crédits {_OTHER_LENDERS[0]} restant à rembourser",
        f"{{value}} of your credits {_OTHER_LENDERS[1]} still to repay",
        "share",
        f"ce qu'il vous reste à rembourser {_OTHER_LENDERS[0]}",
        f"what you still owe {_OTHER_LENDERS[1]}",
    ),
    _w(
        r"BURO_OVERDUE_DEBT_RATIO",
        f"{{value}} de votre dette {_OTHER_LENDERS[0]} en retard de paiement",
        f"{{value}} of your debt {_OTHER_LENDERS[1]} overdue",
        "share",
        f"la part de votre dette {_OTHER_LENDERS[0]} en retard de paiement",
        f"the share of your debt {_OTHER_LENDERS[1]} that is overdue",
    ),
    _w(
        r"BURO_BB_ONTIME_SHARE_MEAN",
        f"{{value}} des mois payés à temps sur vos crédits {_OTHER_LENDERS[0]}",
        f"{{value}} of months paid on time on your credits {_OTHER_LENDERS[1]}",
        "share",
        f"les mois payés à temps sur vos crédits {_OTHER_LENDERS[0]}",
        f"the months paid on time on your credits {_OTHER_LENDERS[1]}",
    ),
    _w(
        r"BURO_(CLOSED_)?BB_LATE_SHARE_MEAN",
        f"{{value}} des mois payés en retard sur vos crédits {_OTHER_LENDERS[0]}",
        f"{{value}} of months paid late on your credits {_OTHER_LENDERS[1]}",
        "share",
        f"les mois payés en retard sur vos crédits {_OTHER_LENDERS[0]}",
        f"the months paid late on your credits {_OTHER_LENDERS[1]}",
    ),
    _w(
        r"BURO_BB_WORST_STATUS_MAX|BURO_\w*DAY_OVERDUE\w*",
        f"les retards de paiement sur vos crédits {_OTHER_LENDERS[0]}",
        f"late payments on your credits {_OTHER_LENDERS[1]}",
    ),
    _w(
        r"BURO_\w*OVERDUE\w*",
        f"les montants en retard sur vos crédits {_OTHER_LENDERS[0]}",
        f"amounts overdue on your credits {_OTHER_LENDERS[1]}",
    ),
    _w(
        r"BURO_\w*DAYS_CREDIT_ENDDATE\w*",
        f"la date de fin prévue de vos crédits {_OTHER_LENDERS[0]}",
        f"when your credits {_OTHER_LENDERS[1]} are due to end",
    ),
    _w(
        r"BURO_\w*DAYS_CREDIT_(MIN|MAX|MEAN|SUM|VAR)",
        f"l'ancienneté de vos crédits {_OTHER_LENDERS[0]}",
        f"how long ago you took out your credits {_OTHER_LENDERS[1]}",
    ),
    _w(
        r"BURO_\w*DEBT\w*",
        f"ce qu'il vous reste à rembourser {_OTHER_LENDERS[0]}",
        f"what you still owe {_OTHER_LENDERS[1]}",
    ),
    _w(
        r"BURO_\w*AMT_CREDIT_SUM_LIMIT\w*",
        f"les plafonds de vos cartes de crédit {_OTHER_LENDERS[0]}",
        f"the limits of your credit cards {_OTHER_LENDERS[1]}",
    ),
    _w(
        r"BURO_\w*AMT_CREDIT_SUM_(MIN|MAX|MEAN|SUM)",
        f"les montants de vos crédits {_OTHER_LENDERS[0]}",
        f"the amounts of your credits {_OTHER_LENDERS[1]}",
    ),
    _w(
        r"BURO_\w*AMT_ANNUITY\w*",
        f"les remboursements de vos crédits {_OTHER_LENDERS[0]}",
        f"the repayments of your credits {_OTHER_LENDERS[1]}",
    ),
    _w(
        r"BURO_\w*PROLONG\w*",
        f"les prolongations de vos crédits {_OTHER_LENDERS[0]}",
        f"extensions of your credits {_OTHER_LENDERS[1]}",
    ),
    # previous applications with us
    _w(
        r"PREV_COUNT",
        "{value} demande{s} de crédit précédente{s} chez nous",
        "{value} previous credit application{s} with us",
        "count",
        "vos demandes de crédit précédentes chez nous",
        "your previous credit applications with us",
    ),
    _w(
        r"PREV_APPROVED_COUNT",
        "{value} demande{s} de crédit acceptée{s} chez nous",
        "{value} accepted credit application{s} with us",
        "count",
        "vos demandes de crédit acceptées",
        "your accepted credit applications",
    ),
    _w(
        r"PREV_REFUSED_COUNT",
        "{value} demande{s} de crédit refusée{s} chez nous",
        "{value} refused credit application{s} with us",
        "count",
        "vos demandes de crédit refusées",
        "your refused credit applications",
    ),
    *(
        _w(
            rf"PREV_{key}_SHARE",
            f"{{value}} de vos demandes de crédit précédentes {fr}",
            f"{{value}} of your previous credit applications {en}",
            "share",
            f"vos demandes de crédit {fr}",
            f"your {en} credit applications",
        )
        for key, fr, en in (
            ("APPROVED", "acceptées", "accepted"),
            ("REFUSED", "refusées", "refused"),
            ("CANCELED", "annulées", "cancelled"),
        )
    ),
    _w(
        r"PREV_UNUSED_OFFER_SHARE",
        "{value} de vos crédits accordés mais non utilisés",
        "{value} of your granted credits not taken up",
        "share",
        "vos crédits accordés mais non utilisés",
        "your granted credits not taken up",
    ),
    _w(
        r"PREV_INSURED_SHARE",
        "{value} de vos crédits précédents avec une assurance",
        "{value} of your previous credits with insurance",
        "share",
        "vos crédits précédents avec une assurance",
        "your previous credits with insurance",
    ),
    _w(r"PREV_REFUSED_\w+", "vos demandes de crédit refusées", "your refused credit applications"),
    _w(r"PREV_APPROVED_\w+", "vos demandes de crédit acceptées", "your accepted credit applications"),
    _w(
        r"PREV_\w*AMT_\w+",
        "les montants de vos demandes de crédit précédentes",
        "the amounts of your previous credit applications",
    ),
    _w(
        r"PREV_DAYS_DECISION\w*",
        "l'ancienneté de vos demandes de crédit précédentes",
        "how long ago you made your previous credit applications",
    ),
    # repayment of past instalments
    _w(
        r"INST_LATE_SHARE",
        "{value} de vos échéances payées en retard",
        "{value} of your instalments paid late",
        "share",
        "vos échéances payées en retard",
        "your instalments paid late",
    ),
    _w(
        r"INST_UNDERPAID_SHARE",
        "{value} de vos échéances payées en dessous du montant dû",
        "{value} of your instalments paid short of the amount due",
        "share",
        "vos échéances payées en dessous du montant dû",
        "your instalments paid short of the amount due",
    ),
    _w(
        r"INST_MISSING_PAYMENT_COUNT",
        "{value} échéance{s} sans paiement enregistré",
        "{value} instalment{s} with no payment recorded",
        "count",
        "vos échéances sans paiement enregistré",
        "your instalments with no payment recorded",
    ),
    _w(
        r"INST_COUNT",
        "{value} paiement{s} d'échéance enregistré{s}",
        "{value} instalment payment{s} recorded",
        "count",
        "le nombre de vos paiements d'échéances",
        "the number of your instalment payments",
    ),
    _w(
        r"INST_CREDIT_COUNT",
        "{value} crédit{s} précédent{s} remboursé{s} par échéances chez nous",
        "{value} previous credit{s} repaid by instalments with us",
        "count",
        "vos crédits précédents remboursés par échéances",
        "your previous credits repaid by instalments",
    ),
    _w(
        r"INST_DPD_MAX",
        "jusqu'à {value} jour{s} de retard pour payer une échéance",
        "up to {value} day{s} late paying an instalment",
        "days",
        "vos retards pour payer vos échéances",
        "how late you paid your instalments",
    ),
    _w(
        r"INST_DPD_MEAN",
        "{value} jour{s} de retard en moyenne pour payer une échéance",
        "{value} day{s} late on average paying an instalment",
        "days",
        "vos retards pour payer vos échéances",
        "how late you paid your instalments",
    ),
    _w(r"INST_DPD_\w+", "vos retards pour payer vos échéances", "how late you paid your instalments"),
    _w(r"INST_DBD_\w+", "vos échéances payées en avance", "your instalments paid early"),
    _w(
        r"INST_PAYMENT_(PERC|DIFF)_\w+",
        "les montants de vos échéances restés impayés",
        "the amounts of your instalments left unpaid",
    ),
    _w(r"INST_AMT_\w+", "les montants de vos échéances", "the amounts of your instalments"),
    _w(
        r"INST_DAYS_ENTRY_PAYMENT_\w+",
        "les dates de vos paiements d'échéances",
        "when you paid your instalments",
    ),
    _w(
        r"INST_NUM_INSTALMENT_VERSION_NUNIQUE",
        "les changements de votre calendrier de remboursement",
        "changes to your repayment calendar",
    ),
    # credit cards with us
    _w(
        r"CC_UTILISATION_MEAN",
        "{value} du plafond de vos cartes utilisé en moyenne",
        "{value} of your card limit used on average",
        "share",
        "la part du plafond de vos cartes que vous utilisez",
        "how much of your card limit you use",
    ),
    _w(
        r"CC_DPD_MONTH_SHARE",
        "{value} des mois avec un paiement de carte en retard",
        "{value} of months with a card payment late",
        "share",
        "les mois avec un paiement de carte en retard",
        "the months with a card payment late",
    ),
    _w(
        r"CC_CARD_COUNT",
        "{value} carte{s} de crédit chez nous",
        "{value} credit card{s} with us",
        "count",
        "vos cartes de crédit chez nous",
        "your credit cards with us",
    ),
    _w(
        r"CC_COUNT",
        "{value} relevé{s} mensuel{s} de carte",
        "{value} monthly card statement{s}",
        "count",
        "vos relevés mensuels de carte",
        "your monthly card statements",
    ),
    _w(r"CC_SK_DPD\w*", "les retards de paiement sur vos cartes", "late payments on your cards"),
    _w(r"CC_AMT_BALANCE\w*", "le solde de vos cartes", "the balance of your cards"),
    _w(r"CC_AMT_CREDIT_LIMIT\w*", "le plafond de vos cartes", "your card limits"),
    _w(r"CC_(AMT|CNT)_DRAWINGS_ATM\w*", "vos retraits d'espèces par carte", "your cash withdrawals by card"),
    _w(r"CC_(AMT|CNT)_DRAWINGS\w*", "l'utilisation de vos cartes", "how you used your cards"),
    _w(r"CC_AMT_(PAYMENT|INST_MIN)\w*", "les remboursements de vos cartes", "your card repayments"),
    _w(
        r"CC_AMT_\w*RECE?IVABLE\w*",
        "les sommes restant dues sur vos cartes",
        "the amounts still owed on your cards",
    ),
    # shop and cash loans with us
    _w(
        r"POS_DPD_MONTH_SHARE",
        "{value} des mois de prêt avec un paiement en retard",
        "{value} of loan months with a payment late",
        "share",
        "les mois de prêt avec un paiement en retard",
        "the loan months with a payment late",
    ),
    _w(
        r"POS_LOAN_COUNT",
        "{value} prêt{s} en magasin ou personnel{s} chez nous",
        "{value} shop or cash loan{s} with us",
        "count",
        "vos prêts en magasin et prêts personnels chez nous",
        "your shop and cash loans with us",
    ),
    _w(
        r"POS_COMPLETED_COUNT",
        "{value} prêt{s} remboursé{s} en totalité",
        "{value} loan{s} repaid in full",
        "count",
        "vos prêts remboursés en totalité",
        "your loans repaid in full",
    ),
    _w(
        r"POS_SK_DPD_MAX",
        "jusqu'à {value} jour{s} de retard en un mois sur vos prêts",
        "up to {value} day{s} late in a month on your loans",
        "days",
        "les retards de paiement sur vos prêts",
        "late payments on your loans",
    ),
    _w(
        r"POS_SK_DPD_DEF_MAX",
        f"jusqu'à {{value}} jour{{s}} de retard en un mois sur vos prêts, {_SMALL_DEBTS[0]}",
        f"up to {{value}} day{{s}} late in a month on your loans, {_SMALL_DEBTS[1]}",
        "days",
        f"les retards de paiement sur vos prêts, {_SMALL_DEBTS[0]}",
        f"late payments on your loans, {_SMALL_DEBTS[1]}",
    ),
    _w(r"POS_SK_DPD_MEAN", "les retards de paiement sur vos prêts", "late payments on your loans"),
    _w(
        r"POS_SK_DPD_DEF_MEAN",
        f"les retards de paiement sur vos prêts, {_SMALL_DEBTS[0]}",
        f"late payments on your loans, {_SMALL_DEBTS[1]}",
    ),
    _w(r"POS_CNT_INSTALMENT_MEAN", "la durée de vos prêts précédents", "the term of your previous loans"),
    _w(
        r"POS_CNT_INSTALMENT_FUTURE_MEAN|POS_INSTALMENTS_LEFT_SUM",
        "les échéances qu'il vous reste à payer",
        "the instalments you still have to pay",
    ),
)


def family_phrase(family: str, language: Language) -> str:
    """A family as the subject of a letter's reason (capitalised); a family this code does not know
    is "other details of your file"."""
    return _FAMILIES.get(family, _FAMILIES["other"])[language][0]


def _plural(count: float, language: Language) -> bool:
    return abs(count) >= 2 if language == "fr" else count != 1


def figure(kind: str, value: float, language: Language) -> tuple[str, bool] | None:
    """The client's figure as the language writes it, and whether what it counts is plural (None: no
    figure this kind can say, e.g. a share outside 0-100 %)."""
    if kind == "share":
        if not 0 <= value <= 1:
            return None
        percent = round(value * 100)
        return (f"{percent}\u202f%" if language == "fr" else f"{percent}%"), False
    if kind in ("count", "days"):
        if value < 0:
            return None
        whole = round(value)
        return f"{whole:,}".replace(",", "\u202f" if language == "fr" else ","), _plural(whole, language)
    if kind == "times":
        text = f"{value:.1f}"
        return (text.replace(".", ",") if language == "fr" else text), False
    return None


def feature_phrase(feature: str, value: float | None, family: str, language: Language) -> str:
    """A feature as the client reads it, with the client's own figure where it is a share or a count
    and the value is known; the family's plain phrase for a feature with no wording of its own."""
    for wording in _WORDINGS:
        found = wording.pattern.fullmatch(feature)
        if found is None:
            continue
        template = wording.fr if language == "fr" else wording.en
        plain = (wording.fr_plain if language == "fr" else wording.en_plain) or template
        if wording.kind is None:
            return template.format(n=found.group(1)) if "{n}" in template else template
        known = value is not None and not (isinstance(value, float) and math.isnan(value))
        shown = figure(wording.kind, float(value), language) if known else None  # type: ignore[arg-type]
        if shown is None:
            return plain
        text, plural = shown
        return template.format(value=text, s="s" if plural else "")
    return _FAMILIES.get(family, _FAMILIES["other"])[language][1]


def explain_bureau(lines: list[str], language: Language) -> list[str]:
    """The lines with the credit bureau explained where the first of them names it, and nowhere else."""
    explained = False
    out = []
    for line in lines:
        shown = line
        if BUREAU in line and not explained:
            shown = line.replace(BUREAU, _BUREAU_EXPLAINED[language], 1)
            explained = True
        out.append(shown.replace(BUREAU, ""))
    return out
