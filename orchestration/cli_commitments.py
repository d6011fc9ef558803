"""`finops optimize-commitment`: size one commitment from an hourly usage CSV, print JSON."""

from __future__ import annotations

import json
import math
from pathlib import Path

import click
import pandas as pd

from ml.commitments.evaluate import evaluate_commitment
from ml.commitments.features import hourly_series
from ml.commitments.optimizer import optimal_commitment

REQUIRED_COLUMNS = ("hour", "on_demand_cost")


def _read_usage(path: Path) -> pd.DataFrame:
    """Read and validate the CSV; every problem names the file, and the row and column."""
    try:
        frame = pd.read_csv(path, dtype=str, skipinitialspace=True)
    except FileNotFoundError as error:
        raise click.ClickException(f"{path}: file not found") from error
    except (pd.errors.EmptyDataError, pd.errors.ParserError, UnicodeDecodeError) as error:
        raise click.ClickException(f"{path}: not a readable CSV ({error})") from error
    frame.columns = [str(column).strip() for column in frame.columns]
    missing = [column for column in REQUIRED_COLUMNS if column not in frame.columns]
    if missing:
        raise click.ClickException(
            f"{path}: missing column(s) {', '.join(missing)}; "
            f"expected {', '.join(REQUIRED_COLUMNS)}"
        )
    if frame.empty:
        raise click.ClickException(f"{path}: no data rows")
    hours = pd.to_datetime(frame["hour"], errors="coerce", utc=True, format="mixed")
    costs = pd.to_numeric(frame["on_demand_cost"], errors="coerce")
    for column, parsed in (("hour", hours), ("on_demand_cost", costs)):
        bad = parsed.isna().to_numpy()
        if bad.any():
            position = int(bad.argmax())
            # row numbers count the header as row 1, as a spreadsheet shows them
            raise click.ClickException(
                f"{path}: row {position + 2}, column {column}: cannot parse "
                f"{frame[column].iloc[position]!r}"
            )
    negative = (costs < 0).to_numpy()
    if negative.any():
        position = int(negative.argmax())
        raise click.ClickException(
            f"{path}: row {position + 2}, column on_demand_cost: negative value "
            f"{costs.iloc[position]} (credits are not eligible usage; remove them)"
        )
    return pd.DataFrame({"hour": hours, "on_demand_cost": costs})


def _finite(value: float) -> float | None:
    return value if math.isfinite(value) else None


@click.command("optimize-commitment")
@click.option(
    "--hourly-usage",
    "hourly_usage",
    type=click.Path(path_type=Path),
    required=True,
    help="CSV with columns hour, on_demand_cost (eligible on-demand-equivalent spend).",
)
@click.option(
    "--discount-rate",
    "discount_rate",
    type=float,
    required=True,
    help="Commitment discount versus on-demand, strictly between 0 and 1 (e.g. 0.28).",
)
def optimize_commitment(hourly_usage: Path, discount_rate: float) -> None:
    """Print the savings-maximising hourly commitment for a usage history as JSON."""
    if not (0.0 < discount_rate < 1.0):
        raise click.ClickException(
            f"--discount-rate must be strictly between 0 and 1, got {discount_rate}"
        )
    series = hourly_series(_read_usage(hourly_usage)).to_numpy()
    commitment = optimal_commitment(series, discount_rate)
    result = evaluate_commitment(series, commitment, discount_rate)
    payload = {
        "hours": len(series),
        "discount_rate": discount_rate,
        **{key: _finite(value) for key, value in result.as_dict().items()},
    }
    click.echo(json.dumps(payload, indent=2))


COMMANDS = [optimize_commitment]
