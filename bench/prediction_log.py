"""Benchmark of the prediction log: bytes at rest per decision, append cost, compaction CPU.

`python -m bench.prediction_log` logs N decisions (default 20,000, one segment) of real demo feature
rows through the gateway's PredictionLog, lets its close compact them (in the compaction process, whose
CPU and peak memory are counted), and reads every value back to check the figures are those of a
lossless log. Rows are the demo's feature views
($CREDIT_DATA_DIR/features, joined per client, as the online store serves them), in two cases:

- demo: each decision a client drawn from the demo's 3,562 (clients come back, as in the demo);
- distinct: the same rows with a 2 % multiplicative jitter on every non-integer feature, so that no two
  decisions share those values (a population far bigger than the demo's: the pessimistic case).

Beside them: the previous format (one JSON line per decision) on a 2,000-decision sample; the append
cost while a compaction runs in its thread (what the event loop would feel); the size of each encoding
option on the same rows. Prints a table and writes bench/results/prediction_log.json.
Goal: <= 2048 bytes per decision at rest.
"""

from __future__ import annotations

import json
import math
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
import uuid
from dataclasses import fields
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Annotated, Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import typer
from rich.console import Console
from rich.progress import Progress
from rich.table import Table

from bench.stamp import BenchRun, bench_run
from credit_common.data_layout import DataLayout
from credit_features.settings import FeatureSettings
from credit_model.decision_log import read_log
from credit_model.journal_records import Decision
from gateway.decisions.log_compaction import ZSTD_LEVEL, encodings
from gateway.decisions.prediction_log import SEGMENT_ROWS, PredictionLog

GOAL_BYTES = 2048
JSON_SAMPLE = 2_000
START = datetime(2025, 3, 1, 8, tzinfo=UTC)  # one day: the decisions land in one segment
#: The compaction process as the gateway runs it, printing its own peak RSS (kB) at the end: VmHWM,
#: since ru_maxrss would count the parent's memory at spawn (vfork shares it until exec).
_PEAK = """
import sys
from pathlib import Path
from gateway.decisions.log_compaction import main
main([sys.argv[1], "--log-level", "WARNING"])
print(next(l.split()[1] for l in Path("/proc/self/status").read_text().splitlines() if l.startswith("VmHWM")))
"""
console = Console(width=120)
app = typer.Typer(add_completion=False)


def load_rows(features_dir: Path) -> tuple[tuple[str, ...], np.ndarray, np.ndarray]:
    """Feature names, the clients' rows (float64, NaN = missing) and their ids, from the feature views."""
    frame: pd.DataFrame | None = None
    for view in sorted(features_dir.glob("*.parquet")):
        columns = pd.read_parquet(view).drop(
            columns=["event_timestamp", "created_timestamp"], errors="ignore"
        )
        frame = columns if frame is None else frame.merge(columns, on="SK_ID_CURR", how="outer")
    if frame is None:
        raise typer.BadParameter(
            f"no feature view in {features_dir}: build the demo first", param_hint="--features"
        )
    names = tuple(c for c in frame.columns if c != "SK_ID_CURR")
    return names, frame[list(names)].to_numpy(dtype=np.float64), frame["SK_ID_CURR"].to_numpy()


def decisions(
    case: str, names: tuple[str, ...], rows: np.ndarray, ids: np.ndarray, count: int
) -> list[Decision]:
    """`count` decisions as the gateway makes them (uuid ids, 100 a second), rows of the case."""
    rng = np.random.default_rng(7)
    picked = rng.integers(0, len(rows), count)
    values = rows[picked]
    if case == "distinct":
        continuous = ~np.all(np.isnan(rows) | (rows == np.round(rows)), axis=0)
        values[:, continuous] *= rng.normal(1.0, 0.02, size=(count, int(continuous.sum())))
    probability = rng.beta(1.2, 12.0, count)
    return [
        Decision(
            request_id=uuid.UUID(bytes=rng.bytes(16), version=4).hex,
            time=START + timedelta(milliseconds=10 * i),
            client_id=int(ids[picked[i]]),
            model_version="3",
            probability=float(probability[i]),
            outcome="refused" if probability[i] > 0.09 else "granted",
            threshold=0.09,
            features=names,
            values=values[i],
        )
        for i in range(count)
    ]


def _append_all(log: PredictionLog, batch: list[Decision], progress: Progress, task: Any) -> np.ndarray:
    """Append each decision; the time of each append in µs."""
    spent = np.empty(len(batch))
    for i, decision in enumerate(batch):
        started = time.perf_counter_ns()
        log.append(decision)
        spent[i] = (time.perf_counter_ns() - started) / 1000
        if i % 1000 == 999:
            progress.advance(task, 1000)
    return spent


def _cpu_seconds() -> float:
    """CPU of this process and of its finished children (the compaction runs in one)."""
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def _percentiles(spent: np.ndarray) -> dict[str, float]:
    return {key: round(float(np.percentile(spent, q)), 1) for key, q in (("p50", 50), ("p99", 99))} | {
        "max": round(float(spent.max()), 1)
    }


