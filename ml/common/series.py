"""Turn cost lines into one complete daily series.

Cost data has no line for a day without spend, so a missing day inside the history is a
zero-cost day, not an unknown one. Every capability reindexes through `to_daily` so that
assumption lives in one place.
"""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd


def to_daily(
    history: pd.DataFrame,
    as_of: date | pd.Timestamp | None = None,
    date_column: str = "date",
    value_column: str = "cost",
) -> pd.Series:
    """Sum costs per calendar day and fill the days without lines with zero.

    Args:
        history: Rows with a date column and a numeric value column; several rows per day are
            summed.
        as_of: Last day of the series. Later rows are dropped; days between the last row and
            `as_of` are zero. Defaults to the last date in `history`.
        date_column: Name of the date column.
        value_column: Name of the cost column.

    Returns:
        A float Series indexed by a daily DatetimeIndex named `date`; empty when no row falls on or
        before `as_of`.

    Raises:
        KeyError: When a column is missing.
    """
    for column in (date_column, value_column):
        if column not in history.columns:
            raise KeyError(f"missing column {column!r}")
    dates = pd.to_datetime(history[date_column]).dt.normalize()
    values = pd.to_numeric(history[value_column]).astype(float).fillna(0.0)
    daily = values.groupby(dates.to_numpy()).sum().sort_index()
    if as_of is not None:
        daily = daily[daily.index <= pd.Timestamp(as_of)]
    if daily.empty:
        return pd.Series([], index=pd.DatetimeIndex([], name="date"), dtype=float, name="cost")
    end = pd.Timestamp(as_of) if as_of is not None else daily.index.max()
    full = pd.date_range(daily.index.min(), end, freq="D", name="date")
    return daily.reindex(full, fill_value=0.0).astype(float).rename("cost")


def days_to_horizon_end(as_of: date | pd.Timestamp, months_after: int = 3) -> int:
    """Days from the day after `as_of` to the end of the month `months_after` months later.

    This is the default forecast horizon: the rest of the current month plus three whole months,
    which covers the month-end estimate and the next quarter's budget.

    Args:
        as_of: The last day with data.
        months_after: Whole months to cover after the current one.

    Returns:
        The number of days to forecast (at least 1).
    """
    start = pd.Timestamp(as_of).normalize()
    end = (start + pd.offsets.MonthEnd(0)) + pd.offsets.MonthEnd(months_after)
    return max(int((end - start).days), 1)


def is_non_negative(values: np.ndarray) -> bool:
    """Whether a series never went below zero (so forecasts may be floored at zero)."""
    return bool(values.size == 0 or np.min(values) >= 0.0)
