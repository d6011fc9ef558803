"""Read export files with DuckDB: validate every value, total each unit, write loader files.

DuckDB parses CSV/parquet and casts in bulk, so no Python runs per row. A file is read twice:
once to validate and total (nothing loads if any value is bad), once to write the typed rows
as the file dlt loads.
"""

from __future__ import annotations

import tempfile
import zipfile
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from pathlib import Path

import duckdb
import fsspec

from .columns import (
    REQUIRED_COLUMNS,
    SQL_TYPES,
    TYPED_COLUMNS,
    FileLayout,
    cast_expression,
    literal,
    map_expression,
    plan_layout,
    quote,
)
from .discovery import DataFile, Delivery, DeliveryError
from .settings import LINE_ITEM_COLUMNS, LINEAGE_COLUMNS

# loader files DuckDB writes for dlt to import as they are: parquet for DuckDB, CSV for
# PostgreSQL's COPY (the dialect dlt's COPY job reads: header, comma, empty means NULL)
_COPY_OPTIONS = {
    "parquet": "format parquet, compression 'zstd', row_group_size 122880",
    "csv": "format csv, header true, delimiter ',', quote '\"', escape '\"'",
}
_CSV_OPTIONS = "all_varchar = true, delim = ',', quote = '\"', escape = '\"', null_padding = true"


@dataclass
class UnitStats:
    """Totals of one replacement unit: a payer account's billing period within a delivery."""

    billing_period: date
    payer_account_id: str
    row_count: int = 0
    unblended_cost_total: Decimal = Decimal(0)
    net_unblended_cost_total: Decimal | None = None
    currencies: set[str] = field(default_factory=set)


