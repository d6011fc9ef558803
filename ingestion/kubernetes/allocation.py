"""Read OpenCost / Kubecost allocation JSON and CSV with DuckDB: validate, total, stream.

Every file becomes one text relation with the raw column names (DuckDB unnests the JSON
response, or reads the CSV as text), then one typed SELECT over it. Validation runs that SELECT
in bulk and reports the first bad value with its file, row (or JSON path) and column; no Python
runs per row.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

import duckdb

from ingestion.common.numbers import amount_sql

from .inputs import InputError, InputFile
from .settings import (
    ALLOCATION_COLUMNS,
    CSV_ALIASES,
    MEASURE_COLUMNS,
    PROPERTY_COLUMNS,
    SQL_TYPES,
    camel,
    normalize_header,
)

BATCH_ROWS = 100_000
_KIND = dict(ALLOCATION_COLUMNS)


def literal(value: str) -> str:
    """A SQL string literal."""
    return "'" + value.replace("'", "''") + "'"


def quote(name: str) -> str:
    """A SQL identifier."""
    return '"' + name.replace('"', '""') + '"'


@dataclass
class DayStats:
    """What one file holds for one (usage_date, cluster)."""

    billing_period: date
    rows: int = 0
    total_cost: Decimal = Decimal(0)


@dataclass
class FileStats:
    """Validated content of one file: per (usage_date, cluster_id)."""

    days: dict[tuple[date, str], DayStats] = field(default_factory=dict)


class AllocationReader:
    """A private DuckDB session reading allocation files of one run."""

    def __init__(
        self,
        con: duckdb.DuckDBPyConnection,
        cluster_id: str | None,
        locale: str,
        currency: str = "USD",
    ):
        self.con = con
        self.currency = currency
        self.default_cluster = cluster_id
        self.locale = locale
        self._text: dict[str, tuple[str, dict[str, str]]] = {}

    # ---- text relations -------------------------------------------------------------------

    def _json_text(self, file: InputFile) -> tuple[str, dict[str, str]]:
        location = literal(file.uri)
        # the whole response is one JSON object: DuckDB's buffer must hold the file
        size = max(16 << 20, os.path.getsize(file.uri) + (1 << 20))
        doc = (
            f"read_json({location}, columns = {{'code': 'BIGINT', 'message': 'VARCHAR', "
            f"'data': 'JSON[]'}}, format = 'unstructured', maximum_object_size = {size})"
        )
        try:
            head = self.con.execute(f"select code, message, len(data) from {doc}").fetchall()
        except duckdb.Error as error:
            raise InputError(_json_error(file, error)) from error
        if len(head) != 1:
            raise InputError(f"{file.name}: expected one JSON object, found {len(head)}")
        code, message, steps = head[0]
        if code is not None and code != 200:
            detail = f": {message}" if message else ""
            raise InputError(f"{file.name}: $.code is {code}, not 200{detail}")
        if steps is None:
            raise InputError(f"{file.name}: $.data is missing; not an allocation response")
        entries = (
            f"(select step_index, unnest(map_entries(cast(step as map(varchar, json)))) as e "
            f"from (select unnest(data) as step, generate_subscripts(data, 1) as step_index "
            f"from {doc}) where json_type(step) = 'OBJECT')"
        )
        known = ["name", "properties", "window", "pvs"] + [camel(c) for c, _ in MEASURE_COLUMNS]
        patch = literal(json.dumps(dict.fromkeys(known)))
        # one parse per allocation: json_transform into a struct of text (and JSON) fields,
        # rather than one JSON parse per extracted field
        shape = {
            "name": "VARCHAR",
            "start": "VARCHAR",
            "end": "VARCHAR",
            "window": {"start": "VARCHAR", "end": "VARCHAR"},
            "pvs": "JSON",
            "properties": {
                prop: ("JSON" if kind == "json" else "VARCHAR")
                for _, prop, kind in PROPERTY_COLUMNS
            },
            **{camel(column): "VARCHAR" for column, _ in MEASURE_COLUMNS},
        }
        exprs = {
            "allocation_name": "coalesce(j.name, entry_key)",
            "window_start": "coalesce(j.window.start, j.start)",
            "window_end": "coalesce(j.window.end, j.end)",
            "pvs": "cast(nullif(cast(j.pvs as varchar), 'null') as varchar)",
            "x_extra": f"cast(json_merge_patch(v, {patch}) as varchar)",
        }
        for column, prop, kind in PROPERTY_COLUMNS:
            field = f"j.properties.{quote(prop)}"
            exprs[column] = (
                f"cast(nullif(cast({field} as varchar), 'null') as varchar)"
                if kind == "json"
                else f"nullif({field}, '')"
            )
        for column, _ in MEASURE_COLUMNS:
            exprs[column] = f"j.{quote(camel(column))}"
        items = ", ".join(f"{sql} as {quote(name)}" for name, sql in exprs.items())
        relation = (
            f"(select {items}, x_source_row, 'data[' || (step_index - 1) || '][' || "
            f"to_json(entry_key) || ']' as x_json_path from (select step_index, e.key as "
            f"entry_key, e.value as v, json_transform(e.value, {literal(json.dumps(shape))}) "
            f"as j, row_number() over () as x_source_row from {entries}))"
        )
        # raw column -> the JSON field it comes from, as error messages name it
        headers = {name: name for name in exprs} | {
            "allocation_name": "name",
            "window_start": "window.start",
            "window_end": "window.end",
        }
        headers |= {column: f"properties.{prop}" for column, prop, _ in PROPERTY_COLUMNS}
        headers |= {column: camel(column) for column, _ in MEASURE_COLUMNS}
        return relation, headers

    def _csv_text(self, file: InputFile) -> tuple[str, dict[str, str]]:
        source = (
            f"read_csv({literal(file.uri)}, header = true, all_varchar = true, delim = ',', "
            f"quote = '\"', escape = '\"')"
        )
        try:
            described = self.con.execute(f"describe select * from {source}").fetchall()
        except duckdb.Error as error:
            raise InputError(f"{file.name}: cannot be read: {_first_line(error)}") from error
        names = [row[0] for row in described]
        mapped: dict[str, str] = {}  # raw column -> header
        extra: list[str] = []
        for name in names:
            column = CSV_ALIASES.get(normalize_header(name))
            if column and column not in mapped:
                mapped[column] = name
            else:
                extra.append(name)
        for required, shown in (("window_start", "Date"), ("total_cost", "TotalCost")):
            if required not in mapped:
                raise InputError(
                    f"{file.name}: required column {shown!r} is missing "
                    f"(header: {', '.join(names)})"
                )
        exprs: dict[str, str] = {}
        for column, kind in ALLOCATION_COLUMNS:
            if column in ("usage_date", "merged_labels", "currency"):
                continue
            header = mapped.get(column)
            if header is None:
                exprs[column] = "cast(null as varchar)"
            elif kind in ("money", "quantity"):
                # Go's FormatFloat writes NaN / +Inf for undefined values; the JSON API sends
                # null for them, so they read as empty here too
                value = f"nullif(trim({quote(header)}), '')"
                exprs[column] = (
                    f"case when lower({value}) in ('nan', '+inf', '-inf', 'inf') then null "
                    f"else coalesce({amount_sql(value, self.locale)}, {value}) end"
                )
            else:
                exprs[column] = f"nullif(trim({quote(header)}), '')"
        pairs = ", ".join(f"{literal(name)}, {quote(name)}" for name in extra)
        exprs["x_extra"] = f"cast(json_object({pairs}) as varchar)" if extra else "null"
        items = ", ".join(f"{sql} as {quote(name)}" for name, sql in exprs.items())
        relation = (
            f"(select {items}, row_number() over () as x_source_row, "
            f"cast(null as varchar) as x_json_path from {source})"
        )
        headers = {column: header for column, header in mapped.items()}
        return relation, headers

    def text(self, file: InputFile) -> tuple[str, dict[str, str]]:
        """(text table, raw column -> header or JSON field) of one file.

        The text rows are kept in a temporary table so that row numbers stay fixed between
        validation, error messages and streaming.
        """
        if file.uri not in self._text:
            build = self._json_text if file.kind == "opencost_json" else self._csv_text
            relation, headers = build(file)
            table = f"alloc_text_{len(self._text)}"
            try:
                self.con.execute(f"create temp table {table} as select * from {relation}")
            except duckdb.Error as error:
                raise InputError(self._read_error(file, error)) from error
            self._text[file.uri] = (table, headers)
        return self._text[file.uri]

    # ---- typed rows -----------------------------------------------------------------------

    def typed_sql(self, file: InputFile, export_id: str) -> str:
        """Raw-table rows of one file (every column of the contract plus lineage)."""
        relation, _ = self.text(file)
        cluster = (
            f"coalesce(cluster_id, {literal(self.default_cluster)})"
            if self.default_cluster
            else "cluster_id"
        )
        start = "cast(try_cast(window_start as timestamptz) as timestamp)"
        # the daily CSV export has a Date and no end: its sets are one day long
        end = (
            f"coalesce(cast(try_cast(window_end as timestamptz) as timestamp), "
            f"{start} + interval 1 day)"
        )
        items = []
        for column, kind in ALLOCATION_COLUMNS:
            if column == "cluster_id":
                sql = cluster
            elif column == "window_start":
                sql = start
            elif column == "window_end":
                sql = end
            elif column == "usage_date":
                sql = f"cast({start} as date)"
            elif column == "merged_labels":
                sql = (
                    "cast(json_merge_patch(coalesce(namespace_labels, '{}'), "
                    "coalesce(labels, '{}')) as varchar)"
                )
            elif column == "currency":
                sql = literal(self.currency)
            elif kind in ("money", "quantity"):
                sql = f"try_cast({quote(column)} as {SQL_TYPES[kind]})"
            else:
                sql = quote(column)
            items.append(f"{sql} as {quote(column)}")
        fmt = "opencost_json" if file.kind == "opencost_json" else "opencost_csv"
        items += [
            f"cast(date_trunc('month', {start}) as date) as billing_period",
            f"{literal(fmt)} as x_format",
            f"{literal(export_id)} as x_export_id",
            f"{literal(file.name)} as x_source_file",
            "cast(x_source_row as bigint) as x_source_row",
            "x_json_path",
            "x_extra",
        ]
        return f"select {', '.join(items)} from {relation}"

    def validate(self, file: InputFile) -> FileStats:
        """Check every value of a file and total it per (usage_date, cluster).

        Raises:
            InputError: naming the file, the row (or JSON path) and the column.
        """
        _, headers = self.text(file)
        typed = self.typed_sql(file, "")
        relation, _ = self.text(file)
        checks: list[tuple[str, str]] = []  # (column, SQL of the first bad x_source_row)
        for column, kind in ALLOCATION_COLUMNS:
            if kind in ("money", "quantity", "timestamp") and column in headers:
                checks.append(
                    (
                        column,
                        f"min(case when t.{quote(column)} is null and "
                        f"nullif(trim(s.{quote(column)}), '') is not null then s.x_source_row end)",
                    )
                )
        for column in ("window_start", "total_cost", "cluster_id"):
            checks.append(
                (column, f"min(case when t.{quote(column)} is null then s.x_source_row end)")
            )
        checks.append(
            ("window_end", "min(case when t.window_end <= t.window_start then s.x_source_row end)")
        )
        if file.declared_month:
            checks.append(
                (
                    "window_start",
                    f"min(case when t.billing_period <> date "
                    f"{literal(file.declared_month.isoformat())} then s.x_source_row end)",
                )
            )
        query = (
            f"select {', '.join(sql for _, sql in checks)} from {relation} s "
            f"join ({typed}) t using (x_source_row)"
        )
        try:
            first_bad = self.con.execute(query).fetchall()[0]
        except duckdb.Error as error:
            raise InputError(self._read_error(file, error)) from error
        for (column, _), row in zip(checks, first_bad, strict=True):
            if row is not None:
                raise InputError(self._bad_message(file, column, int(row), headers))
        totals = self.con.execute(
            f"select usage_date, cluster_id, billing_period, count(*), sum(total_cost) "
            f"from ({typed}) group by all"
        ).fetchall()
        if not totals:
            raise InputError(
                f"{file.name}: no allocation rows; a month is never replaced by nothing"
            )
        stats = FileStats()
        for day, cluster, period, count, total in totals:
            stats.days[(day, cluster)] = DayStats(period, count, total or Decimal(0))
        return stats

    def _read_error(self, file: InputFile, error: Exception) -> str:
        if file.kind == "opencost_json":
            return _json_error(file, error)
        return f"{file.name}: cannot be read: {_first_line(error)}"

    def _bad_message(self, file: InputFile, column: str, row: int, headers: dict[str, str]) -> str:
        relation, _ = self.text(file)
        found = self.con.execute(
            f"select x_json_path, cast({quote(column)} as varchar) from {relation} "
            f"where x_source_row = {row}"
        ).fetchall()
        path, value = found[0] if found else (None, None)
        field_name = headers.get(column, column)
        if file.kind == "opencost_json":
            where = f"{file.name}: {path}.{field_name}"
        else:
            where = f"{file.name}: row {row}, column {field_name!r}"
        if value is None or not str(value).strip():
            hint = " (set sources.kubernetes.cluster_id)" if column == "cluster_id" else ""
            return f"{where}: value is missing{hint}"
        if column == "window_end":
            return f"{where}: window ends at or before its start"
        if file.declared_month and column == "window_start":
            month = f"{file.declared_month:%Y-%m}"
            if str(value)[:7] != month:
                return (
                    f"{where}: value {value!r} is outside {month}, the month the file's name "
                    "declares (a file for the wrong month?)"
                )
        kind = _KIND.get(column, "value")
        expected = "timestamp" if kind == "timestamp" else "number"
        return f"{where}: value {value!r} is not a valid {expected}"


def _json_error(file: InputFile, error: Exception) -> str:
    """Name the line and column of malformed JSON (DuckDB only gives a byte offset)."""
    try:
        with open(file.uri, encoding="utf-8") as handle:
            json.load(handle)
    except UnicodeDecodeError as decode:
        return f"{file.name}: not UTF-8 text (byte {decode.start}): JSON must be UTF-8"
    except json.JSONDecodeError as bad:
        return f"{file.name}: malformed JSON at line {bad.lineno}, column {bad.colno}: {bad.msg}"
    return f"{file.name}: not an allocation response ({{code, data: [...]}}): {_first_line(error)}"


def _first_line(error: Exception) -> str:
    return str(error).strip().splitlines()[0][:300]
