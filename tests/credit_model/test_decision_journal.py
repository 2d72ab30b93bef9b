"""The prediction log's journal codec on real files: exact round trip, torn tails and headers rejected."""

from __future__ import annotations

import json
import struct
import zlib
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import numpy as np
import pytest

from credit_model.decision_journal import MAGIC_V1, SCALARS, JournalError, journal_features, read_journal
from credit_model.journal_records import MAGIC, Decision, day_name, day_number, header, micros, record

pytestmark = pytest.mark.unit

FEATURES = ("A", "B", "C", "D")
START = datetime(2025, 3, 1, 23, 59, 59, 999_999, tzinfo=UTC)


def _decision(i: int, values: np.ndarray) -> Decision:
    return Decision(
        request_id=f"req-{i}",
        time=START + timedelta(microseconds=i),
        client_id=100_000 + i,
        model_version="12",
        probability=i / 7,
        outcome=("granted", "refused", "referred")[i % 3],
        threshold=0.31,
        features=FEATURES,
        values=values,
        model_name="credit-default",
        policy_version=f"policy-{i}" if i % 2 else "",
        reasons=json.dumps({"é": i / 3, "pad": "x" * 300 * i}, ensure_ascii=False),
    )


def _write(path: Path, decisions: list[Decision]) -> bytes:
    """A journal as the gateway writes it: the header, then each record's buffers back to back."""
    data = header(FEATURES) + b"".join(
        b"".join(bytes(buffer) for buffer in record(d, micros(d.time))) for d in decisions
    )
    path.write_bytes(data)
    return data


@pytest.fixture
def rows() -> np.ndarray:
    """Values that text formats and careless codecs lose: NaN, signed zero, infinities, extremes."""
    rng = np.random.default_rng(3)
    values = rng.normal(size=(6, len(FEATURES))) * 10.0 ** rng.integers(-300, 300, size=(6, len(FEATURES)))
    values[0] = [np.nan, -0.0, np.inf, -np.inf]
    values[1] = [5e-324, 1.7976931348623157e308, 0.1 + 0.2, np.nan]
    return values


def test_every_field_and_value_comes_back_exactly(tmp_path: Path, rows: np.ndarray) -> None:
    # given six decisions written as journal records
    path = tmp_path / "part-1.journal"
    decisions = [_decision(i, row) for i, row in enumerate(rows)]
    _write(path, decisions)
    # when reading the journal back
    table = read_journal(path)
    # then the scalars are the decisions' and every value is bit-for-bit the row's (NaN as null)
    assert table.column_names == [*SCALARS.names, *FEATURES], "scalars first, then the header's features"
    assert table["request_id"].to_pylist() == [d.request_id for d in decisions]
    assert table["time"].to_pylist() == [d.time for d in decisions], "times to the microsecond"
    assert table["refused"].to_pylist() == [d.refused for d in decisions]
    assert table["outcome"].to_pylist() == [d.outcome for d in decisions]
    assert table["probability"].to_pylist() == [d.probability for d in decisions]
    assert table["model_name"].to_pylist() == ["credit-default"] * len(decisions)
    assert table["policy_version"].to_pylist() == [d.policy_version for d in decisions]
    assert table["reasons"].to_pylist() == [d.reasons for d in decisions], "UTF-8 text, exactly"
    back = np.column_stack([table[f].to_numpy(zero_copy_only=False) for f in FEATURES])
    assert back.tobytes() == np.where(np.isnan(rows), back, rows).tobytes(), "bit-exact, -0.0 included"
    assert np.array_equal(np.isnan(back), np.isnan(rows)), "NaN stays missing"
    assert table["A"].null_count == 1, "a missing value is a null, not a number"
    assert journal_features(path) == FEATURES, "the header alone names the features"


