"""Negotiated discounts, credits, refunds and tax of a payer-month.

Discounts follow AWS's net columns: each discounted line carries its net cost, and the
discount line itself is `-(sum of the differences it caused)` with a net cost of 0. So
sum(net_unblended) == sum(unblended) per payer-month holds exactly, by construction.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .aws_catalog import ACCOUNT_INDEX, ACCOUNTS, PAYERS, cost_category
from .aws_lines import MonthContext
from .columnar import CENT, DAY_MS, NULL_INT, Block, Kind, column_array, group_sum, iso_z

CHARGE_TYPES = frozenset(
    {
        "Usage",
        "SavingsPlanCoveredUsage",
        "SavingsPlanNegation",
        "DiscountedUsage",
        "SavingsPlanRecurringFee",
        "SavingsPlanUpfrontFee",
        "RIFee",
        "Fee",
    }
)


@dataclass(frozen=True)
class DiscountProgram:
    """A negotiated discount: a rate off the unblended cost of matching lines."""

    line_item_type: str
    payer: int
    rate: float
    description: str
    product_codes: frozenset[str] | None = None  # None: every product
    line_item_types: frozenset[str] = CHARGE_TYPES


DISCOUNT_PROGRAMS: tuple[DiscountProgram, ...] = (
    DiscountProgram("EdpDiscount", 0, 0.05, "Enterprise Discount Program discount"),
    DiscountProgram("EdpDiscount", 1, 0.03, "Enterprise Discount Program discount"),
    DiscountProgram(
        "PrivateRateDiscount",
        0,
        0.12,
        "Private pricing discount: Amazon CloudFront",
        frozenset({"AmazonCloudFront"}),
        frozenset({"Usage"}),
    ),
    DiscountProgram(
        "BundledDiscount",
        1,
        0.10,
        "CloudFront Security Savings Bundle discount",
        frozenset({"AmazonCloudFront"}),
        frozenset({"Usage"}),
    ),
)

# gross -> net columns that a discount lowers alongside the unblended cost
NET_PAIRS = (
    ("savings_plan_savings_plan_effective_cost", "savings_plan_net_savings_plan_effective_cost"),
    ("reservation_effective_cost", "reservation_net_effective_cost"),
    (
        "reservation_unused_amortized_upfront_fee_for_billing_period",
        "reservation_net_unused_amortized_upfront_fee_for_billing_period",
    ),
    ("reservation_unused_recurring_fee", "reservation_net_unused_recurring_fee"),
)


@dataclass(frozen=True)
class Adjustment:
    """A credit or refund, landing on the payer's account that spends most on the product."""

    line_item_type: str
    payer: int
    product_code: str
    cap: float  # USD
    share: float  # at most this share of that account's net spend on the product
    description: str
    first_period_only: bool


ADJUSTMENTS: tuple[Adjustment, ...] = (
    Adjustment("Credit", 0, "AmazonEC2", 300.0, 0.5, "AWS Activate Credits", False),
    Adjustment("Credit", 1, "AWSLambda", 75.0, 0.5, "AWS Promotional Credit", False),
    Adjustment("Refund", 1, "AmazonEC2", 125.4, 0.1, "Refund for service event", True),
)


def _codes(ctx: MonthContext, values: frozenset[str]) -> np.ndarray:
    return ctx.pools.strings.codes(sorted(values))


def apply_discounts(ctx: MonthContext, blocks: list[Block]) -> list[Block]:
    """Set the net columns of `blocks` and return the discount line blocks.

    Args:
        ctx: the payer-month.
        blocks: charge blocks (usage, negation, fees); updated in place.

    Returns:
        Discount lines, one per program, account, product and day.
    """
    programs = [p for p in DISCOUNT_PROGRAMS if p.payer == ctx.payer]
    parts = [_discount_block(ctx, programs, block) for block in blocks]
    keys = [np.concatenate([part[0][i] for part in parts]) for i in range(4)]
    (program, account, product, day), sums = group_sum(
        keys, np.concatenate([part[1] for part in parts])
    )
    start = ctx.month.start_ms + day.astype(np.int64) * DAY_MS
    end = np.minimum(start + DAY_MS, ctx.month.covered_end_ms)
    # rows are (program, account, product, day) aggregates: a few thousand at most
    intervals = [f"{iso_z(int(s))}/{iso_z(int(e))}" for s, e in zip(start, end, strict=True)]
    cols = _account_columns(ctx, account) | {
        "identity_time_interval": ctx.pools.strings.codes(intervals),
        "line_item_usage_start_date": start,
        "line_item_usage_end_date": end,
        "line_item_line_item_type": ctx.pools.strings.codes(
            [programs[k].line_item_type for k in program]
        ),
        "line_item_line_item_description": ctx.pools.strings.codes(
            [programs[k].description for k in program]
        ),
        "line_item_product_code": product.astype(np.int32),
        "product_servicecode": product.astype(np.int32),
        "line_item_usage_amount": 0.0,
        "line_item_unblended_cost": -sums,
        "line_item_blended_cost": -sums,
        "line_item_net_unblended_cost": np.zeros(len(sums), dtype=np.int64),
    }
    return [Block(len(sums), cols)] if len(sums) else []


