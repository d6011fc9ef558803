"""Recorded commitment terms end to end, on DuckDB and PostgreSQL.

Two AWS sample months are loaded. The analyst records two commitments in
silver.commitment_terms (as `dbt seed` would load the CSV): a SaaS licence bought three months
before the first loaded month, by team payments, and one of the sample's own AWS commitments,
which the CUR already amortizes. After the build, fct_cost carries the licence's monthly share
in the loaded months (computed here with Decimal) and nothing for the AWS commitment; allocation
still conserves cost per period and currency; the buyer gets the licence under the shipped
`purchase: direct` policy and the central team under `central`; the bronze reconcile test and
the invoice reconciliation ignore the lines (billed 0, on no invoice).
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from tests.conftest import _admin_connection
from tests.dbt_helpers import run_dbt
from tests.warehouse_utils import query, use_warehouse

LICENCE = "acme-apm-2024"
UPFRONT = Decimal("1000.00")
TERM = 12
BUILD = ("--select", "+fct_cost_allocated", "+rpt_invoice_reconciliation")
CHECKS = ("--select", "assert_allocation_is_complete", "assert_gold_costs_reconcile_to_bronze")
LINE_TYPE = "RecordedCommitmentAmortization"


def _month_shares(upfront: Decimal, term: int) -> list[Decimal]:
    """Whole cents per month, the spare cents one each to the first months."""
    cents = int(upfront * 100)
    base, spare = divmod(cents, term)
    return [Decimal(base + (1 if month < spare else 0)) / 100 for month in range(term)]


def _months_before(month: date, count: int) -> date:
    index = month.year * 12 + month.month - 1 - count
    return date(index // 12, index % 12 + 1, 1)


def _execute(sql: str, params: tuple = ()) -> None:
    from orchestration.finance.ledger import Ledger

    ledger = Ledger()
    try:
        with ledger.transaction():
            ledger.execute(sql, params)
    finally:
        ledger.close()


def _record_terms(first_month: date, aws_commitment: str) -> None:
    """The analyst's two rows of seeds/allocation/commitment_terms.csv."""
    insert = (
        "insert into silver.commitment_terms (provider, provider_name, billing_account_id,"
        " commitment_discount_id, commitment_discount_name, commitment_discount_type,"
        " commitment_discount_category, purchase_date, term_months, upfront_amount,"
        " billing_currency, team) values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
    )
    bought = _months_before(first_month, 3).replace(day=20)
    _execute(insert, ("saas", "Acme", "Acme", LICENCE, "Acme APM annual", "Licence", "Spend",
                      bought, TERM, UPFRONT, "USD", "Payments"))  # fmt: skip
    _execute(insert, ("aws", "AWS", "123", aws_commitment, None, "Savings Plan", "Spend",
                      first_month, 12, Decimal("500.00"), "USD", None))  # fmt: skip


def _licence_lines() -> dict[date, tuple[Decimal, Decimal, str | None, str]]:
    return {
        period: (Decimal(str(billed)), Decimal(str(effective)), team, method)
        for period, billed, effective, team, method in query(
            "select x_billing_period, billed_cost, effective_cost, x_team, x_allocation_method"
            " from gold.fct_cost where commitment_discount_id = ?",
            (LICENCE,),
        )
    }


def _allocated_licence() -> dict[date, tuple[str | None, str, Decimal]]:
    return {
        period: (team, method, Decimal(str(effective)))
        for period, team, method, effective in query(
            "select x_billing_period, x_team, x_allocation_method, sum(effective_cost)"
            " from gold.fct_cost_allocated where billing_account_id = 'Acme'"
            " group by x_billing_period, x_team, x_allocation_method"
        )
    }


