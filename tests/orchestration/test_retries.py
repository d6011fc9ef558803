"""Source steps retry transient errors with backoff and fail bad data at once.

The integration tests run the real Kubernetes source asset (dlt into DuckDB, in-process Dagster)
against a local OpenCost-like HTTP endpoint that answers from a script of responses.
"""

from __future__ import annotations

import errno
import json
import threading
import urllib.error
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import ClassVar

import dagster as dg
import pytest
import requests
from azure.core.exceptions import HttpResponseError, ServiceRequestError
from botocore.exceptions import ClientError, EndpointConnectionError
from dagster_dlt import DagsterDltResource

from ingestion import registry
from ingestion.aws_cur.discovery import DeliveryError
from ingestion.common.storage import StorageError
from ingestion.kubernetes.http import SourceRefused, SourceUnavailable
from orchestration.defs.ingestion.sources import source_assets
from orchestration.lib.retries import is_transient
from tests.conftest import FIXTURES
from tests.ingestion.kubernetes.helpers import ALLOCATION_JSON
from tests.warehouse_utils import query, use_warehouse


def _chained(outer: Exception, inner: BaseException) -> Exception:
    outer.__cause__ = inner
    return outer


def _s3_error(code: str, status: int) -> ClientError:
    return ClientError(
        {"Error": {"Code": code, "Message": code}, "ResponseMetadata": {"HTTPStatusCode": status}},
        "GetObject",
    )


def _http_error(status: int) -> urllib.error.HTTPError:
    return urllib.error.HTTPError("http://x/allocation", status, "status", {}, None)  # type: ignore[arg-type]


def _requests_error(status: int) -> requests.HTTPError:
    response = requests.Response()
    response.status_code = status
    return requests.HTTPError(f"{status} from the API", response=response)


def _blob_error(status: int) -> HttpResponseError:
    error = HttpResponseError(message=f"blob service answered {status}")
    error.status_code = status
    return error


@pytest.mark.parametrize(
    ("error", "transient"),
    [
        (SourceUnavailable("OpenCost: HTTP 503 after 3 attempt(s)"), True),
        (TimeoutError("read timed out"), True),
        (ConnectionResetError("connection reset by peer"), True),
        (urllib.error.URLError(ConnectionRefusedError("refused")), True),
        (_http_error(429), True),
        (_http_error(503), True),
        (_s3_error("SlowDown", 503), True),
        (_s3_error("ThrottlingException", 400), True),
        (EndpointConnectionError(endpoint_url="https://s3.amazonaws.com"), True),
        (ServiceRequestError("connection aborted"), True),
        (_blob_error(503), True),
        (_requests_error(502), True),
        # s3fs translates a ClientError into an OSError, the cause keeps the S3 code
        (
            _chained(
                StorageError("s3://b/x: cannot read"),
                _chained(OSError(errno.EBUSY, "SlowDown"), _s3_error("SlowDown", 503)),
            ),
            True,
        ),
        # bad data and bad configuration: retrying would fail the same way
        (DeliveryError("acme-Manifest.json: lists 1 data file(s) that do not exist"), False),
        (ValueError("row 3, column cost: 'abc' is not a number"), False),
        (_chained(SourceRefused("HTTP 401 (check the bearer token)"), _http_error(401)), False),
        (_http_error(404), False),
        (_s3_error("AccessDenied", 403), False),
        (_blob_error(403), False),
        (_requests_error(400), False),
        (_chained(StorageError("s3://b: no such prefix"), FileNotFoundError("b")), False),
        (_chained(StorageError("s3://b: cannot list"), PermissionError("denied")), False),
    ],
)
def test_errors_are_classified_transient_or_final(error: Exception, transient: bool) -> None:
    assert is_transient(error) is transient


def test_context_of_a_handled_transient_error_does_not_make_bad_data_retried() -> None:
    try:
        try:
            raise TimeoutError("first attempt timed out")
        except TimeoutError:
            raise DeliveryError("bad manifest") from None
    except DeliveryError as error:
        assert not is_transient(error)


class _Scripted(BaseHTTPRequestHandler):
    """Answers each GET with the next scripted status; 200 serves the fixture's month."""

    script: ClassVar[list[int | bytes]] = []
    calls: ClassVar[int] = 0

    def do_GET(self) -> None:
        step = type(self).script[min(type(self).calls, len(type(self).script) - 1)]
        type(self).calls += 1
        if isinstance(step, bytes):
            return self._send(200, step)
        if step != 200:
            return self._send(step, b'{"code": %d, "message": "unavailable"}' % step)
        data = json.loads(ALLOCATION_JSON.read_text())["data"]
        sets = [s for s in data if next(iter(s.values()))["window"]["start"] < "2025-02"]
        return self._send(200, json.dumps({"code": 200, "data": sets}).encode())

    def _send(self, status: int, body: bytes) -> None:
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        return None


