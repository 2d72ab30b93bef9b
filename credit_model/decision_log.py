"""The prediction log's layout, shared by its writer (the gateway) and its reader (the drift job).

One JSON object per decision, in files partitioned by day and writing process:
<folder>/date=YYYY-MM-DD/part-<pid>.jsonl. A record holds ids, the model version, the decision and
the model's inputs: never a name, a contact detail or any other personal field.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from pathlib import Path

#: The scalar fields the reader selects and their DuckDB types (`features` is a JSON object).
READ_COLUMNS: dict[str, str] = {
    "time": "VARCHAR",
    "model_version": "VARCHAR",
    "probability": "DOUBLE",
    "features": "JSON",
}
FILE_SUFFIX = ".jsonl"
_DAY_FOLDER = re.compile(r"date=(\d{4}-\d{2}-\d{2})")


@dataclass(frozen=True)
class Decision:
    """What the log keeps of one decision (no name, no contact detail: ids and model inputs only)."""

    request_id: str
    time: str
    client_id: int
    model_version: str
    probability: float
    refused: bool
    threshold: float
    features: dict[str, float | None]


def part_file(folder: Path, day: str, pid: int) -> Path:
    """The file one process appends a day's decisions to."""
    return folder / f"date={day}" / f"part-{pid}{FILE_SUFFIX}"


def day_of(file: Path) -> date | None:
    """The day a log file holds, from its partition folder (None outside the layout)."""
    match = _DAY_FOLDER.search(str(file.parent))
    return date.fromisoformat(match.group(1)) if match else None
