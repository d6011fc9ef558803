"""Build the CUR 2.0 table of one payer's billing period, from usage to tax."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import numpy as np
import pyarrow as pa

from .aws_adjustments import adjustment_blocks, apply_discounts
from .aws_catalog import PAYERS
from .aws_commitments import Reservation, SavingsPlan
from .aws_fees import purchase_blocks, reservation_fee_blocks, savings_plan_fee_blocks
from .aws_lines import MonthContext, negation_block, usage_block
from .aws_resources import Catalog
from .aws_schema import COLUMNS
from .aws_usage import MonthFrame, apply_reservations, apply_savings_plans, usage_rows
from .columnar import Pools, assemble, random_tokens
from .timeseries import DailyShape

# CUR identity_line_item_id values are 52-character lowercase base32 strings
LINE_ID_LENGTH = 52


@dataclass(frozen=True)
class World:
    """Everything drawn once per seed and shared by all payer-months and deliveries."""

    periods: list[date]
    catalog: Catalog
    shape: DailyShape
    plans: list[SavingsPlan]
    reservations: list[Reservation]


@dataclass(frozen=True)
class MonthResult:
    """One payer-month table and the resources that appear in it."""

    table: pa.Table
    resources: np.ndarray


def month_table(
    world: World,
    payer: int,
    month: MonthFrame,
    invoice_id: str,
    usage_rng: np.random.Generator,
    id_rng: np.random.Generator,
) -> MonthResult:
    """All line items of one payer's billing period (as delivered so far).

    Args:
        world: the seed's resources, daily shape and commitments.
        payer: payer index.
        month: the period and the hours delivered.
        invoice_id: `bill_invoice_id` ("" while the month is open).
        usage_rng: generator of the usage draws (shared by every delivery of the month).
        id_rng: generator of the line item ids (specific to this delivery).

    Returns:
        The table, columns in file order.
    """
    pools = Pools()
    ctx = MonthContext(payer, month, world.catalog, world.plans, world.reservations, pools)
    rows = usage_rows(world.catalog, payer, month, world.shape, usage_rng)
    used_units = apply_reservations(rows, world.catalog, world.reservations, month)
    used_commitment = apply_savings_plans(rows, world.catalog, world.plans, month)
    usage = usage_block(ctx, rows)
    charges = [
        usage,
        negation_block(ctx, usage, rows),
        *savings_plan_fee_blocks(ctx, used_commitment),
        *reservation_fee_blocks(ctx, used_units),
        *purchase_blocks(ctx),
    ]
    discounts = apply_discounts(ctx, charges)
    blocks = [*charges, *discounts]
    blocks += adjustment_blocks(ctx, blocks)
    defaults = _bill_columns(payer, month, invoice_id)
    for block in blocks:
        for name, value in defaults.items():
            block.cols.setdefault(name, value)
    n_rows = sum(block.n for block in blocks)
    ids = random_tokens(id_rng, n_rows, LINE_ID_LENGTH)
    table = assemble(blocks, COLUMNS, pools, extra={"identity_line_item_id": ids})
    return MonthResult(table, np.unique(rows.resource))


def _bill_columns(payer: int, month: MonthFrame, invoice_id: str) -> dict:
    info = PAYERS[payer]
    return {
        "bill_bill_type": "Anniversary",
        "bill_billing_entity": "AWS",
        "bill_invoice_id": invoice_id,
        "bill_invoicing_entity": info.legal_entity,
        "bill_payer_account_id": info.account_id,
        "bill_payer_account_name": info.name,
        "bill_billing_period_start_date": month.start_ms,
        "bill_billing_period_end_date": month.end_ms,
        "line_item_currency_code": "USD",
        "pricing_currency": "USD",
        "line_item_legal_entity": info.legal_entity,
    }