def measure_case(case: str, batch: list[Decision], folder: Path, progress: Progress) -> dict[str, Any]:
    """Log `batch`, compact it at close, read it back; sizes, append times and compaction cost."""
    log = PredictionLog(folder)
    spent = _append_all(log, batch, progress, progress.add_task(f"{case}: appending", total=len(batch)))
    journal_bytes = sum(p.stat().st_size for p in folder.rglob("*.journal"))
    shutil.copytree(folder, folder.with_name(f"{folder.name}-copy"))  # to measure its memory alone
    cpu, wall = _cpu_seconds(), time.perf_counter()
    log.close()  # runs the compaction process on the open segment and waits for it
    cpu, wall = _cpu_seconds() - cpu, time.perf_counter() - wall
    parts = sorted(folder.rglob("*.parquet"))
    table = read_log(folder)
    back = np.column_stack([table[name].to_numpy(zero_copy_only=False) for name in batch[0].features])
    expected = np.vstack([d.values for d in batch])
    if not np.array_equal(back, expected, equal_nan=True) or table["request_id"].to_pylist() != [
        d.request_id for d in batch
    ]:
        raise RuntimeError(f"{case}: the log did not give back every decision exactly")
    count = len(batch)
    return {
        "case": case,
        "decisions": count,
        "features": len(batch[0].features),
        "parts": len(parts),
        "journal_bytes_per_decision": round(journal_bytes / count, 1),
        "bytes_per_decision": round(sum(p.stat().st_size for p in parts) / count, 1),
        "append_us": _percentiles(spent),
        "compaction_cpu_us_per_decision": round(cpu / count * 1e6, 1),
        "compaction_seconds": round(wall, 2),
        "compaction_peak_rss_mb": _compaction_peak_mb(folder.with_name(f"{folder.name}-copy")),
        "encoding_options_bytes_per_decision": _encoding_options(table, count),
    }


def _compaction_peak_mb(folder: Path) -> float:
    """Peak memory of the compaction process on `folder` (run alone: a child's peak is its own)."""
    done = subprocess.run(
        [sys.executable, "-c", _PEAK, str(folder)], check=True, capture_output=True, text=True
    )
    return round(int(done.stdout.split()[-1]) / 1024, 1)


def _encoding_options(table: pa.Table, count: int) -> dict[str, float]:
    """Bytes per decision of the same rows under each encoding option (zstd, level as compaction's)."""
    floats = [f.name for f in table.schema if pa.types.is_floating(f.type)]
    options: dict[str, dict[str, Any]] = {
        "dictionary_everywhere": {},
        "byte_stream_split_floats": {"use_dictionary": False, "use_byte_stream_split": floats},
        "per_column_rule": encodings(table),
    }
    sizes = {}
    for name, arguments in options.items():
        sink = pa.BufferOutputStream()
        pq.write_table(
            table,
            sink,
            compression="zstd",
            compression_level=ZSTD_LEVEL,
            write_statistics=["time"],
            **arguments,
        )
        sizes[name] = round(sink.getvalue().size / count, 1)
    return sizes


def _json_line(decision: Decision) -> bytes:
    """The previous format's line: every field, features as a JSON object, NaN as null."""
    record: dict[str, Any] = {f.name: getattr(decision, f.name) for f in fields(decision)}
    record["time"] = decision.time.isoformat(timespec="milliseconds")
    record["features"] = {
        name: None if math.isnan(value) else value
        for name, value in zip(decision.features, decision.values.tolist(), strict=True)
    }
    del record["values"]
    return (json.dumps(record, separators=(",", ":")) + "\n").encode()


def measure_json(batch: list[Decision], folder: Path) -> dict[str, Any]:
    """Bytes and append cost (serialise + one write) of the previous JSON-lines format."""
    fd = os.open(folder / "part.jsonl", os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o640)
    spent, size = np.empty(len(batch)), 0
    try:
        for i, decision in enumerate(batch):
            started = time.perf_counter_ns()
            size += os.write(fd, _json_line(decision))
            spent[i] = (time.perf_counter_ns() - started) / 1000
    finally:
        os.close(fd)
    return {
        "decisions": len(batch),
        "bytes_per_decision": round(size / len(batch), 1),
        "append_us": _percentiles(spent),
    }


def measure_during_compaction(batch: list[Decision], folder: Path, progress: Progress) -> dict[str, Any]:
    """Append times while the previous segment compacts in its thread, beside those of a quiet log."""
    half = len(batch) // 2
    log = PredictionLog(folder, segment_rows=half)
    task = progress.add_task("appending during a compaction", total=len(batch))
    quiet = _append_all(log, batch[:half], progress, task)
    busy = _append_all(log, batch[half:], progress, task)  # the first append rolls: compaction starts
    log.close()
    return {
        "segment_rows": half,
        "quiet_append_us": _percentiles(quiet),
        "busy_append_us": _percentiles(busy),
    }


