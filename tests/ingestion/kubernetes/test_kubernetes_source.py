"""Load allocation JSON, allocation CSV and a koku payload into DuckDB and PostgreSQL, then
build the Kubernetes dbt models and compare with totals computed from the files."""

from __future__ import annotations

import hashlib
import json
import shutil
from decimal import Decimal
from pathlib import Path

from tests.ingestion.kubernetes.helpers import (
    ALLOCATION_CSV,
    ALLOCATION_JSON,
    CSV_CLUSTER,
    KOKU,
    csv_reference,
    dbt_build,
    json_reference,
    run,
)
from tests.warehouse_utils import query

CENT = Decimal("0.01")


def _root(tmp_path: Path) -> Path:
    root = tmp_path / "k8s"
    (root / "opencost").mkdir(parents=True)
    shutil.copy(ALLOCATION_JSON, root / "opencost")
    shutil.copy(ALLOCATION_CSV, root / "opencost")
    shutil.copytree(KOKU, root / "koku")
    return root


def _raw_units() -> dict[tuple[str, str], tuple[int, Decimal]]:
    rows = query(
        "select billing_period, cluster_id, count(*), sum(total_cost) "
        "from raw_kubernetes.allocations group by 1, 2"
    )
    return {(f"{p:%Y-%m}", c): (n, Decimal(t)) for p, c, n, t in rows}


def test_loads_files_replaces_units_and_builds_models(warehouse: str, tmp_path: Path) -> None:
    root = _root(tmp_path)
    expected = json_reference(ALLOCATION_JSON) | csv_reference(ALLOCATION_CSV, CSV_CLUSTER)

    report = run(root, cluster_id=CSV_CLUSTER)
    assert report.quarantined == []
    loaded = _raw_units()
    assert set(loaded) == set(expected)
    for key, ref in expected.items():
        assert loaded[key][0] == ref["rows"], key
        assert loaded[key][1].quantize(CENT) == ref["total"].quantize(CENT), key

    # loads: one row per unit with the file's md5 and the unit's cost total
    md5 = hashlib.md5(ALLOCATION_JSON.read_bytes(), usedforsecurity=False).hexdigest()
    rows = query(
        "select unit_key, checksum, row_count, cost_total, status from raw_kubernetes.loads "
        "where table_name = 'allocations' and billing_period = date '2025-01-01'"
    )
    assert {r[0] for r in rows} == {"eks-prod", "aks-west", "dc-onprem"}
    for unit_key, checksum, count, total, status in rows:
        assert status == "loaded" and checksum == md5
        assert count == expected[("2025-01", unit_key)]["rows"]
        assert Decimal(total).quantize(CENT) == expected[("2025-01", unit_key)]["total"].quantize(
            CENT
        )

    # koku payload: every report row, usage only, under the manifest's cluster id
    manifest = json.loads((KOKU / "payload" / "manifest.json").read_text())
    pod_file = next(f for f in manifest["files"] if "storage" not in f)
    pod_lines = (KOKU / "payload" / pod_file).read_text().count("\n") - 1
    assert query(
        "select count(*), min(cluster_id), max(cluster_id) from raw_kubernetes.openshift_pod_usage"
    )[0] == (pod_lines, manifest["cluster_id"], manifest["cluster_id"])

    # a second run of the same files replaces the units: nothing doubles
    run(root, cluster_id=CSV_CLUSTER)
    assert _raw_units() == loaded

    # a restated month file for one cluster replaces that cluster's month only
    restated = json.loads(ALLOCATION_JSON.read_text())
    restated["data"] = restated["data"][:1]  # the cluster's month now holds one day
    (root / "opencost" / "allocation-2025-01.json").write_text(json.dumps(restated))
    run(root, cluster_id=CSV_CLUSTER)
    day_one = json_reference(root / "opencost" / "allocation-2025-01.json")
    after = _raw_units()
    assert after[("2025-01", "eks-prod")][0] == day_one[("2025-01", "eks-prod")]["rows"]
    assert after[("2025-02", CSV_CLUSTER)] == loaded[("2025-02", CSV_CLUSTER)]

    _check_models(tmp_path, root, day_one)


def _check_models(tmp_path: Path, root: Path, day_one: dict) -> None:
    dbt_build(tmp_path)
    weights = query(
        "select cluster_id, node_name, node_provider, node_provider_id, namespace, pod, x_team, "
        "is_idle, is_on_prem, x_allocation_count, x_weight_cpu, total_cost "
        "from silver.int_kubernetes__allocation_weights"
    )
    by_pod = {(w[0], w[5]): w for w in weights if w[5]}
    # two containers of one pod sum into one row; team from the pod label over the namespace's
    api = by_pod[("eks-prod", "payments-api-7d9f-x2x")]
    assert api[3] == "i-0a1b2c3d4e5f60718" and api[2] == "aws"
    assert api[6] == "payments" and api[9] == 2
    assert abs(api[10] - (0.5 + 0.15) * 24) < 1e-9  # max(request, usage) core-hours per container
    assert by_pod[("eks-prod", "kafka-0")][6] == "data"  # `owner` label
    indexer = by_pod[("aks-west", "indexer-55-abc")]
    assert indexer[3] == (
        "/subscriptions/0000-1111/resourceGroups/mc_rg/providers/Microsoft.Compute/"
        "virtualMachineScaleSets/aks-pool-vmss"
    )
    on_prem = {w[0] for w in weights if w[8]}
    assert on_prem == {"dc-onprem"}  # no providerID; the CSV cluster counts as cloud
    assert sum(1 for w in weights if w[7] and w[0] == "eks-prod") == 2  # one idle per node

    # weights keep every dollar of raw
    raw_total = query("select sum(total_cost) from raw_kubernetes.allocations")[0][0]
    weights_total = sum((Decimal(w[11]) for w in weights), Decimal(0))
    assert weights_total.quantize(CENT) == Decimal(raw_total).quantize(CENT)

    # FOCUS rows: only the on-prem cluster, billed = effective = its OpenCost total
    focus = query(
        "select x_provider, provider_name, billing_account_id, sum(billed_cost), "
        "sum(effective_cost), min(charge_description), count(*) "
        "from silver.int_kubernetes__costs_focus group by 1, 2, 3"
    )
    assert len(focus) == 1
    provider, name, account, billed, effective, description, _rows = focus[0]
    assert (provider, name, account) == ("kubernetes", "Kubernetes (on-premises)", "dc-onprem")
    expected = day_one[("2025-01", "dc-onprem")]["total"]
    assert (
        Decimal(billed).quantize(CENT)
        == expected.quantize(CENT)
        == Decimal(effective).quantize(CENT)
    )
    assert "not an invoice" in description

    # an on-prem list makes a cluster's cost rows appear, by configuration alone
    dbt_build(tmp_path, variables={"on_prem_clusters": [CSV_CLUSTER]})
    clusters = {
        r[0]
        for r in query("select distinct billing_account_id from silver.int_kubernetes__costs_focus")
    }
    assert clusters == {"dc-onprem", CSV_CLUSTER}

    usage = query(
        "select usage_kind, sum(cpu_core_usage_hours), sum(pvc_usage_gib_hours) "
        "from silver.int_openshift__usage group by 1"
    )
    assert {u[0] for u in usage} == {"pod", "storage"}
    seconds = query(
        "select sum(pod_usage_cpu_core_seconds) from raw_kubernetes.openshift_pod_usage"
    )
    pod_hours = next(u[1] for u in usage if u[0] == "pod")
    assert abs(pod_hours - seconds[0][0] / 3600) < 1e-6
