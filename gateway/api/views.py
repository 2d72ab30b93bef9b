"""Build API answers from domain results (shared by the routers that return a score)."""

from __future__ import annotations

import math

from credit_features.families import family
from credit_model.lending_policy import PolicyReason
from explain_service.client import Contribution, Explanation
from gateway.api.schemas import (
    ContributionOut,
    ExplanationOut,
    FamilyOut,
    FamilyReasonOut,
    PolicyReasonOut,
    ReasonOut,
    ReasonsOut,
    ScoreOut,
)
from gateway.decisions.families import by_family
from gateway.decisions.labels import feature_labels
from gateway.decisions.points import sigmoid
from gateway.decisions.policy_texts import sentence
from gateway.decisions.reasons import Language, Reason, display, family_reasons, scale_of, top_reasons
from gateway.decisions.service import ScoredDecision


def _reason_out(reason: Reason) -> ReasonOut:
    return ReasonOut(**vars(reason))


def score_out(decision: ScoredDecision, language: Language, *, with_explanation: bool = False) -> ScoreOut:
    """A score with its decision, margin and plain-language reasons (when explained), and on request
    the full explanation of the same decision."""
    score, explanation = decision.score, decision.explanation
    reasons = None
    if explanation is not None:
        raising, lowering = top_reasons(explanation, language=language)
        reasons = ReasonsOut(
            base_probability=sigmoid(explanation.base_value),
            raising=[_reason_out(r) for r in raising],
            lowering=[_reason_out(r) for r in lowering],
            families=[
                FamilyReasonOut(
                    family=f.family,
                    label=f.label,
                    impact=f.impact,
                    points=f.points,
                    direction=f.direction,
                    sentence=f.sentence,
                    top=[_reason_out(r) for r in f.top],
                )
                for f in family_reasons(explanation, language)
            ],
        )
    return ScoreOut(
        request_id=decision.request_id,
        client_id=decision.client_id,
        probability=score.probability,
        decision=score.outcome,
        policy_reasons=[policy_reason_out(reason, language) for reason in score.policy_reasons],
        policy_version=score.policy_version,
        threshold=score.threshold,
        margin=score.threshold - score.probability,
        model_name=score.model_name,
        model_version=score.model_version,
        explanation_available=explanation is not None,
        explanation_missing_reason=decision.explanation_missing_reason,
        reasons=reasons,
        explanation=(
            explanation_out(decision.client_id, explanation, language)
            if with_explanation and explanation is not None
            else None
        ),
    )


def policy_reason_out(reason: PolicyReason, language: Language) -> PolicyReasonOut:
    return PolicyReasonOut(
        rule=reason.rule,
        outcome=reason.outcome,
        value=None if math.isnan(reason.value) else reason.value,
        bound=None if math.isnan(reason.bound) else reason.bound,
        fields=list(reason.fields),
        sentence=sentence(reason, language),
    )


def explanation_out(client_id: int, explanation: Explanation, language: Language = "en") -> ExplanationOut:
    """Every contribution of an explained decision, strongest first, and their sums by family."""
    labels = feature_labels(language)
    scale = scale_of(explanation)

    def contribution_out(c: Contribution) -> ContributionOut:
        return ContributionOut(
            feature=c.feature,
            label=labels.get(c.feature, c.feature),
            value=c.value,
            display_value=display(c.feature, c.value, language),
            shap=c.shap,
            points=scale * c.shap,
            family=c.family,
        )

    return ExplanationOut(
        client_id=client_id,
        model_version=explanation.model_version,
        probability=explanation.probability,
        base_value=explanation.base_value,
        base_probability=sigmoid(explanation.base_value),
        raw_score=explanation.raw_score,
        contributions=[contribution_out(c) for c in explanation.contributions],
        families=[
            FamilyOut(
                family=group.family,
                label=family(group.family).label(language),
                impact=group.impact,
                points=scale * group.impact,
                direction=group.direction,
                features=[contribution_out(c) for c in group.contributions],
            )
            for group in by_family(explanation)
        ],
    )
