"""Ground truth of the AWS sample, computed from the tables exactly as they are written.

Money is read back from the float64 columns into integer 1e-8 units (exact for the values this
package writes), summed exactly, and printed as decimal strings.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from .aws_catalog import ACCOUNTS, PAYERS, PRODUCT_CODES, PROFILES, REGIONS, TAG_MESS_SHARES
from .aws_commitments import Reservation, SavingsPlan
from .aws_resources import Catalog
from .columnar import column_units, iso_z, units_text
from .timeseries import DailyShape


def _is(table: pa.Table, line_item_type: str) -> np.ndarray:
    return pc.equal(table["line_item_line_item_type"], line_item_type).to_numpy()


def amortized_units(table: pa.Table) -> np.ndarray:
    """Per-row amortized cost (AWS's formula on the net columns), in units.

    SavingsPlanCoveredUsage -> net SP effective cost; SavingsPlanRecurringFee -> total
    commitment - used commitment; SavingsPlanNegation and SavingsPlanUpfrontFee -> 0;
    DiscountedUsage -> net reservation effective cost; RIFee -> net unused amortized upfront +
    net unused recurring; Fee carrying a reservation ARN -> 0; anything else -> net unblended.
    """
    net = column_units(table["line_item_net_unblended_cost"])
    unblended = column_units(table["line_item_unblended_cost"])
    missing = table["line_item_net_unblended_cost"].is_null().to_numpy(zero_copy_only=False)
    value = np.where(missing, unblended, net)

    def col(name: str) -> np.ndarray:
        return column_units(table[name])

    rules = [
        ("SavingsPlanCoveredUsage", lambda: col("savings_plan_net_savings_plan_effective_cost")),
        ("SavingsPlanRecurringFee", lambda: col("savings_plan_total_commitment_to_date")
         - col("savings_plan_used_commitment")),
        ("SavingsPlanNegation", lambda: 0),
        ("SavingsPlanUpfrontFee", lambda: 0),
        ("DiscountedUsage", lambda: col("reservation_net_effective_cost")),
        ("RIFee", lambda: col("reservation_net_unused_amortized_upfront_fee_for_billing_period")
         + col("reservation_net_unused_recurring_fee")),
    ]  # fmt: skip
    for line_item_type, rule in rules:
        mask = _is(table, line_item_type)
        if mask.any():
            value = np.where(mask, rule(), value)
    has_arn = pc.not_equal(table["reservation_reservation_a_r_n"], "").to_numpy()
    return np.where(_is(table, "Fee") & has_arn, 0, value)


def period_totals(table: pa.Table) -> dict[str, Any]:
    """Row counts and money totals of one payer's billing period.

    Args:
        table: the whole period of one payer, as written (all its files).

    Returns:
        row_count, row_count_by_line_item_type, unblended_total, net_unblended_total,
        billed_total (sum of coalesce(net, unblended)) and amortized_total, as Decimal strings.
    """
    unblended = column_units(table["line_item_unblended_cost"])
    net_column = table["line_item_net_unblended_cost"]
    net = column_units(net_column)
    missing = net_column.is_null().to_numpy(zero_copy_only=False)
    counts = pc.value_counts(table["line_item_line_item_type"]).to_pylist()
    return {
        "row_count": table.num_rows,
        "row_count_by_line_item_type": {
            c["values"]: c["counts"] for c in sorted(counts, key=lambda c: c["values"])
        },
        "unblended_total": units_text(int(unblended.sum())),
        "net_unblended_total": units_text(int(net.sum())),
        "billed_total": units_text(int(np.where(missing, unblended, net).sum())),
        "amortized_total": units_text(int(amortized_units(table).sum())),
    }


def commitment_usage(table: pa.Table) -> dict[str, dict[str, int]]:
    """Per commitment ARN: used and available amounts this period (units or unit-hours)."""
    out: dict[str, dict[str, int]] = {}
    fees = table.filter(_is(table, "SavingsPlanRecurringFee"))
    arns = fees["savings_plan_savings_plan_a_r_n"].to_numpy(zero_copy_only=False)
    used = column_units(fees["savings_plan_used_commitment"])
    total = column_units(fees["savings_plan_total_commitment_to_date"])
    for arn in sorted(set(arns)):
        mask = arns == arn
        out[arn] = {"used": int(used[mask].sum()), "available": int(total[mask].sum())}
    ri_fees = table.filter(_is(table, "RIFee")).to_pylist()
    for row in ri_fees:
        reserved = int(row["reservation_total_reserved_units"])
        unused = int(row["reservation_unused_quantity"])
        out[row["reservation_reservation_a_r_n"]] = {"used": reserved - unused, "available": reserved}
    return out


def tag_mess(catalog: Catalog, present: np.ndarray) -> dict[str, Any]:
    """Stated and realised tag-condition shares over the resources that appear in the data."""
    conditions = [catalog.tag_condition[int(i)] for i in present]
    n = len(conditions)
    actual = {c: round(conditions.count(c) / n, 6) for c in TAG_MESS_SHARES}
    only_env = sum(
        1 for i in present if set(catalog.tags[int(i)]) == {"user_env"}
    )  # untagged-for-owner resources that still carry an environment
    return {
        "unit": "resource",
        "resource_count": n,
        "target_shares": dict(TAG_MESS_SHARES),
        "actual_shares": actual,
        "missing_with_only_user_env": only_env,
        "true_team_by_resource": {
            catalog.resource_ids[int(i)]: catalog.team[int(i)] for i in present
        },
    }


def planted_events(shape: DailyShape) -> list[dict[str, Any]]:
    """The injected anomalies with the account and service they hit."""
    events = []
    for event in shape.planted:
        account_index, product = divmod(event.series, len(PRODUCT_CODES))
        payer, account = ACCOUNTS[account_index]
        events.append(
            {
                "kind": event.kind,
                "date": shape.day_date(event.day).isoformat(),
                "payer_account_id": PAYERS[payer].account_id,
                "account_id": account.account_id,
                "account_name": account.name,
                "service": PRODUCT_CODES[product],
                "size": event.size,
            }
        )
    return events


def commitments_truth(
    plans: list[SavingsPlan],
    reservations: list[Reservation],
    usage: dict[str, dict[str, dict[str, int]]],
    window_end_ms: int,
) -> list[dict[str, Any]]:
    """Definition and per-period utilization of every Savings Plan and reservation.

    Args:
        plans: the Savings Plans.
        reservations: the reserved instances.
        usage: period -> ARN -> {"used", "available"} from `commitment_usage`.
        window_end_ms: end of the last billing period.

    Returns:
        One dict per commitment; utilization is used / available per period.
    """

    def utilization(arn: str) -> dict[str, float]:
        return {
            period: round(by_arn[arn]["used"] / by_arn[arn]["available"], 6)
            for period, by_arn in sorted(usage.items())
            if by_arn.get(arn, {}).get("available")
        }

    out: list[dict[str, Any]] = []
    for plan in plans:
        out.append(
            {
                "kind": "savings_plan",
                "arn": plan.arn,
                "offering_type": plan.offering_type,
                "payment_option": plan.payment_option,
                "term": plan.term,
                "payer_account_id": PAYERS[plan.payer].account_id,
                "account_id": ACCOUNTS[plan.account][1].account_id,
                "start": iso_z(plan.start_ms),
                "end": iso_z(plan.end_ms),
                "hourly_commitment": units_text(plan.commitment_units),
                "hourly_recurring": units_text(plan.recurring_units),
                "hourly_amortized_upfront": units_text(plan.amortized_units),
                "upfront_payment": units_text(plan.upfront_units),
                "purchased_in_window": plan.purchased_in_window,
                "expires_in_window": plan.end_ms < window_end_ms,
                "utilization": utilization(plan.arn),
            }
        )
    for ri in reservations:
        out.append(
            {
                "kind": "reservation",
                "arn": ri.arn,
                "instance_type": PROFILES[ri.profile].instance_type,
                "region": REGIONS[ri.region].code,
                "units": ri.units,
                "payment_option": ri.payment_option,
                "term": ri.term,
                "payer_account_id": PAYERS[ri.payer].account_id,
                "account_id": ACCOUNTS[ri.account][1].account_id,
                "start": iso_z(ri.start_ms),
                "end": iso_z(ri.end_ms),
                "hourly_amortized_upfront_per_unit": units_text(ri.amortized_units),
                "hourly_recurring_per_unit": units_text(ri.recurring_units),
                "upfront_payment": units_text(ri.upfront_units),
                "purchased_in_window": ri.purchased_in_window,
                "expires_in_window": ri.end_ms < window_end_ms,
                "utilization": utilization(ri.arn),
            }
        )
    return out
