"""Compaction of the prediction log: closed journal segments become zstd Parquet parts.

The gateway runs it in a process of its own (`python -m gateway.decisions.log_compaction FOLDER`): decoding a
journal is Python work that, in a thread, held the GIL for the event loop to wait on (appends during a
compaction reached 6 ms at p99 in bench/prediction_log.py); a child costs under a second of start-up
per 20,000-decision segment instead, and gives its memory back when it exits.

A journal costs ~3.4 KB per decision (the row as float64); its part ~0.5-1.1 KB. Each column gets the
encoding that makes it smallest on this data: a dictionary when it repeats (flags, counts, categories,
the model version: < 1 distinct value in 4), otherwise BYTE_STREAM_SPLIT for floats (zstd then finds
the exponent bytes alike) and DELTA_BINARY_PACKED for integers (times grow, ids repeat in runs);
missing values are nulls (one bit each). Only `time` keeps statistics: readers prune by time, never by
a feature, and 400-odd columns' statistics would bloat every footer.

Safety: a journal is compacted under an exclusive flock, the lock its writer holds while the segment is
open, so a live segment is never touched and a dead process's (kill -9 releases it) is taken by the first
process that starts. The part is written under a hidden name, fsynced, renamed into place and the folder
fsynced before the journal is deleted: at any instant, every decision is in the journal, the part or both.
"""

from __future__ import annotations

import argparse
import contextlib
import fcntl
import logging
import os
import sys
import time
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from credit_common.logging import configure_logging
from credit_model.decision_journal import JournalError, read_journal
from credit_model.decision_log import PART_MARK
from credit_model.journal_records import JOURNAL_SUFFIX, PART_SUFFIX

log = logging.getLogger(__name__)

#: A column is dictionary-encoded when it has fewer distinct values than rows / DICTIONARY_RATIO.
DICTIONARY_RATIO = 4
ZSTD_LEVEL = 3
#: Scheduling priority of the compaction process, below the gateway's (0).
NICENESS = 19
#: Age after which a hidden, never-renamed journal is a dead process's (creation takes microseconds).
UNBORN_SECONDS = 60.0


def encodings(table: pa.Table) -> dict[str, Any]:
    """pyarrow.parquet.write_table arguments choosing each column's encoding (see the module doc)."""
    dictionary, encoding = [], {}
    for name, column in zip(table.column_names, table.columns, strict=True):
        kind = column.type
        if pa.types.is_boolean(kind):
            continue  # bit-packed as it is
        if pc.count_distinct(column).as_py() * DICTIONARY_RATIO < max(len(column), 1):
            dictionary.append(name)
        elif pa.types.is_floating(kind):
            encoding[name] = "BYTE_STREAM_SPLIT"
        elif pa.types.is_integer(kind) or pa.types.is_timestamp(kind):
            encoding[name] = "DELTA_BINARY_PACKED"
    return {"use_dictionary": dictionary, "column_encoding": encoding}


def write_part(table: pa.Table, part: Path) -> None:
    """Write `table` as the Parquet part `part`, atomically and durably (hidden temporary, fsync, rename)."""
    temporary = part.with_name(f".{part.name}.tmp")
    marked = table.replace_schema_metadata({**(table.schema.metadata or {}), **PART_MARK})
    pq.write_table(
        marked,
        temporary,
        compression="zstd",
        compression_level=ZSTD_LEVEL,
        write_statistics=["time"],
        **encodings(table),
    )
    with temporary.open("rb") as file:
        os.fsync(file.fileno())
    temporary.replace(part)
    folder = os.open(part.parent, os.O_RDONLY)
    try:
        os.fsync(folder)  # the rename is on disk before the journal's deletion can be
    finally:
        os.close(folder)


def compact(journal: Path) -> Path | None:
    """Turn a closed journal into its part and delete it; None when its writer still holds it, when
    another process compacted it first, or when it held no complete record."""
    try:
        fd = os.open(journal, os.O_RDONLY)
    except FileNotFoundError:
        return None
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return None  # its writer is alive
        if os.fstat(fd).st_nlink == 0:
            return None  # compacted by another process between our open and our lock
        part = journal.with_suffix(PART_SUFFIX)
        written = part.exists()  # renamed by a compaction that died before the deletion
        if not written:
            try:
                table = read_journal(journal)
            except JournalError:
                table = None  # died while creating it: nothing was acknowledged in it
            if table is not None and table.num_rows:
                write_part(table, part)
                written = True
        journal.unlink()
        return part if written else None
    finally:
        os.close(fd)  # releases the lock


def leftover_journals(folder: Path) -> list[Path]:
    """Journals in the log folder: dead processes' to recover (live ones are skipped by their lock)."""
    return sorted(folder.glob(f"date=*/part-*{JOURNAL_SUFFIX}")) if folder.is_dir() else []


def discard_unborn(folder: Path, older_than: float = UNBORN_SECONDS) -> None:
    """Delete hidden journals that a process died creating, before renaming them in (nothing in them was
    acknowledged); a recent one may be a live process between its create and its lock, so it waits."""
    for path in folder.glob("date=*/.part-*.new") if folder.is_dir() else ():
        with contextlib.suppress(OSError):
            if time.time() - path.stat().st_mtime < older_than:
                continue
            fd = os.open(path, os.O_RDONLY)
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                path.unlink()
            finally:
                os.close(fd)


def _compact_logged(journal: Path) -> Path | None:
    """compact() with a log line per part written; a failure leaves the journal, which readers read."""
    started = time.perf_counter()
    try:
        part = compact(journal)
    except (OSError, pa.ArrowException) as error:
        log.warning("prediction log compaction failed", extra={"path": journal.name, "error": str(error)})
        return None
    if part is not None:
        extra = {"path": part.name, "seconds": round(time.perf_counter() - started, 3)}
        with contextlib.suppress(OSError):
            log.info("prediction log part written", extra=extra | {"bytes": part.stat().st_size})
    return part


def compact_folder(folder: Path) -> list[Path]:
    """Compact every journal of the log that no live process holds; the parts written."""
    discard_unborn(folder)
    return [part for journal in leftover_journals(folder) if (part := _compact_logged(journal))]


def _yield_to_serving() -> None:
    """Run only on CPU time the serving processes leave: Linux's SCHED_IDLE class, else nice 19.

    A nice level only weights the share of a busy core; SCHED_IDLE waits for an idle one. (At nice 10,
    the capacity bench's step that saw a compaction had a p99 four times its neighbours'.)
    """
    try:
        os.sched_setscheduler(0, os.SCHED_IDLE, os.sched_param(0))
    except (AttributeError, OSError):  # not Linux, or not allowed
        os.nice(NICENESS)


def main(argv: list[str] | None = None) -> int:
    """`python -m gateway.decisions.log_compaction FOLDER`: what the gateway runs, in a process of its own."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folder", type=Path, help="the prediction log's folder")
    parser.add_argument("--log-level", default="INFO")
    parser.add_argument(
        "--at-once", action="store_true", help="normal priority: a stopping gateway's last compaction"
    )
    args = parser.parse_args(argv)
    configure_logging(args.log_level)
    if not args.at_once:
        _yield_to_serving()
    compact_folder(args.folder)
    return 0


if __name__ == "__main__":
    sys.exit(main())
