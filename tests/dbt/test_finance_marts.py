"""Finance marts (budgets, alert events, KPIs, unit economics) built for real on DuckDB and
PostgreSQL.

The AWS and business-metrics samples (two months, the second still open) are loaded with the
real dlt sources, the dbt project is seeded and built up to the finance marts, and every figure
checked here is computed again in Python from gold.fct_cost_allocated / gold.fct_cost rows, the
budgets seed CSV and the business-metrics CSV files, with Decimal, to the cent (unit costs and
margins to 1e-6).
"""

from __future__ import annotations

import calendar
import csv
from collections import defaultdict
from collections.abc import Iterator
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from tests.dbt_helpers import PROJECT_DIR, run_dbt
from tests.warehouse_utils import query, use_warehouse

BUDGETS_CSV = PROJECT_DIR / "seeds" / "planning" / "budgets.csv"
RATES_CSV = PROJECT_DIR / "seeds" / "planning" / "budget_fx_rates.csv"
CENT = Decimal("0.01")


def cents(amount: Decimal) -> Decimal:
    """Amount rounded to the cent."""
    return Decimal(amount).quantize(CENT)


def build(kind: str, tmp: Path, pg_database: str | None) -> Iterator[Path]:
    """Generate, load and build one warehouse; yields with the environment pointing at it."""
    from ingestion import business_metrics
    from ingestion.aws_cur import DATASET_NAME, aws_cur
    from ingestion.sample_data import generate
    from ingestion.warehouse import make_pipeline

    sample = generate(
        tmp / "sample", months=2, scale=2000, seed=7, providers=("aws", "business_metrics")
    )
    with use_warehouse(kind, tmp / "warehouse.duckdb", pg_database):
        make_pipeline("aws_cur", DATASET_NAME).run(aws_cur(str(sample.roots["aws"])))
        metrics_root = sample.roots["business_metrics"]
        make_pipeline("business_metrics", business_metrics.DATASET_NAME).run(
            business_metrics.dlt_source(str(metrics_root))
        )
        run_dbt(tmp, "seed", "--select", "path:seeds")
        run_dbt(tmp, "build", "--select", "+path:models/gold/finance")
        yield metrics_root


@pytest.fixture(
    scope="module", params=["duckdb", pytest.param("postgres", marks=pytest.mark.postgres)]
)
def warehouse(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory):
    """A built warehouse of each kind (PostgreSQL: the session's throwaway database); yields
    the business-metrics sample folder."""
    tmp = tmp_path_factory.mktemp(f"finance_{request.param}")
    database = request.getfixturevalue("postgres_database") if request.param == "postgres" else None
    yield from build(request.param, tmp, database)


def budgets() -> list[dict[str, str]]:
    """The budgets seed as the analyst wrote it."""
    with BUDGETS_CSV.open(newline="") as handle:
        return list(csv.DictReader(handle))


def rates() -> dict[tuple[str, str, str], Decimal]:
    """(month, from, to) -> rate from the budget_fx_rates seed."""
    with RATES_CSV.open(newline="") as handle:
        return {
            (r["month"], r["from_currency"], r["to_currency"]): Decimal(r["rate"])
            for r in csv.DictReader(handle)
        }


def allocated_rows() -> list[tuple]:
    """fct_cost_allocated: period, currency, team, cost center, charge date, effective cost."""
    return query(
        "select x_billing_period, billing_currency, x_team, x_cost_center, charge_date,"
        " effective_cost from gold.fct_cost_allocated"
    )


def expected_budget_figures() -> dict[tuple[str, str, str, str], tuple]:
    """(scope_type, scope, month, currency) -> (actual, projected or None, missing_rate)."""
    rows = allocated_rows()
    last_day: dict[date, date] = {}
    for period, _, _, _, charge_date, _ in rows:
        if charge_date is not None:
            last_day[period] = max(last_day.get(period, charge_date), charge_date)
    costs: dict[tuple, Decimal] = defaultdict(Decimal)
    for period, currency, team, cost_center, _, effective in rows:
        for scope_type, scope in (("team", team), ("cost_center", cost_center)):
            if scope is not None:
                costs[(scope_type, scope, period, currency)] += Decimal(effective)
    fx = rates()
    expected = {}
    for line in budgets():
        period = date.fromisoformat(f"{line['month']}-01")
        actual, missing = Decimal(0), False
        for (scope_type, scope, cost_period, currency), amount in costs.items():
            if (scope_type, scope, cost_period) != (line["scope_type"], line["scope"], period):
                continue
            if currency == line["currency"]:
                actual += amount
            elif (line["month"], currency, line["currency"]) in fx:
                actual += amount * fx[(line["month"], currency, line["currency"])]
            else:
                missing = True
        days = calendar.monthrange(period.year, period.month)[1]
        elapsed = (last_day[period] - period).days + 1 if period in last_day else 0
        projected = None if elapsed == 0 else actual * days / min(elapsed, days)
        key = (line["scope_type"], line["scope"], line["month"], line["currency"])
        expected[key] = (actual, projected, missing)
    return expected


