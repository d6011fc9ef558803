"""AWS Data Exports (CUR 2.0) sample: two payers' exports, manifests, restatement, ground truth.

Layout (as AWS delivers it), under `out_dir/aws/`:
`<export>/data/BILLING_PERIOD=YYYY-MM/<export>-00001.snappy.parquet` and
`<export>/metadata/BILLING_PERIOD=YYYY-MM/<export>-Manifest.json`.

AWS overwrites the open month in place on every delivery. To let a test replay that, the
generator writes two roots: `aws/` holds the earlier delivery (open month through day 20) and
`aws_restated/` a full copy of the exports in which only the open month was re-delivered
(through day 27, new executionId, higher totals). Loading `aws/` then `aws_restated/` must end
with the restated open month replacing the earlier one.
"""

from __future__ import annotations

import shutil
from datetime import date, datetime
from functools import partial
from pathlib import Path
from typing import Any

import numpy as np

from .aws_catalog import ACCOUNTS, PAYERS, PRODUCT_CODES, SHIFT_PRODUCTS, SPIKE_PRODUCTS, Payer
from .aws_commitments import build_commitments
from .aws_files import PartWriter, export_arn, manifest_path, write_manifest
from .aws_ground_truth import (
    commitment_usage,
    commitments_truth,
    period_totals,
    planted_events,
    tag_mess,
    world_truth,
)
from .aws_month import World, month_table
from .aws_resources import build_catalog
from .aws_usage import MonthFrame
from .columnar import HOUR_MS, epoch_ms, iso_z, random_uuid
from .registry import GenerationRequest, ProviderOutput, add_months, register
from .timeseries import build_shape, plant_events

ROOTS = {"initial": "aws", "restated": "aws_restated"}
# days of the open month each delivery holds
DELIVERED_DAYS = {"initial": 20, "restated": 27}
RESTATED_TRUTH_FILE = "ground_truth_restated.json"
# measured over seeds and scales: a resource yields ~930 lines in a 31-day month (hourly
# usage plus Savings Plan negations), and a payer-month adds ~2,500 lines of its own
# (discounts per day, hourly plan fees, tax)
ROWS_PER_RESOURCE_MONTH = 930
FIXED_ROWS_PER_MONTH = 2_500
# floor: the commitments, discounts and events need their 14 required resources plus a few
# random ones; tag-mess shares are quotas, so with n resources they are exact to 1/n
MIN_RESOURCES = 20


def build_world(request: GenerationRequest) -> World:
    """Draw resources, the daily shape with its events, and the commitments for a request.

    Args:
        request: the generation request (seed, scale, window).

    Returns:
        The world every payer-month is generated from.
    """
    periods = request.periods
    per_resource = (request.scale - FIXED_ROWS_PER_MONTH) / ROWS_PER_RESOURCE_MONTH
    n_resources = max(MIN_RESOURCES, round(per_resource))
    catalog = build_catalog(np.random.default_rng([request.seed, 1]), n_resources)
    n_days = (add_months(periods[-1], 1) - periods[0]).days
    last_day = (periods[-1] - periods[0]).days + DELIVERED_DAYS["initial"] - 1
    shape_rng = np.random.default_rng([request.seed, 2])
    groups = np.repeat(np.arange(len(ACCOUNTS)), len(PRODUCT_CODES))  # growth per account
    shape = build_shape(shape_rng, groups, periods[0], n_days)
    present = sorted({int(s) for s in catalog.series})
    spikes = [s for s in present if PRODUCT_CODES[s % len(PRODUCT_CODES)] in SPIKE_PRODUCTS]
    shifts = [s for s in present if PRODUCT_CODES[s % len(PRODUCT_CODES)] in SHIFT_PRODUCTS]
    shape = plant_events(shape_rng, shape, spikes, shifts, last_day)
    plans, reservations = build_commitments(
        np.random.default_rng([request.seed, 3]), catalog, periods
    )
    return World(periods, catalog, shape, plans, reservations)


def _month_frame(world: World, period: date, delivered_days: int | None) -> MonthFrame:
    start = epoch_ms(datetime(period.year, period.month, 1))
    nxt = add_months(period, 1)
    end = epoch_ms(datetime(nxt.year, nxt.month, 1))
    hours = (end - start) // HOUR_MS if delivered_days is None else delivered_days * 24
    return MonthFrame(period, start, end, hours, (period - world.periods[0]).days)


