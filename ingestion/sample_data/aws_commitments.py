"""Savings Plans and reserved instances of the sample, and how they cover hourly usage.

Order follows AWS: reservations apply first, then EC2 Instance Savings Plans, then Compute
Savings Plans; within an hour a plan covers the usage with the highest savings first until its
hourly commitment is spent, and the rest stays on-demand.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

import numpy as np

from .aws_catalog import ACCOUNTS, PROFILE_INDEX, PROFILES, REGIONS
from .aws_resources import Catalog
from .columnar import CENT, HOUR_MS, UNITS, epoch_ms, random_uuid

USAGE, COVERED, DISCOUNTED = 0, 1, 2
TERM_HOURS = {"1yr": 8760, "3yr": 26280}
# EC2 Instance Savings Plans price m5 in us-east-1 at 62% of on-demand
INSTANCE_SP_RATIO = 0.62
# share of the expected eligible hourly spend each plan commits to; below 1 so that quiet
# hours (nights, weekends) leave part of the commitment unused
PLAN_COVERAGE = {"core-compute": 0.55, "core-m5": 0.6, "labs-compute": 0.65}


@dataclass(frozen=True)
class SavingsPlan:
    """A Savings Plan; commitment amounts are integer money units per hour."""

    arn: str
    payer: int
    account: int  # index into ACCOUNTS of the owning account
    offering_type: str  # ComputeSavingsPlans | EC2InstanceSavingsPlans
    payment_option: str
    term: str
    start_ms: int
    end_ms: int
    recurring_units: int
    amortized_units: int
    profiles: frozenset[int]
    region: int | None  # EC2 Instance Savings Plans are regional
    purchased_in_window: bool

    @property
    def commitment_units(self) -> int:
        """Hourly commitment: recurring plus amortized upfront."""
        return self.recurring_units + self.amortized_units

    @property
    def upfront_units(self) -> int:
        """Upfront payment over the whole term."""
        return self.amortized_units * TERM_HOURS[self.term]

    def ratio(self, profile: int) -> float:
        """Savings Plan rate as a share of the on-demand rate for `profile`."""
        if self.offering_type == "EC2InstanceSavingsPlans":
            return INSTANCE_SP_RATIO
        return PROFILES[profile].sp_ratio


@dataclass(frozen=True)
class Reservation:
    """A reserved instance; fees are integer money units per reserved unit-hour."""

    arn: str
    payer: int
    account: int
    profile: int
    region: int
    units: int
    payment_option: str
    term: str
    start_ms: int
    end_ms: int
    amortized_units: int
    recurring_units: int
    purchased_in_window: bool

    @property
    def upfront_units(self) -> int:
        """Upfront payment over the whole term."""
        return self.amortized_units * self.units * TERM_HOURS[self.term]


def _expected_hourly(catalog: Catalog, mask: np.ndarray, ratio: np.ndarray) -> float:
    """Expected hourly effective cost of the masked resources at window start."""
    is_instance = np.array([p.kind == "instance" for p in PROFILES])[catalog.profile]
    presence = np.where(catalog.always_on, 1.0, np.minimum(catalog.base, 1.0) * 0.85)
    amount = np.where(is_instance, presence, catalog.base * 0.85)
    return float((amount * catalog.rate * ratio)[mask].sum())


def _commitment(dollars: float) -> int:
    # commitments are bought in tenths of a cent per hour
    return max(CENT, round(dollars * 1000) * (UNITS // 1000))


def build_commitments(
    rng: np.random.Generator, catalog: Catalog, periods: list[date]
) -> tuple[list[SavingsPlan], list[Reservation]]:
    """Define the sample's plans and reservations relative to the billing window.

    One plan expires mid-window, one all-upfront plan and one all-upfront reservation are
    bought inside the window, the others run through it.

    Args:
        rng: generator for ids.
        catalog: resources (commitments are sized from their expected usage).
        periods: billing periods of the window.

    Returns:
        (savings plans, reservations).
    """
    first, middle = periods[0], periods[len(periods) // 2]
    second = periods[min(1, len(periods) - 1)]
    east = next(i for i, r in enumerate(REGIONS) if r.code == "us-east-1")
    m5, rds = PROFILE_INDEX["ec2_m5"], PROFILE_INDEX["rds_r6g"]
    compute = frozenset(i for i, p in enumerate(PROFILES) if p.sp_ratio > 0)
    sp_ratio = np.array([p.sp_ratio for p in PROFILES])[catalog.profile]

    def matching(payer: int, profile: int) -> np.ndarray:
        return (catalog.payer == payer) & (catalog.profile == profile) & (catalog.region == east)

    m5_core = _expected_hourly(catalog, matching(0, m5), np.full(len(catalog), INSTANCE_SP_RATIO))
    core = _expected_hourly(catalog, catalog.payer == 0, sp_ratio)
    labs = _expected_hourly(catalog, (catalog.payer == 1) & ~matching(1, m5), sp_ratio)
    expiry = _day_ms(middle, 14)
    plans = [
        _plan(rng, 0, "ComputeSavingsPlans", "No Upfront", "3yr", _day_ms(first, -400),
              _commitment(core * PLAN_COVERAGE["core-compute"]), compute),
        _plan(rng, 0, "EC2InstanceSavingsPlans", "All Upfront", "1yr", _day_ms(second, 4),
              _commitment(m5_core * PLAN_COVERAGE["core-m5"]), frozenset({m5}), east, True),
        _plan(rng, 1, "ComputeSavingsPlans", "Partial Upfront", "1yr",
              expiry - TERM_HOURS["1yr"] * HOUR_MS,
              _commitment(labs * PLAN_COVERAGE["labs-compute"]), compute),
    ]  # fmt: skip
    # one unit more than matching resources exist, so a reservation is never fully used
    reservations = [
        _reservation(rng, 0, rds, east, int(matching(0, rds).sum()) + 1, "Partial Upfront",
                     _day_ms(first, -200), amortized=8_600_000, recurring=8_600_000),
        _reservation(rng, 1, m5, east, int(matching(1, m5).sum()) + 1, "All Upfront",
                     _day_ms(first, 9), amortized=11_700_000, recurring=0, purchased=True),
    ]  # fmt: skip
    return plans, reservations


def _owner(payer: int) -> int:
    """Commitments are bought in the payer's first linked account (its shared services)."""
    return next(i for i, (p, _) in enumerate(ACCOUNTS) if p == payer)


