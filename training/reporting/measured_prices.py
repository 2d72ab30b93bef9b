"""What the served model's design choices cost, as the quality benchmark measured them over seeds.

Two choices make the served model a lender's model rather than the most accurate one: monotone
constraints (risk grows with the loan) and protected attributes left out of the inputs. Their price is
a difference between trainings on the same data with and without the choice, which one registry does
not hold, so `bench/train.py` measures it on three seeds at scale 0.1 and commits it to
bench/results/train.json; the methodology note quotes it from there with its commit and date.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from credit_common.paths import REPO_ROOT

RESULTS = REPO_ROOT / "bench" / "results" / "train.json"
#: Each measured variant: how it is trained, and the served model's choice it prices.
CHOICES = {
    "unconstrained": ("trained without the monotone constraints", "the monotone constraints"),
    "protected": ("trained with the protected attributes as inputs", "leaving the protected attributes out"),
}


def price_lines(results: Path = RESULTS) -> list[str]:
    """Markdown lines: the served model's and each variant's AUC and policy cost against the oracle's."""
    if not results.is_file():
        return ["Not measured: bench/results/train.json is absent (`python -m bench.train`)."]
    recorded = json.loads(results.read_text())
    seeds = recorded.get("details", {}).get("cases", {}).get("seeds")
    if not seeds:
        return ["Not measured: bench/results/train.json holds no seeds case."]
    summary = seeds["summary"]
    lines = [
        f"Measured by `bench/train.py` at commit `{recorded['commit']}` on {recorded['date'][:10]}: "
        f"{summary['seeds']} seeds at scale {seeds['scale']:g}, {seeds['trials']} trials × {seeds['folds']} "
        "folds each; model / oracle on each seed's hold-out, mean (min–max). What a variant gains over the "
        "served model (a higher AUC, a lower cost) is the price of the choice it does without; never "
        "served, each variant is registered with a `variant` tag.",
        "",
        "| model | AUC / oracle | cost through the policy / oracle's |",
        "|---|---|---|",
        f"| served (constrained, protected attributes out) | {_spread(summary['auc_ratio'])} | "
        f"{_spread(summary['policy_cost_ratio'])} |",
    ]
    absent = []
    for variant, (how, choice) in CHOICES.items():
        if variant not in summary:
            absent.append(choice)
            continue
        measured = summary[variant]
        lines.append(
            f"| {how} | {_spread(measured['auc_ratio'])} | {_spread(measured['policy_cost_ratio'])} |"
        )
    if absent:
        lines += ["", f"Not measured in that run: the price of {' and '.join(absent)}."]
    return lines


def _spread(spread: dict[str, Any]) -> str:
    return f"{spread['mean']:.4f} ({spread['min']:.3f}–{spread['max']:.3f})"
