"""Compile model check functions into SQL predicates (DuckDB and PostgreSQL).

A requirement is a predicate a row must satisfy; comparisons with a value let a NULL column
pass (nullability is its own rule in the model, so a null is never failed twice). A condition
selects the rows a rule applies to; there a comparison with NULL selects nothing, except
CheckNotValue, which FOCUS reads as "is not that value" (null included).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from data_tests.focus_conformance.rules import snake_case
from data_tests.suites.common import REFERENCE, currency_codes

# ColumnByColumnEqualsColumnValue: unit price x quantity may differ from the cost by rounding
# of the provider's own cost (cents) and of the price (relative)
PRODUCT_ABSOLUTE_TOLERANCE = Decimal("0.01")
PRODUCT_RELATIVE_TOLERANCE = Decimal("0.000001")


class CompileError(ValueError):
    """A check function cannot be turned into SQL."""


def literal(value: Any) -> str:
    """A SQL literal for a model value (strings quoted, quotes doubled)."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float, Decimal)):
        return str(value)
    return "'" + str(value).replace("'", "''") + "'"


def all_currency_codes() -> list[str]:
    """Every ISO 4217 code of the FOCUS validator list (FormatCurrency)."""
    import csv

    with open(REFERENCE / "currency_codes.csv", newline="") as handle:
        return sorted({row["currency_codes"].strip() for row in csv.DictReader(handle)})


class Compiler:
    """Compiles check-function trees for one dialect.

    Args:
        dialect: "duckdb" or "postgres".
        json_is_object: PostgreSQL 16+ has `IS JSON OBJECT`; older servers get a shape test.
    """

    def __init__(self, dialect: str, json_is_object: bool = False) -> None:
        self.dialect = dialect
        self.json_is_object = json_is_object

    def text(self, column: str) -> str:
        """A column cast to text (for example values)."""
        return f"cast({column} as varchar)"

    def requirement(self, node: dict[str, Any]) -> str:
        """SQL true when a row satisfies `node` (nulls pass value comparisons)."""
        return self._compile(node, in_condition=False)

    def condition(self, nodes: list[dict[str, Any]]) -> str:
        """SQL true when a row is in scope of every condition in `nodes`."""
        if not nodes:
            return "true"
        return " and ".join(f"({self._compile(node, in_condition=True)})" for node in nodes)

    def _compile(self, node: dict[str, Any], in_condition: bool) -> str:
        function = node.get("CheckFunction")
        if function in ("AND", "OR"):
            items = [self._compile(item, in_condition) for item in node.get("Items", [])]
            if not items:
                raise CompileError(f"{function} without items")
            return "(" + f" {function.lower()} ".join(f"({item})" for item in items) + ")"
        method = getattr(self, f"_{function}", None)
        if method is None:
            raise CompileError(f"no SQL for check function {function}")
        return method(node, in_condition)

    @staticmethod
    def _column(node: dict[str, Any], key: str = "ColumnName") -> str:
        if not isinstance(node.get(key), str):
            raise CompileError(f"check names no {key}")
        return snake_case(node[key])

    def _CheckValue(self, node: dict[str, Any], in_condition: bool) -> str:
        column, value = self._column(node), node.get("Value")
        if value is None:
            return f"{column} is null"
        if in_condition:
            return f"coalesce({column} = {literal(value)}, false)"
        return f"({column} is null or {column} = {literal(value)})"

    def _CheckNotValue(self, node: dict[str, Any], in_condition: bool) -> str:
        column, value = self._column(node), node.get("Value")
        if value is None:
            return f"{column} is not null"
        return f"{column} is distinct from {literal(value)}"

    def _CheckSameValue(self, node: dict[str, Any], in_condition: bool) -> str:
        a, b = self._column(node, "ColumnAName"), self._column(node, "ColumnBName")
        return f"{a} is not distinct from {b}"

    def _CheckNotSameValue(self, node: dict[str, Any], in_condition: bool) -> str:
        a, b = self._column(node, "ColumnAName"), self._column(node, "ColumnBName")
        return f"{a} is distinct from {b}"

    def _CheckGreaterOrEqualThanValue(self, node: dict[str, Any], in_condition: bool) -> str:
        column, value = self._column(node), node.get("Value")
        if value is None:
            raise CompileError("CheckGreaterOrEqualThanValue without a value")
        if in_condition:
            return f"coalesce({column} >= {literal(value)}, false)"
        return f"({column} is null or {column} >= {literal(value)})"

    def _ColumnByColumnEqualsColumnValue(self, node: dict[str, Any], in_condition: bool) -> str:
        a, b = self._column(node, "ColumnAName"), self._column(node, "ColumnBName")
        result = self._column(node, "ResultColumnName")
        # in double precision: quantities are floating point, prices and costs decimals
        a_, b_, r_ = (f"cast({c} as double precision)" for c in (a, b, result))
        within = (
            f"abs({a_} * {b_} - {r_}) <= {PRODUCT_ABSOLUTE_TOLERANCE}"
            f" + {PRODUCT_RELATIVE_TOLERANCE} * abs({r_})"
        )
        if in_condition:
            return f"coalesce({within}, false)"
        return f"({a} is null or {b} is null or {result} is null or {within})"

    def _FormatString(self, node: dict[str, Any], in_condition: bool) -> str:
        # StringHandling / NullHandling: no empty or blank strings standing in for null
        column = self._column(node)
        return f"({column} is null or trim({column}) <> '')"

    def _FormatCurrency(self, node: dict[str, Any], in_condition: bool) -> str:
        column = self._column(node)
        codes = ", ".join(literal(code) for code in all_currency_codes())
        return f"({column} is null or {column} in ({codes}))"

    def _CheckNationalCurrency(self, node: dict[str, Any], in_condition: bool) -> str:
        column = self._column(node)
        codes = ", ".join(literal(code) for code in currency_codes())
        return f"({column} is null or {column} in ({codes}))"

    def _FormatKeyValue(self, node: dict[str, Any], in_condition: bool) -> str:
        column = self._column(node)
        if self.dialect == "duckdb":
            # CASE so json_type never sees invalid JSON
            return (
                f"(case when {column} is null then true when json_valid({column}) "
                f"then json_type({column}) = 'OBJECT' else false end)"
            )
        if self.json_is_object:
            return f"({column} is null or {column} is json object)"
        # PostgreSQL < 16 cannot test JSON validity without an error: an object's shape
        return rf"({column} is null or {column} ~ '^\s*\{{.*\}}\s*$')"

    def _CheckColumnLessColumn(self, node: dict[str, Any], in_condition: bool) -> str:
        a, b = self._column(node, "ColumnAName"), self._column(node, "ColumnBName")
        return f"({a} is null or {b} is null or {a} < {b})"

    def _CheckColumnLessOrEqualColumn(self, node: dict[str, Any], in_condition: bool) -> str:
        a, b = self._column(node, "ColumnAName"), self._column(node, "ColumnBName")
        return f"({a} is null or {b} is null or {a} <= {b})"
