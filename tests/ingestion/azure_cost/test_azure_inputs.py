"""Blob Storage (Azurite), manifests, restatements, cost views and bad input."""

from __future__ import annotations

import gzip
import json
import shutil
from decimal import Decimal
from pathlib import Path

from tests.ingestion.azure_cost.conftest import reference_total, run_source, upload, write_csv
from tests.warehouse_utils import query

HEADER = [
    "BillingAccountId", "BillingAccountName", "BillingPeriodStartDate", "BillingPeriodEndDate",
    "SubscriptionId", "SubscriptionName", "Date", "MeterCategory", "MeterName", "Quantity",
    "EffectivePrice", "CostInBillingCurrency", "BillingCurrency", "ResourceId", "Tags",
    "ChargeType", "PricingModel", "BenefitId", "BenefitName", "Frequency", "UnitOfMeasure",
    "ConsumedService",
]  # fmt: skip
BENEFITS = "Microsoft.BillingBenefits"
SP = "/providers/Microsoft.BillingBenefits/savingsPlanOrders/o1/savingsPlans/sp1"


def rows(account: str, month: str = "03", view: str = "actual", scale: int = 1) -> list[list[str]]:
    """A few MCA-style rows; the amortized view spreads the savings plan, the actual buys it."""
    vm = "/subscriptions/s1/resourceGroups/rg/providers/Microsoft.Compute/virtualMachines/vm1"
    base = [account, "Contoso", f"{month}/01/2024", f"{month}/28/2024", "s1", "Prod"]
    compute = ["Virtual Machines", "D2 v3", "24"]
    tail = ["UsageBased", "1 Hour", "Microsoft.Compute"]
    plan = ["", "Savings plan", "1"]
    usage = [
        [*base, f"{month}/0{d}/2024", *compute, "0.1", str(Decimal("2.4") * scale + d), "USD",
         vm, '"team": "web"', "Usage", "OnDemand", "", "", *tail]
        for d in range(1, 4)
    ]  # fmt: skip
    if view == "actual":
        purchase = [*base, f"{month}/01/2024", *plan, "100", "100", "USD", "", "", "Purchase",
                    "SavingsPlan", SP, "sp1", "Recurring", "1 Hour", BENEFITS]  # fmt: skip
        return [*usage, purchase]
    covered = [*base, f"{month}/02/2024", *compute, "0.05", "1.2", "USD", vm, '{"team": "data"}',
               "Usage", "SavingsPlan", SP, "sp1", *tail]  # fmt: skip
    unused = [*base, f"{month}/02/2024", *plan, "0", "3.3", "USD", "", "", "UnusedSavingsPlan",
              "SavingsPlan", SP, "sp1", "UsageBased", "1 Hour", BENEFITS]  # fmt: skip
    return [*usage, covered, unused]


def csv_bytes(data: list[list[str]], bom: bool = True) -> bytes:
    path = Path("/tmp") / f"azure-test-{id(data)}.csv"
    write_csv(path, HEADER, data, bom=bom)
    content = path.read_bytes()
    path.unlink()
    return content


def manifest(run_id: str, kind: str, blobs: dict[str, bytes], folder: str) -> bytes:
    """`_manifest.json` as Cost Management writes it for partitioned exports."""
    return json.dumps(
        {
            "manifestVersion": "2024-04-01",
            "byteCount": sum(len(b) for b in blobs.values()),
            "blobCount": len(blobs),
            "dataRowCount": None,
            "exportConfig": {
                "exportName": f"{kind.lower()}-export",
                "resourceId": "/providers/Microsoft.Billing/billingAccounts/ba1/providers/"
                f"Microsoft.CostManagement/exports/{kind.lower()}-export",
                "dataVersion": "2023-12-01-preview",
                "apiVersion": "2023-07-01-preview",
                "type": kind,
                "timeFrame": "BillingMonthToDate",
                "granularity": "Daily",
            },
            "deliveryConfig": {"partitionData": True, "fileFormat": "Csv"},
            "runInfo": {
                "executionType": "Scheduled",
                "submittedTime": f"2024-03-2{run_id[-1]}T10:00:00.1234567Z",
                "runId": run_id,
                "startDate": "2024-03-01T00:00:00",
                "endDate": "2024-03-31T00:00:00",
            },
            "blobs": [
                {
                    "blobName": f"costs/{folder}/{name}",
                    "byteCount": len(data),
                    "dataRowCount": _data_rows(name, data),
                }
                for name, data in blobs.items()
            ],
        }
    ).encode()


def _data_rows(name: str, data: bytes) -> int:
    text = (gzip.decompress(data) if name.endswith(".gz") else data).decode("utf-8-sig")
    return text.strip().count("\n")


def export_run(kind: str, run_id: str, scale: int = 1) -> dict[str, bytes]:
    view = "actual" if kind == "ActualCost" else "amortized"
    data = rows("ba1", view=view, scale=scale)
    folder = f"{kind.lower()}-export/20240301-20240331/{run_id}"
    blobs = {
        "part_0_0001.csv": csv_bytes(data[:2]),
        "part_1_0001.csv.gz": gzip.compress(csv_bytes(data[2:])),
    }
    files = {f"{folder}/{name}": data for name, data in blobs.items()}
    files[f"{folder}/_manifest.json"] = manifest(run_id, kind, blobs, folder)
    return files


def total(data: list[list[str]]) -> Decimal:
    return sum((Decimal(r[HEADER.index("CostInBillingCurrency")]) for r in data), Decimal(0))


