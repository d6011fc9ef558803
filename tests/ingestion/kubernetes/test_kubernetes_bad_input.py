"""Bad files are quarantined with file, row (or JSON path) and column; good files still load."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from ingestion.common.report import SourceReport
from ingestion.kubernetes.plan import LoadPlan
from tests.ingestion.kubernetes.helpers import ALLOCATION_CSV, ALLOCATION_JSON, KOKU, run
from tests.warehouse_utils import query, table_exists

GOOD = "good/allocation-2025-01.json"


def _write(root: Path, name: str, content: str | bytes) -> None:
    path = root / name
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content)


def _bad_value(path: str, value: object) -> str:
    doc = json.loads(ALLOCATION_JSON.read_text())
    step, name = path.split("|")
    doc["data"][int(step)][name]["cpuCost"] = value
    return json.dumps(doc, indent=1)


CASES = {
    "malformed.json": (
        '{"code": 200,\n "data": [{"a": {"name": "a" "totalCost": 1}}]}',
        ["malformed.json", "malformed JSON at line 2, column 30"],
    ),
    "truncated-2025-01.json": (
        ALLOCATION_JSON.read_text()[:5000],
        ["truncated-2025-01.json", "line"],
    ),
    "bad-value-2025-01.json": (
        _bad_value("1|eks-prod/__unallocated__", "twelve"),
        ['data[1]["eks-prod/__unallocated__"].cpuCost', "'twelve'"],
    ),
    "error-code.json": (
        '{"code": 500, "message": "prometheus down", "data": []}',
        ["$.code is 500"],
    ),
    "wrong-month/allocation-2025-03.json": (
        ALLOCATION_JSON.read_text(),
        ["allocation-2025-03.json", "window.start", "outside 2025-03", "wrong month"],
    ),
    "header-only.csv": (
        ALLOCATION_CSV.read_text().splitlines()[0] + "\n",
        ["header-only.csv", "no allocation rows"],
    ),
    "latin1.csv": (
        ALLOCATION_CSV.read_text().replace("mobile-bff", "mobile-bff-caf\u00e9").encode("latin-1"),
        ["latin1.csv", "cannot be read"],
    ),
    "bad-number.csv": (
        ALLOCATION_CSV.read_text().replace("0.379332,0.05084", "0.379332,abc", 1),
        ["bad-number.csv", "row 1", "'RAMCost'", "'abc'"],
    ),
    "ambiguous.csv": (
        ALLOCATION_CSV.read_text().replace("0.430172\n", '"1,430"\n', 1),
        ["ambiguous.csv", "row 1", "'TotalCost'", "'1,430'"],
    ),
    "no-total.csv": ("Date,Namespace,CPUCost\n2025-02-01,a,1\n", ["required column 'TotalCost'"]),
}


def test_bad_files_are_quarantined_and_good_files_load(
    duckdb_warehouse: Path, tmp_path: Path
) -> None:
    root = tmp_path / "k8s"
    (root / "good").mkdir(parents=True)
    shutil.copy(ALLOCATION_JSON, root / GOOD)
    for name, (content, _) in CASES.items():
        _write(root, name, content)
    # a koku payload whose manifest lists a file that is not there
    shutil.copytree(KOKU / "payload", root / "koku")
    manifest = json.loads((root / "koku" / "manifest.json").read_text())
    manifest["files"].append("missing_report.csv")
    (root / "koku" / "manifest.json").write_text(json.dumps(manifest))

    report = run(root, cluster_id="gke-ml")
    reasons = {q.path: q.reason for q in report.quarantined}
    for name, (_, fragments) in CASES.items():
        assert name in reasons, f"{name} was not quarantined: {reasons}"
        for fragment in fragments:
            assert fragment in reasons[name], (name, reasons[name])
    assert "missing_report.csv" in reasons["koku/manifest.json"]
    assert len(reasons) == len(CASES) + 1

    # the good file loaded in full; every quarantine is in the loads table with its reason
    doc = json.loads(ALLOCATION_JSON.read_text())
    expected_rows = sum(len(step) for step in doc["data"])
    assert query("select count(*) from raw_kubernetes.allocations")[0][0] == expected_rows
    assert {
        r[0] for r in query("select distinct x_source_file from raw_kubernetes.allocations")
    } == {GOOD}
    refused = dict(
        query("select source_file, error from raw_kubernetes.loads where status = 'quarantined'")
    )
    assert refused == reasons
    # the refused payload wrote nothing (dlt creates no table for a resource without rows)
    assert not table_exists("raw_kubernetes", "openshift_pod_usage")


def test_comma_decimals_load_only_under_a_declared_locale(tmp_path: Path) -> None:
    text = ALLOCATION_CSV.read_text().replace("0.430172\n", '"1.430,25"\n', 1)
    path = tmp_path / "de.csv"
    path.write_text(text)
    plain = SourceReport()
    LoadPlan(str(path), None, plain, cluster_id="c").prepare()
    assert plain.quarantined and "'1.430,25'" in plain.quarantined[0].reason
    german = SourceReport()
    plan = LoadPlan(str(path), None, german, cluster_id="c", number_locale="de")
    plan.prepare()
    assert not german.quarantined
    totals = [b.column("total_cost").to_pylist() for b in plan.batches("allocations")]
    assert str(totals[0][0]) == "1430.2500000000"


def test_same_cluster_day_in_two_files_keeps_the_newer(tmp_path: Path) -> None:
    older, newer = tmp_path / "a" / "export.json", tmp_path / "b" / "export.json"
    for path in (older, newer):
        path.parent.mkdir()
        shutil.copy(ALLOCATION_JSON, path)
    doc = json.loads(ALLOCATION_JSON.read_text())
    for item in doc["data"][0].values():
        item["totalCost"] = 1.0
    newer.write_text(json.dumps(doc))
    report = SourceReport()
    plan = LoadPlan(str(tmp_path), None, report)
    plan.prepare()
    rows = [r for b in plan.batches("allocations") for r in b.to_pylist()]
    assert len(rows) == sum(len(step) for step in doc["data"])  # no day twice
    day_one = [r for r in rows if str(r["usage_date"]) == "2025-01-01"]
    assert {r["x_source_file"] for r in day_one} == {"b/export.json"}
    assert any("kept the newer" in note for note in report.notes)


@pytest.mark.parametrize("month", ["2025-01", "2025-02"])
def test_billing_periods_limit_what_loads(tmp_path: Path, month: str) -> None:
    shutil.copy(ALLOCATION_JSON, tmp_path)
    shutil.copy(ALLOCATION_CSV, tmp_path)
    report = SourceReport()
    LoadPlan(str(tmp_path), [month], report, cluster_id="gke-ml").prepare()
    assert report.billing_periods == [month]
