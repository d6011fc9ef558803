"""How a given commitment performs on a usage series: savings, coverage, utilization, risk.

Break-even is reported two ways:

* ``break_even_utilization = 1 - d``: the commitment beats on-demand over its term only if at
  least this share of it is used (used value ``util * x`` must exceed the price ``(1 - d) * x``).
* ``break_even_months``: months after purchase until cumulative on-demand spend avoided covers
  the upfront payment plus the recurring fees paid so far, at the observed average usage. 0 for
  a no-upfront commitment that is in profit from the first hour; NaN when it never pays back.
  Time value of money is ignored.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass

import numpy as np
import numpy.typing as npt

from ml.commitments.optimizer import HOURS_PER_MONTH, check_discount_rate, savings

# usage drops the buyer should see priced before committing for one or three years
USAGE_DROPS: tuple[float, ...] = (0.10, 0.25, 0.50)


@dataclass(frozen=True)
class CommitmentEvaluation:
    """Outcome of one commitment on one usage series (money in dollars)."""

    hourly_commitment: float
    coverage_level: float
    expected_savings: float
    expected_monthly_savings: float
    coverage: float
    utilization: float
    break_even_utilization: float
    break_even_months: float
    savings_if_usage_drops_10: float
    savings_if_usage_drops_25: float
    savings_if_usage_drops_50: float

    def as_dict(self) -> dict[str, float]:
        """Return the fields as a plain dict (for DataFrame rows and JSON)."""
        return asdict(self)


def break_even_months(
    avoided_per_month: float,
    hourly_commitment: float,
    upfront_fraction: float,
    term_years: int,
) -> float:
    """Months until savings repay the upfront part and the fees paid so far.

    Args:
        avoided_per_month: On-demand spend the commitment avoids per month.
        hourly_commitment: Dollars per hour at commitment rates.
        upfront_fraction: Share of the term's total cost paid at purchase (0, 0.5, 1).
        term_years: Commitment term in years.

    Returns:
        Months (may exceed the term); 0.0 for a zero commitment; NaN if it never pays back.
    """
    if hourly_commitment <= 0:
        return 0.0
    monthly_cost = hourly_commitment * HOURS_PER_MONTH
    upfront = upfront_fraction * monthly_cost * 12 * term_years
    recurring = (1.0 - upfront_fraction) * monthly_cost
    margin = avoided_per_month - recurring
    if upfront <= 0:
        return 0.0 if margin >= 0 else math.nan
    return upfront / margin if margin > 0 else math.nan


def evaluate_commitment(
    usage: npt.ArrayLike,
    hourly_commitment: float,
    discount_rate: float,
    upfront_fraction: float = 0.0,
    term_years: int = 1,
) -> CommitmentEvaluation:
    """Savings, coverage, utilization and break-even of a commitment over a usage series.

    Args:
        usage: Hourly on-demand-equivalent spend (non-negative), the lookback window.
        hourly_commitment: Dollars per hour at commitment rates.
        discount_rate: Commitment discount ``d`` in (0, 1).
        upfront_fraction: Share of the term's cost paid at purchase, for break-even months.
        term_years: Commitment term, for break-even months.

    Returns:
        A :class:`CommitmentEvaluation`. ``coverage`` is the share of the series' spend the
        commitment covers and ``utilization`` the share of the commitment used; both are 0 when
        undefined (no spend, no commitment). Monthly figures scale the lookback to 730 hours.
        Drop scenarios keep the commitment and scale every hour's usage down.
    """
    check_discount_rate(discount_rate)
    values = np.asarray(usage, dtype=np.float64).ravel()
    hours = values.size
    level = hourly_commitment / (1.0 - discount_rate)
    covered = float(np.minimum(values, level).sum())
    total = float(values.sum())
    per_month = HOURS_PER_MONTH / hours if hours else 0.0
    drops = [
        savings(values * (1.0 - drop), hourly_commitment, discount_rate) * per_month
        for drop in USAGE_DROPS
    ]
    expected = savings(values, hourly_commitment, discount_rate)
    return CommitmentEvaluation(
        hourly_commitment=hourly_commitment,
        coverage_level=level,
        expected_savings=expected,
        expected_monthly_savings=expected * per_month,
        coverage=covered / total if total > 0 else 0.0,
        utilization=covered / (level * hours) if level > 0 and hours else 0.0,
        break_even_utilization=1.0 - discount_rate,
        break_even_months=break_even_months(
            covered * per_month, hourly_commitment, upfront_fraction, term_years
        ),
        savings_if_usage_drops_10=drops[0],
        savings_if_usage_drops_25=drops[1],
        savings_if_usage_drops_50=drops[2],
    )
