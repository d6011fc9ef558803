"""dbt run in-process on the warehouse the environment points at (tests/warehouse_utils.py)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from dbt.cli.main import dbtRunner

PROJECT_DIR = Path(__file__).resolve().parents[1] / "dbt_project"


def _invoke(tmp: Path, args: tuple[str, ...]) -> Any:
    cli = [
        *args,
        "--project-dir", str(PROJECT_DIR),
        "--profiles-dir", str(PROJECT_DIR),
        "--target-path", str(tmp / "target"),
        "--log-path", str(tmp / "logs"),
        "--no-use-colors",
        "--quiet",
    ]  # fmt: skip
    return dbtRunner().invoke(cli)


def dbt(tmp: Path, *args: str) -> list[Any]:
    """One dbt command, artifacts and logs under `tmp`; fails on a crash, returns node results."""
    result = _invoke(tmp, args)
    assert result.exception is None, f"dbt {args}: {result.exception}"
    return list(result.result or [])


def run_dbt(tmp: Path, *args: str) -> None:
    """A dbt command that must succeed with every node passing."""
    result = _invoke(tmp, args)
    failures = [
        f"{r.node.unique_id}: {r.status} {r.message}"
        for r in (result.result or [])
        if str(r.status) not in ("success", "pass")
    ]
    assert result.success and not failures, f"dbt {args} failed: {result.exception} {failures}"
