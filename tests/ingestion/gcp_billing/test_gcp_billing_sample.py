"""The GCP sample generator writes dumps the source loads, to the cent of its ground truth."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

from ingestion.common.report import SourceReport
from ingestion.gcp_billing import months_found
from ingestion.gcp_billing.plan import ExportPlan
from ingestion.sample_data.registry import GENERATORS, GenerationRequest


def _generate(out: Path, seed: int = 7):
    request = GenerationRequest(
        out_dir=out, months=3, scale=2000, seed=seed, end_month=date(2025, 3, 1),
        progress=lambda _: None,
    )  # fmt: skip
    return GENERATORS["gcp"](request)


def test_sample_loads_and_matches_ground_truth(tmp_path: Path) -> None:
    output = _generate(tmp_path / "a")
    root = output.roots["gcp"]
    assert months_found(str(root)) == ["2025-01", "2025-02", "2025-03"]
    plan = ExportPlan(str(root), None, SourceReport())
    try:
        units = plan.units()
    finally:
        plan.close()
    assert plan.report.quarantined == []
    truth = output.ground_truth["billed_cost_by_month"]
    assert {f"{p:%Y-%m}": u.billed_total for (p, _), u in units.items()} == {
        month: Decimal(total) for month, total in truth.items()
    }
    assert {f"{p:%Y-%m}": u.row_count for (p, _), u in units.items()} == output.rows_per_month
    teams = output.ground_truth["billed_cost_by_month_and_team"]["2025-01"]
    assert {"payments", "platform", "data", "search", "mobile", "ml"} <= set(teams)


def test_sample_is_deterministic_per_seed(tmp_path: Path) -> None:
    first = _generate(tmp_path / "a")
    second = _generate(tmp_path / "b")
    other = _generate(tmp_path / "c", seed=8)
    assert [p.read_bytes() for p in first.files] == [p.read_bytes() for p in second.files]
    assert [p.read_bytes() for p in first.files] != [p.read_bytes() for p in other.files]
