"""Close, reopen and export a billing period's chargeback journal.

Closing posts, in one transaction, the period's journal (gold.fct_chargeback_draft rounded to
the cent, with one balancing clearing line per legal entity and currency), adjustment lines for
every closed period whose data was restated since it was posted, the allocation seeds as they
are now (closed periods keep this allocation), and a close record (who, when, loads, seed
checksums, journal checksum, invoice control totals). A period closes only when every provider
is close-ready and every invoice reconciles (gold.rpt_invoice_reconciliation), unless forced
with a reason. Closing twice is a no-op. Reopening posts a reversal, never an edit. Lines are
only ever appended.
"""

from __future__ import annotations

import calendar
import csv
import getpass
import hashlib
import io
import json
from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import ROUND_HALF_EVEN, Decimal
from pathlib import Path
from typing import Any

from orchestration.finance.ledger import Ledger

CENT = Decimal("0.01")
# the seeds whose rows decide allocation; saved at close so the period keeps its allocation
ALLOCATION_SEEDS = (
    "tag_key_map",
    "tag_value_map",
    "allocation_rules",
    "org_hierarchy",
    "shared_cost_pools",
    "shared_cost_targets",
    "charge_policy",
    "kubernetes_namespaces",
)
SEED_SCHEMA = "silver"
EXPORT_COLUMNS = (
    "journal_id",
    "line_id",
    "billing_period",
    "reference_period",
    "line_kind",
    "posting_date",
    "legal_entity",
    "cost_center",
    "gl_account",
    "currency",
    "cost_basis",
    "debit",
    "credit",
    "description",
)


class CloseError(Exception):
    """A close, reopen or export that cannot be done as asked; the message says why."""


@dataclass(frozen=True)
class CloseResult:
    """What a close or reopen did."""

    period: date
    action: str
    journal_id: str | None
    line_count: int
    debit_total: Decimal
    adjustments: int = 0
    noop: bool = False
    message: str = ""


def parse_period(text: str) -> date:
    """`YYYY-MM` -> first day of the month, or a CloseError saying what is expected."""
    try:
        return datetime.strptime(text.strip(), "%Y-%m").date()
    except ValueError as error:
        raise CloseError(f"period {text!r}: expected YYYY-MM, e.g. 2025-02") from error


def close_period(
    period: date, closed_by: str | None = None, force: bool = False, reason: str | None = None
) -> CloseResult:
    """Post the journal of `period` (see module docstring).

    Args:
        period: first day of the billing month.
        closed_by: who closes it (default: the OS user).
        force: close although a provider is not close-ready; needs `reason`.
        reason: why it is forced (recorded).

    Returns:
        The result; `noop` when the period was already closed.

    Raises:
        CloseError: no cost data, not close-ready without force, or force without reason.
    """
    ledger = Ledger()
    try:
        state = _state(ledger, period)
        if state and state[0] == "close":
            return CloseResult(
                period,
                "close",
                state[1],
                0,
                Decimal(0),
                noop=True,
                message=f"{period:%Y-%m} is already closed by {state[1]}",
            )
        _check_ready(ledger, period, force, reason)
        recorded_at = datetime.now(UTC).replace(tzinfo=None, microsecond=0)
        sequence = _next_sequence(ledger, period)
        journal_id = f"JE-{period:%Y%m}-{_closes_of(ledger, period) + 1:02d}"
        close_id = f"{journal_id}-close"
        basis, charges = _draft(ledger, period)
        control = _invoice_control(ledger, period, force, charges)
        lines = _balanced(charges, period, "charge", "clearing", ledger)
        adjustments = _adjustments(ledger, period)
        lines += adjustments
        rows = _number(lines, journal_id, close_id, period, basis, recorded_at)
        checksum = _checksum(rows)
        snapshots, seed_sums = _snapshots(ledger, close_id)
        debit_total = sum((r["debit"] for r in rows), Decimal(0))
        credit_total = sum((r["credit"] for r in rows), Decimal(0))
        with ledger.transaction():
            ledger.insert("journal_lines", rows)
            ledger.insert("rule_snapshots", snapshots)
            ledger.insert(
                "period_closes",
                [
                    {
                        "close_id": close_id,
                        "billing_period": period,
                        "action": "close",
                        "sequence": sequence,
                        "recorded_at": recorded_at,
                        "recorded_by": closed_by or getpass.getuser(),
                        "reason": reason,
                        "forced": force,
                        "cost_basis": basis,
                        "load_ids": _load_ids(ledger, period),
                        "seed_checksums": json.dumps(seed_sums, sort_keys=True),
                        "journal_id": journal_id,
                        "journal_checksum": checksum,
                        "line_count": len(rows),
                        "debit_total": debit_total,
                        "credit_total": credit_total,
                        "invoice_control": json.dumps(control, sort_keys=True),
                    }
                ],
            )
        return CloseResult(
            period,
            "close",
            journal_id,
            len(rows),
            debit_total,
            adjustments=sum(1 for r in rows if r["line_kind"] == "adjustment"),
        )
    finally:
        ledger.close()


