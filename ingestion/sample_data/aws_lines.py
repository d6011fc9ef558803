"""Turn hourly usage rows into CUR 2.0 line blocks: Usage, covered, discounted and negation.

Per-resource strings are coded once per table and gathered by resource index, so a million
rows cost a handful of numpy `take`s.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

import numpy as np

from .aws_catalog import ACCOUNTS, PROFILES, REGIONS, cost_category
from .aws_commitments import COVERED, DISCOUNTED, Reservation, SavingsPlan
from .aws_resources import Catalog
from .aws_usage import MonthFrame, UsageRows
from .columnar import HOUR_MS, NULL_INT, Block, Pools, iso_z

USAGE_TYPES = ("Usage", "SavingsPlanCoveredUsage", "DiscountedUsage")
# vCPU and memory of the instance types, for the product map
SPECS = {
    "m5.xlarge": ("4", "16 GiB"),
    "c6g.2xlarge": ("8", "16 GiB"),
    "r5.large": ("2", "16 GiB"),
    "t3.medium": ("2", "4 GiB"),
    "db.r6g.large": ("2", "16 GiB"),
}


@dataclass
class MonthContext:
    """Everything the line builders of one payer-month share."""

    payer: int
    month: MonthFrame
    catalog: Catalog
    plans: list[SavingsPlan]
    reservations: list[Reservation]
    pools: Pools

    def code(self, value: str) -> int:
        """String code of `value` in this table's pool."""
        return self.pools.strings.code(value)

    def hour_codes(self) -> np.ndarray:
        """Codes of `identity_time_interval` for every hour of the month."""
        start = self.month.start_ms
        spans = [
            f"{iso_z(start + h * HOUR_MS)}/{iso_z(start + (h + 1) * HOUR_MS)}"
            for h in range(self.month.n_hours)
        ]
        return self.pools.strings.codes(spans)


def sku(*parts: str) -> str:
    """A stable 14-character SKU-like code (AWS SKUs look like `6QMYMK9BTXKC2MP2`)."""
    digest = hashlib.sha1("|".join(parts).encode()).hexdigest().upper()
    return digest[:14]


def usage_type(profile: int, region: int) -> str:
    """Usage type with AWS's region prefix (none for us-east-1 and global services)."""
    prefix = REGIONS[region].usage_prefix if region >= 0 else ""
    return prefix + PROFILES[profile].usage_type


def _resource_strings(catalog: Catalog, index: int) -> dict[str, str]:
    p, r = int(catalog.profile[index]), int(catalog.region[index])
    profile = PROFILES[p]
    account = ACCOUNTS[int(catalog.account[index])][1]
    code = sku(profile.key, str(r))
    is_transfer = profile.family == "Data Transfer"
    location = REGIONS[r].location if r >= 0 else ""
    return {
        "line_item_usage_account_id": account.account_id,
        "line_item_usage_account_name": account.name,
        "line_item_product_code": profile.product_code,
        "product_servicecode": profile.servicecode or profile.product_code,
        "product_product_name": profile.product_name,
        "product_product_family": profile.family,
        "line_item_usage_type": usage_type(p, r),
        "product_usagetype": usage_type(p, r),
        "line_item_operation": profile.operation,
        "product_operation": profile.operation,
        "line_item_availability_zone": catalog.zones[index],
        "line_item_resource_id": catalog.resource_ids[index],
        "pricing_unit": profile.unit,
        "product_region_code": REGIONS[r].code if r >= 0 else "",
        "product_location": location,
        "product_location_type": "AWS Region" if r >= 0 else "",
        "product_from_location": "United States" if is_transfer else "",
        "product_to_location": "External" if is_transfer else "",
        "product_instance_type": profile.instance_type,
        "product_instance_family": profile.instance_type.removeprefix("db.").split(".")[0],
        "product_sku": code,
        "pricing_rate_code": f"{code}.JRTCKXETXF.6YS6EN2CT7",
        "pricing_rate_id": str(int(code[:8], 16)),
    }


