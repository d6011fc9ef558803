"""Read export dumps with DuckDB: map fields, validate every value, total each unit, stream rows.

Three shapes reach this reader: CSV with one column per leaf field (`service.description`, the
BigQuery console / koku form, REPEATED fields as JSON text), JSON lines with nested records (a
BigQuery extract), and parquet (a dump of the export table, or what the BigQuery path fetched).
Each is reduced to one text expression per field, so one set of SQL checks and casts serves
them all; no Python runs per row.
"""

from __future__ import annotations

import codecs
import csv
import gzip
import io
import re
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

import duckdb
import pyarrow as pa

from . import sql
from .settings import DERIVED_COLUMNS, FIELDS, REQUIRED, TOP_LEVEL

BATCH_ROWS = 100_000
_KINDS = {name: kind for name, kind, _ in FIELDS}
_PATHS = {name: path for name, _, path in FIELDS}
# every top-level key or CSV header that some field reads
_CONSUMED = TOP_LEVEL | {p for _, _, p in FIELDS} | {p.replace(".", "_") for _, _, p in FIELDS}


class ExportError(Exception):
    """A file that cannot be loaded; the message names the file (and row, column)."""


@dataclass(frozen=True)
class InputFile:
    """One export dump to read.

    Attributes:
        uri: local path DuckDB reads.
        label: what rows record as their source (path relative to the root, or bigquery://...).
        format: csv | json | parquet.
        size: bytes.
        md5: checksum of the bytes.
        claimed: invoice month the file's name or folder claims (`invoice_month=YYYYMM`), if any.
        export_id: recorded on every row: the checksum, or the BigQuery job id.
        locale: number locale of text amounts (CSV only; JSON and parquet numbers are plain).
    """

    uri: str
    label: str
    format: str
    size: int
    md5: str
    claimed: date | None = None
    export_id: str = ""
    locale: str = "plain"


@dataclass
class UnitStats:
    """Totals of one replacement unit (an invoice month of one billing account)."""

    billing_period: date
    billing_account_id: str
    row_count: int = 0
    cost_total: Decimal = Decimal(0)
    credits_total: Decimal = Decimal(0)
    currencies: set[str] = field(default_factory=set)
    files: list[InputFile] = field(default_factory=list)

    @property
    def billed_total(self) -> Decimal:
        """cost + credits: what the invoice shows for the unit."""
        return self.cost_total + self.credits_total

    def add(self, other: UnitStats) -> None:
        """Fold the same unit found in another file into this one."""
        self.row_count += other.row_count
        self.cost_total += other.cost_total
        self.credits_total += other.credits_total
        self.currencies |= other.currencies
        self.files.extend(other.files)


@dataclass
class Layout:
    """How one file's fields are read: relation SQL and a text expression per field."""

    relation: str
    text: dict[str, str]
    columns: dict[str, str]  # field -> header / path as the file names it (for messages)
    extra: str


