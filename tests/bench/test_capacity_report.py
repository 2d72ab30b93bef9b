"""The verdict of a capacity run: where capacity gives out, figures beside goals, when not to trust it."""

from __future__ import annotations

import argparse

import pytest

from bench.capacity_report import capacity, knee, record
from bench.stamp import BenchRun

pytestmark = pytest.mark.unit


def _row(rate: float, p99: float, errors: int = 0, mix: str = "cold", **extra: object) -> dict:
    cores = {"gateway": 0.9, "explain": 0.4, "machine": 1.6, "other": 0.05, "load generator": 0.05}
    row = {"rate": rate, "p99_ms": p99, "errors": errors, "mix": mix, "step": f"{mix} {rate:g}"}
    return (
        row
        | {
            "achieved_rps": rate,
            "sent": int(rate * 60),
            "first_visits": 3562,
            "generator_cpu": 0.05,
            "lag_p99_ms": 0.4,
            "gateway_cpu_ms": 0.9 * 1000 / rate,
            "cores": cores,
        }
        | extra
    )


def test_knee_is_the_first_step_past_50_ms() -> None:
    rows = [_row(100, 8), _row(200, 12), _row(300, 51), _row(400, 40)]
    assert knee(rows) == (300, True)


def test_errors_end_capacity_even_with_a_fast_p99() -> None:
    assert knee([_row(100, 8), _row(200, 9, errors=1)]) == (200, True)


def test_a_ramp_that_never_gives_out_says_so() -> None:
    assert knee([_row(100, 8), _row(200, 50)]) == (200, False), "50 ms is not past 50 ms"


def test_figures_hold_the_goal_of_the_issue_and_say_where_capacity_gives_out() -> None:
    args = argparse.Namespace(rate=200.0, goal_p99=15.0)
    rows = {
        "goal": [_row(200, 12.5, mix="cold"), _row(200, 16.0, mix="warm", achieved_rps=190.0)],
        "ramp": [_row(100, 9), _row(200, 12), _row(300, 80), _row(100, 9, mix="warm")],
    }
    run = BenchRun("capacity", {})
    lines = record(run, rows, args)
    met = {key: figure.met for key, figure in run.figures.items()}
    assert met == {
        "cold_p99_ms": True,
        "cold_errors": True,
        "cold_achieved_rps": True,
        "cold_gateway_cpu_ms": False,
        "cold_knee_rps": None,
        "cold_capacity_rps": False,
        "warm_p99_ms": False,
        "warm_errors": True,
        "warm_achieved_rps": False,
        "warm_gateway_cpu_ms": False,
        "warm_knee_rps": None,
        "warm_capacity_rps": False,
        "generator_cpu": True,
        "generator_lag_p99_ms": True,
        "outside_cores": True,
    }
    assert run.figures["cold_knee_rps"].value == 300
    assert run.figures["cold_capacity_rps"].value == 200, "the last rate before p99 passed 15 ms"
    assert run.figures["cold_gateway_cpu_ms"].value == 4.5, "0.9 cores for 200 decisions a second"
    assert "not reached" in run.figures["warm_knee_rps"].label, "the warm ramp held up to its top rate"
    assert any(line.startswith("cold: capacity gives out at 300 req/s") for line in lines)
    assert not any("Not to be trusted" in line for line in lines)


def test_capacity_is_the_last_rate_served_whole_within_15_ms() -> None:
    assert capacity([_row(100, 5), _row(200, 9), _row(400, 14.9), _row(800, 15.1)]) == 400
    assert capacity([_row(100, 5), _row(200, 9, errors=1), _row(400, 9)]) == 100, "an error ends it"
    assert capacity([_row(100, 5), _row(200, 9, achieved_rps=190)]) == 100, "so does a rate not achieved"
    assert capacity([_row(100, 16)]) == 0


def test_a_late_generator_or_a_busy_machine_makes_the_run_untrusted() -> None:
    args = argparse.Namespace(rate=200.0, goal_p99=15.0)
    busy = _row(200, 12.0, cores={"gateway": 0.5, "machine": 2.0, "other": 0.9, "load generator": 0.1})
    run = BenchRun("capacity", {})
    lines = record(run, {"goal": [busy, _row(200, 12.0, mix="warm", lag_p99_ms=30.0)], "ramp": []}, args)
    assert run.figures["outside_cores"].met is False
    assert run.figures["generator_lag_p99_ms"].met is False
    assert any("Not to be trusted" in line for line in lines)
