"""`forecast` and `detect-anomalies` commands: exact CSV headers and precise input errors."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from ml.common.synthetic import daily_cost_series, inject_anomaly
from orchestration.cli_forecast import COMMANDS, detect_anomalies, forecast


def _csv(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "series.csv"
    path.write_text(text)
    return path


def test_commands_are_exported_for_registration() -> None:
    assert [c.name for c in COMMANDS] == ["forecast", "detect-anomalies"]


def test_forecast_prints_exact_header_and_one_row_per_day(tmp_path: Path) -> None:
    path = tmp_path / "series.csv"
    daily_cost_series(120, seed=1).to_csv(path, index=False)
    result = CliRunner().invoke(forecast, ["--series", str(path), "--horizon", "10"])
    assert result.exit_code == 0, result.output
    lines = result.output.strip().splitlines()
    assert lines[0] == "date,forecast,lower_80,upper_80,lower_95,upper_95"
    assert len(lines) == 11
    assert lines[1].startswith("2023-05-01,")


def test_forecast_writes_out_file(tmp_path: Path) -> None:
    series = _csv(tmp_path, "date,cost\n2024-01-01,10\n2024-01-02,12\n")
    out = tmp_path / "out.csv"
    result = CliRunner().invoke(forecast, ["--series", str(series), "--horizon", "2", "--out", out])
    assert result.exit_code == 0, result.output
    assert out.read_text().splitlines()[0] == "date,forecast,lower_80,upper_80,lower_95,upper_95"


def test_detect_anomalies_prints_the_spike(tmp_path: Path) -> None:
    path = tmp_path / "series.csv"
    series = inject_anomaly(daily_cost_series(200, seed=1, noise_cv=0.05), "spike", 150, 1.0)
    series.to_csv(path, index=False)
    result = CliRunner().invoke(detect_anomalies, ["--series", str(path)])
    assert result.exit_code == 0, result.output
    lines = result.output.strip().splitlines()
    assert lines[0] == "date,cost,expected,lower,upper,severity"
    assert any(line.startswith("2023-05-31,") for line in lines[1:])


@pytest.mark.parametrize(
    "text",
    ["date,cost\n", "date,cost\n2024-01-01,5\n", "date,cost\n2024-01-01,-3\n2024-01-02,0\n"],
    ids=["empty", "one_day", "credit_and_zero"],
)
def test_detect_anomalies_on_too_short_a_series_prints_only_the_header(
    tmp_path: Path, text: str
) -> None:
    result = CliRunner().invoke(detect_anomalies, ["--series", str(_csv(tmp_path, text))])
    assert result.exit_code == 0, result.output
    assert result.output.strip().splitlines() == ["date,cost,expected,lower,upper,severity"]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("day,cost\n2024-01-01,1\n", "missing column 'date'"),
        ("date,amount\n2024-01-01,1\n", "missing column 'cost'"),
        ("date,cost\n2024-01-01,1\n2024-01-02,abc\n", "row 2 (line 3), column 'cost'"),
        ("date,cost\n2024-01-01,1\nnot-a-date,3\n", "row 2 (line 3), column 'date'"),
    ],
)
@pytest.mark.parametrize("command", COMMANDS, ids=lambda c: c.name)
def test_bad_input_names_file_row_and_column(
    tmp_path: Path, command: object, text: str, expected: str
) -> None:
    path = _csv(tmp_path, text)
    result = CliRunner().invoke(command, ["--series", str(path)])
    assert result.exit_code == 1
    assert str(path) in result.output and expected in result.output
    assert "Traceback" not in result.output


def test_missing_file_is_a_clear_error(tmp_path: Path) -> None:
    missing = tmp_path / "nope.csv"
    result = CliRunner().invoke(forecast, ["--series", str(missing)])
    assert result.exit_code == 1
    assert f"{missing}: no such file" in result.output
