"""The AWS CUR dlt source, run for real into DuckDB and PostgreSQL.

Each test gets an empty warehouse (a DuckDB file or a new PostgreSQL database).
"""

from __future__ import annotations

import shutil
import uuid
from collections.abc import Iterator
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from ingestion.aws_cur import DATASET_NAME, IngestReport, aws_cur
from ingestion.warehouse import make_pipeline
from tests.conftest import FIXTURES, _admin_connection
from tests.ingestion.aws_cur.exports import (
    cur2_rows,
    legacy_csv,
    write_cur2_export,
    write_legacy_export,
)
from tests.reference_cur import reference_totals
from tests.warehouse_utils import query, use_warehouse

JAN, FEB = date(2025, 1, 1), date(2025, 2, 1)


@pytest.fixture(params=["duckdb", "postgres"])
def warehouse(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """An empty warehouse of each kind, selected through the environment like a user would."""
    if request.param == "duckdb":
        with use_warehouse("duckdb", duckdb_file=tmp_path / "wh.duckdb"):
            yield "duckdb"
        return
    name = f"finops_ingest_{uuid.uuid4().hex[:8]}"
    with _admin_connection() as con:
        con.execute(f'create database "{name}"')
    try:
        with use_warehouse("postgres", pg_database=name):
            yield "postgres"
    finally:
        with _admin_connection() as con:
            con.execute(f'drop database if exists "{name}" with (force)')


def load(path: Path | str, periods: list[str] | None = None) -> IngestReport:
    """Run the source through a real dlt pipeline into the current warehouse."""
    report = IngestReport()
    pipeline = make_pipeline("aws_cur", DATASET_NAME)
    pipeline.run(aws_cur(path=str(path), billing_periods=periods, report=report))
    return report


def raw_totals() -> dict[tuple[str, str], tuple[int, Decimal]]:
    rows = query(
        "select bill_payer_account_id, cast(billing_period as varchar), count(*), "
        "sum(coalesce(line_item_net_unblended_cost, line_item_unblended_cost)) "
        "from raw_aws_cur.line_items group by 1, 2"
    )
    return {(payer, period[:7]): (count, Decimal(total)) for payer, period, count, total in rows}


def test_cur2_manifest_decides_which_files_load(warehouse: str, tmp_path: Path) -> None:
    root = tmp_path / "exports"
    write_cur2_export(
        root, "acme", JAN, [cur2_rows("111111111111", JAN, 30), cur2_rows("111111111111", JAN, 20)]
    )
    # a stale file from an earlier export version sits beside the listed ones: never read it
    stale = root / "acme" / "data" / "BILLING_PERIOD=2025-01" / "acme-old.snappy.parquet"
    shutil.copy(
        root / "acme" / "data" / "BILLING_PERIOD=2025-01" / "acme-00001.snappy.parquet", stale
    )

    report = load(root)

    assert raw_totals() == {("111111111111", "2025-01"): (50, Decimal("62.5"))}
    assert any("not listed" in note for note in report.notes)
    assert report.quarantined == []


def test_reloading_a_month_replaces_it_and_restatements_win(warehouse: str, tmp_path: Path) -> None:
    root = tmp_path / "exports"
    write_cur2_export(root, "acme", JAN, [cur2_rows("111111111111", JAN, 10)], execution_id="v1")
    write_cur2_export(root, "acme", FEB, [cur2_rows("111111111111", FEB, 5)], execution_id="v1")
    load(root)
    load(root)  # the same delivery again: nothing duplicates
    assert raw_totals()[("111111111111", "2025-01")] == (10, Decimal("12.5"))

    # AWS rewrites January with more lines and a new execution id: January is replaced, whole
    write_cur2_export(
        root, "acme", JAN, [cur2_rows("111111111111", JAN, 24, cost=2.0)], execution_id="v2"
    )
    load(root, periods=["2025-01"])
    totals = raw_totals()
    assert totals[("111111111111", "2025-01")] == (24, Decimal("48"))
    assert totals[("111111111111", "2025-02")] == (5, Decimal("6.25"))
    history = query(
        "select export_id, status from raw_aws_cur.export_loads where "
        "billing_period = date '2025-01-01' order by detected_at"
    )
    assert [row[0] for row in history] == ["v1", "v1", "v2"]


def test_one_payer_reload_leaves_the_other_payer_alone(warehouse: str, tmp_path: Path) -> None:
    write_cur2_export(tmp_path / "a", "payer-a", JAN, [cur2_rows("111111111111", JAN, 4)])
    write_cur2_export(tmp_path / "b", "payer-b", JAN, [cur2_rows("999999999999", JAN, 6)])
    load(tmp_path / "a")
    load(tmp_path / "b")
    totals = raw_totals()
    assert totals[("111111111111", "2025-01")][0] == 4
    assert totals[("999999999999", "2025-01")][0] == 6


@pytest.mark.parametrize("compression", ["gz", "zip"])
def test_legacy_manifest_reads_the_newest_assembly_only(
    warehouse: str, tmp_path: Path, compression: str
) -> None:
    root = tmp_path / "legacy"
    write_legacy_export(
        root, "cur", JAN, legacy_csv("333333333333", JAN, 7), "assembly-old", compression
    )
    write_legacy_export(
        root, "cur", JAN, legacy_csv("333333333333", JAN, 9, "0.25"), "assembly-new", compression
    )

    load(root)

    assert raw_totals() == {("333333333333", "2025-01"): (9, Decimal("2.25"))}
    tags = query("select distinct resource_tags from raw_aws_cur.line_items")
    assert tags == [('{"user:team":"data"}',)]
    loads = query("select export_id, export_kind, file_count from raw_aws_cur.export_loads")
    assert loads == [("assembly-new", "legacy", 1)]


@pytest.mark.parametrize(
    "fixture",
    [
        "koku/2023-06-01.csv",
        "koku/2022-07-01-alt-columns.csv",
        "koku/test_cur.csv.gz",
        "focus_converters/sample-anonymous-aws-export-dataset.csv.gz",
    ],
)
def test_real_legacy_exports_load_with_exact_totals(warehouse: str, fixture: str) -> None:
    path = FIXTURES / "aws_cur" / fixture
    report = load(path)
    expected = reference_totals([path])
    loaded = raw_totals()
    assert set(loaded) == set(expected)
    for key, (count, billed) in loaded.items():
        assert count == expected[key]["rows"]
        assert abs(billed - expected[key]["billed"]) < Decimal("0.01")
    assert report.quarantined == []


def _truncated_parquet(root: Path) -> str:
    path = root / "acme" / "data" / "BILLING_PERIOD=2025-02" / "acme-00001.snappy.parquet"
    path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])
    return "acme-00001.snappy.parquet"


