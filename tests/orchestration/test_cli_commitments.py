"""`finops optimize-commitment`: JSON output and one-line errors naming file, row and column."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from orchestration.cli_commitments import COMMANDS, optimize_commitment


def _run(path: Path, rate: str = "0.3") -> tuple[int, str]:
    result = CliRunner().invoke(
        optimize_commitment, ["--hourly-usage", str(path), "--discount-rate", rate]
    )
    return result.exit_code, result.output


def _csv(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "usage.csv"
    path.write_text(text)
    return path


def test_prints_the_optimal_commitment_as_json(tmp_path: Path) -> None:
    rows = "\n".join(f"2025-01-01T{hour:02d}:00,{value}" for hour, value in enumerate(range(1, 11)))
    code, output = _run(_csv(tmp_path, "hour,on_demand_cost\n" + rows + "\n"))
    assert code == 0, output
    payload = json.loads(output)
    # usage 1..10, d = 0.3: covers up to the 3rd smallest hour (3), pays 0.7 * 3
    assert payload["hourly_commitment"] == pytest.approx(2.1)
    assert payload["expected_savings"] == pytest.approx(sum(min(v, 3) for v in range(1, 11)) - 21)
    assert payload["coverage"] == pytest.approx(27 / 55)
    assert payload["utilization"] == pytest.approx(27 / 30)
    assert payload["hours"] == 10


@pytest.mark.parametrize(
    ("text", "rate", "message"),
    [
        ("hour,cost\n2025-01-01T00:00,1\n", "0.3", "missing column(s) on_demand_cost"),
        ("hour,on_demand_cost\n2025-01-01T00:00,1\n2025-01-01T01:00,abc\n", "0.3",
         "row 3, column on_demand_cost: cannot parse 'abc'"),
        ("hour,on_demand_cost\nnot-a-time,1\n", "0.3", "row 2, column hour"),
        ("hour,on_demand_cost\n2025-01-01T00:00,-4\n", "0.3", "row 2, column on_demand_cost"),
        ("hour,on_demand_cost\n", "0.3", "no data rows"),
        ("hour,on_demand_cost\n2025-01-01T00:00,1\n", "1.0", "strictly between 0 and 1"),
        ("hour,on_demand_cost\n2025-01-01T00:00,1\n", "0", "strictly between 0 and 1"),
    ],
)  # fmt: skip
def test_bad_input_is_one_clear_error(tmp_path: Path, text: str, rate: str, message: str) -> None:
    path = _csv(tmp_path, text)
    code, output = _run(path, rate)
    assert code == 1
    assert message in output
    if "between" not in message:
        assert str(path) in output


def test_missing_file_is_named(tmp_path: Path) -> None:
    code, output = _run(tmp_path / "nope.csv")
    assert code == 1 and "nope.csv: file not found" in output


def test_command_is_exported_for_registration() -> None:
    assert list(COMMANDS) == [optimize_commitment]
    assert optimize_commitment.name == "optimize-commitment"
