"""The one environment helper: where the project lives and which environment this is."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Literal

Environment = Literal["local", "ci", "prod"]

PROJECT_ROOT = Path(__file__).resolve().parents[2]
DBT_PROJECT_DIR = PROJECT_ROOT / "dbt_project"


def get_environment() -> Environment:
    """`local`, `ci` or `prod` from FINOPS_ENV (CI=true implies ci)."""
    configured = os.environ.get("FINOPS_ENV")
    if configured in ("local", "ci", "prod"):
        return configured  # type: ignore[return-value]
    return "ci" if os.environ.get("CI") else "local"


def aws_cur_path() -> str:
    """Folder, file or s3:// prefix of the AWS exports (default: the generated sample)."""
    from ingestion.warehouse import home

    return os.environ.get("FINOPS_AWS_CUR_PATH", str(home() / "sample" / "aws"))