@pytest.fixture
def opencost(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """A scripted OpenCost endpoint configured as the Kubernetes source, DuckDB warehouse."""
    _Scripted.script, _Scripted.calls = [200], 0
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Scripted)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{server.server_address[1]}"
    monkeypatch.setenv("FINOPS_KUBERNETES_PATH", url)
    monkeypatch.setenv("SOURCES__KUBERNETES__RETRIES", "0")  # the step retries, not the client
    monkeypatch.setenv("FINOPS_SOURCE_RETRIES", "3")
    monkeypatch.setenv("FINOPS_SOURCE_RETRY_DELAY", "0.05")
    try:
        with use_warehouse("duckdb", duckdb_file=tmp_path / "warehouse.duckdb"):
            yield url
    finally:
        server.shutdown()
        server.server_close()


def _materialize(*assets: dg.AssetsDefinition) -> dg.ExecuteInProcessResult:
    return dg.materialize(
        list(assets),
        partition_key="2025-01-01",
        resources={"dlt": DagsterDltResource()},
        instance=dg.DagsterInstance.ephemeral(),
        raise_on_error=False,
    )


def _kubernetes() -> dg.AssetsDefinition:
    return source_assets(registry.get("kubernetes"))


def _step_events(result: dg.ExecuteInProcessResult, kind: str) -> list[dg.DagsterEvent]:
    return [e for e in result.all_events if e.event_type_value == kind]


def test_throttled_source_succeeds_after_retries(opencost: str) -> None:
    _Scripted.script = [503, 503, 200]
    result = _materialize(_kubernetes())
    assert result.success
    assert _Scripted.calls == 3
    assert len(_step_events(result, "STEP_UP_FOR_RETRY")) == 2
    clusters = query("select count(distinct cluster_id), count(*) from raw_kubernetes.allocations")
    assert clusters[0][0] > 0 and clusters[0][1] > 0


def test_bad_data_fails_at_once_without_retry(opencost: str) -> None:
    _Scripted.script = [b'{"code": 200, "data": "not a list of allocation sets"}']
    result = _materialize(_kubernetes())
    assert not result.success
    assert _Scripted.calls == 1
    assert _step_events(result, "STEP_UP_FOR_RETRY") == []
    failure = _step_events(result, "STEP_FAILURE")[0]
    assert "allocation" in failure.step_failure_data.error.message.lower()


def test_retries_end_and_the_other_sources_still_load(
    opencost: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    _Scripted.script = [503]
    monkeypatch.setenv("FINOPS_SAAS_PATH", str(FIXTURES / "saas" / "acme_2025-01.csv"))
    monkeypatch.setenv("SOURCES__SAAS__NUMBER_LOCALE", "de")  # the fixture writes 1.234,50
    result = _materialize(_kubernetes(), source_assets(registry.get("saas")))
    assert not result.success
    assert _Scripted.calls == 4  # the first attempt and three retries
    (failure,) = _step_events(result, "STEP_FAILURE")
    assert failure.step_key == "kubernetes_source"
    assert "kubernetes: http://127.0.0.1" in failure.step_failure_data.error.message
    assert "HTTP 503" in failure.step_failure_data.error.message
    loaded = query("select count(*), count(distinct billing_period) from raw_saas.invoice_lines")
    assert loaded[0][0] > 0 and loaded[0][1] == 1


def test_unreachable_bucket_is_retried_then_fails_naming_the_source(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from orchestration.defs.ingestion.aws_cur import aws_cur_exports
    from tests.ingestion.storage_servers import AWS_TEST_ENV, free_port

    for name, value in AWS_TEST_ENV.items():
        monkeypatch.setenv(name, value)
    # nothing listens on the endpoint: botocore's connection error, the clients' own retries off
    options = {
        "endpoint_url": f"http://127.0.0.1:{free_port()}",
        "config_kwargs": {"retries": {"max_attempts": 1}},
    }
    monkeypatch.setenv("FINOPS_AWS_CUR_PATH", "s3://exports/cur")
    monkeypatch.setenv("SOURCES__AWS_CUR__STORAGE_OPTIONS", json.dumps(options))
    monkeypatch.setenv("FINOPS_SOURCE_RETRIES", "1")
    monkeypatch.setenv("FINOPS_SOURCE_RETRY_DELAY", "0.05")
    with use_warehouse("duckdb", duckdb_file=tmp_path / "warehouse.duckdb"):
        result = _materialize(aws_cur_exports)
    assert not result.success
    assert len(_step_events(result, "STEP_UP_FOR_RETRY")) == 1
    (failure,) = _step_events(result, "STEP_FAILURE")
    message = failure.step_failure_data.error.message
    assert "aws-cur: Could not connect to the endpoint URL" in message
    assert "still failing after 1 retries" in message