def reopen_period(period: date, reason: str, reopened_by: str | None = None) -> CloseResult:
    """Reopen a closed period: post the reversal of its closing journal and record why.

    Args:
        period: first day of the billing month.
        reason: why (required, recorded).
        reopened_by: who (default: the OS user).

    Raises:
        CloseError: the period is not closed, or no reason was given.
    """
    if not reason or not reason.strip():
        raise CloseError("reopening needs --reason; it is recorded with the reversal")
    ledger = Ledger()
    try:
        state = _state(ledger, period)
        if not state or state[0] != "close":
            raise CloseError(f"{period:%Y-%m} is not closed; nothing to reopen")
        closing_journal = state[1]
        recorded_at = datetime.now(UTC).replace(tzinfo=None, microsecond=0)
        reversal_id = f"JE-{period:%Y%m}-R{_closes_of(ledger, period):02d}"
        close_id = f"{reversal_id}-reopen"
        original = ledger.execute(
            "select line_id, reference_period, legal_entity, cost_center, gl_account, currency,"
            " cost_basis, debit, credit, line_kind from finance.journal_lines"
            " where journal_id = ? order by line_id",
            (closing_journal,),
        )
        rows = []
        for number, line in enumerate(original, start=1):
            (line_id, reference, entity, center, account, currency, basis, debit, credit, kind) = (
                line
            )
            rows.append(
                {
                    "journal_id": reversal_id,
                    "line_id": f"{reversal_id}-{number:05d}",
                    "close_id": close_id,
                    "billing_period": period,
                    "reference_period": reference,
                    "line_kind": "reversal",
                    "posting_date": recorded_at.date(),
                    "legal_entity": entity,
                    "cost_center": center,
                    "gl_account": account,
                    "currency": currency,
                    "cost_basis": basis,
                    "debit": Decimal(credit),
                    "credit": Decimal(debit),
                    "description": f"reversal of {line_id} ({kind}): {reason.strip()}",
                    "recorded_at": recorded_at,
                }
            )
        debit_total = sum((r["debit"] for r in rows), Decimal(0))
        with ledger.transaction():
            ledger.insert("journal_lines", rows)
            ledger.insert(
                "period_closes",
                [
                    {
                        "close_id": close_id,
                        "billing_period": period,
                        "action": "reopen",
                        "sequence": _next_sequence(ledger, period),
                        "recorded_at": recorded_at,
                        "recorded_by": reopened_by or getpass.getuser(),
                        "reason": reason.strip(),
                        "forced": False,
                        "cost_basis": None,
                        "load_ids": None,
                        "seed_checksums": None,
                        "journal_id": reversal_id,
                        "journal_checksum": _checksum(rows),
                        "line_count": len(rows),
                        "debit_total": debit_total,
                        "credit_total": sum((r["credit"] for r in rows), Decimal(0)),
                    }
                ],
            )
        return CloseResult(period, "reopen", reversal_id, len(rows), debit_total)
    finally:
        ledger.close()


