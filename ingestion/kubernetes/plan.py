"""Decide what one run loads: find inputs, validate each, choose one file per cluster-day.

Validation finishes before any row is handed to dlt, so a bad file never half-loads: it is
quarantined with the reason and every good file still loads. When two files cover the same
(cluster, day) (a re-export, a second download), the newer file wins and the run notes it,
so a unit never holds a day twice.
"""

from __future__ import annotations

import hashlib
import json
import tempfile
import weakref
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa

from ingestion.common.numbers import check_locale
from ingestion.common.periods import parse_month
from ingestion.common.report import LoadedUnit, SourceReport

from . import http
from .allocation import BATCH_ROWS, AllocationReader, literal
from .inputs import InputError, InputFile, discover
from .openshift import OpenShiftReader
from .settings import ALLOCATIONS_TABLE


@dataclass
class Unit:
    """One unit of replacement: a table's (billing period, cluster)."""

    table: str
    billing_period: date
    cluster_id: str
    rows: int = 0
    cost_total: Decimal | None = None
    files: set[str] = field(default_factory=set)


@dataclass(frozen=True)
class HttpOptions:
    """How the endpoint is asked (see http.py)."""

    path: str = "/allocation"
    query: dict[str, str] = field(default_factory=dict)
    token: str | None = None
    timeout: float = 60.0
    retries: int = 2
    backoff: float = 2.0