@pytest.fixture(
    scope="module", params=["duckdb", pytest.param("postgres", marks=pytest.mark.postgres)]
)
def recorded(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[Path, list[date], str]]:
    """Load, seed, record the terms, build; yields (dbt tmp dir, loaded months, AWS commitment)."""
    from ingestion.aws_cur import DATASET_NAME, aws_cur
    from ingestion.sample_data import generate
    from ingestion.warehouse import make_pipeline

    tmp = tmp_path_factory.mktemp(f"commitment_terms_{request.param}")
    database = f"finops_terms_{uuid.uuid4().hex[:8]}"
    if request.param == "postgres":
        with _admin_connection() as con:
            con.execute(f'create database "{database}"')
    try:
        sample = generate(tmp / "sample", months=2, scale=600, seed=11)
        with use_warehouse(request.param, tmp / "warehouse.duckdb", database):
            make_pipeline("aws_cur", DATASET_NAME).run(aws_cur(str(sample.roots["aws"])))
            run_dbt(tmp, "seed", "--select", "path:seeds")
            months = [p for (p,) in query("select distinct billing_period"
                                          " from raw_aws_cur.line_items order by 1")]  # fmt: skip
            # a Savings Plan the CUR amortizes (covered usage with effective cost) every month
            (aws_commitment,) = query(
                "select min(savings_plan_savings_plan_a_r_n) from ("
                " select savings_plan_savings_plan_a_r_n from raw_aws_cur.line_items"
                " where line_item_line_item_type = 'SavingsPlanCoveredUsage'"
                " and savings_plan_savings_plan_effective_cost > 0"
                " group by savings_plan_savings_plan_a_r_n"
                f" having count(distinct billing_period) = {len(months)}) as amortized"
            )[0]
            assert aws_commitment, "the AWS sample should amortize a Savings Plan every month"
            _record_terms(months[0], aws_commitment)
            run_dbt(tmp, "run", *BUILD)
            yield tmp, months, aws_commitment
    finally:
        if request.param == "postgres":
            with _admin_connection() as con:
                con.execute(f'drop database if exists "{database}" with (force)')


def test_a_commitment_bought_before_the_first_month_shows_its_share_in_loaded_months(
    recorded,
) -> None:
    _, months, _ = recorded
    shares = _month_shares(UPFRONT, TERM)
    assert sum(shares) == UPFRONT  # the split itself: 4 months of 83.34, 8 of 83.33
    # bought three months before the first loaded month: the loaded months are months 4 and 5
    assert _licence_lines() == {
        months[0]: (Decimal(0), shares[3], "payments", "tag"),
        months[1]: (Decimal(0), shares[4], "payments", "tag"),
    }
    assert shares[3] == Decimal("83.34") and shares[4] == Decimal("83.33")


def test_months_the_export_amortizes_get_no_recorded_line(recorded) -> None:
    _, months, aws_commitment = recorded
    # the export's own amortization of the commitment stands in every month
    amortized = query(
        "select distinct x_billing_period from gold.fct_cost where commitment_discount_id = ?"
        " and effective_cost != 0 order by 1",
        (aws_commitment,),
    )
    assert [period for (period,) in amortized] == months
    recorded_lines = query(
        "select count(*) from gold.fct_cost where x_line_item_type = ?", (LINE_TYPE,)
    )
    assert recorded_lines == [(2,)]  # the licence's two months only
    assert query(
        "select count(*) from gold.fct_cost where commitment_discount_id = ?"
        " and x_line_item_type = ?",
        (aws_commitment, LINE_TYPE),
    ) == [(0,)]


def test_allocation_conserves_cost_and_reconciliations_ignore_the_lines(recorded) -> None:
    tmp, months, _ = recorded
    run_dbt(tmp, "test", *CHECKS)  # allocated + unallocated = total; gold = bronze billed
    shares = _month_shares(UPFRONT, TERM)
    assert _allocated_licence() == {
        months[0]: ("payments", "tag", shares[3]),
        months[1]: ("payments", "tag", shares[4]),
    }
    assert query(
        "select count(*) from gold.rpt_invoice_reconciliation where billing_account_id = 'Acme'"
    ) == [(0,)]


def test_central_policy_moves_the_commitment_cost_to_the_central_team(recorded) -> None:
    tmp, months, _ = recorded
    _execute("update silver.charge_policy set policy = 'central', target_team = 'central'"
             " where charge_kind = 'purchase'")  # fmt: skip
    run_dbt(tmp, "run", "--select", "int_allocation_decisions", "fct_cost", "fct_cost_allocated")
    run_dbt(tmp, "test", "--select", "assert_allocation_is_complete")
    shares = _month_shares(UPFRONT, TERM)
    assert _allocated_licence() == {
        months[0]: ("central", "charge_policy", shares[3]),
        months[1]: ("central", "charge_policy", shares[4]),
    }
