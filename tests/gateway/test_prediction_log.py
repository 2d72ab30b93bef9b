"""The gateway's prediction log on real files and real processes: exact round trip through compaction,
segments that roll, nothing acknowledged lost to kill -9, and recovery of what a dead process left."""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from credit_model.decision_journal import SCALARS, read_journal
from credit_model.decision_log import log_files, read_log
from credit_model.journal_records import Decision, header
from gateway.decisions.log_compaction import write_part
from gateway.decisions.prediction_log import PredictionLog
from gateway.decisions.spare_cpu import SpareCpu

pytestmark = pytest.mark.unit

FEATURES = tuple(f"F{i:03d}" for i in range(400))
DAY = datetime(2025, 3, 1, 9, tzinfo=UTC)

#: A gateway stand-in: appends decisions as fast as it can and prints each id once append returned.
_CHILD = """
import sys
from pathlib import Path
import numpy as np
from credit_model.journal_records import Decision
from gateway.decisions.prediction_log import PredictionLog, now
features = tuple(f"F{i:03d}" for i in range(400))
log = PredictionLog(Path(sys.argv[1]))
i = 0
while True:
    row = np.arange(400.0) * i
    row[i % 400] = np.nan
    log.append(Decision(f"r{i}", now(), i, "7", 0.25, "granted", 0.5, features, row))
    print(i, flush=True)
    i += 1
"""


def _row(i: int) -> np.ndarray:
    row = np.arange(400.0) * i
    row[i % 400] = np.nan
    return row


def _decision(i: int, values: np.ndarray, features: tuple[str, ...] = FEATURES, days: int = 0) -> Decision:
    return Decision(
        request_id=f"r{i}",
        time=DAY + timedelta(days=days, seconds=i),
        client_id=i,
        model_version="7",
        probability=i / 1000,
        outcome=("granted", "refused", "referred")[i % 3],
        threshold=0.5,
        features=features,
        values=values,
    )


def _matrix(table: pa.Table, features: tuple[str, ...] = FEATURES) -> np.ndarray:
    return np.column_stack([table[f].to_numpy(zero_copy_only=False) for f in features])


def test_compacted_parts_keep_every_value_and_field(tmp_path: Path) -> None:
    # given rows with missing values, signed zeros, extremes, repeated flags and continuous amounts
    rng = np.random.default_rng(0)
    rows = rng.lognormal(10, 2, size=(500, len(FEATURES)))
    rows[:, :100] = rng.integers(0, 3, size=(500, 100))  # flags and counts: a dictionary's case
    rows[rng.uniform(size=rows.shape) < 0.3] = np.nan
    rows[0, :4] = [-0.0, np.inf, 5e-324, 1.7976931348623157e308]
    decisions = [_decision(i, row) for i, row in enumerate(rows)]
    # when the gateway logs them and stops (its close compacts the open segment)
    log = PredictionLog(tmp_path, sync_seconds=60)
    for decision in decisions:
        log.append(decision)
    log.close()
    # then one Parquet part holds them, exactly, and no journal remains
    files = log_files(tmp_path)
    assert [f.suffix for f in files] == [".parquet"], files
    table = read_log(tmp_path)
    assert table.column_names == [*SCALARS.names, *FEATURES], "scalars, then one column per feature"
    back = _matrix(table)
    assert np.array_equal(np.isnan(back), np.isnan(rows)), "NaN stays missing, nothing else is"
    assert back.tobytes() == np.where(np.isnan(rows), back, rows).tobytes(), "every value bit-exact"
    assert table["request_id"].to_pylist() == [d.request_id for d in decisions], "in append order"
    assert table["time"].to_pylist() == [d.time for d in decisions]
    assert table["refused"].to_pylist() == [d.refused for d in decisions]
    assert table["outcome"].to_pylist() == [d.outcome for d in decisions]
    assert table["probability"].to_pylist() == [d.probability for d in decisions]
    # and each column has the encoding that suits it
    chunks = pq.ParquetFile(files[0]).metadata.row_group(0)
    encodings = {
        chunks.column(i).path_in_schema: chunks.column(i).encodings for i in range(chunks.num_columns)
    }
    assert "RLE_DICTIONARY" in encodings["F000"], f"a 3-valued column is a dictionary: {encodings['F000']}"
    assert "BYTE_STREAM_SPLIT" in encodings["F399"], f"amounts are byte-stream split: {encodings['F399']}"
    assert "DELTA_BINARY_PACKED" in encodings["time"], encodings["time"]


