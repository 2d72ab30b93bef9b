"""The fast way to convert one raw CSV file to Parquet: pyarrow's CSV reader streamed into a Parquet writer.

Why beside DuckDB's path (ingest.convert_table): at full size DuckDB parses about 60 MB/s per core and
the 3.1 GB of the Kaggle files took a minute to ingest; pyarrow's reader and writer do the same work
about 2.5 times faster. pyarrow is strict, though, and says little about a bad value (the first one,
without its line), so it only ever takes files it reads without complaint:

* it accepts a file only when every value parses as its column's type and every int64 value is a
  whole number; anything else raises `RefusedError`, and the caller converts that file with DuckDB, whose
  rejects table names each bad column, line and value. A file pyarrow takes gives the same values
  DuckDB would (same column types, the same empty-means-null rule, a UTF-8 BOM and CRLF accepted);
* the stream keeps memory bounded (the reader's read-ahead plus one row group per file), so two
  files convert side by side on the two cores without the 1 GB a whole table would hold.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pa_csv
import pyarrow.parquet as pq

from credit_features.tables import Column, columns

#: CSV bytes per parsed batch. The reader reads many blocks ahead: 16 MB blocks held ~600 MB per file.
BLOCK_BYTES = 4 << 20
#: Rows gathered before a row group is written: DuckDB's own size. Each batch alone would make thousands
#: of row groups; a million rows in one would leave the feature build's second core idle (DuckDB reads
#: a file's row groups in parallel) and cost it a fifth more memory.
ROW_GROUP_ROWS = 122_880
_TYPES: dict[str, pa.DataType] = {"int64": pa.int64(), "float64": pa.float64(), "string": pa.string()}


class RefusedError(Exception):
    """pyarrow will not take this file as it is; the DuckDB path must convert it and name the problems."""


def convert(source: Path, target: Path, table: str) -> int:
    """Write `source` (a table's CSV file, columns in any order) as `target` Parquet; returns its rows.

    int64 columns are first parsed as integers, the cheaper parse. A file that writes them as "2.0"
    (the real files do, from the first line on) is read again with those columns parsed as doubles
    and cast once proven whole. Raises RefusedError, with `target` removed, when a value still does
    not parse or an int64 value is not whole.
    """
    known = columns(table)
    try:
        return _stream(source, target, known, int_columns_as_doubles=False)
    except pa.ArrowInvalid:
        pass
    try:
        return _stream(source, target, known, int_columns_as_doubles=True)
    except (pa.ArrowInvalid, RefusedError) as error:
        target.unlink(missing_ok=True)
        raise RefusedError(str(error).splitlines()[0]) from error


def _stream(source: Path, target: Path, known: Sequence[Column], *, int_columns_as_doubles: bool) -> int:
    """One pass from CSV to Parquet, row group by row group; raises as the reader or `_typed` does."""
    schema = pa.schema([(column.name, _TYPES[column.dtype]) for column in known])
    rows = 0
    reader = pa_csv.open_csv(source, **_options(known, int_columns_as_doubles))
    with pq.ParquetWriter(
        target,
        schema,
        compression="snappy",
        # Numbers are near-unique and do not shrink by dictionary; the categorical text does.
        use_dictionary=[column.name for column in known if column.dtype == "string"],
    ) as writer:
        pending: list[pa.RecordBatch] = []
        for batch in reader:
            pending.append(_typed(batch, known, schema))
            rows += batch.num_rows
            if sum(b.num_rows for b in pending) >= ROW_GROUP_ROWS:
                _write_row_group(writer, pending)
                pending = []
        if pending:
            _write_row_group(writer, pending)
    return rows


def _write_row_group(writer: pq.ParquetWriter, batches: list[pa.RecordBatch]) -> None:
    """Write the gathered batches as one row group."""
    table = pa.Table.from_batches(batches)
    writer.write_table(table, row_group_size=table.num_rows)


def _options(known: Sequence[Column], int_columns_as_doubles: bool) -> dict[str, object]:
    """Read options matching DuckDB's: only an empty field (quoted or not) is null, text stays text."""
    as_double = {"int64"} if int_columns_as_doubles else set()
    read_types = {c.name: pa.float64() if c.dtype in as_double else _TYPES[c.dtype] for c in known}
    return {
        "read_options": pa_csv.ReadOptions(block_size=BLOCK_BYTES),
        "convert_options": pa_csv.ConvertOptions(
            column_types=read_types,
            include_columns=[c.name for c in known],
            null_values=[""],
            strings_can_be_null=True,
            quoted_strings_can_be_null=True,
        ),
    }


def _typed(batch: pa.RecordBatch, known: Sequence[Column], schema: pa.Schema) -> pa.RecordBatch:
    """The batch in the real column order, int64 columns read as doubles cast once proven whole."""
    arrays = []
    for column in known:
        values = batch.column(column.name)
        if column.dtype == "int64" and pa.types.is_floating(values.type):
            whole = pc.and_(pc.is_finite(values), pc.equal(values, pc.trunc(values)))
            if not pc.all(pc.or_kleene(pc.is_null(values), whole)).as_py():
                raise RefusedError(f"column {column.name} (int64) holds a non-integer value")
            values = values.cast(pa.int64())  # safe cast: a double beyond int64's range raises
        arrays.append(values)
    return pa.RecordBatch.from_arrays(arrays, schema=schema)
