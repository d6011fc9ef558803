"""What one ingestion run found, loaded and refused: the shape every source reports in.

The CLI, the Dagster assets and `finops status` read this, whatever the source.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any


@dataclass(frozen=True)
class Quarantined:
    """A file (or delivery) that was refused, and why: the reason names file, row and column."""

    path: str
    reason: str


@dataclass(frozen=True)
class LoadedUnit:
    """One unit of replacement that was accepted (e.g. one billing account's billing month)."""

    billing_period: date | None
    unit_key: str
    rows: int
    cost_total: Decimal | None = None
    files: tuple[str, ...] = ()


@dataclass
class SourceReport:
    """Filled in as a run goes; `summary()` is what logs and metadata show."""

    root: str = ""
    loaded: list[LoadedUnit] = field(default_factory=list)
    quarantined: list[Quarantined] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def rows(self) -> int:
        """Rows accepted for loading."""
        return sum(unit.rows for unit in self.loaded)

    @property
    def billing_periods(self) -> list[str]:
        """Billing periods loaded, as YYYY-MM."""
        return sorted({f"{u.billing_period:%Y-%m}" for u in self.loaded if u.billing_period})

    def quarantine(self, path: str, reason: str) -> None:
        """Record a refused file; the reason should name the file, row and column."""
        self.quarantined.append(Quarantined(path, reason))

    def summary(self) -> dict[str, Any]:
        """Plain-data summary for logs, CLI output and Dagster metadata."""
        return {
            "root": self.root,
            "rows": self.rows,
            "billing_periods": self.billing_periods,
            "units_loaded": len(self.loaded),
            "quarantined": [q.reason for q in self.quarantined],
            "notes": self.notes,
        }
