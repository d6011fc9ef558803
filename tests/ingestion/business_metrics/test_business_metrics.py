"""Business metrics from CSV (long, wide, locale), JSON files and a paged HTTP API, loaded into
DuckDB and PostgreSQL; expected totals come from the files via the csv module and Decimal."""

from __future__ import annotations

import csv
import json
import os
import shutil
from collections import defaultdict
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from ingestion.business_metrics import DATASET_NAME, dlt_source, months_found
from ingestion.common.report import SourceReport
from ingestion.warehouse import make_pipeline
from tests.conftest import FIXTURES
from tests.ingestion.accounts.servers import JsonServer, json_server
from tests.warehouse_utils import query, table_exists, use_warehouse

HERE = FIXTURES / "business_metrics"
Totals = dict[tuple[str, str, str], Decimal]  # (YYYY-MM, product, metric) -> sum


def reference(path: Path, german: bool = False) -> tuple[Totals, int]:
    """Totals per month, product and metric, and the value count, read with the csv module."""
    totals: Totals = defaultdict(Decimal)
    count = 0
    with open(path, newline="") as handle:
        for line in csv.DictReader(handle):
            line = {k.strip().lower().replace(" ", "_"): v for k, v in line.items()}
            month = line.pop("date")[:7]
            product = line.pop("product")
            if "metric" in line:
                pairs = [(line["metric"], line["value"])]
            else:
                pairs = [(k, v) for k, v in line.items() if k not in ("currency", "unit")]
            for metric, text in pairs:
                if german:
                    text = text.replace(".", "").replace(",", ".")
                totals[(month, product, metric)] += Decimal(text)
                count += 1
    return dict(totals), count


def warehouse_totals() -> Totals:
    rows = query(
        f"select billing_period, product, metric, sum(value) from {DATASET_NAME}.daily_metrics "
        "group by 1, 2, 3"
    )
    return {(f"{p:%Y-%m}", prod, m): Decimal(str(v)) for p, prod, m, v in rows}


def _run(name: str, report: SourceReport | None = None, **kwargs: Any) -> None:
    make_pipeline(name, DATASET_NAME).run(dlt_source(report=report, **kwargs))


