"""The benchmark's scoring: caught only within two days, overlong runs count as false alerts."""

from __future__ import annotations

import pandas as pd

from ml.anomaly.evaluate import Event, alert_starts, score_events

START = pd.Timestamp("2024-03-10")


def _days(*offsets: int) -> pd.Series:
    return pd.Series([START + pd.Timedelta(days=o) for o in offsets])


def test_event_is_caught_on_its_start_or_the_two_days_after_only() -> None:
    event = [Event(START, influence_days=14)]
    assert score_events(_days(2), event)["caught"] == 1
    assert score_events(_days(3), event)["caught"] == 0
    assert score_events(_days(-1), event)["caught"] == 0


def test_flags_outside_every_influence_window_are_false_alerts() -> None:
    scores = score_events(_days(0, 1, 40, 90), [Event(START, influence_days=3)])
    assert scores == {"events": 1, "caught": 1, "alerts": 3, "true_alerts": 1, "false_alerts": 2}


def test_a_run_that_outlasts_its_event_window_also_counts_a_false_alert() -> None:
    run = _days(*range(0, 6))
    scores = score_events(run, [Event(START, influence_days=3)])
    assert (scores["true_alerts"], scores["false_alerts"]) == (1, 1)


def test_a_second_alert_for_the_same_event_is_false() -> None:
    scores = score_events(_days(0, 5), [Event(START, influence_days=14)])
    assert (scores["true_alerts"], scores["false_alerts"]) == (1, 1)


def test_flags_one_quiet_day_apart_form_one_alert() -> None:
    assert alert_starts(_days(0, 2, 5)) == [START, START + pd.Timedelta(days=5)]
    assert alert_starts(pd.Series([], dtype="datetime64[ns]")) == []
