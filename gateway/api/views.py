"""Build API answers from domain results, as the JSON-ready structures their response models describe
(dicts, and the reasons' own dataclasses as dicts).

Why not the models themselves: the decision path serializes these as they are (gateway.api.json_answer),
once, instead of building some forty pydantic objects a score that FastAPI would then validate and
serialize again; the other routes hand them to their response model, which validates them.
"""

from __future__ import annotations

import math
from typing import Any

from credit_features.families import family
from credit_model.lending_policy import PolicyReason
from explain_service.client import Contribution, Explanation
from gateway.decisions.families import by_family
from gateway.decisions.labels import feature_labels
from gateway.decisions.points import sigmoid
from gateway.decisions.policy_texts import sentence
from gateway.decisions.reasons import FamilyReason, Language, display, family_reasons, scale_of, top_reasons
from gateway.decisions.service import ScoredDecision

#: A JSON object under construction: what a response model (gateway.api.schemas) describes.
Body = dict[str, Any]


def score_body(decision: ScoredDecision, language: Language, *, with_explanation: bool = False) -> Body:
    """A score (schemas.ScoreOut) with its decision, margin and plain-language reasons (when explained),
    and on request the full explanation of the same decision."""
    score, explanation = decision.score, decision.explanation
    return {
        "request_id": decision.request_id,
        "client_id": decision.client_id,
        "probability": score.probability,
        "decision": score.outcome,
        "policy_reasons": [policy_reason_body(reason, language) for reason in score.policy_reasons],
        "policy_version": score.policy_version,
        "threshold": score.threshold,
        "margin": score.threshold - score.probability,
        "model_name": score.model_name,
        "model_version": score.model_version,
        "explanation_available": explanation is not None,
        "explanation_missing_reason": decision.explanation_missing_reason,
        "reasons": (
            None
            if explanation is None
            else decision.derived(("reasons", language), lambda: reasons_body(explanation, language))
        ),
        "explanation": (
            explanation_body(decision.client_id, explanation, language)
            if with_explanation and explanation is not None
            else None
        ),
    }


def reasons_body(explanation: Explanation, language: Language) -> Body:
    """The top reasons each way and every family as a reason (schemas.ReasonsOut)."""
    raising, lowering = top_reasons(explanation, language=language)
    return {
        "base_probability": sigmoid(explanation.base_value),
        "raising": [vars(r) for r in raising],
        "lowering": [vars(r) for r in lowering],
        "families": [_family_reason_body(f) for f in family_reasons(explanation, language)],
    }


def _family_reason_body(reason: FamilyReason) -> Body:
    return {**vars(reason), "top": [vars(r) for r in reason.top]}


def policy_reason_body(reason: PolicyReason, language: Language) -> Body:
    """One rule of the lending policy that fired (schemas.PolicyReasonOut)."""
    return {
        "rule": reason.rule,
        "outcome": reason.outcome,
        "value": None if math.isnan(reason.value) else reason.value,
        "bound": None if math.isnan(reason.bound) else reason.bound,
        "fields": list(reason.fields),
        "sentence": sentence(reason, language),
    }


def explanation_body(client_id: int, explanation: Explanation, language: Language = "en") -> Body:
    """Every contribution of an explained decision, strongest first, and their sums by family
    (schemas.ExplanationOut)."""
    labels = feature_labels(language)
    scale = scale_of(explanation)

    def contribution(c: Contribution) -> Body:
        return {
            "feature": c.feature,
            "label": labels.get(c.feature, c.feature),
            "value": c.value,
            "display_value": display(c.feature, c.value, language),
            "shap": c.shap,
            "points": scale * c.shap,
            "family": c.family,
        }

    return {
        "client_id": client_id,
        "model_version": explanation.model_version,
        "probability": explanation.probability,
        "base_value": explanation.base_value,
        "base_probability": sigmoid(explanation.base_value),
        "raw_score": explanation.raw_score,
        "contributions": [contribution(c) for c in explanation.contributions],
        "families": [
            {
                "family": group.family,
                "label": family(group.family).label(language),
                "impact": group.impact,
                "points": scale * group.impact,
                "direction": group.direction,
                "features": [contribution(c) for c in group.contributions],
            }
            for group in by_family(explanation)
        ],
    }