def test_segments_roll_on_a_new_feature_order_a_new_day_and_a_full_segment(tmp_path: Path) -> None:
    # given a log of 3-decision segments
    log = PredictionLog(tmp_path, sync_seconds=60, segment_rows=3)
    other = ("F000", "F001", "NEW")
    # when it takes 4 decisions of one model, 2 of a model with another feature order, 1 the next day
    for i in range(4):
        log.append(_decision(i, _row(i)))
    for i in range(4, 6):
        log.append(_decision(i, np.array([1.0, 2.0, i]), features=other))
    log.append(_decision(6, _row(6), days=1))
    log.close()
    # then 4 parts: 3 + 1 rows (full), 2 rows (new features), 1 row (new day, its own folder)
    files = log_files(tmp_path)
    sizes = [pq.ParquetFile(f).metadata.num_rows for f in files]
    assert sizes == [3, 1, 2, 1], sizes
    assert [f.parent.name for f in files] == ["date=2025-03-01"] * 3 + ["date=2025-03-02"]
    assert pq.read_schema(files[2]).names[-3:] == list(other), "a part has its model's features"
    table = read_log(tmp_path, ["request_id", "F001", "NEW"])
    assert table["request_id"].to_pylist() == [f"r{i}" for i in range(7)], "oldest segment first"
    assert table["NEW"].to_pylist() == [None] * 4 + [4.0, 5.0, None], "absent where a model lacked it"


def test_a_killed_writer_loses_no_acknowledged_decision_and_its_journal_is_recovered(tmp_path: Path) -> None:
    # given a child process appending decisions and reporting each one once its append returned
    # (in a process group of its own: kill -9 takes its compaction child too, as a container's end would;
    # a compaction outliving it could turn the journal into a part while this test looks at it)
    child = subprocess.Popen(
        [sys.executable, "-c", _CHILD, str(tmp_path)],
        stdout=subprocess.PIPE,
        text=True,
        bufsize=1,
        start_new_session=True,
    )
    acknowledged = []
    try:
        assert child.stdout is not None
        while len(acknowledged) < 2000:
            line = child.stdout.readline()
            assert line, "the child stopped before 2000 decisions"
            acknowledged.append(f"r{int(line)}")
        # when another process starts while the child is alive, its recovery leaves the live journal alone
        PredictionLog(tmp_path).close()
        assert [f.suffix for f in log_files(tmp_path)] == [".journal"], "a live journal is never compacted"
        # and the child is killed mid-stream
        os.killpg(child.pid, signal.SIGKILL)
        acknowledged += [f"r{int(line)}" for line in child.stdout.read().split()]
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(child.pid, signal.SIGKILL)
        child.wait()
    (journal,) = log_files(tmp_path)
    with journal.open("ab") as file:  # and a machine crash would have left a torn record at the end
        file.write(os.urandom(1000))
    # then every acknowledged decision is in the log, in order, with its values
    logged = read_log(tmp_path)
    ids = logged["request_id"].to_pylist()
    assert ids[: len(acknowledged)] == acknowledged, "every acknowledged decision, in order"
    assert len(ids) - len(acknowledged) <= 1, "at most the one in flight beyond them"
    expected = np.vstack([_row(i) for i in range(len(ids))])
    assert np.array_equal(_matrix(logged), expected, equal_nan=True), "each row as appended"
    # and the next start compacts the dead process's journal into a part with the same decisions
    PredictionLog(tmp_path).close()
    assert [f.suffix for f in log_files(tmp_path)] == [".parquet"], "the leftover journal was compacted"
    assert not list(tmp_path.rglob("*.journal")), "and deleted"
    recovered = read_log(tmp_path)
    assert recovered["request_id"].to_pylist() == ids, "recovery loses and duplicates nothing"
    assert np.array_equal(_matrix(recovered), expected, equal_nan=True)


def test_a_compaction_that_died_before_deleting_its_journal_counts_once(tmp_path: Path) -> None:
    # given a journal whose part was renamed into place, the journal still there (killed in between)
    log = PredictionLog(tmp_path, sync_seconds=60, segment_rows=10)
    for i in range(5):
        log.append(_decision(i, _row(i)))
    (journal,) = tmp_path.rglob("*.journal")
    kept = tmp_path / "kept.journal"
    shutil.copy(journal, kept)
    log.close()
    (part,) = tmp_path.rglob("*.parquet")
    shutil.copy(kept, journal)
    write_part(read_journal(journal), part)
    # then readers count its decisions once, and the next start deletes the journal only
    assert read_log(tmp_path).num_rows == 5, "the part wins over its journal"
    PredictionLog(tmp_path).close()
    assert not journal.exists(), "the journal of a written part is deleted"
    assert read_log(tmp_path)["request_id"].to_pylist() == [f"r{i}" for i in range(5)]


