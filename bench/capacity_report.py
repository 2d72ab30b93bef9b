"""What a capacity run measured, told: where capacity gives out, figures beside goals, a table.

Kept apart from the run itself (bench.capacity) so that the rules of the verdict (when a ramp step
fails, when a run is not to be trusted) read in one place and are tested without the product.
"""

from __future__ import annotations

import argparse
from typing import Any

from rich.table import Table

from bench.platform import GENERATOR
from bench.stamp import BenchRun

KNEE_P99_MS = 50.0  # where capacity "gives out"
#: Issue 31's capacity: the highest rate whose p99 stays within this, with no error.
CAPACITY_P99_MS, CAPACITY_GOAL_RPS = 15.0, 800.0


def passes(row: dict[str, Any]) -> bool:
    """A ramp step holds when it has no error and its p99 is at most 50 ms."""
    return row["errors"] == 0 and row["p99_ms"] <= KNEE_P99_MS


def _busiest(cores: dict[str, float]) -> str:
    name = max((k for k in cores if k not in {"machine", "other", GENERATOR}), key=cores.__getitem__)
    return f"{name} {cores[name]:.2f}"


def step_line(row: dict[str, Any]) -> str:
    """One step in a line, printed as soon as it ends."""
    return (
        f"{row['step']}: {row['achieved_rps']:g} req/s, p99 {row['p99_ms']:g} ms, errors {row['errors']}, "
        f"busiest {_busiest(row['cores'])} cores, generator {row['generator_cpu']:.2f}"
    )


def knee(rows: list[dict[str, Any]]) -> tuple[float, bool]:
    """The first ramp rate whose p99 passes 50 ms or that has errors (True), else the top rate (False)."""
    failing = [row["rate"] for row in rows if not passes(row)]
    return (failing[0], True) if failing else (max(row["rate"] for row in rows), False)


_COLUMNS = {  # header -> row key
    "req/s": "rate",
    "achieved": "achieved_rps",
    "p50 ms": "p50_ms",
    "p90 ms": "p90_ms",
    "p99 ms": "p99_ms",
    "max ms": "max_ms",
    "errors": "errors",
    "lag p99": "lag_p99_ms",
    "gen CPU": "generator_cpu",
    "gw ms CPU": "gateway_cpu_ms",
}


def table(rows: dict[str, list[dict[str, Any]]]) -> Table:
    """Every step, goal runs first, as one table."""
    grid = Table(title="GET /v1/clients/{id}/score, open loop, the whole demo on this machine (cores: CPU)")
    for column in ["step", *_COLUMNS, "busiest (cores)", "machine"]:
        grid.add_column(column, justify="left" if column == "step" else "right")
    for row in rows["goal"] + rows["ramp"]:
        cells = [f"{row[key]:g}" for key in _COLUMNS.values()]
        grid.add_row(row["step"], *cells, _busiest(row["cores"]), f"{row['cores']['machine']:.2f}")
    return grid


def _where(row: dict[str, Any]) -> str:
    cores = row["cores"]
    return (
        f"p99 {row['p99_ms']:g} ms, {row['errors']} errors, {row['achieved_rps']:g} req/s achieved; busiest "
        f"{_busiest(cores)} cores; machine {cores['machine']:.2f} cores busy, {cores['other']:.2f} of them "
        "outside the demo, Redis and the generator"
    )


def _goal_figures(run: BenchRun, row: dict[str, Any], args: argparse.Namespace) -> str:
    """The issue's goal at `--rate` for one mix: p99, errors, achieved rate."""
    mix, rate = row["mix"], f"{args.rate:g} req/s"
    run.figure(
        f"{mix}_p99_ms", row["p99_ms"], unit="ms", label=f"p99 at {rate}, {mix}", goal=f"<= {args.goal_p99:g}"
    )
    run.figure(f"{mix}_errors", row["errors"], unit="", label=f"errors at {rate}, {mix}", goal="== 0")
    achieved, floor = f"achieved rate at {rate}, {mix}", f">= {0.99 * args.rate:g}"
    run.figure(f"{mix}_achieved_rps", row["achieved_rps"], unit="req/s", label=achieved, goal=floor)
    run.figure(
        f"{mix}_gateway_cpu_ms",
        row["gateway_cpu_ms"],
        unit="ms",
        label=f"gateway CPU per decision at {rate}, {mix}",
        goal="<= 1",
    )
    return f"{mix} at {rate}: {_where(row)} ({row['first_visits']} of {row['sent']} first visits)"


