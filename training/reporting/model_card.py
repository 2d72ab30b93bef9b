"""The model card of a registered version, generated from what the registry holds of it.

The AI Act asks technical documentation of a high-risk system; a model card is its per-version part:
what the model is for and for whom, the data and its period, the attributes left out and why, the
constraints, performance overall and per group, the threshold and the cost it was chosen for, the
known limitations, and a fairness override when one was recorded. Every figure is read from the
version's tags, its run's parameters and metrics, and its artifacts (fairness/report.json); nothing is
written by hand, so the card cannot drift from the version it describes. It is logged with the version
(`model_card.md` in its run) and `python -m training report` writes the champion's to docs/.
"""

from __future__ import annotations

import json
import math
from typing import Any

import mlflow
from mlflow import MlflowClient
from mlflow.exceptions import MlflowException

from credit_features.protected import EXCLUDED, KEPT_AND_MONITORED
from credit_model.lending_policy import PolicyBounds
from training.model import tracking

CARD_FILE = "model_card.md"
_LIMITATIONS = (
    "Trained and evaluated on synthetic data with the schema of the Kaggle 'Home Credit Default Risk' "
    "tables unless the data line says otherwise: its figures say how the method behaves, not how a "
    "real portfolio would.",
    "The probability is calibrated on the hold-out of the training period; a drift of the population "
    "(see the monitoring report) moves it.",
    "Region and household size are inputs; place of residence and family situation are discrimination "
    "grounds in French law, and how far they act as proxies is not yet measured per group.",
    "A referred file is decided by a person; the model's figures count a referral as a refusal.",
)


def _pct(value: Any) -> str:
    number = float(value)
    return "n/a" if math.isnan(number) else f"{100 * number:.1f} %"


def _number(value: Any, digits: int = 3) -> str:
    number = float(value)
    return "n/a" if math.isnan(number) else f"{number:.{digits}f}"


def fairness_lines(report: dict[str, Any] | None, tags: dict[str, str]) -> list[str]:
    if report is None:
        return ["No fairness report was logged with this version (registered before the reports)."]
    against = "the oracle's decisions on the same rows" if report["relative_to_oracle"] else "absolute bounds"
    lines = [
        f"Judged against {against}; bounds: {json.dumps(report['bounds'])}. "
        f"Within bounds: **{'yes' if report['within_bounds'] else 'no'}**.\n",
        "| attribute | who | grant-rate ratio (score) | opportunity gap (score) | grant-rate ratio (all) "
        "| gap (all) |",
        "|---|---|---|---|---|---|",
    ]
    for attribute, figures in report["model"].items():
        rows = [("model", figures)]
        if report.get("oracle"):
            rows.append(("oracle", report["oracle"][attribute]))
        for who, values in rows:
            lines.append(
                f"| {attribute} | {who} | {_number(values['grant_ratio'])} "
                f"| {_pct(values['opportunity_gap'])} "
                f"| {_number(values.get('overall_grant_ratio', math.nan))} "
                f"| {_pct(values.get('overall_gap', math.nan))} |"
            )
    for breach in report["breaches"]:
        lines.append(
            f"- Breach: {breach['attribute']} {breach['figure']} {_number(breach['value'])} "
            f"against a bound of {_number(breach['bound'])}."
        )
    if tags.get(tracking.OVERRIDE_BY_TAG):
        lines.append(
            f"- **Override recorded** by {tags[tracking.OVERRIDE_BY_TAG]} on "
            f"{tags.get(tracking.OVERRIDE_AT_TAG, '?')}: {tags.get(tracking.OVERRIDE_WHY_TAG, '')}"
        )
    return lines


def fairness_report_of(run_id: str) -> dict[str, Any] | None:
    """The fairness report a run logged (None: registered before the reports)."""
    try:
        return mlflow.artifacts.load_dict(f"runs:/{run_id}/{tracking.FAIRNESS_REPORT}")
    except (MlflowException, OSError):
        return None


