"""silver.int_costs_unioned: FOCUS allowed values, mandatory columns filled, price ordering.

The frame has one row per billing period, charge category, charge class, currency and
provider, with null counts of the mandatory columns and price-order violations: the whole
window is covered without reading its rows into pandas.
"""

from __future__ import annotations

from datetime import date

import great_expectations as gx

from data_tests.runner import CRITICAL, WARNING, build_suite
from data_tests.suites.common import currency_codes, period_filter

CHARGE_CATEGORIES = ("Usage", "Purchase", "Tax", "Credit", "Adjustment")
CHARGE_CLASSES = ("Correction",)  # FOCUS: ChargeClass is null or 'Correction'
MANDATORY_COLUMNS = (
    "billed_cost",
    "effective_cost",
    "list_cost",
    "contracted_cost",
    "billing_currency",
    "billing_account_id",
    "charge_category",
    "charge_period_start",
    "charge_period_end",
    "provider_name",
)


# providers round each money column on its own (Azure to 8 decimals, from unit price x quantity),
# so the ordering is checked up to rounding noise, far below a cent
ORDER_TOLERANCE = "0.0001"


def frame_sql(first: date, last: date, table: str = "silver.int_costs_unioned") -> str:
    """Aggregate of the billing window: null counts and usage price-order violations."""
    nulls = ",\n    ".join(
        f"sum(case when {name} is null then 1 else 0 end) as nulls_{name}"
        for name in MANDATORY_COLUMNS
    )
    # commitment-covered usage is left out: its effective cost carries the amortized
    # commitment while contracted cost may be zero, so the ordering does not apply to it
    return f"""
select
    x_billing_period,
    charge_category,
    charge_class,
    billing_currency,
    provider_name,
    count(*) as row_count,
    {nulls},
    sum(
        case
            when charge_category = 'Usage'
                and commitment_discount_id is null
                and not (
                    list_cost + {ORDER_TOLERANCE} >= contracted_cost
                    and contracted_cost + {ORDER_TOLERANCE} >= effective_cost
                )
                then 1
            else 0
        end
    ) as usage_price_order_violations
from {table}
where {period_filter("x_billing_period", first, last)}
group by x_billing_period, charge_category, charge_class, billing_currency, provider_name
"""


def suite() -> gx.ExpectationSuite:
    """Allowed values and filled mandatory columns block; price ordering only warns."""
    expectations = [
        gx.expectations.ExpectColumnValuesToBeInSet(
            column="charge_category",
            value_set=list(CHARGE_CATEGORIES),
            severity=CRITICAL,
            meta={"name": "charge_category_allowed"},
        ),
        gx.expectations.ExpectColumnValuesToBeInSet(
            column="charge_class",
            value_set=list(CHARGE_CLASSES),
            severity=CRITICAL,
            meta={"name": "charge_class_allowed"},
        ),
        gx.expectations.ExpectColumnValuesToBeInSet(
            column="billing_currency",
            value_set=currency_codes(),
            severity=CRITICAL,
            meta={"name": "billing_currency_iso_4217"},
        ),
    ]
    expectations += [
        gx.expectations.ExpectColumnValuesToBeBetween(
            column=f"nulls_{name}",
            min_value=0,
            max_value=0,
            severity=CRITICAL,
            meta={"name": f"not_null({name})"},
        )
        for name in MANDATORY_COLUMNS
    ]
    expectations.append(
        gx.expectations.ExpectColumnValuesToBeBetween(
            column="usage_price_order_violations",
            min_value=0,
            max_value=0,
            severity=WARNING,
            meta={"name": "usage_list_ge_contracted_ge_effective"},
        )
    )
    return build_suite("int_costs_unioned_focus", expectations)
