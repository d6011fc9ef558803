"""`finops status`: the last load of every source and the files it quarantined.

Reads each source's append-only loads table (raw_<source>.loads; AWS: export_loads), so it
works on any warehouse without running anything. The lead registers `COMMANDS`.
"""

from __future__ import annotations

from typing import Any

import click

QUARANTINE_LIMIT = 20


def _loads_table(spec: Any) -> tuple[str, str, str]:
    """(schema, table, file column) of a source's loads table."""
    module = spec.load()
    if spec.name == "aws-cur":
        return module.DATASET_NAME, "export_loads", "source_uri"
    return module.DATASET_NAME, "loads", "source_file"


def _exists(schema: str, table: str) -> bool:
    from orchestration.lib.tables import fetch_rows

    _, rows = fetch_rows(
        "select count(*) from information_schema.tables "
        f"where table_schema = '{schema}' and table_name = '{table}'",
        read_only=True,
    )
    return bool(rows[0][0])


def source_status(spec: Any) -> dict[str, Any]:
    """Last load and quarantined files of one source (plain data, for text or JSON)."""
    from orchestration.lib.tables import fetch_rows

    schema, table, file_column = _loads_table(spec)
    if not _exists(schema, table):
        return {"source": spec.name, "loaded": False}
    relation = f"{schema}.{table}"
    _, last = fetch_rows(
        f"select max(detected_at), count(*), sum(row_count) from {relation} "
        f"where _dlt_load_id = (select max(_dlt_load_id) from {relation}) and status = 'loaded'",
        read_only=True,
    )
    _, quarantined = fetch_rows(
        f"select detected_at, billing_period, {file_column}, error from {relation} "
        f"where status = 'quarantined' order by detected_at desc limit {QUARANTINE_LIMIT}",
        read_only=True,
    )
    _, periods = fetch_rows(
        f"select min(billing_period), max(billing_period) from {relation} where status = 'loaded'",
        read_only=True,
    )
    when, units, rows = last[0]
    return {
        "source": spec.name,
        "loaded": True,
        "last_load_at": when,
        "last_load_units": units,
        "last_load_rows": rows,
        "periods": periods[0],
        "quarantined": quarantined,
    }


@click.command()
def status() -> None:
    """Last load of every source, and the files quarantined with their reasons."""
    from ingestion import registry
    from ingestion.warehouse import describe

    click.echo(f"warehouse: {describe()}")
    for spec in registry.SOURCES:
        info = source_status(spec)
        if not info["loaded"]:
            click.echo(f"{spec.name:<17} never loaded ({spec.path_env})")
            continue
        first, last = info["periods"]
        span = f"{first:%Y-%m}..{last:%Y-%m}" if first and last else "no billing period"
        when = f"{info['last_load_at']:%Y-%m-%d %H:%M}" if info["last_load_at"] else "-"
        click.echo(
            f"{spec.name:<17} last load {when}: {info['last_load_units'] or 0} unit(s), "
            f"{int(info['last_load_rows'] or 0):,} rows; loaded periods {span}"
        )
        for detected, period, file, error in info["quarantined"]:
            month = f"{period:%Y-%m}" if period else "?"
            click.echo(
                click.style("  quarantined ", fg="red")
                + f"{detected:%Y-%m-%d %H:%M} {month} {file or ''}: {error}"
            )


COMMANDS = [status]
