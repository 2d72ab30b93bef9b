"""The reasons of a decision as they were served, kept with it in the prediction log.

The gateway records them from the answer it gives; a replay (training.replay) derives them again from
the registry and the recorded row, and the two must be the same bits. Only numbers and names are kept:
the sentences an advisor reads are the gateway's rendering of these, in the language asked for.

JSON keeps every float exactly (Python writes the shortest text that reads back to the same double,
NaN as `NaN`), so comparing two records' canonical JSON compares their values bit for bit.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from credit_model.contributions import Explanation
from credit_model.lending_policy import PolicyDecision, PolicyReason

FORMAT = 1


@dataclass(frozen=True)
class ServedReasons:
    """What a decision's answer held besides its probability and outcome.

    `explained`: the explain service answered (contributions listed, largest |SHAP| first as it ranked
    them, `each_way` per direction and family, 0 for all). Otherwise Scoring answered alone and
    `missing_reason` says why; the probability then came from the scorer's log-odds, not from base +
    Σ contributions, which can differ in the last bit.
    """

    explained: bool
    each_way: int
    policy_reasons: tuple[PolicyReason, ...] = ()
    base_value: float | None = None
    raw_score: float | None = None
    contributions: tuple[tuple[str, float], ...] = ()
    omitted_shap: float = 0.0
    families: tuple[tuple[str, float], ...] = ()
    missing_reason: str | None = None

    @classmethod
    def of_explanation(
        cls, explanation: Explanation, each_way: int, decided: PolicyDecision
    ) -> ServedReasons:
        """The reasons an explanation gives when `each_way` are asked (as the explain service lists them)."""
        listed = explanation.by_impact(each_way)
        return cls(
            explained=True,
            each_way=each_way,
            policy_reasons=decided.reasons,
            base_value=explanation.base_value,
            raw_score=explanation.raw_score,
            contributions=tuple(
                (explanation.features[i], float(explanation.contributions[i])) for i in listed
            ),
            omitted_shap=explanation.omitted_shap(listed),
            families=tuple((key, impact) for key, impact, _ in explanation.family_impacts()),
        )

    def to_json(self) -> str:
        """The canonical JSON text (the same reasons always give the same text)."""
        body: dict[str, Any] = {
            "format": FORMAT,
            "explained": self.explained,
            "each_way": self.each_way,
            "policy_reasons": [
                {
                    "rule": r.rule,
                    "outcome": r.outcome,
                    "value": r.value,
                    "bound": r.bound,
                    "fields": list(r.fields),
                }
                for r in self.policy_reasons
            ],
            "base_value": self.base_value,
            "raw_score": self.raw_score,
            "contributions": [list(pair) for pair in self.contributions],
            "omitted_shap": self.omitted_shap,
            "families": [list(pair) for pair in self.families],
            "missing_reason": self.missing_reason,
        }
        return json.dumps(body, separators=(",", ":"))

    @classmethod
    def from_json(cls, text: str) -> ServedReasons:
        """Read back; ValueError naming the field when the text is not this format."""
        body = json.loads(text)
        if body.get("format") != FORMAT:
            raise ValueError(f"reasons: format {body.get('format')!r}, expected {FORMAT}")
        try:
            return cls(
                explained=bool(body["explained"]),
                each_way=int(body["each_way"]),
                policy_reasons=tuple(
                    PolicyReason(
                        r["rule"], r["outcome"], float(r["value"]), float(r["bound"]), tuple(r["fields"])
                    )
                    for r in body["policy_reasons"]
                ),
                base_value=body["base_value"],
                raw_score=body["raw_score"],
                contributions=tuple((str(name), float(shap)) for name, shap in body["contributions"]),
                omitted_shap=float(body["omitted_shap"]),
                families=tuple((str(key), float(impact)) for key, impact in body["families"]),
                missing_reason=body["missing_reason"],
            )
        except KeyError as error:
            raise ValueError(f"reasons: field {error.args[0]} missing") from error

    def differences(self, other: ServedReasons) -> list[str]:
        """What differs from `other`, field by field (empty: the same bits)."""
        mine, theirs = json.loads(self.to_json()), json.loads(other.to_json())
        found = []
        for key in mine:
            if json.dumps(mine[key]) == json.dumps(theirs[key]):
                continue
            if key == "contributions" and len(mine[key]) == len(theirs[key]):
                found += [
                    f"contribution {i + 1}: {a[0]} {a[1]!r} against {b[0]} {b[1]!r}"
                    for i, (a, b) in enumerate(zip(mine[key], theirs[key], strict=True))
                    if a != b
                ]
            else:
                found.append(f"{key}: {_short(mine[key])} against {_short(theirs[key])}")
        return found


def _short(value: Any) -> str:
    text = json.dumps(value)
    return text if len(text) <= 120 else text[:117] + "..."
