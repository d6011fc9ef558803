"""Daily business volume per product for the sample organization (unit economics input).

Writes `business_metrics/metrics_YYYY-MM.csv` in the wide form `ingestion/business_metrics`
reads: `date, product, orders, transactions, active_customers, revenue, currency`, one row per
product and day of the request's months (the open month through the day the initial AWS
delivery covers). Products are the ones `accounts.PRODUCT_BY_TEAM` maps the customer-facing
teams to. Volume grows a few percent a month per product, as the sample's costs do, with a
weekday pattern and small noise, so cost per order stays roughly level with drift; revenue is
in cents, so ground truth totals are exact.
"""

from __future__ import annotations

import calendar
import csv
import random
from datetime import date, timedelta
from decimal import Decimal

from .accounts import PRODUCT_BY_TEAM
from .aws_cur import DELIVERED_DAYS
from .registry import GenerationRequest, ProviderOutput, register

# product -> (active customers on day 0, monthly growth, orders per active customer per day,
#             average order value in USD)
PROFILES: dict[str, tuple[int, float, float, float]] = {
    PRODUCT_BY_TEAM["payments"]: (42_000, 0.045, 0.11, 38.5),
    PRODUCT_BY_TEAM["search"]: (120_000, 0.03, 0.02, 12.0),
    PRODUCT_BY_TEAM["mobile"]: (65_000, 0.06, 0.05, 9.75),
    PRODUCT_BY_TEAM["ml"]: (30_000, 0.04, 0.03, 21.0),
}
WEEKDAY = (1.0, 1.02, 1.03, 1.05, 1.12, 0.88, 0.82)  # Monday first
METRICS = ("orders", "transactions", "active_customers", "revenue")
CENT = Decimal("0.01")


def _days(request: GenerationRequest, period: date) -> int:
    last = calendar.monthrange(period.year, period.month)[1]
    return DELIVERED_DAYS["initial"] if period == request.periods[-1] else last


@register("business_metrics")
def generate_business_metrics(request: GenerationRequest) -> ProviderOutput:
    """Write one wide CSV per month under `business_metrics/`."""
    root = request.out_dir / "business_metrics"
    root.mkdir(parents=True, exist_ok=True)
    rng = random.Random(request.seed * 7919 + 11)
    start = request.periods[0]
    files, rows_per_month = [], {}
    totals: dict[str, dict[str, dict[str, str]]] = {}
    for period in request.periods:
        key = f"{period:%Y-%m}"
        sums = {p: dict.fromkeys(METRICS, Decimal(0)) for p in PROFILES}
        path = root / f"metrics_{key}.csv"
        with path.open("w", newline="", encoding="utf-8") as handle:
            out = csv.writer(handle, lineterminator="\n")
            out.writerow(["date", "product", *METRICS, "currency"])
            for offset in range(_days(request, period)):
                day = period + timedelta(days=offset)
                months = (day - start).days / 30.44
                for product, (base, growth, rate, basket) in PROFILES.items():
                    customers = int(base * (1 + growth) ** months * rng.uniform(0.97, 1.03))
                    orders = int(
                        customers * rate * WEEKDAY[day.weekday()] * rng.uniform(0.95, 1.05)
                    )
                    transactions = int(orders * rng.uniform(1.25, 1.4))
                    revenue = (
                        Decimal(orders) * Decimal(str(basket)) * Decimal(str(rng.uniform(0.9, 1.1)))
                    ).quantize(CENT)
                    values = (orders, transactions, customers, revenue)
                    out.writerow([day.isoformat(), product, *values, "USD"])
                    for metric, value in zip(METRICS, values, strict=True):
                        sums[product][metric] += Decimal(value)
        files.append(path)
        rows_per_month[key] = _days(request, period) * len(PROFILES)
        totals[key] = {p: {m: str(v) for m, v in s.items()} for p, s in sums.items()}
        request.progress(f"business metrics {key}: {rows_per_month[key]} rows")
    return ProviderOutput(
        files=files,
        rows_per_month={},  # not cost lines: kept out of the line-item row counts
        ground_truth={
            "rows_by_month": rows_per_month,
            "currency": "USD",
            "totals_by_month_product_metric": totals,
        },
        roots={"business_metrics": root},
    )