def test_budget_actual_and_run_rate_projection_match_allocated_cost(warehouse) -> None:
    got = {
        (scope_type, scope, str(period)[:7], currency): (actual, projected, method, status)
        for scope_type, scope, period, currency, actual, projected, method, status in query(
            "select scope_type, scope, billing_period, budget_currency, actual_cost,"
            " projected_cost, projection_method, currency_status from gold.rpt_budget_vs_actual"
        )
    }
    expected = expected_budget_figures()
    assert set(got) == set(expected)
    assert any(actual > 0 for actual, _, _ in expected.values()), "no budget had any cost"
    for key, (actual, projected, missing) in expected.items():
        got_actual, got_projected, method, status = got[key]
        assert cents(got_actual) == cents(actual), key
        # no forecasts were made here, so every projection is the run-rate or the actual
        assert method in ("month_complete", "run_rate", "no_data"), key
        if projected is None:
            assert got_projected is None, key
        else:
            assert cents(got_projected) == cents(projected), key
        assert (status == "missing_exchange_rate") == missing, key


def test_budget_status_follows_the_thresholds(warehouse) -> None:
    for actual, budget, status in query(
        "select actual_cost, budget_amount, actual_status from gold.rpt_budget_vs_actual"
    ):
        share = Decimal(actual) * 100 / Decimal(budget)
        reached = [t for t in (50, 80, 100) if share >= t]
        assert status == (f"over_{reached[-1]}" if reached else "under_50"), (actual, budget)


def test_alert_events_are_the_first_days_the_running_total_crossed(warehouse) -> None:
    daily: dict[str, dict[date, Decimal]] = defaultdict(lambda: defaultdict(Decimal))
    for budget_id, charge_date, amount in query(
        "select budget_id, charge_date, cost_in_budget_currency from gold.int_budget_daily_costs"
        " where cost_in_budget_currency is not null"
    ):
        daily[budget_id][charge_date] += Decimal(amount)
    amounts = dict(query("select budget_id, budget_amount from gold.rpt_budget_vs_actual"))
    expected = {}
    for budget_id, days in daily.items():
        running = Decimal(0)
        for day in sorted(days):
            running += days[day]
            for threshold in (50, 80, 100):
                if running * 100 >= Decimal(amounts[budget_id]) * threshold:
                    expected.setdefault((budget_id, threshold), day)
    got = {
        (budget_id, threshold): crossed_on
        for budget_id, threshold, crossed_on in query(
            "select budget_id, threshold_pct, crossed_on from gold.fct_budget_alert_events"
            " where basis = 'actual'"
        )
    }
    assert expected, "no threshold was crossed: the demo budgets should produce some"
    assert got == expected
    ids = [row[0] for row in query("select alert_event_id from gold.fct_budget_alert_events")]
    assert len(ids) == len(set(ids))


def test_kpi_coverage_figures_match_cost_rows(warehouse) -> None:
    tagged: dict[tuple, list[Decimal]] = defaultdict(lambda: [Decimal(0), Decimal(0)])
    for period, currency, effective, has_tags in query(
        "select x_billing_period, billing_currency, effective_cost, x_has_mandatory_tags"
        " from gold.fct_cost where charge_category = 'Usage'"
        " and coalesce(commitment_discount_status, '') <> 'Unused'"
    ):
        tagged[(period, currency)][0] += Decimal(effective) if has_tags else Decimal(0)
        tagged[(period, currency)][1] += Decimal(effective)
    allocation: dict[tuple, list[Decimal]] = defaultdict(lambda: [Decimal(0), Decimal(0)])
    for period, currency, team, _, _, effective in allocated_rows():
        allocation[(period, currency)][0] += Decimal(effective) if team else Decimal(0)
        allocation[(period, currency)][1] += Decimal(effective)
    rows = query(
        "select billing_period, billing_currency, tagged_cost, taggable_cost, allocated_cost,"
        " effective_cost from gold.rpt_kpi_monthly where x_provider = 'all'"
    )
    assert {(p, c) for p, c, *_ in rows} == set(allocation)
    for period, currency, got_tagged, taggable, allocated, effective in rows:
        assert cents(got_tagged) == cents(tagged[(period, currency)][0])
        assert cents(taggable) == cents(tagged[(period, currency)][1])
        assert cents(allocated) == cents(allocation[(period, currency)][0])
        assert cents(effective) == cents(allocation[(period, currency)][1])


def test_budget_with_no_rate_leaves_other_currency_costs_out(warehouse) -> None:
    # the ML team is budgeted in EUR and billed in USD; the seed has rates only for Jan / Feb
    rows = query(
        "select billing_period, currency_status, excluded_currencies from"
        " gold.rpt_budget_vs_actual where scope_type = 'team' and scope = 'ml'"
        " and currency_status <> 'no_costs'"
    )
    assert rows, "ml budget lines have no costs"
    for period, status, excluded in rows:
        month = str(period)[:7]
        if (month, "USD", "EUR") in rates():
            assert status == "converted" and excluded is None
        else:
            assert status == "missing_exchange_rate" and excluded == "USD"


RATIO = Decimal("0.000001")


