"""The single cached DbtProject; its manifest is rebuilt when missing or older than the models."""

from __future__ import annotations

from dagster_dbt import DbtProject

from orchestration.lib.env import DBT_PROJECT_DIR

_SOURCE_FOLDERS = ("models", "macros", "seeds", "tests", "snapshots", "analyses")

dbt_project = DbtProject(project_dir=DBT_PROJECT_DIR, profiles_dir=DBT_PROJECT_DIR)


def manifest_is_stale() -> bool:
    """True when the manifest is missing or a dbt source file changed after it was written."""
    manifest = dbt_project.manifest_path
    if not manifest.exists():
        return True
    built = manifest.stat().st_mtime
    files = [DBT_PROJECT_DIR / "dbt_project.yml", DBT_PROJECT_DIR / "profiles.yml"]
    for folder in _SOURCE_FOLDERS:
        files += [p for p in (DBT_PROJECT_DIR / folder).rglob("*") if p.is_file()]
    return any(path.stat().st_mtime > built for path in files if path.exists())


dbt_project.prepare_if_dev()
if manifest_is_stale():
    # a stale manifest makes dbt test ids disagree with the asset checks, so the run would fail
    dbt_project.preparer.prepare(dbt_project)