def test_a_gateway_stopping_on_a_busy_machine_compacts_its_journals_at_once(tmp_path: Path) -> None:
    # given a dead process's journal (a start-up compaction will take it in the background)
    log = PredictionLog(tmp_path, sync_seconds=60)
    for i in range(5):
        log.append(_decision(i, _row(i)))
    (journal,) = tmp_path.rglob("*.journal")
    shutil.copy(journal, tmp_path / "kept")
    log.close()
    for part in tmp_path.rglob("*.parquet"):
        part.unlink()
    shutil.move(tmp_path / "kept", journal)
    # and every core kept busy at normal priority, as other services and tests keep CI's
    hogs = [subprocess.Popen([sys.executable, "-c", "while True: pass"]) for _ in range(os.cpu_count() or 1)]
    try:
        # when a gateway starts, logs one decision and stops
        log = PredictionLog(tmp_path, sync_seconds=60)
        log.append(_decision(5, _row(5)))
        closing = threading.Thread(target=log.close)
        closing.start()
        closing.join(timeout=15)  # under a second here; 43 s when it waited
        # then it stopped, though the background compaction only gets CPU time nothing else wants
        assert not closing.is_alive(), "the stop waited on a compaction starved by the busy cores"
    finally:
        for hog in hogs:
            hog.kill()
            hog.wait()
    closing.join()
    # and every decision, the dead process's and its own, is in a part
    assert {f.suffix for f in log_files(tmp_path)} == {".parquet"}, "no journal left behind"
    assert read_log(tmp_path)["request_id"].to_pylist() == [f"r{i}" for i in range(6)]


def test_a_journal_without_a_whole_record_leaves_no_part(tmp_path: Path) -> None:
    # given a dead process's journal that holds its header and half a record
    folder = tmp_path / "date=2025-03-01"
    folder.mkdir()
    journal = folder / "part-1-1.journal"
    journal.write_bytes(header(FEATURES) + b"\x10\x00")
    # when a gateway starts and stops, then the journal is gone and no empty part was written
    PredictionLog(tmp_path).close()
    assert not journal.exists(), "nothing in it was acknowledged"
    assert not list(tmp_path.rglob("*.parquet")), "no part for no decision"


def test_readers_skip_a_journal_whose_header_never_reached_the_disk(tmp_path: Path) -> None:
    # given a log with one decision in a part, and a journal whose header is garbage (machine crash)
    log = PredictionLog(tmp_path, sync_seconds=60)
    log.append(_decision(0, _row(0)))
    log.close()
    (tmp_path / "date=2025-03-01" / "part-9-9.journal").write_bytes(b"\x00" * 64)
    # then readers read the part's decision and nothing of the journal
    assert read_log(tmp_path)["request_id"].to_pylist() == ["r0"]
    assert read_log(tmp_path, ["time", "F001"]).num_rows == 1


def test_journals_a_process_died_creating_are_discarded(tmp_path: Path) -> None:
    # given a hidden journal never renamed in (its creator died), and a fresh one (a creator at work)
    folder = tmp_path / "date=2025-03-01"
    folder.mkdir()
    dead, fresh = folder / ".part-1-1.journal.new", folder / ".part-2-2.journal.new"
    dead.write_bytes(b"partial header")
    fresh.write_bytes(b"")
    os.utime(dead, (0, 0))
    # when a gateway starts
    PredictionLog(tmp_path).close()
    # then the dead one is gone and the fresh one left to its creator
    assert not dead.exists(), "nothing of it was acknowledged"
    assert fresh.exists(), "it may be a live process between its create and its lock"


class _Machine:
    """A machine whose CPU is busy or idle at the test's word (its /proc/stat, as SpareCpu reads it)."""

    def __init__(self, busy: bool) -> None:
        self.busy = busy
        self._idle = self._total = 0.0

    def read(self) -> tuple[float, float]:
        self._total += 100
        self._idle += 0 if self.busy else 100
        return self._idle, self._total


def test_a_closed_segment_waits_for_a_spare_core_before_its_compaction(tmp_path: Path) -> None:
    # given a log of 2-decision segments on a machine whose cores are all busy
    machine = _Machine(busy=True)
    log = PredictionLog(tmp_path, sync_seconds=60, segment_rows=2, spare=SpareCpu(machine.read, cores=2))
    # when a segment closes
    for i in range(3):
        log.append(_decision(i, _row(i)))
    threading.Event().wait(2.5)  # two polls and a half
    # then it stays a journal while the machine is busy (readers read it as it is)
    assert not list(tmp_path.rglob("*.parquet")), "no compaction on a busy machine"
    assert read_log(tmp_path).num_rows == 3
    # and becomes a part once a core is idle
    machine.busy = False
    deadline = time.monotonic() + 30
    while not list(tmp_path.rglob("*.parquet")) and time.monotonic() < deadline:
        threading.Event().wait(0.1)
    assert [pq.ParquetFile(f).metadata.num_rows for f in tmp_path.rglob("*.parquet")] == [2]
    log.close()


def test_a_stopping_gateway_does_not_wait_for_a_spare_core(tmp_path: Path) -> None:
    # given a closed segment waiting for a spare core that never comes
    log = PredictionLog(
        tmp_path, sync_seconds=60, segment_rows=2, spare=SpareCpu(_Machine(True).read, cores=2)
    )
    for i in range(3):
        log.append(_decision(i, _row(i)))
    threading.Event().wait(1.5)
    # when the log closes
    started = time.monotonic()
    log.close()
    # then every decision is compacted at once, not after the longest wait
    assert time.monotonic() - started < 60, "DEFER_SECONDS is 300"
    assert sorted(pq.ParquetFile(f).metadata.num_rows for f in tmp_path.rglob("*.parquet")) == [1, 2]
    assert not list(tmp_path.rglob("*.journal"))
