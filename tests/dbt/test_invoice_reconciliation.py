"""Invoice reconciliation report (gold.rpt_invoice_reconciliation) on DuckDB and PostgreSQL.

The AWS, Azure, GCP and SaaS samples (two months, the second still open) and the FOCUS sample
file are loaded with the real dlt sources and the project is built up to the report. Each
invoice total is computed again here from the export files themselves (pyarrow, csv, json,
Decimal), gold must match every invoice, and a tampered raw line or gold line must show as a
variance of exactly the tampered amount.
"""

from __future__ import annotations

import csv
import gzip
import io
import json
import uuid
from collections import defaultdict
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from tests.conftest import FIXTURES, _admin_connection
from tests.dbt_helpers import dbt, run_dbt
from tests.warehouse_utils import query, use_warehouse

FOCUS_FILE = FIXTURES / "focus_files" / "focus_sample.csv"
CENT = Decimal("0.01")
REPORT = "gold.rpt_invoice_reconciliation"
KEY = "x_provider, billing_account_id, billing_period, invoice_id, billing_currency"

AWS_COLUMNS = [
    "bill_payer_account_id",
    "bill_billing_period_start_date",
    "bill_invoice_id",
    "line_item_currency_code",
    "line_item_net_unblended_cost",
    "line_item_unblended_cost",
]
Key = tuple[str, str, str, str | None, str]


def load(sample_roots: dict[str, Path]) -> None:
    """Every sample through its real dlt source into the current warehouse."""
    from ingestion import azure_cost, focus_files, gcp_billing, saas
    from ingestion.aws_cur import DATASET_NAME as AWS_DATASET
    from ingestion.aws_cur import aws_cur
    from ingestion.warehouse import make_pipeline

    make_pipeline("aws_cur", AWS_DATASET).run(aws_cur(str(sample_roots["aws"])))
    for name, module, path in (
        ("azure_cost", azure_cost, sample_roots["azure"]),
        ("gcp_billing", gcp_billing, sample_roots["gcp"]),
        ("saas", saas, sample_roots["saas"]),
        ("focus_files", focus_files, FOCUS_FILE),
    ):
        make_pipeline(name, module.DATASET_NAME).run(module.dlt_source(path=str(path)))


@pytest.fixture(
    scope="module", params=["duckdb", pytest.param("postgres", marks=pytest.mark.postgres)]
)
def warehouse(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[Path, dict[str, Path]]]:
    """A built warehouse of each kind; yields (dbt tmp dir, sample roots)."""
    from ingestion.sample_data import generate

    tmp = tmp_path_factory.mktemp(f"invoice_recon_{request.param}")
    database = f"finops_recon_{uuid.uuid4().hex[:8]}"
    if request.param == "postgres":
        with _admin_connection() as con:
            con.execute(f'create database "{database}"')
    sample = generate(
        tmp / "sample", months=2, scale=2000, seed=7, providers=("aws", "azure", "gcp", "saas")
    )
    try:
        with use_warehouse(request.param, tmp / "warehouse.duckdb", database):
            load(sample.roots)
            # only the seeds and models the report needs; upstream tests are other files' job
            run_dbt(
                tmp, "build", "--select", "+rpt_invoice_reconciliation",
                "--exclude-resource-type", "test", "unit_test",
            )  # fmt: skip
            run_dbt(tmp, "test", "--select", "rpt_invoice_reconciliation")
            yield tmp, sample.roots
    finally:
        if request.param == "postgres":
            with _admin_connection() as con:
                con.execute(f'drop database if exists "{database}" with (force)')


def execute(sql: str, params: tuple = ()) -> None:
    """A statement without a result (update) on the current warehouse, committed."""
    from ingestion.warehouse import duckdb_path, postgres_settings, warehouse_kind

    if warehouse_kind() == "duckdb":
        import duckdb

        with duckdb.connect(str(duckdb_path())) as con:
            con.execute(sql, list(params))
        return
    import psycopg

    with psycopg.connect(**postgres_settings()) as con:
        con.execute(sql.replace("?", "%s"), params)


def money(value: object) -> Decimal:
    """An export amount as Decimal (floats through their shortest repr, as loaders read them)."""
    if value is None or value == "":
        return Decimal(0)
    return Decimal(repr(value)) if isinstance(value, float) else Decimal(str(value))


