"""Real Azure exports load as they are, into DuckDB and PostgreSQL, and silver keeps the money.

References are computed here from the files (csv + Decimal); the code under test never sees them.
"""

from __future__ import annotations

import json
import os
from decimal import Decimal
from pathlib import Path

import pytest
from dbt.cli.main import dbtRunner

from tests.ingestion.azure_cost.conftest import FIXTURES, reference_total, run_source
from tests.warehouse_utils import query, use_warehouse

# FINOPS_TEST_DBT_PROJECT points the dbt steps at another checkout of the project (e.g. a clean
# copy while other folders of this one are mid-edit); the default is this repository's project
PROJECT_DIR = Path(
    os.environ.get("FINOPS_TEST_DBT_PROJECT", Path(__file__).resolve().parents[3] / "dbt_project")
)
CENT = Decimal("0.01")
SAMPLE_DIRS = ("koku", "finops_toolkit", "focus_converters")


def _files(folder: str) -> list[Path]:
    return sorted((FIXTURES / folder).glob("*.csv"))


def _dbt(tmp: Path, *args: str) -> None:
    from ingestion.warehouse import dbt_env

    cli = [
        *args,
        "--project-dir", str(PROJECT_DIR),
        "--profiles-dir", str(PROJECT_DIR),
        "--target-path", str(tmp / "target"),
        "--log-path", str(tmp / "logs"),
        "--no-use-colors",
        "--quiet",
    ]  # fmt: skip
    saved = {k: os.environ.get(k) for k in dbt_env()}
    os.environ.update(dbt_env())
    try:
        result = dbtRunner().invoke(cli)
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
    failures = [
        f"{r.node.unique_id}: {r.status} {r.message}"
        for r in (result.result or [])
        if str(r.status) not in ("success", "pass")
    ]
    assert result.success and not failures, f"dbt {args} failed: {result.exception} {failures}"


def _load_all_samples() -> dict[str, object]:
    reports = {}
    for folder in SAMPLE_DIRS:
        reports[folder] = run_source(str(FIXTURES / folder))[0]
    return reports


def _raw_totals() -> dict[tuple[str, str], Decimal]:
    rows = query(
        "select x_source_file, x_cost_view, sum(cost) from raw_azure_cost.cost_details "
        "group by 1, 2"
    )
    return {(f, v): Decimal(t) for f, v, t in rows}


def _check_samples_and_silver(tmp: Path) -> None:
    reports = _load_all_samples()
    raw = _raw_totals()
    for folder in SAMPLE_DIRS:
        for path in _files(folder):
            if path.name == "EA_NoRows.csv":
                continue
            view = "amortized" if "Amortized" in path.name else "actual"
            assert abs(raw[(path.name, view)] - reference_total(path)) <= CENT, path.name

    # the header-only export is refused with a clear reason and a note, not a crash
    toolkit = reports["finops_toolkit"]
    assert [q.path for q in toolkit.quarantined] == ["EA_NoRows.csv"]
    assert "no rows (header only)" in toolkit.quarantined[0].reason
    assert any("empty export" in note for note in toolkit.notes)
    loads = query(
        "select status, error from raw_azure_cost.loads where source_file = 'EA_NoRows.csv'"
    )
    assert loads and loads[0][0] == "quarantined" and "header only" in loads[0][1]

    _dbt(tmp, "build", "--select", "+int_costs_unioned", "--indirect-selection", "cautious")
    silver = {
        (f, op): (b, e)
        for f, op, b, e in query(
            "select x_source_file, x_operation, sum(billed_cost), sum(effective_cost) "
            "from silver.int_azure__costs_focus group by 1, 2"
        )
    }
    for folder in SAMPLE_DIRS:
        for path in _files(folder):
            if path.name == "EA_NoRows.csv":
                continue
            reference = reference_total(path)
            if "Amortized" in path.name:
                billed, effective = silver[(path.name, "amortized")]
                assert billed == 0  # the actual view of the same month carries the billed cost
                assert abs(Decimal(effective) - reference) <= CENT
            else:
                billed, effective = silver[(path.name, "actual")]
                assert abs(Decimal(billed) - reference) <= CENT, path.name
                if folder == "finops_toolkit":
                    assert effective == 0  # amortized view loaded: counted there, not here
                else:
                    assert effective is None  # no amortized export: unavailable, not zero
    # union carries every Azure billed dollar exactly once
    (union_billed,) = query(
        "select sum(billed_cost) from silver.int_costs_unioned where x_provider = 'azure'"
    )[0]
    expected = sum(
        reference_total(p)
        for folder in SAMPLE_DIRS
        for p in _files(folder)
        if "Amortized" not in p.name and p.name != "EA_NoRows.csv"
    )
    assert abs(Decimal(union_billed) - expected) <= CENT
    # FOCUS mappings on the real EA rows
    rows = query(
        "select charge_category, commitment_discount_type, commitment_discount_status, "
        "pricing_category, tags from silver.int_azure__costs_focus "
        "where x_source_file = 'EA_AmortizedCost_Small.csv' and x_line_item_type = 'Usage' "
        "and strpos(commitment_discount_id, 'savingsPlans') > 0"
    )
    assert rows, "savings plan usage rows are mapped to a commitment"
    for category, kind, status, pricing, tags in rows:
        assert (category, kind, status, pricing) == ("Usage", "Savings Plan", "Used", "Committed")
        assert isinstance(json.loads(tags), dict)  # brace-less tags became a JSON object
    categories = {
        c for (c,) in query("select distinct service_category from silver.int_azure__costs_focus")
    }
    assert "Compute" in categories or "Storage" in categories


def test_real_samples_duckdb(tmp_path: Path) -> None:
    with use_warehouse("duckdb", tmp_path / "wh.duckdb"):
        _check_samples_and_silver(tmp_path)


def test_real_samples_postgres(tmp_path: Path, postgres_database: str) -> None:
    with use_warehouse("postgres", pg_database=postgres_database):
        _check_samples_and_silver(tmp_path)


@pytest.mark.parametrize("folder", SAMPLE_DIRS)
def test_sample_rows_keep_lineage(folder: str, duckdb_warehouse: Path) -> None:
    run_source(str(FIXTURES / folder))
    rows = query(
        "select x_source_file, count(*), min(x_source_row), max(x_source_row), "
        "count(distinct x_source_row) from raw_azure_cost.cost_details group by 1"
    )
    for name, count, first, last, distinct in rows:
        assert (first, last, distinct) == (1, count, count), name
