"""A row-local feature view's SQL, compiled once into a plain Python function of one application.

Why: DuckDB plans and runs the application view's SQL for one new application in about 10-35 ms, and
the gateway needs its features in well under 5 ms. DuckDB's own parser (`json_serialize_sql`) gives
the view's parse tree; each node becomes a closure with DuckDB's semantics for the values one row
holds (NULL propagation, `/` in doubles with IEEE infinities, list aggregates that skip NULLs). The
SQL file stays the one definition of every feature: nothing here names a feature or restates a formula.

Only what a row-local view may use is compiled. A construct outside that set (a WHERE, an aggregate, a
window, a function not listed in `_FUNCTIONS`) is refused at compile time, naming it, so a change to
the SQL can never silently give another value online than in the batch build. The equality of the two
paths, value by value, is tested over every application of the test data.
"""

from __future__ import annotations

import json
import math
import operator
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass
from typing import Any

#: A value of one row: DuckDB's BIGINT, DOUBLE, VARCHAR and LIST, NULL as None.
Value = Any
Row = dict[str, Value]
Expression = Callable[[Row], Value]


class UnsupportedSqlError(ValueError):
    """The view's SQL uses a construct the row compiler does not implement."""


@dataclass(frozen=True)
class CompiledView:
    """A compiled SELECT: its output columns, in the SQL's order, each a function of the input row.

    A `*` (with its EXCLUDE and REPLACE) is an output of its own, named None: its columns are those of
    the row it reads, known only then. `_reads` holds, beside each output, the input columns it reads;
    `_input` is the compiled CTE the SELECT reads (None: the source relation itself).
    """

    _outputs: tuple[tuple[str | None, Callable[[Row], Any]], ...]
    _reads: tuple[frozenset[str], ...]
    _input: CompiledView | None

    @property
    def columns(self) -> tuple[str, ...]:
        """The named output columns (those of a `*` excluded)."""
        return tuple(name for name, _ in self._outputs if name is not None)

    def row(self, values: Row) -> Row:
        """The view's output for one input row (typed as the input relation's columns)."""
        env = values if self._input is None else self._input.row(values)
        out: Row = {}
        for name, output in self._outputs:
            if name is None:
                out.update(output(env))
            else:
                out[name] = output(env)
        return out

    def restricted(self, names: Collection[str]) -> Callable[[Row], Row]:
        """A function giving only the output columns `names` (named, or passed through a `*`) and reading
        from the input only what they need: the same closures as `row`, so the same values.

        Why: a candidate loan changes two fields of an application, and recomputing the handful of
        features they reach costs a fraction of the whole row.
        """
        plan = [self._output(name) for name in names]
        needed = frozenset().union(*(reads for _, _, reads in plan))
        prepare = (lambda row: row) if self._input is None else self._input.restricted(needed)
        steps = [(name, output) for name, output, _ in plan]

        def compute(values: Row) -> Row:
            env = prepare(values)
            return {name: output(env) for name, output in steps}

        return compute

    def sources(self, names: Collection[str]) -> frozenset[str]:
        """The source relation's columns the output columns `names` are computed from."""
        reads = frozenset().union(*(self._output(name)[2] for name in names))
        return reads if self._input is None else self._input.sources(reads)

    def _output(self, name: str) -> tuple[str, Expression, frozenset[str]]:
        for (output_name, output), reads in zip(self._outputs, self._reads, strict=True):
            if output_name == name:
                return name, output, reads
        for output_name, output in self._outputs:
            if output_name is None and isinstance(output, _Star) and name.upper() not in output.excluded:
                return name, *output.column(name)
        raise KeyError(f"{name!r} is not an output column of the view")


def parse_tree(sql: str) -> dict[str, Any]:
    """DuckDB's parse tree of one SELECT statement (DuckDB is imported here only)."""
    import duckdb

    with duckdb.connect() as con:
        (text,) = con.execute("SELECT json_serialize_sql(?::VARCHAR)", [sql]).fetchone()  # type: ignore[misc]
    tree = json.loads(text)
    if tree.get("error"):
        raise UnsupportedSqlError(f"DuckDB could not parse the view: {tree.get('error_message')}")
    statements = tree["statements"]
    if len(statements) != 1:
        raise UnsupportedSqlError(f"a view is one SELECT statement, got {len(statements)}")
    return statements[0]["node"]


def compile_view(node: dict[str, Any], source: str) -> CompiledView:
    """Compile a SELECT over the relation named `source` into a `CompiledView`."""
    return _SelectCompiler(source).select(node, ctes={})


# --- values -------------------------------------------------------------------------------------------


def _divide(left: Value, right: Value) -> Value:
    """DuckDB's `/`: a DOUBLE quotient; by zero, an IEEE infinity (or NaN for 0/0), never an error."""
    if left is None or right is None:
        return None
    numerator, denominator = float(left), float(right)
    if denominator == 0.0:
        if numerator == 0.0 or math.isnan(numerator):
            return math.nan
        return math.copysign(math.inf, numerator) * math.copysign(1.0, denominator)
    return numerator / denominator


def _present(values: Sequence[Value]) -> list[Value]:
    return [v for v in values if v is not None]