class ExportReader:
    """A private in-memory DuckDB session that reads one root's export files."""

    def __init__(self, fs: fsspec.AbstractFileSystem, memory_limit: str = "2GB", threads: int = 2):
        self.fs = fs
        self.local = "file" in (fs.protocol if isinstance(fs.protocol, tuple) else (fs.protocol,))
        self.con = duckdb.connect()
        self.con.execute(f"set memory_limit = {literal(memory_limit)}")
        self.con.execute(f"set threads = {int(threads)}")
        self.con.execute("set TimeZone = 'UTC'")
        if not self.local:
            self.con.register_filesystem(fs)
        self._tmp = tempfile.TemporaryDirectory(prefix="finops-cur-")
        self._layouts: dict[str, tuple[FileLayout, dict[str, str], str]] = {}

    def close(self) -> None:
        """Release the DuckDB session and extracted archives."""
        self.con.close()
        self._tmp.cleanup()

    def _location(self, file: DataFile) -> str:
        if file.uri.lower().endswith(".zip"):
            return self._unzip(file)
        if self.local:
            return file.uri
        protocol = self.fs.protocol[0] if isinstance(self.fs.protocol, tuple) else self.fs.protocol
        return f"{protocol}://{file.uri}"

    def _unzip(self, file: DataFile) -> str:
        # DuckDB reads gzip but not zip, which legacy CUR offers as an alternative compression
        target = Path(self._tmp.name) / f"{abs(hash(file.uri))}.csv"
        if not target.exists():
            with self.fs.open(file.uri, "rb") as raw, zipfile.ZipFile(raw) as archive:
                members = [m for m in archive.namelist() if not m.endswith("/")]
                if len(members) != 1:
                    raise DeliveryError(
                        f"{file.relative_path}: zip holds {len(members)} files, not 1"
                    )
                target.write_bytes(archive.read(members[0]))
        return str(target)

    def _relation(self, file: DataFile) -> str:
        location = literal(self._location(file))
        if _is_parquet(file):
            return f"read_parquet({location}, file_row_number = true)"
        # every CSV value arrives as text so that one bad value is reported, not guessed around;
        # AWS documents CUR CSV as comma-separated with double quotes, so nothing is sniffed.
        # Real exports drop trailing empty cells (koku's test_cur.csv), so short rows are padded;
        # a row cut short before the cost column still fails the required-value check below
        return (
            f"(select *, row_number() over () - 1 as file_row_number from read_csv({location}, "
            f"header = true, {_CSV_OPTIONS}))"
        )

    def _refuse_overflow(self, file: DataFile, headers: dict[str, str], relation: str) -> None:
        """Fail on a CSV row with more fields than the header.

        With null padding DuckDB gives such a row's surplus values columns of their own instead
        of failing; an unquoted comma shifts every later value of the row, so it must not load.
        """
        location = literal(self._location(file))
        first = self.con.execute(
            f"select * from read_csv({location}, header = false, {_CSV_OPTIONS}) limit 1"
        ).fetchall()
        named = list(first[0]) if first else []
        width = max((i + 1 for i, value in enumerate(named) if value is not None), default=0)
        surplus = list(headers)[width:]
        if not surplus:
            return
        filled = " or ".join(f"{quote(name)} is not null" for name in surplus)
        row = self.con.execute(
            f"select min(file_row_number) + 1 from {relation} where {filled}"
        ).fetchall()[0][0]
        if row is not None:
            raise DeliveryError(
                f"{file.relative_path}: row {row} has more fields than the header's {width} "
                "(an unquoted comma?)"
            )
        for name in surplus:  # padding columns no row fills: not part of the delivery
            del headers[name]

    def layout(self, file: DataFile) -> tuple[FileLayout, dict[str, str], str]:
        """Header plan of a file: (layout, header types, relation SQL)."""
        if file.uri in self._layouts:
            return self._layouts[file.uri]
        if file.size == 0:
            raise DeliveryError(f"{file.relative_path}: file is empty (0 bytes)")
        relation = self._relation(file)
        try:
            described = self.con.execute(f"describe select * from {relation}").fetchall()
        except duckdb.Error as error:
            raise DeliveryError(
                f"{file.relative_path}: cannot be read: {_first_line(error)}"
            ) from error
        headers = {name: str(kind) for name, kind, *_ in described if name != "file_row_number"}
        if not _is_parquet(file):
            self._refuse_overflow(file, headers, relation)
        layout = plan_layout(headers)
        if layout.missing_required:
            raise DeliveryError(
                f"{file.relative_path}: required column {layout.missing_required[0]!r} is missing "
                f"(legacy header e.g. lineItem/UnblendedCost, bill/PayerAccountId)"
            )
        self._layouts[file.uri] = (layout, headers, relation)
        return self._layouts[file.uri]

    def _expressions(self, file: DataFile, delivery: Delivery) -> dict[str, str]:
        """Column -> SQL over the file relation, for every raw-table column but the lineage."""
        layout, headers, _ = self.layout(file)
        exprs: dict[str, str] = {}
        for column, kind in LINE_ITEM_COLUMNS:
            if kind == "map":
                exprs[column] = map_expression(layout, column)
            elif column in layout.typed:
                source = layout.typed[column]
                exprs[column] = cast_expression(kind, source, headers[source])
            else:
                exprs[column] = f"cast(null as {SQL_TYPES[kind]})"
        if delivery.billing_period is not None:
            exprs["billing_period"] = f"date {literal(delivery.billing_period.isoformat())}"
        else:
            start = exprs["bill_billing_period_start_date"]
            usage = exprs["line_item_usage_start_date"]
            exprs["billing_period"] = (
                f"cast(date_trunc('month', coalesce({start}, {usage})) as date)"
            )
        return exprs

    def select_sql(self, file: DataFile, delivery: Delivery) -> str:
        """SQL producing raw-table rows (typed columns, maps, lineage) from one file."""
        layout, _, relation = self.layout(file)
        exprs = self._expressions(file, delivery)
        items = [f"{sql} as {quote(column)}" for column, sql in exprs.items()]
        items += [
            f"{literal(delivery.export_id)} as x_export_id",
            f"{literal(file.relative_path)} as x_source_file",
            "file_row_number + 1 as x_source_row",
            f"{map_expression(layout, 'x_extra')} as x_extra",
        ]
        return f"select {', '.join(items)} from {relation}"

    def validate(self, file: DataFile, delivery: Delivery) -> dict[tuple[date, str], UnitStats]:
        """Check every typed value of a file and total it per (billing period, payer).

        Args:
            file: the data file.
            delivery: the delivery it belongs to.

        Returns:
            Stats per replacement unit found in the file.

        Raises:
            DeliveryError: naming the file, row and column of the first bad value.
        """
        layout, headers, relation = self.layout(file)
        exprs = self._expressions(file, delivery)
        checks = [c for c in layout.typed if TYPED_COLUMNS[c] != "string"]
        bad = [
            f"min(case when {_present(layout.typed[c], headers)} and {exprs[c]} is null "
            "then file_row_number + 1 end)"
            for c in checks
        ]
        # a line without its type, cost or payer cannot be billed: report it rather than load it
        bad += [
            f"min(case when {exprs[c]} is null then file_row_number + 1 end)"
            for c in REQUIRED_COLUMNS
        ]
        checks = checks + list(REQUIRED_COLUMNS)
        query = (
            f"select {exprs['billing_period']}, {exprs['bill_payer_account_id']}, count(*), "
            f"sum({exprs['line_item_unblended_cost']}), "
            f"sum({exprs['line_item_net_unblended_cost']}), "
            f"list(distinct {exprs['line_item_currency_code']}), {', '.join(bad) or 'null'} "
            f"from {relation} group by 1, 2"
        )
        try:
            rows = self.con.execute(query).fetchall()
        except duckdb.Error as error:
            raise DeliveryError(
                f"{file.relative_path}: cannot be read: {_first_line(error)}"
            ) from error
        stats: dict[tuple[date, str], UnitStats] = {}
        for period, payer, count, unblended, net, currencies, *bad_rows in rows:
            for column, row in zip(checks, bad_rows, strict=False):
                if row is not None:
                    raise DeliveryError(self._bad_value_message(file, layout, column, row))
            if period is None:
                raise DeliveryError(
                    f"{file.relative_path}: rows without a billing period or usage start date "
                    "(bill/BillingPeriodStartDate, lineItem/UsageStartDate)"
                )
            if payer is None:
                raise DeliveryError(
                    f"{file.relative_path}: column {layout.typed['bill_payer_account_id']!r} "
                    "is empty on some rows"
                )
            currencies = {c for c in currencies if c}
            stats[(period, payer)] = UnitStats(
                period, payer, count, unblended or Decimal(0), net, currencies
            )
        return stats

    def _bad_value_message(self, file: DataFile, layout: FileLayout, column: str, row: int) -> str:
        header = layout.typed[column]
        _, _, relation = self.layout(file)
        value = self.con.execute(
            f"select cast({quote(header)} as varchar) from {relation} "
            f"where file_row_number = {int(row) - 1}"
        ).fetchall()  # fetchone() would leave the result open and block the connection
        shown = value[0][0] if value else None
        if shown is None or not str(shown).strip():
            return f"{file.relative_path}: row {row}, column {header!r}: value is empty"
        return (
            f"{file.relative_path}: row {row}, column {header!r}: value {shown!r} is not a "
            f"valid {TYPED_COLUMNS[column]}"
        )

    def write(
        self,
        file: DataFile,
        delivery: Delivery,
        periods: set[date] | None,
        target: str,
        file_format: str,
        load_id: str,
    ) -> int:
        """Write one file's raw-table rows, stamped with the dlt load id, as a dlt loader file.

        DuckDB converts and writes in one statement (parallel, no Python per row), and dlt
        imports the file as it is: no Arrow batches through Python, no rewrite by dlt.

        Args:
            file: the data file.
            delivery: the delivery it belongs to.
            periods: only rows of these billing periods (the units the delivery replaces).
            target: path of the loader file to write.
            file_format: `parquet` (DuckDB) or `csv` (PostgreSQL COPY).
            load_id: the dlt load id, written to `_dlt_load_id`.

        Returns:
            The number of rows written.
        """
        sql = self.select_sql(file, delivery)
        if periods is not None:
            listed = ", ".join(f"date {literal(p.isoformat())}" for p in sorted(periods))
            sql = f"select * from ({sql}) where billing_period in ({listed})"
        names = [quote(column) for column, _ in LINE_ITEM_COLUMNS + LINEAGE_COLUMNS]
        if file_format == "parquet":
            # DuckDB writes constants and source-required columns as required parquet fields,
            # and dlt rewrites a whole file whose nullability differs from the table's (all
            # nullable); a condition DuckDB cannot fold keeps every field optional
            names = [f"case when random() < 2 then {name} end as {name}" for name in names]
        sql = f"select {', '.join(names)}, {literal(load_id)} as _dlt_load_id from ({sql})"
        copy = f"copy ({sql}) to {literal(target)} ({_COPY_OPTIONS[file_format]})"
        # parquet rows carry their own order key (file_row_number), so DuckDB may write them in
        # any order and use every thread; CSV row numbers come from scan order, which must hold
        in_order = not _is_parquet(file)
        self.con.execute(f"set preserve_insertion_order = {str(in_order).lower()}")
        try:
            return self.con.execute(copy).fetchall()[0][0]
        finally:
            self.con.execute("set preserve_insertion_order = true")


def _is_parquet(file: DataFile) -> bool:
    return ".parquet" in file.uri.lower()


def _present(header: str, headers: dict[str, str]) -> str:
    """SQL true when the source value is not empty (an empty CSV cell means NULL, not bad)."""
    if headers[header].upper() in ("VARCHAR", "STRING"):
        return f"nullif(trim({quote(header)}), '') is not null"
    return f"{quote(header)} is not null"


def _first_line(error: Exception) -> str:
    return str(error).strip().splitlines()[0][:300]
