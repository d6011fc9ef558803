"""Fetch one invoice month of a billing export table from BigQuery into a local parquet dump.

The query runs through the BigQuery REST API (jobs, then paged getQueryResults); rows become
Arrow with the client's own REST-to-Arrow conversion and are written to parquet, which the
reader then validates exactly like a dump file. The Storage Read API (gRPC) is not used.
Credentials come from the standard Google chain (GOOGLE_APPLICATION_CREDENTIALS, gcloud ADC,
metadata server); only an emulator endpoint switches to anonymous credentials.

A path naming only a dataset (`bigquery://project.dataset`) is resolved to its export tables:
the detailed export of each billing account, else its standard export.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from .files import md5_of
from .reader import ExportError, InputFile

SCHEME = "bigquery://"
_TABLE = re.compile(r"^(?P<project>.+)\.(?P<dataset>[A-Za-z0-9_]+)\.(?P<table>[A-Za-z0-9_$-]+)$")
_DATASET = re.compile(r"^(?P<project>[^.]+(\.[^.]+)?:[^.]+|[^.:]+)\.(?P<dataset>[A-Za-z0-9_]+)$")
# the export table names Cloud Billing writes (the account id with `-` turned into `_`)
_EXPORT_TABLE = re.compile(
    r"^gcp_billing_export_(?P<kind>resource_v1|v1)_(?P<account>[A-Za-z0-9_]+)$"
)
EXPORT_TABLE_PATTERNS = (
    "gcp_billing_export_resource_v1_<BILLING_ACCOUNT_ID> (detailed)",
    "gcp_billing_export_v1_<BILLING_ACCOUNT_ID> (standard)",
)


def is_bigquery(path: str) -> bool:
    """True for `bigquery://project.dataset[.table]`."""
    return path.strip().lower().startswith(SCHEME)


def parse_dataset(path: str) -> tuple[str, str] | None:
    """(project, dataset) of `bigquery://project.dataset` (no table), else None.

    A domain-scoped project (`example.com:proj`) holds a dot; it is told from a table path by
    its colon.
    """
    match = _DATASET.match(path.strip()[len(SCHEME) :])
    return (match["project"], match["dataset"]) if match else None


def make_client(project: str, endpoint: str | None = None) -> Any:
    """A BigQuery REST client: the standard credential chain, or anonymous for an emulator."""
    from google.cloud import bigquery

    if not endpoint:
        return bigquery.Client(project=project)
    from google.auth.credentials import AnonymousCredentials

    return bigquery.Client(
        project=project,
        credentials=AnonymousCredentials(),
        client_options={"api_endpoint": endpoint},
    )


def choose_export_tables(names: Iterable[str]) -> list[str]:
    """One export table per billing account: the detailed export, else the standard one.

    The detailed export holds every row of the standard one plus resource-level fields, so
    loading both would count each cost twice.
    """
    chosen: dict[str, tuple[str, str]] = {}
    for name in names:
        match = _EXPORT_TABLE.match(name)
        if match is None:
            continue
        account, kind = match["account"], match["kind"]
        if account not in chosen or kind == "resource_v1":
            chosen[account] = (kind, name)
    return [chosen[account][1] for account in sorted(chosen)]


def export_tables(path: str, endpoint: str | None = None, page_size: int = 1000) -> list[str]:
    """`bigquery://project.dataset.table` paths to read for `path`.

    Args:
        path: a table path (returned as is) or a dataset path (its tables are listed).
        endpoint: emulator endpoint, as for BigQueryExport.
        page_size: tables per tables.list page.

    Returns:
        The table paths, one per billing account.

    Raises:
        ExportError: the dataset cannot be listed or holds no billing export table; the message
            names the dataset and the table names expected.
    """
    dataset = parse_dataset(path)
    if dataset is None:
        parse_table(path)  # a clear error for a malformed path
        return [path.strip()]
    from google.api_core import exceptions

    project, name = dataset
    try:
        listed = [
            item.table_id
            for item in make_client(project, endpoint).list_tables(
                f"{project}.{name}", page_size=page_size
            )
        ]
    except exceptions.GoogleAPICallError as error:
        raise ExportError(
            f"{path}: cannot list the tables of dataset {project}.{name}: {error.message}"
        ) from error
    tables = choose_export_tables(listed)
    if not tables:
        found = ", ".join(sorted(listed)[:10]) or "no tables"
        raise ExportError(
            f"{path}: dataset {project}.{name} holds no Cloud Billing export table (expected "
            f"{' or '.join(EXPORT_TABLE_PATTERNS)}; found: {found})"
        )
    return [f"{SCHEME}{project}.{name}.{table}" for table in tables]


def parse_table(path: str) -> tuple[str, str, str]:
    """(project, dataset, table) of `bigquery://project.dataset.table`.

    The project may itself hold dots (domain-scoped `example.com:proj`), so the split is from the
    right.
    """
    match = _TABLE.match(path.strip()[len(SCHEME) :])
    if match is None:
        raise ValueError(f"{path!r} is not bigquery://project.dataset[.table]")
    return match["project"], match["dataset"], match["table"]


def open_months(today: date | None = None) -> list[date]:
    """The invoice months that can still change: the current one and the previous one.

    Late usage lands in the next open invoice, and the previous invoice stays open until it is
    issued early in the month, so both are reloaded on every run.
    """
    today = today or datetime.now(UTC).date()
    current = today.replace(day=1)
    return [(current - timedelta(days=1)).replace(day=1), current]


class BigQueryExport:
    """One billing export table, read an invoice month at a time."""

    def __init__(
        self,
        path: str,
        endpoint: str | None = None,
        page_size: int = 50_000,
        lookback_days: int = 2,
        partition_filter: bool = True,
    ) -> None:
        self.path = path.strip()
        self.project, self.dataset, self.table = parse_table(self.path)
        self.endpoint = endpoint
        self.page_size = page_size
        self.lookback_days = lookback_days
        self.partition_filter = partition_filter
        self._client = None

    def client(self):
        """The BigQuery client (REST)."""
        if self._client is None:
            self._client = make_client(self.project, self.endpoint)
        return self._client

    def query_text(self) -> str:
        """The per-month query; `export_time` (and `_PARTITIONTIME`) bound the scan.

        Rows of invoice month M are exported from M's first day on (late usage of M-1 is
        exported during M), so nothing of M is older than the lower bound.
        """
        table = f"`{self.project}.{self.dataset}.{self.table}`"
        where = ["invoice.month = @invoice_month", "export_time >= @export_from"]
        if self.partition_filter:
            # ingestion-time partitions of the export table: prune what the query scans
            where.append("(_PARTITIONTIME IS NULL OR _PARTITIONTIME >= @export_from)")
        return f"SELECT * FROM {table} WHERE " + " AND ".join(where)

    def fetch(self, month: date, folder: Path) -> InputFile:
        """Run the month's query and write its rows to `folder` as parquet.

        Args:
            month: first day of the invoice month.
            folder: where the dump goes.

        Returns:
            The dump, labelled `bigquery://project.dataset.table?invoice.month=YYYYMM`.
        """
        import pyarrow.parquet as pq
        from google.api_core import exceptions
        from google.cloud import bigquery

        export_from = datetime(month.year, month.month, 1, tzinfo=UTC) - timedelta(
            days=self.lookback_days
        )
        config = bigquery.QueryJobConfig(
            query_parameters=[
                bigquery.ScalarQueryParameter("invoice_month", "STRING", f"{month:%Y%m}"),
                bigquery.ScalarQueryParameter("export_from", "TIMESTAMP", export_from),
            ]
        )
        label = f"{SCHEME}{self.project}.{self.dataset}.{self.table}?invoice.month={month:%Y%m}"
        try:
            job = self.client().query(self.query_text(), job_config=config)
            rows = job.result(page_size=self.page_size)
            arrow = rows.to_arrow(create_bqstorage_client=False)
        except exceptions.GoogleAPICallError as error:
            raise ExportError(f"{label}: BigQuery refused the query: {error.message}") from error
        target = folder / f"{self.table}_{month:%Y%m}.parquet"
        pq.write_table(arrow, target)
        return InputFile(
            uri=str(target),
            label=label,
            format="parquet",
            size=target.stat().st_size if arrow.num_rows else 0,
            md5=md5_of(target),
            claimed=month,
            export_id=job.job_id or "",
            locale="plain",
        )
