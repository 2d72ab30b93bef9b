"""Benchmark of the synthetic data generator: wall time and peak memory per scale.

`python -m bench.datagen --scales 0.1 1.0` runs `training.data.datagen.generate` at each scale in a fresh
subprocess that reports its own peak RSS (so figures never mix runs), prints a table and writes
bench/results/datagen.json. Goal at scale 1.0 on 2 cores: under 300 s and 6 GB peak.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from rich.console import Console
from rich.table import Table

from credit_common.logging import configure_logging

RESULTS = Path(__file__).resolve().parent / "results" / "datagen.json"
GOAL_SECONDS = 300.0
GOAL_RSS_MB = 6144.0
log = logging.getLogger("bench.datagen")

# Runs in the measured subprocess: generate, then report the process's own peak RSS (kB on Linux).
_CHILD = """
import dataclasses, json, resource, sys
from pathlib import Path
from training.data.datagen import generate
r = generate(out=Path(sys.argv[1]), scale=float(sys.argv[2]), seed=int(sys.argv[3]), drift=False)
out = dataclasses.asdict(r) | {"peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}
print(json.dumps(out))
"""


def _folder_mb(folder: Path) -> float:
    return sum(p.stat().st_size for p in folder.glob("*.csv")) / 2**20


def run_scale(scale: float, seed: int, work: Path) -> dict:
    """Generate at `scale` into a fresh folder under `work`; wall time, peak RSS and oracle figures."""
    out = work / f"scale-{scale:g}"
    started = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-c", _CHILD, str(out), str(scale), str(seed)],
        check=True,
        capture_output=True,
        text=True,
        env=os.environ | {"PYTHONHASHSEED": "0"},
    )
    wall = time.perf_counter() - started
    child = json.loads(done.stdout.strip().splitlines()[-1])
    return {
        "scale": scale,
        "seed": seed,
        "wall_seconds": round(wall, 2),
        "generate_seconds": child["seconds"],
        "peak_rss_mb": round(child["peak_rss_mb"], 1),
        "csv_mb": round(_folder_mb(out), 1),
        "rows": child["rows"],
        "total_rows": sum(child["rows"].values()),
        "train_target_rate": round(child["train_target_rate"], 4),
        "oracle_auc": round(child["oracle_auc"], 4),
        "oracle_cost": round(child["oracle_cost"], 4),
        "within_goal": scale < 1.0 or (wall < GOAL_SECONDS and child["peak_rss_mb"] < GOAL_RSS_MB),
    }


def _print(runs: list[dict]) -> None:
    table = Table(
        title=f"datagen benchmark (goal at scale 1.0: < {GOAL_SECONDS:.0f} s, < {GOAL_RSS_MB:.0f} MB)"
    )
    for name in (
        "scale",
        "rows",
        "wall s",
        "peak RSS MB",
        "CSV MB",
        "target rate",
        "oracle AUC",
        "oracle cost",
    ):
        table.add_column(name, justify="right")
    for r in runs:
        table.add_row(
            f"{r['scale']:g}",
            f"{r['total_rows']:,}",
            f"{r['wall_seconds']:.1f}",
            f"{r['peak_rss_mb']:.0f}",
            f"{r['csv_mb']:.0f}",
            f"{r['train_target_rate']:.4f}",
            f"{r['oracle_auc']:.4f}",
            f"{r['oracle_cost']:.4f}",
        )
    Console().print(table)


def main(argv: list[str] | None = None) -> list[dict]:
    """Run the benchmark at each scale, print the table, write the JSON; returns the runs."""
    parser = argparse.ArgumentParser(prog="python -m bench.datagen", description=__doc__.splitlines()[0])
    parser.add_argument("--scales", type=float, nargs="+", default=[0.1, 1.0], help="Scales to run.")
    parser.add_argument("--seed", type=int, default=42, help="Generator seed.")
    parser.add_argument("--work", type=Path, default=None, help="Folder for the generated data (temp).")
    args = parser.parse_args(argv)
    configure_logging("INFO")
    runs = []
    with tempfile.TemporaryDirectory(prefix="datagen-bench-") as tmp:
        work = args.work or Path(tmp)
        for scale in args.scales:
            log.info("running", extra={"scale": scale})
            runs.append(run_scale(scale, args.seed, work))
            log.info("done", extra=runs[-1])
    _print(runs)
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    payload = {
        "goal_at_scale_1": {"seconds": GOAL_SECONDS, "peak_rss_mb": GOAL_RSS_MB, "cores": os.cpu_count()},
        "runs": runs,
    }
    RESULTS.write_text(json.dumps(payload, indent=2) + "\n")
    return runs


if __name__ == "__main__":
    main()
