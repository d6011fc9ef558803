"""`finops close`, `finops reopen`, `finops export chargeback`: the month-end close for finance.

The lead registers `COMMANDS` on the `finops` group. Refusals (not close-ready, nothing to
reopen, no reason) are one-line `click.ClickException`s saying what to do.
"""

from __future__ import annotations

from pathlib import Path

import click

from orchestration.finance.close import (
    CloseError,
    close_period,
    export_journal,
    parse_period,
    reopen_period,
)

_PERIOD = click.option("--period", required=True, metavar="YYYY-MM", help="Billing month.")


@click.command()
@_PERIOD
@click.option("--force", is_flag=True, help="Close although a provider is not close-ready.")
@click.option("--reason", default=None, help="Why the close is forced (recorded).")
@click.option("--by", "closed_by", default=None, help="Who closes it (default: OS user).")
def close(period: str, force: bool, reason: str | None, closed_by: str | None) -> None:
    """Post the month's chargeback journal (append-only; closing twice is a no-op)."""
    try:
        result = close_period(parse_period(period), closed_by, force, reason)
    except CloseError as error:
        raise click.ClickException(str(error)) from error
    if result.noop:
        click.echo(f"{result.message}; nothing to do")
        return
    click.echo(
        f"closed {period}: journal {result.journal_id}, {result.line_count} lines "
        f"({result.adjustments} adjustments for restated closed months), "
        f"debits {result.debit_total:,.2f}"
    )


@click.command()
@_PERIOD
@click.option("--reason", required=True, help="Why the month is reopened (recorded).")
@click.option("--by", "reopened_by", default=None, help="Who reopens it (default: OS user).")
def reopen(period: str, reason: str, reopened_by: str | None) -> None:
    """Reopen a closed month: posts the reversal of its journal, never edits it."""
    try:
        result = reopen_period(parse_period(period), reason, reopened_by)
    except CloseError as error:
        raise click.ClickException(str(error)) from error
    click.echo(f"reopened {period}: reversal {result.journal_id}, {result.line_count} lines")


@click.group()
def export() -> None:
    """Write gold data for other systems."""


@export.command("chargeback")
@_PERIOD
@click.option("--out", type=click.Path(path_type=Path), required=True, help="CSV file to write.")
def export_chargeback(period: str, out: Path) -> None:
    """The month's posted journal lines as CSV for the general ledger (reproducible)."""
    try:
        count = export_journal(parse_period(period), out)
    except CloseError as error:
        raise click.ClickException(str(error)) from error
    click.echo(f"wrote {count} journal lines to {out}")


COMMANDS = [close, reopen, export]
