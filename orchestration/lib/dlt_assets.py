"""What every source's dlt asset shares: raw asset keys and the run report as metadata."""

import time
from decimal import Decimal
from typing import Any

import dagster as dg
from dagster_dlt import DagsterDltTranslator
from dagster_dlt.translator import DltResourceTranslatorData

from orchestration.lib.asset_keys import raw_key


class RawTranslator(DagsterDltTranslator):
    """dlt tables -> raw/<source>/<table>, grouped under `ingestion`."""

    def __init__(self, source: str) -> None:
        super().__init__()
        self.source = source

    def get_asset_spec(self, data: DltResourceTranslatorData) -> dg.AssetSpec:
        """Spec with the raw key and no phantom upstream assets."""
        spec = super().get_asset_spec(data)
        return spec.replace_attributes(
            key=raw_key(self.source, data.resource.table_name), deps=[], group_name="ingestion"
        )


def cost_by_period(report: Any) -> dict[str, str]:
    """The report's cost totals per billing period (YYYY-MM -> exact decimal string).

    Each source totals its own headline cost column (AWS unblended, Azure and GCP billed, FOCUS
    billed cost) in its billing currency; units without a cost (inventories, metrics) add none.
    """
    totals: dict[str, Decimal] = {}
    for unit in report.loaded:
        # the AWS report holds (delivery, unit stats) pairs, every other source LoadedUnit
        stats = unit[1] if isinstance(unit, tuple) else unit
        cost = getattr(stats, "cost_total", getattr(stats, "unblended_cost_total", None))
        if cost is None or stats.billing_period is None:
            continue
        period = f"{stats.billing_period:%Y-%m}"
        totals[period] = totals.get(period, Decimal(0)) + Decimal(cost)
    return {period: str(total) for period, total in sorted(totals.items())}


def with_report(event: Any, report: Any, started: float) -> Any:
    """The materialization with the run report's figures and the step's duration added.

    Args:
        event: what dagster-dlt yielded for one raw table.
        report: the source's run report.
        started: time.monotonic() when the step began.
    """
    summary = report.summary()
    metadata = dict(getattr(event, "metadata", None) or {})
    rows_loaded = metadata.get("rows_loaded")
    extra = {
        # dlt's count for this table; dlt cannot count the loader files a source imports
        # as they are (AWS CSV for PostgreSQL's COPY): then the rows the source accepted
        "rows": int(getattr(rows_loaded, "value", rows_loaded) or summary["rows"]),
        "billing_periods": dg.MetadataValue.json(summary["billing_periods"]),
        "rows_accepted": summary["rows"],
        "cost_total": dg.MetadataValue.json(cost_by_period(report)),
        "duration_s": round(time.monotonic() - started, 3),
        "quarantined": dg.MetadataValue.json(summary["quarantined"]),
        "source_path": summary["root"],
    }
    if isinstance(event, dg.MaterializeResult):
        return event._replace(metadata={**metadata, **extra})
    return event


def log_report(context: dg.AssetExecutionContext, report: Any, title: str) -> None:
    """Notes and quarantined files to the run log; fail when nothing at all could load."""
    for note in report.notes:
        context.log.info(note)
    for item in report.quarantined:
        context.log.error("quarantined: %s", item.reason)
    if report.quarantined and not report.loaded:
        raise dg.Failure(
            description=f"no {title} file could be loaded: "
            + "; ".join(q.reason for q in report.quarantined),
            allow_retries=False,
        )
