"""Commitment fee lines: hourly Savings Plan fees, monthly RI fees and upfront purchases."""

from __future__ import annotations

import numpy as np

from .aws_catalog import ACCOUNTS, PROFILES, REGIONS, cost_category
from .aws_commitments import TERM_HOURS, Reservation, SavingsPlan
from .aws_lines import MonthContext, sku
from .columnar import HOUR_MS, UNITS, Block, iso_z

SP_PRODUCT = "ComputeSavingsPlans"
SP_PRODUCT_NAME = "Savings Plans for AWS Compute usage"


def _account_cols(ctx: MonthContext, account: int) -> dict:
    owner = ACCOUNTS[account][1]
    return {
        "line_item_usage_account_id": owner.account_id,
        "line_item_usage_account_name": owner.name,
        "cost_category": cost_category(account),
    }


def _plan_cols(plan: SavingsPlan) -> dict:
    kind = "ComputeSP" if plan.offering_type == "ComputeSavingsPlans" else "EC2InstanceSP"
    return {
        "line_item_product_code": SP_PRODUCT,
        "product_servicecode": SP_PRODUCT,
        "product_product_name": SP_PRODUCT_NAME,
        "line_item_usage_type": f"{kind}:{plan.term}{plan.payment_option.replace(' ', '')}",
        "line_item_resource_id": plan.arn,
        "savings_plan_savings_plan_a_r_n": plan.arn,
        "savings_plan_offering_type": plan.offering_type,
        "savings_plan_payment_option": plan.payment_option,
        "savings_plan_purchase_term": plan.term,
        "savings_plan_start_time": plan.start_ms,
        "savings_plan_end_time": plan.end_ms,
        "pricing_unit": "Hrs",
    }


def _active_hours(ctx: MonthContext, start_ms: int, end_ms: int) -> np.ndarray:
    moment = ctx.month.start_ms + np.arange(ctx.month.covered_hours, dtype=np.int64) * HOUR_MS
    return np.flatnonzero((moment >= start_ms) & (moment < end_ms))


def savings_plan_fee_blocks(ctx: MonthContext, used: dict[int, np.ndarray]) -> list[Block]:
    """One `SavingsPlanRecurringFee` line per plan and active hour.

    Args:
        ctx: the payer-month.
        used: commitment units spent per plan (by index) and hour of the month.

    Returns:
        One block per plan of the payer that is active in the delivered hours.
    """
    blocks = []
    hour_codes = ctx.hour_codes()
    for k, plan in enumerate(ctx.plans):
        hours = _active_hours(ctx, plan.start_ms, plan.end_ms)
        if plan.payer != ctx.payer or len(hours) == 0:
            continue
        start = ctx.month.start_ms + hours.astype(np.int64) * HOUR_MS
        spent = used.get(k, np.zeros(ctx.month.n_hours, dtype=np.int64))[hours]
        term = "3 year" if plan.term == "3yr" else "1 year"
        offering = "Compute" if plan.offering_type == "ComputeSavingsPlans" else "EC2 Instance"
        amortized = plan.amortized_units
        description = f"{term} {plan.payment_option} {offering} Savings Plan"
        cols = _account_cols(ctx, plan.account) | _plan_cols(plan)
        cols |= {
            "identity_time_interval": hour_codes[hours],
            "line_item_usage_start_date": start,
            "line_item_usage_end_date": start + HOUR_MS,
            "line_item_line_item_type": "SavingsPlanRecurringFee",
            "line_item_line_item_description": description,
            "line_item_usage_amount": 1.0,
            "line_item_unblended_rate": plan.recurring_units / UNITS,
            "line_item_blended_rate": plan.recurring_units / UNITS,
            "line_item_unblended_cost": plan.recurring_units,
            "line_item_blended_cost": plan.recurring_units,
            "savings_plan_total_commitment_to_date": plan.commitment_units,
            "savings_plan_used_commitment": spent,
            "savings_plan_amortized_upfront_commitment_for_billing_period": amortized,
            "savings_plan_recurring_commitment_for_billing_period": plan.recurring_units,
        }
        blocks.append(Block(len(hours), cols))
    return blocks


def _reservation_cols(ri: Reservation) -> dict:
    profile = PROFILES[ri.profile]
    prefix = REGIONS[ri.region].usage_prefix
    return {
        "line_item_product_code": profile.product_code,
        "product_servicecode": profile.product_code,
        "product_product_name": profile.product_name,
        "product_product_family": profile.family,
        "product_region_code": REGIONS[ri.region].code,
        "product_location": REGIONS[ri.region].location,
        "product_instance_type": profile.instance_type,
        "product_sku": sku(profile.key, str(ri.region)),
        "line_item_usage_type": f"{prefix}HeavyUsage:{profile.instance_type}",
        "line_item_operation": profile.operation,
        "line_item_resource_id": ri.arn,
        "reservation_reservation_a_r_n": ri.arn,
        "reservation_start_time": ri.start_ms,
        "reservation_end_time": ri.end_ms,
        "reservation_upfront_value": ri.upfront_units,
        "pricing_purchase_option": ri.payment_option,
        "pricing_lease_contract_length": ri.term,
        "pricing_offering_class": "standard",
        "pricing_term": "Reserved",
        "pricing_unit": "Hrs",
        "line_item_normalization_factor": profile.normalization,
    }


