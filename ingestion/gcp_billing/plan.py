"""Decide what one run loads: find the dumps (or fetch BigQuery months), validate, keep the good.

Validation finishes before any row reaches dlt, so a bad file never half-loads: it is
quarantined with the reason, and every other file still loads. A unit (invoice month of a
billing account) is the union of the accepted files holding its rows.
"""

from __future__ import annotations

import json
import tempfile
from collections.abc import Callable, Iterable, Iterator
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pyarrow as pa

from ingestion.common.numbers import check_locale
from ingestion.common.report import LoadedUnit, SourceReport

from . import bigquery
from .files import discover
from .reader import ExportError, ExportReader, InputFile, UnitStats


def parse_month(value: str | date) -> date:
    """`2022-08`, `202208`, `2022-08-01` or a date -> first day of the month."""
    if isinstance(value, date):
        return value.replace(day=1)
    text = value.strip()
    for pattern, size in (("%Y-%m", 7), ("%Y%m", 6)):
        try:
            return datetime.strptime(text[:size], pattern).date()
        except ValueError:
            continue
    raise ValueError(f"billing period {value!r} is not YYYY-MM")


class ExportPlan:
    """Validated files of one path, ready to stream; computed on first use (lazy)."""

    def __init__(
        self,
        path: str,
        billing_periods: Iterable[str | date] | None,
        report: SourceReport,
        progress: Callable[[str], None] | None = None,
        number_locale: str = "plain",
        memory_limit: str = "2GB",
        threads: int = 2,
        bigquery_options: dict[str, Any] | None = None,
    ) -> None:
        self.path = path
        self.periods = {parse_month(p) for p in billing_periods} if billing_periods else None
        self.report = report
        self.progress = progress or (lambda message: None)
        self.locale = check_locale(number_locale)
        self.memory_limit, self.threads = memory_limit, threads
        self.bigquery_options = bigquery_options or {}
        self._units: dict[tuple[date, str], UnitStats] | None = None
        self._quarantined: list[tuple[InputFile | None, str, str, date | None]] = []
        self._reader: ExportReader | None = None
        self._tmp: tempfile.TemporaryDirectory | None = None

    # -- planning --------------------------------------------------------------------------
    def units(self) -> dict[tuple[date, str], UnitStats]:
        """Accepted units with their totals and files."""
        if self._units is None:
            self._units = self._prepare()
        return self._units

    def _inputs(self) -> Iterator[InputFile]:
        if bigquery.is_bigquery(self.path):
            yield from self._bigquery_inputs()
            return
        files, notes = discover(self.path, self.locale)
        self.report.notes.extend(notes)
        if not files:
            self.report.notes.append(f"{self.path}: no export dumps found")
        seen: dict[str, InputFile] = {}
        for file in files:
            if self.periods is not None and file.claimed and file.claimed not in self.periods:
                continue
            if file.md5 in seen:
                self._refuse(
                    file,
                    file.label,
                    f"{file.label}: duplicate of {seen[file.md5].label} (same MD5 {file.md5}); "
                    "loading both would count every row twice",
                )
                continue
            seen[file.md5] = file
            yield file

    def _bigquery_inputs(self) -> Iterator[InputFile]:
        # a dataset path means every billing account's export table found in it
        tables = bigquery.export_tables(self.path, self.bigquery_options.get("endpoint"))
        if tables != [self.path.strip()]:
            self.progress(f"{self.path}: export tables {', '.join(tables)}")
        self._tmp = tempfile.TemporaryDirectory(prefix="finops-gcp-")
        months = sorted(self.periods) if self.periods else bigquery.open_months()
        for table in tables:
            export = bigquery.BigQueryExport(table, **self.bigquery_options)
            for month in months:
                try:
                    dump = export.fetch(month, Path(self._tmp.name))
                except ExportError as error:
                    self._refuse(None, f"{table}?invoice.month={month:%Y%m}", str(error), month)
                    continue
                if dump.size == 0:
                    self.report.notes.append(
                        f"{dump.label}: no rows; invoice month {month:%Y-%m} left as it was"
                    )
                    continue
                self.progress(f"fetched {dump.label}")
                yield dump

    def _prepare(self) -> dict[tuple[date, str], UnitStats]:
        self.report.root = self.path
        self._reader = ExportReader(self.memory_limit, self.threads)
        units: dict[tuple[date, str], UnitStats] = {}
        for file in self._inputs():
            try:
                found = self._reader.validate(file)
            except ExportError as error:
                self._refuse(file, file.label, str(error))
                continue
            kept = {k: u for k, u in found.items() if self.periods is None or k[0] in self.periods}
            rows = sum(u.row_count for u in kept.values())
            self.progress(f"validated {file.label}: {rows:,} rows in {len(kept)} unit(s)")
            for key, unit in kept.items():
                if key in units:
                    units[key].add(unit)
                else:
                    units[key] = unit
        for (period, account), unit in sorted(units.items()):
            self.report.loaded.append(
                LoadedUnit(
                    period,
                    _unit_key(period, account),
                    unit.row_count,
                    unit.billed_total,
                    tuple(f.label for f in unit.files),
                )
            )
            if len(unit.currencies) > 1:
                self.report.notes.append(
                    f"{_unit_key(period, account)}: several currencies {sorted(unit.currencies)}"
                )
        return units

    def _refuse(
        self, file: InputFile | None, label: str, reason: str, month: date | None = None
    ) -> None:
        self._quarantined.append((file, label, reason, month or (file.claimed if file else None)))
        self.report.quarantine(label, reason)
        self.progress(f"quarantined {label}: {reason}")

    # -- rows ------------------------------------------------------------------------------
    def batches(self) -> Iterator[pa.RecordBatch]:
        """Raw rows of every accepted unit, file by file, as Arrow batches."""
        by_file: dict[str, tuple[InputFile, set[tuple[date, str]]]] = {}
        for key, unit in sorted(self.units().items()):
            for file in unit.files:
                by_file.setdefault(file.uri, (file, set()))[1].add(key)
        assert self._reader is not None or not by_file
        for file, keys in by_file.values():
            yield from self._reader.batches(file, keys)
            self.progress(f"extracted {file.label}")

    def load_records(self) -> list[dict[str, Any]]:
        """One `loads` row per replaced unit and per quarantined file."""
        now = datetime.now(UTC).replace(tzinfo=None)
        records = []
        for (period, account), unit in sorted(self.units().items()):
            files = [{"path": f.label, "md5": f.md5, "size": f.size} for f in unit.files]
            records.append(
                {
                    "billing_period": period,
                    "billing_account_id": account,
                    "unit_key": _unit_key(period, account),
                    "status": "loaded",
                    "source_file": ", ".join(f.label for f in unit.files),
                    "checksum": unit.files[0].md5 if len(files) == 1 else _combined(files),
                    "files": json.dumps(files),
                    "row_count": unit.row_count,
                    "cost_total": unit.billed_total,
                    "x_cost_before_credits": unit.cost_total,
                    "x_credits_total": unit.credits_total,
                    "currency": ",".join(sorted(unit.currencies)),
                    "error": None,
                    "detected_at": now,
                }
            )
        for file, label, reason, month in self._quarantined:
            records.append(
                {
                    "billing_period": month,
                    "billing_account_id": None,
                    "unit_key": label,
                    "status": "quarantined",
                    "source_file": label,
                    "checksum": file.md5 if file else None,
                    "files": json.dumps([{"path": label, "md5": file.md5 if file else None}]),
                    "row_count": 0,
                    "cost_total": None,
                    "x_cost_before_credits": None,
                    "x_credits_total": None,
                    "currency": None,
                    "error": reason,
                    "detected_at": now,
                }
            )
        return records

    def close(self) -> None:
        """Release the DuckDB session and fetched dumps."""
        if self._reader is not None:
            self._reader.close()
        if self._tmp is not None:
            self._tmp.cleanup()


def _unit_key(period: date, account: str) -> str:
    return f"{period:%Y-%m}/{account}"


def _combined(files: list[dict[str, Any]]) -> str:
    import hashlib

    digest = hashlib.md5(usedforsecurity=False)
    for item in sorted(files, key=lambda f: f["path"]):
        digest.update(f"{item['path']}:{item['md5']}\n".encode())
    return digest.hexdigest()


def months_in(path: str, number_locale: str = "plain") -> list[str]:
    """Invoice months (YYYY-MM) present under `path`; BigQuery: the open months."""
    if bigquery.is_bigquery(path):
        return [f"{m:%Y-%m}" for m in bigquery.open_months()]
    files, _ = discover(path, number_locale)
    reader = ExportReader(threads=1)
    months: set[str] = set()
    try:
        for file in files:
            try:
                layout = reader.layout(file)
            except ExportError:
                continue
            if "invoice_month" not in layout.text:
                continue
            found = reader.con.execute(
                f"select distinct {layout.text['invoice_month']} from {layout.relation}"
            ).fetchall()
            months |= {f"{v[:4]}-{v[4:6]}" for (v,) in found if v and len(v) == 6 and v.isdigit()}
    finally:
        reader.close()
    return sorted(months)
