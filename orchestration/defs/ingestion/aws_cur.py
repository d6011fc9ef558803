"""AWS cost exports -> raw_aws_cur, one dlt load per run over the run's billing months."""

import time
from collections.abc import Iterator
from typing import Any

import dagster as dg
from dagster_dlt import DagsterDltResource, dlt_assets

from ingestion.aws_cur import DATASET_NAME, IngestReport, aws_cur
from ingestion.warehouse import describe, make_pipeline
from orchestration.lib.dlt_assets import RawTranslator, log_report, with_report
from orchestration.lib.env import aws_cur_path
from orchestration.lib.partitions import billing_month, months_between, single_run, window_of
from orchestration.lib.retries import retry_transient


@dlt_assets(
    dlt_source=aws_cur(path="<configured at run time>"),
    dlt_pipeline=make_pipeline("aws_cur", DATASET_NAME),
    name="aws_cur_exports",
    dagster_dlt_translator=RawTranslator("aws_cur"),
    partitions_def=billing_month,
    backfill_policy=single_run,
)
def aws_cur_exports(context: dg.AssetExecutionContext, dlt: DagsterDltResource) -> Iterator[Any]:
    """Load the run's billing months from FINOPS_AWS_CUR_PATH (folder, file or s3:// prefix)."""
    started = time.monotonic()
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
    with retry_transient(context, "aws-cur"):
        for event in dlt.run(context=context, dlt_source=source, dlt_pipeline=pipeline):
            yield with_report(event, report, started)
    log_report(context, report, "AWS export")


@dg.definitions
def defs() -> dg.Definitions:
    """The AWS exports ingestion asset."""
    return dg.Definitions(assets=[aws_cur_exports])
