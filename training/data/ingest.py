"""Ingest: check the 8 raw Home Credit CSV files against the real schema and convert them to Parquet.

Why it is built this way (the checks themselves are listed in docs/data.md, "Ingest checks"):

* Headers of every file are checked first and every problem is reported at once, before any slow work.
  Columns are matched by name: another order is accepted, an unknown column is ignored with a warning,
  a missing one is an error.
* Each CSV is first streamed into Parquet by pyarrow (training.data.arrow_csv), two files at a time,
  with the column types of credit_features.tables. A file pyarrow refuses is converted again by DuckDB
  (COPY ... TO), whose rejects table collects the bad values, so a type error names the file, the
  column, the line and the value. Clean files take the fast path; only a faulty one pays twice.
* int64 columns are read as DOUBLE and then cast: the real files write some integer columns as "2.0",
  and DuckDB's own BIGINT parser would silently round "2.5"; here a non-integer value is an error.
* Key integrity by anti-joins on the Parquet files: a repeated application id is an error; orphan
  child rows, which the real data has, are warnings counted in the result.
* Nothing is half-written: all goes to a temporary folder beside `out`, which replaces `out` only once
  every step succeeded; on failure `out` is left as it was and the temporary folder is removed.
"""

from __future__ import annotations

import csv
import logging
import shutil
import tempfile
import time
import uuid
from collections import Counter
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import duckdb
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from credit_features.application import quote
from credit_features.tables import (
    TABLE_KEYS,
    TABLE_NAMES,
    TRUTH_FILE,
    Dtype,
    column_names,
    columns,
    file_name,
)
from training.data import arrow_csv, timestamps
from training.data.duck import connect, rejected, rejects_options

logger = logging.getLogger(__name__)

APPLICATIONS = ("application_train", "application_test")
#: The tables that own each key; every other table holding the key should point into them.
KEY_OWNERS: dict[str, tuple[str, ...]] = {
    "SK_ID_CURR": APPLICATIONS,
    "SK_ID_BUREAU": ("bureau",),
    "SK_ID_PREV": ("previous_application",),
}
#: A repeated owner key is an error only for applications: one row per client is what the model scores.
STRICT_KEYS = frozenset({"SK_ID_CURR"})
_READ_TYPES: dict[Dtype, str] = {"int64": "DOUBLE", "float64": "DOUBLE", "string": "VARCHAR"}
_CSV_OPTIONS = "header = true, delim = ',', quote = '\"', escape = '\"', auto_detect = false"
_SHOWN = 5
#: Files pyarrow converts at once: one per core (each stream is mostly one thread).
FAST_WORKERS = 2


class IngestError(Exception):
    """The raw folder cannot be ingested; the message lists every problem found, each naming its file."""

    def __init__(self, problems: Sequence[str]) -> None:
        self.problems = tuple(problems)
        listing = "\n".join(f"  - {problem}" for problem in self.problems)
        super().__init__(f"{len(self.problems)} problem(s) in the raw folder:\n{listing}")


@dataclass(frozen=True)
class IngestResult:
    """What an ingest produced; the CLI prints it as the job's summary."""

    rows: dict[str, int]
    out: Path
    timestamp_rule: str
    warnings: dict[str, int]
    seconds: float


def ingest_folder(raw: Path, out: Path) -> IngestResult:
    """Validate the 8 CSV files of `raw` and write them, plus application_time, as Parquet into `out`."""
    started = time.perf_counter()
    raw, out = Path(raw).resolve(), Path(out).resolve()
    _check_paths(raw, out)
    headers = check_headers(raw)
    if headers.problems:
        raise IngestError(headers.problems)
    out.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{out.name}.tmp-", dir=out.parent))
    staging.chmod(0o755)  # mkdtemp's private 0700 would otherwise become the published folder's mode
    try:
        rows, rule, warnings = _build(raw, staging, headers.columns)
        warnings = {**headers.warnings, **warnings}
        _publish(staging, out)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    for label, count in warnings.items():
        logger.warning("ingest warning", extra={"check": label, "count": count})
    result = IngestResult(rows, out, rule, warnings, round(time.perf_counter() - started, 3))
    logger.info("ingest done", extra={"out": str(out), "rows": rows, "seconds": result.seconds})
    return result