class ExportReader:
    """A private in-memory DuckDB session reading export dumps."""

    def __init__(self, memory_limit: str = "2GB", threads: int = 2) -> None:
        self.con = duckdb.connect()
        self.con.execute(f"set memory_limit = {sql.literal(memory_limit)}")
        self.con.execute(f"set threads = {int(threads)}")
        self.con.execute("set TimeZone = 'UTC'")
        self._layouts: dict[str, Layout] = {}
        self._sources: dict[str, str] = {}
        self._tmp = tempfile.TemporaryDirectory(prefix="finops-gcp-duckdb-")
        # parsed text of large files spills here rather than failing on the memory limit
        self.con.execute(f"set temp_directory = {sql.literal(self._tmp.name)}")

    def close(self) -> None:
        """Release the DuckDB session."""
        self.con.close()
        self._tmp.cleanup()

    # -- layouts ---------------------------------------------------------------------------
    def layout(self, file: InputFile) -> Layout:
        """The field mapping of a file (cached)."""
        if file.uri not in self._layouts:
            if file.size == 0:
                raise ExportError(f"{file.label}: file is empty (0 bytes)")
            if file.format == "csv":
                self._layouts[file.uri] = self._csv_layout(file)
            else:
                self._layouts[file.uri] = self._json_layout(file)
        return self._layouts[file.uri]

    def _csv_layout(self, file: InputFile) -> Layout:
        _check_utf8(file)
        with _open_text(file.uri) as handle:
            header = next(csv.reader(handle), None)
        if not header:
            raise ExportError(f"{file.label}: no header line")
        names = [h.strip() for h in header]
        duplicated = sorted({h for h in names if names.count(h) > 1})
        if duplicated:
            raise ExportError(f"{file.label}: column {duplicated[0]!r} appears twice in the header")
        columns = ", ".join(f"{sql.literal(h)}: 'VARCHAR'" for h in names)
        relation = (
            f"(select *, row_number() over () as x_row from read_csv({sql.literal(file.uri)}, "
            f"header = true, auto_detect = false, columns = {{{columns}}}, delim = ',', "
            "quote = '\"', escape = '\"', strict_mode = true))"
        )
        by_name = {h.lower(): h for h in names}
        text: dict[str, str] = {}
        where: dict[str, str] = {}
        for name, _, path in FIELDS:
            for candidate in (path, path.replace(".", "_")):
                if candidate in by_name:
                    text[name] = f"nullif(trim({sql.quote(by_name[candidate])}), '')"
                    where[name] = by_name[candidate]
                    break
            else:
                top, _, rest = path.partition(".")
                if rest and top in by_name:  # a RECORD column written as JSON text
                    value = f"nullif(trim({sql.quote(by_name[top])}), '')"
                    text[name] = (
                        f"case when json_valid({value}) then "
                        f"nullif(trim(json_extract_string({value}, '$.{rest}')), '') end"
                    )
                    where[name] = by_name[top]
        extras = [h for h in names if h.lower() not in _CONSUMED]
        extra = (
            "json_object("
            + ", ".join(f"{sql.literal(h)}, nullif(trim({sql.quote(h)}), '')" for h in extras)
            + ")::varchar"
            if extras
            else "cast(null as varchar)"
        )
        # the CSV is parsed when its text table is built (`_source`), which reports bad lines
        return Layout(relation, text, where, extra)

    def _json_layout(self, file: InputFile) -> Layout:
        location = sql.literal(file.uri)
        if file.format == "parquet":
            relation = (
                "(select to_json(gcp_export_row)::varchar as j, row_number() over () as x_row "
                f"from read_parquet({location}) gcp_export_row)"
            )
        else:
            _check_utf8(file)
            relation = (
                "(select json::varchar as j, row_number() over () as x_row "
                f"from read_json_objects({location}, format = 'auto'))"
            )
        try:  # one scan: every row must be an object; collect the top-level keys
            found = self.con.execute(
                "select min(case when json_type(j) != 'OBJECT' then x_row end), "
                "list(distinct k) from (select j, x_row, unnest(case when json_type(j) = "
                f"'OBJECT' then json_keys(j) else [null] end) as k from {relation})"
            ).fetchall()
        except duckdb.Error as error:
            raise ExportError(f"{file.label}: {_describe_error(error)}") from error
        not_object, listed_keys = found[0]
        if not_object is not None:
            raise ExportError(f"{file.label}: row {not_object} is not a JSON object")
        keys = {k for k in listed_keys or [] if k is not None}
        text: dict[str, str] = {}
        where: dict[str, str] = {}
        paths: list[str] = []  # every path read, extracted in one pass (one JSON parse per row)
        for name, _, path in FIELDS:
            top = path.split(".", 1)[0]
            candidates = []
            if top in keys:
                candidates.append("$." + ".".join(_json_key(p) for p in path.split(".")))
            if "." in path:  # a flattened dump: `service.description` or `service_description`
                candidates += [
                    f"$.{_json_key(k)}" for k in (path, path.replace(".", "_")) if k in keys
                ]
            if not candidates:
                continue
            parts = []
            for candidate in dict.fromkeys(candidates):
                paths.append(candidate)
                # json_extract_string gives a scalar's text, an array's JSON text, and the
                # content of a string holding JSON text (a dump that kept REPEATED as text)
                parts.append(f"nullif(trim(gcp_values__[{len(paths)}]), '')")
            text[name] = parts[0] if len(parts) == 1 else f"coalesce({', '.join(parts)})"
            where[name] = path
        listed = ", ".join(sql.literal(p) for p in paths) or "'$.none'"
        relation = (
            f"(select j, x_row, json_extract_string(j, [{listed}]) as gcp_values__ from {relation})"
        )
        extras = sorted(k for k in keys if k not in _CONSUMED)
        extra = (
            "json_object("
            + ", ".join(f"{sql.literal(k)}, json_extract(j, '$.{_json_key(k)}')" for k in extras)
            + ")::varchar"
            if extras
            else "cast(null as varchar)"
        )
        return Layout(relation, text, where, extra)

    # -- validation ------------------------------------------------------------------------
    def _source(self, file: InputFile) -> str:
        """A temp table with one text column per field: the file is parsed once."""
        if file.uri in self._sources:
            return self._sources[file.uri]
        layout = self.layout(file)
        items = [f"{expr} as {sql.quote(name)}" for name, expr in layout.text.items()]
        items += [
            f"cast(null as varchar) as {sql.quote(name)}"
            for name, _, _ in FIELDS
            if name not in layout.text
        ]
        table = f"gcp_source_{len(self._sources) + 1}"
        try:
            self.con.execute(
                f"create temp table {table} as select x_row, {layout.extra} as x_extra, "
                f"{', '.join(items)} from {layout.relation}"
            )
        except duckdb.Error as error:
            raise ExportError(f"{file.label}: {_describe_error(error)}") from error
        self._sources[file.uri] = table
        return table

    def release(self, file: InputFile) -> None:
        """Drop a file's parsed text once its rows are streamed."""
        table = self._sources.pop(file.uri, None)
        if table:
            self.con.execute(f"drop table if exists {table}")

    def validate(self, file: InputFile) -> dict[tuple[date, str], UnitStats]:
        """Check every value of a file and total it per (invoice month, billing account).

        Raises:
            ExportError: naming the file, row and column of the first problem.
        """
        layout = self.layout(file)
        missing = [name for name in REQUIRED if name not in layout.text]
        if missing:
            raise ExportError(
                f"{file.label}: required column {_PATHS[missing[0]]!r} is missing "
                "(schema drift? expected the BigQuery billing export fields)"
            )
        source = self._source(file)
        checks: list[tuple[str, str, str]] = []  # (field, problem, SQL true when bad)
        for name in layout.text:
            kind = _KINDS[name]
            if kind != "string":
                checks.append((name, f"not a valid {kind}", sql.invalid(kind, name, file.locale)))
        for name in REQUIRED:
            checks.append((name, "empty", f"{name} is null"))
        checks.append(
            (
                "invoice_month",
                "not an invoice month YYYYMM",
                f"invoice_month is not null and {sql.billing_period('invoice_month')} is null",
            )
        )
        checks.append(
            (
                "credits",
                "has a credit amount that is not a number",
                f"case when not ({sql.invalid('json', 'credits', 'plain')}) and credits is not "
                f"null then {sql.bad_credit('credits')} else false end",
            )
        )
        aggregates = ", ".join(f"min(case when {bad} then x_row end)" for _, _, bad in checks)
        try:
            first_bad = self.con.execute(f"select count(*), {aggregates} from {source}").fetchall()
        except duckdb.Error as error:
            raise ExportError(f"{file.label}: {_describe_error(error)}") from error
        count, *rows = first_bad[0]
        found = [(row, name, problem) for (name, problem, _), row in zip(checks, rows, strict=True)]
        found = sorted((r for r in found if r[0] is not None), key=lambda r: r[0])
        if found:
            row, name, problem = found[0]
            raise ExportError(self._bad_value(file, source, row, name, problem))
        if count == 0:
            raise ExportError(
                f"{file.label}: export has no rows (header only?); an invoice month is never "
                "replaced by nothing"
            )
        credits = sql.derived()["credits_total"]
        totals = self.con.execute(
            f"select {sql.billing_period('invoice_month')}, billing_account_id, count(*), "
            f"sum({sql.typed('money', 'cost', file.locale)}), sum({credits}), "
            f"list(distinct currency) from {self._parsed(source)} group by 1, 2 order by 1, 2"
        ).fetchall()
        units = {
            (period, account): UnitStats(
                period, account, n, cost or Decimal(0), credit or Decimal(0), set(cur), [file]
            )
            for period, account, n, cost, credit, cur in totals
        }
        if file.claimed is not None and not any(p == file.claimed for p, _ in units):
            months = ", ".join(sorted({f"{p:%Y%m}" for p, _ in units}))
            raise ExportError(
                f"{file.label}: named for invoice month {file.claimed:%Y%m} but every row is in "
                f"invoice month {months} (column 'invoice.month'); wrong file for this month?"
            )
        return units

    def _bad_value(self, file: InputFile, source: str, row: int, name: str, problem: str) -> str:
        layout = self.layout(file)
        column = layout.columns.get(name, _PATHS[name])
        value = self.con.execute(f"select {name} from {source} where x_row = {int(row)}").fetchall()
        shown = value[0][0] if value else None
        where = f"row {row}" + (f" (line {row + 1})" if file.format == "csv" else "")
        if problem == "empty" or shown is None:
            return f"{file.label}: {where}, column {column!r}: value is empty"
        if len(str(shown)) > 80:
            shown = str(shown)[:77] + "..."
        hint = ""
        if _KINDS[name] in ("money", "rate", "quantity") and file.locale == "plain":
            hint = " (declare the source's number_locale to read grouped numbers)"
        return f"{file.label}: {where}, column {column!r}: value {shown!r} is {problem}{hint}"

    # -- rows ------------------------------------------------------------------------------
    def select_sql(self, file: InputFile) -> str:
        """SQL producing raw-table rows (typed fields, derived columns, lineage) of one file."""
        source = self._source(file)
        items = [
            f"{sql.typed(kind, name, file.locale)}::{sql.SQL_TYPES[kind]} as {sql.quote(name)}"
            for name, kind, _ in FIELDS
        ]
        derived = sql.derived()
        items += [
            f"{derived[name]}::{sql.SQL_TYPES[kind]} as {sql.quote(name)}"
            for name, kind in DERIVED_COLUMNS
        ]
        items += [
            f"{sql.billing_period('invoice_month')} as billing_period",
            f"{sql.literal(file.export_id)} as x_export_id",
            f"{sql.literal(file.label)} as x_source_file",
            "cast(x_row as bigint) as x_source_row",
            "x_extra",
        ]
        return f"select {', '.join(items)} from {self._parsed(source)}"

    @staticmethod
    def _parsed(source: str) -> str:
        """The source table with its REPEATED fields parsed once per row."""
        lists = ", ".join(f"{expr} as {name}" for name, expr in sql.parsed().items())
        return f"(select *, {lists} from {source})"

    def batches(self, file: InputFile, units: set[tuple[date, str]]) -> Iterator[pa.RecordBatch]:
        """Stream one file's raw rows of the given units as Arrow record batches."""
        keys = ", ".join(
            f"(date {sql.literal(p.isoformat())}, {sql.literal(a)})" for p, a in sorted(units)
        )
        query = (
            f"select * from ({self.select_sql(file)}) "
            f"where (billing_period, billing_account_id) in ({keys})"
        )
        yield from self.con.sql(query).to_arrow_reader(BATCH_ROWS)
        self.release(file)