def _product_map(catalog: Catalog, index: int) -> dict[str, str]:
    profile = PROFILES[int(catalog.profile[index])]
    region = int(catalog.region[index])
    attributes = {"servicename": profile.product_name}
    if region >= 0:
        attributes["region"] = REGIONS[region].code
    if profile.instance_type in SPECS:
        attributes["vcpu"], attributes["memory"] = SPECS[profile.instance_type]
        attributes["operating_system"] = "Linux" if profile.product_code == "AmazonEC2" else ""
    return attributes


def _descriptions(catalog: Catalog, index: int) -> list[str]:
    profile = PROFILES[int(catalog.profile[index])]
    rate = float(catalog.rate[index])
    what = usage_type(int(catalog.profile[index]), int(catalog.region[index]))
    return [
        f"USD {rate:.10g} per {profile.unit} for {what}",
        f"{what} covered by Savings Plan",
        f"USD 0.0 hourly fee per {profile.instance_type or what} reserved instance",
    ]


def usage_block(ctx: MonthContext, rows: UsageRows) -> Block:
    """One block holding the month's Usage, SavingsPlanCoveredUsage and DiscountedUsage lines."""
    catalog, pools, month = ctx.catalog, ctx.pools, ctx.month
    if len(rows) == 0:
        return Block(0, {})
    present = np.unique(rows.resource)
    lookup = np.zeros(len(catalog), dtype=np.int64)
    lookup[present] = np.arange(len(present))
    res = lookup[rows.resource]  # index into `present`
    per_resource = [_resource_strings(catalog, int(i)) for i in present]
    cols: dict = {
        name: pools.strings.codes([s[name] for s in per_resource])[res] for name in per_resource[0]
    }
    descriptions = np.array([pools.strings.codes(_descriptions(catalog, int(i))) for i in present])
    nf = np.array([PROFILES[int(catalog.profile[i])].normalization or np.nan for i in present])
    rate = catalog.rate[rows.resource]
    is_cov, is_disc = rows.line_type == COVERED, rows.line_type == DISCOUNTED
    start = month.start_ms + rows.hour.astype(np.int64) * HOUR_MS
    unblended = np.where(is_disc, 0, rows.od_units)
    charged_rate = np.where(is_disc, 0.0, rate)
    cols |= {
        "identity_time_interval": ctx.hour_codes()[rows.hour],
        "line_item_usage_start_date": start,
        "line_item_usage_end_date": start + HOUR_MS,
        "line_item_line_item_type": pools.strings.codes(USAGE_TYPES)[rows.line_type],
        "line_item_usage_amount": rows.amount,
        "line_item_normalization_factor": nf[res],
        "line_item_normalized_usage_amount": rows.amount * nf[res],
        "line_item_unblended_rate": charged_rate,
        "line_item_unblended_cost": unblended,
        "line_item_blended_rate": charged_rate,
        "line_item_blended_cost": unblended,
        "line_item_line_item_description": descriptions[res, rows.line_type],
        "pricing_public_on_demand_cost": rows.od_units,
        "pricing_public_on_demand_rate": rate,
        "pricing_term": np.where(is_disc, ctx.code("Reserved"), ctx.code("OnDemand")),
        "resource_tags": pools.maps.codes([catalog.tags[i] for i in present])[res],
        "cost_category": pools.maps.codes([cost_category(i) for i in range(len(ACCOUNTS))])[
            catalog.account[rows.resource]
        ],
        "product": pools.maps.codes([_product_map(catalog, int(i)) for i in present])[res],
    }
    cols |= _plan_columns(ctx, rows, is_cov) | _reservation_columns(ctx, rows, is_disc)
    return Block(len(rows), cols)


def _masked_codes(
    ctx: MonthContext, values: list[str], index: np.ndarray, mask: np.ndarray
) -> np.ndarray:
    codes = ctx.pools.strings.codes(values) if values else np.zeros(1, dtype=np.int32)
    return np.where(mask, codes[np.maximum(index, 0)], ctx.code(""))


def _masked(values: list[int], index: np.ndarray, mask: np.ndarray) -> np.ndarray:
    table = np.array(values or [0], dtype=np.int64)
    return np.where(mask, table[np.maximum(index, 0)], NULL_INT)