def aws_totals(root: Path) -> dict[Key, Decimal]:
    """CUR: net unblended cost, else unblended, per payer, month, invoice id and currency."""
    totals: dict[Key, Decimal] = defaultdict(Decimal)
    for path in sorted(root.rglob("*.parquet")):
        for row in pq.read_table(path, columns=AWS_COLUMNS).to_pylist():
            net = row["line_item_net_unblended_cost"]
            key = (
                "aws",
                row["bill_payer_account_id"],
                f"{row['bill_billing_period_start_date']:%Y-%m}",
                row["bill_invoice_id"] or None,
                row["line_item_currency_code"],
            )
            totals[key] += money(net if net is not None else row["line_item_unblended_cost"])
    return totals


def azure_totals(root: Path) -> dict[Key, Decimal]:
    """Cost details: CostInBillingCurrency of the ActualCost exports (manifest type)."""
    totals: dict[Key, Decimal] = defaultdict(Decimal)
    for manifest_path in sorted(root.rglob("_manifest.json")):
        manifest = json.loads(manifest_path.read_text())
        if manifest["exportConfig"]["type"] != "ActualCost":
            continue
        month = manifest["runInfo"]["startDate"][:7]
        for path in sorted(manifest_path.parent.glob("part_*")):
            raw = path.read_bytes()
            text = gzip.decompress(raw).decode() if path.name.endswith(".gz") else raw.decode()
            for row in csv.DictReader(io.StringIO(text)):
                key = (
                    "azure",
                    row["BillingAccountId"],
                    month,
                    row["InvoiceId"] or None,
                    row["BillingCurrency"],
                )
                totals[key] += money(row["CostInBillingCurrency"])
    return totals


def gcp_totals(root: Path) -> dict[Key, Decimal]:
    """Billing export: cost plus credits per billing account, invoice month and currency."""
    totals: dict[Key, Decimal] = defaultdict(Decimal)
    for path in sorted(root.rglob("*.jsonl")):
        for line in path.read_text().splitlines():
            row = json.loads(line)
            month = row["invoice"]["month"]
            key = (
                "gcp",
                row["billing_account_id"],
                f"{month[:4]}-{month[4:]}",
                None,
                row["currency"],
            )
            credits = sum((money(c["amount"]) for c in row.get("credits") or []), Decimal(0))
            totals[key] += money(row["cost"]) + credits
    return totals


def saas_totals(root: Path) -> dict[Key, Decimal]:
    """Vendor invoice CSVs: amounts per vendor, period, invoice id and currency."""
    totals: dict[Key, Decimal] = defaultdict(Decimal)
    for path in sorted(root.rglob("*.csv")):
        with path.open(newline="") as handle:
            for row in csv.DictReader(handle):
                key = (
                    "saas",
                    row["Vendor"],
                    row["Period"],
                    row["Invoice ID"] or None,
                    row["Currency"],
                )
                totals[key] += money(row["Amount"])
    return totals


def focus_totals(path: Path) -> dict[Key, Decimal]:
    """FOCUS 1.0 file: BilledCost per billing account, period and currency (no InvoiceId)."""
    totals: dict[Key, Decimal] = defaultdict(Decimal)
    with path.open(newline="") as handle:
        for row in csv.DictReader(handle):
            month = row["BillingPeriodStart"][:7]
            key = ("focus", row["BillingAccountId"], month, None, row["BillingCurrency"])
            totals[key] += money(row["BilledCost"])
    return totals


def expected_totals(roots: dict[str, Path]) -> dict[Key, Decimal]:
    """Every invoice total the export files imply."""
    return {
        **aws_totals(roots["aws"]),
        **azure_totals(roots["azure"]),
        **gcp_totals(roots["gcp"]),
        **saas_totals(roots["saas"]),
        **focus_totals(FOCUS_FILE),
    }


def report() -> dict[Key, tuple]:
    """The report by key: (invoice total, gold billed cost, variance, status, line counts)."""
    rows = query(
        f"select {KEY}, invoice_total, gold_billed_cost, variance, status, invoice_line_count,"
        f" gold_line_count from {REPORT}"
    )
    return {(p, a, f"{m:%Y-%m}", i, c): tuple(rest) for p, a, m, i, c, *rest in rows}


def test_invoice_totals_match_the_export_files(warehouse) -> None:
    _, roots = warehouse
    expected = expected_totals(roots)
    got = report()
    assert set(got) == set(expected)
    assert {key[0] for key in got} == {"aws", "azure", "gcp", "saas", "focus"}
    # the open month's not-yet-invoiced AWS / Azure lines have their own row
    assert any(key[3] is None and key[0] in ("aws", "azure") for key in got), sorted(got)
    for key, total in expected.items():
        assert Decimal(got[key][0]).quantize(CENT) == total.quantize(CENT), key