def record_figures(
    run: BenchRun, cases: dict[str, dict[str, Any]], old: dict[str, Any], busy: dict[str, Any]
) -> None:
    """The headline figures: size at rest against the goal, append and compaction costs, the old format."""
    for case in cases.values():
        key = case["case"]
        run.figure(
            f"{key}_bytes_per_decision",
            case["bytes_per_decision"],
            unit="B",
            label=f"prediction log at rest, {key} rows ({case['features']} features)",
            goal=f"<= {GOAL_BYTES}",
        )
    distinct = cases["distinct"]
    run.figure("append_p50_us", distinct["append_us"]["p50"], unit="µs", label="append of one decision, p50")
    run.figure("append_p99_us", distinct["append_us"]["p99"], unit="µs", label="append of one decision, p99")
    run.figure(
        "append_p99_during_compaction_us",
        busy["busy_append_us"]["p99"],
        unit="µs",
        label="append p99 while a segment compacts",
    )
    run.figure(
        "compaction_cpu_us_per_decision",
        distinct["compaction_cpu_us_per_decision"],
        unit="µs",
        label="compaction CPU per decision",
    )
    run.figure(
        "compaction_peak_rss_mb",
        distinct["compaction_peak_rss_mb"],
        unit="MB",
        label=f"compaction process peak memory ({distinct['decisions']:,}-decision segment)",
    )
    run.figure(
        "json_bytes_per_decision",
        old["bytes_per_decision"],
        unit="B",
        label="previous JSON line per decision",
    )
    run.figure("json_append_p50_us", old["append_us"]["p50"], unit="µs", label="previous JSON append, p50")


def _print(cases: dict[str, dict[str, Any]], old: dict[str, Any], busy: dict[str, Any]) -> None:
    table = Table(title="prediction log: per decision")
    for header in ("format", "bytes at rest", "append p50 µs", "append p99 µs", "compaction CPU µs"):
        table.add_column(header, justify="left" if header == "format" else "right")
    for case in cases.values():
        table.add_row(
            f"journal → parquet, {case['case']} rows",
            f"{case['bytes_per_decision']:,.0f} (journal {case['journal_bytes_per_decision']:,.0f})",
            f"{case['append_us']['p50']:.1f}",
            f"{case['append_us']['p99']:.1f}",
            f"{case['compaction_cpu_us_per_decision']:.1f}",
        )
    table.add_row(
        f"JSON lines ({old['decisions']:,} sample)",
        f"{old['bytes_per_decision']:,.0f}",
        f"{old['append_us']['p50']:.1f}",
        f"{old['append_us']['p99']:.1f}",
        "-",
    )
    table.add_row(
        "journal, appends during a compaction",
        "",
        f"{busy['busy_append_us']['p50']:.1f}",
        f"{busy['busy_append_us']['p99']:.1f}",
        "",
    )
    console.print(table)
    for case in cases.values():
        console.print(
            f"{case['case']}: compaction {case['compaction_seconds']} s wall, "
            f"peak {case['compaction_peak_rss_mb']:.0f} MB; bytes per decision by encoding, "
            f"{case['encoding_options_bytes_per_decision']}"
        )


@app.command()
def main(
    count: Annotated[int, typer.Option("--decisions", help="Decisions logged per case.")] = 20_000,
    features_dir: Annotated[
        Path | None, typer.Option("--features", help="Feature views (default $CREDIT_DATA_DIR/features).")
    ] = None,
) -> dict[str, Any]:
    """Log, compact and read back real rows; print a table and write bench/results/prediction_log.json."""
    folder_of_views = features_dir or DataLayout(FeatureSettings().data_dir).features
    names, rows, ids = load_rows(folder_of_views)
    config = {
        "decisions": count,
        "features": len(names),
        "clients": len(rows),
        "segment_rows": SEGMENT_ROWS,
        "zstd_level": ZSTD_LEVEL,
        "json_sample": JSON_SAMPLE,
        "features_dir": str(folder_of_views),
    }
    with (
        bench_run("prediction_log", config) as run,
        tempfile.TemporaryDirectory() as work,
        Progress(console=console, transient=True) as progress,
    ):
        cases = {}
        for case in ("demo", "distinct"):
            batch = decisions(case, names, rows, ids, count)
            cases[case] = measure_case(case, batch, Path(work) / case, progress)
        old = measure_json(batch[:JSON_SAMPLE], Path(work))
        busy = measure_during_compaction(batch, Path(work) / "busy", progress)
        record_figures(run, cases, old, busy)
        run.detail("cases", list(cases.values()))
        run.detail("json", old)
        run.detail("during_compaction", busy)
    _print(cases, old, busy)
    return {"cases": cases, "json": old, "during_compaction": busy}


if __name__ == "__main__":
    app()
