"""Azure sample exports: loaded by the real Azure source, checked against files and ground truth.

Reference totals are recomputed here from the written files with the csv module and Decimal,
independently of the generator's arithmetic and of the loader.
"""

from __future__ import annotations

import csv
import gzip
import io
import json
from collections import Counter, defaultdict
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from ingestion.sample_data import generate
from ingestion.sample_data.aws_catalog import MISSPELLINGS, TEAMS
from tests.warehouse_utils import query, use_warehouse

ARGS: dict[str, Any] = {
    "months": 2,
    "scale": 3_000,
    "seed": 5,
    "end_month": date(2025, 3, 1),
    "providers": ("azure",),
}
CENT = Decimal("0.01")


def read_rows(path: Path) -> list[dict[str, str]]:
    """Rows of one part file (plain or gzip CSV)."""
    data = path.read_bytes()
    if path.name.endswith(".gz"):
        data = gzip.decompress(data)
    return list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"), newline="")))


def runs(root: Path) -> dict[tuple[str, str], list[dict[str, str]]]:
    """Rows per (billing period, view), read through each run's `_manifest.json`."""
    out: dict[tuple[str, str], list[dict[str, str]]] = {}
    for manifest in sorted(root.rglob("_manifest.json")):
        content = json.loads(manifest.read_text())
        view = {"ActualCost": "actual", "AmortizedCost": "amortized"}[
            content["exportConfig"]["type"]
        ]
        period = content["runInfo"]["startDate"][:7]
        rows: list[dict[str, str]] = []
        for blob in content["blobs"]:
            part = read_rows(manifest.parent / blob["blobName"].rsplit("/", 1)[-1])
            assert len(part) == blob["dataRowCount"]
            rows += part
        assert (period, view) not in out
        out[(period, view)] = rows
    return out


def total(rows: list[dict[str, str]]) -> Decimal:
    return sum((Decimal(r["CostInBillingCurrency"]) for r in rows), Decimal(0))


@pytest.fixture(scope="module")
def sample(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, Any]]:
    out = tmp_path_factory.mktemp("azure-sample")
    summary = generate(out, **ARGS)
    truth = json.loads(summary.ground_truth_path.read_text())["azure"]
    return summary.roots["azure"], truth


@pytest.fixture(scope="module")
def files(sample: tuple[Path, dict[str, Any]]) -> dict[tuple[str, str], list[dict[str, str]]]:
    return runs(sample[0])


def test_real_source_loads_everything_and_matches_ground_truth(
    sample: tuple[Path, dict[str, Any]],
    files: dict[tuple[str, str], list[dict[str, str]]],
    tmp_path: Path,
) -> None:
    from ingestion.azure_cost import DATASET_NAME, dlt_source
    from ingestion.common.report import SourceReport
    from ingestion.warehouse import make_pipeline

    root, truth = sample
    with use_warehouse("duckdb", tmp_path / "warehouse.duckdb"):
        report = SourceReport()
        make_pipeline("azure_cost", DATASET_NAME).run(dlt_source(path=str(root), report=report))
        assert report.quarantined == []
        raw = query(
            "select strftime(billing_period, '%Y-%m'), x_cost_view, billing_currency, "
            "count(*), sum(cost) from raw_azure_cost.cost_details group by 1, 2, 3"
        )
        loads = query("select status, cost_view, row_count from raw_azure_cost.loads")
        scopes = query("select distinct x_scope_id from raw_azure_cost.cost_details")

    periods = ["2025-02", "2025-03"]
    assert sorted({(p, v) for p, v, *_ in raw}) == [
        (p, v) for p in periods for v in ("actual", "amortized")
    ]
    assert sorted(files) == sorted({(p, v) for p, v, *_ in raw})
    assert {status for status, *_ in loads} == {"loaded"} and len(loads) == 4
    assert scopes == [(truth["scope"],)]
    by_period = {p["billing_period"]: p for p in truth["billing_periods"]}
    for period, view, currency, count, cost in raw:
        assert currency == "USD"
        key = "billed_total" if view == "actual" else "effective_total"
        expected = Decimal(by_period[period][key]["USD"])
        # raw, files (csv + Decimal) and ground truth agree to the cent (and in fact exactly)
        assert Decimal(cost).quantize(CENT) == expected.quantize(CENT)
        assert Decimal(cost) == total(files[(period, view)]) == expected
        assert count == len(files[(period, view)]) == by_period[period]["runs"][view]["row_count"]


