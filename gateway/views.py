"""Build API answers from domain results (shared by the routers that return a score)."""

from __future__ import annotations

from credit_features.families import family
from explain_service.client import Contribution
from gateway.decisions import ScoredDecision
from gateway.families import by_family
from gateway.labels import feature_labels
from gateway.reasons import Language, Reason, family_reasons, top_reasons
from gateway.schemas import (
    ContributionOut,
    ExplanationOut,
    FamilyOut,
    FamilyReasonOut,
    ReasonOut,
    ReasonsOut,
    ScoreOut,
)


def _reason_out(reason: Reason) -> ReasonOut:
    return ReasonOut(**vars(reason))


def score_out(decision: ScoredDecision, language: Language, *, with_explanation: bool = False) -> ScoreOut:
    """A score with its decision, margin and plain-language reasons (when explained), and on request
    the full explanation of the same decision."""
    score, explanation = decision.score, decision.explanation
    reasons = None
    if explanation is not None:
        raising, lowering = top_reasons(explanation.contributions, language=language)
        reasons = ReasonsOut(
            raising=[_reason_out(r) for r in raising],
            lowering=[_reason_out(r) for r in lowering],
            families=[
                FamilyReasonOut(
                    family=f.family,
                    label=f.label,
                    impact=f.impact,
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
        decision="refused" if score.refused else "granted",
        threshold=score.threshold,
        margin=score.threshold - score.probability,
        model_name=score.model_name,
        model_version=score.model_version,
        explanation_available=explanation is not None,
        explanation_missing_reason=decision.explanation_missing_reason,
        reasons=reasons,
        explanation=explanation_out(decision, language) if with_explanation else None,
    )


def explanation_out(decision: ScoredDecision, language: Language = "en") -> ExplanationOut | None:
    """Every contribution of an explained decision, strongest first, and their sums by family."""
    explanation = decision.explanation
    if explanation is None:
        return None
    labels = feature_labels(language)

    def contribution_out(c: Contribution) -> ContributionOut:
        return ContributionOut(
            feature=c.feature,
            label=labels.get(c.feature, c.feature),
            value=c.value,
            shap=c.shap,
            family=c.family,
        )

    return ExplanationOut(
        client_id=decision.client_id,
        model_version=explanation.model_version,
        probability=explanation.probability,
        base_value=explanation.base_value,
        raw_score=explanation.raw_score,
        contributions=[contribution_out(c) for c in explanation.contributions],
        families=[
            FamilyOut(
                family=group.family,
                label=family(group.family).label(language),
                impact=group.impact,
                direction=group.direction,
                features=[contribution_out(c) for c in group.contributions],
            )
            for group in by_family(explanation)
        ],
    )
