"""Build a warehouse once through the real Dagster job, recording what the tests need."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tests.warehouse_utils import query, use_warehouse


@dataclass
class Build:
    """One warehouse built end to end, with snapshots taken along the way."""

    kind: str
    duckdb_file: Path | None
    pg_database: str | None
    months: list[str]
    outcomes: dict[str, Any] = field(default_factory=dict)
    snapshots: dict[str, list[tuple[Any, ...]]] = field(default_factory=dict)

    def env(self):
        """Point the environment at this warehouse."""
        return use_warehouse(self.kind, self.duckdb_file, self.pg_database)


def gold_rows(where: str = "") -> list[tuple[Any, ...]]:
    """Every fct_cost row, ordered by primary key (values as text so both engines compare)."""
    columns = [
        row[0]
        for row in query(
            "select column_name from information_schema.columns where table_schema = 'gold' "
            "and table_name = 'fct_cost' order by ordinal_position"
        )
    ]
    select = ", ".join(f"cast({c} as varchar)" for c in columns)
    return query(f"select {select} from gold.fct_cost {where} order by x_cost_line_id")


def build(kind: str, sample: Any, duckdb_file: Path | None, pg_database: str | None) -> Build:
    """Generated months, the same partition again, then the restatement of the open month.

    The real legacy samples are built to gold in tests/ingestion/aws_cur (dbt, no Dagster).
    """
    from orchestration.runner import run_months

    months = sorted(sample.rows_per_month)
    result = Build(kind, duckdb_file, pg_database, months)
    with result.env():
        os.environ["FINOPS_AWS_CUR_PATH"] = str(sample.roots["aws"])
        os.environ["FINOPS_UTILIZATION_METRICS_PATH"] = str(sample.roots["utilization"])
        result.outcomes["all_months"] = run_months(months[0], months[-1])
        result.snapshots["first"] = gold_rows()
        result.outcomes["rerun"] = run_months(months[-1], months[-1])
        result.snapshots["rerun"] = gold_rows()
        os.environ["FINOPS_AWS_CUR_PATH"] = str(sample.roots["aws_restated"])
        result.outcomes["restated"] = run_months(months[-1], months[-1])
        os.environ.pop("FINOPS_AWS_CUR_PATH")
        os.environ.pop("FINOPS_UTILIZATION_METRICS_PATH")
    return result
