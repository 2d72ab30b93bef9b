"""Protected attributes: what the model and the lending policy may not take as inputs, and why.

The one list the training, the policy's novelty measure and the tests read. Directive (EU) 2023/2225
(consumer credit, in force since 20 November 2026), Art. 6: no discrimination of consumers on the
grounds listed in Art. 21 of the EU Charter of Fundamental Rights (sex, race or ethnic origin, religion,
disability, age, sexual orientation, ...); the AI Act lists creditworthiness assessment as a high-risk
use. French law, where this lender works, also names family situation (Code pénal, art. 225-1).

What the application holds, decided one by one:
- `EXCLUDED`: never a model input, nor an input of the novelty measure;
- `KEPT_AND_MONITORED`: inputs on purpose, each with the reason it bears on repayment, and measured by
  the fairness report of every version (training.model.fairness) so that its effect is seen.
"""

from __future__ import annotations

#: Feature -> why it is excluded.
EXCLUDED: dict[str, str] = {
    "APP_GENDER_MALE": (
        "sex (CODE_GENDER): a protected ground (EU Charter, Art. 21; Directive 2023/2225, Art. 6) that "
        "says nothing of repayment capacity; insurers may not price on it either (CJEU, Test-Achats, "
        "C-236/09)"
    ),
    "APP_NAME_FAMILY_STATUS_CODE": (
        "marital status (NAME_FAMILY_STATUS): 'situation de famille' is a discrimination ground in French "
        "law (Code pénal, art. 225-1); what the household weighs on affordability is kept, as the number "
        "of family members and children"
    ),
}

#: Feature family -> why it stays an input, and how its effect is watched.
KEPT_AND_MONITORED: dict[str, str] = {
    "age (DAYS_BIRTH: APP_DAYS_BIRTH, APP_AGE_YEARS and the ratios built on them)": (
        "repayment capacity over the term depends on it and the policy's age-at-the-end rule reads it "
        "openly; a difference of treatment by age is lawful when justified and proportionate (Charter "
        "Art. 52; Directive 2000/78, Art. 6 by analogy). The fairness report gives grant rates and the "
        "equal-opportunity gap per age band, split into what the rules and what the score decided"
    ),
    "household size (CNT_FAM_MEMBERS, CNT_CHILDREN, income per family member)": (
        "the household's expenses weigh on what the income can repay (affordability), which a lender "
        "must assess (Directive 2023/2225, Art. 18)"
    ),
    "region (REGION_RATING_CLIENT*, REGION_POPULATION_RELATIVE, address mismatch flags)": (
        "Home Credit's regional ratings carry local economic conditions; place of residence is a ground "
        "in French law, so this is a known limitation left to the compliance review (docs/model card): "
        "the fairness report does not yet measure it"
    ),
}


def is_protected(feature: str) -> bool:
    """Whether `feature` may not be a model or novelty input."""
    return feature in EXCLUDED


def allowed(features: list[str]) -> list[str]:
    """`features` without the protected ones, in order."""
    return [feature for feature in features if not is_protected(feature)]
