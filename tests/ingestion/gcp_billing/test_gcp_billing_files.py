"""GCP billing export dumps: real koku sample, every dump shape, bad input, restatement (DuckDB)."""

from __future__ import annotations

import copy
import csv
import json
import shutil
from decimal import Decimal
from pathlib import Path

import pytest

from ingestion.common.report import SourceReport
from ingestion.gcp_billing import DATASET_NAME, dlt_source, months_found
from ingestion.gcp_billing.plan import ExportPlan
from ingestion.warehouse import make_pipeline
from tests.ingestion.gcp_billing.exports import (
    ACCOUNT,
    FIXTURES,
    billed_by_month,
    load_rows,
    write_csv,
    write_jsonl,
    write_parquet,
)
from tests.warehouse_utils import query, use_warehouse

KOKU = FIXTURES / "koku_2022-08-01_5.csv"


def koku_reference() -> dict[str, Decimal]:
    """cost + credits per invoice month of the koku file, read with csv + Decimal."""
    totals: dict[str, Decimal] = {}
    with KOKU.open(newline="", encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            credits = sum(
                (Decimal(str(c["amount"])) for c in json.loads(row["credits"])), Decimal(0)
            )
            month = row["invoice.month"]
            totals[month] = totals.get(month, Decimal(0)) + Decimal(row["cost"]) + credits
    return totals


def load(path: Path | str, duckdb_file: Path, **options) -> SourceReport:
    """Run the real dlt pipeline into a DuckDB file; return the run report."""
    report = SourceReport()
    with use_warehouse("duckdb", duckdb_file):
        pipeline = make_pipeline("gcp_billing", DATASET_NAME)
        pipeline.run(dlt_source(path=str(path), report=report, **options))
    return report


def raw_totals(duckdb_file: Path) -> dict[str, Decimal]:
    with use_warehouse("duckdb", duckdb_file):
        rows = query(
            "select strftime(billing_period, '%Y%m'), sum(cost + credits_total) "
            "from raw_gcp_billing.cost_lines group by 1"
        )
    return {month: Decimal(total) for month, total in rows}


def test_koku_sample_loads_as_it_is(tmp_path: Path) -> None:
    report = load(KOKU, tmp_path / "wh.duckdb")
    assert report.quarantined == []
    expected = koku_reference()
    loaded = raw_totals(tmp_path / "wh.duckdb")
    assert set(loaded) == set(expected)
    for month, total in expected.items():
        assert abs(loaded[month] - total) <= Decimal("0.01")
        assert loaded[month] == total  # exact: the file's decimals survive end to end
    with use_warehouse("duckdb", tmp_path / "wh.duckdb"):
        rows = query("select status, row_count, checksum, source_file from raw_gcp_billing.loads")
        extra = query("select distinct x_extra from raw_gcp_billing.cost_lines")
    with KOKU.open(newline="") as handle:
        count = sum(1 for _ in csv.DictReader(handle))
    assert rows == [("loaded", count, rows[0][2], KOKU.name)] and len(rows[0][2]) == 32
    assert extra == [('{"partition_date":"2022-08-01"}',)]  # undeclared columns kept
    assert months_found(str(KOKU)) == ["2022-08"]


@pytest.mark.parametrize("shape", ["jsonl", "csv", "parquet"])
def test_every_dump_shape_gives_the_reference_totals(tmp_path: Path, shape: str) -> None:
    rows = load_rows()
    writer = {"jsonl": write_jsonl, "csv": write_csv, "parquet": write_parquet}[shape]
    path = writer(rows, tmp_path / "dumps" / f"export.{shape}")
    plan = ExportPlan(str(path.parent), None, SourceReport())
    try:
        units = plan.units()
        totals = {f"{p:%Y%m}": u.billed_total for (p, _), u in units.items()}
        assert totals == billed_by_month(rows)
        assert {a for _, a in units} == {ACCOUNT}
        import pyarrow as pa

        table = pa.Table.from_batches(list(plan.batches()))
    finally:
        plan.close()
    lines = table.to_pylist()
    assert len(lines) == len(rows)
    by_row = {line["x_source_row"]: line for line in lines}
    cud = by_row[2]
    assert cud["cud_credit_id"] == "CommitmentId-1234"
    assert cud["cud_credit_type"] == "COMMITTED_USAGE_DISCOUNT"
    assert cud["cud_credits_total"] == Decimal("-8.2")
    first = by_row[1]
    assert json.loads(first["x_tags"]) == {
        "team": "Payments",
        "env": "prod",
        "project:team": "payments",
        "project:cost-center": "cc-100",
    }
    assert first["project_ancestry_path"] == "example.com / Payments / Payments Prod"
    assert first["price_effective_price"] == Decimal("12.345678")
    assert first["usage_start_time"].isoformat() == "2022-08-10T03:00:00+00:00"
    assert json.loads(by_row[4]["labels_map"])["owner:email"] == "café@example.com"
    assert by_row[10]["system_labels"] and json.loads(by_row[10]["tags"])[0]["inherited"]


def test_restatement_replaces_the_month(tmp_path: Path) -> None:
    rows = load_rows()
    root = tmp_path / "dumps"
    write_jsonl(rows, root / "export.jsonl")
    wh = tmp_path / "wh.duckdb"
    load(root, wh)
    restated = copy.deepcopy([r for r in rows if r["invoice"]["month"] == "202208"][:3])
    restated[0]["cost"] = 99.5
    shutil.rmtree(root)
    write_jsonl(restated, root / "export.jsonl")
    load(root, wh, billing_periods=["2022-08"])
    totals = raw_totals(wh)
    assert totals["202208"] == billed_by_month(restated)["202208"]
    assert totals["202209"] == billed_by_month(rows)["202209"]  # other month untouched
    with use_warehouse("duckdb", wh):
        counts = query(
            "select billing_period, count(*) from raw_gcp_billing.cost_lines group by 1 order by 1"
        )
        history = query("select count(*) from raw_gcp_billing.loads where status = 'loaded'")
    assert [c for _, c in counts] == [3, 4]
    assert history == [(3,)]  # append-only: 2 units, then the restated one


def _bad_files(root: Path) -> dict[str, tuple[str, ...]]:
    """Write one bad dump per case; return file -> words its quarantine reason must hold."""
    rows = load_rows()
    august = [r for r in rows if r["invoice"]["month"] == "202208"]
    cases: dict[str, tuple[str, ...]] = {}

    drift = root / "drift_missing_cost.csv"
    write_csv(august, drift)
    lines = drift.read_text().splitlines()
    header = next(csv.reader([lines[0]]))
    keep = [i for i, h in enumerate(header) if h != "cost"]
    body = [next(csv.reader([ln])) for ln in lines]
    with drift.open("w", newline="") as out:
        csv.writer(out).writerows([[r[i] for i in keep] for r in body])
    cases[drift.name] = ("required column 'cost' is missing",)

    renamed = root / "drift_text_in_cost.csv"
    write_csv(august, renamed)
    text = renamed.read_text().splitlines()
    reader = list(csv.reader(text))
    reader[3][reader[0].index("cost")] = "n/a"
    with renamed.open("w", newline="") as out:
        csv.writer(out).writerows(reader)
    cases[renamed.name] = ("row 3", "line 4", "'cost'", "'n/a'")

    (root / "empty.csv").write_bytes(b"")
    cases["empty.csv"] = ("empty",)

    header_only = root / "header_only.csv"
    write_csv(august, header_only)
    header_only.write_text(header_only.read_text().splitlines()[0] + "\n")
    cases[header_only.name] = ("no rows",)

    truncated = root / "truncated.csv"
    write_csv(august, truncated)
    data = truncated.read_bytes()
    truncated.write_bytes(data[: int(len(data) * 0.6)])
    cases[truncated.name] = ("row", "line")

    corrupt = root / "corrupt.jsonl"
    write_jsonl(august, corrupt)
    corrupt.write_bytes(corrupt.read_bytes()[:-40])
    cases[corrupt.name] = ("corrupt.jsonl", "line")

    latin = root / "latin1.csv"
    write_csv(august, latin, encoding="latin-1")
    cases[latin.name] = ("not UTF-8", "line 5")  # row 4's label value café

    ambiguous = root / "ambiguous.csv"
    write_csv(august, ambiguous)
    table = list(csv.reader(ambiguous.read_text().splitlines()))
    table[2][table[0].index("cost")] = "1,234"
    with ambiguous.open("w", newline="") as out:
        csv.writer(out).writerows(table)
    cases[ambiguous.name] = ("row 2", "'cost'", "'1,234'", "number_locale")

    bad_credit = root / "bad_credit.jsonl"
    broken = copy.deepcopy(august)
    broken[1]["credits"][0]["amount"] = "lots"
    write_jsonl(broken, bad_credit)
    cases[bad_credit.name] = ("row 2", "'credits'")

    wrong = root / "invoice_month=202210" / "export.jsonl"
    write_jsonl(august, wrong)
    cases["invoice_month=202210/export.jsonl"] = ("202210", "202208", "invoice.month")
    return cases


def test_bad_files_are_quarantined_and_good_files_load(tmp_path: Path) -> None:
    root = tmp_path / "dumps"
    root.mkdir()
    rows = load_rows()
    september = [r for r in rows if r["invoice"]["month"] == "202209"]
    good = write_jsonl(september, root / "good" / "september.jsonl")
    shutil.copy(good, root / "good" / "september_copy.jsonl")
    bom_rows = copy.deepcopy([r for r in rows if r["invoice"]["month"] == "202208"])
    for row in bom_rows:
        row["billing_account_id"] = "BOM-ACCOUNT"
    write_csv(bom_rows, root / "bom.csv", encoding="utf-8-sig")  # a BOM is fine
    cases = _bad_files(root)
    cases["good/september_copy.jsonl"] = ("duplicate of good/september.jsonl",)

    wh = tmp_path / "wh.duckdb"
    report = load(root, wh)
    reasons = {q.path: q.reason for q in report.quarantined}
    assert set(reasons) == set(cases), reasons
    for name, words in cases.items():
        assert name in reasons[name]
        for word in words:
            assert word in reasons[name], (name, reasons[name])
    # the good files loaded, to the cent of what they hold
    totals = raw_totals(wh)
    assert totals == {
        "202209": billed_by_month(september)["202209"],
        "202208": billed_by_month(bom_rows)["202208"],
    }
    with use_warehouse("duckdb", wh):
        recorded = dict(
            query(
                "select source_file, error from raw_gcp_billing.loads where status = 'quarantined'"
            )
        )
    assert recorded == reasons


def test_grouped_numbers_load_under_a_declared_locale(tmp_path: Path) -> None:
    rows = copy.deepcopy(load_rows()[:2])
    rows[0]["cost"] = 1234.5
    path = write_csv(rows, tmp_path / "dumps" / "en.csv")
    table = list(csv.reader(path.read_text().splitlines()))
    table[1][table[0].index("cost")] = "1,234.50"
    with path.open("w", newline="") as out:
        csv.writer(out).writerows(table)
    refused = ExportPlan(str(path.parent), None, SourceReport())
    assert refused.units() == {} and "'1,234.50'" in refused.report.quarantined[0].reason
    refused.close()
    accepted = ExportPlan(str(path.parent), None, SourceReport(), number_locale="en")
    assert next(iter(accepted.units().values())).billed_total == billed_by_month(rows)["202208"]
    accepted.close()


def test_source_is_lazy() -> None:
    # Dagster builds the source at import time with a placeholder path: nothing may be read
    source = dlt_source(path="/no/such/folder")
    assert set(source.resources) == {"cost_lines", "loads"}
