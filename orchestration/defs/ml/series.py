"""Daily cost series read from gold, shared by the forecast and anomaly assets."""

from __future__ import annotations

import pandas as pd

from orchestration.lib.tables import read_sql

# (series type, gold column); "total" is every cost line of every provider
SERIES_DIMENSIONS = {
    "total": None,
    "provider": "x_provider",
    "service_category": "service_category",
    "team": "x_team",
}
DAILY_SQL = """
select charge_date as date, x_provider, service_category, x_team,
    sum(effective_cost) as cost
from gold.fct_cost_daily
group by 1, 2, 3, 4
"""
KNOWN_EVENTS_SQL = """
select start_date, end_date, series_type, series_value, description
from silver.known_cost_events
"""


def daily_lines() -> pd.DataFrame:
    """Effective cost per day and dimension value (one read of the daily rollup)."""
    lines = read_sql(DAILY_SQL)
    lines["date"] = pd.to_datetime(lines["date"])
    lines["cost"] = lines["cost"].astype(float)
    return lines


def long_series(lines: pd.DataFrame) -> pd.DataFrame:
    """Columns series_type, series_value, date, cost: one series per dimension value."""
    frames = []
    for series_type, column in SERIES_DIMENSIONS.items():
        keys = ["date"] if column is None else ["date", column]
        grouped = lines.groupby(keys, dropna=False)["cost"].sum().reset_index()
        value = "all" if column is None else grouped[column].fillna("(none)").astype(str)
        frames.append(
            grouped.assign(series_type=series_type, series_value=value)[
                ["series_type", "series_value", "date", "cost"]
            ]
        )
    return pd.concat(frames, ignore_index=True)


def known_events() -> pd.DataFrame:
    """Planned changes (the known_cost_events seed) in `ml.anomaly.run.detect_many`'s shape.

    Blank `series_type` / `series_value` stay NULL: the event then applies to every series.
    """
    events = read_sql(KNOWN_EVENTS_SQL)
    for column in ("start_date", "end_date"):
        events[column] = pd.to_datetime(events[column])
    return events
