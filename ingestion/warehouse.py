"""Warehouse selection shared by every source, dbt and the CLI: one environment variable.

`FINOPS_WAREHOUSE=duckdb|postgres` (default duckdb). DuckDB lives at `FINOPS_DUCKDB_PATH`
(default `.finops/warehouse.duckdb`); PostgreSQL comes from `FINOPS_POSTGRES_URL` or the libpq
variables (PGHOST, PGPORT, PGUSER, PGPASSWORD, PGDATABASE). No other switch exists.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path
from typing import Literal
from urllib.parse import quote, unquote, urlparse

import dlt
from dlt.destinations.impl.duckdb.configuration import DuckDbCredentials

WarehouseKind = Literal["duckdb", "postgres"]

# telemetry of every tool is off unless a user turns it on explicitly
for _name, _value in {
    "RUNTIME__DLTHUB_TELEMETRY": "false",
    "DO_NOT_TRACK": "1",
    "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
    # dlt adds _dlt_load_id to Arrow data only when asked; bronze uses it to flag the latest load
    "NORMALIZE__PARQUET_NORMALIZER__ADD_DLT_LOAD_ID": "true",
}.items():
    os.environ.setdefault(_name, _value)


class WarehouseConfigError(ValueError):
    """The warehouse settings in the environment are unusable."""


def home() -> Path:
    """Project-local state folder (warehouse file, dlt pipelines, Dagster home)."""
    return Path(os.environ.get("FINOPS_HOME", ".finops")).resolve()


def warehouse_kind() -> WarehouseKind:
    """The configured warehouse, validated."""
    kind = os.environ.get("FINOPS_WAREHOUSE", "duckdb").strip().lower()
    if kind not in ("duckdb", "postgres"):
        raise WarehouseConfigError(
            f"FINOPS_WAREHOUSE={kind!r} is not supported; use 'duckdb' or 'postgres'"
        )
    return kind  # type: ignore[return-value]


def duckdb_path() -> Path:
    """Absolute path of the DuckDB warehouse file."""
    configured = os.environ.get("FINOPS_DUCKDB_PATH")
    return Path(configured).resolve() if configured else home() / "warehouse.duckdb"


def postgres_settings() -> dict[str, str]:
    """libpq settings (host, port, user, password, dbname) from FINOPS_POSTGRES_URL or PG* vars."""
    url = os.environ.get("FINOPS_POSTGRES_URL")
    if url:
        parsed = urlparse(url)
        if parsed.scheme not in ("postgres", "postgresql") or not parsed.path.strip("/"):
            raise WarehouseConfigError(
                "FINOPS_POSTGRES_URL must look like postgresql://user:password@host:5432/dbname"
            )
        return {
            "host": parsed.hostname or "127.0.0.1",
            "port": str(parsed.port or 5432),
            "user": unquote(parsed.username or "postgres"),
            "password": unquote(parsed.password or ""),
            "dbname": parsed.path.strip("/"),
        }
    return {
        "host": os.environ.get("PGHOST", "127.0.0.1"),
        "port": os.environ.get("PGPORT", "5432"),
        "user": os.environ.get("PGUSER", "postgres"),
        "password": os.environ.get("PGPASSWORD", ""),
        "dbname": os.environ.get("PGDATABASE", "finops"),
    }


def postgres_url(redact: bool = False) -> str:
    """A SQLAlchemy/dlt URL for the configured PostgreSQL database."""
    pg = postgres_settings()
    # dlt insists on a password in the URL even with trust auth; any value works there
    password = "***" if redact else quote(pg["password"] or "trust", safe="")
    user = quote(pg["user"], safe="")
    return f"postgresql://{user}:{password}@{pg['host']}:{pg['port']}/{pg['dbname']}"


def describe() -> str:
    """Where data goes, for messages (never shows a password)."""
    if warehouse_kind() == "duckdb":
        return f"DuckDB at {duckdb_path()}"
    return f"PostgreSQL at {postgres_url(redact=True)}"


def dlt_destination() -> dlt.common.destination.Destination:
    """The dlt destination for the configured warehouse."""
    if warehouse_kind() == "duckdb":
        path = duckdb_path()
        path.parent.mkdir(parents=True, exist_ok=True)
        # DuckDB's defaults take most of the machine's memory and every core; a load streams
        # files into tables, so a small cap keeps a run bounded whatever the input size. Raw
        # rows carry their own order key (x_source_row), so insertion order need not be kept,
        # which lets DuckDB stream a large file within the cap
        limits = {
            "memory_limit": os.environ.get("FINOPS_DUCKDB_LOAD_MEMORY_LIMIT", "1GB"),
            "threads": int(os.environ.get("FINOPS_DUCKDB_THREADS", "2")),
            "preserve_insertion_order": False,
        }
        # one file at a time per table: parallel jobs would each take memory under the cap
        return dlt.destinations.duckdb(
            credentials=DuckDbCredentials(str(path), global_config=limits),
            loader_parallelism_strategy="table-sequential",
        )
    return dlt.destinations.postgres(credentials=postgres_url())


def make_pipeline(source_name: str, dataset_name: str) -> dlt.Pipeline:
    """The dlt pipeline of one source: one pipeline name per warehouse, state kept in the project.

    Args:
        source_name: e.g. `aws_cur`.
        dataset_name: the raw schema, e.g. `raw_aws_cur`.

    Returns:
        A pipeline whose working folder is under `.finops/dlt` (not /var/dlt).
    """
    kind = warehouse_kind()
    # the state of a pipeline belongs to one destination: a second DuckDB file or database gets
    # its own name, so switching FINOPS_DUCKDB_PATH never confuses dlt's stored state
    target = str(duckdb_path()) if kind == "duckdb" else postgres_url(redact=True)
    digest = hashlib.sha1(target.encode(), usedforsecurity=False).hexdigest()[:8]
    return dlt.pipeline(
        pipeline_name=f"{source_name}_{kind}_{digest}",
        destination=dlt_destination(),
        dataset_name=dataset_name,
        pipelines_dir=str(home() / "dlt"),
        progress="log" if os.environ.get("FINOPS_DLT_PROGRESS") else None,
    )


def dbt_env() -> dict[str, str]:
    """Environment for a dbt process targeting the configured warehouse."""
    env = {"FINOPS_WAREHOUSE": warehouse_kind(), "DO_NOT_TRACK": "1"}
    if env["FINOPS_WAREHOUSE"] == "duckdb":
        env["FINOPS_DUCKDB_PATH"] = str(duckdb_path())
    else:
        pg = postgres_settings()
        env.update(
            PGHOST=pg["host"],
            PGPORT=pg["port"],
            PGUSER=pg["user"],
            PGPASSWORD=pg["password"],
            PGDATABASE=pg["dbname"],
        )
    return env


def check_connection() -> None:
    """Fail fast, with the reason, when the configured warehouse cannot be reached.

    Raises:
        WarehouseConfigError: naming the warehouse (never its password) and the cause.
    """
    if warehouse_kind() == "duckdb":
        duckdb_path().parent.mkdir(parents=True, exist_ok=True)
        return
    import psycopg

    try:
        with psycopg.connect(**postgres_settings(), connect_timeout=5):
            pass
    except psycopg.Error as error:
        cause = str(error).strip().splitlines()[-1].strip()
        raise WarehouseConfigError(f"cannot connect to {describe()}: {cause}") from error
