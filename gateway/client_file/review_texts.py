"""The review reasons in the client's language, for the letter (the advisors' list: credit_model.reviews)."""

from __future__ import annotations

from credit_features.catalog import Language
from credit_model.review_terms import REASONS

_FRENCH: dict[str, str] = {
    "as_assessed": "le dossier a été correctement évalué : la décision est maintenue",
    "information_completed": "vous avez complété les informations qui manquaient au dossier",
    "income_verified": "les justificatifs de revenus ou de charges modifient votre capacité de remboursement",
    "data_error": "une donnée du dossier était erronée et a été corrigée",
    "circumstances_changed": "votre situation a changé depuis la demande",
    "risk_misjudged": "le conseiller estime que le risque de votre dossier avait été mal évalué",
    "policy_exception": "une dérogation à notre politique de crédit, accordée par une personne habilitée",
    "other": "un autre motif, précisé par votre conseiller",
}
assert set(_FRENCH) == set(REASONS), "every review reason has its French text"


def reason_text(reason: str, language: Language) -> str:
    """A review reason's meaning, in `language`."""
    return _FRENCH[reason] if language == "fr" else REASONS[reason]