def _discount_block(
    ctx: MonthContext, programs: list[DiscountProgram], block: Block
) -> tuple[list[np.ndarray], np.ndarray]:
    """Discount one block in place; returns its (program, account, product, day) differences."""

    def col(name: str, kind: Kind) -> np.ndarray:
        return column_array(block, name, kind, ctx.pools)

    types, products = (
        col("line_item_line_item_type", "string"),
        col("line_item_product_code", "string"),
    )
    unblended = col("line_item_unblended_cost", "money")
    day = (col("line_item_usage_start_date", "timestamp") - ctx.month.start_ms) // DAY_MS
    accounts = col("line_item_usage_account_id", "string")
    total = np.zeros(block.n, dtype=np.int64)
    bundled = np.zeros(block.n, dtype=np.int64)
    share = np.zeros(block.n)
    nets = {net: col(gross, "money").copy() for gross, net in NET_PAIRS}
    keys: list[list[np.ndarray]] = [[], [], [], []]
    diffs = [np.zeros(0, dtype=np.int64)]
    for k, program in enumerate(programs):
        mask = np.isin(types, _codes(ctx, program.line_item_types))
        if program.product_codes is not None:
            mask &= np.isin(products, _codes(ctx, program.product_codes))
        diff = np.where(mask, np.rint(unblended * program.rate), 0).astype(np.int64)
        total += diff
        share += np.where(mask, program.rate, 0.0)
        if program.line_item_type == "BundledDiscount":
            bundled += diff
        for gross, net in NET_PAIRS:
            value = col(gross, "money")
            lowered = np.rint(value * program.rate).astype(np.int64)
            nets[net] -= np.where(mask & (value != NULL_INT), lowered, 0)
        hit = diff != 0
        for target, values in zip(
            keys, (np.full(block.n, k), accounts, products, day), strict=True
        ):
            target.append(values[hit].astype(np.int64))
        diffs.append(diff[hit])
    block.cols |= nets | {
        "line_item_net_unblended_cost": unblended - total,
        "line_item_net_unblended_rate": np.round(
            col("line_item_unblended_rate", "float") * (1 - share), 10
        ),
        "discount_total_discount": -total,
        "discount_bundled_discount": -bundled,
    }
    empty = np.zeros(0, dtype=np.int64)
    return [np.concatenate([empty, *k]) for k in keys], np.concatenate(diffs)


def _account_columns(ctx: MonthContext, account_codes: np.ndarray) -> dict:
    """Account id, name and cost category columns for rows given as account-id codes."""
    unique, inverse = np.unique(account_codes, return_inverse=True)
    accounts = [ACCOUNT_INDEX[ctx.pools.strings.values[int(c)]] for c in unique]
    names = [ACCOUNTS[a][1].name for a in accounts]
    inverse = inverse.reshape(-1)
    return {
        "line_item_usage_account_id": np.asarray(account_codes, dtype=np.int32),
        "line_item_usage_account_name": ctx.pools.strings.codes(names)[inverse],
        "cost_category": ctx.pools.maps.codes([cost_category(a) for a in accounts])[inverse],
    }


def _net_by_account_product(ctx: MonthContext, blocks: list[Block]) -> dict[tuple[str, str], int]:
    accounts, products, nets = [], [], []
    for block in blocks:
        accounts.append(column_array(block, "line_item_usage_account_id", "string", ctx.pools))
        products.append(column_array(block, "line_item_product_code", "string", ctx.pools))
        nets.append(column_array(block, "line_item_net_unblended_cost", "money", ctx.pools))
    (account, product), sums = group_sum(
        [np.concatenate(accounts), np.concatenate(products)], np.concatenate(nets)
    )
    values = ctx.pools.strings.values
    return {
        (values[int(a)], values[int(p)]): int(s)
        for a, p, s in zip(account, product, sums, strict=True)
    }


def _month_line(ctx: MonthContext, account_id: str, product: str, units: int) -> dict:
    start, end = ctx.month.start_ms, ctx.month.end_ms
    return _account_columns(ctx, np.array([ctx.pools.strings.code(account_id)])) | {
        "identity_time_interval": f"{iso_z(start)}/{iso_z(end)}",
        "line_item_usage_start_date": start,
        "line_item_usage_end_date": end,
        "line_item_product_code": product,
        "product_servicecode": product,
        "line_item_unblended_cost": units,
        "line_item_blended_cost": units,
        "line_item_net_unblended_cost": units,
        "line_item_usage_amount": 0.0,
    }


def adjustment_blocks(ctx: MonthContext, blocks: list[Block]) -> list[Block]:
    """Credits and refunds (negative), then tax (positive) per account and product.

    Args:
        ctx: the payer-month.
        blocks: every other block of the month (charges and discounts), with net columns.

    Returns:
        Credit/refund blocks followed by the tax block.
    """
    spend = _net_by_account_product(ctx, blocks)
    out = []
    for adjustment in ADJUSTMENTS:
        if adjustment.payer != ctx.payer or (adjustment.first_period_only and ctx.month.first_day):
            continue
        candidates = {a: s for (a, p), s in spend.items() if p == adjustment.product_code}
        if not candidates or max(candidates.values()) <= 0:
            continue
        account = max(sorted(candidates), key=lambda a: candidates[a])
        # credits accrue with usage, so the open month gets the delivered share of the cap
        cap = round(adjustment.cap * 100) * CENT * ctx.month.covered_hours // ctx.month.n_hours
        units = -(int(min(cap, candidates[account] * adjustment.share)) // CENT * CENT)
        line = _month_line(ctx, account, adjustment.product_code, units) | {
            "line_item_line_item_type": adjustment.line_item_type,
            "line_item_line_item_description": adjustment.description,
        }
        out.append(Block(1, line))
        spend[(account, adjustment.product_code)] += units
    payer = PAYERS[ctx.payer]
    for (account, product), base in sorted(spend.items()):
        tax = round(base * payer.tax_rate / CENT) * CENT
        if tax > 0:
            line = _month_line(ctx, account, product, tax) | {
                "line_item_line_item_type": "Tax",
                "line_item_tax_type": payer.tax_type,
                "line_item_line_item_description": f"Tax of type {payer.tax_type} for {product}",
            }
            out.append(Block(1, line))
    return out
