"""Jobs (and, later, schedules and sensors) that span domains."""

from __future__ import annotations

import dagster as dg

from orchestration.lib.partitions import billing_month

# the whole graph, raw -> gold, for a range of billing months; what `finops run` executes
finops_pipeline = dg.define_asset_job(
    name="finops_pipeline",
    selection=dg.AssetSelection.all(),
    partitions_def=billing_month,
    description="Load the configured exports and build bronze, silver and gold for the selected "
    "billing months.",
)


@dg.definitions
def defs() -> dg.Definitions:
    """The pipeline job."""
    return dg.Definitions(jobs=[finops_pipeline])
