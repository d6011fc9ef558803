"""`finops ingest SOURCE --number-locale`: validated, refused where nothing parses, one run only.

The end-to-end case runs the real Dagster job (saas raw load, then the downstream dbt build)
on DuckDB; expected totals come from the file read with csv + Decimal.
"""

from __future__ import annotations

import csv
import inspect
import os
import shutil
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import pytest
from click.testing import CliRunner

from ingestion import registry
from ingestion.common.numbers import parse_amount
from orchestration.cli import main
from tests.conftest import FIXTURES
from tests.warehouse_utils import query, use_warehouse

ACME = FIXTURES / "saas" / "acme_2025-01.csv"  # amounts written `1.234,50` (German)
LOCALE_VARIABLE = "SOURCES__SAAS__NUMBER_LOCALE"


def _german_total(path: Path) -> Decimal:
    with open(path, newline="", encoding="utf-8-sig") as handle:
        return sum(
            (parse_amount(row["Amount"], "de") for row in csv.DictReader(handle)), Decimal(0)
        )


def test_unknown_locale_is_a_click_error_listing_the_allowed_ones(tmp_path: Path) -> None:
    result = CliRunner().invoke(
        main, ["ingest", "saas", "--path", str(tmp_path), "--number-locale", "es"]
    )
    assert result.exit_code == 2
    assert "Invalid value for '--number-locale'" in result.output
    assert "'plain', 'en', 'de', 'fr'" in result.output


@pytest.mark.parametrize("source", ["aws-cur", "accounts"])
def test_sources_without_number_parsing_refuse_the_option(source: str, tmp_path: Path) -> None:
    result = CliRunner().invoke(
        main, ["ingest", source, "--path", str(tmp_path), "--number-locale", "de"]
    )
    assert result.exit_code == 2
    assert f"--number-locale does not apply to {source}" in result.output
    assert "saas" in result.output and "gcp-billing" in result.output


def test_registry_says_which_sources_parse_numbers() -> None:
    for spec in registry.SOURCES:
        module = spec.load()
        takes = "number_locale" in inspect.signature(module.dlt_source).parameters
        assert takes == spec.parses_numbers, spec.name
        if takes:  # months are found the way rows are read
            assert "number_locale" in inspect.signature(module.months_found).parameters


@pytest.fixture
def duckdb_warehouse(tmp_path: Path) -> Iterator[None]:
    """An empty DuckDB warehouse: `ingest saas` must build every model it reads by itself."""
    with use_warehouse("duckdb", tmp_path / "wh.duckdb"):
        yield


def test_german_amounts_load_exactly_with_the_flag_and_are_quarantined_without(
    duckdb_warehouse: None, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv(LOCALE_VARIABLE, raising=False)
    folder = tmp_path / "saas"
    folder.mkdir()
    shutil.copy(ACME, folder)
    runner = CliRunner()

    # without the flag the file's months are unreadable; asked for the month, the load refuses
    # the file and names its row and column
    plain = runner.invoke(main, ["ingest", "saas", "--path", str(folder), "--partition", "2025-01"])
    assert plain.exit_code == 1
    assert "acme_2025-01.csv: row 1, column 'Amount'" in plain.output
    assert "'1.234,50' is not a valid amount under number locale 'plain'" in plain.output

    # without the flag or a month, no month reads: the hint points at the locale, not only the path
    unread = runner.invoke(main, ["ingest", "saas", "--path", str(folder)])
    assert unread.exit_code == 1
    assert "no billing months found to load" in unread.output
    assert "pass --number-locale" in unread.output

    german = runner.invoke(main, ["ingest", "saas", "--path", str(folder), "--number-locale", "de"])
    assert german.exit_code == 0, german.output
    assert LOCALE_VARIABLE not in os.environ  # the locale was for that run only
    expected = _german_total(ACME)
    assert expected == Decimal("1469.60")
    raw = query("select sum(amount), count(*) from raw_saas.invoice_lines")
    silver = query(
        "select sum(billed_cost) from silver.int_costs_unioned where x_provider = 'saas'"
    )
    assert Decimal(str(raw[0][0])) == expected and raw[0][1] == 4
    assert Decimal(str(silver[0][0])) == expected
    loads = query("select status, count(*) from raw_saas.loads group by 1 order by 1")
    assert ("loaded", 1) in loads
