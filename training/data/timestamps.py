"""Application timestamps: when each application was made, so that Feast's point-in-time joins mean something.

The Kaggle tables only hold days relative to the application, never a date. Two sources:

* Synthetic folders carry ``synthetic_truth.csv``; its SK_ID_CURR, SPLIT and APPLICATION_TIME columns
  are used as they are. PLANTED_PROBABILITY is never selected: no feature may ever see it.
* Real folders get the *rank rule* (deterministic, no randomness, no clock):
  anchor = 2018-05-17T00:00Z (the competition's launch). Test applications ("production") spread over
  the 3 months before the anchor, [2018-02-17, 2018-05-17); train applications over the 18 months
  before that, [2016-08-17, 2018-02-17). Within a split, the application of rank k (0-based, by
  ascending SK_ID_CURR) among n gets ``start + floor(k * (end - start) / n)`` microseconds, so every
  train application precedes every test one and the same files always give the same times.

Both write ``application_time.parquet`` (SK_ID_CURR int64, SPLIT 'train'/'test', APPLICATION_TIME
timestamp[us, UTC]) and are described in docs/data.md, "Application timestamps".
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from pathlib import Path

import duckdb

from credit_features.application import quote
from credit_features.tables import TRUTH_FILE
from training.data.duck import rejected, rejects_options

logger = logging.getLogger(__name__)

ANCHOR = datetime(2018, 5, 17, tzinfo=UTC)
TEST_START = datetime(2018, 2, 17, tzinfo=UTC)  # anchor - 3 months
TRAIN_START = datetime(2016, 8, 17, tzinfo=UTC)  # anchor - 3 months - 18 months
OUTPUT_FILE = "application_time.parquet"
TRUTH_COLUMNS = ("SK_ID_CURR", "SPLIT", "APPLICATION_TIME")

RANK_RULE = (
    "rank rule: train spread by SK_ID_CURR rank over [2016-08-17, 2018-02-17), "
    "test over [2018-02-17, 2018-05-17) UTC"
)
TRUTH_RULE = f"from {TRUTH_FILE} (SK_ID_CURR, SPLIT, APPLICATION_TIME only)"


def _applications_sql(parquet_dir: Path) -> str:
    """Every application with its split, read from the converted Parquet tables."""
    train = parquet_dir / "application_train.parquet"
    test = parquet_dir / "application_test.parquet"
    return (
        f"SELECT SK_ID_CURR, 'train' AS SPLIT FROM read_parquet({quote(train)}) "
        f"UNION ALL SELECT SK_ID_CURR, 'test' AS SPLIT FROM read_parquet({quote(test)})"
    )


def write_rank_rule(con: duckdb.DuckDBPyConnection, parquet_dir: Path) -> str:
    """Write application_time.parquet by the rank rule; returns the rule's description."""
    # HUGEINT: k * span (up to ~3e5 * 4.7e13 microseconds) overflows BIGINT.
    con.execute(
        f"""
        COPY (
            WITH windows(SPLIT, start_at, end_at) AS (
                VALUES ('train', $train_start::TIMESTAMPTZ, $test_start::TIMESTAMPTZ),
                       ('test', $test_start::TIMESTAMPTZ, $anchor::TIMESTAMPTZ)
            ),
            ranked AS (
                SELECT SK_ID_CURR, SPLIT,
                       row_number() OVER (PARTITION BY SPLIT ORDER BY SK_ID_CURR) - 1 AS k,
                       count(*) OVER (PARTITION BY SPLIT) AS n
                FROM ({_applications_sql(parquet_dir)})
            )
            SELECT r.SK_ID_CURR, r.SPLIT,
                   w.start_at + to_microseconds(CAST(
                       CAST(r.k AS HUGEINT) * (epoch_us(w.end_at) - epoch_us(w.start_at)) // r.n AS BIGINT
                   )) AS APPLICATION_TIME
            FROM ranked r JOIN windows w USING (SPLIT)
            ORDER BY r.SK_ID_CURR
        ) TO {quote(parquet_dir / OUTPUT_FILE)} (FORMAT parquet)
        """,
        {"train_start": TRAIN_START, "test_start": TEST_START, "anchor": ANCHOR},
    )
    return RANK_RULE


def write_from_truth(con: duckdb.DuckDBPyConnection, truth: Path, parquet_dir: Path) -> list[str]:
    """Write application_time.parquet from the truth file; returns the problems found (empty if none).

    Only the three time columns are projected out of the CSV (and bad lines are reported by their
    faulty field only), so the planted probability never leaves the truth file. The result must
    cover exactly the applications, each once, in its own split.
    """
    target = parquet_dir / OUTPUT_FILE
    types = "{'SK_ID_CURR': 'BIGINT', 'SPLIT': 'VARCHAR', 'APPLICATION_TIME': 'TIMESTAMPTZ'}"
    con.execute(
        f"""
        COPY (
            SELECT SK_ID_CURR, SPLIT, APPLICATION_TIME
            FROM read_csv({quote(truth)}, header = true, {rejects_options("rejects_truth")},
                          types = {types})
            ORDER BY SK_ID_CURR
        ) TO {quote(target)} (FORMAT parquet)
        """
    )
    checks = {
        "row(s) with an empty APPLICATION_TIME": f"SELECT count(*) "
        f"FROM {quote(target)} WHERE APPLICATION_TIME IS NULL",
        "row(s) whose SPLIT is not 'train' or 'test'": f"SELECT count(*) FROM {quote(target)} "
        "WHERE SPLIT IS NULL OR SPLIT NOT IN ('train', 'test')",
        "repeated SK_ID_CURR row(s)": f"SELECT count(*) - count(DISTINCT SK_ID_CURR) FROM {quote(target)}",
        "application(s) missing from the truth file or listed in the other split": f"""
            SELECT count(*) FROM ({_applications_sql(parquet_dir)}) a
            WHERE NOT EXISTS (SELECT 1 FROM {quote(target)} t
                              WHERE t.SK_ID_CURR = a.SK_ID_CURR AND t.SPLIT = a.SPLIT)""",
        "row(s) whose SK_ID_CURR is in no application file": f"""
            SELECT count(*) FROM {quote(target)} t
            WHERE NOT EXISTS (SELECT 1 FROM ({_applications_sql(parquet_dir)}) a
                              WHERE a.SK_ID_CURR = t.SK_ID_CURR)""",
    }
    kinds = {"SK_ID_CURR": "int64", "APPLICATION_TIME": "ISO timestamp"}
    problems = rejected(con, "rejects_truth", TRUTH_FILE, kinds)
    for label, sql in checks.items():
        (count,) = con.execute(sql).fetchone() or (0,)
        if count:
            problems.append(f"{TRUTH_FILE}: {count} {label}")
    return problems