def test_azurite_manifest_exports_and_restatement(azurite: str, duckdb_warehouse: Path) -> None:
    actual_run = "a0000000-0000-0000-0000-000000000001"
    amortized_run = "b0000000-0000-0000-0000-000000000001"
    upload(azurite, "costs", export_run("ActualCost", actual_run))
    upload(azurite, "costs", export_run("AmortizedCost", amortized_run))
    report, _ = run_source("azure://costs", connection_string=azurite)
    assert not report.quarantined, report.quarantined
    raw = dict(query("select x_cost_view, sum(cost) from raw_azure_cost.cost_details group by 1"))
    assert Decimal(raw["actual"]) == total(rows("ba1", view="actual"))
    assert Decimal(raw["amortized"]) == total(rows("ba1", view="amortized"))
    scopes = query("select distinct x_scope_id, billing_period from raw_azure_cost.cost_details")
    assert [(s, f"{p:%Y-%m}") for s, p in scopes] == [
        ("/providers/Microsoft.Billing/billingAccounts/ba1", "2024-03")
    ]

    # a restated actual run (new runId, newer) replaces the actual view only, never duplicates
    restated = "a0000000-0000-0000-0000-000000000002"
    upload(azurite, "costs", export_run("ActualCost", restated, scale=2))
    report, _ = run_source("azure://costs", connection_string=azurite)
    raw = dict(query("select x_cost_view, sum(cost) from raw_azure_cost.cost_details group by 1"))
    assert Decimal(raw["actual"]) == total(rows("ba1", view="actual", scale=2))
    assert Decimal(raw["amortized"]) == total(rows("ba1", view="amortized"))
    (export_ids,) = query(
        "select count(distinct x_export_id) from raw_azure_cost.cost_details "
        "where x_cost_view = 'actual'"
    )[0:1][0]
    assert export_ids == 1
    loads = query("select status, unit_key, checksum from raw_azure_cost.loads")
    assert all(s == "loaded" and len(c) == 32 for s, _, c in loads)


def test_one_view_only_is_said(tmp_path: Path, duckdb_warehouse: Path) -> None:
    write_csv(tmp_path / "actual" / "march.csv", HEADER, rows("ba9"))
    report, _ = run_source(str(tmp_path))
    assert any("effective (amortized) cost is unavailable" in n for n in report.notes)
    assert query("select distinct x_cost_view from raw_azure_cost.cost_details") == [("actual",)]


def test_bad_files_are_quarantined_and_good_ones_load(
    tmp_path: Path, duckdb_warehouse: Path
) -> None:
    root = tmp_path / "exports"
    good = write_csv(root / "good.csv", HEADER, rows("good"))
    write_csv(root / "bom.csv", HEADER, rows("bom"), bom=True)
    drift_new = write_csv(
        root / "drift_new.csv",
        [*HEADER, "BrandNewColumn"],
        [[*r, "x"] for r in rows("drift-new")],
    )
    renamed = [("CostBilling" if h == "CostInBillingCurrency" else h) for h in HEADER]
    write_csv(root / "drift_renamed.csv", renamed, rows("drift-renamed"))
    retyped = rows("retyped")
    retyped[1][HEADER.index("Quantity")] = "twenty"
    write_csv(root / "drift_retyped.csv", HEADER, retyped)
    ambiguous = rows("ambiguous")
    ambiguous[2][HEADER.index("CostInBillingCurrency")] = "1,234"
    write_csv(root / "ambiguous.csv", HEADER, ambiguous)
    write_csv(root / "header_only.csv", HEADER, [])
    (root / "corrupt.csv.gz").write_bytes(gzip.compress(csv_bytes(rows("gz")))[:60])
    latin = csv_bytes(rows("latin"), bom=False).replace(b"Prod", b"Pr\xf6d", 1)
    (root / "latin1.csv").write_bytes(latin)
    wrong = write_csv(root / "sub" / "20240301-20240331" / "wrong.csv", HEADER, rows("w", "02"))
    shutil.copy(good, root / "zz_copy_of_good.csv")

    report, _ = run_source(str(root))
    reasons = {q.path: q.reason for q in report.quarantined}
    assert "required column CostInBillingCurrency" in reasons["drift_renamed.csv"]
    assert "row 2, column 'Quantity'" in reasons["drift_retyped.csv"]
    assert "row 3, column 'CostInBillingCurrency'" in reasons["ambiguous.csv"]
    assert "number_locale 'plain'" in reasons["ambiguous.csv"]
    assert "no rows (header only)" in reasons["header_only.csv"]
    assert "corrupt.csv.gz" in reasons["corrupt.csv.gz"]
    assert "line 2 is not valid UTF-8" in reasons["latin1.csv"]
    wrong_rel = str(wrong.relative_to(root))
    assert "wrong billing period" in reasons[wrong_rel]
    assert "column 'BillingPeriodStartDate'" in reasons[wrong_rel]
    assert "duplicate file" in reasons["zz_copy_of_good.csv"]
    assert len(reasons) == 8

    raw = dict(query("select x_source_file, sum(cost) from raw_azure_cost.cost_details group by 1"))
    assert set(raw) == {"good.csv", "bom.csv", "drift_new.csv"}
    for name in raw:
        assert Decimal(raw[name]) == reference_total(root / name)
    (extra,) = query(
        "select max(x_extra) from raw_azure_cost.cost_details where x_source_file = ?",
        (drift_new.name,),
    )[0]
    assert json.loads(extra) == {"BrandNewColumn": "x"}
    (tags,) = query("select max(tags) from raw_azure_cost.cost_details")[0]
    assert json.loads(tags) == {"team": "web"}
    quarantined = query(
        "select source_file, error from raw_azure_cost.loads where status = 'quarantined'"
    )
    assert {f for f, _ in quarantined} == set(reasons)
