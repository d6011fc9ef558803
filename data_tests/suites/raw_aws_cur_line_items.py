"""raw_aws_cur.line_items: required columns and types, currencies, rows dated in their period.

Two frames, both small: the table's columns from information_schema (pivoted to one row), and
one row per billing period, line item type and currency with counts and sums.
"""

from __future__ import annotations

from datetime import date

import great_expectations as gx
import pandas as pd

from data_tests.runner import CRITICAL, WARNING, build_suite
from data_tests.suites.common import currency_codes, period_filter

SCHEMA, TABLE = "raw_aws_cur", "line_items"

REQUIRED_COLUMNS = (
    "bill_payer_account_id",
    "billing_period",
    "line_item_usage_account_id",
    "line_item_line_item_type",
    "line_item_usage_start_date",
    "line_item_product_code",
    "line_item_currency_code",
    "line_item_usage_amount",
    "line_item_unblended_cost",
    "pricing_public_on_demand_cost",
)
NUMERIC_COLUMNS = (
    "line_item_usage_amount",
    "line_item_unblended_cost",
    "pricing_public_on_demand_cost",
)
NUMERIC_TYPES = r"^(?:decimal|numeric|double|float|real|bigint|integer|hugeint|smallint)"

# line types a provider may date outside the billing period they are billed in (late credits,
# refunds of earlier months, tax and one-time fees settled at invoice time)
CORRECTION_TYPES = ("Credit", "Refund", "Tax", "Fee")
# even corrections stay rare: more than 2% of a period's rows outside it means a mis-dated export
MAX_OUTSIDE_SHARE = 0.02

COLUMNS_SQL = f"""
select column_name, data_type
from information_schema.columns
where table_schema = '{SCHEMA}' and table_name = '{TABLE}'
"""


def periods_sql(first: date, last: date) -> str:
    """One row per billing period, line item type and currency of the window."""
    return f"""
select
    billing_period,
    line_item_line_item_type as line_item_type,
    line_item_currency_code as currency_code,
    count(*) as row_count,
    sum(line_item_unblended_cost) as unblended_cost,
    sum(
        case
            when line_item_usage_start_date < billing_period
                or line_item_usage_start_date >= billing_period + interval '1 month'
                then 1
            else 0
        end
    ) as outside_rows
from {SCHEMA}.{TABLE}
where {period_filter("billing_period", first, last)}
group by billing_period, line_item_line_item_type, line_item_currency_code
"""


def schema_frame(columns: pd.DataFrame) -> pd.DataFrame:
    """One row whose columns are the table's columns and whose values are their SQL types."""
    types = {row.column_name: str(row.data_type).lower() for row in columns.itertuples()}
    return pd.DataFrame([types])


def periods_frame(aggregate: pd.DataFrame) -> pd.DataFrame:
    """Add the derived columns the period suite checks (pure pandas)."""
    frame = aggregate.copy()
    frame["is_correction"] = frame["line_item_type"].isin(CORRECTION_TYPES)
    frame["uncorrected_outside_rows"] = frame["outside_rows"].where(~frame["is_correction"], 0)
    totals = frame.groupby("billing_period")[["outside_rows", "row_count"]].transform("sum")
    frame["period_outside_share"] = totals["outside_rows"] / totals["row_count"]
    return frame


def schema_suite() -> gx.ExpectationSuite:
    """Required columns exist and cost/usage columns have numeric SQL types."""
    expectations = [
        gx.expectations.ExpectColumnToExist(
            column=name, severity=CRITICAL, meta={"name": f"column_exists({name})"}
        )
        for name in REQUIRED_COLUMNS
    ]
    expectations += [
        gx.expectations.ExpectColumnValuesToMatchRegex(
            column=name, regex=NUMERIC_TYPES, severity=CRITICAL, meta={"name": f"numeric({name})"}
        )
        for name in NUMERIC_COLUMNS
    ]
    return build_suite("raw_aws_cur_line_items_schema", expectations)


def periods_suite() -> gx.ExpectationSuite:
    """Currencies are ISO 4217; rows outside their period only on corrections, and rare."""
    expectations = [
        gx.expectations.ExpectColumnValuesToNotBeNull(
            column="currency_code", severity=CRITICAL, meta={"name": "currency_present"}
        ),
        gx.expectations.ExpectColumnValuesToBeInSet(
            column="currency_code",
            value_set=currency_codes(),
            severity=CRITICAL,
            meta={"name": "currency_iso_4217"},
        ),
        gx.expectations.ExpectColumnValuesToNotBeNull(
            column="unblended_cost", severity=CRITICAL, meta={"name": "unblended_cost_present"}
        ),
        gx.expectations.ExpectColumnValuesToBeBetween(
            column="uncorrected_outside_rows",
            min_value=0,
            max_value=0,
            severity=WARNING,
            meta={"name": "outside_period_only_on_corrections"},
        ),
        gx.expectations.ExpectColumnValuesToBeBetween(
            column="period_outside_share",
            min_value=0,
            max_value=MAX_OUTSIDE_SHARE,
            severity=WARNING,
            meta={"name": "outside_period_share"},
        ),
    ]
    return build_suite("raw_aws_cur_line_items_periods", expectations)
