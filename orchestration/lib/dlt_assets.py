"""What every source's dlt asset shares: raw asset keys and the run report as metadata."""

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


def with_report(event: Any, report: Any) -> Any:
    """The materialization with the run report's figures added to its metadata."""
    summary = report.summary()
    extra = {
        "billing_periods": dg.MetadataValue.json(summary["billing_periods"]),
        "rows_accepted": summary["rows"],
        "quarantined": dg.MetadataValue.json(summary["quarantined"]),
        "source_path": summary["root"],
    }
    if isinstance(event, dg.MaterializeResult):
        return event._replace(metadata={**(event.metadata or {}), **extra})
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
