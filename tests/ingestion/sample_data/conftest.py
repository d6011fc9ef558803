"""Shared fixtures of the sample-data tests: one generated sample per session, read back.

Rows are read from the files the manifests list, with money as `Decimal(str(float))`, so the
tests recompute everything independently of the generator's integer arithmetic.
"""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq
import pytest

from ingestion.sample_data import GenerationSummary, generate

# the sample every test reads; ~150k rows, generated in about a second
ARGS: dict[str, Any] = {"months": 3, "scale": 50_000, "seed": 7}
MONEY = (
    "line_item_unblended_cost",
    "line_item_net_unblended_cost",
    "pricing_public_on_demand_cost",
    "savings_plan_net_savings_plan_effective_cost",
    "savings_plan_savings_plan_effective_cost",
    "savings_plan_total_commitment_to_date",
    "savings_plan_used_commitment",
    "reservation_effective_cost",
    "reservation_net_effective_cost",
    "reservation_amortized_upfront_cost_for_usage",
    "reservation_recurring_fee_for_usage",
    "reservation_net_unused_amortized_upfront_fee_for_billing_period",
    "reservation_net_unused_recurring_fee",
    "reservation_unused_recurring_fee",
)
OTHER = (
    "bill_payer_account_id",
    "bill_billing_period_start_date",
    "bill_invoice_id",
    "line_item_line_item_type",
    "line_item_usage_account_id",
    "line_item_product_code",
    "line_item_resource_id",
    "line_item_usage_start_date",
    "line_item_usage_end_date",
    "line_item_tax_type",
    "reservation_reservation_a_r_n",
    "savings_plan_savings_plan_a_r_n",
    "reservation_unused_quantity",
    "resource_tags",
)


class ExportFiles:
    """Reads a delivery root the way the loader does: through its manifests."""

    @staticmethod
    def manifests(root: Path, month: str = "*") -> list[Path]:
        """Manifests under `root`, optionally of one billing period (`YYYY-MM`)."""
        return sorted(root.glob(f"*/metadata/BILLING_PERIOD={month}/*-Manifest.json"))

    @staticmethod
    def resolve(manifest: Path) -> list[Path]:
        """Data files of a manifest, resolved by the part starting at `data/BILLING_PERIOD=`."""
        export_dir = manifest.parents[2]
        uris = json.loads(manifest.read_text())["dataFiles"]
        return [export_dir / uri[uri.index("data/BILLING_PERIOD=") :] for uri in uris]

    @classmethod
    def rows(cls, root: Path, month: str = "*") -> list[dict[str, Any]]:
        """Rows of every listed file (of `month`), money columns as Decimal."""
        rows = []
        for manifest in cls.manifests(root, month):
            for path in cls.resolve(manifest):
                for row in pq.read_table(path, columns=[*MONEY, *OTHER]).to_pylist():
                    for name in MONEY:
                        value = row[name]
                        row[name] = None if value is None else Decimal(str(value))
                    rows.append(row)
        return rows


@pytest.fixture(scope="session")
def export_files() -> type[ExportFiles]:
    return ExportFiles


@pytest.fixture(scope="session")
def sample_args() -> dict[str, Any]:
    return dict(ARGS)


@pytest.fixture(scope="session")
def sample(tmp_path_factory: pytest.TempPathFactory) -> GenerationSummary:
    return generate(tmp_path_factory.mktemp("sample"), **ARGS)


@pytest.fixture(scope="session")
def truth(sample: GenerationSummary) -> dict[str, Any]:
    return json.loads(sample.ground_truth_path.read_text())["aws"]


@pytest.fixture(scope="session")
def restated_truth(sample: GenerationSummary) -> dict[str, Any]:
    return json.loads((sample.out_dir / "ground_truth_restated.json").read_text())["aws"]


@pytest.fixture(scope="session")
def rows(sample: GenerationSummary) -> list[dict[str, Any]]:
    return ExportFiles.rows(sample.roots["aws"])
