"""Read SaaS invoice CSVs with DuckDB: match header variants, validate, total, stream.

One file per vendor and month is the usual delivery, but a file may hold several vendors or
months: each (billing period, vendor) found is a unit of replacement.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

import duckdb
import pyarrow as pa

from ingestion.common.numbers import amount_sql

BATCH_ROWS = 100_000
_CSV = "header = true, all_varchar = true, delim = ',', quote = '\"', escape = '\"'"

# raw column -> accepted header spellings, compared lower-case without spaces, `_` or `-`
ALIASES: dict[str, tuple[str, ...]] = {
    "vendor": ("vendor", "vendorname", "supplier", "provider", "providername"),
    "invoice_id": ("invoiceid", "invoice", "invoicenumber", "invoiceno"),
    "period": ("period", "billingperiod", "billingmonth", "month", "invoiceperiod"),
    "description": ("description", "linedescription", "lineitem", "item", "chargedescription"),
    "amount": ("amount", "lineamount", "cost", "total", "linetotal", "billedcost"),
    "currency": ("currency", "currencycode", "billingcurrency"),
    "tags": ("tags", "labels"),
    "charge_type": ("chargetype", "chargecategory"),
    "list_cost": ("listcost", "listamount", "listprice"),
    "contracted_cost": ("contractedcost", "contractedamount"),
    "quantity": ("quantity", "qty"),
    "unit": ("unit", "quantityunit"),
    "service_name": ("servicename", "service", "product"),
}
REQUIRED = ("vendor", "period", "amount", "currency")
MONEY = ("amount", "list_cost", "contracted_cost")
CHARGE_TYPES = ("Usage", "Purchase", "Tax", "Credit", "Adjustment")


class InvoiceError(Exception):
    """A file that cannot be loaded; the message names the file (and row and column)."""


def quote(name: str) -> str:
    """SQL identifier."""
    return '"' + name.replace('"', '""') + '"'


def literal(value: str) -> str:
    """SQL string literal."""
    return "'" + str(value).replace("'", "''") + "'"


def _key(header: str) -> str:
    return re.sub(r"[\s_\-]", "", header.replace("\ufeff", "")).lower()


def match_headers(headers: list[str]) -> tuple[dict[str, str], list[str]]:
    """(raw column -> delivered header, headers kept in x_extra)."""
    lookup = {alias: column for column, aliases in ALIASES.items() for alias in aliases}
    mapped: dict[str, str] = {}
    extra = []
    for header in headers:
        column = lookup.get(_key(header))
        if column is not None and column not in mapped:
            mapped[column] = header
        else:
            extra.append(header)
    return mapped, extra


@dataclass
class UnitStats:
    """Totals of one (billing period, vendor) in a file."""

    billing_period: date
    vendor: str
    rows: int = 0
    amount_total: Decimal = Decimal(0)
    currencies: set[str] = field(default_factory=set)


def _value(header: str | None) -> str:
    if header is None:
        return "cast(null as varchar)"
    return f"nullif(trim(cast({quote(header)} as varchar)), '')"


class InvoiceReader:
    """A private DuckDB session reading invoice files."""

    def __init__(self, locale: str = "plain") -> None:
        self.locale = locale
        self.con = duckdb.connect()
        self.con.execute("set threads = 2")
        self._plans: dict[str, tuple[dict[str, str], list[str]]] = {}

    def close(self) -> None:
        """Release the DuckDB session."""
        self.con.close()

    def relation(self, location: str) -> str:
        """SQL relation of a CSV with a 0-based file_row_number."""
        return (
            "(select *, row_number() over () - 1 as file_row_number "
            f"from read_csv({literal(location)}, {_CSV}))"
        )

    def expressions(self, location: str) -> dict[str, str]:
        """Raw column -> SQL over the file relation."""
        mapped, _ = self._plans[location]
        v = {column: _value(mapped.get(column)) for column in ALIASES}
        exprs: dict[str, str] = {}
        exprs["billing_period"] = (
            f"case when regexp_full_match({v['period']}, "
            "'[0-9]{4}-[0-9]{2}(-[0-9]{2}([ T].*)?)?') "
            f"then try_cast(substr({v['period']}, 1, 7) || '-01' as date) end"
        )
        exprs["vendor"] = v["vendor"]
        exprs["invoice_id"] = v["invoice_id"]
        exprs["description"] = v["description"]
        for column in MONEY:
            exprs[column] = f"try_cast({amount_sql(v[column], self.locale)} as decimal(38, 10))"
        exprs["currency"] = (
            f"case when regexp_full_match({v['currency']}, '[A-Za-z]{{3}}') "
            f"then upper({v['currency']}) end"
        )
        tags = v["tags"]
        pairs = f"list_filter(string_split({tags}, ';'), lambda x: trim(x) != '')"
        exprs["tags"] = (
            f"case when {tags} is null then null "
            f"when starts_with({tags}, '{{') then "
            f"case when json_valid({tags}) and json_type({tags}) = 'OBJECT' then {tags} end "
            f"when list_bool_or(list_transform({pairs}, lambda x: strpos(x, '=') < 2)) then null "
            "else cast(to_json(map_from_entries(list_transform("
            f"{pairs}, lambda x: struct_pack(k := trim(split_part(x, '=', 1)), "
            "v := trim(substr(x, strpos(x, '=') + 1)))))) as varchar) end"
        )
        known = ", ".join(literal(c) for c in CHARGE_TYPES)
        exprs["charge_type"] = (
            f"case when {v['charge_type']} is null then null else "
            f"list_filter([{known}], lambda c: lower(c) = lower({v['charge_type']}))[1] end"
        )
        exprs["quantity"] = f"try_cast({amount_sql(v['quantity'], self.locale)} as double)"
        exprs["unit"] = v["unit"]
        exprs["service_name"] = v["service_name"]
        return exprs

    def validate(self, location: str, name: str) -> dict[tuple[date, str], UnitStats]:
        """Check every value of a file and total it per (billing period, vendor).

        Raises:
            InvoiceError: naming the file, row and column of the first bad value.
        """
        relation = self.relation(location)
        try:
            described = self.con.execute(f"describe select * from {relation}").fetchall()
        except (duckdb.Error, UnicodeDecodeError) as error:
            raise InvoiceError(f"{name}: cannot be read: {_first_line(error)}") from error
        headers = [h for h, *_ in described if h != "file_row_number"]
        mapped, extra = match_headers(headers)
        missing = [c for c in REQUIRED if c not in mapped]
        if missing:
            raise InvoiceError(
                f"{name}: required column {missing[0]!r} is missing (accepted headers: "
                f"{', '.join(ALIASES[missing[0]])}; found: {', '.join(headers)})"
            )
        self._plans[location] = (mapped, extra)
        exprs = self.expressions(location)
        checked = [c for c in mapped if c not in ("vendor", "invoice_id", "description", "unit")]
        checked = [c for c in checked if c != "service_name"]
        target = {"period": "billing_period"}
        bad = [
            f"min(case when {_value(mapped[c])} is not null and {exprs[target.get(c, c)]} is null "
            "then file_row_number + 1 end)"
            for c in checked
        ]
        for column in REQUIRED:
            bad.append(
                f"min(case when {_value(mapped[column])} is null then file_row_number + 1 end)"
            )
        try:
            rows = self.con.execute(
                f"select {exprs['billing_period']}, {exprs['vendor']}, count(*), "
                f"sum({exprs['amount']}), list(distinct {exprs['currency']}), {', '.join(bad)} "
                f"from {relation} group by 1, 2"
            ).fetchall()
        except (duckdb.Error, UnicodeDecodeError) as error:
            raise InvoiceError(f"{name}: cannot be read: {_first_line(error)}") from error
        units: dict[tuple[date, str], UnitStats] = {}
        for period, vendor, count, total, currencies, *bad_rows in rows:
            for column, row in zip([*checked, *REQUIRED], bad_rows, strict=True):
                if row is not None:
                    raise InvoiceError(self._message(location, name, mapped[column], column, row))
            units[(period, vendor)] = UnitStats(
                period, vendor, count, total or Decimal(0), {c for c in currencies if c}
            )
        if not units:
            raise InvoiceError(f"{name}: header only, no invoice lines")
        return units

    def _message(self, location: str, name: str, header: str, column: str, row: int) -> str:
        value = self.con.execute(
            f"select cast({quote(header)} as varchar) from {self.relation(location)} "
            f"where file_row_number = {int(row) - 1}"
        ).fetchall()
        shown = value[0][0] if value else None
        if shown is None or not str(shown).strip():
            return f"{name}: row {row}, column {header!r}: value is empty"
        expected = {
            "period": "billing period (YYYY-MM or a date)",
            "currency": "ISO 4217 currency code",
            "tags": "tag set (a JSON object or k=v;k=v)",
            "charge_type": f"charge type ({', '.join(CHARGE_TYPES)})",
            "quantity": f"number under number locale {self.locale!r}",
        }.get(column, f"amount under number locale {self.locale!r}")
        return f"{name}: row {row}, column {header!r}: value {shown!r} is not a valid {expected}"

    def batches(
        self, location: str, name: str, export_id: str, periods: set[date] | None
    ) -> Iterator[pa.RecordBatch]:
        """Raw rows of one validated file as Arrow batches."""
        exprs = self.expressions(location)
        _, extra = self._plans[location]
        extra_sql = (
            "cast(json_object("
            + ", ".join(f"{literal(h)}, {_value(h)}" for h in extra)
            + ") as varchar)"
            if extra
            else "cast(null as varchar)"
        )
        items = [f"{sql} as {quote(column)}" for column, sql in exprs.items()]
        items += [
            f"{literal(export_id)} as x_export_id",
            f"{literal(name)} as x_source_file",
            "cast(file_row_number + 1 as bigint) as x_source_row",
            f"{extra_sql} as x_extra",
        ]
        sql = f"select {', '.join(items)} from {self.relation(location)}"
        if periods is not None:
            listed = ", ".join(f"date {literal(p.isoformat())}" for p in sorted(periods))
            sql = f"select * from ({sql}) where billing_period in ({listed})"
        yield from self.con.sql(sql).to_arrow_reader(BATCH_ROWS)


def _first_line(error: Exception) -> str:
    return str(error).strip().splitlines()[0][:300]