@dataclass(frozen=True)
class Headers:
    """The header line of every table file present, with the problems and warnings it shows."""

    columns: dict[str, list[str]]
    problems: list[str]
    warnings: dict[str, int]


def check_headers(raw: Path) -> Headers:
    """Every problem in the files' presence and header lines, found before any slow work.

    Columns are matched by name, so another order is accepted (the select list puts them back in the
    real order). A missing or repeated column is an error; a column the real table does not have is
    ignored with a warning (a user's file with an extra column of their own still ingests).
    """
    problems: list[str] = []
    warnings: dict[str, int] = {}
    found: dict[str, list[str]] = {}
    for table in TABLE_NAMES:
        path = raw / file_name(table)
        if not path.is_file():
            problems.append(f"{path.name}: missing file (table {table} is required)")
            continue
        header, found_problems = _header(path)
        problems += found_problems
        if header is None:
            continue
        found[table] = header
        problems += _column_problems(path.name, header, column_names(table))
        unknown = [name for name in header if name not in column_names(table)]
        if unknown:
            warnings[f"{path.name}: unknown column(s) ignored: {_names(unknown)}"] = len(unknown)
    truth = raw / TRUTH_FILE
    if truth.is_file():
        header, found_problems = _header(truth)
        problems += found_problems
        if header is not None:
            missing = [name for name in timestamps.TRUTH_COLUMNS if name not in header]
            if missing:
                problems.append(f"{truth.name}: missing column(s) {_names(missing)}")
    return Headers(found, problems, warnings)


def _header(path: Path) -> tuple[list[str] | None, list[str]]:
    """The header line's names (a UTF-8 BOM dropped), or the problem reading it."""
    try:
        with path.open(newline="", encoding="utf-8-sig") as handle:  # -sig: a BOM must not rename col 1
            found = next(csv.reader(handle), [])
    except (UnicodeDecodeError, csv.Error) as error:
        return None, [f"{path.name}: unreadable header ({error})"]
    if not found:
        return None, [f"{path.name}: empty file, no header"]
    return found, []


def _column_problems(name: str, found: Sequence[str], expected: Sequence[str]) -> list[str]:
    problems = []
    missing = [column for column in expected if column not in found]
    if missing:
        problems.append(f"{name}: missing column(s) {_names(missing)}")
    repeated = [column for column, count in Counter(found).items() if count > 1]
    if repeated:
        problems.append(f"{name}: repeated column(s) {_names(repeated)}")
    return problems


def _names(items: Sequence[str]) -> str:
    shown = ", ".join(items[:_SHOWN])
    return shown + (f" and {len(items) - _SHOWN} more" if len(items) > _SHOWN else "")


