"""Per-resource utilization summary from CloudWatch-style metric rows."""

from __future__ import annotations

import pandas as pd

METRIC_COLUMNS = ("resource_id", "timestamp", "metric", "value")

# CloudWatch metric names -> summary prefixes; mem_used_percent comes from the CloudWatch agent;
# cpu_percent / memory_percent are the names ingestion/utilization_metrics normalizes to
METRIC_NAMES = {
    "CPUUtilization": "cpu",
    "mem_used_percent": "mem",
    "cpu_percent": "cpu",
    "memory_percent": "mem",
}

SUMMARY_COLUMNS = ["resource_id", "days_observed", "cpu_p95", "cpu_max", "mem_p95", "mem_max"]


def summarize_metrics(metrics: pd.DataFrame) -> pd.DataFrame:
    """p95 and max of CPU and memory per resource, and how many days the metrics span.

    Args:
        metrics: Rows ``resource_id, timestamp, metric, value`` (values in percent: the
            sample's average), optionally ``maximum`` (the sample's maximum, else ``value``
            counts as the maximum). Other metric names are ignored.

    Returns:
        One row per resource with ``SUMMARY_COLUMNS``; ``mem_*`` is NaN when memory is not
        collected. ``days_observed`` is the span from the first to the last CPU or memory
        sample, in days.

    Raises:
        ValueError: On missing columns.
    """
    missing = [column for column in METRIC_COLUMNS if column not in metrics.columns]
    if missing:
        raise ValueError(f"metrics are missing column(s): {', '.join(missing)}")
    known = metrics[metrics["metric"].isin(METRIC_NAMES)].assign(
        timestamp=lambda frame: pd.to_datetime(frame["timestamp"], utc=True),
        value=lambda frame: pd.to_numeric(frame["value"], errors="raise").astype(float),
        kind=lambda frame: frame["metric"].map(METRIC_NAMES),
    )
    if known.empty:
        return pd.DataFrame(columns=SUMMARY_COLUMNS)
    peaks = known["value"]
    if "maximum" in known.columns:
        peaks = pd.to_numeric(known["maximum"], errors="raise").astype(float).fillna(peaks)
    known = known.assign(peak=peaks)
    grouped = known.groupby(["resource_id", "kind"])
    stats = pd.DataFrame({"p95": grouped["value"].quantile(0.95), "max": grouped["peak"].max()})
    wide = stats.unstack("kind")
    wide.columns = [f"{kind}_{stat}" for stat, kind in wide.columns]
    span = known.groupby("resource_id")["timestamp"].agg(["min", "max"])
    wide["days_observed"] = (span["max"] - span["min"]).dt.total_seconds() / 86_400
    return wide.reindex(columns=SUMMARY_COLUMNS[1:]).reset_index()
