"""Every resource of the code location, registered in one place."""

from __future__ import annotations

import dagster as dg
from dagster_dbt import DbtCliResource
from dagster_dlt import DagsterDltResource

from orchestration.defs.transform.project import dbt_project


@dg.definitions
def resources() -> dg.Definitions:
    """dlt and dbt resources; the warehouse is chosen by FINOPS_WAREHOUSE at run time."""
    return dg.Definitions(
        resources={
            "dlt": DagsterDltResource(),
            "dbt": DbtCliResource(
                project_dir=dbt_project, profiles_dir=str(dbt_project.project_dir)
            ),
        }
    )