def _build(
    raw: Path, staging: Path, headers: dict[str, list[str]]
) -> tuple[dict[str, int], str, dict[str, int]]:
    """Convert every table, then check keys and write timestamps; raise IngestError with all problems."""
    progress = Progress(
        TextColumn("{task.description:<40}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=Console(stderr=True),
        transient=True,
    )
    with (
        tempfile.TemporaryDirectory(prefix="ingest-spill-") as spill,
        connect(Path(spill)) as con,
        progress,
    ):
        task = progress.add_task("converting tables", total=len(TABLE_NAMES) + 2)
        rows = _convert_fast(raw, staging, lambda: progress.advance(task))
        problems: list[str] = []
        for index, table in enumerate(TABLE_NAMES):
            if table in rows:
                continue
            progress.update(task, description=f"checking {file_name(table)} with DuckDB")
            rows[table], found = convert_table(con, raw, staging, table, index=index, header=headers[table])
            problems += found
            progress.advance(task)
        rows = {table: rows[table] for table in TABLE_NAMES}
        if problems:
            raise IngestError(problems)
        progress.update(task, description="checking keys")
        problems, warnings = check_keys(con, staging)
        progress.advance(task)
        progress.update(task, description="application timestamps")
        truth = raw / TRUTH_FILE
        if truth.is_file():
            problems += timestamps.write_from_truth(con, truth, staging)
            rule = timestamps.TRUTH_RULE
        else:
            rule = timestamps.write_rank_rule(con, staging)
        progress.advance(task)
    if problems:
        raise IngestError(problems)
    return rows, rule, warnings


def _convert_fast(raw: Path, staging: Path, done: Callable[[], None]) -> dict[str, int]:
    """Rows of each table pyarrow converted, two files at a time; a refused table is left out of the result.

    Largest files first, so the last one to finish is a small one and both cores stay busy.
    """
    order = sorted(TABLE_NAMES, key=lambda table: (raw / file_name(table)).stat().st_size, reverse=True)

    def one(table: str) -> tuple[str, int | None]:
        started = time.perf_counter()
        try:
            count = arrow_csv.convert(raw / file_name(table), staging / f"{table}.parquet", table)
        except arrow_csv.RefusedError as refusal:
            logger.info("table refused by the fast path", extra={"table": table, "reason": str(refusal)})
            return table, None
        seconds = round(time.perf_counter() - started, 3)
        logger.info(
            "table converted", extra={"table": table, "rows": count, "seconds": seconds, "parser": "pyarrow"}
        )
        done()
        return table, count

    with ThreadPoolExecutor(max_workers=FAST_WORKERS, thread_name_prefix="ingest") as pool:
        converted = dict(pool.map(one, order))
    return {table: count for table, count in converted.items() if count is not None}


def convert_table(
    con: duckdb.DuckDBPyConnection, raw: Path, staging: Path, table: str, *, index: int, header: Sequence[str]
) -> tuple[int, list[str]]:
    """Stream one CSV into `<table>.parquet`; returns its row count and the problems in its values.

    The file is read in its own column order (`header`); unknown columns are read as text and dropped.
    """
    started = time.perf_counter()
    source = raw / file_name(table)
    kinds = {c.name: c.dtype for c in columns(table)}
    read_types = ", ".join(
        f"{quote(name)}: {quote(_READ_TYPES[kinds[name]] if name in kinds else 'VARCHAR')}" for name in header
    )
    rejects = f"rejects_{index}"
    sql = (
        f"COPY (SELECT {_select_list(table)} FROM read_csv({quote(source)}, {_CSV_OPTIONS}, "
        f"columns = {{{read_types}}}, {rejects_options(rejects)})) "
        f"TO {quote(staging / f'{table}.parquet')} (FORMAT parquet, COMPRESSION zstd)"
    )
    try:
        (count,) = con.execute(sql).fetchone() or (0,)
    except duckdb.Error as error:
        # A non-integer int64 value stops this table's scan (error() in _select_list), so its other bad
        # lines go unreported until it is fixed; the other tables are still checked.
        message = str(error).splitlines()[0].removeprefix("Invalid Input Error: ")
        return 0, [message if source.name in message else f"{source.name}: {message}"]
    seconds = round(time.perf_counter() - started, 3)
    logger.info(
        "table converted", extra={"table": table, "rows": count, "seconds": seconds, "parser": "duckdb"}
    )
    keys = {key: list(header).index(key) for key in TABLE_KEYS[table]}
    return count, rejected(con, rejects, source.name, kinds, keys)


def _select_list(table: str) -> str:
    """Columns as written: int64 ones cast from DOUBLE only when integral, otherwise a named error."""
    parts = []
    for column in columns(table):
        name = f'"{column.name}"'
        if column.dtype != "int64":
            parts.append(name)
            continue
        label = quote(f"{file_name(table)}: column {column.name} (int64) holds a non-integer value: ")
        parts.append(
            f"CASE WHEN {name} IS NULL OR (isfinite({name}) AND {name} = trunc({name})) "
            f"THEN CAST({name} AS BIGINT) ELSE error({label} || {name}) END AS {name}"
        )
    return ", ".join(parts)


def _parquet(folder: Path, table: str) -> str:
    return f"read_parquet({quote(folder / f'{table}.parquet')})"


def check_keys(con: duckdb.DuckDBPyConnection, folder: Path) -> tuple[list[str], dict[str, int]]:
    """Key integrity on the written Parquet files: (errors, warning counts).

    Anti-joins and group-bys on key columns only cost seconds at full scale. Orphans are warnings: the
    real data has them (bureau_balance rows whose SK_ID_BUREAU is not in bureau, for instance).
    """
    problems: list[str] = []
    warnings: dict[str, int] = {}
    for key, owners in KEY_OWNERS.items():
        keys = " UNION ALL ".join(f"SELECT {key} AS k FROM {_parquet(folder, t)}" for t in owners)
        missing, repeated = con.execute(
            f"SELECT count(*) - count(k), count(k) - count(DISTINCT k) FROM ({keys})"
        ).fetchone() or (0, 0)
        where = " / ".join(owners)
        if key in STRICT_KEYS and (missing or repeated):
            examples = con.execute(
                f"SELECT k FROM ({keys}) GROUP BY k HAVING count(*) > 1 ORDER BY k LIMIT 5"
            )
            shown = ", ".join(str(k) for (k,) in examples.fetchall())
            problems.append(
                f"{where}: {key} must be present and unique: {missing} empty, {repeated} repeated"
                + (f" (e.g. {shown})" if shown else "")
            )
        elif repeated:
            warnings[f"repeated {key} in {where}"] = repeated
        for table, table_keys in TABLE_KEYS.items():
            if key not in table_keys or table in owners:
                continue
            (orphans,) = con.execute(
                f"SELECT count(*) FROM {_parquet(folder, table)} c ANTI JOIN ({keys}) p ON c.{key} = p.k"
            ).fetchone() or (0,)
            if orphans:
                warnings[f"{table} rows whose {key} is not in {where}"] = orphans
    for table in TABLE_NAMES:
        # The Parquet footer already counts nulls per column: no data is read again.
        int_columns = ", ".join(quote(c.name) for c in columns(table) if c.dtype == "int64")
        nulls = con.execute(
            f"SELECT path_in_schema, sum(stats_null_count) AS n FROM parquet_metadata("
            f"{quote(folder / f'{table}.parquet')}) WHERE path_in_schema IN ({int_columns}) "
            "GROUP BY ALL HAVING n > 0"
        ).fetchall()
        for name, count in nulls:
            warnings[f"empty values in int64 column {table}.{name}"] = int(count)
    return problems, warnings


def _check_paths(raw: Path, out: Path) -> None:
    """Refuse paths where replacing `out` would destroy the raw files or something that is not a folder."""
    if not raw.is_dir():
        raise IngestError([f"raw folder {raw} does not exist"])
    if out == raw or out in raw.parents:
        raise IngestError([f"output folder {out} would replace the raw folder {raw}"])
    if out.exists() and not out.is_dir():
        raise IngestError([f"output {out} exists and is not a folder"])


def _publish(staging: Path, out: Path) -> None:
    """Put `staging` in place of `out`: renames within one folder, the old `out` restored if one fails."""
    if not out.exists():
        staging.rename(out)
        return
    old = out.with_name(f".{out.name}.old-{uuid.uuid4().hex[:8]}")
    out.rename(old)
    try:
        staging.rename(out)
    except OSError:
        old.rename(out)
        raise
    shutil.rmtree(old, ignore_errors=True)
