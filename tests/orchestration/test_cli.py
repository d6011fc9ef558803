"""The `finops` command: clear one-line errors, deterministic generation."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
from click.testing import CliRunner

from orchestration.cli import main


def test_missing_path_is_one_clear_line_with_a_hint(tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["ingest", "aws-cur", "--path", str(tmp_path / "nope")])
    assert result.exit_code == 1
    assert "error: " in result.output and "no such file or folder" in result.output
    assert "hint: " in result.output
    assert "Traceback" not in result.output


def test_unknown_warehouse_is_reported_before_any_work(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("FINOPS_WAREHOUSE", "oracle")
    monkeypatch.setenv(
        "FINOPS_AWS_CUR_PATH", str(Path(__file__).parents[1] / "fixtures" / "aws_cur")
    )
    result = CliRunner().invoke(main, ["run"])
    assert result.exit_code == 1
    assert "FINOPS_WAREHOUSE='oracle' is not supported" in result.output
    assert "hint: check FINOPS_WAREHOUSE" in result.output


def test_debug_flag_shows_the_traceback(tmp_path: Path) -> None:
    result = CliRunner().invoke(
        main, ["--debug", "ingest", "aws-cur", "--path", str(tmp_path / "nope")]
    )
    assert isinstance(result.exception, FileNotFoundError)


def test_generate_is_deterministic_for_a_seed(tmp_path: Path) -> None:
    def digest(folder: Path) -> str:
        files = sorted(p for p in folder.rglob("*") if p.is_file())
        return hashlib.sha256(b"".join(p.read_bytes() for p in files)).hexdigest()

    for name in ("a", "b"):
        result = CliRunner().invoke(
            main,
            [
                "generate",
                "--out",
                str(tmp_path / name),
                "--months",
                "1",
                "--scale",
                "1000",
                "--seed",
                "5",
            ],
        )
        assert result.exit_code == 0, result.output
    assert digest(tmp_path / "a") == digest(tmp_path / "b")
    assert (tmp_path / "a" / "aws").is_dir()


def test_unreachable_postgres_database_fails_fast_without_the_password(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("FINOPS_WAREHOUSE", "postgres")
    monkeypatch.setenv(
        "FINOPS_POSTGRES_URL", "postgresql://postgres:s3cret@127.0.0.1:5432/no_such_db"
    )
    monkeypatch.setenv(
        "FINOPS_AWS_CUR_PATH", str(Path(__file__).parents[1] / "fixtures" / "aws_cur")
    )
    result = CliRunner().invoke(main, ["run"])
    assert result.exit_code == 1
    assert 'database "no_such_db" does not exist' in result.output
    assert "createdb" in result.output
    assert "s3cret" not in result.output
