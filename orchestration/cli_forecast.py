"""`finops forecast` and `finops detect-anomalies`: the ml capabilities on a CSV of daily costs.

The lead registers `COMMANDS` on the `finops` group. Input errors become a one-line
`click.ClickException` naming the file, row and column.
"""

from __future__ import annotations

from pathlib import Path

import click
import pandas as pd

FORECAST_COLUMNS = ["date", "forecast", "lower_80", "upper_80", "lower_95", "upper_95"]
ANOMALY_OUTPUT_COLUMNS = ["date", "cost", "expected", "lower", "upper", "severity"]


def read_series(path: Path) -> pd.DataFrame:
    """Read and validate a `date,cost` CSV.

    Args:
        path: The CSV file.

    Returns:
        Columns `date` (datetime) and `cost` (float).

    Raises:
        click.ClickException: Missing file, missing column, or an unparseable value; the message
            names the file and, for values, the row (1-based data row, header excluded) and column.
    """
    if not path.is_file():
        raise click.ClickException(f"{path}: no such file")
    try:
        raw = pd.read_csv(path, dtype=str, keep_default_na=False)
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as error:
        raise click.ClickException(f"{path}: not a readable CSV ({error})") from None
    for column in ("date", "cost"):
        if column not in raw.columns:
            raise click.ClickException(f"{path}: missing column {column!r}")
    dates = pd.to_datetime(raw["date"].str.strip(), errors="coerce", format="ISO8601")
    costs = pd.to_numeric(raw["cost"].str.strip(), errors="coerce")
    for column, parsed in (("date", dates), ("cost", costs)):
        bad = parsed.isna()
        if bad.any():
            row = int(bad.to_numpy().argmax())
            value = raw[column].iloc[row]
            raise click.ClickException(
                f"{path}: row {row + 1} (line {row + 2}), column {column!r}: cannot parse {value!r}"
            )
    return pd.DataFrame({"date": dates, "cost": costs.astype(float)})


def _write(frame: pd.DataFrame, out: Path | None) -> None:
    text = frame.to_csv(index=False, float_format="%.4f")
    if out is None:
        click.echo(text, nl=False)
    else:
        out.write_text(text)


@click.command()
@click.option("--series", "series_path", type=click.Path(path_type=Path), required=True)
@click.option("--horizon", type=click.IntRange(min=1), default=None, help="Days to forecast.")
@click.option("--out", type=click.Path(path_type=Path), default=None, help="Output CSV.")
def forecast(series_path: Path, horizon: int | None, out: Path | None) -> None:
    """Forecast a daily cost CSV (date,cost) with 80% and 95% intervals.

    Without --horizon it forecasts to the end of the month three months ahead.
    """
    history = read_series(series_path)
    # imported here: scikit-learn takes ~2 s to load, which every other command would pay
    from ml.forecasting.run import forecast_series

    result = forecast_series(history, horizon)
    if result.empty:
        raise click.ClickException(f"{series_path}: {result.attrs.get('reason', 'no data')}")
    _write(result[FORECAST_COLUMNS], out)


@click.command("detect-anomalies")
@click.option("--series", "series_path", type=click.Path(path_type=Path), required=True)
@click.option("--out", type=click.Path(path_type=Path), default=None, help="Output CSV.")
def detect_anomalies(series_path: Path, out: Path | None) -> None:
    """Print the anomalous days of a daily cost CSV (date,cost)."""
    from ml.anomaly.run import detect  # deferred like forecast_series above

    found = detect(read_series(series_path))
    _write(found.reindex(columns=ANOMALY_OUTPUT_COLUMNS), out)


COMMANDS = [forecast, detect_anomalies]
