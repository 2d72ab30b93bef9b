"""Every word the advisor reads, in French and English, and number formats of each language."""

from __future__ import annotations

from typing import Literal

Language = Literal["fr", "en"]

TEXTS: dict[str, dict[Language, str]] = {
    "title": {"fr": "Prêt à dépenser — espace conseiller", "en": "Prêt à dépenser — advisor workspace"},
    "intro": {
        "fr": "Saisissez l'identifiant d'un client pour voir son score, la décision et ses raisons.",
        "en": "Enter a client's ID to see their score, the decision and its reasons.",
    },
    "language": {"fr": "Langue / Language", "en": "Language / Langue"},
    "client_id": {"fr": "Identifiant client", "en": "Client ID"},
    "client_id_placeholder": {"fr": "ex. 100588 (chiffres uniquement)", "en": "e.g. 100588 (digits only)"},
    "suggestions": {"fr": "Clients correspondants", "en": "Matching clients"},
    "open": {"fr": "Afficher le client", "en": "Show client"},
    "tab_score": {"fr": "Score et décision", "en": "Score and decision"},
    "tab_data": {"fr": "Données du client", "en": "Client data"},
    "tab_compare": {"fr": "Comparaison", "en": "Comparison"},
    "tab_whatif": {"fr": "Simulation", "en": "What-if"},
    "granted": {"fr": "Crédit accordé", "en": "Credit granted"},
    "refused": {"fr": "Crédit refusé", "en": "Credit refused"},
    "client_heading": {"fr": "Client {client_id}", "en": "Client {client_id}"},
    "probability_line": {
        "fr": "Probabilité de défaut : **{probability}** — seuil de refus : **{threshold}**.",
        "en": "Probability of default: **{probability}** — refusal threshold: **{threshold}**.",
    },
    "margin_below": {
        "fr": "Marge : {margin} sous le seuil.",
        "en": "Margin: {margin} below the threshold.",
    },
    "margin_above": {
        "fr": "Dépassement : {margin} au-dessus du seuil.",
        "en": "Excess: {margin} above the threshold.",
    },
    "model_line": {"fr": "Modèle {name}, version {version}.", "en": "Model {name}, version {version}."},
    "points": {"fr": "{value} point(s)", "en": "{value} percentage point(s)"},
    "raising": {"fr": "Ce qui augmente le risque", "en": "What raises the risk"},
    "lowering": {"fr": "Ce qui diminue le risque", "en": "What lowers the risk"},
    "no_reason": {"fr": "Aucun facteur notable.", "en": "No notable factor."},
    "explanation_missing": {
        "fr": "Les raisons ne sont pas disponibles pour le moment ; le score reste valable.",
        "en": "The reasons are not available right now; the score is still valid.",
    },
    "gauge_alt": {
        "fr": "Jauge : probabilité de défaut {probability}, seuil de refus {threshold} ; {decision}.",
        "en": "Gauge: probability of default {probability}, refusal threshold {threshold}; {decision}.",
    },
    "gauge_granted_zone": {"fr": "Accordé", "en": "Granted"},
    "gauge_refused_zone": {"fr": "Refusé", "en": "Refused"},
    "gauge_threshold": {"fr": "Seuil {value}", "en": "Threshold {value}"},
    "gauge_client": {"fr": "Client {value}", "en": "Client {value}"},
    "gauge_axis": {"fr": "Probabilité de défaut", "en": "Probability of default"},
    "waterfall_heading": {"fr": "Principaux facteurs du score", "en": "Main factors of the score"},
    "waterfall_axis": {
        "fr": "Score de risque (log-cotes) : à droite, plus risqué",
        "en": "Risk score (log-odds): further right is riskier",
    },
    "waterfall_start": {"fr": "Client moyen", "en": "Average client"},
    "waterfall_end": {"fr": "Ce client", "en": "This client"},
    "waterfall_others": {"fr": "{count} autres facteurs", "en": "{count} other factors"},
    "waterfall_summary": {
        "fr": "Partant du client moyen (risque {start}), les facteurs mènent ce client à {end}. "
        "Le facteur qui augmente le plus le risque : {top_raise}. "
        "Celui qui le diminue le plus : {top_lower}.",
        "en": "Starting from the average client (risk {start}), the factors bring this client to {end}. "
        "The factor that raises the risk most: {top_raise}. The one that lowers it most: {top_lower}.",
    },
    "none": {"fr": "aucun", "en": "none"},
    "legend_raises": {"fr": "augmente le risque (hachuré)", "en": "raises the risk (hatched)"},
    "legend_lowers": {"fr": "diminue le risque (plein)", "en": "lowers the risk (solid)"},
    "groups": {"fr": "Groupes de champs à afficher", "en": "Field groups to show"},
    "field_filter": {"fr": "Filtrer les champs (mot du libellé)", "en": "Filter fields (word in the label)"},
    "col_group": {"fr": "Groupe", "en": "Group"},
    "col_field": {"fr": "Champ", "en": "Field"},
    "col_value": {"fr": "Valeur", "en": "Value"},
    "data_count": {
        "fr": "{shown} champ(s) affiché(s) sur {total}.",
        "en": "{shown} of {total} field(s) shown.",
    },
    "compare_group": {"fr": "Comparer avec", "en": "Compare with"},
    "group_all": {"fr": "Tous les clients", "en": "All clients"},
    "group_similar": {"fr": "Clients similaires", "en": "Similar clients"},
    "group_filtered": {"fr": "Groupe choisi par filtres", "en": "Group chosen by filters"},
    "filter_income": {"fr": "Type de revenu", "en": "Income type"},
    "filter_age": {"fr": "Tranche d'âge", "en": "Age band"},
    "filter_contract": {"fr": "Type de contrat", "en": "Contract type"},
    "filter_education": {"fr": "Niveau d'études", "en": "Education"},
    "any": {"fr": "Tous", "en": "Any"},
    "feature": {"fr": "Caractéristique à comparer", "en": "Feature to compare"},
    "compare": {"fr": "Comparer", "en": "Compare"},
    "hist_axis_count": {"fr": "Nombre de clients", "en": "Number of clients"},
    "hist_median": {"fr": "Médiane", "en": "Median"},
    "hist_summary": {
        "fr": "{label} : la valeur du client, {value}, est supérieure ou égale à celle de {percentile} "
        "du groupe ({group} : {size} clients). Médiane du groupe : {median}. Valeur inconnue pour "
        "{missing} du groupe.",
        "en": "{label}: the client's value, {value}, is at or above that of {percentile} of the group "
        "({group}: {size} clients). Group median: {median}. Value unknown for {missing} of the group.",
    },
    "hist_summary_missing": {
        "fr": "{label} : valeur inconnue pour ce client. Médiane du groupe ({group} : {size} clients) : "
        "{median}.",
        "en": "{label}: unknown for this client. Group median ({group}: {size} clients): {median}.",
    },
    "bivariate_heading": {"fr": "Deux caractéristiques ensemble", "en": "Two features together"},
    "feature_x": {"fr": "Caractéristique horizontale (x)", "en": "Horizontal feature (x)"},
    "feature_y": {"fr": "Caractéristique verticale (y)", "en": "Vertical feature (y)"},
    "show_bivariate": {"fr": "Afficher le nuage de points", "en": "Show the scatter plot"},
    "bivariate_summary": {
        "fr": "{count} clients du groupe ({group}) en points ; le client est l'étoile. {x_part} {y_part}",
        "en": "{count} clients of the group ({group}) as dots; the client is the star. {x_part} {y_part}",
    },
    "axis_known": {
        "fr": "{label} : {value}, supérieur ou égal à {share} des points.",
        "en": "{label}: {value}, at or above {share} of the dots.",
    },
    "axis_unknown": {
        "fr": "{label} : inconnu pour ce client (pas d'étoile).",
        "en": "{label}: unknown for this client (no star).",
    },
    "client_marker": {"fr": "Client", "en": "Client"},
    "group_marker": {"fr": "Clients du groupe", "en": "Clients of the group"},
    "whatif_intro": {
        "fr": "Changez le montant du crédit (et l'annuité) pour voir le nouveau score. "
        "Simulation seulement : rien n'est enregistré.",
        "en": "Change the credit amount (and the annuity) to see the new score. "
        "Simulation only: nothing is recorded.",
    },
    "credit_amount": {"fr": "Montant du crédit", "en": "Credit amount"},
    "annuity": {
        "fr": "Annuité (laisser vide pour garder l'actuelle)",
        "en": "Annuity (empty keeps the current one)",
    },
    "simulate": {"fr": "Simuler", "en": "Simulate"},
    "whatif_result": {
        "fr": "Avec un crédit de {amount} : probabilité de défaut **{probability}** (actuellement {before}).",
        "en": "With a credit of {amount}: probability of default **{probability}** (currently {before}).",
    },
    "err_unavailable": {
        "fr": "Le service de scoring est momentanément indisponible. Réessayez dans quelques instants.",
        "en": "The scoring service is temporarily unavailable. Please try again in a moment.",
    },
    "err_unknown_client": {
        "fr": "Client inconnu : aucun client ne porte l'identifiant {client_id}. Vérifiez le numéro.",
        "en": "Unknown client: no client has the ID {client_id}. Please check the number.",
    },
    "err_forbidden": {
        "fr": "L'application n'est pas autorisée par le service de scoring (clé d'accès). "
        "Prévenez l'administrateur.",
        "en": "The app is not authorised by the scoring service (access key). Please tell the administrator.",
    },
    "err_invalid": {"fr": "Valeur refusée : {detail}", "en": "Value refused: {detail}"},
    "err_unexpected": {
        "fr": "Une erreur inattendue est survenue. Réessayez ou prévenez l'administrateur.",
        "en": "An unexpected error occurred. Please try again or tell the administrator.",
    },
    "err_bad_id": {
        "fr": "Saisissez un identifiant client composé de chiffres.",
        "en": "Please enter a client ID made of digits.",
    },
    "err_no_client": {"fr": "Ouvrez d'abord un client.", "en": "Open a client first."},
    "err_amount": {
        "fr": "Saisissez un montant de crédit positif.",
        "en": "Please enter a positive credit amount.",
    },
}