def _list_avg(values: Sequence[Value]) -> Value:
    present = _present(values)
    if not present:
        return None
    total = 0.0
    for value in present:  # left to right, as DuckDB's avg adds
        total += value
    return total / len(present)


def _list_min(values: Sequence[Value]) -> Value:
    present = _present(values)
    return min(present) if present else None


def _list_max(values: Sequence[Value]) -> Value:
    present = _present(values)
    return max(present) if present else None


def _list_stddev_samp(values: Sequence[Value]) -> Value:
    """DuckDB's stddev_samp: Welford's update in input order, then sqrt(M2 / (n - 1))."""
    count, mean, squares = 0, 0.0, 0.0
    for value in _present(values):
        count += 1
        step = (value - mean) / count
        new_mean = mean + step
        squares += (value - new_mean) * (value - mean)
        mean = new_mean
    return math.sqrt(squares / (count - 1)) if count > 1 else None


def _list_value(*values: Value) -> list[Value]:
    """A list literal: mixed BIGINT and DOUBLE elements are all DOUBLE, as DuckDB types the list."""
    if any(isinstance(v, float) for v in values):
        return [float(v) if isinstance(v, int) else v for v in values]
    return list(values)


def _list_position(values: Sequence[Value], item: Value) -> Value:
    if values is None or item is None:
        return None
    for index, value in enumerate(values):
        if value == item:
            return index + 1
    return None


def _nullif(value: Value, other: Value) -> Value:
    return None if value is not None and other is not None and value == other else value


def _strict(function: Callable[..., Value]) -> Callable[..., Value]:
    """`function` with SQL's NULL rule: any NULL argument gives NULL."""

    def call(*args: Value) -> Value:
        return None if any(a is None for a in args) else function(*args)

    return call


#: name -> (arity or None for any, implementation). The arithmetic keeps BIGINT exact as DuckDB does.
_FUNCTIONS: dict[str, tuple[int | None, Callable[..., Value]]] = {
    "+": (2, _strict(operator.add)),
    "*": (2, _strict(operator.mul)),
    "/": (2, _divide),
    "nullif": (2, _nullif),
    "list_value": (None, _list_value),
    "list_position": (2, _list_position),
    "list_avg": (1, _strict(_list_avg)),
    "list_min": (1, _strict(_list_min)),
    "list_max": (1, _strict(_list_max)),
    "list_stddev_samp": (1, _strict(_list_stddev_samp)),
}
_NEGATE = _strict(operator.neg)
_SUBTRACT = _strict(operator.sub)
_COMPARISONS: dict[str, Callable[[Value, Value], bool]] = {
    "COMPARE_EQUAL": operator.eq,
    "COMPARE_NOTEQUAL": operator.ne,
    "COMPARE_LESSTHAN": operator.lt,
    "COMPARE_GREATERTHAN": operator.gt,
    "COMPARE_LESSTHANOREQUALTO": operator.le,
    "COMPARE_GREATERTHANOREQUALTO": operator.ge,
}


def _literal(literal: dict[str, Any]) -> Value:
    kind, text = literal["kind"], literal.get("text")
    if kind in ("NULL", "NULL_LITERAL"):
        return None
    if kind == "INTEGER":
        return int(text)
    if kind == "NUMERIC":
        # DuckDB reads it as a DECIMAL; every operator the views apply to one (`/`) computes in DOUBLE.
        return float(text)
    if kind == "STRING":
        return text
    raise UnsupportedSqlError(f"literal of kind {kind} ({text!r})")


def _column_refs(node: Any) -> frozenset[str]:
    """Every column a parse-tree node refers to."""
    if isinstance(node, list):
        return frozenset().union(*(_column_refs(item) for item in node))
    if not isinstance(node, dict):
        return frozenset()
    if node.get("class") == "COLUMN_REF":
        return frozenset({node["column_names"][-1]})
    return frozenset().union(*(_column_refs(value) for value in node.values()))


# --- compiler -----------------------------------------------------------------------------------------


def _refuse_clauses(node: dict[str, Any]) -> None:
    """A row-local SELECT has no filter, grouping, ordering or windowing: each input row is one output."""
    for clause in ("where_clause", "having", "qualify", "sample"):
        if node.get(clause):
            raise UnsupportedSqlError(f"{clause.removesuffix('_clause').upper()} in a row-local view")
    if node.get("group_expressions") or node.get("group_sets") or node.get("modifiers"):
        raise UnsupportedSqlError("GROUP BY, ORDER BY, LIMIT or DISTINCT in a row-local view")


