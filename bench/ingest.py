"""Benchmark of ingest + features on a Kaggle-size download, beside an earlier version of the same code.

`python -m bench.ingest --scale 1.0 --baseline 663637d` (`make bench-ingest`) takes the download folder
bench.pipeline prepares (seven tables, no truth file), then, round after round (3 by default), runs
the two steps of the baseline commit (checked out as a git worktree under `<work>`) and of this
checkout on it, one after the other, so both versions meet the same machine state. Each step runs
alone in a fresh process (bench.child): its seconds are the step's own count, its peak memory the
process's. After the last round the two versions' ingested tables are compared row for row (DuckDB,
EXCEPT ALL both ways): a faster ingest that changed a value would not count. Goal (issue 14): ingest
+ features ≤ 30 s at full size, at the baseline's memory. Prints a table and writes bench/results/ingest.json.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path
from typing import Annotated, Any

import duckdb
import typer
from rich.console import Console
from rich.table import Table

from bench.child import REPO, run_child
from bench.pipeline import prepare_download
from bench.stamp import BenchRun, bench_run
from credit_features.application import quote
from credit_features.tables import TABLE_NAMES

GOAL_SECONDS = "<= 30"
#: The commit before ingest took the pyarrow path (stop 22's last).
BASELINE = "663637d"

_INGEST = """
import json, sys
from pathlib import Path
from bench.child import usage
from training.data.ingest import ingest_folder
r = ingest_folder(Path(sys.argv[1]), Path(sys.argv[2]))
print(json.dumps({"seconds": r.seconds, **usage()}))
"""
_FEATURES = """
import json, sys
from pathlib import Path
from bench.child import usage
from training.features.build import build_features
r = build_features(Path(sys.argv[1]), Path(sys.argv[2]), progress=False)
print(json.dumps({"seconds": r.seconds, **usage()}))
"""

console = Console(width=120)
app = typer.Typer(add_completion=False)


def baseline_checkout(work: Path, revision: str) -> Path:
    """A worktree of `revision` under `work` (made once, reused), resolved to its full commit."""
    commit = subprocess.run(
        ["git", "rev-parse", "--verify", f"{revision}^{{commit}}"],
        capture_output=True, text=True, check=True, cwd=REPO,
    ).stdout.strip()  # fmt: skip
    tree = work / f"baseline-{commit[:12]}"
    if not (tree / "training").is_dir():
        shutil.rmtree(tree, ignore_errors=True)
        subprocess.run(["git", "worktree", "prune"], check=True, cwd=REPO)
        subprocess.run(["git", "worktree", "add", "--detach", str(tree), commit], check=True, cwd=REPO)
    return tree


STEPS = ("ingest", "features")


def run_steps(code_root: Path, raw: Path, out: Path) -> dict[str, dict[str, Any]]:
    """Ingest then features of the code in `code_root`, each in its own process, into a fresh `out`."""
    shutil.rmtree(out, ignore_errors=True)
    out.mkdir(parents=True)
    parquet, features = out / "parquet", out / "features"
    return {
        "ingest": run_child(_INGEST, str(raw), str(parquet), cwd=code_root),
        "features": run_child(_FEATURES, str(parquet), str(features), cwd=code_root),
    }


def differing_rows(left: Path, right: Path) -> dict[str, int]:
    """Per table, the rows one folder's Parquet holds and the other's does not (both ways, summed)."""
    con = duckdb.connect()
    con.execute("SET threads = 2")
    counts = {}
    for table in (*TABLE_NAMES, "application_time"):
        a, b = (quote(folder / f"{table}.parquet") for folder in (left, right))
        (count,) = con.execute(
            f"SELECT (SELECT count(*) FROM (FROM {a} EXCEPT ALL FROM {b})) "
            f"+ (SELECT count(*) FROM (FROM {b} EXCEPT ALL FROM {a}))"
        ).fetchone() or (0,)
        counts[table] = int(count)
    return counts


def record(run: BenchRun, rounds: list[dict[str, dict[str, dict[str, Any]]]], label: str) -> None:
    """Each step's fastest round per version (the least disturbed: this machine's speed drifts by a tenth
    from minute to minute), the highest peak of any round, and every round in the details."""
    for version in ("baseline", "current"):
        runs = [r[version] for r in rounds]
        steps = {name: min(steps[name]["seconds"] for steps in runs) for name in STEPS}
        peak = max(step["peak_rss_mb"] for steps in runs for step in steps.values())
        who = "this commit" if version == "current" else f"baseline {label}"
        goal = GOAL_SECONDS if version == "current" else None
        total = round(sum(steps.values()), 1)
        run.figure(f"{version}_seconds", total, unit="s", label=f"ingest + features, {who}", goal=goal)
        for name, seconds in steps.items():
            run.figure(f"{version}_{name}_seconds", seconds, unit="s", label=f"{name}, {who}")
        run.figure(f"{version}_peak_mb", peak, unit="MB", label=f"ingest, features: higher peak, {who}")
    speedup = run.figures["baseline_seconds"].value / run.figures["current_seconds"].value
    run.figure("speedup", round(speedup, 2), unit="×", label="ingest + features: baseline / this commit")
    run.detail("rounds", rounds)


def _print(run: BenchRun) -> None:
    table = Table(title="ingest + features at full size", show_lines=False)
    for column in ("figure", "value", "goal"):
        table.add_column(column)
    for figure in run.figures.values():
        table.add_row(figure.label, f"{figure.value:g} {figure.unit}", figure.goal or "")
    console.print(table)


@app.command()
def main(
    scale: Annotated[float, typer.Option(help="Data size (1.0 = Kaggle: 58.5M rows).")] = 1.0,
    work: Annotated[Path, typer.Option(help="Tables, baseline checkout and outputs.")] = Path("data/bench"),
    baseline: Annotated[str, typer.Option(help="The commit to measure beside this checkout.")] = BASELINE,
    rounds: Annotated[int, typer.Option(min=1, help="Baseline-then-current rounds.")] = 3,
) -> None:
    """Time ingest and features of `baseline` and of this checkout on the same download."""
    work = (REPO / work).resolve() if not work.is_absolute() else work
    download, generated = prepare_download(work, scale)
    tree = baseline_checkout(work, baseline)
    config = {"scale": scale, "baseline": tree.name.removeprefix("baseline-"), "rounds": rounds}
    config |= {"tables_generated_seconds": round(generated, 1), "raw": str(download)}
    outputs = {"baseline": work / f"ingest-baseline-{scale:g}", "current": work / f"ingest-current-{scale:g}"}
    with bench_run("ingest", config=config) as run:
        results = []
        for _ in range(rounds):
            results.append(
                {
                    "baseline": run_steps(tree, download, outputs["baseline"]),
                    "current": run_steps(REPO, download, outputs["current"]),
                }
            )
        different = differing_rows(outputs["baseline"] / "parquet", outputs["current"] / "parquet")
        run.detail("rows_differing_from_baseline", different)
        if any(different.values()):
            raise SystemExit(f"this checkout's ingest changed rows: {different}")
        record(run, results, config["baseline"][:7])
    _print(run)


if __name__ == "__main__":
    app()
