"""Read koku-metrics-operator (OpenShift cost management) report CSVs with DuckDB.

The operator uploads a payload of CSV reports plus `manifest.json` (cluster_id, uuid, files).
Reports are usage only (no cost): pod CPU / memory seconds, PVC byte-seconds, node and
namespace labels. The report type is told by its header; fields are described in
koku-metrics-operator's docs/report-fields-description.md. Timestamps are written as
`2019-02-01 00:00:00 +0000 UTC`; labels as `key1:value1|key2:value2`.
"""

from __future__ import annotations

from datetime import date, datetime

import duckdb

from .allocation import literal, quote
from .inputs import InputError, InputFile
from .settings import OPENSHIFT_REPORTS, SQL_TYPES


def labels_json(expr: str) -> str:
    """SQL turning koku's `k1:v1|k2:v2` label text into a JSON object text ('{}' when empty)."""
    pairs = (
        f"list_transform(list_filter(string_split(coalesce({expr}, ''), '|'), lambda e: e <> ''), "
        "lambda e: to_json(split_part(e, ':', 1)) || ':' || "
        "to_json(substr(e, strpos(e, ':') + 1)))"
    )
    return f"'{{' || array_to_string({pairs}, ',') || '}}'"


def _timestamp(expr: str) -> str:
    return (
        f"cast(coalesce(try_strptime(regexp_replace(trim({expr}), ' UTC$', ''), "
        f"'%Y-%m-%d %H:%M:%S %z'), try_cast({expr} as timestamptz)) as timestamp)"
    )


class OpenShiftReader:
    """Reads the report CSVs of koku payloads in a shared DuckDB session."""

    def __init__(self, con: duckdb.DuckDBPyConnection):
        self.con = con
        self._plans: dict[str, tuple[str, str, dict[str, str]]] = {}

    def plan(self, file: InputFile) -> tuple[str, str, dict[str, str]]:
        """(table, text temp table, column -> header) of one report file."""
        if file.uri in self._plans:
            return self._plans[file.uri]
        source = (
            f"read_csv({literal(file.uri)}, header = true, all_varchar = true, delim = ',', "
            f"quote = '\"', escape = '\"')"
        )
        try:
            names = [r[0] for r in self.con.execute(f"describe select * from {source}").fetchall()]
        except duckdb.Error as error:
            raise InputError(f"{file.name}: cannot be read: {_first_line(error)}") from error
        lowered = {name.strip().lower(): name for name in names}
        table = next(
            (t for t, spec in OPENSHIFT_REPORTS.items() if spec["marker"] in lowered), None
        )
        if table is None:
            raise InputError(
                f"{file.name}: not a known koku report (header: {', '.join(names)[:200]})"
            )
        columns = OPENSHIFT_REPORTS[table]["columns"]
        mapped = {c: lowered[c] for c, _ in columns if c in lowered}
        for required in ("report_period_start", "interval_start"):
            if required not in mapped:
                raise InputError(f"{file.name}: required column {required!r} is missing")
        extra = [name for name in names if name not in mapped.values()]
        items = [
            f"nullif(trim({quote(mapped[c])}), '') as {quote(c)}"
            if c in mapped
            else f"cast(null as varchar) as {quote(c)}"
            for c, _ in columns
        ]
        pairs = ", ".join(f"{literal(n)}, {quote(n)}" for n in extra)
        items.append(
            f"cast(json_object({pairs}) as varchar) as x_extra" if extra else "null as x_extra"
        )
        text = f"koku_text_{len(self._plans)}"
        try:
            self.con.execute(
                f"create temp table {text} as select {', '.join(items)}, "
                f"row_number() over () as x_source_row from {source}"
            )
        except duckdb.Error as error:
            raise InputError(f"{file.name}: cannot be read: {_first_line(error)}") from error
        self._plans[file.uri] = (table, text, mapped)
        return self._plans[file.uri]

    def typed_sql(self, file: InputFile, export_id: str) -> str:
        """Raw rows of one report file."""
        table, text, _ = self.plan(file)
        spec = OPENSHIFT_REPORTS[table]
        items = []
        for column, kind in spec["columns"]:
            if kind == "timestamp":
                sql = _timestamp(quote(column))
            elif kind == "quantity":
                sql = f"try_cast({quote(column)} as {SQL_TYPES[kind]})"
            else:
                sql = quote(column)
            items.append(f"{sql} as {quote(column)}")
        items += [f"{labels_json(quote(c))} as {quote(c + '_json')}" for c in spec["labels"]]
        items += [
            f"{literal(file.cluster_id or '')} as cluster_id",
            f"cast(date_trunc('month', {_timestamp('report_period_start')}) as date) "
            "as billing_period",
            f"{literal(file.manifest_id or '')} as x_manifest_id",
            f"{literal(export_id)} as x_export_id",
            f"{literal(file.name)} as x_source_file",
            "cast(x_source_row as bigint) as x_source_row",
            "x_extra",
        ]
        return f"select {', '.join(items)} from {text}"

    def validate(self, file: InputFile) -> tuple[str, dict[tuple[datetime, str], tuple[int, date]]]:
        """Check every typed value of a report; count its rows per (interval start, cluster).

        Returns:
            (raw table, {(interval_start, cluster_id): (rows, billing period)}).

        Raises:
            InputError: naming the file, row and column of the first bad value.
        """
        table, text, mapped = self.plan(file)
        typed = self.typed_sql(file, "")
        kinds = dict(OPENSHIFT_REPORTS[table]["columns"])
        checked = [c for c in mapped if kinds[c] != "string"]
        bad = [
            f"min(case when t.{quote(c)} is null and s.{quote(c)} is not null "
            "then s.x_source_row end)"
            for c in checked
        ] + [
            f"min(case when t.{c} is null then s.x_source_row end)"
            for c in ("report_period_start", "interval_start")
        ]
        checked += ["report_period_start", "interval_start"]
        row = self.con.execute(
            f"select {', '.join(bad)} from {text} s join ({typed}) t using (x_source_row)"
        ).fetchall()[0]
        for column, found in zip(checked, row, strict=True):
            if found is not None:
                value = self.con.execute(
                    f"select {quote(column)} from {text} where x_source_row = {int(found)}"
                ).fetchall()[0][0]
                where = f"{file.name}: row {int(found)}, column {mapped.get(column, column)!r}"
                if value is None:
                    raise InputError(f"{where}: value is missing")
                raise InputError(f"{where}: value {value!r} is not a valid {kinds[column]}")
        counts = self.con.execute(
            f"select interval_start, cluster_id, count(*), billing_period from ({typed}) "
            "group by all"
        ).fetchall()
        if not counts:
            raise InputError(f"{file.name}: report has a header and no rows")
        return table, {(start, cluster): (n, period) for start, cluster, n, period in counts}


def _first_line(error: Exception) -> str:
    return str(error).strip().splitlines()[0][:300]