def export_journal(period: date, out: Path) -> int:
    """Write every journal line posted for `period` as CSV, byte for byte reproducible.

    Returns:
        The number of lines written.

    Raises:
        CloseError: nothing was ever posted for the period.
    """
    ledger = Ledger()
    try:
        rows = ledger.execute(
            f"select {', '.join(EXPORT_COLUMNS)} from finance.journal_lines"
            " where billing_period = ? order by journal_id, line_id",
            (period,),
        )
    finally:
        ledger.close()
    if not rows:
        raise CloseError(f"{period:%Y-%m} has no posted journal; run `finops close` first")
    out.parent.mkdir(parents=True, exist_ok=True)
    with open(out, "w", newline="", encoding="utf-8") as handle:
        handle.write(_csv_text([dict(zip(EXPORT_COLUMNS, row, strict=True)) for row in rows]))
    return len(rows)


def _csv_text(rows: list[dict[str, Any]]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(EXPORT_COLUMNS)
    for row in rows:
        writer.writerow([_text(row[column]) for column in EXPORT_COLUMNS])
    return buffer.getvalue()


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, (Decimal, float, int)) and not isinstance(value, bool):
        return str(Decimal(str(value)).quantize(CENT))
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def _checksum(rows: list[dict[str, Any]]) -> str:
    return hashlib.sha256(_csv_text(rows).encode()).hexdigest()


def _state(ledger: Ledger, period: date) -> tuple[str, str] | None:
    """(latest action, its journal id) for the period, or None when never closed."""
    rows = ledger.execute(
        "select action, journal_id from finance.period_closes where billing_period = ?"
        " order by sequence desc limit 1",
        (period,),
    )
    return (rows[0][0], rows[0][1]) if rows else None


def _closes_of(ledger: Ledger, period: date) -> int:
    rows = ledger.execute(
        "select count(*) from finance.period_closes where billing_period = ? and action = 'close'",
        (period,),
    )
    return int(rows[0][0])


def _next_sequence(ledger: Ledger, period: date) -> int:
    rows = ledger.execute(
        "select coalesce(max(sequence), 0) from finance.period_closes where billing_period = ?",
        (period,),
    )
    return int(rows[0][0]) + 1


def _check_ready(ledger: Ledger, period: date, force: bool, reason: str | None) -> None:
    rows = ledger.execute(
        "select x_provider, is_close_ready, reason from gold.rpt_close_readiness"
        " where billing_period = ? order by x_provider",
        (period,),
    )
    if not rows:
        raise CloseError(f"{period:%Y-%m} has no cost data in gold; load and build it first")
    not_ready = [f"{provider}: {why}" for provider, ready, why in rows if not ready]
    if not_ready and not force:
        raise CloseError(
            f"{period:%Y-%m} is not close-ready ({'; '.join(not_ready)}); wait for the final "
            "invoices, or close anyway with --force --reason '...'"
        )
    if force and not (reason and reason.strip()):
        raise CloseError("--force needs --reason; it is recorded with the close")


