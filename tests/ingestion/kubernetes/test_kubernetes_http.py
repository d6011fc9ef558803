"""The source against a local OpenCost-like endpoint (stdlib http.server serving the fixture
to the documented `/allocation` query): daily sets, bearer token, 5xx / timeout / 401."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import ClassVar
from urllib.parse import parse_qs, urlparse

import pytest

from ingestion.common.report import SourceReport
from ingestion.kubernetes.http import SourceRefused, SourceUnavailable
from ingestion.kubernetes.plan import HttpOptions, LoadPlan
from tests.ingestion.kubernetes.helpers import ALLOCATION_JSON, json_reference, run
from tests.warehouse_utils import query

TOKEN = "s3cret-token"


class _Endpoint(BaseHTTPRequestHandler):
    mode = "ok"
    requests: ClassVar[list[dict]] = []

    def do_GET(self) -> None:
        url = urlparse(self.path)
        params = {k: v[0] for k, v in parse_qs(url.query).items()}
        type(self).requests.append(
            {"path": url.path, "params": params, "auth": self.headers.get("Authorization")}
        )
        if self.mode == "error":
            return self._send(500, b'{"code": 500, "message": "boom"}')
        if self.mode == "slow":
            time.sleep(1.5)
        if self.headers.get("Authorization") != f"Bearer {TOKEN}":
            return self._send(401, b"unauthorized")
        if url.path != "/allocation" or params.get("step") != "1d":
            return self._send(400, b"bad request")
        start, end = params["window"].split(",")
        sets = [
            step
            for step in json.loads(ALLOCATION_JSON.read_text())["data"]
            if start <= next(iter(step.values()))["window"]["start"] < end
        ]
        return self._send(200, json.dumps({"code": 200, "data": sets}).encode())

    def _send(self, status: int, body: bytes) -> None:
        try:
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client gave up (timeout test)

    def log_message(self, *args: object) -> None:
        return None


@pytest.fixture
def endpoint() -> Iterator[str]:
    _Endpoint.mode, _Endpoint.requests = "ok", []
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Endpoint)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def test_fetches_daily_sets_per_month_with_bearer_token(
    endpoint: str, duckdb_warehouse: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("FINOPS_KUBERNETES_TOKEN", TOKEN)
    report = run(endpoint, billing_periods=["2025-01"], retries=0)
    assert report.quarantined == []
    request = _Endpoint.requests[0]
    assert request["params"]["window"] == "2025-01-01T00:00:00Z,2025-02-01T00:00:00Z"
    assert request["params"]["step"] == "1d" and request["params"]["accumulate"] == "false"
    assert request["auth"] == f"Bearer {TOKEN}"
    expected = json_reference(ALLOCATION_JSON)
    rows = query(
        "select cluster_id, count(*), sum(total_cost), count(distinct usage_date), "
        "min(x_source_file) from raw_kubernetes.allocations group by 1"
    )
    assert {r[0] for r in rows} == {c for _, c in expected}
    for cluster, count, total, days, source in rows:
        assert count == expected[("2025-01", cluster)]["rows"]
        assert round(total, 2) == round(expected[("2025-01", cluster)]["total"], 2)
        assert days == 2
        assert source.startswith(endpoint) and TOKEN not in source


def test_http_500_is_a_transient_error_after_retries(endpoint: str, tmp_path: Path) -> None:
    _Endpoint.mode = "error"
    plan = LoadPlan(
        endpoint, ["2025-01"], SourceReport(), http_options=HttpOptions(retries=2, backoff=0.01)
    )
    with pytest.raises(
        SourceUnavailable, match=r"HTTP 500 .* after 3 attempt\(s\).*run again later"
    ):
        plan.prepare()
    assert len(_Endpoint.requests) == 3


def test_timeout_is_a_transient_error(endpoint: str) -> None:
    _Endpoint.mode = "slow"
    plan = LoadPlan(
        endpoint,
        ["2025-01"],
        SourceReport(),
        http_options=HttpOptions(token=TOKEN, timeout=0.3, retries=0),
    )
    with pytest.raises(SourceUnavailable, match=r"timed out after 0\.3 s"):
        plan.prepare()


def test_missing_token_is_refused_not_retried(
    endpoint: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("FINOPS_KUBERNETES_TOKEN", raising=False)
    plan = LoadPlan(
        endpoint, ["2025-01"], SourceReport(), http_options=HttpOptions(retries=3, backoff=0.01)
    )
    with pytest.raises(SourceRefused, match=r"HTTP 401.*bearer token"):
        plan.prepare()
    assert len(_Endpoint.requests) == 1
