"""Files of an AWS Data Export: split parquet parts, the manifest, and the export's ARN."""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from datetime import date
from pathlib import Path

import numpy as np
import pyarrow as pa

from .aws_catalog import Payer
from .aws_schema import manifest_columns
from .aws_usage import MonthFrame
from .columnar import iso_z, random_uuid, write_parquet

# AWS splits a delivery into parts; a smaller threshold than AWS's makes multi-file months
# appear at test scales too
ROWS_PER_FILE = 200_000
S3_PREFIX = "s3://finops-sample-bucket/cur2"


def export_arn(seed: int, payer_index: int, payer: Payer) -> str:
    """ARN of a payer's Data Export (its id suffix comes from the seed)."""
    suffix = random_uuid(np.random.default_rng([seed, 7, payer_index]))
    account, name = payer.account_id, payer.export_name
    return f"arn:aws:bcm-data-exports:us-east-1:{account}:export/{name}-{suffix}"


class PartWriter:
    """Writes parquet parts on background threads while the next month is generated.

    pyarrow releases the GIL while encoding, so writing overlaps with numpy work; each file is
    written whole by one thread, so its bytes do not depend on scheduling.
    """

    MAX_PENDING = 4  # parts waiting to be written; bounds memory at large scales

    def __init__(self) -> None:
        self.pool = ThreadPoolExecutor(max_workers=2, thread_name_prefix="parquet")
        self.pending: list[Future[None]] = []
        self.after_parts: list[Callable[[], object]] = []

    def submit(
        self, root: Path, payer: Payer, period: date, table: pa.Table, min_files: int
    ) -> list[Path]:
        """Queue a period's parts (split at ROWS_PER_FILE, at least `min_files`).

        Args:
            root: the delivery root (e.g. `out_dir/aws`).
            payer: whose export the parts belong to.
            period: the billing period.
            table: all rows of the period.
            min_files: lower bound on the number of parts.

        Returns:
            The paths the parts will have once written.
        """
        n_files = max(min_files, math.ceil(table.num_rows / ROWS_PER_FILE))
        size = math.ceil(table.num_rows / n_files)
        folder = root / payer.export_name / "data" / f"BILLING_PERIOD={period:%Y-%m}"
        paths = []
        for part in range(n_files):
            path = folder / f"{payer.export_name}-{part + 1:05d}.snappy.parquet"
            while len(self.pending) >= self.MAX_PENDING:
                self.pending.pop(0).result()
            chunk = table.slice(part * size, size)
            self.pending.append(self.pool.submit(write_parquet, chunk, path))
            paths.append(path)
        return paths

    def defer(self, action: Callable[[], object]) -> None:
        """Run `action` at the next flush, once every part queued so far is written.

        Manifests go through here: AWS writes a delivery's manifest after its data files, and
        a loader that tracks modification times relies on that order.
        """
        self.after_parts.append(action)

    def flush(self) -> None:
        """Wait for every queued part, then run deferred actions; re-raises the first error."""
        while self.pending:
            self.pending.pop(0).result()
        while self.after_parts:
            self.after_parts.pop(0)()

    def close(self) -> None:
        """Flush and stop the threads."""
        try:
            self.flush()
        finally:
            self.pool.shutdown(wait=True)


def manifest_path(root: Path, payer: Payer, period: date) -> Path:
    """`<root>/<export>/metadata/BILLING_PERIOD=YYYY-MM/<export>-Manifest.json`."""
    folder = root / payer.export_name / "metadata" / f"BILLING_PERIOD={period:%Y-%m}"
    return folder / f"{payer.export_name}-Manifest.json"


def write_manifest(
    root: Path, payer: Payer, arn: str, frame: MonthFrame, execution_id: str, files: list[Path]
) -> Path:
    """Write the Data Exports manifest of one billing period's delivery.

    Args:
        root: the delivery root.
        payer: whose export it is.
        arn: the export's ARN.
        frame: the billing period.
        execution_id: id of this delivery.
        files: the period's data files, listed as the s3 URIs AWS would write.

    Returns:
        The manifest's path (see `manifest_path`).
    """
    month = f"{frame.period:%Y-%m}"
    manifest = {
        "version": "2.0",
        "exportArn": arn,
        "exportName": payer.export_name,
        "executionId": execution_id,
        "billingPeriod": {"start": iso_z(frame.start_ms, True), "end": iso_z(frame.end_ms, True)},
        "dataFiles": [
            f"{S3_PREFIX}/{payer.export_name}/data/BILLING_PERIOD={month}/{path.name}"
            for path in files
        ],
        "columns": manifest_columns(),
    }
    path = manifest_path(root, payer, frame.period)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(manifest, indent=2) + "\n")
    return path