def _invoice_control(
    ledger: Ledger, period: date, force: bool, charges: dict[tuple[Any, ...], Decimal]
) -> dict[str, dict[str, str]]:
    """Per currency: invoice total, gold billed cost, the journal's charges, unreconciled count.

    The journal's charges equal gold's billed cost on the billed basis and its effective cost
    on the amortized one; either way gold's billed cost must equal what the invoices total.
    """
    try:
        totals = ledger.execute(
            "select billing_currency, sum(invoice_total), sum(coalesce(gold_billed_cost, 0)),"
            " sum(case when status = 'variance' then 1 else 0 end)"
            " from gold.rpt_invoice_reconciliation where billing_period = ? group by 1",
            (period,),
        )
    except Exception as error:  # a warehouse built before the report existed
        raise CloseError(
            f"gold.rpt_invoice_reconciliation cannot be read ({error}); run the pipeline first"
        ) from error
    unreconciled = ledger.execute(
        "select x_provider, billing_account_id, coalesce(invoice_id, '(not invoiced)'), variance"
        " from gold.rpt_invoice_reconciliation where billing_period = ? and status = 'variance'"
        " order by abs(variance) desc, 1, 2, 3",
        (period,),
    )
    if unreconciled and not force:
        shown = "; ".join(
            f"{provider} {account} invoice {invoice}: gold - invoice = {Decimal(variance):.2f}"
            for provider, account, invoice, variance in unreconciled[:5]
        )
        raise CloseError(
            f"{period:%Y-%m} has {len(unreconciled)} invoice(s) that do not reconcile ({shown});"
            " see gold.rpt_invoice_reconciliation, or close anyway with --force --reason '...'"
        )
    # the draft `_draft` read, keyed (period, entity, currency, cost center, account)
    by_currency: dict[str, Decimal] = defaultdict(Decimal)
    for (_, _, currency, _, _), amount in charges.items():
        by_currency[currency] += amount
    return {
        currency: {
            "invoice_total": f"{_cents(Decimal(invoice)):f}",
            "gold_billed_cost": f"{_cents(Decimal(gold)):f}",
            "journal_charges": f"{_cents(by_currency[currency]):f}",
            "unreconciled_invoices": str(int(count)),
        }
        for currency, invoice, gold, count in totals
    }


def _draft(ledger: Ledger, period: date) -> tuple[str, dict[tuple[Any, ...], Decimal]]:
    """(cost basis, amount per (reference period, entity, currency, cost center, account))."""
    rows = ledger.execute(
        "select legal_entity, currency, cost_center, gl_account, cost_basis, amount"
        " from gold.fct_chargeback_draft where billing_period = ?",
        (period,),
    )
    basis = rows[0][4] if rows else "effective"
    amounts: dict[tuple[Any, ...], Decimal] = defaultdict(Decimal)
    for entity, currency, center, account, _, amount in rows:
        amounts[(period, entity, currency, center, account)] += Decimal(amount)
    return basis, amounts


def _posted(ledger: Ledger, reference: date) -> dict[tuple[Any, ...], Decimal]:
    """Net posted cost-center amounts for a reference period, over every journal."""
    rows = ledger.execute(
        "select legal_entity, currency, cost_center, gl_account, sum(debit) - sum(credit)"
        " from finance.journal_lines where reference_period = ? and cost_center is not null"
        " group by legal_entity, currency, cost_center, gl_account",
        (reference,),
    )
    return {(reference, e, c, cc, a): Decimal(v) for e, c, cc, a, v in rows}


def _adjustments(ledger: Ledger, period: date) -> list[dict[str, Any]]:
    """Lines for closed periods whose current draft differs from what was posted for them."""
    closed = ledger.execute(
        "select billing_period from finance.period_closes as c where action = 'close'"
        " and sequence = (select max(sequence) from finance.period_closes as l"
        " where l.billing_period = c.billing_period) and billing_period != ?"
        " order by billing_period",
        (period,),
    )
    lines: list[dict[str, Any]] = []
    for (reference,) in closed:
        reference = reference if isinstance(reference, date) else date.fromisoformat(str(reference))
        _, draft = _draft(ledger, reference)
        posted = _posted(ledger, reference)
        delta = {
            key: _cents(draft.get(key, Decimal(0))) - posted.get(key, Decimal(0))
            for key in set(draft) | set(posted)
        }
        delta = {key: value for key, value in delta.items() if value != 0}
        lines += _balanced(
            delta, reference, "adjustment", "adjustment_clearing", ledger, rounded=True
        )
    return lines


def _cents(amount: Decimal) -> Decimal:
    return amount.quantize(CENT, rounding=ROUND_HALF_EVEN)


def _clearing_accounts(ledger: Ledger) -> dict[str, str]:
    rows = ledger.execute(
        f"select legal_entity, clearing_account from {SEED_SCHEMA}.legal_entities"
    )
    return dict(rows)