def test_views_share_usage_and_split_commitments(
    sample: tuple[Path, dict[str, Any]], files: dict[tuple[str, str], list[dict[str, str]]]
) -> None:
    _, truth = sample
    fields = ("Date", "ResourceId", "MeterId", "Quantity", "PricingModel", "Tags", "PayGPrice")
    first, last = truth["billing_periods"][0], truth["billing_periods"][-1]
    assert (first["is_final"], first["invoice_id"] != "") == (True, True)
    assert (last["is_final"], last["invoice_id"], last["delivered_through"]) == (
        False,
        "",
        "2025-03-20",
    )
    for period in ("2025-02", "2025-03"):
        actual, amortized = files[(period, "actual")], files[(period, "amortized")]
        usage = {
            view: Counter(tuple(r[f] for f in fields) for r in rows if r["ChargeType"] == "Usage")
            for view, rows in (("actual", actual), ("amortized", amortized))
        }
        assert usage["actual"] == usage["amortized"]  # the same usage rows in both views
        charges = {view: Counter(r["ChargeType"] for r in rows) for view, rows in
                   (("actual", actual), ("amortized", amortized))}  # fmt: skip
        assert charges["actual"]["UnusedReservation"] == charges["actual"]["UnusedSavingsPlan"] == 0
        assert charges["amortized"]["UnusedReservation"] > 0
        assert charges["amortized"]["UnusedSavingsPlan"] > 0
        commitment_purchases = [
            r
            for r in amortized
            if r["ChargeType"] == "Purchase" and r["PricingModel"] != "OnDemand"
        ]
        assert commitment_purchases == []
        covered = [
            r for r in actual if r["PricingModel"] != "OnDemand" and r["ChargeType"] == "Usage"
        ]
        assert covered and all(Decimal(r["CostInBillingCurrency"]) == 0 for r in covered)
        amortized_covered = [
            r for r in amortized if r["PricingModel"] != "OnDemand" and r["ChargeType"] == "Usage"
        ]
        assert all(Decimal(r["CostInBillingCurrency"]) > 0 for r in amortized_covered)
        # every reserved day costs the daily share of the upfront payment: covered + unused
        upfront = Decimal(truth["commitments"][0]["upfront_payment"])
        per_day: dict[str, Decimal] = defaultdict(Decimal)
        for r in amortized:
            if r["PricingModel"] == "Reservation":
                per_day[r["Date"]] += Decimal(r["CostInBillingCurrency"])
        # bought on the 3rd of the first month, so February has 26 reserved days; March 20
        purchased = truth["commitments"][0]["purchased"]
        assert purchased == "2025-02-03"
        assert len(per_day) == (20 if period == "2025-03" else 26)
        assert all(abs(v - upfront / 365) < Decimal("0.000001") for v in per_day.values())
    # the reservation is bought in the first month of the window, upfront, in actual data only
    (purchase,) = [
        r for r in files[("2025-02", "actual")]
        if r["ChargeType"] == "Purchase" and r["PricingModel"] == "Reservation"
    ]  # fmt: skip
    assert Decimal(purchase["CostInBillingCurrency"]) == upfront
    assert not any(
        r["PricingModel"] == "Reservation" and r["ChargeType"] == "Purchase"
        for r in files[("2025-03", "actual")]
    )


def test_tags_are_azure_json_with_the_organisation_mess(
    files: dict[tuple[str, str], list[dict[str, str]]],
) -> None:
    tags = {r["ResourceId"]: r["Tags"] for rows in files.values() for r in rows if r["ResourceId"]}
    keys: Counter[str] = Counter()
    values = set()
    untagged = 0
    for text in tags.values():
        parsed = json.loads(text) if text else {}
        assert isinstance(parsed, dict)
        keys.update(parsed.keys())
        values.update(v for k, v in parsed.items() if k in ("team", "Team"))
        untagged += not {"team", "Team"} & set(parsed)
    assert keys["team"] > keys["Team"] > 0
    assert keys["env"] > 0
    assert untagged > 0  # missing or owner-only
    assert values & set(TEAMS) and values & set(MISSPELLINGS)
    assert values <= set(TEAMS) | set(MISSPELLINGS)
    names = {r["SubscriptionName"] for rows in files.values() for r in rows}
    assert {"payments-prod", "data-prod", "ml-dev"} <= names


def test_same_seed_is_byte_identical(tmp_path: Path, sample: tuple[Path, dict[str, Any]]) -> None:
    def snapshot(root: Path) -> dict[str, bytes]:
        return {
            p.relative_to(root).as_posix(): p.read_bytes() for p in root.rglob("*") if p.is_file()
        }

    first = snapshot(sample[0])
    again = generate(tmp_path / "again", **ARGS)
    assert snapshot(again.roots["azure"]) == first
    other = generate(tmp_path / "other", **{**ARGS, "seed": 6})
    assert snapshot(other.roots["azure"]).keys() != first.keys()  # new ids, other run folders
