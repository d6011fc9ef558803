"""Stage business-metric files and API records in DuckDB, validate them, total each unit.

Every input becomes one long-form staging table of text (date, product, metric, value, unit)
with its row number, so CSV (long or wide), JSON files and API pages share one validation:
DuckDB casts every value in bulk and names the first bad row and column.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

import duckdb
import pyarrow as pa

from ingestion.common.numbers import amount_sql, check_locale

KEY_COLUMNS = ("date", "product")
LONG_COLUMNS = ("metric", "value")
UNIT_COLUMNS = ("unit", "currency")
DEFAULT_PRODUCT = "all"
RECORDS_HINT = "expected a JSON array of records or an object with a 'data' array"
_CSV = "header = true, all_varchar = true, delim = ',', quote = '\"', escape = '\"'"


class MetricsError(ValueError):
    """A file or response that cannot load; the message names it, the row and the column."""


@dataclass
class UnitStats:
    """One unit of replacement: a product's metric over one billing month."""

    billing_period: date
    product: str
    metric: str
    rows: int
    total: Decimal
    unit: str | None


def is_money_metric(metric: str) -> bool:
    """Metrics measured in a currency (their unit is the currency, not `count`)."""
    return "revenue" in metric or "gmv" in metric


def _name(header: str) -> str:
    return re.sub(r"[\s\-]+", "_", header.strip().lower())


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