GROUP_NAMES: dict[str, dict[Language, str]] = {
    "Loan": {"fr": "Prêt", "en": "Loan"},
    "Identity and family": {"fr": "Identité et famille", "en": "Identity and family"},
    "Income and work": {"fr": "Revenus et emploi", "en": "Income and work"},
    "Housing and assets": {"fr": "Logement et patrimoine", "en": "Housing and assets"},
    "External scores": {"fr": "Scores externes", "en": "External scores"},
    "Other": {"fr": "Autres", "en": "Other"},
}

#: Filter codes of the gateway's comparison groups, worded per language.
INCOME_TYPES: dict[str, dict[Language, str]] = {
    "0": {"fr": "Salarié", "en": "Working"},
    "1": {"fr": "Commercial associé", "en": "Commercial associate"},
    "2": {"fr": "Retraité", "en": "Pensioner"},
    "3": {"fr": "Fonctionnaire", "en": "State servant"},
    "4": {"fr": "Sans emploi", "en": "Unemployed"},
}
EDUCATIONS: dict[str, dict[Language, str]] = {
    "0": {"fr": "Secondaire", "en": "Secondary"},
    "1": {"fr": "Supérieur", "en": "Higher education"},
    "2": {"fr": "Supérieur non terminé", "en": "Incomplete higher"},
    "3": {"fr": "Premier cycle du secondaire", "en": "Lower secondary"},
    "4": {"fr": "Diplôme universitaire", "en": "Academic degree"},
}
CONTRACTS: dict[str, dict[Language, str]] = {
    "0": {"fr": "Prêt en espèces", "en": "Cash loan"},
    "1": {"fr": "Crédit renouvelable", "en": "Revolving loan"},
}
AGE_BANDS: dict[str, dict[Language, str]] = {
    "<30": {"fr": "Moins de 30 ans", "en": "Under 30"},
    "30-40": {"fr": "30 à 40 ans", "en": "30 to 40"},
    "40-50": {"fr": "40 à 50 ans", "en": "40 to 50"},
    "50-60": {"fr": "50 à 60 ans", "en": "50 to 60"},
    "60+": {"fr": "60 ans et plus", "en": "60 and over"},
}