def _balanced(
    amounts: dict[tuple[Any, ...], Decimal],
    reference: date,
    kind: str,
    clearing_kind: str,
    ledger: Ledger,
    rounded: bool = False,
) -> list[dict[str, Any]]:
    """Cost-center lines plus one clearing line per legal entity and currency, balanced."""
    clearing = _clearing_accounts(ledger)
    lines: list[dict[str, Any]] = []
    totals: dict[tuple[str, str], Decimal] = defaultdict(Decimal)
    for (ref, entity, currency, center, account), amount in sorted(amounts.items(), key=str):
        value = amount if rounded else _cents(amount)
        if value == 0:
            continue
        totals[(entity, currency)] += value
        lines.append(
            _line(
                ref,
                kind,
                entity,
                currency,
                center,
                account,
                value,
                f"{kind} {ref:%Y-%m} {center} {account}",
            )
        )
    for (entity, currency), total in sorted(totals.items()):
        if total == 0:
            continue
        account = clearing.get(entity, f"unmapped-clearing:{entity}")
        lines.append(
            _line(
                reference,
                clearing_kind,
                entity,
                currency,
                None,
                account,
                -total,
                f"{clearing_kind} {reference:%Y-%m} {entity}",
            )
        )
    return lines


def _line(
    reference: date,
    kind: str,
    entity: str,
    currency: str,
    center: str | None,
    account: str,
    value: Decimal,
    description: str,
) -> dict[str, Any]:
    return {
        "reference_period": reference,
        "line_kind": kind,
        "legal_entity": entity,
        "currency": currency,
        "cost_center": center,
        "gl_account": account,
        "debit": value if value > 0 else Decimal(0),
        "credit": -value if value < 0 else Decimal(0),
        "description": description,
    }


def _number(
    lines: list[dict[str, Any]],
    journal_id: str,
    close_id: str,
    period: date,
    basis: str,
    recorded_at: datetime,
) -> list[dict[str, Any]]:
    """Stable line ids in a deterministic order, and the journal's common columns."""
    posting = date(period.year, period.month, calendar.monthrange(period.year, period.month)[1])
    order = {"charge": 0, "clearing": 1, "adjustment": 2, "adjustment_clearing": 3}
    lines = sorted(
        lines,
        key=lambda item: (
            order[item["line_kind"]],
            str(item["reference_period"]),
            item["legal_entity"],
            item["currency"],
            item["cost_center"] or "",
            item["gl_account"],
        ),
    )
    return [
        {
            "journal_id": journal_id,
            "line_id": f"{journal_id}-{number:05d}",
            "close_id": close_id,
            "billing_period": period,
            **line,
            "posting_date": posting,
            "cost_basis": basis,
            "recorded_at": recorded_at,
        }
        for number, line in enumerate(lines, start=1)
    ]


def _snapshots(ledger: Ledger, close_id: str) -> tuple[list[dict[str, Any]], dict[str, str]]:
    """The allocation seeds' rows as JSON text, and a checksum per seed."""
    rows: list[dict[str, Any]] = []
    sums: dict[str, str] = {}
    for seed in ALLOCATION_SEEDS:
        names = [
            r[0]
            for r in ledger.execute(
                "select column_name from information_schema.columns where table_schema = ?"
                " and table_name = ? order by ordinal_position",
                (SEED_SCHEMA, seed),
            )
        ]
        if not names:
            raise CloseError(f"seed {SEED_SCHEMA}.{seed} is missing; run the pipeline (dbt seed)")
        texts = sorted(
            json.dumps(
                dict(zip(names, [_json_value(v) for v in values], strict=True)), sort_keys=True
            )
            for values in ledger.execute(f"select * from {SEED_SCHEMA}.{seed}")
        )
        sums[seed] = hashlib.sha256("\n".join(texts).encode()).hexdigest()
        rows += [{"close_id": close_id, "seed_name": seed, "row_json": t} for t in texts]
    return rows, sums


def _json_value(value: Any) -> Any:
    if value is None or isinstance(value, (str, bool, int)):
        return value
    return str(value)


def _load_ids(ledger: Ledger, period: date) -> str:
    rows = ledger.execute(
        "select distinct x_export_id from gold.fct_cost where x_billing_period = ?"
        " and x_export_id is not null order by 1",
        (period,),
    )
    return json.dumps([r[0] for r in rows])
