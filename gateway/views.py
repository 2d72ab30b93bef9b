"""Build API answers from domain results (shared by the routers that return a score)."""

from __future__ import annotations

from gateway.decisions import ScoredDecision
from gateway.labels import feature_labels
from gateway.reasons import Language, top_reasons
from gateway.schemas import ContributionOut, ExplanationOut, ReasonOut, ReasonsOut, ScoreOut


def score_out(decision: ScoredDecision, language: Language, *, with_explanation: bool = False) -> ScoreOut:
    """A score with its decision, margin and plain-language reasons (when explained), and on request
    the full explanation of the same decision."""
    score, explanation = decision.score, decision.explanation
    reasons = None
    if explanation is not None:
        raising, lowering = top_reasons(explanation.contributions, language=language)
        reasons = ReasonsOut(
            raising=[ReasonOut(**vars(r)) for r in raising], lowering=[ReasonOut(**vars(r)) for r in lowering]
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
        explanation=explanation_out(decision) if with_explanation else None,
    )


def explanation_out(decision: ScoredDecision) -> ExplanationOut | None:
    """Every contribution of an explained decision, strongest first."""
    explanation = decision.explanation
    if explanation is None:
        return None
    labels = feature_labels()
    return ExplanationOut(
        client_id=decision.client_id,
        model_version=explanation.model_version,
        probability=explanation.probability,
        base_value=explanation.base_value,
        raw_score=explanation.raw_score,
        contributions=[
            ContributionOut(
                feature=c.feature, label=labels.get(c.feature, c.feature), value=c.value, shap=c.shap
            )
            for c in explanation.contributions
        ],
    )
