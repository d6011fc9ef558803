"""Every registered source other than AWS as a partitioned dlt asset (see ingestion/registry.py).

A source runs only where its path variable is set; the pipeline job leaves the others out
(orchestration/defs/automation.py), and materializing one by hand says what to set. A
transient error (network, throttling) retries the source's step with backoff; bad data does
not (orchestration/lib/retries.py). Sources are independent steps: one failing leaves the
others loading.
"""

import time
from collections.abc import Iterator
from typing import Any

import dagster as dg
from dagster_dlt import DagsterDltResource, dlt_assets

from ingestion import registry
from ingestion.common.report import SourceReport
from ingestion.warehouse import describe, make_pipeline
from orchestration.lib.dlt_assets import RawTranslator, log_report, with_report
from orchestration.lib.partitions import billing_month, months_between, single_run, window_of
from orchestration.lib.retries import retry_transient

PLACEHOLDER_PATH = "<configured at run time>"


def source_assets(spec: registry.SourceSpec) -> dg.AssetsDefinition:
    """The dlt multi-asset of one source: its raw tables, loaded for the run's billing months.

    Args:
        spec: the registered source.

    Returns:
        An assets definition keyed raw/<package>/<table>.
    """
    module = spec.load()

    @dlt_assets(
        dlt_source=module.dlt_source(path=PLACEHOLDER_PATH),
        dlt_pipeline=make_pipeline(spec.module_name, module.DATASET_NAME),
        name=f"{spec.module_name}_source",
        dagster_dlt_translator=RawTranslator(spec.module_name),
        partitions_def=billing_month,
        backfill_policy=single_run,
        op_tags={"finops/source": spec.name},
    )
    def load(context: dg.AssetExecutionContext, dlt: DagsterDltResource) -> Iterator[Any]:
        started = time.monotonic()
        path = spec.configured_path()
        if path is None:
            raise dg.Failure(
                description=f"{spec.title}: not configured; set {spec.path_env} to its folder, "
                "file or URL",
                allow_retries=False,
            )
        first, last = window_of(context)
        months = months_between(first, last) if spec.period_scoped else None
        report = SourceReport(root=path)
        context.log.info(
            "loading %s from %s%s into %s",
            spec.title,
            path,
            f", months {months[0]}..{months[-1]}" if months else "",
            describe(),
        )
        source = module.dlt_source(
            path=path, billing_periods=months, report=report, progress=context.log.info
        )
        pipeline = make_pipeline(spec.module_name, module.DATASET_NAME)
        with retry_transient(context, spec.name):
            for event in dlt.run(context=context, dlt_source=source, dlt_pipeline=pipeline):
                yield with_report(event, report, started)
        log_report(context, report, spec.title)

    load.__doc__ = f"Load {spec.title} from {spec.path_env} into {module.DATASET_NAME}."
    return load


def unconfigured_source_keys() -> list[dg.AssetKey]:
    """Raw asset keys of the sources this deployment has no path for (AWS always has one)."""
    from orchestration.lib.asset_keys import raw_key

    return [
        raw_key(spec.module_name, table)
        for spec in registry.SOURCES
        if spec.name != "aws-cur" and spec.configured_path() is None
        for table in spec.load().TABLES
    ]


@dg.definitions
def defs() -> dg.Definitions:
    """The non-AWS ingestion assets."""
    return dg.Definitions(
        assets=[source_assets(spec) for spec in registry.SOURCES if spec.name != "aws-cur"]
    )
