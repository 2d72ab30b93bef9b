"""A logged decision produced on request: its id, and its record found in the shared log folder.

Every gateway process writes segments of its own into the same log folder (credit_model.decision_log),
so whichever process or replica took a decision, the folder holds it. A decision id is a UUID version 7:
its first 48 bits are the millisecond it was taken, so a lookup reads only that day's partition (and
the next, for a decision taken just before midnight and written just after). Ids of other shapes, from
before, are looked for in every partition.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from credit_model.decision_ids import decision_time
from credit_model.decision_journal import SCALARS
from credit_model.decision_log import day_of, log_files, read_log_file
from credit_model.journal_records import JOURNAL_SUFFIX
from credit_model.served_reasons import ServedReasons


@dataclass(frozen=True)
class DecisionRecord:
    """One logged decision: what was decided, when, by which model and policy, on which row, and why.

    `reasons` is None for decisions logged before reasons were recorded (journal format 1).
    """

    request_id: str
    time: datetime
    client_id: int
    model_name: str
    model_version: str
    probability: float
    threshold: float
    outcome: str
    policy_version: str
    features: tuple[str, ...]
    values: np.ndarray
    reasons: ServedReasons | None

    def feature_values(self) -> dict[str, float | None]:
        """The row by feature name, None where missing."""
        return {
            name: None if math.isnan(v) else float(v)
            for name, v in zip(self.features, self.values, strict=True)
        }


def find_decision(folder: Path, decision_id: str) -> DecisionRecord | None:
    """The decision logged under `decision_id` in a log folder, None when no segment holds it."""
    files = log_files(folder)
    made = decision_time(decision_id)
    if made is not None:
        days = {made.date(), made.date() + timedelta(days=1)}
        files = [path for path in files if day_of(path) in days]
    for path in files:
        found = _find_in(path, decision_id)
        if found is not None:
            return found
    return None


def _find_in(path: Path, decision_id: str) -> DecisionRecord | None:
    """The decision in one log file: a Parquet part is read one row group at a time, ids first."""
    if path.suffix == JOURNAL_SUFFIX:
        if not _holds(read_log_file(path, ["request_id"]), decision_id):
            return None
        table = read_log_file(path)  # read again whole: compacted meanwhile, it reads from its part
        return _record(table.filter(pc.equal(table["request_id"], decision_id)))
    parts = pq.ParquetFile(path)
    for group in range(parts.num_row_groups):
        if _holds(parts.read_row_group(group, columns=["request_id"]), decision_id):
            table = parts.read_row_group(group)
            return _record(table.filter(pc.equal(table["request_id"], decision_id)))
    return None


def _holds(ids: pa.Table, decision_id: str) -> bool:
    return ids.num_rows > 0 and pc.any(pc.equal(ids["request_id"], decision_id)).as_py() is True


def _record(rows: pa.Table) -> DecisionRecord | None:
    if rows.num_rows == 0:
        return None
    row = rows.slice(0, 1).to_pylist()[0]
    features = tuple(name for name in rows.column_names if name not in SCALARS.names)
    values = np.array([np.nan if row[name] is None else row[name] for name in features], dtype=np.float64)
    reasons = row.get("reasons")
    return DecisionRecord(
        request_id=row["request_id"],
        time=row["time"],
        client_id=row["client_id"],
        model_name=row.get("model_name") or "",
        model_version=row["model_version"],
        probability=row["probability"],
        threshold=row["threshold"],
        outcome=row["outcome"],
        policy_version=row.get("policy_version") or "",
        features=features,
        values=values,
        reasons=ServedReasons.from_json(reasons) if reasons else None,
    )