def _plan(
    rng: np.random.Generator,
    payer: int,
    offering_type: str,
    payment_option: str,
    term: str,
    start_ms: int,
    commitment: int,
    profiles: frozenset[int],
    region: int | None = None,
    purchased: bool = False,
) -> SavingsPlan:
    amortized = {"No Upfront": 0, "All Upfront": commitment}.get(payment_option, commitment // 2)
    account = _owner(payer)
    account_id = ACCOUNTS[account][1].account_id
    return SavingsPlan(
        arn=f"arn:aws:savingsplans::{account_id}:savingsplan/{random_uuid(rng)}",
        payer=payer,
        account=account,
        offering_type=offering_type,
        payment_option=payment_option,
        term=term,
        start_ms=start_ms,
        end_ms=start_ms + TERM_HOURS[term] * HOUR_MS,
        recurring_units=commitment - amortized,
        amortized_units=amortized,
        profiles=profiles,
        region=region,
        purchased_in_window=purchased,
    )


def _reservation(
    rng: np.random.Generator,
    payer: int,
    profile: int,
    region: int,
    units: int,
    payment_option: str,
    start_ms: int,
    amortized: int,
    recurring: int,
    purchased: bool = False,
) -> Reservation:
    account = _owner(payer)
    account_id = ACCOUNTS[account][1].account_id
    if PROFILES[profile].product_code == "AmazonRDS":
        arn = f"arn:aws:rds:us-east-1:{account_id}:ri:ri-{rng.bytes(6).hex()}"
    else:
        arn = f"arn:aws:ec2:us-east-1:{account_id}:reserved-instances/{random_uuid(rng)}"
    return Reservation(
        arn=arn,
        payer=payer,
        account=account,
        profile=profile,
        region=region,
        units=units,
        payment_option=payment_option,
        term="1yr",
        start_ms=start_ms,
        end_ms=start_ms + TERM_HOURS["1yr"] * HOUR_MS,
        amortized_units=amortized,
        recurring_units=recurring,
        purchased_in_window=purchased,
    )


def _day_ms(day: date, plus_days: int = 0) -> int:
    moment = day + timedelta(days=plus_days)
    return epoch_ms(datetime(moment.year, moment.month, moment.day))
