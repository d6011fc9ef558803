"""FOCUS source against real DuckDB and PostgreSQL: real samples, bad input, restatements, dbt.

Reference totals are computed here from the files with the csv module and Decimal.
"""

from __future__ import annotations

import shutil
import uuid
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

import ingestion.focus_files as focus
from ingestion.focus_files import months_found
from tests.conftest import FIXTURES, _admin_connection
from tests.ingestion.focus_files.helpers import (
    create_empty_aws_raw,
    dbt_build,
    gz_bytes,
    reference_billed,
    reference_by_month,
    run_source,
)
from tests.warehouse_utils import query, use_warehouse

FOCUS = FIXTURES / "focus_files"
CENT = Decimal("0.01")


@pytest.fixture(params=["duckdb", "postgres"])
def warehouse(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """An empty warehouse of each kind (a fresh PostgreSQL schema set per test)."""
    if request.param == "duckdb":
        with use_warehouse("duckdb", duckdb_file=tmp_path / "wh.duckdb"):
            yield "duckdb"
        return
    # a database per test: each test starts from nothing, like a new deployment
    database = f"finops_focus_{uuid.uuid4().hex[:8]}"
    with _admin_connection() as con:
        con.execute(f'create database "{database}"')
    try:
        with use_warehouse("postgres", pg_database=database):
            yield "postgres"
    finally:
        with _admin_connection() as con:
            con.execute(f'drop database if exists "{database}" with (force)')


def _raw_total(where: str = "1 = 1") -> Decimal:
    return query(f"select coalesce(sum(billed_cost), 0) from raw_focus_files.costs where {where}")[
        0
    ][0]


def test_focus_sample_loads_with_notes_and_exact_totals(warehouse: str, tmp_path: Path) -> None:
    sample = FOCUS / "focus_sample.csv"
    report = run_source(focus, sample)
    assert not report.quarantined
    assert abs(_raw_total() - reference_billed(sample)) < CENT
    by_month = dict(
        query(
            "select cast(billing_period as varchar), sum(billed_cost) "
            "from raw_focus_files.costs group by 1"
        )
    )
    for month, total in reference_by_month(sample).items():
        assert abs(by_month[f"{month}-01"] - total) < CENT
    notes = " ".join(report.notes)
    assert "FOCUS 1.0" in notes and "literal NULL" in notes and "without a time zone" in notes
    assert "Id" in notes  # the extra column is reported and kept
    assert "provider AWS, Microsoft" in notes  # double counting warning
    versions = query("select distinct x_focus_version from raw_focus_files.costs")
    assert versions == [("1.0",)]
    extra = query("select x_extra from raw_focus_files.costs where x_source_row = 1")[0][0]
    assert '"Id"' in extra
    # literal NULL text is null, not the string
    assert query("select count(*) from raw_focus_files.costs where charge_class = 'NULL'") == [(0,)]
    loads = query(
        "select unit_key, status, row_count, cost_total, focus_version, checksum "
        "from raw_focus_files.loads order by unit_key"
    )
    assert {row[1] for row in loads} == {"loaded"}
    assert sum(row[2] for row in loads) == 1000
    assert all(row[4] == "1.0" and len(row[5]) == 32 for row in loads)

    # a second run replaces every unit: no duplicates
    run_source(focus, sample)
    assert query("select count(*) from raw_focus_files.costs") == [(1000,)]

    # bronze and silver build on top, with int_costs_unioned, and keep the totals
    create_empty_aws_raw()
    dbt_build(tmp_path, "+int_costs_unioned", "stg_focus_files__loads", "stg_saas__loads")
    silver = query(
        "select sum(billed_cost), count(*), count(distinct x_cost_line_id) "
        "from silver.int_costs_unioned where x_provider = 'focus'"
    )[0]
    assert abs(silver[0] - reference_billed(sample)) < CENT
    assert silver[1] == silver[2] == 1000
    providers = query(
        "select distinct provider_name, service_provider_name from silver.int_focus__costs_focus"
    )
    assert {p for p, s in providers} == {"AWS", "Microsoft", "Oracle"}
    assert all(p == s for p, s in providers)  # carried to the 1.3 column


def test_spec_examples_load_as_they_are(warehouse: str) -> None:
    root = FOCUS / "spec_examples"
    # one run: the commitment examples carry no account or provider, so they share one unit
    # (2023-01, '', '') and a run replaces that unit with the files it holds
    report = run_source(focus, root, number_locale="en")
    assert not report.quarantined, report.quarantined
    scenarios = report
    expected = sum((reference_billed(p) for p in root.rglob("*.csv")), Decimal(0))
    assert abs(_raw_total() - expected) < CENT
    # the deliberately broken hour in the spec's purchase examples loads as null, with a note
    assert any("30:00:00Z" in note for note in scenarios.notes)
    # M/D/YY dates of the SaaS examples are read as such
    months = query(
        "select min(billing_period), max(billing_period) from raw_focus_files.costs "
        "where x_source_file like ?",
        ("saas_examples/spend_agreements/%",),
    )[0]
    assert (str(months[0]), str(months[1])) == ("2025-04-01", "2026-03-01")
    assert query("select count(distinct x_focus_version) from raw_focus_files.costs")[0][0] >= 2


def test_validator_samples_loader_decisions(warehouse: str) -> None:
    root = FOCUS / "validator_samples"
    report = run_source(focus, root)
    quarantined = {q.path: q.reason for q in report.quarantined}
    # fragments without an amount or a billing period cannot be placed: quarantined with reason
    for name in ("all_fail.csv", "fail_charge_type_bad_value.csv", "sample.parquet"):
        assert "required FOCUS column 'BilledCost'" in quarantined[name]
    assert "'BillingPeriodStart' is missing" in quarantined["fail_invoice_issuer.csv"]
    assert "billedCostTest.csv" in quarantined
    # the FOCUS 0.5 file is a valid file with rule failures: it loads, old names mapped
    assert "all_pass_0.5.csv" not in quarantined
    rows = query(
        "select charge_category, effective_cost, provider_name, x_focus_version "
        "from raw_focus_files.costs order by charge_category"
    )
    assert rows == [
        ("Adjustment", Decimal("1"), "B", "0.5"),
        ("Purchase", Decimal("0.01"), "A", "0.5"),
    ]
    statuses = dict(query("select status, count(*) from raw_focus_files.loads group by status"))
    assert statuses["quarantined"] == len(quarantined) and statuses["loaded"] == 2


GOOD = (
    "BillingAccountId,ProviderName,BillingPeriodStart,BillingPeriodEnd,ChargePeriodStart,"
    "BilledCost,EffectiveCost,BillingCurrency,ChargeCategory\n"
    "acct-1,Acme,2025-01-01T00:00:00Z,2025-02-01T00:00:00Z,2025-01-05T00:00:00Z,10.25,10.25,USD,"
    "Usage\n"
    "acct-1,Acme,2025-01-01T00:00:00Z,2025-02-01T00:00:00Z,2024-12-28T00:00:00Z,1.50,1.50,USD,"
    "Usage\n"
)


def _bad_root(tmp_path: Path) -> Path:
    root = tmp_path / "focus"
    (root / "good").mkdir(parents=True)
    (root / "good" / "acme_2025-01.csv").write_text(GOOD)
    (root / "good" / "acme_2025-01_copy.csv").write_text(GOOD)  # duplicated file
    bad = root / "bad"
    bad.mkdir()
    (bad / "drift.csv").write_text(GOOD.replace("BilledCost", "Billed_Amount"))
    (bad / "empty.csv").write_bytes(b"")
    (bad / "header_only.csv").write_text(GOOD.splitlines()[0] + "\n")
    (bad / "truncated.csv.gz").write_bytes(gz_bytes(GOOD * 50)[:-40])
    (bad / "corrupt.parquet").write_bytes(b"PAR1" + b"\x00garbage" * 20)
    (bad / "latin1.csv").write_bytes(GOOD.replace("Acme", "Acm\xe9").encode("latin-1"))
    (bad / "ambiguous.csv").write_text(GOOD.replace("10.25,10.25", '"1,234",10.25'))
    wrong = root / "exports" / "BILLING_PERIOD=2025-03"
    wrong.mkdir(parents=True)
    (wrong / "part-1.csv").write_text(GOOD.replace("Acme", "Wrong"))
    return root


def test_bad_input_is_quarantined_with_reason_and_good_files_load(
    warehouse: str, tmp_path: Path
) -> None:
    root = _bad_root(tmp_path)
    # a BOM and a gzip/parquet copy of a good file load fine
    (root / "good" / "bom.csv").write_bytes(
        b"\xef\xbb\xbf" + GOOD.replace("acct-1", "acct-bom").encode()
    )
    (root / "good" / "gz_2025-01.csv.gz").write_bytes(gz_bytes(GOOD.replace("acct-1", "acct-gz")))
    table = pa.table(
        {
            "BillingAccountId": ["acct-pq"],
            "ProviderName": ["Acme"],
            "BillingPeriodStart": pa.array(
                [pa.scalar(1735689600, pa.timestamp("s", tz="UTC")).as_py()],
                pa.timestamp("s", tz="UTC"),
            ),
            "BilledCost": pa.array([Decimal("7.125")], pa.decimal128(18, 4)),
            "BillingCurrency": ["USD"],
        }
    )
    pq.write_table(table, root / "good" / "pq.parquet")
    report = run_source(focus, root)
    reasons = {q.path: q.reason for q in report.quarantined}
    assert "required FOCUS column 'BilledCost'" in reasons["bad/drift.csv"]
    assert "empty (0 bytes)" in reasons["bad/empty.csv"]
    assert "header only" in reasons["bad/header_only.csv"]
    assert "cannot be read" in reasons["bad/truncated.csv.gz"]
    assert "cannot be read" in reasons["bad/corrupt.parquet"]
    assert "cannot be read" in reasons["bad/latin1.csv"]
    assert "row 1, column 'BilledCost'" in reasons["bad/ambiguous.csv"]
    assert "'1,234'" in reasons["bad/ambiguous.csv"]
    assert (
        "outside the billing period 2025-03" in reasons["exports/BILLING_PERIOD=2025-03/part-1.csv"]
    )
    duplicates = [p for p in reasons if p.startswith("good/")]
    assert len(duplicates) == 1 and "same content" in reasons[duplicates[0]]
    # every good file loaded exactly once, with its reference total
    expected = reference_billed(root / "good" / "acme_2025-01.csv")
    by_account = dict(
        query("select billing_account_id, sum(billed_cost) from raw_focus_files.costs group by 1")
    )
    assert by_account == {
        "acct-1": expected,
        "acct-bom": expected,
        "acct-gz": expected,
        "acct-pq": Decimal("7.125"),
    }
    quarantined = query(
        "select source_file, error from raw_focus_files.loads where status = 'quarantined'"
    )
    assert {row[0] for row in quarantined} == set(reasons)
    # the late row (charge period in December) is loaded with its January billing period
    assert (
        query(
            "select count(*) from raw_focus_files.costs where billing_period = date '2025-01-01'"
        )[0][0]
        == 7
    )


def test_restatement_replaces_the_unit_and_declared_version(warehouse: str, tmp_path: Path) -> None:
    root = tmp_path / "r"
    root.mkdir()
    (root / "acme.csv").write_text(GOOD)
    run_source(focus, root)
    (root / "acme.csv").write_text(GOOD.replace("10.25,10.25", "20.00,20.00"))
    report = run_source(focus, root, focus_version="1.2")
    assert query("select count(*), sum(billed_cost) from raw_focus_files.costs") == [
        (2, Decimal("21.5"))
    ]
    # the columns fit 1.0-preview..1.4, so the declared 1.2 is used and recorded
    assert query("select distinct x_focus_version from raw_focus_files.costs") == [("1.2",)]
    assert any("declared by focus_version" in note for note in report.notes)
    assert len(query("select * from raw_focus_files.loads where status = 'loaded'")) == 2


def test_version_signatures() -> None:
    from ingestion.focus_files.columns import detect_version

    azure = {
        "1.0-preview": ["BilledCost", "BillingPeriodStart", "ChargeSubcategory", "Region"],
        "1.0": ["BilledCost", "BillingPeriodStart", "ChargeClass", "RegionId"],
        "1.1": ["BilledCost", "BillingPeriodStart", "ChargeClass", "SkuMeter"],
        "1.2": ["BilledCost", "BillingPeriodStart", "InvoiceId", "PricingCurrency"],
        "1.3": ["BilledCost", "BillingPeriodStart", "ServiceProviderName", "ProviderName"],
        "1.4": ["BilledCost", "BillingPeriodStart", "ServiceProviderName", "InvoiceDetailId"],
        "0.5": ["BilledCost", "BillingPeriodStart", "ChargeType", "AmortizedCost"],
    }
    for version, headers in azure.items():
        assert detect_version(headers).version == version, version
    # a 1.0 signature is open above: the declared version settles it; an impossible one is noted
    assert detect_version(azure["1.0"], "1.2").version == "1.2"
    conflict = detect_version(azure["1.3"], "1.0")
    assert (conflict.version, conflict.source) == ("1.3", "conflict")


def test_months_found_and_lazy_source(tmp_path: Path) -> None:
    root = _bad_root(tmp_path)
    assert months_found(str(root)) == ["2025-01", "2025-03"]
    # constructing the source reads nothing (Dagster builds it with a placeholder path)
    focus.dlt_source(path=str(tmp_path / "does-not-exist"))
    shutil.rmtree(root)


def test_azure_older_runs_are_ignored(warehouse: str, tmp_path: Path) -> None:
    month = tmp_path / "az" / "focus-export" / "20250101-20250131"
    old, new = month / str(uuid.UUID(int=1)), month / str(uuid.UUID(int=2))
    old.mkdir(parents=True)
    (old / "part_0_0001.csv").write_text(GOOD.replace("10.25,10.25", "99.00,99.00"))
    import os
    import time

    new.mkdir()
    (new / "part_0_0001.csv").write_text(GOOD)
    later = time.time() + 60
    os.utime(new / "part_0_0001.csv", (later, later))
    report = run_source(focus, tmp_path / "az")
    assert any("older export run" in note for note in report.notes)
    assert _raw_total() == reference_billed(new / "part_0_0001.csv")
