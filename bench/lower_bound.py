"""The lower bound: one DuckDB session reads the exports, then runs our compiled dbt SQL.

No Python touches rows: the read is the same SQL the ingestion source generates, executed
straight into a table, and the transform executes dbt's compiled model SQL in dependency order.
Prints `read_seconds transform_seconds rows` on its last line.
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import duckdb

from ingestion.aws_cur.discovery import discover, open_root
from ingestion.aws_cur.reader import ExportReader

ROOT = Path(__file__).resolve().parents[1]


def read_exports(con: duckdb.DuckDBPyConnection, path: str) -> int:
    """Create raw_aws_cur.line_items from every delivery's files; return the row count."""
    fs, root = open_root(path)
    deliveries, _ = discover(fs, root)
    reader = ExportReader(fs)
    selects = [reader.select_sql(f, d) for d in deliveries for f in d.files]
    reader.close()
    con.execute("create schema if not exists raw_aws_cur")
    union = " union all ".join(f"({sql})" for sql in selects)
    con.execute(
        f"create table raw_aws_cur.line_items as select *, '1' as _dlt_load_id from ({union})"
    )
    return con.execute("select count(*) from raw_aws_cur.line_items").fetchall()[0][0]


def transform(con: duckdb.DuckDBPyConnection, target: Path) -> None:
    """Materialize seeds and models from dbt's compiled SQL in dependency order."""
    manifest = json.loads((target / "manifest.json").read_text())
    nodes = {k: v for k, v in manifest["nodes"].items() if v["resource_type"] in ("model", "seed")}
    con.execute("create schema if not exists raw_aws_cur")
    con.execute(
        "create table if not exists raw_aws_cur.export_loads (billing_period date, "
        "bill_payer_account_id varchar, export_id varchar, export_kind varchar, "
        "source_uri varchar, files varchar, file_count bigint, row_count bigint, "
        "unblended_cost_total decimal(38,10), net_unblended_cost_total decimal(38,10), "
        "status varchar, error varchar, detected_at timestamptz, _dlt_load_id varchar)"
    )
    done: set[str] = set()
    while len(done) < len(nodes):
        for key, node in nodes.items():
            deps = [d for d in node["depends_on"].get("nodes", []) if d in nodes]
            if key in done or any(d not in done for d in deps):
                continue
            schema, name = node["schema"], node["alias"] or node["name"]
            con.execute(f"create schema if not exists {schema}")
            if node["resource_type"] == "seed":
                csv = ROOT / "dbt_project" / node["original_file_path"]
                # the seed's declared column types, as dbt seed applies them (an empty column
                # would otherwise be sniffed as text)
                types = node["config"].get("column_types") or {}
                typed = ", ".join(f"'{c}': '{t}'" for c, t in types.items())
                option = f", types = {{{typed}}}" if types else ""
                con.execute(
                    f"create table {schema}.{name} as select * from read_csv('{csv}'{option})"
                )
            else:
                compiled = (target / "compiled" / "finops" / node["original_file_path"]).read_text()
                kind = "view" if node["config"]["materialized"] == "view" else "table"
                con.execute(f"create {kind} {schema}.{name} as {compiled}")
            done.add(key)


def main() -> None:
    """Run read then transform; print the timings."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--path", required=True)
    parser.add_argument("--db", required=True)
    parser.add_argument("--target", default=str(ROOT / "dbt_project" / "target"))
    parser.add_argument("--memory-limit", default="2GB")
    args = parser.parse_args()
    con = duckdb.connect(args.db)
    con.execute(f"set memory_limit = '{args.memory_limit}'")
    con.execute("set threads = 2")
    started = time.monotonic()
    rows = read_exports(con, args.path)
    read_seconds = time.monotonic() - started
    started = time.monotonic()
    transform(con, Path(args.target))
    transform_seconds = time.monotonic() - started
    print(f"{read_seconds:.3f} {transform_seconds:.3f} {rows}")


if __name__ == "__main__":
    main()
