"""Read cost details files with DuckDB: match headers, validate every value, stream Arrow.

Every CSV value arrives as text (nothing is sniffed) and is parsed in bulk by DuckDB SQL, so no
Python runs per row. A file is read twice: once to validate and total it (nothing loads if one
value is bad), once to stream the typed rows.
"""

from __future__ import annotations

import gzip
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from pathlib import Path

import duckdb
import pyarrow as pa

from ..common.numbers import amount_sql, check_locale
from .discovery import Delivery, DeliveryError
from .settings import COLUMNS, KINDS, LINEAGE_COLUMNS, normalize_header
from .storage import StoredFile

BATCH_ROWS = 100_000
SQL_TYPES = {
    "string": "varchar",
    "tags": "varchar",
    "money": "decimal(38, 10)",
    "rate": "decimal(38, 16)",
    "quantity": "double",
    "date": "date",
    "bigint": "bigint",
}
_KIND_NAMES = {
    "money": "amount",
    "rate": "price",
    "quantity": "quantity",
    "date": "date (MM/DD/YYYY or ISO 8601)",
}
_DATE_FORMATS = {
    "mdy": ["%m/%d/%Y", "%m/%d/%Y %H:%M:%S", "%m/%d/%Y %I:%M:%S %p"],
    "dmy": ["%d/%m/%Y", "%d/%m/%Y %H:%M:%S", "%d.%m.%Y"],
}
_COMMITMENT_MODELS = "('reservation', 'savingsplan')"


@dataclass
class UnitStats:
    """Totals of one unit of a delivery: a scope's billing period (the view is the delivery's)."""

    billing_period: date
    scope_id: str
    row_count: int = 0
    cost_total: Decimal = Decimal(0)
    currencies: set[str] = field(default_factory=set)
    amortized_signs: int = 0  # unused-commitment rows, or commitment usage with a cost
    actual_signs: int = 0  # commitment purchases


@dataclass(frozen=True)
class Layout:
    """How one file's headers map onto raw columns."""

    headers: list[str]
    mapped: dict[str, str]  # raw column -> header
    extras: list[str]  # headers no raw column takes (kept in x_extra)
    relation: str


def quote(name: str) -> str:
    """A SQL identifier."""
    return '"' + name.replace('"', '""') + '"'


def literal(value: str) -> str:
    """A SQL string literal."""
    return "'" + value.replace("'", "''") + "'"


