"""The row compiler: DuckDB's own answers on small SELECTs, and a clear refusal of what it does not run."""

from __future__ import annotations

import math
from typing import Any

import duckdb
import pytest

from credit_features.row_sql import UnsupportedSqlError, compile_view, parse_tree

pytestmark = pytest.mark.unit

ROWS: list[dict[str, Any]] = [
    {"x": 3, "y": 2.5, "s": "a"},
    {"x": 0, "y": 0.0, "s": None},
    {"x": None, "y": -1.5, "s": "b"},
    {"x": -7, "y": None, "s": "zz"},
]
SQL = """
WITH cleaned AS (SELECT * EXCLUDE (s) REPLACE (NULLIF(x, 0) AS x), s AS kind, [y, x, 1.0] AS items FROM t)
SELECT
    x + 1 AS plus, x - 1 AS minus, -x AS negated, x * 2 AS doubled, y / x AS ratio, 1 / y AS inverse,
    CASE kind WHEN 'a' THEN 10 WHEN 'b' THEN 20 ELSE 30 END AS coded,
    CASE WHEN y > 0 THEN 1 END AS positive,
    list_position(['a', 'b'], kind) - 1 AS code,
    list_avg(items) AS mean, list_min(items) AS low, list_max(items) AS high,
    list_stddev_samp(items) AS spread, x / 365.25 AS years
FROM cleaned
"""


def duckdb_rows(sql: str) -> list[dict[str, Any]]:
    with duckdb.connect() as con:
        con.execute("CREATE TABLE t (x BIGINT, y DOUBLE, s VARCHAR)")
        con.executemany("INSERT INTO t VALUES (?, ?, ?)", [tuple(r.values()) for r in ROWS])
        relation = con.sql(sql)
        return [dict(zip(relation.columns, values, strict=True)) for values in relation.fetchall()]


def same(a: Any, b: Any) -> bool:
    if isinstance(a, float) and isinstance(b, float) and math.isnan(a):
        return math.isnan(b)
    return a == b and type(a) is type(b)


def test_compiled_rows_equal_duckdb_value_and_type() -> None:
    view = compile_view(parse_tree(SQL), source="t")
    expected = duckdb_rows(SQL)
    assert view.columns == tuple(expected[0]), "the SQL's columns, in its order"
    for row, wanted in zip(ROWS, expected, strict=True):
        got = view.row(row)
        differing = {name: (got[name], wanted[name]) for name in wanted if not same(got[name], wanted[name])}
        assert not differing, f"row {row}: {differing}"


@pytest.mark.parametrize(
    ("sql", "named"),
    [
        ("SELECT x FROM t WHERE x > 1", "WHERE"),
        ("SELECT sum(x) AS total FROM t GROUP BY y", "GROUP BY"),
        ("SELECT upper(s) AS loud FROM t", "function upper"),
        ("SELECT row_number() OVER () AS n FROM t", "WINDOW"),
        ("SELECT x FROM other", "other"),
        ("SELECT t.x FROM t", "qualified column t.x"),
    ],
)
def test_what_a_row_local_view_cannot_hold_is_refused_by_name(sql: str, named: str) -> None:
    with pytest.raises(UnsupportedSqlError, match=named):
        compile_view(parse_tree(sql), source="t")


def test_a_restricted_view_gives_the_same_values_for_only_the_columns_asked() -> None:
    view = compile_view(parse_tree(SQL), source="t")
    asked = ("ratio", "mean", "coded", "inverse")  # y reaches them through the CTE's star
    compute = view.restricted(asked)
    for row in ROWS:
        full, part = view.row(row), compute(row)
        assert list(part) == list(asked)
        assert all(same(part[name], full[name]) for name in asked), row


def test_the_sources_of_a_column_follow_it_through_the_cte_star_and_replace() -> None:
    view = compile_view(parse_tree(SQL), source="t")
    assert view.sources(["ratio"]) == {"x", "y"}, "y / x, with x replaced by NULLIF(x, 0)"
    assert view.sources(["coded"]) == {"s"}, "kind is s renamed"
    assert view.sources(["mean"]) == {"x", "y"}, "items lists y and x"
    assert view.sources(["positive", "plus"]) == {"x", "y"}
    with pytest.raises(KeyError, match="nothing"):
        view.sources(["nothing"])
