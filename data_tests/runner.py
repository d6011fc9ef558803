"""Run a GX suite on a pandas DataFrame and return a plain result (no GX objects leak out).

GX's SQL datasource returns empty results on DuckDB (see STACK_NOTES), so every suite
validates a DataFrame: a per-period aggregate or slice read by the caller.
"""

from __future__ import annotations

import os
import uuid
from dataclasses import dataclass, field
from decimal import Decimal
from functools import lru_cache
from typing import Any

# analytics off before great_expectations is imported: it reads the variable at import
os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")

import great_expectations as gx
import pandas as pd

CRITICAL = "critical"
WARNING = "warning"


@dataclass(frozen=True)
class FailedExpectation:
    """One expectation that did not hold."""

    name: str
    severity: str
    observed: dict[str, Any]
    periods: tuple[str, ...] = ()  # billing periods (YYYY-MM) of the failing rows, when known


@dataclass
class SuiteResult:
    """Outcome of one or more suites: success, failures with observed values, rows checked."""

    suites: list[str]
    success: bool
    rows_checked: int
    failures: list[FailedExpectation] = field(default_factory=list)

    @property
    def critical(self) -> bool:
        """True when a failed expectation has critical severity (the check must block)."""
        return any(failure.severity == CRITICAL for failure in self.failures)

    def merge(self, other: SuiteResult) -> SuiteResult:
        """Combine two results, as one check running several suites."""
        return SuiteResult(
            suites=self.suites + other.suites,
            success=self.success and other.success,
            rows_checked=self.rows_checked + other.rows_checked,
            failures=self.failures + other.failures,
        )

    @property
    def failed_periods(self) -> list[str]:
        """Billing periods (YYYY-MM) with a failing row, in order."""
        return sorted({period for failure in self.failures for period in failure.periods})

    def metadata(self) -> dict[str, Any]:
        """Plain, JSON-safe metadata for an asset check result."""
        return {
            "suites": ", ".join(self.suites),
            "rows_checked": self.rows_checked,
            "failed_expectations": [failure.name for failure in self.failures],
            "failed_periods": ", ".join(self.failed_periods) or "-",
            "observed_values": {failure.name: failure.observed for failure in self.failures},
        }


@lru_cache(maxsize=1)
def _context() -> Any:
    context = gx.get_context(mode="ephemeral")
    # progress bars would write to stderr for every validation
    context.variables.progress_bars = {"globally": False}
    return context


def build_suite(name: str, expectations: list[Any]) -> gx.ExpectationSuite:
    """An ExpectationSuite holding `expectations` (GX wants an active context to add them)."""
    _context()
    suite = gx.ExpectationSuite(name=name)
    for expectation in expectations:
        suite.add_expectation(expectation)
    return suite


def _plain_numbers(frame: pd.DataFrame) -> pd.DataFrame:
    # psycopg returns numeric as Decimal objects; GX bounds compare floats
    converted = frame.copy()
    for name in converted.columns:
        values = converted[name].dropna()
        if converted[name].dtype == object and len(values) and isinstance(values.iloc[0], Decimal):
            converted[name] = converted[name].astype(float)
    return converted


def _observed(result: Any) -> dict[str, Any]:
    raw = result.result or {}
    keep = ("observed_value", "unexpected_count", "element_count", "partial_unexpected_list")
    observed = {key: raw[key] for key in keep if key in raw}
    info = result.exception_info if isinstance(result.exception_info, dict) else {}
    if info.get("raised_exception"):
        observed["exception"] = str(info.get("exception_message"))[:300]
    # values as text so metadata stays JSON-safe whatever pandas hands back
    return {
        key: value if isinstance(value, (int, float, str)) else str(value)[:300]
        for key, value in observed.items()
    }


def _severity(config: Any) -> str:
    severity = getattr(config, "severity", None)
    return str(getattr(severity, "value", severity) or CRITICAL).lower()


def expectation_name(config: Any) -> str:
    """The `meta.name` given in the suite, else type(column)."""
    if config.meta and config.meta.get("name"):
        return str(config.meta["name"])
    kwargs = config.kwargs
    column = kwargs.get("column") or kwargs.get("column_A")
    return f"{config.type}({column})" if column else str(config.type)


def _periods(result: Any, period_column: str | None) -> tuple[str, ...]:
    if period_column is None:
        return ()
    rows = (result.result or {}).get("unexpected_index_list") or []
    found = {str(row.get(period_column))[:7] for row in rows if isinstance(row, dict)}
    return tuple(sorted(found - {"None", "NaT", "nan"}))


def run_suite(
    suite: gx.ExpectationSuite, frame: pd.DataFrame, period_column: str | None = None
) -> SuiteResult:
    """Validate a DataFrame against a suite.

    Args:
        suite: built in code by a module under `data_tests/suites/`.
        frame: the rows to check (an aggregate or slice, never a whole table).
        period_column: the frame's billing-period column: failures then name their periods.

    Returns:
        Success, the failed expectations with severity and observed values, rows checked.
    """
    context = _context()
    source = context.data_sources.add_or_update_pandas(name="data_tests")
    asset = source.add_dataframe_asset(name=f"{suite.name}_{uuid.uuid4().hex[:8]}")
    batch_definition = asset.add_batch_definition_whole_dataframe("whole_frame")
    batch = batch_definition.get_batch(batch_parameters={"dataframe": _plain_numbers(frame)})
    # COMPLETE lists every failing row, which the small aggregate frames afford; the period
    # column of those rows says which billing months failed
    result_format: dict[str, Any] | str = "SUMMARY"
    if period_column is not None:
        result_format = {
            "result_format": "COMPLETE",
            "unexpected_index_column_names": [period_column],
        }
    validation = batch.validate(suite, result_format=result_format)
    source.delete_asset(asset.name)
    failures = [
        FailedExpectation(
            name=expectation_name(result.expectation_config),
            severity=_severity(result.expectation_config),
            observed=_observed(result),
            periods=_periods(result, period_column),
        )
        for result in validation.results
        if not result.success
    ]
    return SuiteResult([suite.name], bool(validation.success), len(frame), failures)