def _plan_columns(ctx: MonthContext, rows: UsageRows, mask: np.ndarray) -> dict:
    plans, k = ctx.plans, rows.plan
    return {
        "savings_plan_savings_plan_a_r_n": _masked_codes(ctx, [p.arn for p in plans], k, mask),
        "savings_plan_offering_type": _masked_codes(ctx, [p.offering_type for p in plans], k, mask),
        "savings_plan_payment_option": _masked_codes(
            ctx, [p.payment_option for p in plans], k, mask
        ),
        "savings_plan_purchase_term": _masked_codes(ctx, [p.term for p in plans], k, mask),
        "savings_plan_start_time": _masked([p.start_ms for p in plans], k, mask),
        "savings_plan_end_time": _masked([p.end_ms for p in plans], k, mask),
        "savings_plan_savings_plan_effective_cost": np.where(mask, rows.plan_units, NULL_INT),
        "savings_plan_savings_plan_rate": np.where(mask, rows.plan_rate, np.nan),
    }


def _reservation_columns(ctx: MonthContext, rows: UsageRows, mask: np.ndarray) -> dict:
    ris, k = ctx.reservations, rows.reservation
    amortized = np.rint(_masked([r.amortized_units for r in ris], k, mask) * rows.amount)
    recurring = np.rint(_masked([r.recurring_units for r in ris], k, mask) * rows.amount)
    amortized = np.where(mask, amortized, NULL_INT).astype(np.int64)
    recurring = np.where(mask, recurring, NULL_INT).astype(np.int64)
    return {
        "reservation_reservation_a_r_n": _masked_codes(ctx, [r.arn for r in ris], k, mask),
        "pricing_purchase_option": _masked_codes(ctx, [r.payment_option for r in ris], k, mask),
        "pricing_lease_contract_length": _masked_codes(ctx, [r.term for r in ris], k, mask),
        "pricing_offering_class": np.where(mask, ctx.code("standard"), ctx.code("")),
        "reservation_start_time": _masked([r.start_ms for r in ris], k, mask),
        "reservation_end_time": _masked([r.end_ms for r in ris], k, mask),
        "reservation_amortized_upfront_cost_for_usage": amortized,
        "reservation_recurring_fee_for_usage": recurring,
        "reservation_effective_cost": np.where(mask, amortized + recurring, NULL_INT),
    }


def negation_block(ctx: MonthContext, usage: Block, rows: UsageRows) -> Block:
    """`SavingsPlanNegation` lines: each covered line again, with its unblended cost negated.

    Usage amount and public on-demand cost are zero here so that summing them over all line
    types does not count covered usage twice.
    """
    covered = rows.line_type == COVERED
    cols = {k: v[covered] if isinstance(v, np.ndarray) else v for k, v in usage.cols.items()}
    n = int(covered.sum())
    # one description per (account, sku) pair, coded once and gathered back to the rows
    account = cols["line_item_usage_account_id"].astype(np.int64)
    product_sku = cols["product_sku"].astype(np.int64)
    pairs, inverse = np.unique(account * (1 << 32) + product_sku, return_inverse=True)
    values = ctx.pools.strings.values
    texts = [
        f"SavingsPlanNegation used by AccountId : {values[int(pair) >> 32]} "
        f"and UsageSku : {values[int(pair) & 0xFFFFFFFF]}"
        for pair in pairs
    ]
    descriptions = ctx.pools.strings.codes(texts)[inverse.reshape(-1)]
    negated = -cols["line_item_unblended_cost"]
    cols |= {
        "line_item_line_item_type": "SavingsPlanNegation",
        "line_item_unblended_cost": negated,
        "line_item_blended_cost": negated,
        "line_item_unblended_rate": -cols["line_item_unblended_rate"],
        "line_item_blended_rate": -cols["line_item_blended_rate"],
        "line_item_usage_amount": np.zeros(n),
        "line_item_normalized_usage_amount": np.zeros(n),
        "line_item_line_item_description": descriptions,
        "pricing_public_on_demand_cost": np.zeros(n, dtype=np.int64),
        "savings_plan_savings_plan_effective_cost": None,
        "savings_plan_savings_plan_rate": None,
    }
    return Block(n, cols)
