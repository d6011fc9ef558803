"""ml/cost_forecasts and ml/cost_anomalies, from the daily rollup in gold."""

import time
from datetime import UTC, datetime

import dagster as dg
import pandas as pd

from orchestration.defs.ml.series import (
    SERIES_DIMENSIONS,
    daily_lines,
    known_events,
    long_series,
)
from orchestration.lib.asset_keys import model_key
from orchestration.lib.asset_metadata import run_metadata
from orchestration.lib.partitions import billing_month, single_run
from orchestration.lib.tables import write_table

SERIES = ["series_type", "series_value"]
FORECAST_COLUMNS = {
    "made_on": "date",
    "series_type": "varchar",
    "series_value": "varchar",
    "date": "date",
    "forecast": "decimal(38,10)",
    "lower_80": "decimal(38,10)",
    "upper_80": "decimal(38,10)",
    "lower_95": "decimal(38,10)",
    "upper_95": "decimal(38,10)",
    "model": "varchar",
    "is_fallback": "boolean",
}
ANOMALY_COLUMNS = {
    "series_type": "varchar",
    "series_value": "varchar",
    "date": "date",
    "cost": "decimal(38,10)",
    "expected": "decimal(38,10)",
    "lower": "decimal(38,10)",
    "upper": "decimal(38,10)",
    "severity": "varchar",
    "impact": "decimal(38,10)",
    "score": "double precision",
    "kind": "varchar",
    "root_cause_dimension": "varchar",
    "root_cause_value": "varchar",
    "root_cause_share": "double precision",
}
ROOT_CAUSE_DIMENSIONS = ["x_provider", "service_category", "x_team"]

ML_ASSET = {
    "key_prefix": "ml",
    "partitions_def": billing_month,
    "backfill_policy": single_run,
    "group_name": "ml",
}
GOLD_DAILY = model_key("gold", "fct_cost_daily")
ml_asset = dg.asset(deps=[GOLD_DAILY], **ML_ASSET)
# the planned launches the analyst lists are not anomalies
anomaly_asset = dg.asset(deps=[GOLD_DAILY, dg.AssetKey(["seeds", "known_cost_events"])], **ML_ASSET)


@ml_asset
def cost_forecasts(context: dg.AssetExecutionContext) -> dg.MaterializeResult:
    """Daily effective cost per series to the end of the month and 3 months ahead (80/95%).

    Append-only history: each day's forecasts are kept under `made_on`, so forecast variance
    can be measured later; rerunning on the same day replaces that day's forecasts.
    """
    started = time.monotonic()
    from ml.forecasting.run import forecast_many  # scikit-learn: imported only by this step

    history = long_series(daily_lines())
    forecasts = forecast_many(history, SERIES)
    made_on = datetime.now(UTC).date()
    forecasts = forecasts.assign(made_on=made_on)
    rows = write_table(forecasts, "cost_forecasts", FORECAST_COLUMNS, {"made_on": made_on})
    metrics = forecasts.attrs.get("metrics", pd.DataFrame())
    fallback = int(metrics["is_fallback"].sum()) if "is_fallback" in metrics else 0
    return dg.MaterializeResult(
        metadata={
            "rows": rows,
            "series": len(metrics),
            "fallback_series": fallback,
            "models": dg.MetadataValue.json(
                metrics["model"].value_counts().to_dict() if "model" in metrics else {}
            ),
            "made_on": made_on.isoformat(),
            "relation": "ml.cost_forecasts",
            **run_metadata(context, started),
        }
    )


@anomaly_asset
def cost_anomalies(context: dg.AssetExecutionContext) -> dg.MaterializeResult:
    """Days whose cost leaves the seasonal band, with severity, kind and the main driver.

    Days of a planned change listed in the known_cost_events seed are not reported.
    """
    started = time.monotonic()
    from ml.anomaly.root_cause import explain
    from ml.anomaly.run import detect_many

    lines = daily_lines()
    anomalies = detect_many(long_series(lines), SERIES, known_events=known_events())
    anomalies = anomalies.assign(
        root_cause_dimension=None, root_cause_value=None, root_cause_share=None
    )
    for index, row in anomalies.iterrows():
        column = SERIES_DIMENSIONS[row["series_type"]]
        scope = (
            lines
            if column is None
            else lines[lines[column].fillna("(none)").astype(str) == row["series_value"]]
        )
        drivers = explain(
            scope,
            pd.Timestamp(row["date"]).date(),
            [d for d in ROOT_CAUSE_DIMENSIONS if d != column],
        )
        if len(drivers):
            top = drivers.iloc[0]
            anomalies.loc[
                index, ["root_cause_dimension", "root_cause_value", "root_cause_share"]
            ] = [top["dimension"], str(top["value"]), float(top["share"])]
    rows = write_table(anomalies, "cost_anomalies", ANOMALY_COLUMNS)
    by_severity = anomalies["severity"].value_counts().to_dict() if rows else {}
    return dg.MaterializeResult(
        metadata={
            "rows": rows,
            "by_severity": dg.MetadataValue.json(by_severity),
            "suppressed_known_events": anomalies.attrs.get("suppressed", 0),
            "relation": "ml.cost_anomalies",
            **run_metadata(context, started),
        }
    )


@dg.definitions
def defs() -> dg.Definitions:
    """Forecast and anomaly assets."""
    return dg.Definitions(assets=[cost_forecasts, cost_anomalies])