class LoadPlan:
    """Validated inputs of one root, ready to stream; computed lazily on first use."""

    def __init__(
        self,
        path: str,
        billing_periods: Iterable[str | date] | None,
        report: SourceReport,
        cluster_id: str | None = None,
        currency: str = "USD",
        number_locale: str = "plain",
        http_options: HttpOptions | None = None,
        progress: Callable[[str], None] | None = None,
        memory_limit: str = "2GB",
        threads: int = 2,
    ) -> None:
        self.path = path
        self.periods = {parse_month(p) for p in billing_periods} if billing_periods else None
        self.report = report
        self.cluster_id = cluster_id
        self.currency = currency
        self.locale = check_locale(number_locale)
        self.http = http_options or HttpOptions()
        self.progress = progress or (lambda message: None)
        self.memory_limit, self.threads = memory_limit, threads
        self.units: dict[tuple[str, date, str], Unit] = {}
        self.quarantined: list[tuple[str, str, str | None, date | None]] = []
        self._checksums: dict[str, str] = {}
        self._chosen: dict[str, list[InputFile]] = {}
        self._prepared = False

    # ---- preparation ----------------------------------------------------------------------

    def prepare(self) -> None:
        """Find, validate and choose; idempotent."""
        if self._prepared:
            return
        self._prepared = True
        self._tmp = tempfile.TemporaryDirectory(prefix="finops-k8s-")
        weakref.finalize(self, self._tmp.cleanup)
        self.con = duckdb.connect()
        self.con.execute(f"set memory_limit = {literal(self.memory_limit)}")
        self.con.execute(f"set threads = {int(self.threads)}")
        self.con.execute("set TimeZone = 'UTC'")
        self.con.execute(
            "create table chosen_keys (file varchar, key_time timestamp, cluster_id varchar)"
        )
        self.alloc = AllocationReader(self.con, self.cluster_id, self.locale, self.currency)
        self.koku = OpenShiftReader(self.con)
        self.report.root = self.path
        inputs = self._fetch() if http.is_url(self.path) else self._discover()
        choice: dict[tuple[str, Any, str], tuple[InputFile, int, Decimal | None, date]] = {}
        for file in inputs:
            if self.periods is not None and file.declared_month not in (None, *self.periods):
                continue
            try:
                self._checksums[file.uri] = _md5(file.uri)
                keys = self._validate(file)
            except InputError as error:
                self._quarantine(file.name, str(error), file.uri, file.declared_month)
                continue
            rows = 0
            for key, (count, total, period) in keys.items():
                if self.periods is not None and period not in self.periods:
                    continue
                rows += count
                previous = choice.get(key)
                if previous is None or (previous[0].modified, previous[0].name) <= (
                    file.modified,
                    file.name,
                ):
                    if previous is not None and previous[0].uri != file.uri:
                        self.report.notes.append(
                            f"{key[0]} {key[2]} {key[1]}: in {previous[0].name} and "
                            f"{file.name}; kept the newer {file.name}"
                        )
                    choice[key] = (file, count, total, period)
            self.progress(f"validated {file.name}: {rows:,} rows")
        self._choose(choice)

    def _discover(self) -> list[InputFile]:
        inputs, notes, problems = discover(Path(self.path), Path(self._tmp.name))
        self.report.notes.extend(notes)
        for name, reason in problems:
            self._quarantine(name, reason, None, None)
        if not inputs and not problems:
            self.report.notes.append(f"{self.path}: no allocation or koku files found")
        return inputs

    def _fetch(self) -> list[InputFile]:
        months = sorted(self.periods) if self.periods else http.previous_and_current()
        token = http.token_from_env(self.http.token)
        inputs = []
        for index, month in enumerate(months):
            window = http.month_window(month)
            if window is None:
                self.report.notes.append(f"{month:%Y-%m}: no complete day yet; not requested")
                continue
            url = http.allocation_url(self.path, self.http.path, *window, self.http.query)
            target = Path(self._tmp.name) / f"allocation-{month:%Y-%m}.json"
            # raises SourceUnavailable / SourceRefused: the run fails and nothing loads
            http.fetch(url, target, token, self.http.timeout, self.http.retries, self.http.backoff)
            self.progress(f"fetched {url}")
            inputs.append(InputFile(str(target), url, "opencost_json", float(index), month))
        return inputs

    def _validate(self, file: InputFile) -> dict[tuple[str, Any, str], tuple[int, Any, date]]:
        """(table, key time, cluster) -> (rows, cost total, billing period) of one file."""
        if file.kind == "koku_csv":
            table, stats = self.koku.validate(file)
            return {(table, t, c): (n, None, p) for (t, c), (n, p) in stats.items()}
        stats = self.alloc.validate(file)
        return {
            (ALLOCATIONS_TABLE, day, cluster): (s.rows, s.total_cost, s.billing_period)
            for (day, cluster), s in stats.days.items()
        }

    def _choose(self, choice: dict) -> None:
        rows = []
        for (table, key_time, cluster), (file, count, total, period) in choice.items():
            rows.append((file.uri, key_time, cluster))
            unit = self.units.setdefault((table, period, cluster), Unit(table, period, cluster))
            unit.rows += count
            if total is not None:
                unit.cost_total = (unit.cost_total or Decimal(0)) + total
            unit.files.add(file.name)
            chosen = self._chosen.setdefault(table, [])
            if file not in chosen:
                chosen.append(file)
        if rows:
            self.con.executemany("insert into chosen_keys values (?, ?, ?)", rows)
        for unit in sorted(self.units.values(), key=lambda u: (u.table, u.billing_period)):
            self.report.loaded.append(
                LoadedUnit(
                    unit.billing_period,
                    _unit_key(unit.table, unit.cluster_id),
                    unit.rows,
                    unit.cost_total,
                    tuple(sorted(unit.files)),
                )
            )

    def _quarantine(self, name: str, reason: str, uri: str | None, month: date | None) -> None:
        self.report.quarantine(name, reason)
        checksum = self._checksums.get(uri) if uri else None
        self.quarantined.append((name, reason, checksum, month))
        self.progress(f"quarantined {name}: {reason}")

    # ---- streaming ------------------------------------------------------------------------

    def batches(self, table: str) -> Iterator[pa.RecordBatch]:
        """Raw rows of one table, file by file (each file's rows fetched whole, then sliced)."""
        self.prepare()
        for file in self._chosen.get(table, []):
            export_id = self._checksums[file.uri]
            if file.kind == "koku_csv":
                typed = self.koku.typed_sql(file, export_id)
                key = "t.interval_start"
            else:
                typed = self.alloc.typed_sql(file, export_id)
                key = "cast(t.usage_date as timestamp)"
            sql = (
                f"select t.* from ({typed}) t where exists (select 1 from chosen_keys k "
                f"where k.file = {literal(file.uri)} and k.key_time = {key} "
                f"and k.cluster_id = t.cluster_id) order by t.x_source_row"
            )
            # fetched whole per file: several resources stream from one DuckDB session in
            # turn, and an open streaming result would be cut by the next query
            yield from self.con.sql(sql).to_arrow_table().to_batches(BATCH_ROWS)
            self.progress(f"extracted {file.name} -> {table}")

    def load_records(self) -> list[dict[str, Any]]:
        """One `loads` row per replaced unit and per quarantined file."""
        self.prepare()
        now = datetime.now(UTC).replace(tzinfo=None)
        by_name = {}
        for files in self._chosen.values():
            for file in files:
                by_name[file.name] = self._checksums[file.uri]
        records = []
        for unit in sorted(self.units.values(), key=lambda u: (u.table, u.billing_period)):
            names = sorted(unit.files)
            digest = hashlib.md5(
                "".join(by_name[n] for n in names).encode(), usedforsecurity=False
            ).hexdigest()
            records.append(
                {
                    "billing_period": unit.billing_period,
                    "unit_key": _unit_key(unit.table, unit.cluster_id),
                    "table_name": unit.table,
                    "cluster_id": unit.cluster_id,
                    "status": "loaded",
                    "source_file": "; ".join(names),
                    "checksum": by_name[names[0]] if len(names) == 1 else digest,
                    "files": json.dumps([{"path": n, "md5": by_name[n]} for n in names]),
                    "row_count": unit.rows,
                    "cost_total": unit.cost_total,
                    "currency": self.currency if unit.cost_total is not None else None,
                    "error": None,
                    "detected_at": now,
                }
            )
        for name, reason, checksum, month in self.quarantined:
            records.append(
                {
                    "billing_period": month,
                    "unit_key": None,
                    "table_name": None,
                    "cluster_id": None,
                    "status": "quarantined",
                    "source_file": name,
                    "checksum": checksum,
                    "files": json.dumps([{"path": name, "md5": checksum}]),
                    "row_count": 0,
                    "cost_total": None,
                    "currency": None,
                    "error": reason,
                    "detected_at": now,
                }
            )
        return records

    def months(self) -> list[str]:
        """Billing months present (after validation), as YYYY-MM."""
        self.prepare()
        return sorted({f"{u.billing_period:%Y-%m}" for u in self.units.values()})


def _unit_key(table: str, cluster_id: str) -> str:
    return cluster_id if table == ALLOCATIONS_TABLE else f"{table}/{cluster_id}"


def _md5(path: str) -> str:
    digest = hashlib.md5(usedforsecurity=False)
    with open(path, "rb") as handle:
        for chunk in iter(lambda: handle.read(8 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()