class MetricsReader:
    """A private in-memory DuckDB session holding one staging table per input."""

    def __init__(self, locale: str = "plain") -> None:
        self.locale = check_locale(locale)
        self.con = duckdb.connect()
        self.con.execute("set threads = 1")
        self._count = 0

    def close(self) -> None:
        """Release the session."""
        self.con.close()

    def _table(self) -> str:
        self._count += 1
        return f"staged_{self._count}"

    def stage_csv(self, path: str, label: str) -> str:
        """Stage a long (`date, product, metric, value[, unit]`) or wide CSV.

        Returns:
            The staging table name.

        Raises:
            MetricsError: unreadable file or missing columns.
        """
        source = f"read_csv({_literal(path)}, {_CSV})"
        try:
            headers = [
                r[0] for r in self.con.execute(f"describe select * from {source}").fetchall()
            ]
        except duckdb.Error as error:
            raise MetricsError(f"{label}: cannot be read: {_first_line(error)}") from error
        by_name = {_name(h): h for h in headers}
        if "date" not in by_name:
            raise MetricsError(f"{label}: required column 'date' is missing")
        numbered = f"(select *, row_number() over () as x_row from {source})"

        def col(name: str) -> str:
            return f"nullif(trim({_quote(by_name[name])}), '')" if name in by_name else "null"

        product = f"coalesce({col('product')}, {_literal(DEFAULT_PRODUCT)})"
        unit = f"coalesce({col('unit')}, {col('currency')})"
        table = self._table()
        if all(c in by_name for c in LONG_COLUMNS):
            sql = (
                f"select x_row, {col('date')} as date_text, {product} as product, "
                f"{col('metric')} as metric, {_quote(by_name['value'])} as value_text, "
                f"{unit} as unit_text, 'long' as form, false as is_number from {numbered}"
            )
        else:
            metrics = [h for n, h in by_name.items() if n not in (*KEY_COLUMNS, *UNIT_COLUMNS)]
            if not metrics:
                raise MetricsError(
                    f"{label}: no metric columns (long form needs 'metric' and 'value', "
                    "wide form one column per metric)"
                )
            listed = ", ".join(_quote(m) for m in metrics)
            sql = (
                f"select x_row, date_text, product, metric, value_text, unit_text, 'wide' as form, "
                "false as is_number "
                f"from (unpivot (select x_row, {col('date')} as date_text, {product} as product, "
                f"{unit} as unit_text, {listed} from {numbered}) on {listed} "
                f"into name metric value value_text) where nullif(trim(value_text), '') is not null"
            )
        self._create(table, sql, label)
        return table

    def stage_records(self, records: list[Any], label: str) -> str:
        """Stage JSON records: `{date, product, metric, value[, unit]}` or wide objects.

        Raises:
            MetricsError: a record is not an object or has no date.
        """
        columns: dict[str, list[Any]] = {
            name: []
            for name in (
                "x_row",
                "date_text",
                "product",
                "metric",
                "value_text",
                "unit_text",
                "form",
                "is_number",
            )
        }
        for index, record in enumerate(records, start=1):
            if not isinstance(record, dict):
                raise MetricsError(f"{label}: record {index} is not a JSON object")
            fields = {_name(k): v for k, v in record.items()}
            unit = fields.get("unit") or fields.get("currency")
            if "metric" in fields or "value" in fields:
                pairs = [(fields.get("metric"), fields.get("value"), "long")]
            else:
                pairs = [
                    (name, value, "wide")
                    for name, value in fields.items()
                    if name not in (*KEY_COLUMNS, *UNIT_COLUMNS) and value is not None
                ]
            for metric, value, form in pairs:
                if isinstance(value, bool | dict | list):
                    raise MetricsError(
                        f"{label}: record {index}, field {metric!r}: value {value!r} "
                        "is not a number"
                    )
                row = (
                    index,
                    _text(fields.get("date")),
                    _text(fields.get("product")),
                    _text(metric),
                    _text(value),
                    _text(unit),
                    form,
                    isinstance(value, int | float | Decimal),
                )
                for name, item in zip(columns, row, strict=True):
                    columns[name].append(item)
        table = self._table()
        types = [pa.int64()] + [pa.string()] * 6 + [pa.bool_()]
        staged = pa.table(columns, schema=pa.schema(list(zip(columns, types, strict=True))))
        self.con.register(f"{table}_arrow", staged)
        # JSON numbers are locale-free: only text values go through number_locale
        sql = (
            f"select x_row, date_text, coalesce(nullif(trim(product), ''), "
            f"{_literal(DEFAULT_PRODUCT)}) as product, metric, value_text, unit_text, form, "
            f"is_number from {table}_arrow"
        )
        self._create(table, sql, label)
        self.con.unregister(f"{table}_arrow")
        return table

    def _create(self, table: str, sql: str, label: str) -> None:
        try:
            self.con.execute(f"create table {table} as {sql}")
        except duckdb.Error as error:
            raise MetricsError(f"{label}: cannot be read: {_first_line(error)}") from error

    # typed view over a staging table -----------------------------------------------------

    def typed_sql(self, table: str) -> str:
        """SQL of typed rows: metric_date, product, metric, value, unit, plus checks."""
        text = amount_sql("value_text", self.locale)
        value = (
            "case when is_number then try_cast(value_text as decimal(38, 10)) "
            f"else try_cast({text} as decimal(38, 10)) end"
        )
        metric = "regexp_replace(lower(trim(metric)), '[\\s\\-]+', '_', 'g')"
        parsed = (
            "coalesce(try_cast(trim(date_text) as date), "
            "try_cast(try_cast(trim(date_text) as timestamp) as date))"
        )
        return (
            f"select x_row, date_text, value_text, form, {parsed} as metric_date, "
            f"trim(product) as product, {metric} as metric, {value} as value, unit_text "
            f"from {table}"
        )

    def validate(self, table: str, label: str, noun: str = "row") -> list[UnitStats]:
        """Check every row and total each (billing month, product, metric).

        Raises:
            MetricsError: naming the row and column of the first bad value, or a repeated key.
        """
        typed = self.typed_sql(table)
        checks = [
            ("date", "metric_date is null", "date_text", "is not a date (YYYY-MM-DD)"),
            ("metric", "nullif(metric, '') is null", "metric", "is empty"),
            ("value", "value is null", "value_text", f"is not a number in locale {self.locale!r}"),
        ]
        for column, condition, shown, problem in checks:
            bad = self.con.execute(
                f"select x_row, {shown}, form from ({typed}) where {condition} "
                "order by x_row limit 1"
            ).fetchall()
            if bad:
                row, text, _ = bad[0]
                where = noun
                if text is None or not str(text).strip():
                    raise MetricsError(f"{label}: {where} {row}, column {column!r}: value is empty")
                raise MetricsError(
                    f"{label}: {where} {row}, column {column!r}: value {text!r} {problem}"
                    + (" (declare number_locale to read it)" if column == "value" else "")
                )
        repeated = self.con.execute(
            f"select metric_date, product, metric, list(x_row order by x_row) from ({typed}) "
            "group by all having count(*) > 1 order by 4 limit 1"
        ).fetchall()
        if repeated:
            day, product, metric, rows = repeated[0]
            raise MetricsError(
                f"{label}: rows {rows[0]} and {rows[1]}: {metric!r} of {product!r} on {day} "
                "appears twice"
            )
        stats = self.con.execute(
            f"select cast(date_trunc('month', metric_date) as date), product, metric, count(*), "
            f"sum(value), {self._unit_sql()} from ({typed}) group by 1, 2, 3 order by 1, 2, 3"
        ).fetchall()
        if not stats:
            raise MetricsError(f"{label}: no metric values; nothing is replaced by nothing")
        return [UnitStats(*row) for row in stats]

    def _unit_sql(self) -> str:
        return f"min({self.unit_expression()})"

    @staticmethod
    def unit_expression() -> str:
        """The row's unit: its own unit/currency, else `count` for counts, null for money."""
        revenue = "(metric like '%revenue%' or metric like '%gmv%')"
        return (
            f"case when form = 'wide' and not {revenue} then 'count' "
            f"else coalesce(nullif(trim(unit_text), ''), case when {revenue} then null "
            "else 'count' end) end"
        )

    def arrow(
        self, table: str, keep: set[tuple[date, str, str]], lineage: dict[str, Any]
    ) -> pa.Table:
        """Typed raw-table rows of the kept units, with lineage columns."""
        typed = self.typed_sql(table)
        ordered = sorted(keep)
        keys = pa.table(
            {
                "k_period": pa.array([k[0] for k in ordered], pa.date32()),
                "k_product": pa.array([k[1] for k in ordered], pa.string()),
                "k_metric": pa.array([k[2] for k in ordered], pa.string()),
            }
        )
        # a semi-join on the kept units: one hash join, whatever the number of units
        self.con.register("kept_units", keys)
        try:
            # typed rows first, then the join: joining on the expressions themselves made
            # DuckDB re-evaluate them per probe (seconds for 100k rows)
            self.con.execute(
                f"create or replace temp table typed_rows as select metric_date, product, "
                f"metric, value, {self.unit_expression()} as unit, "
                "cast(date_trunc('month', metric_date) as date) as billing_period, "
                f"x_row, form from ({typed})"
            )
            return self.con.sql(
                "select metric_date, product, metric, value, unit, billing_period, "
                f"{_literal(lineage['x_export_id'])} as x_export_id, "
                f"{_literal(lineage['x_source_file'])} as x_source_file, "
                "x_row as x_source_row, form as x_form "
                "from typed_rows semi join kept_units on billing_period = k_period "
                "and product = k_product and metric = k_metric "
                "order by x_source_row, metric"
            ).to_arrow_table()
        finally:
            self.con.unregister("kept_units")
            self.con.execute("drop table if exists typed_rows")

    def months(self, table: str) -> set[str]:
        """Months (YYYY-MM) with at least one readable date."""
        rows = self.con.execute(
            f"select distinct strftime(metric_date, '%Y-%m') from ({self.typed_sql(table)}) "
            "where metric_date is not null"
        ).fetchall()
        return {r[0] for r in rows}


def _text(value: Any) -> str | None:
    if value is None:
        return None
    return str(value)


def _first_line(error: Exception) -> str:
    return str(error).strip().splitlines()[0][:300]
