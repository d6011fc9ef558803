"""The single cached DbtProject; its manifest is prepared when missing."""

from __future__ import annotations

from dagster_dbt import DbtProject

from orchestration.lib.env import DBT_PROJECT_DIR

dbt_project = DbtProject(project_dir=DBT_PROJECT_DIR, profiles_dir=DBT_PROJECT_DIR)
dbt_project.prepare_if_dev()
if not dbt_project.manifest_path.exists():
    # outside `dagster dev` nothing prepares it; a fresh clone would otherwise fail to load
    dbt_project.preparer.prepare(dbt_project)
