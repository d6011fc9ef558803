"""The cost_anomalies asset on DuckDB and PostgreSQL: reads gold and the known_cost_events seed,
writes ml.cost_anomalies."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import AbstractContextManager
from pathlib import Path
from typing import Any

import dagster as dg
import pandas as pd
import pytest

from ml.common.synthetic import daily_cost_series, inject_anomaly
from orchestration.defs.ml.forecasts import cost_anomalies
from tests.warehouse_utils import query, use_warehouse

SEED = Path(__file__).parents[2] / "dbt_project/seeds/planning/known_cost_events.csv"
SPIKE_DAY = 100  # 2024-04-10
SCHEMA = [
    "create schema gold",
    "create table gold.fct_cost_daily (charge_date date, x_provider varchar, "
    "service_category varchar, x_team varchar, effective_cost decimal(38,10))",
    "create schema silver",
    "create table silver.known_cost_events (start_date date, end_date date, "
    "series_type varchar, series_value varchar, description varchar)",
    # a table written before the kind column existed: the asset must still write into it
    "create schema ml",
    "create table ml.cost_anomalies (series_type varchar, date date)",
]


def _gold_daily() -> list[tuple]:
    rows = []
    for team in ("payments", "search"):
        series = daily_cost_series(130, seed=3, start="2024-01-01", noise_cv=0.05)
        series = inject_anomaly(series, "spike", SPIKE_DAY, 1.0)
        rows += [(d.date(), "aws", "Compute", team, round(c, 4)) for d, c in series.to_numpy()]
    return rows


def _known_events() -> list[tuple]:
    # the seed file as dbt loads it (blank = NULL), plus the payments launch on the spike day
    seed = pd.read_csv(SEED, dtype=str).astype(object)
    rows = [tuple(None if pd.isna(v) else v for v in row) for row in seed.to_numpy()]
    return [*rows, ("2024-04-09", "2024-04-11", "team", "payments", "checkout launch")]


def _fill(con: Any, mark: str) -> None:  # a DuckDB or psycopg connection
    for statement in SCHEMA:
        con.execute(statement)
    cursor = con.cursor()
    cursor.executemany(
        f"insert into gold.fct_cost_daily values ({', '.join([mark] * 5)})", _gold_daily()
    )
    cursor.executemany(
        f"insert into silver.known_cost_events values ({', '.join([mark] * 5)})", _known_events()
    )


@pytest.fixture(params=["duckdb", "postgres"])
def warehouse(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[AbstractContextManager]:
    if request.param == "duckdb":
        import duckdb

        path = tmp_path / "wh.duckdb"
        with duckdb.connect(str(path)) as con:
            _fill(con, "?")
        yield use_warehouse("duckdb", duckdb_file=path)
        return
    import psycopg

    name = f"finops_anomalies_{uuid.uuid4().hex[:8]}"
    admin = {"host": "127.0.0.1", "port": 5432, "user": "postgres", "autocommit": True}
    with psycopg.connect(dbname="postgres", **admin) as con:
        con.execute(f'create database "{name}"')
    try:
        with psycopg.connect(dbname=name, **admin) as con:
            _fill(con, "%s")
        yield use_warehouse("postgres", pg_database=name)
    finally:
        with psycopg.connect(dbname="postgres", **admin) as con:
            con.execute(f'drop database if exists "{name}" with (force)')


def test_known_event_of_one_team_hides_its_spike_and_no_other(
    warehouse: AbstractContextManager,
) -> None:
    with warehouse:
        result = dg.materialize([cost_anomalies], partition_key="2024-04-01")
        rows = query(
            "select series_type, series_value, kind from ml.cost_anomalies "
            "where date = date '2024-04-10' order by 1, 2"
        )
    assert result.success
    assert rows == [
        ("provider", "aws", "spike"),
        ("service_category", "Compute", "spike"),
        ("team", "search", "spike"),  # payments' spike is its planned launch
        ("total", "all", "spike"),
    ]
    metadata = result.asset_materializations_for_node("ml__cost_anomalies")[0].metadata
    assert metadata["suppressed_known_events"].value == 1
