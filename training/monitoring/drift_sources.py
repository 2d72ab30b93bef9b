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

import duckdb
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.dataset as pads
import pyarrow.parquet as pq

from credit_features.application import quote
from credit_model.decision_log import FILE_SUFFIX, READ_COLUMNS, day_of

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
    """Which reader a path needs: JSONL files (a prediction log) or parquet (a features table)."""
    if not path.exists():
        raise DriftInputError(f"{option}: {path} does not exist")
    if path.is_file():
        if path.suffix == ".parquet":
            return "parquet"
        if path.suffix == ".jsonl":
            return "prediction_log"
        raise DriftInputError(f"{option}: {path} is neither a .parquet file nor a .jsonl prediction log")
    if next(path.rglob("*.jsonl"), None) is not None:
        return "prediction_log"
    if next(path.rglob("*.parquet"), None) is not None:
        return "parquet"
    raise DriftInputError(f"{option}: folder {path} holds no .jsonl prediction log and no .parquet file")


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


def _log_files(folder: Path, since: datetime | None, until: datetime | None) -> list[str]:
    """JSONL files of the log, skipping day folders (date=YYYY-MM-DD) wholly outside the window."""
    files = [folder] if folder.is_file() else sorted(folder.rglob(f"*{FILE_SUFFIX}"))
    kept = []
    for file in files:
        day = day_of(file)
        if day is not None and ((since and day < since.date()) or (until and day > until.date())):
            continue
        kept.append(str(file))
    return kept


def _json_path(feature: str) -> str:
    return '$."' + feature.replace('"', '\\"') + '"'


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

    Feature values that the gateway logged as null stay NaN (missing history is information).
    A feature key absent from every decision means the log and the model disagree: refused.
    """
    window = f"between {since or 'the start'} and {until or 'now'}"
    files = _log_files(folder, since, until)
    if not files:
        raise DriftInputError(f"{option}: {folder} has no prediction log file {window}")
    columns = "{" + ", ".join(f"{name}: {quote(kind)}" for name, kind in READ_COLUMNS.items()) + "}"
    bounds = ""  # literals we format ourselves from parsed instants: nothing of the user's text
    if since is not None:
        bounds += f" AND time >= {quote(since.isoformat())}::TIMESTAMPTZ"
    if until is not None:
        bounds += f" AND time < {quote(until.isoformat())}::TIMESTAMPTZ"
    decisions = f"""(SELECT * FROM (
        SELECT CAST(time AS TIMESTAMPTZ) AS time, model_version, probability, features
        FROM read_json([{", ".join(quote(f) for f in files)}], format = 'newline_delimited',
            hive_partitioning = false, columns = {columns}))
        WHERE probability IS NOT NULL{bounds})"""
    con = duckdb.connect()
    try:
        con.execute("SET threads = 2")
        paths = [_json_path(f) for f in features]
        presence = ", ".join(f"count(json_extract(features, {quote(p)}))" for p in paths)
        counts = con.execute(f"SELECT count(*), {presence} FROM {decisions}").fetchone()
        assert counts is not None
        available, present = int(counts[0]), counts[1:]
        if available == 0:
            raise DriftInputError(f"{option}: {folder} has no usable decision {window}")
        absent = [f for f, n in zip(features, present, strict=True) if n == 0]
        if absent:
            raise DriftInputError(
                f"{option}: the decisions in {folder} lack {len(absent)} monitored feature(s), "
                f"e.g. {', '.join(absent[:5])}"
            )
        columns = ", ".join(
            f'TRY_CAST(json_extract_string(features, {quote(p)}) AS DOUBLE) AS "{f}"'
            for f, p in zip(features, paths, strict=True)
        )
        sample = f"USING SAMPLE reservoir({max_rows} ROWS) REPEATABLE ({seed})" if max_rows else ""
        frame = con.execute(
            f"SELECT {columns}, probability AS {SCORE}, model_version FROM {decisions} {sample}"
        ).df()
    except duckdb.Error as error:
        raise DriftInputError(f"{option}: cannot read the prediction log in {folder}: {error}") from error
    finally:
        con.close()
    versions = tuple(sorted(frame.pop("model_version").dropna().unique()))
    log.info(
        "prediction log read",
        extra={"path": str(folder), "rows": len(frame), "available": available, "versions": versions},
    )
    return Rows(frame=frame, available=available, kind="prediction_log", model_versions=versions)
