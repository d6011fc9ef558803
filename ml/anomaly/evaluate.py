"""Event-level scoring of detections against injected anomalies."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

# an event counts as caught when a flag lands on its first day or the two after
DETECTION_LAG_DAYS = 2


@dataclass(frozen=True)
class Event:
    """An injected anomaly.

    Attributes:
        start: First anomalous day.
        influence_days: Days from `start` during which alerts belong to this event (a level shift
            keeps looking odd until the baseline has absorbed it).
    """

    start: pd.Timestamp
    influence_days: int


def alert_starts(flagged_dates: pd.Series, gap_days: int = 1) -> list[pd.Timestamp]:
    """Collapse flagged days into alerts: a run of flags with gaps <= `gap_days` is one alert."""
    days = sorted(pd.to_datetime(flagged_dates).unique())
    starts: list[pd.Timestamp] = []
    previous = None
    for day in days:
        if previous is None or (day - previous).days > gap_days + 1:
            starts.append(pd.Timestamp(day))
        previous = day
    return starts


def score_events(flagged_dates: pd.Series, events: list[Event]) -> dict[str, int]:
    """Count caught events and true/false alerts for one series.

    Args:
        flagged_dates: Dates the detector flagged.
        events: The injected anomalies.

    Returns:
        `events`, `caught`, `alerts` and `true_alerts` counts.
    """
    flagged = set(pd.to_datetime(flagged_dates))
    caught = sum(
        any(e.start + pd.Timedelta(days=d) in flagged for d in range(DETECTION_LAG_DAYS + 1))
        for e in events
    )
    starts = alert_starts(flagged_dates)
    true_alerts = sum(
        any(0 <= (s - e.start).days < e.influence_days for e in events) for s in starts
    )
    return {
        "events": len(events),
        "caught": caught,
        "alerts": len(starts),
        "true_alerts": true_alerts,
    }