def capacity(rows: list[dict[str, Any]], p99_ms: float = CAPACITY_P99_MS) -> float:
    """The highest ramp rate served whole (no error, 99 % of the rate achieved) at p99 <= `p99_ms`,
    below the first rate that is not (0 when even the first step is not)."""
    held = 0.0
    for row in sorted(rows, key=lambda r: r["rate"]):
        if row["errors"] or row["p99_ms"] > p99_ms or row["achieved_rps"] < 0.99 * row["rate"]:
            break
        held = row["rate"]
    return held


def _capacity_figure(run: BenchRun, mix: str, ramp: list[dict[str, Any]]) -> None:
    run.figure(
        f"{mix}_capacity_rps",
        capacity(ramp),
        unit="req/s",
        label=f"capacity where p99 passes {CAPACITY_P99_MS:g} ms, {mix}",
        goal=f">= {CAPACITY_GOAL_RPS:g}",
    )


def _knee_figure(run: BenchRun, mix: str, ramp: list[dict[str, Any]]) -> str:
    """Where capacity gives out for one mix (or that the ramp never reached it)."""
    rate, reached = knee(ramp)
    label = f"rate where p99 passes {KNEE_P99_MS:g} ms, {mix}"
    if not reached:
        label += f" (not reached: p99 <= {KNEE_P99_MS:g} ms up to this rate)"
    run.figure(f"{mix}_knee_rps", rate, unit="req/s", label=label)
    if not reached:
        return f"{mix}: {label}"
    return (
        f"{mix}: capacity gives out at {rate:g} req/s: {_where(next(r for r in ramp if r['rate'] == rate))}"
    )


def _trust_figures(run: BenchRun, goal_rows: list[dict[str, Any]], rate: str) -> bool:
    """Whether the figures can be trusted: a generator late or short of CPU, or a machine busy with
    other work, would make the product look slower than it is."""
    checks = {
        "generator_cpu": ("load generator CPU", "cores", "<= 0.15", lambda r: r["generator_cpu"]),
        "generator_lag_p99_ms": ("load generator lateness p99", "ms", "<= 5", lambda r: r["lag_p99_ms"]),
        "outside_cores": (
            "CPU used outside the demo and Redis",
            "cores",
            "<= 0.2",
            lambda r: r["cores"]["other"],
        ),
    }
    for key, (label, unit, goal, value) in checks.items():
        run.figure(key, max(value(r) for r in goal_rows), unit=unit, label=f"{label} at {rate}", goal=goal)
    return all(run.figures[key].met for key in checks)


def record(run: BenchRun, rows: dict[str, list[dict[str, Any]]], args: argparse.Namespace) -> list[str]:
    """Figures beside their goals; returns the summary lines."""
    lines = []
    for row in rows["goal"]:
        lines.append(_goal_figures(run, row, args))
        ramp = [r for r in rows["ramp"] if r["mix"] == row["mix"]]
        if ramp:
            lines.append(_knee_figure(run, row["mix"], ramp))
            _capacity_figure(run, row["mix"], ramp)
    if not _trust_figures(run, rows["goal"], f"{args.rate:g} req/s"):
        lines.append(
            "[bold red]Not to be trusted: the generator was late or short of CPU, or the machine busy.[/]"
        )
    return lines + [
        f"{f.label}: {f.value:g} {f.unit} (goal {f.goal}: {'met' if f.met else 'NOT met'})"
        for f in run.figures.values()
        if f.goal
    ]
