"""Entry point: flag anomalous days in daily cost series and explain them.

Missing days inside a history are zero-cost days. Each day is compared with a one-step-ahead
seasonal regression fitted on the days before it (`features.py`); spikes, level shifts and
drifts far outside the noise, with a material dollar and relative impact, are flagged and
graded (`model.py`). Days inside a known event (a planned launch, a migration) are not
reported.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ml.anomaly.model import DetectorConfig, grade, scan
from ml.anomaly.root_cause import explain
from ml.common.series import to_daily

ANOMALY_COLUMNS = [
    "date",
    "cost",
    "expected",
    "lower",
    "upper",
    "severity",
    "impact",
    "score",
    "kind",
]
EVENT_COLUMNS = ("start_date", "end_date")

__all__ = ["ANOMALY_COLUMNS", "DetectorConfig", "detect", "detect_many", "explain"]


def _event_days(events: pd.DataFrame | None) -> pd.DatetimeIndex:
    if events is None or events.empty:
        return pd.DatetimeIndex([])
    if "start_date" not in events.columns:
        raise KeyError("known_events needs a start_date column (end_date optional)")
    starts = pd.to_datetime(events["start_date"])
    ends = pd.to_datetime(events.get("end_date", events["start_date"])).fillna(starts)
    days = [pd.date_range(s, e, freq="D") for s, e in zip(starts, ends, strict=True)]
    return pd.DatetimeIndex(np.unique(np.concatenate([d.to_numpy() for d in days])))


def detect(
    history: pd.DataFrame,
    known_events: pd.DataFrame | None = None,
    config: DetectorConfig | None = None,
) -> pd.DataFrame:
    """Flag the anomalous days of one daily cost series.

    Args:
        history: Columns `date`, `cost` (several rows a day are summed; missing days are zero).
        known_events: Planned changes to ignore: `start_date`, optional `end_date` (inclusive,
            defaults to the start). Other columns are ignored here; `detect_many` uses them to
            target series.
        config: Thresholds; defaults to `DetectorConfig()`.

    Returns:
        One row per flagged day with columns `date, cost, expected, lower, upper, severity,
        impact, score, kind` (`lower` / `upper` = the band of the one-day test; shift and
        drift days may lie inside it, as their evidence spans several days; `impact` = cost -
        expected, or the average daily excess of a drift; `score` = deviation in prediction
        standard deviations; `kind` = spike, level_shift or drift). `attrs["suppressed"]`
        counts flagged days dropped as known events. The first two weeks of a series, and a
        month-edge day never seen before, are never flagged: there is no baseline for them yet.
    """
    config = config or DetectorConfig()
    daily = to_daily(history)
    if daily.empty:
        frame = pd.DataFrame(columns=ANOMALY_COLUMNS)
        frame.attrs.update(suppressed=0, reason="empty history")
        return frame
    flagged = grade(scan(daily, config), config)
    known = flagged.index.isin(_event_days(known_events))
    result = flagged[~known].copy()
    result["date"] = result.index.date
    result = result[ANOMALY_COLUMNS].reset_index(drop=True)
    result.attrs.update(suppressed=int(known.sum()))
    return result


def _events_for(events: pd.DataFrame | None, keys: dict[str, object]) -> pd.DataFrame | None:
    if events is None or events.empty:
        return events
    mask = pd.Series(True, index=events.index)
    for column, value in keys.items():
        if column in events.columns:
            # a blank filter value means the event applies to every series
            mask &= events[column].isna() | (events[column] == value)
    return events[mask]


def detect_many(
    history: pd.DataFrame,
    series_columns: list[str],
    known_events: pd.DataFrame | None = None,
    config: DetectorConfig | None = None,
) -> pd.DataFrame:
    """Run `detect` on every series of a long table.

    Args:
        history: Columns `date`, `cost` and the `series_columns`.
        series_columns: Columns identifying a series.
        known_events: As in `detect`, plus optional columns named like series columns that
            restrict an event to matching series (blank = all series).
        config: Thresholds.

    Returns:
        The series columns followed by the `detect` columns, one row per flagged day;
        `attrs["suppressed"]` counts the flagged days dropped as known events.
    """
    frames = []
    suppressed = 0
    for key, group in history.groupby(series_columns, sort=True, dropna=False):
        keys = dict(zip(series_columns, key if isinstance(key, tuple) else (key,), strict=True))
        found = detect(group, _events_for(known_events, keys), config)
        suppressed += found.attrs.get("suppressed", 0)
        if not found.empty:
            frames.append(found.assign(**keys))
    columns = [*series_columns, *ANOMALY_COLUMNS]
    result = pd.concat(frames, ignore_index=True)[columns] if frames else pd.DataFrame()
    result = result.reindex(columns=columns)
    result.attrs.update(suppressed=suppressed)
    return result
