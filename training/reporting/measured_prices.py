"""What the served model's design choices cost, as the quality benchmark measured them over seeds.

Two choices make the served model a lender's model rather than the most accurate one: monotone
constraints (risk grows with the loan) and protected attributes left out of the inputs. Their price is
a difference between trainings on the same data with and without the choice, which one registry does
not hold, so `bench/train.py` measures it on three seeds at scale 0.1 and commits it to
bench/results/train.json. A run at a larger search budget may measure only some variants; the run it
replaced is kept beside it as train-<trials>-trials.json, and the methodology note quotes every run,
each with its commit, date and budget, newest first: a price is only read within one run.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from credit_common.paths import REPO_ROOT

RESULTS_DIR = REPO_ROOT / "bench" / "results"
#: Each measured variant: how it is trained, and the served model's choice it prices.
CHOICES = {
    "unconstrained": ("trained without the monotone constraints", "the monotone constraints"),
    "protected": ("trained with the protected attributes as inputs", "leaving the protected attributes out"),
}


def training_results(folder: Path = RESULTS_DIR) -> list[Path]:
    """The training benchmark's results files: train.json and the earlier runs kept beside it."""
    return sorted(folder.glob("train*.json"))


def price_lines(results: Sequence[Path] | None = None) -> list[str]:
    """Markdown lines: per run, newest first, the served model's and each variant's AUC and policy
    cost against the oracle's."""
    runs = [_seeds_run(path) for path in (training_results() if results is None else results)]
    measured = sorted((run for run in runs if run is not None), key=lambda run: run["date"], reverse=True)
    if not measured:
        return ["Not measured: no bench/results/train*.json holds a seeds case (`python -m bench.train`)."]
    lines: list[str] = []
    for recorded in measured:
        lines += ([""] if lines else []) + _run_lines(recorded)
    return lines


def _seeds_run(path: Path) -> dict[str, Any] | None:
    if not path.is_file():
        return None
    recorded = json.loads(path.read_text())
    return recorded if recorded.get("details", {}).get("cases", {}).get("seeds") else None


def _run_lines(recorded: dict[str, Any]) -> list[str]:
    seeds = recorded["details"]["cases"]["seeds"]
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