def t(key: str, lang: Language, **values: object) -> str:
    """The text `key` in `lang`, with `values` filled in."""
    text = TEXTS[key][lang]
    return text.format(**values) if values else text


def group_name(group: str, lang: Language) -> str:
    """A field group's name in `lang` (unknown groups are shown as the gateway names them)."""
    return GROUP_NAMES.get(group, {}).get(lang, group)


def _localise(text: str, lang: Language) -> str:
    # French: decimal comma, narrow no-break space as thousands separator.
    return text.replace(",", "\u202f").replace(".", ",") if lang == "fr" else text


def percent(share: float | None, lang: Language) -> str:
    """A probability or share as a percentage; two decimals under 10% so small risks stay distinct."""
    if share is None:
        return "—"
    value = share * 100
    digits = 2 if abs(value) < 10 else 1
    text = f"{value:,.{digits}f}"
    return _localise(text, lang) + ("\u202f%" if lang == "fr" else "%")


def points(share: float, lang: Language) -> str:
    """A difference of probabilities in percentage points."""
    return t("points", lang, value=_localise(f"{abs(share) * 100:.2f}", lang))


def number(value: float | None, lang: Language) -> str:
    """A feature value: whole amounts with thousands separators, small values with 3 significant digits."""
    if value is None or value != value:  # noqa: PLR0124 (NaN test)
        return "—"
    if abs(value) >= 1000 or float(value).is_integer():
        return _localise(f"{value:,.0f}", lang)
    return _localise(f"{value:.3g}", lang)


def money(value: float | None, lang: Language) -> str:
    """An amount of money (the data's currency is not named in the source tables)."""
    return number(value, lang)
