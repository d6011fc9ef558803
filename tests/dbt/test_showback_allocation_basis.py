"""Showback's allocation basis (var showback_allocation), built for real on DuckDB and
PostgreSQL.

Two AWS sample months are loaded and built; the first is closed with the real close
(`close_period`, which saves the allocation seeds in finance.rule_snapshots). Then the rules
change: a new team joins the hierarchy and a first-priority rule gives it every AWS line. With
the default var, showback shows the closed month as it was allocated at close and the open month
with the new rule; with `showback_allocation: as_is`, showback re-allocates the closed month with
the new rule too. The chargeback draft (what the journal posts) keeps the closed month as-was in
both runs. Expected figures come from gold.fct_cost lines, summed in Python with Decimal.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Iterator
from datetime import date, timedelta
from decimal import Decimal

import pytest

from tests.conftest import _admin_connection
from tests.dbt_helpers import run_dbt
from tests.warehouse_utils import query, use_warehouse

NEW_TEAM = "newteam"
SELECT = ("--select", "+fct_chargeback_draft", "+rpt_showback_monthly", "+rpt_showback_weekly",
          "+rpt_close_readiness", "+rpt_invoice_reconciliation")  # fmt: skip
REPORTS = ("--select", "rpt_showback_monthly", "rpt_showback_weekly", "fct_chargeback_draft")
# fct_cost methods of lines a first-priority rule takes over (policies and pools come first)
RULE_TAKES = ("virtual_tag", "tag", "tag_value_map", "account_default", "unallocated")


def _decimal(value: object) -> Decimal:
    return Decimal(str(value))


def _draft(period: date) -> dict[tuple, Decimal]:
    return {
        (entity, currency, cost_center, account): _decimal(amount)
        for entity, currency, cost_center, account, amount in query(
            "select legal_entity, currency, cost_center, gl_account, amount"
            " from gold.fct_chargeback_draft where billing_period = ?",
            (period,),
        )
    }


def _monthly(period: date) -> dict[str | None, Decimal]:
    """Showback effective cost per team of one month."""
    totals: dict[str | None, Decimal] = defaultdict(Decimal)
    for team, amount in query(
        "select x_team, effective_cost from gold.rpt_showback_monthly where billing_period = ?",
        (period,),
    ):
        totals[team] += _decimal(amount)
    return dict(totals)


def _weekly() -> dict[tuple[date, str | None], Decimal]:
    totals: dict[tuple[date, str | None], Decimal] = defaultdict(Decimal)
    for week, team, amount in query(
        "select week_start, x_team, effective_cost from gold.rpt_showback_weekly"
    ):
        totals[(week, team)] += _decimal(amount)
    return {k: v for k, v in totals.items() if v != 0}


def _expected_weekly(closed: date, as_is: bool) -> dict[tuple[date, str | None], Decimal]:
    """Weekly showback from fct_cost's lines (rebuilt after the rule change: the open month on
    the new rule, the closed month as it was closed); as-is moves the closed month's rule-taken
    lines to the new team too."""
    totals: dict[tuple[date, str | None], Decimal] = defaultdict(Decimal)
    for period, method, team, start, amount in query(
        "select x_billing_period, x_allocation_method, x_team, charge_period_start,"
        " effective_cost from gold.fct_cost where x_allocation_method != 'shared_pool'"
    ):
        if as_is and period == closed and method in RULE_TAKES:
            team = NEW_TEAM
        day = start.date() if hasattr(start, "date") else start
        week = day - timedelta(days=day.weekday())
        totals[(week, team)] += _decimal(amount)
    return {k: v for k, v in totals.items() if v != 0}


def _change_rules() -> None:
    """The analyst's change, written to the seed tables as `dbt seed` would load it."""
    from orchestration.finance.ledger import Ledger

    ledger = Ledger()
    try:
        with ledger.transaction():
            ledger.execute(
                "insert into silver.org_hierarchy (team, cost_center, department, business_unit,"
                " legal_entity, valid_from, valid_to) values (?, 'cc-new', 'eng', 'technology',"
                " 'northwind-us', date '2018-01-01', null)",
                (NEW_TEAM,),
            )
            ledger.execute(
                "insert into silver.allocation_rules (rule_id, priority, match_column,"
                " match_type, match_value, team, description) values ('vt-test-all', 1,"
                " 'x_provider', 'equals', 'aws', ?, 'every AWS line to the new team')",
                (NEW_TEAM,),
            )
    finally:
        ledger.close()


@pytest.fixture(
    scope="module", params=["duckdb", pytest.param("postgres", marks=pytest.mark.postgres)]
)
def changed(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator:
    """Build, close the first month, change the rules, rebuild; yields (tmp, closed, open_month,
    the closed month's draft before the change)."""
    from ingestion.aws_cur import DATASET_NAME, aws_cur
    from ingestion.sample_data import generate
    from ingestion.warehouse import make_pipeline
    from orchestration.finance.close import close_period

    tmp = tmp_path_factory.mktemp(f"showback_basis_{request.param}")
    # its own database: closing writes finance tables other modules must not see
    database = f"finops_basis_{uuid.uuid4().hex[:8]}"
    if request.param == "postgres":
        with _admin_connection() as con:
            con.execute(f'create database "{database}"')
    try:
        sample = generate(tmp / "sample", months=2, scale=1500, seed=5)
        with use_warehouse(request.param, tmp / "warehouse.duckdb", database):
            make_pipeline("aws_cur", DATASET_NAME).run(aws_cur(str(sample.roots["aws"])))
            run_dbt(tmp, "seed", "--select", "path:seeds")
            run_dbt(tmp, "run", *SELECT)
            closed, open_month = (p for (p,) in query(
                "select distinct x_billing_period from gold.fct_cost order by 1"
            ))  # fmt: skip
            close_period(closed, closed_by="test", force=True, reason="test: rules change after")
            before = _draft(closed)
            _change_rules()
            run_dbt(tmp, "run", *SELECT)
            yield tmp, closed, open_month, before
    finally:
        if request.param == "postgres":
            with _admin_connection() as con:
                con.execute(f'drop database if exists "{database}" with (force)')


def test_default_showback_keeps_the_closed_month_as_was(changed) -> None:
    _, closed, open_month, before = changed
    assert NEW_TEAM not in _monthly(closed)
    assert _monthly(open_month).get(NEW_TEAM, 0) > 0
    assert _weekly() == _expected_weekly(closed, as_is=False)
    assert _draft(closed) == before
    assert "cc-new" in {cc for _, _, cc, _ in _draft(open_month)}


def test_as_is_showback_reallocates_the_closed_month_but_not_the_journal(changed) -> None:
    tmp, closed, _, before = changed
    as_was_monthly = _monthly(closed)
    # the as-is tables and the reports; the module's last test, so nothing runs after on as-is
    run_dbt(tmp, "run", *REPORTS, "tag:allocation_as_is", "--vars", "{showback_allocation: as_is}")
    monthly = _monthly(closed)
    assert monthly.get(NEW_TEAM, 0) > 0
    assert sum(monthly.values()) == sum(as_was_monthly.values())  # nothing lost or added
    assert _weekly() == _expected_weekly(closed, as_is=True)
    # the closed journal's source stays as it was closed
    assert _draft(closed) == before
