"""`datagen` job: synthetic Home Credit tables with the real schema, planted risk and an oracle.

The 8 files have the real names, columns, dtypes and marginals (credit_features.tables); default risk is
planted through several tables, and the planted probability goes to a separate truth file, so every
model can be measured against the best achievable AUC and business cost.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.csv as pacsv
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from sklearn.metrics import roc_auc_score

from credit_features.tables import TABLE_NAMES, TRUTH_FILE, file_name, row_count
from training.data.synthetic.applications import Clients, iso_times, make_clients
from training.data.synthetic.bureau import write_bureau
from training.data.synthetic.csvout import TableWriter
from training.data.synthetic.history import History
from training.data.synthetic.layout import stream
from training.data.synthetic.previous import make_previous
from training.data.synthetic.repayments import write_repayments
from training.data.synthetic.risk import planted_risk
from training.model.cost import CostWeights, best_threshold

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class DatagenResult:
    """What one generation produced: sizes, planted target rate and the oracle's figures."""

    rows: dict[str, int]
    train_target_rate: float
    oracle_auc: float
    oracle_cost: float
    oracle_threshold: float
    drift: bool
    seed: int
    seconds: float
    out: str


@contextmanager
def _progress(scale: float) -> Iterator[callable]:
    """A rich progress bar per table (rows written), shown only for runs long enough to need one."""
    progress = Progress(
        TextColumn("{task.description:<24}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=Console(stderr=True),
        disable=scale < 0.05,
    )
    tasks: dict[str, int] = {}

    def advance(table: str, rows: int) -> None:
        if table not in tasks:
            tasks[table] = progress.add_task(table, total=round(row_count(table) * scale))
        progress.advance(tasks[table], rows)

    with progress:
        yield advance


def _write_applications(out: Path, clients: Clients, target: np.ndarray) -> dict[str, int]:
    rows: dict[str, int] = {}
    table = {**clients.table, "TARGET": target}
    for name, mask in (("application_train", ~clients.is_test), ("application_test", clients.is_test)):
        index = np.flatnonzero(mask)
        with TableWriter(out / file_name(name), name) as writer:
            writer.write(
                {
                    key: value[index] if isinstance(value, np.ndarray) else value.take(index)
                    for key, value in table.items()
                }
            )
        rows[name] = int(index.size)
    return rows


def _write_truth(out: Path, clients: Clients, probability: np.ndarray) -> None:
    truth = pa.table(
        {
            "SK_ID_CURR": clients.ids,
            "SPLIT": np.where(clients.is_test, "test", "train"),
            "APPLICATION_TIME": iso_times(clients.times),
            "PLANTED_PROBABILITY": np.round(probability, 8),
        }
    )
    pacsv.write_csv(truth, out / TRUTH_FILE, pacsv.WriteOptions(quoting_style="none"))


def generate(out: Path, scale: float, seed: int, drift: bool = False) -> DatagenResult:
    """Write the 8 tables and the truth file into `out`; same arguments give the same bytes."""
    started = time.perf_counter()
    out.mkdir(parents=True, exist_ok=True)
    log.info("datagen started", extra={"scale": scale, "seed": seed, "drift": drift, "out": str(out)})
    clients = make_clients(scale, seed, drift)
    history = History(clients.size)
    rows: dict[str, int] = {}
    with _progress(scale) as advance:
        rows |= write_bureau(clients, scale=scale, seed=seed, out=out, history=history, advance=advance)
        log.info("bureau written", extra={"rows": rows})
        previous = make_previous(clients, scale, seed)
        with TableWriter(out / file_name("previous_application"), "previous_application") as writer:
            writer.write(previous.table)
        rows["previous_application"] = len(previous.client)
        advance("previous_application", len(previous.client))
        history.add("prev_count", previous.client)
        history.add("prev_refused", previous.client, previous.table["NAME_CONTRACT_STATUS"].equals("Refused"))
        rows |= write_repayments(
            clients, previous, scale=scale, seed=seed, out=out, history=history, advance=advance
        )
        log.info("histories written", extra={"rows": rows})

    planted = planted_risk(clients, history)
    target = (stream(seed, "target").random(clients.size) < planted.probability).astype(np.int64)
    rows |= _write_applications(out, clients, target)
    _write_truth(out, clients, planted.probability)

    train = ~clients.is_test
    choice = best_threshold(target[train], planted.probability[train], CostWeights())
    result = DatagenResult(
        rows={name: rows[name] for name in TABLE_NAMES},
        train_target_rate=float(target[train].mean()),
        oracle_auc=float(roc_auc_score(target[train], planted.probability[train])),
        oracle_cost=choice.cost,
        oracle_threshold=choice.threshold,
        drift=drift,
        seed=seed,
        seconds=round(time.perf_counter() - started, 2),
        out=str(out),
    )
    log.info("datagen done", extra={"result": result.__dict__})
    return result
