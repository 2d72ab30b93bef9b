"""Decision ids, lookups over the shared log folder, and the reasons as served: exact and tamper-evident."""

from __future__ import annotations

import math
import subprocess
import sys
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
import pytest

from credit_common.paths import REPO_ROOT
from credit_model.decision_ids import decision_time, new_decision_id
from credit_model.decision_log import log_files
from credit_model.decision_records import find_decision
from credit_model.journal_records import Decision
from credit_model.lending_policy import PolicyReason
from credit_model.served_reasons import ServedReasons
from gateway.decisions.prediction_log import PredictionLog

pytestmark = pytest.mark.unit

FEATURES = ("A", "B", "C")
REASONS = ServedReasons(
    explained=True,
    each_way=5,
    policy_reasons=(PolicyReason("novelty", "referred", 7.25, 6.0), PolicyReason("score", "refused")),
    base_value=-2.4,
    raw_score=0.1 + 0.2,
    contributions=(("B", 0.7000000000000001), ("A", -1e-300), ("C", 5e-324)),
    omitted_shap=0.0,
    families=(("bureau", 0.7), ("application", -1e-300)),
)
#: Another gateway process: logs one decision under the id it is given, then stops (its segment is
#: compacted to a Parquet part at close).
_OTHER_PROCESS = """
import sys
from pathlib import Path
import numpy as np
from credit_model.journal_records import Decision
from gateway.decisions.prediction_log import PredictionLog, now
log = PredictionLog(Path(sys.argv[1]))
row = np.array([1.0, np.nan, 3.0])
log.append(Decision(sys.argv[2], now(), 2, "4", 0.5, "refused", 0.3, ("A", "B", "C"), row,
                    model_name="credit-default", policy_version="p1", reasons=sys.argv[3]))
log.close()
"""


def test_a_decision_id_is_a_uuid7_that_tells_when_it_was_made() -> None:
    before = datetime.now(tz=UTC)
    ids = [new_decision_id() for _ in range(200)]
    parsed = uuid.UUID(hex=ids[0])
    assert (parsed.version, parsed.variant) == (7, uuid.RFC_4122)
    assert all(len(i) == 32 and i == i.lower() for i in ids), "32 hex digits, as request_id always was"
    assert len(set(ids)) == 200
    made = decision_time(ids[-1])
    assert made is not None
    assert before - timedelta(milliseconds=1) <= made <= datetime.now(tz=UTC)
    assert decision_time(
        new_decision_id(datetime(2026, 11, 20, 23, 59, 59, 999_000, tzinfo=UTC))
    ) == datetime(2026, 11, 20, 23, 59, 59, 999_000, tzinfo=UTC)
    assert decision_time(uuid.uuid4().hex) is None, "an id from before has no time"
    assert decision_time("not an id") is None


def test_a_decision_is_found_whichever_process_logged_it(tmp_path: Path) -> None:
    # given a gateway process that logged a decision and is still running (its journal is open)
    here = PredictionLog(tmp_path)
    mine = new_decision_id()
    row = np.array([0.1 + 0.2, -0.0, np.nan])
    here.append(
        Decision(
            mine,
            datetime.now(tz=UTC),
            1,
            "3",
            0.125,
            "granted",
            0.3,
            FEATURES,
            row,
            "credit-default",
            "p1",
            REASONS.to_json(),
        )
    )
    # and another process that logged one and stopped (compacted to a Parquet part)
    theirs = new_decision_id()
    subprocess.run(
        [sys.executable, "-c", _OTHER_PROCESS, str(tmp_path), theirs, REASONS.to_json()],
        check=True,
        cwd=REPO_ROOT,
    )
    assert sorted(path.suffix for path in log_files(tmp_path)) == [".journal", ".parquet"]
    # when each is looked up by its id
    found, other = find_decision(tmp_path, mine), find_decision(tmp_path, theirs)
    # then both come back whole: the row to the bit, the model, the policy and the reasons as served
    assert found is not None
    assert other is not None
    assert (found.client_id, found.model_name, found.model_version, found.policy_version) == (
        1,
        "credit-default",
        "3",
        "p1",
    )
    assert found.values.tobytes() == row.tobytes(), "-0.0 and NaN included"
    assert found.reasons is not None
    assert found.reasons.to_json() == REASONS.to_json(), "NaN bounds included"
    assert (other.client_id, other.outcome, other.probability) == (2, "refused", 0.5)
    assert other.feature_values() == {"A": 1.0, "B": None, "C": 3.0}
    assert other.reasons is not None
    assert other.reasons.differences(REASONS) == []
    assert find_decision(tmp_path, new_decision_id()) is None, "an id nobody logged"
    # and once the running process stops, its decision is read from its compacted part, the same
    here.close()
    compacted = find_decision(tmp_path, mine)
    assert [path.suffix for path in log_files(tmp_path)] == [".parquet", ".parquet"]
    assert compacted is not None
    assert compacted.reasons is not None
    assert compacted.reasons.to_json() == REASONS.to_json()
    assert compacted.values.tobytes() == row.tobytes()


def test_reasons_read_back_exactly_and_every_change_is_named() -> None:
    text = REASONS.to_json()
    back = ServedReasons.from_json(text)
    assert back.to_json() == text, "floats to the bit, NaN bounds included"
    assert back.contributions == REASONS.contributions
    assert math.isnan(back.policy_reasons[1].value)
    assert REASONS.differences(back) == []
    # a contribution one ulp away, the order of two reasons, a family's impact: each is named
    nudged = ServedReasons(
        **{
            **vars(REASONS),
            "contributions": (("B", np.nextafter(0.7000000000000001, 1.0)), *REASONS.contributions[1:]),
        }
    )
    assert REASONS.differences(nudged) == [
        "contribution 1: B 0.7000000000000001 against B 0.7000000000000002"
    ]
    swapped = ServedReasons(**{**vars(REASONS), "contributions": REASONS.contributions[::-1]})
    assert len(REASONS.differences(swapped)) == 2, "the first and last reasons swapped"
    families = ServedReasons(**{**vars(REASONS), "families": REASONS.families[:1]})
    assert REASONS.differences(families)[0].startswith("families: ")
    with pytest.raises(ValueError, match="format"):
        ServedReasons.from_json('{"explained": true}')
    with pytest.raises(ValueError, match="field each_way missing"):
        ServedReasons.from_json('{"format": 1, "explained": true}')
