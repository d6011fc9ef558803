"""Month-end close end to end, on DuckDB and PostgreSQL, through the real Dagster job.

load two months -> close February -> a restated February arrives -> closing March posts the
difference as adjustment lines that reference February, February's journal is unchanged ->
reopen February (reversal) -> close it again. Every amount is checked against gold with Decimal.
"""

from __future__ import annotations

import hashlib
import json
import os
import uuid
from collections.abc import Iterator
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from click.testing import CliRunner

from ingestion.sample_data import generate
from orchestration.cli import main
from orchestration.finance.close import (
    CENT,
    CloseError,
    close_period,
    parse_period,
    reopen_period,
)
from orchestration.finance.ledger import Ledger
from orchestration.runner import run_months
from tests.conftest import _admin_connection
from tests.warehouse_utils import query, use_warehouse

FEB, MAR = date(2025, 2, 1), date(2025, 3, 1)


@pytest.fixture(scope="module", params=["duckdb", "postgres"])
def warehouse(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    """A fresh warehouse with two generated months built by the pipeline job."""
    root = tmp_path_factory.mktemp(f"close-{request.param}")
    database = f"finops_close_{uuid.uuid4().hex[:8]}"
    if request.param == "postgres":
        with _admin_connection() as con:
            con.execute(f'create database "{database}"')
    sample = generate(root / "sample", months=2, scale=3_000, seed=11)
    # the restatement: the same payers' February, regenerated with other draws
    restated = generate(root / "restated", months=2, scale=3_000, seed=12)
    with use_warehouse(request.param, root / "wh.duckdb", database):
        os.environ["FINOPS_AWS_CUR_PATH"] = str(sample.roots["aws"])
        try:
            assert run_months("2025-02", "2025-03").success
            os.environ["FINOPS_RESTATED_PATH"] = str(restated.roots["aws"])
            yield request.param
        finally:
            os.environ.pop("FINOPS_AWS_CUR_PATH", None)
            os.environ.pop("FINOPS_RESTATED_PATH", None)
    if request.param == "postgres":
        with _admin_connection() as con:
            con.execute(f'drop database if exists "{database}" with (force)')


def _decimal(value: object) -> Decimal:
    return Decimal(str(value))


def _draft(period: date) -> dict[tuple[str, str, str, str], Decimal]:
    rows = query(
        "select legal_entity, currency, cost_center, gl_account, amount"
        " from gold.fct_chargeback_draft where billing_period = ?",
        (period,),
    )
    return {(e, c, cc, a): _decimal(v).quantize(Decimal("0.01")) for e, c, cc, a, v in rows}


def _posted(reference: date) -> dict[tuple[str, str, str, str], Decimal]:
    rows = query(
        "select legal_entity, currency, cost_center, gl_account, sum(debit) - sum(credit)"
        " from finance.journal_lines where reference_period = ? and cost_center is not null"
        " group by legal_entity, currency, cost_center, gl_account",
        (reference,),
    )
    return {(e, c, cc, a): _decimal(v) for e, c, cc, a, v in rows if _decimal(v) != 0}


def _journal(journal_id: str) -> list[tuple[object, ...]]:
    return query(
        "select line_id, reference_period, line_kind, legal_entity, cost_center, gl_account,"
        " currency, debit, credit from finance.journal_lines where journal_id = ?"
        " order by line_id",
        (journal_id,),
    )


def _balanced(journal_id: str) -> None:
    rows = query(
        "select legal_entity, currency, sum(debit), sum(credit) from finance.journal_lines"
        " where journal_id = ? group by legal_entity, currency",
        (journal_id,),
    )
    assert rows, f"{journal_id} has no lines"
    for entity, currency, debit, credit in rows:
        assert _decimal(debit) == _decimal(credit), (journal_id, entity, currency)


def test_allocation_is_complete_and_each_line_counted_once(warehouse: str) -> None:
    totals = {
        (str(p)[:7], c): (_decimal(b), _decimal(e))
        for p, c, b, e in query(
            "select x_billing_period, billing_currency, sum(billed_cost), sum(effective_cost)"
            " from gold.fct_cost group by 1, 2"
        )
    }
    allocated = {
        (str(p)[:7], c): (_decimal(b), _decimal(e))
        for p, c, b, e in query(
            "select x_billing_period, billing_currency, sum(billed_cost), sum(effective_cost)"
            " from gold.fct_cost_allocated group by 1, 2"
        )
    }
    assert set(totals) == set(allocated) and len(totals) == 2
    for key, (billed, effective) in totals.items():
        assert abs(allocated[key][0] - billed) < Decimal("0.01"), key
        assert abs(allocated[key][1] - effective) < Decimal("0.01"), key
    [(lines, distinct)] = query(
        "select count(*), count(distinct x_cost_line_id) from gold.fct_cost"
    )
    assert lines == distinct
    [(unallocated_methods,)] = query(
        "select count(*) from gold.fct_cost where x_team is null"
        " and x_allocation_method not in ('unallocated', 'shared_pool')"
    )
    assert unallocated_methods == 0


def _execute(sql: str, params: tuple[object, ...]) -> None:
    ledger = Ledger()
    try:
        with ledger.transaction():
            ledger.execute(sql, params)
    finally:
        ledger.close()


def _controls_tie_to_gold(journal_id: str, period: date) -> None:
    """The close record's invoice controls equal gold and the draft, per currency, to the cent."""
    [(control,)] = query(
        "select invoice_control from finance.period_closes where journal_id = ?", (journal_id,)
    )
    billed = query(
        "select billing_currency, sum(billed_cost) from gold.fct_cost"
        " where x_billing_period = ? and x_provider != 'kubernetes' group by 1",
        (period,),
    )
    charges = dict(
        query(
            "select currency, sum(amount) from gold.fct_chargeback_draft"
            " where billing_period = ? group by 1",
            (period,),
        )
    )
    recorded = json.loads(control)
    assert set(recorded) == {currency for currency, _ in billed}
    for currency, total in billed:
        assert Decimal(recorded[currency]["invoice_total"]) == _decimal(total).quantize(CENT)
        assert recorded[currency]["gold_billed_cost"] == recorded[currency]["invoice_total"]
        assert Decimal(recorded[currency]["journal_charges"]) == _decimal(
            charges[currency]
        ).quantize(CENT)
        assert recorded[currency]["unreconciled_invoices"] == "0"


def test_close_restate_adjust_reopen(warehouse: str, tmp_path: Path) -> None:
    # March is the open month: its lines have no invoice id yet, so it is not close-ready
    with pytest.raises(CloseError, match="not close-ready"):
        close_period(MAR)
    with pytest.raises(CloseError, match="needs --reason"):
        close_period(MAR, force=True)

    # an invoice that does not reconcile blocks the close and is named
    [(key, variance)] = query(
        "select invoice_reconciliation_id, variance from gold.rpt_invoice_reconciliation"
        " where billing_period = ? and x_provider = 'aws' order by 1 limit 1",
        (FEB,),
    )
    _execute(
        "update gold.rpt_invoice_reconciliation set status = 'variance', variance = -12.3456"
        " where invoice_reconciliation_id = ?",
        (key,),
    )
    with pytest.raises(CloseError, match=r"1 invoice\(s\) that do not reconcile \(aws .*-12\.35"):
        close_period(FEB)
    _execute(
        "update gold.rpt_invoice_reconciliation set status = 'matched', variance = ?"
        " where invoice_reconciliation_id = ?",
        (variance, key),
    )

    first = close_period(FEB, closed_by="test")
    assert first.journal_id == "JE-202502-01" and first.adjustments == 0
    _controls_tie_to_gold("JE-202502-01", FEB)
    _balanced("JE-202502-01")
    assert _posted(FEB) == {k: v for k, v in _draft(FEB).items() if v != 0}
    original = _journal("JE-202502-01")
    assert close_period(FEB).noop  # closing twice changes nothing
    assert _journal("JE-202502-01") == original

    # a restated February replaces the month in gold ...
    before = _draft(FEB)
    os.environ["FINOPS_AWS_CUR_PATH"] = os.environ["FINOPS_RESTATED_PATH"]
    assert run_months("2025-02", "2025-02").success
    after = _draft(FEB)
    assert after != before
    # ... and posts as adjustments in the next close, never as an edit of February's journal
    march = close_period(MAR, closed_by="test", force=True, reason="test: close the open month")
    assert march.adjustments > 0
    _balanced(march.journal_id)
    assert _journal("JE-202502-01") == original
    adjustments = query(
        "select count(*) from finance.journal_lines where journal_id = ?"
        " and line_kind = 'adjustment' and reference_period = ?",
        (march.journal_id, FEB),
    )
    assert adjustments[0][0] == march.adjustments
    assert _posted(FEB) == {k: v for k, v in after.items() if v != 0}
    [(forced, reason)] = query(
        "select forced, reason from finance.period_closes where journal_id = ?",
        (march.journal_id,),
    )
    assert forced and reason == "test: close the open month"

    # reopen February: a reversal nets its closing journal to zero, the original stays
    with pytest.raises(CloseError, match="needs --reason"):
        reopen_period(FEB, "")
    reversal = reopen_period(FEB, "restated invoice", reopened_by="test")
    assert reversal.line_count == len(original)
    assert _journal("JE-202502-01") == original
    [(net,)] = query(
        "select sum(debit) - sum(credit) from finance.journal_lines"
        " where journal_id in ('JE-202502-01', ?) and cost_center = ?",
        (reversal.journal_id, original[0][4]),
    )
    assert _decimal(net) == 0
    again = close_period(FEB, closed_by="test")
    assert again.journal_id == "JE-202502-02"
    [(actions,)] = query(
        "select count(*) from finance.period_closes where billing_period = ?", (FEB,)
    )
    assert actions == 3


def test_export_is_reproducible_and_refuses_unknown_periods(warehouse: str, tmp_path: Path) -> None:
    if not query("select count(*) from finance.period_closes where billing_period = ?", (FEB,))[0][
        0
    ]:
        close_period(FEB, closed_by="test")
    runner = CliRunner()
    first, second = tmp_path / "a.csv", tmp_path / "b.csv"
    for out in (first, second):
        result = runner.invoke(
            main, ["export", "chargeback", "--period", "2025-02", "--out", str(out)]
        )
        assert result.exit_code == 0, result.output
    assert first.read_bytes() == second.read_bytes()
    header = first.read_text().splitlines()[0]
    assert header.startswith("journal_id,line_id,billing_period,reference_period")
    assert hashlib.sha256(first.read_bytes()).hexdigest()
    result = runner.invoke(
        main, ["export", "chargeback", "--period", "2019-01", "--out", str(first)]
    )
    assert result.exit_code != 0 and "no posted journal" in result.output
    with pytest.raises(CloseError, match="YYYY-MM"):
        parse_period("2025/02")