@pytest.mark.parametrize("kind", ["duckdb", "postgres"])
def test_long_and_wide_csv_then_restatement(
    kind: str, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    folder = tmp_path / "metrics"
    folder.mkdir()
    for name in ("metrics_long.csv", "metrics_wide.csv"):
        shutil.copy(HERE / name, folder / name)
    assert months_found(str(folder)) == sorted(
        {k[0] for k in reference(folder / "metrics_long.csv")[0]}
    )
    long_totals, long_count = reference(HERE / "metrics_long.csv")
    wide_totals, wide_count = reference(HERE / "metrics_wide.csv")
    database = request.getfixturevalue("own_postgres_database") if kind == "postgres" else None
    report = SourceReport()
    with use_warehouse(kind, tmp_path / "wh.duckdb", database):
        _run(f"metrics_{kind}", report, path=str(folder))
        assert not report.quarantined
        assert warehouse_totals() == long_totals | wide_totals
        rows = query(f"select count(*) from {DATASET_NAME}.daily_metrics")[0][0]
        assert rows == long_count + wide_count
        units = dict(
            query(
                f"select distinct metric || '/' || product, unit from {DATASET_NAME}.daily_metrics"
            )
        )
        assert units["revenue/checkout"] == "USD" and units["revenue/mobile-app"] == "EUR"
        assert (
            units["orders/checkout"] == "count" and units["active_customers/mobile-app"] == "count"
        )
        loads = query(
            f"select billing_period, unit_key, row_count, cost_total, status from "
            f"{DATASET_NAME}.loads"
        )
        assert {(f"{p:%Y-%m}", *k.split("|")): Decimal(str(t)) for p, k, _, t, _ in loads} == (
            long_totals | wide_totals
        )

        # a newer file restates February checkout orders with two days only: that unit is
        # replaced as a whole, the rest stays, and loading it all again adds nothing
        restated = folder / "restated.csv"
        restated.write_text(
            "date,product,metric,value\n2025-02-01,checkout,orders,10\n2025-02-02,checkout,orders,5\n"
        )
        os.utime(restated, (restated.stat().st_mtime + 60,) * 2)
        for _ in range(2):
            _run(f"metrics_{kind}", path=str(folder))
            expected = long_totals | wide_totals | {("2025-02", "checkout", "orders"): Decimal(15)}
            assert warehouse_totals() == expected
            rows = query(f"select count(*) from {DATASET_NAME}.daily_metrics")[0][0]
            assert rows == long_count + wide_count - 28 + 2


def test_number_locale_and_quarantine(tmp_path: Path) -> None:
    folder = tmp_path / "metrics"
    folder.mkdir()
    shutil.copy(HERE / "metrics_de.csv", folder / "de.csv")
    (folder / "bad_date.csv").write_text(
        "date,product,metric,value\n2025-01-01,a,orders,3\n2025-13-01,a,orders,4\n"
    )
    german, _ = reference(HERE / "metrics_de.csv", german=True)
    with use_warehouse("duckdb", tmp_path / "wh.duckdb"):
        plain = SourceReport()
        _run("metrics_locale", plain, path=str(folder))
        reasons = sorted(q.reason for q in plain.quarantined)
        assert reasons[0].startswith("bad_date.csv: row 2, column 'date': value '2025-13-01'")
        assert reasons[1].startswith("de.csv: row 1, column 'value': value '45.299,70' is not a")
        assert not table_exists(DATASET_NAME, "daily_metrics")
        assert query(f"select count(*), min(status) from {DATASET_NAME}.loads")[0] == (
            2, "quarantined"
        )  # fmt: skip

        declared = SourceReport()
        _run("metrics_locale", declared, path=str(folder / "de.csv"), number_locale="de")
        assert not declared.quarantined
        assert warehouse_totals() == german


def test_duplicate_key_in_one_file_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "dup.csv"
    path.write_text("date,product,metric,value\n2025-01-01,a,orders,3\n2025-01-01,a,Orders,4\n")
    report = SourceReport()
    with use_warehouse("duckdb", tmp_path / "wh.duckdb"):
        _run("metrics_dup", report, path=str(path))
    assert (
        "rows 1 and 2: 'orders' of 'a' on 2025-01-01 appears twice" in report.quarantined[0].reason
    )


def _pages(records: list[dict], size: int):
    def route(path: str, params: dict[str, list[str]], server: JsonServer) -> tuple[int, Any]:
        if path != "/v1/metrics":
            return 404, {"error": "not found"}
        page = int(params.get("page", ["0"])[0])
        chunk = records[page * size : (page + 1) * size]
        more = (page + 1) * size < len(records)
        body = {"data": chunk, "next": f"/v1/metrics?page={page + 1}" if more else None}
        # Decimals go out as JSON numbers written exactly (json has no hook for that)
        text = json.dumps(body, default=lambda d: f"@@{d}@@")
        return 200, text.replace('"@@', "").replace('@@"', "")

    return route


def _api_records() -> list[dict]:
    """Wide records with JSON numbers (exact decimals) plus long ones with text values."""
    records: list[dict] = []
    for day in range(1, 29):
        revenue = Decimal(f"{1000 + day}.{day:02d}")
        records.append(
            {"date": f"2025-02-{day:02d}", "product": "checkout", "orders": 100 + day,
             "revenue": revenue, "currency": "USD"}
        )  # fmt: skip
        records.append(
            {"date": f"2025-03-{day:02d}", "product": "search", "metric": "searches",
             "value": str(5000 + day)}
        )  # fmt: skip
    return records


def test_http_api_pages_token_and_months(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    records = _api_records()
    expected: Totals = defaultdict(Decimal)
    for r in records:
        for metric in ("orders", "revenue") if "orders" in r else (r["metric"],):
            value = r.get(metric, r.get("value"))
            expected[(r["date"][:7], r["product"], metric)] += Decimal(str(value))
    monkeypatch.setenv("FINOPS_BUSINESS_METRICS_TOKEN", "s3cret")
    with json_server(_pages(records, 10), token="s3cret") as server:
        url = f"{server.url}/v1/metrics"
        assert months_found(url) == ["2025-02", "2025-03"]
        report = SourceReport()
        with use_warehouse("duckdb", tmp_path / "wh.duckdb"):
            _run("metrics_api", report, path=url, billing_periods=["2025-02"])
            assert not report.quarantined
            assert warehouse_totals() == {k: v for k, v in expected.items() if k[0] == "2025-02"}
            _run("metrics_api", report, path=url)
            assert warehouse_totals() == dict(expected)
        pages = [p for p, _ in server.requests if p.startswith("/v1/metrics")]
        assert "/v1/metrics?page=5" in pages and all(
            a == "Bearer s3cret" for _, a in server.requests
        )

        monkeypatch.setenv("FINOPS_BUSINESS_METRICS_TOKEN", "wrong")
        refused = SourceReport()
        with use_warehouse("duckdb", tmp_path / "wh2.duckdb"):
            _run("metrics_api_refused", refused, path=url)
        assert "HTTP 401" in refused.quarantined[0].reason


def test_json_file_with_bad_record(tmp_path: Path) -> None:
    path = tmp_path / "m.json"
    path.write_text(json.dumps([
        {"date": "2025-01-01", "product": "a", "metric": "orders", "value": 3},
        {"date": "2025-01-02", "product": "a", "metric": "orders", "value": "1,234"},
    ]))  # fmt: skip
    report = SourceReport()
    with use_warehouse("duckdb", tmp_path / "wh.duckdb"):
        _run("metrics_json", report, path=str(path))
    assert "record 2, column 'value': value '1,234' is not a number" in report.quarantined[0].reason
