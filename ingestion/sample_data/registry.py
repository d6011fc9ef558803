"""Provider registry: what a provider generator receives, what it returns, and the name map.

Each provider module registers itself with `@register("<name>")`, so adding a provider is a new
module plus one import line in `__init__.py`, not an edit in every caller.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

ProgressFn = Callable[[str], None]


def add_months(month: date, count: int) -> date:
    """First day of the month `count` months after (or before, if negative) `month`.

    Args:
        month: any day of the starting month.
        count: months to move; may be negative.

    Returns:
        The first day of the target month.
    """
    index = month.year * 12 + month.month - 1 + count
    return date(index // 12, index % 12 + 1, 1)


@dataclass(frozen=True)
class GenerationRequest:
    """Arguments every provider generator receives.

    Attributes:
        out_dir: root folder; each provider writes under its own sub-folder.
        months: number of billing periods, ending with `end_month` (the open month).
        scale: approximate line-item rows per billing period across all accounts.
        seed: seed of every random draw; same request => byte-identical files.
        end_month: first day of the last (open, not yet invoiced) billing period.
        progress: callback receiving short human-readable progress messages.
    """

    out_dir: Path
    months: int
    scale: int
    seed: int
    end_month: date
    progress: ProgressFn

    @property
    def periods(self) -> list[date]:
        """Billing periods (first days of months) in ascending order."""
        return [add_months(self.end_month, offset) for offset in range(1 - self.months, 1)]


@dataclass
class ProviderOutput:
    """What a provider generator wrote.

    Attributes:
        files: every data and manifest file written, in write order.
        rows_per_month: rows per billing period (`YYYY-MM`) of the primary delivery.
        ground_truth: the provider's section of `ground_truth.json`.
        extra_ground_truth: other ground-truth files (name under out_dir -> provider section),
            e.g. the one describing a restated delivery.
        roots: named folders a loader can be pointed at, e.g. `{"aws": .../aws}`.
    """

    files: list[Path]
    rows_per_month: dict[str, int]
    ground_truth: dict[str, Any]
    extra_ground_truth: dict[str, dict[str, Any]] = field(default_factory=dict)
    roots: dict[str, Path] = field(default_factory=dict)


ProviderGenerator = Callable[[GenerationRequest], ProviderOutput]

GENERATORS: dict[str, ProviderGenerator] = {}


def register(name: str) -> Callable[[ProviderGenerator], ProviderGenerator]:
    """Register the decorated function as the generator of provider `name`.

    Args:
        name: provider key used in `generate(providers=...)` and in ground truth.

    Returns:
        A decorator returning the function unchanged.
    """

    def decorator(function: ProviderGenerator) -> ProviderGenerator:
        if name in GENERATORS:
            raise ValueError(f"provider {name!r} is registered twice")
        GENERATORS[name] = function
        return function

    return decorator
