"""Deterministic sample billing data with ground truth, for tests, demos and local runs.

Plain Python (numpy + pyarrow); no dagster or dlt, so any layer can call it. Providers live in
their own modules and register themselves in `GENERATORS`; `generate` runs the chosen ones and
writes one `ground_truth.json` describing what was planted.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

# provider modules register on import; a new provider adds one line here
from . import accounts as _accounts  # noqa: F401
from . import aws_cur  # noqa: F401
from . import azure as _azure  # noqa: F401
from . import business_metrics as _business_metrics  # noqa: F401
from . import gcp as _gcp  # noqa: F401
from . import kubernetes as _kubernetes  # noqa: F401
from . import saas as _saas  # noqa: F401
from . import utilization as _utilization  # noqa: F401
from .registry import GENERATORS, GenerationRequest, ProviderGenerator, register

__all__ = ["DEFAULT_END_MONTH", "GENERATORS", "GenerationSummary", "generate", "register"]

# a fixed month, not today's, so a seed always produces the same bytes
DEFAULT_END_MONTH = date(2025, 3, 1)
GROUND_TRUTH_FILE = "ground_truth.json"
FORMAT_VERSION = 1


@dataclass(frozen=True)
class GenerationSummary:
    """What `generate` wrote.

    Attributes:
        out_dir: the output root.
        files: every data and manifest file, all providers and roots.
        rows_per_month: line-item rows per billing period (`YYYY-MM`), primary deliveries only.
        ground_truth_path: `out_dir/ground_truth.json`.
        extra_ground_truth_paths: other truth files, e.g. the restated AWS delivery's.
        roots: named folders to point a loader at, e.g. `aws`, `aws_restated`.
    """

    out_dir: Path
    files: tuple[Path, ...]
    rows_per_month: dict[str, int]
    ground_truth_path: Path
    extra_ground_truth_paths: tuple[Path, ...] = ()
    roots: dict[str, Path] = field(default_factory=dict)

    @property
    def total_rows(self) -> int:
        """Rows over all periods of the primary deliveries."""
        return sum(self.rows_per_month.values())


def _silent(_: str) -> None:
    return None


def generate(
    out_dir: Path,
    months: int = 3,
    scale: int = 50_000,
    seed: int = 42,
    end_month: date | None = None,
    providers: tuple[str, ...] = ("aws",),
    progress: Callable[[str], None] | None = None,
) -> GenerationSummary:
    """Generate sample billing exports and their ground truth under `out_dir`.

    Args:
        out_dir: output root; providers write to their own sub-folders (replacing them).
        months: billing periods to generate, ending with `end_month`.
        scale: approximate line-item rows per billing period across all accounts.
        seed: seed of every random draw; the same arguments give byte-identical files.
        end_month: the last (open) billing period; defaults to `DEFAULT_END_MONTH`.
        providers: registered provider names to run.
        progress: receives short progress messages (e.g. to print from a CLI).

    Returns:
        A summary of the files, rows and ground-truth paths.
    """
    if months < 1 or scale < 1:
        raise ValueError("months and scale must be positive")
    unknown = [name for name in providers if name not in GENERATORS]
    if unknown:
        raise ValueError(f"unknown provider(s) {unknown}; known: {sorted(GENERATORS)}")
    month = (end_month or DEFAULT_END_MONTH).replace(day=1)
    request = GenerationRequest(Path(out_dir), months, scale, seed, month, progress or _silent)
    request.out_dir.mkdir(parents=True, exist_ok=True)
    header: dict[str, Any] = {
        "format_version": FORMAT_VERSION,
        "seed": seed,
        "scale": scale,
        "months": months,
        "end_month": month.isoformat(),
        "periods": [f"{p:%Y-%m}" for p in request.periods],
    }
    truth, extra = dict(header), {}
    files: list[Path] = []
    rows: dict[str, int] = {}
    roots: dict[str, Path] = {}
    for name in providers:
        generator: ProviderGenerator = GENERATORS[name]
        output = generator(request)
        files += output.files
        roots |= output.roots
        for period, count in output.rows_per_month.items():
            rows[period] = rows.get(period, 0) + count
        truth[name] = output.ground_truth
        for file_name, section in output.extra_ground_truth.items():
            extra.setdefault(file_name, dict(header))[name] = section
    truth_path = request.out_dir / GROUND_TRUTH_FILE
    _write_json(truth_path, truth)
    extra_paths = []
    for file_name, content in sorted(extra.items()):
        extra_paths.append(request.out_dir / file_name)
        _write_json(extra_paths[-1], content)
    return GenerationSummary(
        request.out_dir,
        tuple(files),
        dict(sorted(rows.items())),
        truth_path,
        tuple(extra_paths),
        roots,
    )


def _write_json(path: Path, content: dict[str, Any]) -> None:
    path.write_text(json.dumps(content, indent=2, ensure_ascii=False) + "\n")