class _Delivery:
    """Writes one root (initial or restated) and collects its ground truth."""

    def __init__(
        self, request: GenerationRequest, world: World, name: str, writer: PartWriter
    ) -> None:
        self.request, self.world, self.name, self.writer = request, world, name, writer
        self.root = request.out_dir / ROOTS[name]
        self.files: list[Path] = []
        self.entries: list[dict[str, Any]] = []
        self.rows_per_month: dict[str, int] = {}
        self.usage: dict[str, dict[str, dict[str, int]]] = {}
        self.resources: set[int] = set()

    def rel(self, path: Path) -> str:
        return path.relative_to(self.request.out_dir).as_posix()

    def write(self, earlier: _Delivery | None = None) -> None:
        """Write every payer-month; with `earlier`, closed months are copied from it."""
        seed = self.request.seed
        for p, payer in enumerate(PAYERS):
            shutil.rmtree(self.root / payer.export_name, ignore_errors=True)
            arn = export_arn(seed, p, payer)
            for index, period in enumerate(self.world.periods):
                is_open = index == len(self.world.periods) - 1
                if earlier is not None and not is_open:
                    self._copy(earlier, p, period)
                    continue
                self._generate(p, payer, arn, index, period, is_open)

    def _generate(
        self, p: int, payer: Payer, arn: str, index: int, period: date, is_open: bool
    ) -> None:
        seed, month = self.request.seed, period.year * 12 + period.month
        frame = _month_frame(self.world, period, DELIVERED_DAYS[self.name] if is_open else None)
        delivery = list(ROOTS).index(self.name)
        invoice_rng = np.random.default_rng([seed, 6, p, month])
        invoice = "" if is_open else str(invoice_rng.integers(10**9, 10**10))
        execution_id = random_uuid(np.random.default_rng([seed, 8, p, month, delivery]))
        result = month_table(
            self.world,
            p,
            frame,
            invoice,
            np.random.default_rng([seed, 4, p, month]),
            np.random.default_rng([seed, 5, p, month, delivery]),
        )
        table = result.table
        files = self.writer.submit(self.root, payer, period, table, 2 if index == 0 else 1)
        manifest = manifest_path(self.root, payer, period)
        self.writer.defer(
            partial(write_manifest, self.root, payer, arn, frame, execution_id, files)
        )
        self.files += [*files, manifest]
        self.resources.update(int(r) for r in result.resources)
        key = f"{period:%Y-%m}"
        self.usage.setdefault(key, {}).update(commitment_usage(table))
        self.rows_per_month[key] = self.rows_per_month.get(key, 0) + table.num_rows
        self.entries.append(
            {
                "payer_account_id": payer.account_id,
                "payer_account_name": payer.name,
                "export_name": payer.export_name,
                "billing_period": key,
                "execution_id": execution_id,
                "invoice_id": invoice,
                "is_final": not is_open,
                "delivered_through": iso_z(frame.covered_end_ms),
                "manifest": self.rel(manifest),
                "data_files": [self.rel(path) for path in files],
                **period_totals(table),
            }
        )
        self.request.progress(
            f"aws {self.name}: {payer.export_name} {key}: "
            f"{table.num_rows:,} rows in {len(files)} file(s)"
        )

    def _copy(self, earlier: _Delivery, p: int, period: date) -> None:
        key = f"{period:%Y-%m}"
        payer = PAYERS[p]
        entry = next(
            e
            for e in earlier.entries
            if e["billing_period"] == key and e["payer_account_id"] == payer.account_id
        )
        copied = dict(entry)
        # data files first, then the manifest: the order AWS delivers in
        sources = [*entry["data_files"], entry["manifest"]]
        targets = []
        for source in sources:
            relative = Path(source).relative_to(ROOTS[earlier.name])
            target = self.root / relative
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(self.request.out_dir / source, target)
            targets.append(self.rel(target))
            self.files.append(target)
        copied["data_files"], copied["manifest"] = targets[:-1], targets[-1]
        self.entries.append(copied)
        self.usage.setdefault(key, {}).update(earlier.usage.get(key, {}))
        self.rows_per_month[key] = self.rows_per_month.get(key, 0) + entry["row_count"]

    def ground_truth(self) -> dict[str, Any]:
        """This delivery's section of the ground-truth file."""
        world, seed = self.world, self.request.seed
        end = _month_frame(world, world.periods[-1], None).end_ms
        return {
            "root": ROOTS[self.name],
            "delivery": self.name,
            "open_month": f"{world.periods[-1]:%Y-%m}",
            "open_month_delivered_days": DELIVERED_DAYS[self.name],
            **world_truth([export_arn(seed, p, payer) for p, payer in enumerate(PAYERS)]),
            "billing_periods": self.entries,
            "commitments": commitments_truth(world.plans, world.reservations, self.usage, end),
            "events": planted_events(world.shape),
            "tag_mess": tag_mess(world.catalog, np.array(sorted(self.resources))),
        }


@register("aws")
def generate_aws(request: GenerationRequest) -> ProviderOutput:
    """Write the AWS CUR 2.0 sample (initial and restated roots) for `request`.

    Args:
        request: window, scale, seed and progress callback.

    Returns:
        Files written, rows per month of the initial root, and both ground-truth sections.
    """
    world = build_world(request)
    writer = PartWriter()
    try:
        initial = _Delivery(request, world, "initial", writer)
        initial.write()
        writer.flush()  # the restated root copies the initial root's closed months
        restated = _Delivery(request, world, "restated", writer)
        restated.write(earlier=initial)
    finally:
        writer.close()
    # closed months of the restated root are copies; their resources count as present too
    restated.resources |= initial.resources
    return ProviderOutput(
        files=initial.files + restated.files,
        rows_per_month=initial.rows_per_month,
        ground_truth=initial.ground_truth(),
        extra_ground_truth={RESTATED_TRUTH_FILE: restated.ground_truth()},
        roots={folder: request.out_dir / folder for folder in ROOTS.values()},
    )