def _manifest_lists_missing_file(root: Path) -> str:
    path = root / "acme" / "data" / "BILLING_PERIOD=2025-02" / "acme-00002.snappy.parquet"
    path.unlink()
    return "acme-00002.snappy.parquet"


def _empty_export(root: Path) -> str:
    path = root / "acme" / "data" / "BILLING_PERIOD=2025-02" / "acme-00001.snappy.parquet"
    path.write_bytes(b"")
    return "acme-00001.snappy.parquet"


def _header_only_export(root: Path) -> str:
    import pyarrow.parquet as pq

    for index in (1, 2):
        path = (
            root / "acme" / "data" / "BILLING_PERIOD=2025-02" / f"acme-0000{index}.snappy.parquet"
        )
        table = pq.read_table(path)
        pq.write_table(table.slice(0, 0), path)
    return "export has no rows"


@pytest.mark.parametrize(
    "break_export",
    [_truncated_parquet, _manifest_lists_missing_file, _empty_export, _header_only_export],
)
def test_bad_cur2_delivery_is_quarantined_and_the_rest_loads(
    warehouse: str, tmp_path: Path, break_export
) -> None:
    root = tmp_path / "exports"
    write_cur2_export(root, "acme", JAN, [cur2_rows("111111111111", JAN, 12)])
    write_cur2_export(
        root, "acme", FEB, [cur2_rows("111111111111", FEB, 3), cur2_rows("111111111111", FEB, 3)]
    )
    named = break_export(root)

    report = load(root)

    assert len(report.quarantined) == 1
    assert named in report.quarantined[0].reason
    assert raw_totals() == {("111111111111", "2025-01"): (12, Decimal("15"))}
    status = query(
        "select cast(billing_period as varchar), status, error from raw_aws_cur.export_loads "
        "order by 1"
    )
    assert [(p[:7], s) for p, s, _ in status] == [("2025-01", "loaded"), ("2025-02", "quarantined")]
    assert named in status[1][2]


@pytest.mark.parametrize(
    ("csv_edit", "expected"),
    [
        (
            lambda text: text.replace(",lineItem/UnblendedCost", ",lineItem/SomethingElse"),
            "line_item_unblended_cost",
        ),
        (
            lambda text: text.replace(",0.5,USD", ",zero,USD", 1),
            "row 1, column 'lineItem/UnblendedCost': value 'zero'",
        ),
        (lambda text: text.replace("id-3,333333333333,", "id-3,,", 1), "bill/PayerAccountId"),
        (
            lambda text: text.rsplit("\n", 3)[0] + "\nid-9,333333333333,2025-02-01T00:00:00Z,Usa",
            "row 4, column 'lineItem/UnblendedCost': value is empty",
        ),
        # pins a silent misload: with null padding DuckDB gave the surplus value its own column
        (
            lambda text: text.replace(",data\n", ",data,EXTRA\n", 1),
            "row 1 has more fields than the header's 8",
        ),
    ],
    ids=["missing-cost-column", "non-numeric-cost", "empty-payer", "truncated-csv", "extra-field"],
)
def test_bad_legacy_csv_names_file_row_and_column(
    warehouse: str, tmp_path: Path, csv_edit, expected: str
) -> None:
    root = tmp_path / "legacy"
    write_legacy_export(root, "cur", JAN, legacy_csv("333333333333", JAN, 5), "good")
    write_legacy_export(root, "cur", FEB, csv_edit(legacy_csv("333333333333", FEB, 5)), "bad")

    report = load(root)

    assert len(report.quarantined) == 1, report.summary()
    reason = report.quarantined[0].reason
    assert "cur-1.csv.gz" in reason and expected in reason, reason
    assert raw_totals() == {("333333333333", "2025-01"): (5, Decimal("2.5"))}


def test_billing_period_filter_loads_only_the_asked_months(warehouse: str, tmp_path: Path) -> None:
    root = tmp_path / "exports"
    write_cur2_export(root, "acme", JAN, [cur2_rows("111111111111", JAN, 2)])
    write_cur2_export(root, "acme", FEB, [cur2_rows("111111111111", FEB, 3)])
    report = load(root, periods=["2025-02"])
    assert report.billing_periods == ["2025-02"]
    assert list(raw_totals()) == [("111111111111", "2025-02")]