def excluded_lines(metrics: dict[str, float]) -> list[str]:
    """The excluded attributes with why, and how much the inputs carry of each (proxy AUC)."""
    proxies = {k.removeprefix("proxy_auc."): v for k, v in metrics.items() if k.startswith("proxy_auc.")}
    return [
        *[f"- `{name}`: {why}." for name, why in EXCLUDED.items()],
        "",
        "How much the remaining inputs carry of each (AUC of a proxy model; 0.5 is nothing): "
        + (", ".join(f"`{k}` {v:.3f}" for k, v in proxies.items()) or "not measured")
        + ".",
    ]


def model_card(version_name: str, client: MlflowClient | None = None) -> str:
    """The card of registered version `version_name`, as Markdown."""
    client = client or MlflowClient()
    version, run = tracking.version_run(version_name, client)
    tags, metrics = version.tags, run.data.metrics
    parent_id = run.data.tags.get("mlflow.parentRunId")
    # the training's parameters (rows, features, data period) are its parent run's
    params = {**(client.get_run(parent_id).data.params if parent_id else {}), **run.data.params}
    fairness = fairness_report_of(run.info.run_id)
    bounds = PolicyBounds()
    serving = "never served: a measurement variant" if tags.get(tracking.VARIANT_TAG) else "may serve"
    sections = [
        f"# Model card: {tracking.MODEL_NAME}, version {version.version}",
        f"Generated from the registry ({run.info.run_id}); {serving}.",
        "## Intended use and users",
        "Estimates the probability that a consumer-credit applicant of Prêt à dépenser defaults, for a "
        "decision through the lending policy (granted, refused, or referred to an advisor) and its "
        "explanation. Users: the lender's advisors (the advisors' app), its decision systems (the REST "
        "API), and through the letter, the client. Not for: any other product, marketing, or a decision "
        "without the policy and the client's right to a human review (Directive (EU) 2023/2225, Art. 18).",
        "## Data",
        f"Data: {run.data.tags.get('eval_data_source') or params.get('dataset', 'n/a')}. "
        f"{params.get('rows_train', '?')} training and {params.get('rows_holdout', '?')} hold-out "
        "applications, "
        f"{params.get('features', '?')} features, applications from {params.get('data_from', 'n/a')} to "
        f"{params.get('data_until', 'n/a')}.",
        "## Excluded attributes",
        "\n".join(excluded_lines(metrics)),
        "Kept on purpose and watched:",
        "\n".join(f"- {family}: {why}." for family, why in KEPT_AND_MONITORED.items()),
        "## Constraints",
        f"Risk is monotone in the directions declared beside each feature (feature_repo/sql): violations "
        f"found by the property test: {tags.get(tracking.MONOTONE_TAG, 'not checked')}. Lending policy "
        f"`{tags.get('lending_policy', 'none')}`: refuses above {bounds.max_annuity_income:.0%} of income in "
        f"repayments, above {bounds.max_credit_income:g} times the income in credit, beyond "
        f"{bounds.max_age_at_end:g} years of age at the end of the loan; refers files missing required "
        "information or unlike the training population (novelty, about 1 % of training).",
        "## Performance",
        f"Hold-out: AUC {_number(tags.get('holdout_auc', math.nan))}, business cost "
        f"{_number(tags.get('holdout_business_cost', math.nan))} per application (the model alone), "
        f"{_number(metrics.get('holdout_policy_cost', math.nan))} through the lending policy.",
        "Per group (training.model.fairness), on the hold-out:",
        "\n".join(fairness_lines(fairness, tags)),
        "## Threshold and cost assumptions",
        f"Refused from a probability of {_number(tags.get('threshold', math.nan), 4)}: the threshold that "
        f"minimises the cross-validated business cost, a missed defaulter costing "
        f"{tags.get('cost_fn', '?')} and a wrongly refused good client {tags.get('cost_fp', '?')}.",
        "## Known limitations",
        "\n".join(f"- {line}" for line in _LIMITATIONS),
    ]
    return "\n\n".join(sections) + "\n"
