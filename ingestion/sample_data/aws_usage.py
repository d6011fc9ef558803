"""Hourly usage of one payer's resources in one month, and its coverage by commitments.

Everything is a (resources x hours) numpy grid flattened to rows; no Python runs per row.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import numpy as np

from .aws_catalog import PROFILES
from .aws_commitments import COVERED, DISCOUNTED, USAGE, Reservation, SavingsPlan
from .aws_resources import Catalog
from .columnar import HOUR_MS, NULL_INT, UNITS
from .timeseries import DailyShape, diurnal_factor, weekly_factor

ROW_NOISE_SIGMA = 0.05
_IS_INSTANCE = np.array([p.kind == "instance" for p in PROFILES])
_AMP = np.array([p.amp for p in PROFILES])
_DIURNAL = np.array([p.diurnal for p in PROFILES])
_INTEGER = np.array([p.integer_amount for p in PROFILES])


@dataclass(frozen=True)
class MonthFrame:
    """Timing of one delivery of one billing period.

    Attributes:
        period: first day of the billing period.
        start_ms: period start (epoch ms, UTC).
        end_ms: start of the next period.
        covered_hours: hours delivered; less than the month only for the open month.
        first_day: index of the period's first day in the window.
    """

    period: date
    start_ms: int
    end_ms: int
    covered_hours: int
    first_day: int

    @property
    def n_hours(self) -> int:
        """Hours in the calendar month."""
        return (self.end_ms - self.start_ms) // HOUR_MS

    @property
    def covered_end_ms(self) -> int:
        """End of the delivered data."""
        return self.start_ms + self.covered_hours * HOUR_MS


@dataclass
class UsageRows:
    """Hourly usage lines of one payer-month as aligned arrays (money in int64 units)."""

    resource: np.ndarray
    hour: np.ndarray
    amount: np.ndarray
    od_units: np.ndarray
    line_type: np.ndarray
    plan: np.ndarray
    plan_rate: np.ndarray
    plan_units: np.ndarray
    reservation: np.ndarray

    def __len__(self) -> int:
        return len(self.resource)


def usage_rows(
    catalog: Catalog, payer: int, month: MonthFrame, shape: DailyShape, rng: np.random.Generator
) -> UsageRows:
    """Hourly usage of every resource of `payer` in `month`.

    The grid is drawn for the full calendar month and then cut at the delivered hours, so a
    later delivery of the open month repeats the hours an earlier one already had.

    Args:
        catalog: resources.
        payer: payer index.
        month: the period and how much of it is delivered.
        shape: daily factors of the window.
        rng: generator dedicated to this payer-month.

    Returns:
        The usage lines, all typed `Usage` (commitments are applied afterwards).
    """
    res = np.flatnonzero(catalog.payer == payer)
    hours = np.arange(month.n_hours)
    day = month.first_day + hours // 24
    prof = catalog.profile[res]
    series = catalog.series[res]
    growth = shape.growth[series][:, day]
    swing = shape.noise[series][:, day] * weekly_factor(shape.weekday[day])[None, :]
    level = growth * (1.0 + _AMP[prof][:, None] * (swing - 1.0))
    level *= shape.events[series][:, day]
    level *= np.where(_DIURNAL[prof][:, None], diurnal_factor(hours % 24)[None, :], 1.0)
    sigma = ROW_NOISE_SIGMA
    noise = rng.lognormal(-0.5 * sigma**2, sigma, size=level.shape)
    draw = rng.random(level.shape)
    instance = _IS_INSTANCE[prof][:, None]
    running = catalog.always_on[res][:, None] | (draw < catalog.base[res][:, None] * level)
    present = np.where(instance, running, True)
    present[:, month.covered_hours :] = False
    r_idx, hour = np.nonzero(present)
    resource = res[r_idx]
    amount = np.where(
        instance[r_idx, 0], 1.0, catalog.base[resource] * level[r_idx, hour] * noise[r_idx, hour]
    )
    amount = np.where(_INTEGER[catalog.profile[resource]], np.rint(amount), np.round(amount, 6))
    od_units = np.rint(amount * catalog.rate[resource] * UNITS).astype(np.int64)
    n = len(resource)
    return UsageRows(
        resource=resource.astype(np.int32),
        hour=hour.astype(np.int32),
        amount=amount,
        od_units=od_units,
        line_type=np.full(n, USAGE, dtype=np.int8),
        plan=np.full(n, -1, dtype=np.int16),
        plan_rate=np.full(n, np.nan),
        plan_units=np.full(n, NULL_INT, dtype=np.int64),
        reservation=np.full(n, -1, dtype=np.int16),
    )


def apply_reservations(
    rows: UsageRows, catalog: Catalog, reservations: list[Reservation], month: MonthFrame
) -> np.ndarray:
    """Turn matching usage into `DiscountedUsage`; returns used unit-hours per reservation.

    Each reservation holds more units than matching resources exist, so it never covers all
    of its hours: utilization stays below 100% by construction.
    """
    used = np.zeros(len(reservations), dtype=np.int64)
    moment = month.start_ms + rows.hour.astype(np.int64) * HOUR_MS
    for k, ri in enumerate(reservations):
        match = (
            (rows.line_type == USAGE)
            & (catalog.payer[rows.resource] == ri.payer)
            & (catalog.profile[rows.resource] == ri.profile)
            & (catalog.region[rows.resource] == ri.region)
            & (moment >= ri.start_ms)
            & (moment < ri.end_ms)
        )
        rows.line_type[match] = DISCOUNTED
        rows.reservation[match] = k
        used[k] = int(rows.amount[match].sum())
    return used


def apply_savings_plans(
    rows: UsageRows, catalog: Catalog, plans: list[SavingsPlan], month: MonthFrame
) -> dict[int, np.ndarray]:
    """Cover on-demand usage hour by hour; returns used commitment units per plan and hour."""
    used: dict[int, np.ndarray] = {}
    moment = month.start_ms + rows.hour.astype(np.int64) * HOUR_MS
    profile = catalog.profile[rows.resource]
    order = sorted(range(len(plans)), key=lambda k: plans[k].offering_type == "ComputeSavingsPlans")
    for k in order:
        plan = plans[k]
        eligible = (
            (rows.line_type == USAGE)
            & (catalog.payer[rows.resource] == plan.payer)
            & np.isin(profile, list(plan.profiles))
            & (moment >= plan.start_ms)
            & (moment < plan.end_ms)
        )
        if plan.region is not None:
            eligible &= catalog.region[rows.resource] == plan.region
        idx = np.flatnonzero(eligible)
        spent = np.zeros(month.n_hours, dtype=np.int64)
        used[k] = spent
        if len(idx) == 0:
            continue
        ratio = np.array([plan.ratio(p) for p in range(len(PROFILES))])[profile[idx]]
        rate = np.round(catalog.rate[rows.resource[idx]] * ratio, 10)
        effective = np.rint(rows.amount[idx] * rate * UNITS).astype(np.int64)
        # AWS spends the commitment on the usage with the highest savings rate first
        ordered = np.lexsort((rows.resource[idx], ratio, rows.hour[idx]))
        hours, spend = rows.hour[idx][ordered], effective[ordered]
        total = np.cumsum(spend)
        starts = np.flatnonzero(np.r_[True, hours[1:] != hours[:-1]])
        before = np.repeat(total[starts] - spend[starts], np.diff(np.r_[starts, len(hours)]))
        fits = (total - before) <= plan.commitment_units
        chosen = idx[ordered][fits]
        rows.line_type[chosen] = COVERED
        rows.plan[chosen] = k
        rows.plan_rate[chosen] = rate[ordered][fits]
        rows.plan_units[chosen] = spend[fits]
        np.add.at(spent, hours[fits], spend[fits])
    return used
