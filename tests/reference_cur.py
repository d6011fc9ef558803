"""Independent reference totals for CUR files, written for the tests only.

Nothing here imports the pipeline: headers are matched through an explicit table of the two
spellings AWS documents, and the amortized (effective) cost uses AWS's per-line-type formulas.
"""

from __future__ import annotations

import csv
import gzip
import io
from collections import defaultdict
from decimal import Decimal
from pathlib import Path

import pyarrow.parquet as pq

FIELDS = {
    "type": ("line_item_line_item_type", "lineItem/LineItemType"),
    "payer": ("bill_payer_account_id", "bill/PayerAccountId"),
    "period": ("bill_billing_period_start_date", "bill/BillingPeriodStartDate"),
    "unblended": ("line_item_unblended_cost", "lineItem/UnblendedCost"),
    "net": ("line_item_net_unblended_cost", "lineItem/NetUnblendedCost"),
    "sp_effective": (
        "savings_plan_savings_plan_effective_cost",
        "savingsPlan/SavingsPlanEffectiveCost",
    ),
    "sp_net_effective": (
        "savings_plan_net_savings_plan_effective_cost",
        "savingsPlan/NetSavingsPlanEffectiveCost",
    ),
    "sp_total": ("savings_plan_total_commitment_to_date", "savingsPlan/TotalCommitmentToDate"),
    "sp_used": ("savings_plan_used_commitment", "savingsPlan/UsedCommitment"),
    "ri_effective": ("reservation_effective_cost", "reservation/EffectiveCost"),
    "ri_net_effective": ("reservation_net_effective_cost", "reservation/NetEffectiveCost"),
    "ri_unused_upfront": (
        "reservation_unused_amortized_upfront_fee_for_billing_period",
        "reservation/UnusedAmortizedUpfrontFeeForBillingPeriod",
    ),
    "ri_net_unused_upfront": (
        "reservation_net_unused_amortized_upfront_fee_for_billing_period",
        "reservation/NetUnusedAmortizedUpfrontFeeForBillingPeriod",
    ),
    "ri_unused_recurring": ("reservation_unused_recurring_fee", "reservation/UnusedRecurringFee"),
    "ri_net_unused_recurring": (
        "reservation_net_unused_recurring_fee",
        "reservation/NetUnusedRecurringFee",
    ),
    "ri_arn": ("reservation_reservation_a_r_n", "reservation/ReservationARN"),
}


def _money(value: object) -> Decimal | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, float):
        return Decimal(repr(value))
    return Decimal(str(value).strip())


def _pick(row: dict[str, object], net: str, plain: str) -> Decimal:
    value = _money(row.get(net))
    if value is None:
        value = _money(row.get(plain))
    return value or Decimal(0)


def amortized(row: dict[str, object]) -> Decimal:
    """AWS's amortized cost of one line, by line item type (net figures where present)."""
    kind = row["type"]
    billed = _pick(row, "net", "unblended")
    if kind == "SavingsPlanCoveredUsage":
        return _pick(row, "sp_net_effective", "sp_effective")
    if kind == "SavingsPlanRecurringFee":
        return (_money(row.get("sp_total")) or 0) - (_money(row.get("sp_used")) or 0)
    if kind in ("SavingsPlanNegation", "SavingsPlanUpfrontFee"):
        return Decimal(0)
    if kind == "DiscountedUsage":
        return _pick(row, "ri_net_effective", "ri_effective")
    if kind == "RIFee":
        return _pick(row, "ri_net_unused_upfront", "ri_unused_upfront") + _pick(
            row, "ri_net_unused_recurring", "ri_unused_recurring"
        )
    if kind == "Fee" and str(row.get("ri_arn") or "").strip():
        return Decimal(0)
    return billed


def _rows_of(path: Path) -> list[dict[str, object]]:
    if path.name.endswith(".parquet"):
        table = pq.read_table(path)
        names = set(table.column_names)
        columns = {
            field: table.column(next(n for n in spellings if n in names)).to_pylist()
            for field, spellings in FIELDS.items()
            if any(n in names for n in spellings)
        }
        return [
            dict(zip(columns, values, strict=True))
            for values in zip(*columns.values(), strict=True)
        ]
    raw = path.read_bytes()
    text = gzip.decompress(raw).decode() if path.name.endswith(".gz") else raw.decode()
    reader = csv.DictReader(io.StringIO(text))
    return [
        {
            field: next((r[n] for n in spellings if n in r), None)
            for field, spellings in FIELDS.items()
        }
        for r in reader
    ]


def reference_totals(files: list[Path]) -> dict[tuple[str, str], dict[str, Decimal]]:
    """Per (payer, YYYY-MM): rows, billed (net else unblended) and amortized totals."""
    totals: dict[tuple[str, str], dict[str, Decimal]] = defaultdict(
        lambda: {"rows": Decimal(0), "billed": Decimal(0), "effective": Decimal(0)}
    )
    for path in files:
        for row in _rows_of(path):
            period = row["period"]
            month = period.strftime("%Y-%m") if hasattr(period, "strftime") else str(period)[:7]
            bucket = totals[(str(row["payer"]), month)]
            bucket["rows"] += 1
            bucket["billed"] += _pick(row, "net", "unblended")
            bucket["effective"] += amortized(row)
    return dict(totals)
