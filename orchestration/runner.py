"""Run the asset graph in-process for billing months, with run history in DAGSTER_HOME."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager, redirect_stdout
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import TextIO

import dagster as dg

from ingestion.warehouse import home
from orchestration.lib.env import PROJECT_ROOT


@dataclass
class RunOutcome:
    """What one pipeline run did."""

    success: bool
    run_id: str
    months: tuple[str, str]
    failures: list[str]
    log_path: Path


def ensure_dagster_home() -> Path:
    """Project-local DAGSTER_HOME with the committed local dagster.yaml (telemetry off)."""
    dagster_home = Path(os.environ.get("DAGSTER_HOME") or home() / "dagster").resolve()
    dagster_home.mkdir(parents=True, exist_ok=True)
    config = dagster_home / "dagster.yaml"
    if not config.exists():
        shutil.copy(PROJECT_ROOT / "orchestration" / "dagster.yaml", config)
    os.environ["DAGSTER_HOME"] = str(dagster_home)
    return dagster_home


def contiguous_ranges(months: list[str]) -> list[tuple[str, str]]:
    """Group YYYY-MM months into contiguous (first, last) ranges, in order."""
    ordinals = sorted({int(m[:4]) * 12 + int(m[5:7]) - 1 for m in months})
    ranges: list[tuple[int, int]] = []
    for value in ordinals:
        if ranges and value == ranges[-1][1] + 1:
            ranges[-1] = (ranges[-1][0], value)
        else:
            ranges.append((value, value))
    return [
        (f"{a // 12:04d}-{a % 12 + 1:02d}", f"{b // 12:04d}-{b % 12 + 1:02d}") for a, b in ranges
    ]


def run_months(
    first: str, last: str, verbose: bool = False, sources: list[str] | None = None
) -> RunOutcome:
    """Materialize the graph for billing months first..last (YYYY-MM) in one run.

    Args:
        first: first month.
        last: last month (inclusive).
        verbose: print every materialization and info log.
        sources: only these sources (registry names) and everything downstream of them;
            default: every configured source.

    Returns:
        The outcome; failures name the failed steps with their error.
    """
    ensure_dagster_home()
    from orchestration.definitions import defs
    from orchestration.progress import step_lines

    job = _pipeline_job(defs).with_logger_defs({"step_lines": step_lines})
    instance = dg.DagsterInstance.get()
    start, end = f"{first}-01", f"{last}-01"
    _check_partition(start)
    tags = {
        "dagster/asset_partition_range_start": start,
        "dagster/asset_partition_range_end": end,
    }
    log_path = home() / "logs" / f"run-{first}-{last}.log"
    log_path.parent.mkdir(parents=True, exist_ok=True)
    with open(log_path, "w") as log, _quiet_stdout(log, verbose):
        result = job.execute_in_process(
            instance=instance,
            tags=tags,
            asset_selection=_selection(defs, sources),
            raise_on_error=False,
            run_config={"loggers": {"step_lines": {"config": {"verbose": verbose}}}},
        )
    failures = [
        f"{event.step_key}: {_error_text(event)}"
        for event in result.all_events
        if event.is_step_failure
    ]
    return RunOutcome(result.success, result.run_id, (first, last), failures, log_path)


def _pipeline_job(defs: dg.Definitions) -> dg.JobDefinition:
    """`finops_pipeline` over the sources configured now, not when the definitions loaded."""
    from orchestration.defs.automation import pipeline_job

    return pipeline_job().resolve(
        asset_graph=defs.resolve_asset_graph(),
        resource_defs=defs.get_repository_def().get_top_level_resources(),
    )


def _selection(defs: dg.Definitions, sources: list[str] | None) -> list[dg.AssetKey] | None:
    """The raw tables of `sources`, everything downstream, and the models those read.

    Downstream alone is not enough: the silver union reads every provider's model, and in a
    warehouse that never built them (the first `finops ingest saas`) those would be missing.
    Other sources' raw tables are never loaded; their models build from what raw holds.
    None means the whole job.
    """
    if not sources:
        return None
    from ingestion import registry
    from orchestration.lib.asset_keys import raw_key

    keys = [
        raw_key(spec.module_name, table)
        for spec in map(registry.get, sources)
        for table in spec.load().TABLES
    ]
    graph = defs.resolve_asset_graph()
    downstream = dg.AssetSelection.assets(*keys).downstream()
    models_read = downstream.upstream() - dg.AssetSelection.groups("ingestion")
    return sorted((downstream | models_read).resolve(graph))


@contextmanager
def _quiet_stdout(log: TextIO, verbose: bool) -> Iterator[None]:
    # dagster-dbt echoes every dbt log line to stdout; keep it in the run log unless verbose
    if verbose:
        yield
        return
    with redirect_stdout(log):
        yield


def _check_partition(start: str) -> None:
    from orchestration.lib.partitions import FIRST_BILLING_MONTH

    if date.fromisoformat(start) < date.fromisoformat(FIRST_BILLING_MONTH):
        raise ValueError(
            f"billing month {start[:7]} is before the first partition {FIRST_BILLING_MONTH[:7]}; "
            "set FINOPS_FIRST_BILLING_MONTH earlier"
        )


def _error_text(event: dg.DagsterEvent) -> str:
    error = event.step_failure_data.error if event.step_failure_data else None
    if error is None:
        return "failed"
    # dagster wraps user errors; the innermost cause is the one a user can act on
    while error.cause is not None:
        error = error.cause
    lines = [line.strip() for line in error.message.strip().splitlines() if line.strip()]
    if not lines:
        return "failed"
    # a failed blocking check puts the checks that failed on the lines after "...severity:"
    return " ".join(lines) if lines[0].endswith(":") else lines[0]
