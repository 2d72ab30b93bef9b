"""Benchmark of the synthetic data generator: wall time and peak memory per scale.

`python -m bench.datagen --scales 0.1 --scales 1.0` runs `training.data.datagen.generate` at each scale
in a fresh process that reports its own peak RSS (so figures never mix runs), prints a table and writes
bench/results/datagen.json. Goal at scale 1.0 (the Kaggle size) on 2 cores: under 5 min and 6 GB.
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from bench.child import run_child
from bench.stamp import BenchRun, bench_run

GOAL_SECONDS = "< 300"
GOAL_RSS_MB = "< 6144"
app = typer.Typer(add_completion=False)

_CHILD = """
import dataclasses, json, sys
from pathlib import Path
from bench.child import usage
from training.data.datagen import generate
r = generate(out=Path(sys.argv[1]), scale=float(sys.argv[2]), seed=int(sys.argv[3]), drift=False)
print(json.dumps(dataclasses.asdict(r) | usage(), default=str))
"""


def run_scale(scale: float, seed: int, work: Path) -> dict[str, Any]:
    """Generate at `scale` into a fresh folder under `work`; wall time, peak RSS and oracle figures."""
    out = work / f"scale-{scale:g}"
    child = run_child(_CHILD, str(out), str(scale), str(seed), env={"PYTHONHASHSEED": "0"})
    return {
        "scale": scale,
        "wall_seconds": child["process_seconds"],
        "generate_seconds": child["seconds"],
        "peak_rss_mb": child["peak_rss_mb"],
        "csv_mb": round(sum(p.stat().st_size for p in out.glob("*.csv")) / 2**20, 1),
        "rows": child["rows"],
        "total_rows": sum(child["rows"].values()),
        "train_target_rate": round(child["train_target_rate"], 4),
        "oracle_auc": round(child["oracle_auc"], 4),
        "oracle_cost": round(child["oracle_cost"], 4),
    }


def record(run: BenchRun, result: dict[str, Any]) -> None:
    """The headline figures of one scale; goals hold at the Kaggle size only."""
    scale, full = result["scale"], result["scale"] == 1.0
    what = f"synthetic data, scale {scale:g} ({result['total_rows'] / 1e6:.1f}M rows)"
    run.figure(
        f"scale_{scale:g}_seconds",
        result["wall_seconds"],
        unit="s",
        label=f"{what}: process wall time",
        goal=GOAL_SECONDS if full else None,
    )
    run.figure(
        f"scale_{scale:g}_peak_rss_mb",
        result["peak_rss_mb"],
        unit="MB",
        label=f"{what}: peak memory",
        goal=GOAL_RSS_MB if full else None,
    )


def _print(results: list[dict[str, Any]]) -> None:
    table = Table(title=f"datagen (goal at scale 1.0: wall {GOAL_SECONDS} s, peak {GOAL_RSS_MB} MB)")
    for name in ("scale", "rows", "wall s", "peak RSS MB", "CSV MB", "target rate", "oracle AUC"):
        table.add_column(name, justify="right")
    for r in results:
        table.add_row(
            f"{r['scale']:g}",
            f"{r['total_rows']:,}",
            f"{r['wall_seconds']:.1f}",
            f"{r['peak_rss_mb']:.0f}",
            f"{r['csv_mb']:.0f}",
            f"{r['train_target_rate']:.4f}",
            f"{r['oracle_auc']:.4f}",
        )
    Console().print(table)


@app.command()
def main(
    scales: Annotated[
        list[float], typer.Option(help="Scales to generate, one flag each (1.0 = Kaggle size).")
    ] = [0.1, 1.0],  # noqa: B006
    seed: Annotated[int, typer.Option(help="Generator seed.")] = 42,
    work: Annotated[Path | None, typer.Option(help="Folder for the generated data (default: temp).")] = None,
) -> list[dict[str, Any]]:
    """Time the generator at each scale; print a table and write bench/results/datagen.json."""
    results = []
    with (
        bench_run("datagen", config={"scales": scales, "seed": seed, "drift": False}) as run,
        tempfile.TemporaryDirectory(prefix="datagen-bench-") as tmp,
    ):
        for scale in scales:
            results.append(run_scale(scale, seed, work or Path(tmp)))
            record(run, results[-1])
        run.detail("runs", results)
    _print(results)
    return results


if __name__ == "__main__":
    app()