@dataclass(frozen=True)
class _SelectCompiler:
    source: str

    def select(self, node: dict[str, Any], ctes: dict[str, CompiledView]) -> CompiledView:
        if node.get("type") != "SELECT_NODE":
            raise UnsupportedSqlError(f"{node.get('type')} (only plain SELECTs are compiled)")
        _refuse_clauses(node)
        ctes = dict(ctes)
        for entry in node.get("cte_map", {}).get("map", []):
            ctes[entry["key"]] = self.select(entry["value"]["query_node"], ctes)
        read = self._from(node["from_table"], ctes)
        outputs = tuple(
            (None, self._star(item))
            if item["class"] == "STAR"
            else (item["alias"] or self._name_of(item), self.expression(item))
            for item in node["select_list"]
        )
        reads = tuple(
            frozenset() if item["class"] == "STAR" else _column_refs(item) for item in node["select_list"]
        )
        return CompiledView(outputs, reads, read)

    def _from(self, table: dict[str, Any], ctes: dict[str, CompiledView]) -> CompiledView | None:
        """The compiled CTE the SELECT reads, or None for the source relation itself."""
        if table.get("type") != "BASE_TABLE" or table.get("sample"):
            raise UnsupportedSqlError(f"FROM {table.get('type')} (a row-local view reads one relation)")
        name = table["table_name"]
        if name == self.source:
            return None
        if name not in ctes:
            raise UnsupportedSqlError(f"FROM {name}: neither the input relation {self.source!r} nor a CTE")
        return ctes[name]

    def _star(self, item: dict[str, Any]) -> _Star:
        """`*` with its EXCLUDE and REPLACE: the star's columns are those of the row it reads."""
        if item.get("columns") or item.get("expr") or item.get("relation_name") or item.get("rename_list"):
            raise UnsupportedSqlError("COLUMNS(...), a qualified * or RENAME in a row-local view")
        excluded = {name.upper() for name in item.get("exclude_list", [])}
        replace_list = item["replace_list"]
        replaced = {entry["key"].upper(): self.expression(entry["value"]) for entry in replace_list}
        reads = {entry["key"].upper(): _column_refs(entry["value"]) for entry in replace_list}
        return _Star(excluded, replaced, reads)

    @staticmethod
    def _name_of(item: dict[str, Any]) -> str:
        if item["class"] == "COLUMN_REF":
            return item["column_names"][-1]
        raise UnsupportedSqlError(f"an output column without a name ({item['class']})")

    def expression(self, node: dict[str, Any]) -> Expression:
        kind = node["class"]
        if kind == "COLUMN_REF":
            if len(node["column_names"]) != 1:
                raise UnsupportedSqlError(f"qualified column {'.'.join(node['column_names'])}")
            name = node["column_names"][0]
            return lambda row: row[name]
        if kind == "CONSTANT":
            value = _literal(node["literal"])
            return lambda _row: value
        if kind == "CASE":
            return self._case(node)
        if kind == "COMPARISON":
            compare = _COMPARISONS.get(node["type"])
            if compare is None:
                raise UnsupportedSqlError(f"comparison {node['type']}")
            left, right = self.expression(node["left"]), self.expression(node["right"])
            strict = _strict(compare)
            return lambda row: strict(left(row), right(row))
        if kind == "FUNCTION":
            return self._function(node)
        raise UnsupportedSqlError(f"expression {kind} ({node.get('type')})")

    def _case(self, node: dict[str, Any]) -> Expression:
        checks = [
            (self.expression(c["when_expr"]), self.expression(c["then_expr"])) for c in node["case_checks"]
        ]
        otherwise = self.expression(node["else_expr"]) if node.get("else_expr") else (lambda _row: None)

        def case(row: Row) -> Value:
            for when, then in checks:
                if when(row):  # NULL is not true
                    return then(row)
            return otherwise(row)

        return case

    def _function(self, node: dict[str, Any]) -> Expression:
        name = node["function_name"]
        if (
            node.get("distinct")
            or node.get("filter")
            or node["order_bys"].get("orders")
            or node.get("schema")
        ):
            raise UnsupportedSqlError(f"{name}(...) with DISTINCT, FILTER, ORDER BY or a schema")
        args = [self.expression(a["expression"]) for a in node["arguments"]]
        if name == "-":
            implementation = _NEGATE if len(args) == 1 else _SUBTRACT
        elif name in _FUNCTIONS:
            arity, implementation = _FUNCTIONS[name]
            if arity is not None and arity != len(args):
                raise UnsupportedSqlError(f"{name} with {len(args)} arguments")
        else:
            raise UnsupportedSqlError(f"function {name}")
        if len(args) == 1:
            (only,) = args
            return lambda row: implementation(only(row))
        if len(args) == 2:
            first, second = args
            return lambda row: implementation(first(row), second(row))
        return lambda row: implementation(*(a(row) for a in args))


@dataclass(frozen=True)
class _Star:
    """A compiled `* EXCLUDE (...) REPLACE (...)`: the row's own columns, some dropped or replaced."""

    excluded: set[str]
    replaced: dict[str, Expression]
    replaced_reads: dict[str, frozenset[str]]

    def column(self, name: str) -> tuple[Expression, frozenset[str]]:
        """One column of the star's output (not excluded): its expression and the input columns it reads."""
        key = name.upper()
        if key in self.replaced:
            return self.replaced[key], self.replaced_reads[key]
        return (lambda row: row[name]), frozenset({name})

    def __call__(self, row: Row) -> Row:
        return {
            name: self.replaced[name.upper()](row) if name.upper() in self.replaced else value
            for name, value in row.items()
            if name.upper() not in self.excluded
        }