def test_a_torn_or_corrupt_tail_record_is_ignored(tmp_path: Path, rows: np.ndarray) -> None:
    # given a journal of six records
    path = tmp_path / "part-1.journal"
    data = _write(path, [_decision(i, row) for i, row in enumerate(rows)])
    # when the last record is cut short, or its bytes are garbage after a crash
    path.write_bytes(data[:-7])
    torn = read_journal(path)
    path.write_bytes(data[:-40] + bytes(40))
    zeroed = read_journal(path)
    path.write_bytes(data + b"\x00" * 3)
    trailing = read_journal(path)
    path.write_bytes(data[: len(header(FEATURES)) + 20])
    empty = read_journal(path)
    # then the five complete records are read, and nothing of the bad one
    assert torn.num_rows == 5, "a record cut short is not a decision"
    assert zeroed.num_rows == 5, "a record whose CRC fails is not a decision"
    assert zeroed["request_id"].to_pylist()[-1] == "req-4"
    assert trailing.num_rows == 6, "bytes too few for a record prefix are ignored"
    assert (empty.num_rows, empty.column_names) == (0, [*SCALARS.names, *FEATURES]), "no whole record"


def test_a_segment_of_the_first_format_still_reads_without_policy_and_reasons(tmp_path: Path) -> None:
    # given a journal written before the reasons were recorded: format 1's magic and fixed fields
    body = b'{"features": ["A", "B", "C", "D"]}'
    data = MAGIC_V1 + struct.pack("<II", len(body), zlib.crc32(body)) + body
    for i in range(3):
        fixed = struct.pack("<qqddBBH", 1_700_000_000_000_000 + i, 100 + i, i / 7, 0.31, i % 3, 5, 2)
        payload = fixed + np.arange(4.0).tobytes() + f"req-{i}".encode() + b"12"
        data += struct.pack("<II", len(payload), zlib.crc32(payload)) + payload
    path = tmp_path / "part-1.journal"
    path.write_bytes(data)
    # when reading it
    table = read_journal(path)
    # then its decisions are whole, and what it never held is null
    assert table["request_id"].to_pylist() == ["req-0", "req-1", "req-2"]
    assert table["model_version"].to_pylist() == ["12"] * 3
    assert table["outcome"].to_pylist() == ["granted", "refused", "referred"]
    assert table["D"].to_pylist() == [3.0] * 3
    assert table["reasons"].null_count == table["policy_version"].null_count == 3


def test_columns_select_and_order_what_the_journal_has(tmp_path: Path, rows: np.ndarray) -> None:
    path = tmp_path / "part-1.journal"
    _write(path, [_decision(i, row) for i, row in enumerate(rows)])
    table = read_journal(path, ["C", "time", "Z", "A"])
    assert table.column_names == ["C", "time", "A"], "asked order, unknown names left out"
    assert table["C"].to_pylist()[2] == rows[2, 2]


def test_a_file_without_a_whole_header_is_not_a_journal(tmp_path: Path) -> None:
    path = tmp_path / "part-1.journal"
    whole = header(FEATURES)
    flipped = whole[:-2] + bytes([whole[-2] ^ 1]) + whole[-1:]
    for data in (b"", whole[:-1], b"JUNKJUNK" + whole[len(MAGIC) :], flipped):
        path.write_bytes(data)
        with pytest.raises(JournalError):
            read_journal(path)


def test_a_row_that_does_not_match_its_features_is_refused() -> None:
    with pytest.raises(ValueError, match="3 values for 4 features"):
        record(_decision(0, np.zeros(3)), 0)


def test_days_follow_utc() -> None:
    before = micros(START)
    assert day_name(day_number(before)) == "2025-03-01"
    assert day_name(day_number(before + 1)) == "2025-03-02", "one microsecond later is the next day"
    paris = datetime(2025, 3, 2, 0, 30, tzinfo=UTC).astimezone(ZoneInfo("Europe/Paris"))
    assert day_name(day_number(micros(paris))) == "2025-03-02", "an aware time in any zone"
