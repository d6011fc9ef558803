"""Entry point: eligible hourly spend + existing commitments + rates -> recommendations."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

import pandas as pd

from ml.commitments.evaluate import evaluate_commitment
from ml.commitments.features import hourly_series, residual_spend
from ml.commitments.optimizer import check_discount_rate, optimal_commitment

DEFAULT_RATES_PATH = Path(__file__).with_name("default_rates.csv")
RATE_COLUMNS = ("commitment_type", "term_years", "payment_option", "discount_rate")

# a usage frame without these columns is one pool that every commitment type may cover
ALL = "*"

RECOMMENDATION_COLUMNS = [
    "scope",
    "commitment_type",
    "term_years",
    "payment_option",
    "discount_rate",
    "lookback_hours",
    "hourly_commitment",
    "coverage_level",
    "expected_savings",
    "expected_monthly_savings",
    "coverage",
    "utilization",
    "break_even_utilization",
    "break_even_months",
    "savings_if_usage_drops_10",
    "savings_if_usage_drops_25",
    "savings_if_usage_drops_50",
]


def load_default_rates() -> pd.DataFrame:
    """Read the shipped, illustrative discount-rate table (replace with the buyer's rates).

    Returns:
        Frame with ``commitment_type, term_years, payment_option, discount_rate,
        upfront_fraction``.
    """
    return pd.read_csv(DEFAULT_RATES_PATH, comment="#")


def _pools(usage: pd.DataFrame) -> list[tuple[str, str, pd.DataFrame]]:
    keys = [column for column in ("scope", "commitment_type") if column in usage.columns]
    if not keys:
        return [(ALL, ALL, usage)]
    pools = []
    for key, frame in usage.groupby(keys, sort=True, dropna=False):
        labels = dict(zip(keys, key if isinstance(key, tuple) else (key,), strict=True))
        pools.append(
            (str(labels.get("scope", ALL)), str(labels.get("commitment_type", ALL)), frame)
        )
    return pools


def _existing_for(existing: pd.DataFrame | None, scope: str) -> pd.DataFrame | None:
    # existing commitments without a scope column apply to every pool
    if existing is None or scope == ALL or "scope" not in existing.columns:
        return existing
    return existing[existing["scope"].isin([scope, ALL])]


def recommend_commitments(
    usage: pd.DataFrame,
    existing: pd.DataFrame | None = None,
    rates: pd.DataFrame | None = None,
    as_of: pd.Timestamp | None = None,
    negative: Literal["reject", "clip"] = "reject",
) -> pd.DataFrame:
    """Size new commitments for every eligible-spend pool and every rate option.

    Args:
        usage: Hourly eligible on-demand-equivalent spend: ``hour, on_demand_cost`` and,
            optionally, ``commitment_type`` (the spend eligible for that type; only rate rows of
            that type are sized against it) and ``scope`` (e.g. ``m5/us-east-1``).
        existing: Commitments already owned: ``commitment_type, hourly_commitment,
            discount_rate, start, end`` and optionally ``scope`` (``*`` or absent = all pools).
            They are taken off the pool's spend in the provider's order (RIs, then EC2 Instance
            Savings Plans, then Compute Savings Plans) before sizing.
        rates: Discount table like :func:`load_default_rates`; ``upfront_fraction`` is optional
            (taken as 0). Defaults to the shipped illustrative table.
        as_of: Purchase time. Commitments expired by then no longer cover anything, and those
            still active cover every lookback hour. Defaults to the hour after the last one.
        negative: How negative hourly totals (credits) are treated, see ``hourly_series``.

    Returns:
        One row per pool and rate option, columns ``RECOMMENDATION_COLUMNS``; monthly figures
        assume 730 hours and the lookback usage repeating. ``coverage`` and ``utilization``
        are measured on the spend left after existing commitments.

    Raises:
        ValueError: On malformed input, negative spend with ``negative="reject"`` or a rate
            outside (0, 1).
    """
    rates = load_default_rates() if rates is None else rates
    missing = [column for column in RATE_COLUMNS if column not in rates.columns]
    if missing:
        raise ValueError(f"rates are missing column(s): {', '.join(missing)}")
    rows = []
    for scope, pool_type, frame in _pools(usage):
        series = hourly_series(frame, negative=negative)
        if series.empty:
            continue
        at = as_of if as_of is not None else series.index.max() + pd.Timedelta(hours=1)
        residual = residual_spend(series, _existing_for(existing, scope), as_of=at).to_numpy()
        options = rates if pool_type == ALL else rates[rates["commitment_type"] == pool_type]
        for option in options.to_dict("records"):
            rate = float(option["discount_rate"])
            check_discount_rate(rate)
            commitment = optimal_commitment(residual, rate)
            result = evaluate_commitment(
                residual,
                commitment,
                rate,
                upfront_fraction=float(option.get("upfront_fraction", 0.0)),
                term_years=int(option["term_years"]),
            )
            rows.append(
                {
                    "scope": scope,
                    "commitment_type": option["commitment_type"],
                    "term_years": int(option["term_years"]),
                    "payment_option": option["payment_option"],
                    "discount_rate": rate,
                    "lookback_hours": len(residual),
                    **result.as_dict(),
                }
            )
    return pd.DataFrame(rows, columns=RECOMMENDATION_COLUMNS)