def _json_key(key: str) -> str:
    return '"' + key.replace("'", "''").replace('"', '\\"') + '"'


def _open_text(path: str) -> io.TextIOBase:
    raw = gzip.open(path, "rb") if path.lower().endswith(".gz") else open(path, "rb")  # noqa: SIM115
    return io.TextIOWrapper(raw, encoding="utf-8-sig", newline="")


def _check_utf8(file: InputFile) -> None:
    """Refuse a file that is not UTF-8, naming the line and byte (Google writes UTF-8)."""
    decoder = codecs.getincrementaldecoder("utf-8")()
    line, offset = 1, 0
    opener = gzip.open if file.uri.lower().endswith(".gz") else open
    try:
        with opener(file.uri, "rb") as handle:
            for chunk in iter(lambda: handle.read(1 << 20), b""):
                try:
                    decoder.decode(chunk)
                except UnicodeDecodeError as error:
                    line += chunk.count(b"\n", 0, error.start)
                    raise ExportError(
                        f"{file.label}: line {line}, byte {offset + error.start + 1}: not UTF-8 "
                        f"(byte {chunk[error.start]:#04x}); Google writes exports in UTF-8"
                    ) from None
                line += chunk.count(b"\n")
                offset += len(chunk)
            decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        raise ExportError(f"{file.label}: ends inside a UTF-8 character (truncated?)") from None
    except (OSError, EOFError) as error:
        raise ExportError(f"{file.label}: cannot be read: {error}") from error


_CSV_LINE = re.compile(r"CSV Error on Line: (\d+)")


def _describe_error(error: Exception) -> str:
    """DuckDB's error, reduced to what names the place: the line and the problem."""
    text = str(error).strip()
    lines = [ln.strip() for ln in text.splitlines() if ln.strip()]
    match = _CSV_LINE.search(text)
    if match:
        detail = next(
            (
                ln
                for ln in lines[1:]
                if not ln.startswith(("Original Line", "Possible", "*", "file =", "LINE"))
            ),
            "malformed CSV",
        )
        line = int(match.group(1))
        return f"row {line - 1} (line {line}): {detail} (truncated or corrupt file?)"
    return lines[0][:300] if lines else "cannot be read"