def reservation_fee_blocks(ctx: MonthContext, used: np.ndarray) -> list[Block]:
    """One monthly `RIFee` line per reservation, with its unused part.

    Args:
        ctx: the payer-month.
        used: unit-hours each reservation (by index) covered this month.

    Returns:
        One single-row block per reservation of the payer active this month.
    """
    blocks = []
    for k, ri in enumerate(ctx.reservations):
        hours = _active_hours(ctx, ri.start_ms, ri.end_ms)
        if ri.payer != ctx.payer or len(hours) == 0:
            continue
        total = ri.units * len(hours)
        unused = total - int(used[k])
        start = max(ctx.month.start_ms, ri.start_ms)
        end = min(ctx.month.covered_end_ms, ri.end_ms)
        profile = PROFILES[ri.profile]
        cols = (
            _account_cols(ctx, ri.account)
            | _reservation_cols(ri)
            | {
                "identity_time_interval": f"{iso_z(start)}/{iso_z(end)}",
                "line_item_usage_start_date": start,
                "line_item_usage_end_date": end,
                "line_item_line_item_type": "RIFee",
                "line_item_line_item_description": f"USD {ri.recurring_units / UNITS:.4f} hourly "
                f"fee per {profile.instance_type} reserved instance",
                "line_item_usage_amount": float(total),
                "line_item_normalized_usage_amount": float(total) * (profile.normalization or 0),
                "line_item_unblended_rate": ri.recurring_units / UNITS,
                "line_item_blended_rate": ri.recurring_units / UNITS,
                "line_item_unblended_cost": ri.recurring_units * total,
                "line_item_blended_cost": ri.recurring_units * total,
                "reservation_total_reserved_units": float(total),
                "reservation_unused_quantity": float(unused),
                "reservation_amortized_upfront_fee_for_billing_period": ri.amortized_units * total,
                "reservation_unused_amortized_upfront_fee_for_billing_period": ri.amortized_units
                * unused,
                "reservation_unused_recurring_fee": ri.recurring_units * unused,
            }
        )
        blocks.append(Block(1, cols))
    return blocks


def purchase_blocks(ctx: MonthContext) -> list[Block]:
    """Upfront payments of commitments bought in this month's delivered hours.

    A Savings Plan purchase is a `SavingsPlanUpfrontFee` line; a reserved-instance purchase is
    a `Fee` line carrying the reservation ARN. Both are billed as `Purchase` bills.
    """
    blocks = []
    window = (ctx.month.start_ms, ctx.month.covered_end_ms)
    for plan in ctx.plans:
        bought = plan.purchased_in_window and window[0] <= plan.start_ms < window[1]
        if plan.payer == ctx.payer and bought:
            cols = (
                _account_cols(ctx, plan.account)
                | _plan_cols(plan)
                | {
                    "line_item_line_item_type": "SavingsPlanUpfrontFee",
                    "line_item_line_item_description": "Savings Plan upfront fee",
                }
                | _purchase_cols(plan.start_ms, plan.upfront_units)
            )
            blocks.append(Block(1, cols))
    for ri in ctx.reservations:
        bought = ri.purchased_in_window and window[0] <= ri.start_ms < window[1]
        if ri.payer == ctx.payer and bought:
            description = (
                f"Sign up charge for subscription: {ri.arn}, "
                f"{ri.units} x {TERM_HOURS[ri.term]} hours"
            )
            cols = (
                _account_cols(ctx, ri.account)
                | _reservation_cols(ri)
                | {
                    "line_item_line_item_type": "Fee",
                    "line_item_line_item_description": description,
                }
                | _purchase_cols(ri.start_ms, ri.upfront_units)
            )
            blocks.append(Block(1, cols))
    return blocks


def _purchase_cols(start_ms: int, upfront_units: int) -> dict:
    return {
        "bill_bill_type": "Purchase",
        "identity_time_interval": f"{iso_z(start_ms)}/{iso_z(start_ms + HOUR_MS)}",
        "line_item_usage_start_date": start_ms,
        "line_item_usage_end_date": start_ms + HOUR_MS,
        "line_item_usage_amount": 1.0,
        "line_item_unblended_cost": upfront_units,
        "line_item_blended_cost": upfront_units,
        "line_item_unblended_rate": upfront_units / UNITS,
        "line_item_blended_rate": upfront_units / UNITS,
    }
