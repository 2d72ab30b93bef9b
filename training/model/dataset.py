"""Training and production sets from Feast: point-in-time features of each application at its time."""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import duckdb
import pandas as pd

from credit_features.backend import FEATURE_SERVICE
from credit_features.protected import allowed
from credit_features.store import historical_features

Split = Literal["train", "test"]
KEYS = ("SK_ID_CURR", "event_timestamp")
LABEL = "TARGET"


@dataclass(frozen=True)
class DatasetResult:
    """What `python -m training dataset` wrote."""

    split: str
    rows: int
    features: int
    target_rate: float
    feature_service: str
    path: str
    seconds: float


def entities(parquet_dir: Path, split: Split) -> pd.DataFrame:
    """(SK_ID_CURR, event_timestamp[, TARGET]) of every application of a split, at its application time.

    TARGET is the label, joined from the application table; it never enters a feature table.
    """
    times = parquet_dir / "application_time.parquet"
    frame = duckdb.sql(
        "SELECT SK_ID_CURR, APPLICATION_TIME AS event_timestamp FROM read_parquet(?) WHERE SPLIT = ?",
        params=[str(times), split],
    ).df()
    if split == "train":
        labels = duckdb.sql(
            "SELECT SK_ID_CURR, TARGET FROM read_parquet(?)",
            params=[str(parquet_dir / "application_train.parquet")],
        ).df()
        frame = frame.merge(labels, on="SK_ID_CURR", how="inner", validate="one_to_one")
    return frame.sort_values("SK_ID_CURR", ignore_index=True)


def feature_columns(frame: pd.DataFrame, *, protected: bool = False) -> list[str]:
    """The model's input columns of a Feast training frame, in the feature service's order: never the
    protected attributes (credit_features.protected), unless `protected` asks for them to measure what
    leaving them out costs (such a model is never served)."""
    columns = [column for column in frame.columns if column not in (*KEYS, LABEL)]
    return columns if protected else allowed(columns)


def build_dataset(parquet_dir: Path, out: Path, split: Split = "train") -> DatasetResult:
    """Write `<out>/<split>.parquet`: Feast historical features of the split's applications (+ TARGET)."""
    started = time.perf_counter()
    frame = historical_features(entities(parquet_dir, split)).sort_values("SK_ID_CURR", ignore_index=True)
    out.mkdir(parents=True, exist_ok=True)
    path = out / f"{split}.parquet"
    partial = path.with_suffix(".parquet.partial")
    frame.to_parquet(partial, index=False)
    partial.replace(path)
    return DatasetResult(
        split=split,
        rows=len(frame),
        features=len(feature_columns(frame)),
        target_rate=float(frame[LABEL].mean()) if LABEL in frame else float("nan"),
        feature_service=FEATURE_SERVICE,
        path=str(path),
        seconds=time.perf_counter() - started,
    )
