"""Exact commitment size for one hourly usage series and one discount rate.

A commitment of ``c`` dollars per hour at a discount ``d`` buys on-demand-equivalent coverage
``x = c / (1 - d)`` per hour. Over ``H`` hours of usage ``u_h`` the savings against paying
on demand are::

    S(x) = sum_h min(u_h, x) - (1 - d) * x * H

``S`` is concave and piecewise linear in ``x`` with breakpoints at the observed ``u_h``. Its
right derivative is ``#{h : u_h > x} - (1 - d) * H``, which falls as ``x`` grows, so the optimum
is the smallest ``x`` where fewer than ``(1 - d) * H`` hours still exceed it. With the usage sorted
ascending ``u_(1) <= ... <= u_(H)`` that is ``u_(k)`` with ``k = ceil(d * H)``: the lower
``d``-quantile (inverted CDF) of hourly usage. Every hour at or above the coverage level is a
full hour of the commitment used; the last dollar of coverage pays for itself exactly when it is
used in at least a ``1 - d`` share of hours.
"""

from __future__ import annotations

import math

import numpy as np
import numpy.typing as npt

HOURS_PER_MONTH = 730.0

# when d * H is an integer the objective is flat between u_(k) and u_(k+1); floating point can
# push d * H a hair above k (0.3 * 10 = 3.0000000000000004), so round down within this tolerance
# to take the smaller of the equally good commitments.
_CEIL_TOLERANCE = 1e-9

FloatArray = npt.NDArray[np.float64]


def check_discount_rate(discount_rate: float) -> None:
    """Raise when a discount rate is outside the open interval (0, 1).

    Args:
        discount_rate: Share of the on-demand price saved by the commitment.

    Raises:
        ValueError: If the rate is not strictly between 0 and 1.
    """
    if not (0.0 < discount_rate < 1.0) or math.isnan(discount_rate):
        raise ValueError(f"discount rate must be strictly between 0 and 1, got {discount_rate}")


def _as_usage(usage: npt.ArrayLike) -> FloatArray:
    values = np.asarray(usage, dtype=np.float64).ravel()
    if values.size and not np.all(np.isfinite(values)):
        raise ValueError("hourly usage contains NaN or infinite values")
    if values.size and values.min() < 0:
        raise ValueError("hourly usage contains negative values; clip or remove credits first")
    return values


def optimal_coverage(usage: npt.ArrayLike, discount_rate: float) -> float:
    """On-demand-equivalent dollars per hour the best commitment covers.

    Args:
        usage: Hourly on-demand-equivalent spend, one value per hour, non-negative.
        discount_rate: Commitment discount ``d`` in (0, 1).

    Returns:
        The lower ``d``-quantile of the hourly usage; 0.0 for an empty history.
    """
    check_discount_rate(discount_rate)
    values = _as_usage(usage)
    if values.size == 0:
        return 0.0
    k = max(1, math.ceil(discount_rate * values.size - _CEIL_TOLERANCE))
    return float(np.partition(values, k - 1)[k - 1])


def optimal_commitment(usage: npt.ArrayLike, discount_rate: float) -> float:
    """Hourly commitment (dollars per hour at commitment rates) that maximises savings.

    Args:
        usage: Hourly on-demand-equivalent spend, non-negative.
        discount_rate: Commitment discount ``d`` in (0, 1).

    Returns:
        ``(1 - d) * optimal_coverage(usage, d)``.
    """
    return (1.0 - discount_rate) * optimal_coverage(usage, discount_rate)


def savings(usage: npt.ArrayLike, hourly_commitment: float, discount_rate: float) -> float:
    """Dollars saved over the whole series by a commitment, against paying on demand.

    Args:
        usage: Hourly on-demand-equivalent spend, non-negative.
        hourly_commitment: Dollars per hour paid at commitment rates.
        discount_rate: Commitment discount ``d`` in (0, 1).

    Returns:
        On-demand spend avoided minus commitment paid; negative when over-committed.
    """
    check_discount_rate(discount_rate)
    values = _as_usage(usage)
    coverage = hourly_commitment / (1.0 - discount_rate)
    avoided = float(np.minimum(values, coverage).sum())
    return avoided - hourly_commitment * values.size
