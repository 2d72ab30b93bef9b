"""Fast CSV writing in the style of the real files (unquoted header, empty fields for nulls).

Floats are written with a decimal point even when integral ("365243.0"), as the Kaggle files do, so
that readers infer float64 for float columns and int64 for int columns.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

from credit_features.tables import Column, columns, file_name
from training.data.synthetic.layout import chunks, stream
from training.data.synthetic.marginals import Categorical, ColumnData, Table


def _float_strings(values: np.ndarray) -> pa.Array:
    text = pc.cast(pa.array(values, from_pandas=True), pa.string())
    integral = pa.array(np.isfinite(values) & (values == np.rint(values)))
    return pc.if_else(integral, pc.binary_join_element_wise(text, ".0", ""), text)


def to_arrow(col: Column, data: ColumnData) -> pa.Array:
    """One column as Arrow, with the profiled dtype enforced (a wrong dtype is a bug, so it raises)."""
    if col.dtype == "string":
        assert isinstance(data, Categorical), f"{col.name} must be categorical"
        codes = pa.array(data.codes, mask=data.codes < 0)
        return pa.DictionaryArray.from_arrays(codes, pa.array(data.categories)).cast(pa.string())
    assert isinstance(data, np.ndarray), f"{col.name} must be a numeric array"
    if col.dtype == "int64":
        assert data.dtype.kind == "i", f"{col.name} must hold integers, got {data.dtype}"
        return pa.array(data.astype(np.int64, copy=False))
    return _float_strings(data.astype(np.float64, copy=False))


class TableWriter:
    """Appends chunks of one table to its CSV file; use as a context manager."""

    def __init__(self, path: Path, table: str) -> None:
        self.columns = columns(table)
        self.path = path
        self.rows = 0
        self._sink = pa.OSFile(str(path), "wb")
        self._sink.write((",".join(c.name for c in self.columns) + "\n").encode())
        self._writer: pacsv.CSVWriter | None = None

    def write(self, data: Table) -> None:
        """Append rows given as one array (or Categorical) per column."""
        arrays = [to_arrow(col, data[col.name]) for col in self.columns]
        batch = pa.record_batch(arrays, names=[c.name for c in self.columns])
        if self._writer is None:
            options = pacsv.WriteOptions(include_header=False, batch_size=65536)
            self._writer = pacsv.CSVWriter(self._sink, batch.schema, write_options=options)
        self._writer.write_batch(batch)
        self.rows += batch.num_rows

    def __enter__(self) -> TableWriter:
        return self

    def __exit__(self, *exc: object) -> None:
        if self._writer is not None:
            self._writer.close()
        self._sink.close()


ChunkBuilder = Callable[[np.random.Generator, np.ndarray], tuple[Table, np.ndarray]]


def write_children(
    out: Path,
    table: str,
    *,
    seed: int,
    counts: np.ndarray,
    build: ChunkBuilder,
    on_chunk: Callable[[Table, np.ndarray], None],
    rows_per_chunk: int = 2_000_000,
) -> int:
    """Generate and append a large child table chunk by chunk of parents, bounding memory.

    `build(rng, parent_positions)` returns the chunk's columns and each row's parent position; chunk
    i has its own random stream, so the bytes depend on the seed only. Returns the rows written.
    """
    with TableWriter(out / file_name(table), table) as writer:
        for i, positions in enumerate(chunks(counts, rows_per_chunk)):
            data, parent = build(stream(seed, table, i + 1), positions)
            writer.write(data)
            on_chunk(data, parent)
        return writer.rows
