"""The short summary `finops demo` / `finops run` print, read from the gold marts."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from ingestion.warehouse import describe
from orchestration.lib.tables import fetch_rows

TOTALS = """
select x_provider, cast(x_billing_period as varchar) as month, billing_currency,
       sum(billed_cost) as billed, sum(effective_cost) as effective
from gold.fct_cost_daily
group by 1, 2, 3 order by 1, 2, 3
"""
TOP_TEAMS = """
select coalesce(x_team, '(unallocated)') as team, billing_currency, sum(effective_cost)
from gold.fct_cost_allocated
group by 1, 2 order by 3 desc limit 6
"""
ALLOCATION = """
select billing_currency,
       sum(case when x_is_allocated then effective_cost else 0 end), sum(effective_cost)
from gold.fct_cost_allocated
group by 1 order by 1
"""
METHODS = """
select x_allocation_method, sum(abs(effective_cost)) from gold.fct_cost_allocated
group by 1 order by 2 desc
"""
OWNER_SHARE = """
select sum(case when x_has_mandatory_tags then effective_cost else 0 end), sum(effective_cost)
from gold.fct_cost where charge_category = 'Usage'
"""


def query_gold(sql: str) -> list[tuple[Any, ...]]:
    """Rows of a read-only query on the configured warehouse."""
    return fetch_rows(sql, read_only=True)[1]


def money(value: Decimal | None) -> str:
    """Round once, at reporting: two decimals with thousands separators."""
    return f"{(value or Decimal(0)):,.2f}"


FORECAST = """
select sum(forecast), sum(lower_80), sum(upper_80), min(date), max(date)
from ml.cost_forecasts
where series_type = 'total' and made_on = (select max(made_on) from ml.cost_forecasts)
    and date < (select min(date) from ml.cost_forecasts) + interval '31 days'
"""
ANOMALIES = """
select severity, count(*), sum(impact) from ml.cost_anomalies
where series_type = 'total' group by 1 order by 3 desc
"""
COMMITMENT = """
select commitment_type, term_years, payment_option, hourly_commitment, expected_monthly_savings
from ml.commitment_recommendations order by expected_monthly_savings desc limit 1
"""
RIGHTSIZING = """
select action, count(*), sum(monthly_savings) from ml.rightsizing_recommendations
where monthly_savings > 0 group by 1 order by 3 desc
"""


def rightsizing_line() -> list[str]:
    """Savings per rightsizing action, when the table exists and has any."""
    found = query_gold(RIGHTSIZING)
    if not found:
        return []
    total = sum((Decimal(amount) for _, _, amount in found), Decimal(0))
    parts = ", ".join(f"{count} {action} {money(amount)}" for action, count, amount in found)
    return [
        f"Rightsizing and waste: ~{money(total)}/month ({parts})  (ml.rightsizing_recommendations)"
    ]


def render_ml_summary() -> list[str]:
    """Forecast, anomalies and the best commitment, when the ml tables exist."""
    lines: list[str] = []
    try:
        total, low, high, first, last = query_gold(FORECAST)[0]
        if total is not None:
            lines += [
                "",
                f"Forecast {first} .. {last} (effective, all providers): "
                f"{money(total)} (sum of daily 80% bounds: {money(low)} .. {money(high)})",
            ]
        found = query_gold(ANOMALIES)
        if found:
            parts = ", ".join(f"{count} {severity}" for severity, count, _ in found)
            lines.append(f"Anomalous days in total spend: {parts}  (ml.cost_anomalies)")
        best = query_gold(COMMITMENT)
        if best:
            kind, term, payment, hourly, monthly = best[0]
            lines.append(
                f"Best commitment: {kind} {term}y {payment} at {money(hourly)}/h, "
                f"saving ~{money(monthly)}/month  (ml.commitment_recommendations)"
            )
        lines += rightsizing_line()
    except Exception:  # ml tables are optional in the summary: gold may be built without them
        return lines
    return lines


def render_summary() -> str:
    """Totals per provider and month, top teams, owner-tag coverage, and where to look next."""
    lines = ["", "Cost per provider and billing month"]
    totals = query_gold(TOTALS)
    # as wide as the longest provider name ('kubernetes' ran into the month column)
    width = max([len("provider"), *(len(str(row[0])) for row in totals)]) + 2
    lines.append(
        f"  {'provider':<{width}}{'month':<12}{'currency':<10}{'billed':>16}{'effective':>16}"
    )
    for provider, month, currency, billed, effective in totals:
        amounts = f"{money(billed):>16}{money(effective):>16}"
        lines.append(f"  {provider:<{width}}{month[:7]:<12}{currency or '':<10}{amounts}")
    lines += ["", "Top teams by effective cost, shared costs split (all months)"]
    for team, currency, effective in query_gold(TOP_TEAMS):
        lines.append(f"  {team:<24}{currency or '':<6}{money(effective):>16}")
    lines.append("")
    for currency, allocated, total in query_gold(ALLOCATION):
        if total:
            share = Decimal(allocated or 0) / Decimal(total) * 100
            lines.append(f"Allocation coverage ({currency}): {share:.1f}% of effective cost")
    methods = query_gold(METHODS)
    weight = sum((Decimal(w or 0) for _, w in methods), Decimal(0))
    if weight:
        parts = ", ".join(f"{m} {Decimal(w or 0) / weight * 100:.0f}%" for m, w in methods)
        lines.append(f"  assigned by: {parts}")
    tagged, total = query_gold(OWNER_SHARE)[0]
    if total:
        share = Decimal(tagged or 0) / Decimal(total) * 100
        lines += ["", f"Usage cost carrying the mandatory tags (tagging coverage): {share:.1f}%"]
    lines += render_ml_summary()
    lines += [
        "",
        "Next:",
        "  make dev                      # Dagster UI on http://127.0.0.1:3000 (asset graph, runs)",
        f"  warehouse                     # {describe()}",
        "  gold tables                   # gold.fct_cost, gold.fct_cost_allocated, "
        "gold.rpt_showback_monthly, gold.focus_cost, ...",
        "  month-end close               # finops close --period YYYY-MM; "
        "finops export chargeback --period YYYY-MM --out FILE",
        "  ml tables                     # ml.cost_forecasts, ml.cost_anomalies, "
        "ml.commitment_recommendations, ml.rightsizing_recommendations",
    ]
    return "\n".join(lines)
