"""The dbt invocation folders under FINOPS_HOME and the parse state they hand on."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

from orchestration.lib import dbt_state


@pytest.fixture
def finops_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("FINOPS_HOME", str(tmp_path))
    return tmp_path


def test_a_new_folder_starts_from_the_last_saved_parse_state(finops_home: Path) -> None:
    first = dbt_state.invocation_target("run-1", "finops_dbt_models")
    assert not (first / dbt_state.PARTIAL_PARSE).exists()  # nothing saved yet
    (first / dbt_state.PARTIAL_PARSE).write_bytes(b"state of the first invocation")
    dbt_state.keep_parse_state(first)

    second = dbt_state.invocation_target("run-1", "finops_dbt_finance_marts")
    assert second != first and second.parent == finops_home / "dbt" / "runs"
    assert (second / dbt_state.PARTIAL_PARSE).read_bytes() == b"state of the first invocation"
    assert not list((finops_home / "dbt").glob(".partial_parse*"))  # no staging file left


def test_a_failed_invocation_without_state_keeps_the_saved_one(finops_home: Path) -> None:
    first = dbt_state.invocation_target("run-1", "finops_dbt_models")
    (first / dbt_state.PARTIAL_PARSE).write_bytes(b"good")
    dbt_state.keep_parse_state(first)
    dbt_state.keep_parse_state(dbt_state.invocation_target("run-2", "finops_dbt_models"))
    assert (finops_home / "dbt" / dbt_state.PARTIAL_PARSE).read_bytes() == b"good"


def test_only_the_newest_folders_are_kept(finops_home: Path) -> None:
    folders = [dbt_state.invocation_target(f"run-{i}", "step") for i in range(5)]
    now = time.time()
    for age, folder in enumerate(reversed(folders)):
        os.utime(folder, (now - age, now - age))
    dbt_state.prune_invocations(keep=2)
    assert sorted((finops_home / "dbt" / "runs").iterdir()) == sorted(folders[-2:])
