"""Where each dbt invocation of a run writes its artifacts, and the parse state they share.

dagster-dbt gives every invocation a fresh target folder inside the dbt project and seeds it
with `dbt_project/target/partial_parse.msgpack`, which only `dbt parse` refreshes. So every
pipeline step re-parsed the whole project (8 of the 13 s of a small dbt build) and every run
left a 9 MB folder in the source tree. Here the folders live under FINOPS_HOME/dbt/runs, the
newest ones are kept, and the parse state of the last successful invocation seeds the next:
dbt re-parses only what changed (files, vars, profile) since then.
"""

from __future__ import annotations

import os
import shutil
import uuid
from pathlib import Path

from ingestion.warehouse import home

PARTIAL_PARSE = "partial_parse.msgpack"
KEEP_RUN_FOLDERS = 20  # per-invocation folders kept for debugging (dbt.log, run_results.json)


def state_dir() -> Path:
    """FINOPS_HOME/dbt: the saved parse state and the per-invocation folders."""
    return home() / "dbt"


def invocation_target(run_id: str, step: str) -> Path:
    """A new target folder for one dbt invocation, seeded with the saved parse state."""
    target = state_dir() / "runs" / f"{run_id[:8]}-{step}-{uuid.uuid4().hex[:6]}"
    target.mkdir(parents=True)
    saved = state_dir() / PARTIAL_PARSE
    if saved.exists():
        shutil.copyfile(saved, target / PARTIAL_PARSE)
    return target


def keep_parse_state(target: Path) -> None:
    """Save the invocation's parse state for the next one (atomic: runs may overlap)."""
    produced = target / PARTIAL_PARSE
    if not produced.exists():
        return
    staging = state_dir() / f".{PARTIAL_PARSE}.{uuid.uuid4().hex[:6]}"
    shutil.copyfile(produced, staging)
    os.replace(staging, state_dir() / PARTIAL_PARSE)


def prune_invocations(keep: int = KEEP_RUN_FOLDERS) -> None:
    """Delete all but the `keep` newest invocation folders."""
    runs = state_dir() / "runs"
    if not runs.exists():
        return
    folders = sorted(
        (p for p in runs.iterdir() if p.is_dir()), key=lambda p: p.stat().st_mtime, reverse=True
    )
    for folder in folders[keep:]:
        shutil.rmtree(folder, ignore_errors=True)
