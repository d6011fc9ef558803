"""`finops conformance`: FOCUS 1.2 requirements-model rules on silver, per provider.

The lead registers `COMMANDS` on the `finops` group. Reads only aggregates from the warehouse
(FINOPS_WAREHOUSE); never writes.
"""

from __future__ import annotations

import json
from pathlib import Path

import click


@click.command()
@click.option("--provider", "providers", multiple=True, help="Only this x_provider; repeatable.")
@click.option(
    "--format",
    "output_format",
    type=click.Choice(["table", "json"]),
    default="table",
    show_default=True,
)
@click.option("--out", type=click.Path(path_type=Path), default=None, help="Write to this file.")
@click.option("--strict", is_flag=True, help="Exit 1 when a MUST / MUST NOT rule fails.")
@click.option(
    "--model",
    "model_path",
    type=click.Path(path_type=Path, exists=True, dir_okay=False),
    default=None,
    help="Requirements model JSON (default: FOCUS 1.2 model 1.2.0.1).",
)
@click.option("--show-unchecked", is_flag=True, help="Table: list rules not checked, with why.")
def conformance(
    providers: tuple[str, ...],
    output_format: str,
    out: Path | None,
    strict: bool,
    model_path: Path | None,
    show_unchecked: bool,
) -> None:
    """Check silver.int_costs_unioned against the FOCUS 1.2 requirements model, per provider.

    Shows PASS / FAIL / WARN (failed SHOULD) / n.a. per rule and provider, and a summary line
    per provider. Rules the model gives no checkable form are counted as 'not checked'.
    """
    from data_tests.focus_conformance.report import to_dict, to_table
    from data_tests.focus_conformance.rules import DEFAULT_MODEL, load_rules
    from data_tests.focus_conformance.warehouse import check_warehouse

    try:
        report = check_warehouse(load_rules(model_path or DEFAULT_MODEL), list(providers) or None)
    except Exception as error:  # a missing table or warehouse: one clear line
        if click.get_current_context().find_root().params.get("debug"):
            raise
        message = str(error).strip().splitlines()[0] if str(error).strip() else repr(error)
        raise click.ClickException(message) from None
    if output_format == "json":
        text = json.dumps(to_dict(report), indent=2, default=str) + "\n"
    else:
        text = to_table(report, show_unchecked) + "\n"
    if out is None:
        click.echo(text, nl=False)
    else:
        out.write_text(text)
        click.echo(f"wrote {out}", err=True)
    failures = report.mandatory_failures()
    if strict and failures:
        shown = ", ".join(f"{rule} ({provider})" for rule, provider in failures[:5])
        more = f" and {len(failures) - 5} more" if len(failures) > 5 else ""
        raise click.ClickException(f"{len(failures)} mandatory rule failure(s): {shown}{more}")


COMMANDS = [conformance]