class FileReader:
    """A private in-memory DuckDB session reading one run's export files."""

    def __init__(
        self,
        number_locale: str = "plain",
        date_order: str = "mdy",
        encoding: str = "utf-8",
        header_aliases: dict[str, str] | None = None,
        memory_limit: str = "2GB",
        threads: int = 2,
    ) -> None:
        self.locale = check_locale(number_locale)
        if date_order not in _DATE_FORMATS:
            raise ValueError(f"date_order must be one of {', '.join(_DATE_FORMATS)}")
        self.date_formats = _DATE_FORMATS[date_order]
        self.encoding = encoding
        # user aliases: any header spelling -> a raw column name (e.g. a localized header)
        self.aliases = {normalize_header(k): v for k, v in (header_aliases or {}).items()}
        unknown = set(self.aliases.values()) - set(KINDS)
        if unknown:
            raise ValueError(f"header_aliases name unknown columns: {', '.join(sorted(unknown))}")
        self.con = duckdb.connect()
        self.con.execute(f"set memory_limit = {literal(memory_limit)}")
        self.con.execute(f"set threads = {int(threads)}")
        self._layouts: dict[str, Layout] = {}
        self._rewritten: dict[str, Path] = {}
        self._tmp = tempfile.TemporaryDirectory(prefix="finops-azure-csv-")

    def close(self) -> None:
        """Release the DuckDB session and rewritten copies."""
        self.con.close()
        self._tmp.cleanup()

    def _rewrite_line_ends(self, file: StoredFile) -> bool:
        """Copy a CSV whose lines end in both CRLF and LF with LF only; True if it did.

        DuckDB's strict CSV mode (needed to refuse rows with extra fields) fails on mixed line
        ends, which real exports have (koku's camel_azure_version_2.csv: CRLF, then a last LF).
        """
        if file.relative_path in self._rewritten or ".parquet" in file.relative_path.lower():
            return False
        target = Path(self._tmp.name) / f"{len(self._rewritten)}.csv"
        opener = gzip.open if file.relative_path.lower().endswith(".gz") else open
        changed = False
        try:
            with opener(file.local_path, "rb") as source, target.open("wb") as out:
                carry = b""
                for chunk in iter(lambda: source.read(8 << 20), b""):
                    chunk = carry + chunk
                    carry = b"\r" if chunk.endswith(b"\r") else b""
                    chunk = chunk[:-1] if carry else chunk
                    fixed = chunk.replace(b"\r\n", b"\n")
                    changed = changed or fixed != chunk
                    out.write(fixed)
                out.write(carry)
        except (OSError, EOFError):
            return False  # unreadable (e.g. corrupt gzip): the original error stands
        if changed:
            self._rewritten[file.relative_path] = target
            self._layouts.pop(file.relative_path, None)
        return changed

    def _relation(self, file: StoredFile) -> str:
        location = literal(str(self._rewritten.get(file.relative_path, file.local_path)))
        if ".parquet" in file.relative_path.lower():
            return (
                f"(select *, file_row_number + 1 as x_row "
                f"from read_parquet({location}, file_row_number = true))"
            )
        encoding = (
            ""
            if self.encoding.lower() in ("utf-8", "utf8")
            else f", encoding = {literal(self.encoding)}"
        )
        # Azure documents exports as comma-separated, double-quoted, with a header row; a row
        # with a wrong number of fields fails (strict) instead of shifting values
        return (
            f"(select *, row_number() over () as x_row from read_csv({location}, header = true, "
            "all_varchar = true, delim = ',', quote = '\"', escape = '\"', strict_mode = true, "
            f"null_padding = false{encoding}))"
        )

    def layout(self, file: StoredFile) -> Layout:
        """The header plan of a file; raises DeliveryError when it cannot be read."""
        if file.relative_path in self._layouts:
            return self._layouts[file.relative_path]
        if file.size == 0:
            raise DeliveryError(f"{file.relative_path}: file is empty (0 bytes, not even a header)")
        try:
            described = self.con.execute(f"describe select * from {self._relation(file)}")
        except duckdb.Error as error:
            if not self._rewrite_line_ends(file):
                raise DeliveryError(self._read_error(file, error)) from error
            return self.layout(file)
        relation = self._relation(file)
        described = described.fetchall()
        headers = [name for name, *_ in described if name != "x_row"]
        by_key: dict[str, str] = {}
        for header in headers:
            by_key.setdefault(normalize_header(header), header)
        mapped: dict[str, str] = {}
        for key, column in self.aliases.items():
            if key in by_key:
                mapped.setdefault(column, by_key[key])
        for column, _, aliases in COLUMNS:
            for alias in aliases:
                if column not in mapped and alias in by_key:
                    mapped[column] = by_key[alias]
        taken = set(mapped.values())
        layout = Layout(headers, mapped, [h for h in headers if h not in taken], relation)
        self._layouts[file.relative_path] = layout
        return layout

    def _read_error(self, file: StoredFile, error: Exception) -> str:
        text = str(error).strip().splitlines()[0][:300] if str(error).strip() else repr(error)
        if "unicode" in str(error).lower() or _first_bad_utf8_line(file.local_path):
            line = _first_bad_utf8_line(file.local_path)
            where = f"line {line}" if line else "somewhere"
            return (
                f"{file.relative_path}: {where} is not valid UTF-8 (Azure writes UTF-8; "
                f"set the source's `encoding` option if this file was re-saved): {text}"
            )
        return f"{file.relative_path}: cannot be read: {text}"

    def _text(self, header: str) -> str:
        return f"nullif(trim(cast({quote(header)} as varchar)), '')"

    def expression(self, column: str, header: str) -> str:
        """SQL for one raw column from its header; NULL where a present value is invalid."""
        kind, text = KINDS[column], self._text(header)
        if kind == "string":
            return text
        if kind in ("money", "rate", "quantity"):
            return f"try_cast({amount_sql(text, self.locale)} as {SQL_TYPES[kind]})"
        if kind == "date":
            formats = ", ".join(literal(f) for f in self.date_formats)
            iso = (
                f"case when regexp_matches({text}, '^[0-9]{{4}}-[0-9]{{2}}-[0-9]{{2}}') "
                f"then try_cast({text} as timestamp) end"
            )
            return f"cast(coalesce(try_strptime({text}, [{formats}]), {iso}) as date)"
        # tags: JSON objects, or older exports' `"key": "value"` pairs without braces
        wrapped = f"case when left({text}, 1) = '{{' then {text} else '{{' || {text} || '}}' end"
        return (
            f"case when {text} is null then null "
            f"when json_valid({wrapped}) and json_type({wrapped}) = 'OBJECT' "
            f"then cast(json({wrapped}) as varchar) "
            f"else cast(json_object('x_unparsed', {text}) as varchar) end"
        )

    def expressions(self, file: StoredFile, delivery: Delivery) -> dict[str, str]:
        """Raw column -> SQL over the file relation, plus `x_row_period` and `x_scope`."""
        layout = self.layout(file)
        exprs = {
            column: (
                self.expression(column, layout.mapped[column])
                if column in layout.mapped
                else f"cast(null as {SQL_TYPES[kind]})"
            )
            for column, kind, _ in COLUMNS
        }
        row_period = (
            f"cast(date_trunc('month', coalesce({exprs['billing_period_start_date']}, "
            f"{exprs['charge_date']})) as date)"
        )
        exprs["x_row_period"] = row_period
        exprs["billing_period"] = (
            f"date {literal(delivery.billing_period.isoformat())}"
            if delivery.billing_period
            else row_period
        )
        # ARM resource type from the id: namespace + every type segment, lower-cased
        # (/providers/Microsoft.Compute/virtualMachines/vm1 -> microsoft.compute/virtualmachines)
        provider_path = f"regexp_extract(lower({exprs['resource_id']}), '/providers/(.*)$', 1)"
        arm = f"string_split({provider_path}, '/')"
        exprs["x_resource_type"] = (
            f"nullif(array_to_string(list_filter({arm}, lambda x, i: i = 1 or i % 2 = 0), '/'), '')"
        )
        exprs["x_resource_name"] = (
            f"nullif(regexp_extract({exprs['resource_id']}, '/providers/.+/([^/]+)$', 1), '')"
        )
        exprs["x_scope"] = (
            literal(delivery.scope_id)
            if delivery.scope_id
            else f"coalesce({exprs['billing_account_id']}, {exprs['subscription_id']})"
        )
        return exprs

    def validate(self, file: StoredFile, delivery: Delivery) -> dict[tuple[date, str], UnitStats]:
        """Check every value of a file and total it per (billing period, scope).

        Raises:
            DeliveryError: naming the file, row and column of the first problem.
        """
        try:
            return self._validate(file, delivery)
        except _ReadError as error:
            if not self._rewrite_line_ends(file):
                raise DeliveryError(self._read_error(file, error.cause)) from error.cause
            return self._validate(file, delivery)

    def _validate(self, file: StoredFile, delivery: Delivery) -> dict[tuple[date, str], UnitStats]:
        layout = self.layout(file)
        self._require(file, layout, delivery)
        exprs = self.expressions(file, delivery)
        checks = [
            (c, f"min(case when {self._text(h)} is not null and {exprs[c]} is null then x_row end)")
            for c, h in layout.mapped.items()
            if KINDS[c] not in ("string", "tags")
        ]
        checks.append(("cost", f"min(case when {exprs['cost']} is null then x_row end)"))
        checks.append(("x_scope", f"min(case when {exprs['x_scope']} is null then x_row end)"))
        checks.append(
            ("x_row_period", f"min(case when {exprs['billing_period']} is null then x_row end)")
        )
        if delivery.billing_period:
            checks.append(
                (
                    "x_wrong_period",
                    f"min(case when {exprs['x_row_period']} != {exprs['billing_period']} "
                    "then x_row end)",
                )
            )
        charge, model = f"lower({exprs['charge_type']})", f"lower({exprs['pricing_model']})"
        query = (
            f"select {exprs['billing_period']}, {exprs['x_scope']}, count(*), "
            f"sum({exprs['cost']}), list(distinct {exprs['billing_currency']}), "
            f"count(*) filter ({charge} like 'unused%' or ({model} in {_COMMITMENT_MODELS} "
            f"and {charge} = 'usage' and {exprs['cost']} > 0)), "
            f"count(*) filter ({charge} = 'purchase' and {model} in {_COMMITMENT_MODELS}), "
            f"{', '.join(sql for _, sql in checks)} from {layout.relation} group by 1, 2"
        )
        try:
            rows = self.con.execute(query).fetchall()
        except duckdb.Error as error:
            if file.relative_path in self._rewritten:
                raise DeliveryError(self._read_error(file, error)) from error
            raise _ReadError(error) from error
        bad = {}
        for row in rows:
            for (column, _), value in zip(checks, row[7:], strict=True):
                if value is not None:
                    bad[column] = min(value, bad.get(column, value))
        if bad:
            column, row = min(bad.items(), key=lambda item: item[1])
            raise DeliveryError(self._message(file, layout, exprs, delivery, column, row))
        stats = {}
        for period, scope, count, cost, currencies, amortized, actual, *_ in rows:
            stats[(period, scope)] = UnitStats(
                period,
                scope,
                count,
                cost or Decimal(0),
                {c for c in currencies if c},
                amortized,
                actual,
            )
        return stats

    def _require(self, file: StoredFile, layout: Layout, delivery: Delivery) -> None:
        missing = []
        if "cost" not in layout.mapped:
            missing.append("CostInBillingCurrency / Cost / PreTaxCost")
        if not delivery.scope_id and not {"billing_account_id", "subscription_id"} & set(
            layout.mapped
        ):
            missing.append("BillingAccountId / SubscriptionId")
        if not delivery.billing_period and not {"billing_period_start_date", "charge_date"} & set(
            layout.mapped
        ):
            missing.append("BillingPeriodStartDate / Date")
        if missing:
            raise DeliveryError(
                f"{file.relative_path}: required column {missing[0]} is missing (header has "
                f"{len(layout.headers)} columns: {', '.join(layout.headers[:8])}...)"
            )

    def _message(
        self,
        file: StoredFile,
        layout: Layout,
        exprs: dict[str, str],
        delivery: Delivery,
        column: str,
        row: int,
    ) -> str:
        where = f"{file.relative_path}: row {row}"
        if column == "x_scope":
            return f"{where}: neither BillingAccountId nor SubscriptionId has a value"
        if column == "x_row_period":
            return f"{where}: no billing period (BillingPeriodStartDate and Date are empty)"
        if column == "x_wrong_period":
            found = self.con.execute(
                f"select {exprs['x_row_period']} from {layout.relation} where x_row = {int(row)}"
            ).fetchall()[0][0]
            header = layout.mapped.get("billing_period_start_date") or layout.mapped["charge_date"]
            return (
                f"{where}, column {header!r}: billing period {found:%Y-%m} in a file of the "
                f"{delivery.billing_period:%Y-%m} export (wrong billing period)"
            )
        header = layout.mapped[column]
        value = self.con.execute(
            f"select cast({quote(header)} as varchar) from {layout.relation} "
            f"where x_row = {int(row)}"
        ).fetchall()
        shown = value[0][0] if value else None
        if shown is None or not str(shown).strip():
            return f"{where}, column {header!r}: value is empty"
        hint = f" under number_locale {self.locale!r}" if KINDS[column] != "date" else ""
        return (
            f"{where}, column {header!r}: value {shown!r} is not a valid "
            f"{_KIND_NAMES[KINDS[column]]}{hint}"
        )

    def select_sql(self, file: StoredFile, delivery: Delivery, view: str) -> str:
        """SQL producing raw-table rows (typed columns and lineage) from one file."""
        layout = self.layout(file)
        exprs = self.expressions(file, delivery)
        items = [f"{exprs[column]} as {quote(column)}" for column, _, _ in COLUMNS]
        extra = (
            "json_object("
            + ", ".join(f"{literal(h)}, {self._text(h)}" for h in layout.extras)
            + ")::varchar"
            if layout.extras
            else "cast(null as varchar)"
        )
        lineage = {
            "billing_period": exprs["billing_period"],
            "x_scope_id": exprs["x_scope"],
            "x_resource_type": exprs["x_resource_type"],
            "x_resource_name": exprs["x_resource_name"],
            "x_cost_view": literal(view),
            "x_export_id": literal(delivery.export_id),
            "x_export_name": literal(delivery.export_name),
            "x_source_file": literal(file.relative_path),
            "x_source_row": "cast(x_row as bigint)",
            "x_extra": extra,
        }
        assert list(lineage) == [name for name, _ in LINEAGE_COLUMNS]
        items += [f"{sql} as {name}" for name, sql in lineage.items()]
        return f"select {', '.join(items)} from {layout.relation}"

    def batches(
        self, file: StoredFile, delivery: Delivery, view: str, units: set[tuple[date, str]]
    ) -> Iterator[pa.RecordBatch]:
        """Stream one file's raw rows of the given units as Arrow record batches."""
        sql = self.select_sql(file, delivery, view)
        keys = ", ".join(literal(f"{p.isoformat()}|{s}") for p, s in sorted(units))
        unit = "cast(billing_period as varchar) || '|' || x_scope_id"
        sql = f"select * from ({sql}) where {unit} in ({keys})"
        yield from self.con.sql(sql).to_arrow_reader(BATCH_ROWS)


class _ReadError(Exception):
    """DuckDB failed while scanning a file (retried once after rewriting line ends)."""

    def __init__(self, cause: Exception) -> None:
        super().__init__(str(cause))
        self.cause = cause


def _first_bad_utf8_line(path: Path) -> int | None:
    """1-based line of the first invalid UTF-8 byte sequence (only run after a read failed)."""
    opener = gzip.open if path.name.lower().endswith(".gz") else open
    try:
        with opener(path, "rb") as handle:
            for number, line in enumerate(handle, start=1):
                try:
                    line.decode("utf-8")
                except UnicodeDecodeError:
                    return number
    except (OSError, EOFError):
        return None
    return None
