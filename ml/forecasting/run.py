"""Entry point: forecast daily spend per series with 80% and 95% prediction intervals.

Missing days inside a history are zero-cost days (cost data has no line when nothing was spent).
Each series goes through a rolling-origin backtest of the candidates in `model.py`; the one with
the lowest MASE (scaled by the in-sample weekly seasonal naive error) forecasts, and its backtest
residuals, bucketed by horizon, set the intervals. Short series (< 14 days) get a widened
run-rate fallback and sparse series a run-rate only, both flagged `is_fallback`.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import numpy as np
import pandas as pd

from ml.common.series import days_to_horizon_end, is_non_negative, to_daily
from ml.forecasting.evaluate import backtest, error_scale, interval_offsets, origins
from ml.forecasting.model import CANDIDATES, Forecaster, run_rate

OUTPUT_COLUMNS = [
    "date",
    "forecast",
    "lower_80",
    "upper_80",
    "lower_95",
    "upper_95",
    "model",
    "is_fallback",
]
# two weeks is the least history with two of each weekday; below it only a run-rate makes sense
MIN_HISTORY_DAYS = 14
# residuals up to four weeks out calibrate the intervals; longer horizons are scaled from them
BACKTEST_HORIZON_CAP = 28
BACKTEST_ORIGINS = 12
BACKTEST_STEP_DAYS = 7
# a series spending on fewer than a quarter of the last 8 weeks' days is sporadic: calendar
# patterns fitted to it are noise, so only its average daily run-rate is forecast
SPARSE_WINDOW_DAYS = 56
SPARSE_NONZERO_SHARE = 0.25
# a fallback knows little about volatility: widen its normal-theory bands by half and never let
# them be narrower than +-25% (80%) / +-50% (95%) of the level
FALLBACK_WIDEN = 1.5
FALLBACK_MIN_HALF_WIDTH = {"80": 0.25, "95": 0.5}
Z_SCORES = {"80": 1.2816, "95": 1.96}
# a point forecast beyond twice the recent extremes is an extrapolation artefact, not a plan
GUARD_WINDOW_DAYS = 90
GUARD_FACTOR = 2.0


def _empty(reason: str) -> pd.DataFrame:
    frame = pd.DataFrame({column: [] for column in OUTPUT_COLUMNS})
    frame.attrs.update({"reason": reason, "model": None, "is_fallback": None, "mase": {}})
    return frame


def _frame(
    dates: pd.DatetimeIndex, point: np.ndarray, offsets: pd.DataFrame, model: str, fallback: bool
) -> pd.DataFrame:
    frame = pd.DataFrame({"date": dates.date, "forecast": point})
    for column in ("lower_80", "upper_80", "lower_95", "upper_95"):
        frame[column] = point + offsets[column].to_numpy()
    frame["model"] = model
    frame["is_fallback"] = fallback
    return frame[OUTPUT_COLUMNS]


def _fallback_offsets(values: np.ndarray, level: float, horizon: int) -> pd.DataFrame:
    spread = float(np.std(values, ddof=1)) if values.size > 1 else 0.0
    growth = np.sqrt(1 + np.arange(1, horizon + 1) / 30)
    offsets = {}
    for name, z in Z_SCORES.items():
        half = max(z * spread, FALLBACK_MIN_HALF_WIDTH[name] * abs(level)) * FALLBACK_WIDEN
        offsets[f"lower_{name}"] = -half * growth
        offsets[f"upper_{name}"] = half * growth
    return pd.DataFrame(offsets)


def _guard(point: np.ndarray, values: np.ndarray) -> np.ndarray:
    recent = values[-GUARD_WINDOW_DAYS:]
    high = max(float(recent.max()), 0.0) * GUARD_FACTOR
    low = min(float(recent.min()), 0.0) * GUARD_FACTOR
    return np.clip(point, low, high)


def _choose(series: pd.Series, candidates: dict[str, Forecaster], horizon: int) -> dict[str, Any]:
    tested = min(horizon, BACKTEST_HORIZON_CAP, len(series) - MIN_HISTORY_DAYS)
    cuts = origins(len(series), tested, BACKTEST_ORIGINS, BACKTEST_STEP_DAYS, MIN_HISTORY_DAYS)
    results = {name: backtest(series, fn, tested, cuts) for name, fn in candidates.items()}
    scores = {name: result.mean_mase for name, result in results.items()}
    # dict order is simplest-first, so a tie keeps the simpler model
    best = min(scores, key=lambda name: scores[name])
    return {"model": best, "mase": scores, "residuals": results[best].residuals}


def _forecast(
    history: pd.DataFrame, horizon_days: int | None, as_of: date | None
) -> tuple[pd.DataFrame, dict[str, Any]]:
    series = to_daily(history, as_of=as_of)
    if series.empty:
        frame = _empty("empty history: no cost rows on or before as_of")
        return frame, dict(frame.attrs)
    last = series.index[-1]
    horizon = days_to_horizon_end(last) if horizon_days is None else int(horizon_days)
    if horizon < 1:
        raise ValueError(f"horizon_days must be >= 1, got {horizon}")
    future = pd.date_range(last + pd.Timedelta(days=1), periods=horizon, freq="D")
    values = series.to_numpy()
    info: dict[str, Any] = {"history_days": len(series), "mase": {}}
    if len(series) < MIN_HISTORY_DAYS:
        level = float(values.mean())
        point = np.full(horizon, level)
        frame = _frame(future, point, _fallback_offsets(values, level, horizon), "run_rate", True)
        info.update(model="run_rate", is_fallback=True, reason="short history (< 14 days)")
    else:
        nonzero = float(np.mean(values[-SPARSE_WINDOW_DAYS:] != 0))
        sparse = nonzero < SPARSE_NONZERO_SHARE
        candidates: dict[str, Forecaster] = (
            {"run_rate": lambda train, h: run_rate(train, h, SPARSE_WINDOW_DAYS)}
            if sparse
            else {
                name: CANDIDATES[name] for name in ("run_rate", "seasonal_naive", "calendar_ridge")
            }
        )
        choice = _choose(series, candidates, horizon)
        point = _guard(candidates[choice["model"]](series, horizon), values)
        untested = np.asarray(choice["residuals"]).size == 0
        if untested:
            # history too short for a single backtest origin: no residuals to calibrate on, so
            # the intervals come from the spread of the history itself, flagged as a fallback
            offsets = _fallback_offsets(values, float(np.mean(point)), horizon)
        else:
            offsets = interval_offsets(choice["residuals"], horizon)
            offsets = offsets.mul(error_scale(point, values), axis=0)
        frame = _frame(future, point, offsets, choice["model"], sparse or untested)
        reason = "sparse history: run-rate only" if sparse else "selected by backtest MASE"
        if untested:
            reason = "history too short to backtest: intervals from the history's spread"
        info.update(
            model=choice["model"],
            is_fallback=sparse or untested,
            reason=reason,
            mase=choice["mase"],
        )
    if is_non_negative(values):
        numeric = ["forecast", "lower_80", "upper_80", "lower_95", "upper_95"]
        frame[numeric] = frame[numeric].clip(lower=0.0)
    frame.attrs.update(info)
    return frame, info


def forecast_series(
    history: pd.DataFrame, horizon_days: int | None = None, as_of: date | None = None
) -> pd.DataFrame:
    """Forecast one series' daily cost with 80% and 95% prediction intervals.

    Args:
        history: Columns `date` and `cost`; several rows per day are summed and missing days are
            zero-cost days. Negative costs (credits) are allowed.
        horizon_days: Days to forecast after `as_of`. None means to the end of the month three
            months after `as_of`'s month.
        as_of: Last day of known data; later rows are ignored. Defaults to the last date present.

    Returns:
        One row per future day with columns `date, forecast, lower_80, upper_80, lower_95,
        upper_95, model, is_fallback`, ordered lower_95 <= lower_80 <= forecast <= upper_80 <=
        upper_95. `attrs` holds `model`, `is_fallback`, `reason`, `history_days` and `mase`
        (backtest MASE per candidate). An empty history gives an empty frame whose
        `attrs["reason"]` says why.

    Raises:
        KeyError: When `date` or `cost` is missing.
        ValueError: When `horizon_days` < 1.
    """
    frame, _ = _forecast(history, horizon_days, as_of)
    return frame


def forecast_many(
    history: pd.DataFrame,
    series_columns: list[str],
    horizon_days: int | None = None,
    as_of: date | None = None,
) -> pd.DataFrame:
    """Forecast every series in a long table over the same future days.

    Args:
        history: Columns `date`, `cost` and the `series_columns`.
        series_columns: Columns identifying a series (e.g. `["service", "account"]`).
        horizon_days: As in `forecast_series`.
        as_of: Shared last day of data; defaults to the latest date over all series, so a series
            that stopped spending forecasts its recent zeros.

    Returns:
        The `forecast_series` columns prefixed by the series columns. `attrs["metrics"]` is a
        DataFrame with one row per series: series columns, `model`, `is_fallback`, `reason`,
        `history_days` and `mase_<candidate>` for each backtested candidate.
    """
    if history.empty:
        frame = _empty("empty history")
        frame = frame.reindex(columns=[*series_columns, *OUTPUT_COLUMNS])
        frame.attrs["metrics"] = pd.DataFrame(columns=[*series_columns, "model", "reason"])
        return frame
    shared_as_of = as_of or pd.to_datetime(history["date"]).max().date()
    frames, metrics = [], []
    for key, group in history.groupby(series_columns, sort=True, dropna=False):
        keys = dict(zip(series_columns, key if isinstance(key, tuple) else (key,), strict=True))
        frame, info = _forecast(group, horizon_days, shared_as_of)
        if frame.empty:
            continue
        frames.append(frame.assign(**keys))
        row = {**keys, **{k: v for k, v in info.items() if k != "mase"}}
        row.update({f"mase_{name}": score for name, score in info["mase"].items()})
        metrics.append(row)
    result = pd.concat(frames, ignore_index=True) if frames else _empty("no series with history")
    result = result.reindex(columns=[*series_columns, *OUTPUT_COLUMNS])
    result.attrs = {"metrics": pd.DataFrame(metrics)}
    return result