def ratio(numerator: Decimal | None, denominator: Decimal | None) -> Decimal | None:
    """numerator / denominator to 1e-6; None when either is missing or the denominator is 0."""
    if numerator is None or denominator is None or denominator == 0:
        return None
    return (numerator / denominator).quantize(RATIO)


def rounded(value: object) -> Decimal | None:
    return None if value is None else Decimal(value).quantize(RATIO)


def metrics_from_csv(root: Path) -> tuple[dict, dict]:
    """From the sample CSV files: (month, product) -> {metric: total, 'days': n, 'customer_days':
    sum}, and (month, product, currency) -> revenue."""
    volumes: dict[tuple[date, str], dict[str, Decimal]] = defaultdict(lambda: defaultdict(Decimal))
    revenue: dict[tuple[date, str, str], Decimal] = defaultdict(Decimal)
    for path in sorted(root.glob("*.csv")):
        with path.open(newline="") as handle:
            for row in csv.DictReader(handle):
                day = date.fromisoformat(row["date"])
                key = (day.replace(day=1), row["product"].strip().lower())
                for metric in ("orders", "transactions", "active_customers"):
                    volumes[key][metric] += Decimal(row[metric])
                volumes[key]["days"] += 1  # one row per product and day in the wide form
                revenue[(*key, row["currency"].upper())] += Decimal(row["revenue"])
    return volumes, revenue


def expected_unit_economics(root: Path) -> dict[tuple, dict[str, Decimal | None]]:
    """(period, product, currency) -> every figure of rpt_unit_economics, from Decimal sums."""
    costs: dict[tuple, list[Decimal]] = defaultdict(lambda: [Decimal(0), Decimal(0)])
    for period, currency, product, effective, billed in query(
        "select x_billing_period, billing_currency, x_product, effective_cost, billed_cost"
        " from gold.fct_cost_allocated where x_product is not null"
    ):
        costs[(period, product.strip().lower(), currency)][0] += Decimal(effective)
        costs[(period, product.strip().lower(), currency)][1] += Decimal(billed)
    volumes, revenues = metrics_from_csv(root)
    expected = {}
    for key in set(costs) | set(revenues):
        period, product, _ = key
        effective, billed = costs.get(key, (None, None))
        volume = volumes.get((period, product))
        orders = volume["orders"] if volume else None
        transactions = volume["transactions"] if volume else None
        customers = volume["active_customers"] / volume["days"] if volume else None
        revenue = revenues.get(key)
        expected[key] = {
            "effective_cost": effective,
            "billed_cost": billed,
            "orders": orders,
            "revenue": revenue,
            "active_customers": rounded(customers),
            "cost_per_order": ratio(effective, orders),
            "cost_per_transaction": ratio(effective, transactions),
            "cost_per_active_customer": ratio(effective, customers),
            "gross_margin": ratio(
                None if revenue is None or effective is None else revenue - effective, revenue
            ),
        }
    return expected


def test_unit_economics_match_an_independent_decimal_computation(warehouse: Path) -> None:
    columns = [
        "effective_cost", "billed_cost", "orders", "revenue", "active_customers",
        "cost_per_order", "cost_per_transaction", "cost_per_active_customer", "gross_margin",
    ]  # fmt: skip
    got = {
        (period, product, currency): dict(zip(columns, values, strict=True))
        for period, product, currency, *values in query(
            f"select billing_period, product, currency, {', '.join(columns)}"
            " from gold.rpt_unit_economics"
        )
    }
    expected = expected_unit_economics(warehouse)
    assert set(got) == set(expected)
    for key, figures in expected.items():
        for column, value in figures.items():
            actual = got[key][column]
            if value is None:
                assert actual is None, (key, column, actual)
            elif column in ("effective_cost", "billed_cost", "orders", "revenue"):
                assert cents(actual) == cents(value), (key, column)
            else:
                assert rounded(actual) == value, (key, column, actual, value)
    # the allocation rules give every product with business metrics a cost in the demo
    volumes, _ = metrics_from_csv(warehouse)
    for period, product in volumes:
        row = expected.get((period, product, "USD"))
        assert row and row["effective_cost"] and row["cost_per_order"], (period, product)
    for (period, product, currency), row in sorted(expected.items()):
        if row["cost_per_order"] is not None:
            print(f"{period:%Y-%m} {product} {currency}: cost/order {row['cost_per_order']}")


def test_kpi_unit_cost_is_cost_over_every_products_orders(warehouse: Path) -> None:
    volumes, _ = metrics_from_csv(warehouse)
    orders: dict[date, Decimal] = defaultdict(Decimal)
    for (period, _), volume in volumes.items():
        orders[period] += volume["orders"]
    rows = query(
        "select billing_period, effective_cost, business_orders, cost_per_order"
        " from gold.rpt_kpi_monthly"
    )
    assert rows
    for period, effective, business_orders, cost_per_order in rows:
        if period not in orders:
            assert business_orders is None and cost_per_order is None, period
            continue
        assert cents(business_orders) == cents(orders[period])
        assert rounded(cost_per_order) == ratio(Decimal(effective), orders[period])