def test_gold_matches_every_invoice(warehouse) -> None:
    rows = report()
    assert rows
    for key, (invoice, gold, variance, status, invoice_lines, gold_lines) in rows.items():
        assert status == "matched", (key, invoice, gold, variance)
        assert abs(Decimal(variance)) < CENT, key
        # Azure gold also holds the amortized view's lines (billed cost 0 there)
        assert invoice_lines > 0 and gold_lines >= invoice_lines, key


def test_components_add_up_to_gold(warehouse) -> None:
    rows = query(
        "select gold_billed_cost, usage_cost + tax_cost + credit_cost + refund_cost"
        " + marketplace_cost + purchase_cost + rounding_cost + other_cost, tax_cost, credit_cost,"
        f" marketplace_cost from {REPORT}"
    )
    for gold, components, *_ in rows:
        assert Decimal(gold) == Decimal(components)
    # the samples carry tax, credits and marketplace charges: the breakdown is not all usage
    for column in (2, 3, 4):
        assert any(row[column] != 0 for row in rows), column


def test_tampered_lines_show_as_exact_variances(warehouse) -> None:
    """A raw export line raised by 7.77 and a gold line lowered by 0.004: the first invoice
    shows a variance of -7.77, the second stays matched (sub-cent) with variance -0.004."""
    tmp, _ = warehouse
    raw_delta, gold_delta = Decimal("7.77"), Decimal("-0.004")
    aws_key = query(
        "select x_source_file, x_source_row, bill_payer_account_id, bill_invoice_id"
        " from raw_aws_cur.line_items where bill_invoice_id is not null and bill_invoice_id != ''"
        " order by x_source_file, x_source_row limit 1"
    )[0]
    saas_line = query(
        "select x_cost_line_id, billing_account_id, invoice_id from gold.fct_cost"
        " where x_provider = 'saas' and invoice_id is not null order by x_cost_line_id limit 1"
    )[0]
    before = {
        (r[0], r[1]): r[2:]
        for r in query(
            f"select x_provider, invoice_id, invoice_total, gold_billed_cost from {REPORT}"
        )
    }
    raw_update = (
        "update raw_aws_cur.line_items set line_item_net_unblended_cost ="
        " line_item_net_unblended_cost + ?, line_item_unblended_cost = line_item_unblended_cost + ?"
        " where x_source_file = ? and x_source_row = ?"
    )
    gold_update = "update gold.fct_cost set billed_cost = billed_cost + ? where x_cost_line_id = ?"
    try:
        execute(raw_update, (raw_delta, raw_delta, aws_key[0], aws_key[1]))
        execute(gold_update, (gold_delta, saas_line[0]))
        run_dbt(tmp, "run", "--select", "rpt_invoice_reconciliation")
        after = {
            (r[0], r[1]): r[2:]
            for r in query(
                f"select x_provider, invoice_id, invoice_total, gold_billed_cost, variance, status"
                f" from {REPORT}"
            )
        }
        aws_invoice, aws_gold, aws_variance, aws_status = after[("aws", aws_key[3])]
        assert Decimal(aws_invoice) - Decimal(before[("aws", aws_key[3])][0]) == raw_delta
        assert Decimal(aws_gold) == Decimal(before[("aws", aws_key[3])][1])
        assert (aws_status, Decimal(aws_variance)) == ("variance", -raw_delta)
        *_, saas_variance, saas_status = after[("saas", saas_line[2])]
        assert (saas_status, Decimal(saas_variance)) == ("matched", gold_delta)
        # the warn-level data test flags the variance row and only it
        results = dbt(tmp, "test", "--select", "rpt_invoice_reconciliation")
        flagged = [r for r in results if "has_no_variance" in r.node.unique_id]
        assert [(str(r.status), r.failures) for r in flagged] == [("warn", 1)]
        assert all(str(r.status) == "pass" for r in results if r not in flagged)
    finally:
        execute(raw_update, (-raw_delta, -raw_delta, aws_key[0], aws_key[1]))
        execute(gold_update, (-gold_delta, saas_line[0]))
        run_dbt(tmp, "run", "--select", "rpt_invoice_reconciliation")
