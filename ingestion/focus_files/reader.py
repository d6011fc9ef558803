"""Read FOCUS files with DuckDB: map columns, validate every typed value, stream Arrow batches.

Every value is read as text (parquet values are cast to text) and typed in SQL, so one bad
value is reported with its row and column instead of being guessed around, and no Python runs
per row. A file is fetched once (a remote file streamed into a temp file while its MD5 is taken),
parsed once into a DuckDB temp table, then queried to validate, total and stream.
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from pathlib import Path

import duckdb
import pyarrow as pa

from ingestion.common.numbers import amount_sql
from ingestion.common.storage import StorageError, Store

from .columns import FOCUS_COLUMNS, KIND, Layout, plan_layout, snake
from .discovery import FocusFile, LoadError

BATCH_ROWS = 100_000
# FOCUS does not fix a CSV dialect; every provider writes RFC 4180 (comma, double quotes).
# No null padding: a row with a missing or surplus field is refused, not shifted.
_CSV = "header = true, all_varchar = true, delim = ',', quote = '\"', escape = '\"'"
SQL_TYPES = {
    "string": "varchar",
    "json": "varchar",
    "money": "decimal(38, 10)",
    "rate": "decimal(38, 16)",
    "quantity": "double",
    "timestamp": "timestamp",
}
# slash dates seen in the FOCUS spec's own examples (`4/1/25`); the order is decided per file
_SLASH_FORMATS = ("%m/%d/%y", "%m/%d/%Y", "%d/%m/%y", "%d/%m/%Y")
_ISO = r"^\s*[0-9]{4}-[0-9]{2}-[0-9]{2}"
_SLASH = r"^\s*[0-9]{1,2}/[0-9]{1,2}/[0-9]{2,4}\s*$"
_SIGN = r"^([+-]?)\s*[$€£¥]\s*"
# a bad value here stops the file: it is money, or it places the row in a billing period.
# Other timestamps and JSON are descriptive: a bad one loads as null and is noted.
STRICT_KINDS = ("money", "rate", "quantity")


def quote(name: str) -> str:
    """SQL identifier."""
    return '"' + name.replace('"', '""') + '"'


def literal(value: str) -> str:
    """SQL string literal."""
    return "'" + str(value).replace("'", "''") + "'"


def text(header: str) -> str:
    """The delivered value as text; empty and literal `NULL` / `null` are null."""
    value = f"cast({quote(header)} as varchar)"
    return f"(case when upper(trim({value})) in ('', 'NULL') then null else {value} end)"


@dataclass
class UnitStats:
    """Totals of one unit of replacement found in a file."""

    billing_period: date
    account: str
    provider: str
    rows: int = 0
    billed_total: Decimal = Decimal(0)
    currencies: set[str] = field(default_factory=set)


@dataclass
class FileInfo:
    """What validation learned about a file: layout, date format, units and notes."""

    layout: Layout
    headers: list[str]
    date_format: str | None
    units: dict[tuple[date, str, str], UnitStats]
    notes: list[str]


class FocusReader:
    """A private DuckDB session reading one root's FOCUS files."""

    def __init__(
        self,
        store: Store,
        locale: str = "plain",
        declared_version: str | None = None,
        memory_limit: str = "2GB",
        threads: int = 2,
    ) -> None:
        self.store = store
        self.locale = locale
        self.declared_version = declared_version
        self.con = duckdb.connect()
        self.con.execute(f"set memory_limit = {literal(memory_limit)}")
        self.con.execute(f"set threads = {int(threads)}")
        self.con.execute("set TimeZone = 'UTC'")
        self._tmp = tempfile.TemporaryDirectory(prefix="finops-focus-")
        self.info: dict[str, FileInfo] = {}
        self._fetched: dict[str, Path] = {}  # store key -> local copy not yet parsed
        self._staged: dict[str, str] = {}
        self._counter = 0

    def close(self) -> None:
        """Release the DuckDB session."""
        self.con.close()
        self._tmp.cleanup()

    def fetch(self, file: FocusFile) -> str:
        """Make a file readable locally (a remote file is streamed to a temp file) and set
        its MD5, in one pass; returns the MD5."""
        if file.uri not in self._fetched:
            try:
                self._fetched[file.uri], file.md5 = self.store.fetch(file.uri, Path(self._tmp.name))
            except StorageError as error:
                raise LoadError(f"{file.name}: cannot be fetched: {error}") from error
        return file.md5

    def relation(self, file: FocusFile) -> str:
        """A staged copy of a file with a 0-based `file_row_number`.

        The file is parsed once into a DuckDB table (spilling to disk past memory_limit):
        validation, notes and extraction query it several times.
        """
        if file.uri in self._staged:
            return self._staged[file.uri]
        self.fetch(file)
        local = self._fetched.pop(file.uri)
        location = literal(str(local))
        if file.is_parquet:
            source = f"select * from read_parquet({location}, file_row_number = true)"
        else:
            source = (
                f"select *, row_number() over () - 1 as file_row_number "
                f"from read_csv({location}, {_CSV})"
            )
        self._counter += 1
        name = f"staged_{self._counter}"
        try:
            self.con.execute(f"create temp table {name} as {source}")
        finally:
            if self.store.remote:  # the staged table holds the rows now
                local.unlink(missing_ok=True)
        self._staged[file.uri] = name
        return name

    def release(self, file: FocusFile) -> None:
        """Drop a file's staged copy once its rows are extracted."""
        name = self._staged.pop(file.uri, None)
        if name is not None:
            self.con.execute(f"drop table if exists {name}")
        local = self._fetched.pop(file.uri, None)
        if local is not None and self.store.remote:
            local.unlink(missing_ok=True)

    def _fail(self, file: FocusFile, error: Exception) -> LoadError:
        message = str(error).strip().splitlines()[0][:300]
        return LoadError(f"{file.name}: cannot be read: {message}")

    def headers(self, file: FocusFile) -> list[str]:
        """Delivered column names."""
        if file.size == 0:
            raise LoadError(f"{file.name}: file is empty (0 bytes)")
        try:
            described = self.con.execute(f"describe {self.relation(file)}").fetchall()
        except (duckdb.Error, UnicodeDecodeError) as error:
            raise self._fail(file, error) from error
        return [name for name, *_ in described if name != "file_row_number"]

    def _date_format(self, file: FocusFile, layout: Layout, relation: str) -> str | None:
        """The slash-date order of a file, decided on BillingPeriodStart (always a 1st)."""
        start = text(layout.typed["BillingPeriodStart"])
        slash = self.con.execute(
            f"select count(*) from {relation} where regexp_full_match({start}, {literal(_SLASH)})"
        ).fetchall()[0][0]
        if not slash:
            return None
        for fmt in _SLASH_FORMATS:
            bad = self.con.execute(
                f"select count(*) from {relation} where {start} is not null and "
                f"coalesce(day(try_strptime(trim({start}), {literal(fmt)})), 0) != 1"
            ).fetchall()[0][0]
            if not bad:
                return fmt
        raise LoadError(
            f"{file.name}: column {layout.typed['BillingPeriodStart']!r}: dates "
            "written with slashes in no order where every billing period starts on a 1st"
        )

    def expressions(self, file: FocusFile, info: FileInfo, period: date | None) -> dict[str, str]:
        """Raw column -> SQL over the file relation (typed columns and unit columns)."""
        layout = info.layout
        exprs: dict[str, str] = {}
        for name, kind, _ in FOCUS_COLUMNS:
            header = layout.typed.get(name)
            if header is None:
                exprs[snake(name)] = f"cast(null as {SQL_TYPES[kind]})"
            else:
                exprs[snake(name)] = typed_sql(text(header), kind, self.locale, info.date_format)
        if period is not None:
            exprs["billing_period"] = f"date {literal(period.isoformat())}"
        else:
            exprs["billing_period"] = (
                f"cast(date_trunc('month', {exprs['billing_period_start']}) as date)"
            )
        exprs["x_unit_account"] = f"coalesce({exprs['billing_account_id']}, '')"
        exprs["x_unit_provider"] = (
            f"coalesce({exprs['service_provider_name']}, {exprs['provider_name']}, '')"
        )
        return exprs

    def validate(self, file: FocusFile, period: date | None) -> FileInfo:
        """Check every typed value of a file and total it per unit.

        Args:
            file: the file.
            period: the billing period its folder or name declares, if any.

        Returns:
            The file's layout, units and notes.

        Raises:
            LoadError: naming the file, and the row and column of the first bad value.
        """
        headers = self.headers(file)
        layout = plan_layout(headers, self.declared_version)
        if layout.missing_required:
            shown = ", ".join(headers[:8]) + (", ..." if len(headers) > 8 else "")
            raise LoadError(
                f"{file.name}: required FOCUS column {layout.missing_required[0]!r} "
                f"is missing (columns: {shown})"
            )
        relation = self.relation(file)
        try:
            date_format = self._date_format(file, layout, relation)
            info = FileInfo(layout, headers, date_format, {}, [])
            exprs = self.expressions(file, info, None)
            own_period = exprs["billing_period"]
            if period is not None:
                exprs = self.expressions(file, info, period)
            checks = [c for c in layout.typed if KIND[c] in STRICT_KINDS]
            lenient = [
                c
                for c in layout.typed
                if KIND[c] in ("timestamp", "json") and c != "BillingPeriodStart"
            ]
            bad = []
            for column in checks + lenient:
                raw = text(layout.typed[column])
                sql = exprs[snake(column)]
                bad.append(
                    f"min(case when {raw} is not null and {sql} is null "
                    "then file_row_number + 1 end)"
                )
            checks.append("BillingPeriodStart")
            bad.insert(
                len(checks) - 1,
                f"min(case when {exprs['billing_period_start']} is null "
                "then file_row_number + 1 end)",
            )
            outside = (
                f"count(*) filter (where {own_period} != {exprs['billing_period']})"
                if period is not None
                else "0"
            )
            rows = self.con.execute(
                f"select {exprs['billing_period']}, {exprs['x_unit_account']}, "
                f"{exprs['x_unit_provider']}, count(*), sum({exprs['billed_cost']}), "
                f"list(distinct {exprs['billing_currency']}), {outside}, {', '.join(bad)} "
                f"from {relation} group by 1, 2, 3"
            ).fetchall()
        except (duckdb.Error, UnicodeDecodeError) as error:
            raise self._fail(file, error) from error
        outside_rows = 0
        soft: dict[str, int] = {}
        for period_value, account, provider, count, billed, currencies, out, *bad_rows in rows:
            for column, row in zip(checks, bad_rows[: len(checks)], strict=True):
                if row is not None:
                    raise LoadError(self._bad_value(file, layout, column, row))
            for column, row in zip(lenient, bad_rows[len(checks) :], strict=True):
                if row is not None:
                    soft[column] = min(row, soft.get(column, row))
            outside_rows += out
            info.units[(period_value, account, provider)] = UnitStats(
                period_value,
                account,
                provider,
                count,
                billed or Decimal(0),
                {c for c in currencies if c},
            )
        if not info.units:
            raise LoadError(
                f"{file.name}: header only, no rows; a billing period is never replaced by nothing"
            )
        if period is not None:
            total = sum(unit.rows for unit in info.units.values())
            if outside_rows == total:
                raise LoadError(
                    f"{file.name}: every row's BillingPeriodStart is outside the "
                    f"billing period {period:%Y-%m} its folder declares (wrong month's file?)"
                )
            if outside_rows:
                info.notes.append(
                    f"{file.name}: {outside_rows} row(s) with a BillingPeriodStart "
                    f"outside {period:%Y-%m} loaded with that period (late rows)"
                )
        for column, row in sorted(soft.items(), key=lambda item: item[1]):
            info.notes.append(
                self._bad_value(file, layout, column, row) + "; loaded as null (and any other "
                "such value of the column)"
            )
        info.notes += self._notes(file, info, relation)
        self.info[file.uri] = info
        return info

    def _bad_value(self, file: FocusFile, layout: Layout, column: str, row: int) -> str:
        header = layout.typed[column]
        value = self.con.execute(
            f"select cast({quote(header)} as varchar) from {self.relation(file)} "
            f"where file_row_number = {int(row) - 1}"
        ).fetchall()
        shown = value[0][0] if value else None
        if shown is None or not str(shown).strip() or str(shown).strip().upper() == "NULL":
            return f"{file.name}: row {row}, column {header!r}: value is empty"
        kind = {"money": "number", "rate": "number", "quantity": "number"}.get(
            KIND[column], KIND[column]
        )
        hint = ""
        if kind == "number" and self.locale == "plain" and "," in str(shown):
            hint = " (declare the source's number_locale to read grouped or comma decimals)"
        return (
            f"{file.name}: row {row}, column {header!r}: value {shown!r} is not a "
            f"valid {kind} under number locale {self.locale!r}{hint}"
            if kind == "number"
            else f"{file.name}: row {row}, column {header!r}: value {shown!r} is not a valid {kind}"
        )

    def _notes(self, file: FocusFile, info: FileInfo, relation: str) -> list[str]:
        """Problems that do not stop a load but a conformance check would flag."""
        layout, name = info.layout, file.name
        version = layout.version
        how = {
            "detected": "detected from its columns",
            "declared": "declared by focus_version",
            "conflict": "detected; focus_version is outside what its columns allow",
        }[version.source]
        span = f" (columns fit {version.lowest} to {version.highest})" if version.ambiguous else ""
        notes = [f"{name}: FOCUS {version.version}, {how}{span}"]
        if layout.renamed:
            pairs = ", ".join(f"{old}->{new}" for old, new in layout.renamed.items())
            notes.append(f"{name}: pre-1.0 column names mapped: {pairs}")
        unknown = [h for h in layout.extra if not h.lower().startswith("x_")]
        if unknown:
            notes.append(f"{name}: non-FOCUS column(s) kept in x_extra: {', '.join(unknown)}")
        if info.date_format:
            notes.append(f"{name}: dates written as {info.date_format}, read as UTC")
        counts = ", ".join(
            f"sum(case when upper(trim(cast({quote(h)} as varchar))) = 'NULL' then 1 else 0 end)"
            for h in info.headers
        )
        nulls = self.con.execute(f"select {counts} from {relation}").fetchall()[0]
        literal_nulls = {h: n for h, n in zip(info.headers, nulls, strict=True) if n}
        if literal_nulls:
            notes.append(
                f"{name}: literal NULL text read as empty in {len(literal_nulls)} column(s), "
                f"e.g. {next(iter(literal_nulls))} ({sum(literal_nulls.values())} values)"
            )
        stamps = [layout.typed[c] for c in layout.typed if KIND[c] == "timestamp"]
        if stamps and not info.date_format and not file.is_parquet:
            zoneless = " or ".join(
                f"regexp_full_match(trim({text(h)}), '[0-9-]+[ T][0-9:.]+')" for h in stamps
            )
            count = self.con.execute(
                f"select count(*) from {relation} where {zoneless}"
            ).fetchall()[0][0]
            if count:
                notes.append(
                    f"{name}: {count} row(s) with timestamps without a time zone "
                    "(FOCUS requires UTC with Z); read as UTC"
                )
        providers = {unit.provider for unit in info.units.values()}
        native = sorted(p for p in providers if p.lower() in _NATIVE)
        if native:
            notes.append(
                f"{name}: provider {', '.join(native)} also has a native source; load each "
                "provider either natively or as FOCUS, never both, or its costs count twice"
            )
        return notes

    def batches(
        self, file: FocusFile, period: date | None, export_id: str
    ) -> Iterator[pa.RecordBatch]:
        """Stream one validated file's raw-table rows as Arrow batches."""
        info = self.info[file.uri]
        exprs = self.expressions(file, info, period)
        extra = info.layout.extra
        extra_sql = (
            "cast(json_object("
            + ", ".join(f"{literal(h)}, {text(h)}" for h in extra)
            + ") as varchar)"
            if extra
            else "cast(null as varchar)"
        )
        items = [f"{sql} as {quote(column)}" for column, sql in exprs.items()]
        items += [
            f"{literal(info.layout.version.version)} as x_focus_version",
            f"{literal(export_id)} as x_export_id",
            f"{literal(file.name)} as x_source_file",
            "cast(file_row_number + 1 as bigint) as x_source_row",
            f"{extra_sql} as x_extra",
        ]
        sql = f"select {', '.join(items)} from {self.relation(file)}"
        yield from self.con.sql(sql).to_arrow_reader(BATCH_ROWS)
        self.release(file)


_NATIVE = {"aws", "amazon web services", "microsoft", "azure", "google", "google cloud"}


def typed_sql(value: str, kind: str, locale: str, date_format: str | None) -> str:
    """SQL typing the text `value` as `kind`; NULL when it cannot be read."""
    if kind == "string":
        return value
    if kind == "json":
        return f"(case when json_valid({value}) then {value} end)"
    if kind in ("money", "rate"):
        # a leading currency sign (`$10.00`, seen in the FOCUS spec's SaaS examples) says
        # nothing about the number; grouping separators still need the declared locale
        bare = f"regexp_replace(trim({value}), {literal(_SIGN)}, '\\1')"
        return f"try_cast({amount_sql(bare, locale)} as {SQL_TYPES[kind]})"
    if kind == "quantity":
        return f"try_cast({amount_sql(value, locale)} as double)"
    iso = (
        f"case when regexp_matches({value}, {literal(_ISO)}) "
        f"then timezone('UTC', try_cast(trim({value}) as timestamptz)) end"
    )
    if date_format is None:
        return iso
    return f"coalesce({iso}, try_strptime(trim({value}), {literal(date_format)}))"
