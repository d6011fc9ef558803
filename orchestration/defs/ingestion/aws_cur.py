"""AWS cost exports -> raw_aws_cur, one dlt load per run over the run's billing months."""

from collections.abc import Iterator
from typing import Any

import dagster as dg
from dagster_dlt import DagsterDltResource, DagsterDltTranslator, dlt_assets
from dagster_dlt.translator import DltResourceTranslatorData

from ingestion.aws_cur import DATASET_NAME, IngestReport, aws_cur
from ingestion.warehouse import describe, make_pipeline
from orchestration.lib.asset_keys import raw_key
from orchestration.lib.env import aws_cur_path
from orchestration.lib.partitions import billing_month, months_between, single_run, window_of


class RawTranslator(DagsterDltTranslator):
    """dlt tables -> raw/aws_cur/<table>, grouped under `ingestion`."""

    def get_asset_spec(self, data: DltResourceTranslatorData) -> dg.AssetSpec:
        """Spec with the raw key and no phantom upstream assets."""
        spec = super().get_asset_spec(data)
        return spec.replace_attributes(
            key=raw_key("aws_cur", data.resource.table_name), deps=[], group_name="ingestion"
        )


@dlt_assets(
    dlt_source=aws_cur(path="<configured at run time>"),
    dlt_pipeline=make_pipeline("aws_cur", DATASET_NAME),
    name="aws_cur_exports",
    dagster_dlt_translator=RawTranslator(),
    partitions_def=billing_month,
    backfill_policy=single_run,
)
def aws_cur_exports(context: dg.AssetExecutionContext, dlt: DagsterDltResource) -> Iterator[Any]:
    """Load the run's billing months from FINOPS_AWS_CUR_PATH (folder, file or s3:// prefix)."""
    first, last = window_of(context)
    months = months_between(first, last)
    path = aws_cur_path()
    report = IngestReport()
    context.log.info(
        "loading AWS exports from %s, months %s..%s, into %s",
        path,
        months[0],
        months[-1],
        describe(),
    )
    source = aws_cur(
        path=path, billing_periods=months, report=report, progress=lambda m: context.log.info(m)
    )
    pipeline = make_pipeline("aws_cur", DATASET_NAME)
    for event in dlt.run(context=context, dlt_source=source, dlt_pipeline=pipeline):
        yield _with_report(event, report)
    for note in report.notes:
        context.log.info(note)
    for item in report.quarantined:
        context.log.error("quarantined: %s", item.reason)
    if report.quarantined and not report.loaded:
        raise dg.Failure(
            description="no AWS export could be loaded: "
            + "; ".join(q.reason for q in report.quarantined),
            allow_retries=False,
        )


def _with_report(event: Any, report: IngestReport) -> Any:
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


@dg.definitions
def defs() -> dg.Definitions:
    """The AWS exports ingestion asset."""
    return dg.Definitions(assets=[aws_cur_exports])
