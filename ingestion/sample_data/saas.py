"""SaaS vendor invoices for the sample organization: one CSV per vendor and month.

Datadog, GitHub, Snowflake and PagerDuty bill the teams of `aws_catalog.TEAMS`; each line is
tagged with its team and environment. Amounts are cents-exact decimals, so the ground truth is
exact. Files follow the `saas` source's invoice layout (see ingestion/saas/README.md).
"""

from __future__ import annotations

import csv
import json
import random
from decimal import Decimal
from pathlib import Path

from .aws_catalog import TEAMS
from .registry import GenerationRequest, ProviderOutput, register

# vendor -> (product, unit, unit price, typical monthly quantity per team)
VENDORS: dict[str, tuple[tuple[str, str, Decimal, int], ...]] = {
    "Datadog": (
        ("Infrastructure Monitoring Pro", "host", Decimal("15.00"), 40),
        ("Log Management ingestion", "GB", Decimal("0.10"), 3000),
        ("APM hosts", "host", Decimal("31.00"), 12),
    ),
    "GitHub": (
        ("GitHub Enterprise seats", "seat", Decimal("21.00"), 14),
        ("Actions minutes (Linux)", "minute", Decimal("0.008"), 40000),
    ),
    "Snowflake": (
        ("Compute credits", "credit", Decimal("3.00"), 250),
        ("Storage", "TB-month", Decimal("23.00"), 4),
    ),
    "PagerDuty": (("Business plan users", "user", Decimal("41.00"), 8),),
}
TAX_RATE = {"Datadog": Decimal("0.0"), "GitHub": Decimal("0.0"), "Snowflake": Decimal("0.0625")}
HEADER = [
    "Vendor",
    "Invoice ID",
    "Period",
    "Description",
    "Amount",
    "Currency",
    "Tags",
    "Charge Type",
    "Quantity",
    "Unit",
]


@register("saas")
def generate_saas(request: GenerationRequest) -> ProviderOutput:
    """Write `saas/<vendor>/<vendor>_<YYYY-MM>.csv` for every vendor and requested month."""
    root = request.out_dir / "saas"
    root.mkdir(parents=True, exist_ok=True)
    rng = random.Random(request.seed * 7919 + 17)
    factor = max(request.scale, 1) / 20 / 2500  # the AWS default scale gives about 1x
    files: list[Path] = []
    rows: dict[str, int] = {}
    truth: dict[str, dict[str, str]] = {}
    for vendor, products in VENDORS.items():
        folder = root / vendor.lower()
        folder.mkdir(exist_ok=True)
        for index, period in enumerate(request.periods):
            month = f"{period:%Y-%m}"
            invoice = f"{vendor[:3].upper()}-{period:%Y%m}-{index + 1:04d}"
            lines = []
            for team in TEAMS:
                for env in ("prod", "dev"):
                    for product, unit, price, typical in products:
                        quantity = max(1, round(typical * factor * rng.uniform(0.5, 1.5)))
                        if env == "dev":
                            quantity = max(1, quantity // 4)
                        amount = (price * quantity).quantize(Decimal("0.01"))
                        tags = {"team": team, "environment": env}
                        lines.append(
                            [
                                vendor,
                                invoice,
                                month,
                                f"{product} ({team} {env})",
                                f"{amount}",
                                "USD",
                                _tags(tags, rng),
                                "Usage",
                                str(quantity),
                                unit,
                            ]
                        )
            subtotal = sum(Decimal(line[4]) for line in lines)
            tax = (subtotal * TAX_RATE.get(vendor, Decimal(0))).quantize(Decimal("0.01"))
            if tax:
                lines.append(
                    [vendor, invoice, month, "Sales tax", f"{tax}", "USD", "", "Tax", "", ""]
                )
            if vendor == "Datadog" and index == 0:
                lines.append(
                    [
                        vendor,
                        invoice,
                        month,
                        "Onboarding credit",
                        "-250.00",
                        "USD",
                        "",
                        "Credit",
                        "",
                        "",
                    ]
                )
            path = folder / f"{vendor.lower()}_{month}.csv"
            with path.open("w", newline="") as handle:
                writer = csv.writer(handle)
                writer.writerow(HEADER)
                writer.writerows(lines)
            files.append(path)
            rows[month] = rows.get(month, 0) + len(lines)
            total = sum(Decimal(line[4]) for line in lines)
            truth.setdefault(month, {})[vendor] = str(total)
    return ProviderOutput(
        files=files,
        rows_per_month=rows,
        ground_truth={"currency": "USD", "billed_cost_by_month_and_vendor": truth},
        roots={"saas": root},
    )


def _tags(tags: dict[str, str], rng: random.Random) -> str:
    """Half the vendors' exports write JSON tags, the rest `k=v;k=v` (both accepted)."""
    if rng.random() < 0.5:
        return json.dumps(tags)
    return ";".join(f"{key}={value}" for key, value in tags.items())
