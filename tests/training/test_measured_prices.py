"""The methodology note quotes the choices' measured price from the benchmark's results, with provenance."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from training.reporting.measured_prices import price_lines, training_results

pytestmark = pytest.mark.unit


def _spread(mean: float) -> dict[str, float]:
    return {"mean": mean, "min": mean - 0.01, "max": mean + 0.01, "sd": 0.01}


def _results(
    path: Path, variants: tuple[str, ...], trials: int = 10, date: str = "2026-12-06T20:00:00+00:00"
) -> Path:
    summary = {"seeds": 3, "auc_ratio": _spread(0.9851), "policy_cost_ratio": _spread(1.002)}
    summary |= {name: {"auc_ratio": _spread(0.99), "policy_cost_ratio": _spread(0.97)} for name in variants}
    seeds = {"scale": 0.1, "trials": trials, "folds": 5, "summary": summary}
    path.write_text(json.dumps({"commit": "abc123", "date": date, "details": {"cases": {"seeds": seeds}}}))
    return path


def test_each_measured_variant_is_a_row_beside_the_served_model(tmp_path: Path) -> None:
    lines = price_lines([_results(tmp_path / "train.json", ("unconstrained", "protected"))])
    assert lines[0].startswith("Measured by `bench/train.py` at commit `abc123` on 2026-12-06: 3 seeds")
    rows = [line for line in lines if line.startswith("| ") and "---" not in line][1:]
    assert rows == [
        "| served (constrained, protected attributes out) | 0.9851 (0.975–0.995) | 1.0020 (0.992–1.012) |",
        "| trained without the monotone constraints | 0.9900 (0.980–1.000) | 0.9700 (0.960–0.980) |",
        "| trained with the protected attributes as inputs | 0.9900 (0.980–1.000) | 0.9700 (0.960–0.980) |",
    ]
    assert not any("Not measured" in line for line in lines)


def test_what_a_run_did_not_measure_is_said(tmp_path: Path) -> None:
    lines = price_lines([_results(tmp_path / "train.json", ("unconstrained",))])
    assert lines[-1] == "Not measured in that run: the price of leaving the protected attributes out."
    assert price_lines([tmp_path / "absent.json"])[0].startswith("Not measured: no bench/results/train")


def test_every_kept_run_is_quoted_newest_first_with_its_own_budget(tmp_path: Path) -> None:
    _results(tmp_path / "train-10-trials.json", ("unconstrained", "protected"))
    _results(tmp_path / "train.json", ("unconstrained",), trials=30, date="2026-12-07T00:00:00+00:00")
    lines = price_lines(training_results(tmp_path))
    provenance = [line for line in lines if line.startswith("Measured by")]
    assert "on 2026-12-07: 3 seeds at scale 0.1, 30 trials × 5 folds" in provenance[0]
    assert "on 2026-12-06: 3 seeds at scale 0.1, 10 trials × 5 folds" in provenance[1]
    assert sum(line.startswith("| served") for line in lines) == 2
    assert sum(line.startswith("| trained with the protected") for line in lines) == 1
