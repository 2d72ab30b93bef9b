"""The prediction log's layout, shared by its writer (the gateway) and its reader (the drift job).

Each writing process appends decisions to a journal segment, <folder>/date=YYYY-MM-DD/part-<id>.journal
(binary and crash-safe: credit_model.decision_journal), and compacts each closed segment into a Parquet
part of the same name, part-<id>.parquet: one column per feature and per scalar, zstd-compressed. The
part is renamed into place before its journal is deleted, so readers take every part plus every journal
that has no part yet (a live process's open segment, or a dead one's not compacted yet) and see each
acknowledged decision exactly once. A decision holds ids, the model version, the decision and the
model's inputs: never a name, a contact detail or any other personal field.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Sequence
from datetime import date
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from credit_model.decision_journal import SCALARS, JournalError, journal_features, read_journal
from credit_model.journal_records import JOURNAL_SUFFIX, PART_SUFFIX

log = logging.getLogger(__name__)

#: Schema metadata that marks a Parquet file as a part of the log (a features table is not one).
PART_MARK = {b"credit.prediction_log": b"1"}
_DAY_FOLDER = re.compile(r"date=(\d{4}-\d{2}-\d{2})")


def day_of(file: Path) -> date | None:
    """The day a log file holds, from its partition folder (None outside the layout)."""
    match = _DAY_FOLDER.fullmatch(file.parent.name)
    return date.fromisoformat(match.group(1)) if match else None


def is_log_file(path: Path) -> bool:
    """A journal segment, or a Parquet file that the log's compaction wrote."""
    if path.suffix == JOURNAL_SUFFIX:
        return True
    if path.suffix != PART_SUFFIX:
        return False
    metadata = pq.read_schema(path).metadata or {}
    return all(metadata.get(key) == value for key, value in PART_MARK.items())


def log_files(folder: Path) -> list[Path]:
    """The files holding the log's decisions, oldest segment first: every part, and every journal not
    compacted yet (a journal beside its part is a compaction that died before deleting it).

    Journals are listed before parts: a segment compacted in between is missed by the first listing
    only, since its part is renamed into place before its journal is deleted.
    """
    if folder.is_file():
        return [folder] if is_log_file(folder) else []
    journals = {p.with_suffix(""): p for p in folder.glob(f"date=*/part-*{JOURNAL_SUFFIX}")}
    parts = {p.with_suffix(""): p for p in folder.glob(f"date=*/part-*{PART_SUFFIX}")}
    segments = journals | parts
    return [segments[stem] for stem in sorted(segments)]


def file_columns(path: Path) -> list[str]:
    """The column names a log file holds (the scalars and its model's features)."""
    if path.suffix == JOURNAL_SUFFIX:
        try:
            return [*SCALARS.names, *journal_features(path)]
        except FileNotFoundError:  # compacted since it was listed: its part holds the same rows
            path = path.with_suffix(PART_SUFFIX)
        except JournalError:
            return list(SCALARS.names)
    return pq.read_schema(path).names


def read_log_file(path: Path, columns: Sequence[str] | None = None) -> pa.Table:
    """A log file's decisions: `columns` that it has, in that order (None: all), NaN read as null."""
    if path.suffix == JOURNAL_SUFFIX:
        try:
            return read_journal(path, columns)
        except FileNotFoundError:  # compacted since it was listed: its part holds the same rows, and more
            path = path.with_suffix(PART_SUFFIX)
        except JournalError:  # its header never reached the disk (machine crash): no decision in it
            log.warning("unreadable journal skipped", extra={"path": path.name})
            names = SCALARS.names if columns is None else [c for c in columns if c in SCALARS.names]
            return SCALARS.empty_table().select(names)
    kept = None if columns is None else [c for c in columns if c in pq.read_schema(path).names]
    return pq.read_table(path, columns=kept)


def read_log(folder: Path, columns: Sequence[str] | None = None) -> pa.Table:
    """Every decision of a log folder, oldest segment first (a feature a segment lacks reads null)."""
    tables = [read_log_file(path, columns) for path in log_files(folder)]
    return pa.concat_tables(tables, promote_options="default") if tables else pa.table({})
