"""Event-level scoring of detections against injected anomalies.

An event is caught when a flag lands on its first day or within `DETECTION_LAG_DAYS` after it.
Flagged days group into alerts (runs of flags with at most one quiet day between them), counted
separately inside each event's influence window and outside all of them. The first alert inside
an event's window is true; a repeat alert for the same event, an alert outside every window and
the part of a run that outlasts its event's window are false.
"""

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
            looks odd until the baseline has absorbed it, a drift while it ramps).
    """

    start: pd.Timestamp
    influence_days: int

    def covers(self, day: pd.Timestamp) -> bool:
        """Whether `day` falls inside the event's influence window."""
        return 0 <= (day - self.start).days < self.influence_days


def alert_starts(flagged_dates: pd.Series, gap_days: int = 1) -> list[pd.Timestamp]:
    """Collapse flagged days into alerts: a run of flags with gaps <= `gap_days` is one alert."""
    days = sorted(pd.to_datetime(pd.Series(flagged_dates)).unique())
    starts: list[pd.Timestamp] = []
    previous = None
    for day in days:
        if previous is None or (day - previous).days > gap_days + 1:
            starts.append(pd.Timestamp(day))
        previous = day
    return starts


def caught_within(flagged_dates: pd.Series, event: Event, days: int) -> bool:
    """Whether a flag lands on the event's first day or within `days` after it."""
    flagged = set(pd.to_datetime(pd.Series(flagged_dates)))
    return any(event.start + pd.Timedelta(days=d) in flagged for d in range(days + 1))


def score_events(flagged_dates: pd.Series, events: list[Event]) -> dict[str, int]:
    """Count caught events and true/false alerts for one series.

    Args:
        flagged_dates: Dates the detector flagged.
        events: The injected anomalies.

    Returns:
        `events`, `caught` (flagged within `DETECTION_LAG_DAYS` of the start), `alerts`,
        `true_alerts` (events with an alert inside their influence window: one each, a repeat
        alert for the same event counts as false) and `false_alerts`.
    """
    days = pd.Series(pd.to_datetime(pd.Series(flagged_dates)).unique())
    owner = days.map(lambda day: next((i for i, e in enumerate(events) if e.covers(day)), -1))
    true_alerts, false_alerts = 0, len(alert_starts(days[owner == -1]))
    for index in range(len(events)):
        runs = len(alert_starts(days[owner == index]))
        true_alerts += min(runs, 1)
        false_alerts += max(runs - 1, 0)
    return {
        "events": len(events),
        "caught": sum(caught_within(days, e, DETECTION_LAG_DAYS) for e in events),
        "alerts": true_alerts + false_alerts,
        "true_alerts": true_alerts,
        "false_alerts": false_alerts,
    }
