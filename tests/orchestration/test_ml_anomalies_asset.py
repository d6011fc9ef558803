"""The cost_anomalies asset: reads gold and the known_cost_events seed, writes ml.cost_anomalies."""

from __future__ import annotations

from pathlib import Path

import dagster as dg
import duckdb
import pandas as pd

from ml.common.synthetic import daily_cost_series, inject_anomaly
from orchestration.defs.ml.forecasts import cost_anomalies
from tests.warehouse_utils import query, use_warehouse

SEED = Path(__file__).parents[2] / "dbt_project/seeds/planning/known_cost_events.csv"
SPIKE_DAY = 100  # 2024-04-10


def _gold_daily() -> pd.DataFrame:
    frames = []
    for team in ("payments", "search"):
        series = inject_anomaly(
            daily_cost_series(130, seed=3, start="2024-01-01", noise_cv=0.05), "spike", SPIKE_DAY, 1
        )
        frames.append(series.assign(x_team=team))
    daily = pd.concat(frames)
    return daily.assign(x_provider="aws", service_category="Compute").rename(
        columns={"date": "charge_date", "cost": "effective_cost"}
    )


def _warehouse(path: Path) -> None:
    with duckdb.connect(str(path)) as con:
        con.execute("create schema gold")
        con.register("daily", _gold_daily())
        con.execute(
            "create table gold.fct_cost_daily as select cast(charge_date as date) as charge_date, "
            "x_provider, service_category, x_team, "
            "cast(effective_cost as decimal(38,10)) as effective_cost from daily"
        )
        # the seed file as dbt loads it, plus the launch of the payments team on the spike day
        con.execute("create schema silver")
        con.execute(f"create table silver.known_cost_events as select * from read_csv('{SEED}')")
        con.execute(
            "insert into silver.known_cost_events values "
            "('2024-04-09', '2024-04-11', 'team', 'payments', 'checkout launch')"
        )
        # a table written before the kind column existed: the asset must still write into it
        con.execute("create schema ml")
        con.execute("create table ml.cost_anomalies (series_type varchar, date date)")


def test_known_event_of_one_team_hides_its_spike_and_no_other(tmp_path: Path) -> None:
    _warehouse(tmp_path / "wh.duckdb")
    with use_warehouse("duckdb", duckdb_file=tmp_path / "wh.duckdb"):
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
