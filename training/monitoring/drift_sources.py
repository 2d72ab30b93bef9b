"""Inputs of the drift job: a features parquet (reference or current) or the gateway's prediction log.

Both readers sample rows with a seed before anything heavy happens (scoring, statistics), so a
300k-row training set costs what the sample costs. Every refusal is a `DriftInputError` whose message
starts with the command-line option at fault, so the operator knows which argument to fix.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Literal

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.dataset as pads
import pyarrow.parquet as pq

from credit_model.decision_log import (
    day_of,
    file_columns,
    is_log_file,
    log_files,
    read_log_file,
)
from credit_model.journal_records import JOURNAL_SUFFIX, PART_SUFFIX, micros

log = logging.getLogger(__name__)

SourceKind = Literal["parquet", "prediction_log"]
#: The column the score is compared under, on both sides (champion probability).
SCORE = "score"
_BATCH = 32_768


class DriftInputError(ValueError):
    """An input of the drift job is missing, empty or unusable; the message names the option."""


@dataclass(frozen=True)
class Rows:
    """Rows read from a source: the sample, how many the source held, and where they came from."""

    frame: pd.DataFrame
    available: int
    kind: SourceKind
    model_versions: tuple[str, ...] = ()
    #: the logged outcome of each row (granted, refused, referred; "" where a record predates it)
    outcomes: tuple[str, ...] | None = None


def parse_instant(value: str | None, option: str) -> datetime | None:
    """An ISO date or date-time as an aware UTC instant (naive means UTC); None stays None."""
    if value is None:
        return None
    try:
        instant = datetime.fromisoformat(value)
    except ValueError as error:
        raise DriftInputError(f"{option}: {value!r} is not an ISO date (YYYY-MM-DD[THH:MM[:SS]])") from error
    return instant.replace(tzinfo=UTC) if instant.tzinfo is None else instant.astimezone(UTC)


def source_kind(path: Path, option: str) -> SourceKind:
    """Which reader a path needs: the prediction log (its folder, a journal or one of its parts) or a
    features parquet."""
    if not path.exists():
        raise DriftInputError(f"{option}: {path} does not exist")
    if path.is_file():
        if path.suffix in {PART_SUFFIX, JOURNAL_SUFFIX}:
            return "prediction_log" if is_log_file(path) else "parquet"
        raise DriftInputError(f"{option}: {path} is neither a .parquet file nor a prediction-log journal")
    files = log_files(path)
    if files and is_log_file(files[0]):  # a partitioned features table may also name files part-*
        return "prediction_log"
    if next(path.rglob("*.parquet"), None) is not None:
        return "parquet"
    raise DriftInputError(
        f"{option}: folder {path} holds no prediction log (date=*/part-*) and no .parquet file"
    )


def _batches(path: Path, columns: list[str]) -> Iterator[pa.RecordBatch]:
    """Record batches in file order. A single file is decoded page by page (one row group can be the
    whole 300k-row file: reading it at once costs twice the memory and time)."""
    if path.is_file():
        yield from pq.ParquetFile(path).iter_batches(batch_size=_BATCH, columns=columns)
    else:
        dataset = pads.dataset(path, format="parquet")
        yield from dataset.to_batches(
            columns=columns, batch_size=_BATCH, batch_readahead=2, fragment_readahead=1
        )


def _read_rows(path: Path, columns: list[str], picked: np.ndarray | None) -> pa.Table:
    """All rows, or only positions `picked` (sorted), keeping one batch in memory at a time."""
    parts, offset = [], 0
    for batch in _batches(path, columns):
        if picked is None:
            parts.append(batch)
        else:
            low, high = np.searchsorted(picked, [offset, offset + batch.num_rows])
            if high > low:
                parts.append(batch.take(pa.array(picked[low:high] - offset)))
        offset += batch.num_rows
    return pa.Table.from_batches(parts)


def read_parquet(path: Path, columns: list[str], max_rows: int, seed: int, option: str) -> Rows:
    """`columns` of a seeded uniform sample of at most `max_rows` rows (0 = all) of a parquet file/folder."""
    dataset = pads.dataset(path, format="parquet")
    missing = [c for c in columns if c not in dataset.schema.names]
    if missing:
        raise DriftInputError(
            f"{option}: {path} lacks {len(missing)} of the {len(columns)} model feature(s) needed, "
            f"e.g. {', '.join(missing[:5])}"
        )
    available = dataset.count_rows()
    if available == 0:
        raise DriftInputError(f"{option}: {path} has no rows")
    picked = None
    if max_rows and available > max_rows:
        picked = np.sort(np.random.default_rng(seed).choice(available, size=max_rows, replace=False))
    frame = _read_rows(path, columns, picked).to_pandas().astype(float, copy=False)
    log.info("parquet rows read", extra={"path": str(path), "rows": len(frame), "available": available})
    return Rows(frame=frame, available=available, kind="parquet")


def _log_files(folder: Path, since: datetime | None, until: datetime | None) -> list[Path]:
    """Files of the log, skipping day folders (date=YYYY-MM-DD) wholly outside the window."""
    kept = []
    for file in log_files(folder):
        day = day_of(file)
        if day is not None and ((since and day < since.date()) or (until and day > until.date())):
            continue
        kept.append(file)
    return kept


@dataclass(frozen=True)
class _Window:
    """Which rows of each log file fall in the window (first pass: times and versions only)."""

    files: list[Path]
    masks: list[np.ndarray]
    columns: set[str]
    versions: tuple[str, ...]

    @property
    def available(self) -> int:
        return sum(int(mask.sum()) for mask in self.masks)


def _window(files: list[Path], since: datetime | None, until: datetime | None) -> _Window:
    low = -(2**63) if since is None else micros(since)
    high = 2**63 - 1 if until is None else micros(until)
    masks, columns, versions = [], set(), set()
    for file in files:
        table = read_log_file(file, ["time", "model_version"])
        times = table["time"].cast(pa.int64()).to_numpy()
        mask = (times >= low) & (times < high)
        masks.append(mask)
        if mask.any():
            columns.update(file_columns(file))
            versions.update(np.asarray(table["model_version"].to_numpy(zero_copy_only=False))[mask])
    return _Window(files, masks, columns, tuple(sorted(versions)))


def _sample(
    window: _Window, features: list[str], picked: np.ndarray | None
) -> tuple[pd.DataFrame, tuple[str, ...]]:
    """The features and the logged probability of the window's rows at positions `picked` (all: None),
    and their logged outcomes, reading only files that hold some."""
    wanted, frames, offset = [*features, "probability", "outcome"], [], 0
    for file, mask in zip(window.files, window.masks, strict=True):
        count = int(mask.sum())
        low, high = (0, count) if picked is None else np.searchsorted(picked, [offset, offset + count])
        if high > low:
            # Rows appended since the first pass lie beyond the mask: they are not in this sample.
            table = read_log_file(file, wanted).slice(0, len(mask)).filter(pa.array(mask))
            if picked is not None:
                table = table.take(pa.array(picked[low:high] - offset))
            frames.append(table.to_pandas().reindex(columns=wanted))
        offset += count
    frame = pd.concat(frames, ignore_index=True)
    outcomes = tuple(frame.pop("outcome").fillna("").astype(str))
    return frame.astype(float, copy=False).rename(columns={"probability": SCORE}), outcomes


def read_prediction_log(
    folder: Path,
    features: list[str],
    *,
    since: datetime | None,
    until: datetime | None,
    max_rows: int,
    seed: int,
    option: str,
) -> Rows:
    """Decisions logged in [since, until): the features asked for and the logged probability as `score`.

    Two passes over the log's parts and live journals: times first (to count the window and draw a
    seeded uniform sample of at most `max_rows` decisions, 0 = all), then the sampled rows' columns, one
    file at a time. Missing feature values stay NaN (missing history is information). A feature absent
    from every file of the window means the log and the model disagree: refused.
    """
    window_text = f"between {since or 'the start'} and {until or 'now'}"
    files = _log_files(folder, since, until)
    if not files:
        raise DriftInputError(f"{option}: {folder} has no prediction log file {window_text}")
    window = _window(files, since, until)
    available = window.available
    if available == 0:
        raise DriftInputError(f"{option}: {folder} has no usable decision {window_text}")
    absent = [f for f in features if f not in window.columns]
    if absent:
        raise DriftInputError(
            f"{option}: the decisions in {folder} lack {len(absent)} monitored feature(s), "
            f"e.g. {', '.join(absent[:5])}"
        )
    picked = None
    if max_rows and available > max_rows:
        picked = np.sort(np.random.default_rng(seed).choice(available, size=max_rows, replace=False))
    frame, outcomes = _sample(window, features, picked)
    log.info(
        "prediction log read",
        extra={"path": str(folder), "rows": len(frame), "available": available, "versions": window.versions},
    )
    return Rows(
        frame=frame,
        available=available,
        kind="prediction_log",
        model_versions=window.versions,
        outcomes=outcomes,
    )
