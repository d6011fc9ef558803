"""Ground truth of the AWS sample, computed from the tables exactly as they are written.

Money is read back from the float64 columns into integer 1e-8 units (exact for the values this
package writes), summed exactly, and printed as decimal strings.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pyarrow as pa

from .aws_adjustments import DISCOUNT_PROGRAMS
from .aws_catalog import (
    ACCOUNTS,
    MISSPELLINGS,
    OWNERS,
    PAYERS,
    PRODUCT_CODES,
    PROFILES,
    REGIONS,
    TAG_MESS_SHARES,
    TEAMS,
)
from .aws_commitments import Reservation, SavingsPlan
from .aws_resources import Catalog
from .columnar import column_units, iso_z, units_text
from .timeseries import DailyShape


class _Labels:
    """A string column as (distinct values, per-row index), to build many masks cheaply."""

    def __init__(self, column: pa.ChunkedArray) -> None:
        array = column.combine_chunks()
        if not pa.types.is_dictionary(array.type):
            array = array.dictionary_encode()
        self.values: list[str] = array.dictionary.to_pylist()
        self.index = array.indices.to_numpy(zero_copy_only=False)

    def mask(self, value: str) -> np.ndarray:
        """Rows whose value is `value`."""
        if value not in self.values:
            return np.zeros(len(self.index), dtype=bool)
        return self.index == self.values.index(value)

    def counts(self) -> dict[str, int]:
        """Rows per distinct value, sorted by value."""
        counts = np.bincount(self.index, minlength=len(self.values))
        return {v: int(c) for v, c in sorted(zip(self.values, counts, strict=True)) if c}


def amortized_units(table: pa.Table, types: _Labels | None = None) -> np.ndarray:
    """Per-row amortized cost (AWS's formula on the net columns), in units.

    SavingsPlanCoveredUsage -> net SP effective cost; SavingsPlanRecurringFee -> total
    commitment - used commitment; SavingsPlanNegation and SavingsPlanUpfrontFee -> 0;
    DiscountedUsage -> net reservation effective cost; RIFee -> net unused amortized upfront +
    net unused recurring; Fee carrying a reservation ARN -> 0; anything else -> net unblended.
    """
    types = types or _Labels(table["line_item_line_item_type"])
    net = column_units(table["line_item_net_unblended_cost"])
    unblended = column_units(table["line_item_unblended_cost"])
    missing = table["line_item_net_unblended_cost"].is_null().to_numpy(zero_copy_only=False)
    value = np.where(missing, unblended, net)

    def col(name: str) -> np.ndarray:
        return column_units(table[name])

    rules = {
        "SavingsPlanCoveredUsage": lambda: col("savings_plan_net_savings_plan_effective_cost"),
        "SavingsPlanRecurringFee": lambda: (
            col("savings_plan_total_commitment_to_date") - col("savings_plan_used_commitment")
        ),
        "SavingsPlanNegation": lambda: 0,
        "SavingsPlanUpfrontFee": lambda: 0,
        "DiscountedUsage": lambda: col("reservation_net_effective_cost"),
        "RIFee": lambda: (
            col("reservation_net_unused_amortized_upfront_fee_for_billing_period")
            + col("reservation_net_unused_recurring_fee")
        ),
    }
    for line_item_type, rule in rules.items():
        mask = types.mask(line_item_type)
        if mask.any():
            value = np.where(mask, rule(), value)
    has_arn = ~_Labels(table["reservation_reservation_a_r_n"]).mask("")
    return np.where(types.mask("Fee") & has_arn, 0, value)


def period_totals(table: pa.Table) -> dict[str, Any]:
    """Row counts and money totals of one payer's billing period.

    Args:
        table: the whole period of one payer, as written (all its files).

    Returns:
        row_count, row_count_by_line_item_type, unblended_total, net_unblended_total,
        billed_total (sum of coalesce(net, unblended)) and amortized_total, as Decimal strings.
    """
    types = _Labels(table["line_item_line_item_type"])
    unblended = column_units(table["line_item_unblended_cost"])
    net_column = table["line_item_net_unblended_cost"]
    net = column_units(net_column)
    missing = net_column.is_null().to_numpy(zero_copy_only=False)
    return {
        "row_count": table.num_rows,
        "row_count_by_line_item_type": types.counts(),
        "unblended_total": units_text(int(unblended.sum())),
        "net_unblended_total": units_text(int(net.sum())),
        "billed_total": units_text(int(np.where(missing, unblended, net).sum())),
        "amortized_total": units_text(int(amortized_units(table, types).sum())),
    }


def commitment_usage(table: pa.Table) -> dict[str, dict[str, int]]:
    """Per commitment ARN: used and available amounts this period (units or unit-hours)."""
    types = _Labels(table["line_item_line_item_type"])
    out: dict[str, dict[str, int]] = {}
    columns = [
        "savings_plan_savings_plan_a_r_n",
        "savings_plan_used_commitment",
        "savings_plan_total_commitment_to_date",
    ]
    for row in _grouped(table.select(columns).filter(types.mask("SavingsPlanRecurringFee"))):
        arn, used, total = row
        out[arn] = {"used": used, "available": total}
    columns = [
        "reservation_reservation_a_r_n",
        "reservation_total_reserved_units",
        "reservation_unused_quantity",
    ]
    for row in table.select(columns).filter(types.mask("RIFee")).to_pylist():
        reserved = int(row["reservation_total_reserved_units"])
        unused = int(row["reservation_unused_quantity"])
        out[row["reservation_reservation_a_r_n"]] = {
            "used": reserved - unused,
            "available": reserved,
        }
    return out


def _grouped(fees: pa.Table) -> list[tuple[str, int, int]]:
    """(ARN, used units, available units) per Savings Plan of recurring-fee lines."""
    arns = _Labels(fees["savings_plan_savings_plan_a_r_n"])
    used = column_units(fees["savings_plan_used_commitment"])
    total = column_units(fees["savings_plan_total_commitment_to_date"])
    out = []
    for arn in sorted(arns.values):
        mask = arns.mask(arn)
        if mask.any():
            out.append((arn, int(used[mask].sum()), int(total[mask].sum())))
    return out


def tag_mess(catalog: Catalog, present: np.ndarray) -> dict[str, Any]:
    """Stated and realised tag-condition shares over the resources that appear in the data."""
    conditions = [catalog.tag_condition[int(i)] for i in present]
    n = len(conditions)
    actual = {c: round(conditions.count(c) / n, 6) for c in TAG_MESS_SHARES}
    # resources without any owner tag that still carry an environment
    only_env = sum(1 for i in present if set(catalog.tags[int(i)]) == {"user_env"})
    return {
        "unit": "resource",
        "resource_count": n,
        "target_shares": dict(TAG_MESS_SHARES),
        "actual_shares": actual,
        "missing_with_only_user_env": only_env,
        "canonical_teams": list(TEAMS),
        "key_variants": {"user_Team": "user_team"},
        "value_misspellings": dict(MISSPELLINGS),
        "owner_to_team": dict(OWNERS),
        "true_team_by_resource": {
            catalog.resource_ids[int(i)]: catalog.team[int(i)] for i in present
        },
    }


def world_truth(export_arns: list[str]) -> dict[str, Any]:
    """Exports, accounts and discount programs: the fixed facts of the AWS sample."""
    exports = [
        {
            "export_name": payer.export_name,
            "export_arn": arn,
            "payer_account_id": payer.account_id,
            "payer_account_name": payer.name,
        }
        for payer, arn in zip(PAYERS, export_arns, strict=True)
    ]
    accounts = [
        {
            "account_id": account.account_id,
            "account_name": account.name,
            "payer_account_id": PAYERS[p].account_id,
            "primary_team": account.primary_team,
            "environment": account.environment,
        }
        for p, account in ACCOUNTS
    ]
    discounts = [
        {
            "line_item_type": d.line_item_type,
            "payer_account_id": PAYERS[d.payer].account_id,
            "rate": d.rate,
            "description": d.description,
            "product_codes": sorted(d.product_codes) if d.product_codes else None,
            "line_item_types": sorted(d.line_item_types),
        }
        for d in DISCOUNT_PROGRAMS
    ]
    return {"exports": exports, "accounts": accounts, "discount_programs": discounts}


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

    def common(commitment: SavingsPlan | Reservation) -> dict[str, Any]:
        return {
            "arn": commitment.arn,
            "payment_option": commitment.payment_option,
            "term": commitment.term,
            "payer_account_id": PAYERS[commitment.payer].account_id,
            "account_id": ACCOUNTS[commitment.account][1].account_id,
            "start": iso_z(commitment.start_ms),
            "end": iso_z(commitment.end_ms),
            "upfront_payment": units_text(commitment.upfront_units),
            "purchased_in_window": commitment.purchased_in_window,
            "expires_in_window": commitment.end_ms < window_end_ms,
            "utilization": {
                period: round(
                    by_arn[commitment.arn]["used"] / by_arn[commitment.arn]["available"], 6
                )
                for period, by_arn in sorted(usage.items())
                if by_arn.get(commitment.arn, {}).get("available")
            },
        }

    out = [
        {"kind": "savings_plan", "offering_type": plan.offering_type} | common(plan) | {
            "hourly_commitment": units_text(plan.commitment_units),
            "hourly_recurring": units_text(plan.recurring_units),
            "hourly_amortized_upfront": units_text(plan.amortized_units),
        }
        for plan in plans
    ]  # fmt: skip
    out += [
        {"kind": "reservation", "instance_type": PROFILES[ri.profile].instance_type,
         "region": REGIONS[ri.region].code, "units": ri.units} | common(ri) | {
            "hourly_amortized_upfront_per_unit": units_text(ri.amortized_units),
            "hourly_recurring_per_unit": units_text(ri.recurring_units),
        }
        for ri in reservations
    ]  # fmt: skip
    return out
