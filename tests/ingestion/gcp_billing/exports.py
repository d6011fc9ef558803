"""Test helpers: export rows in the documented shapes, and a BigQuery REST endpoint serving them.

The fixture rows (`tests/fixtures/gcp_billing/export_rows.jsonl`) are a BigQuery JSON extract
of a detailed usage cost export table; `bigquery_schema.json` is that table's REST schema.
Writers turn them into the other dump shapes (koku CSV with dotted headers, parquet), and
`FakeBigQuery` answers jobs.insert / jobs.get / jobs.getQueryResults / jobs.query / tables.list as
the REST API documents them, encoding rows as `{"f": [{"v": ...}]}`.
"""

from __future__ import annotations

import copy
import csv
import json
import re
import threading
import uuid
from datetime import UTC, datetime
from decimal import Decimal
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlparse

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "gcp_billing"
ACCOUNT = "01A2B3-C4D5E6-F7A8B9"


def load_rows() -> list[dict[str, Any]]:
    """The fixture export rows (nested, as a BigQuery JSON extract writes them)."""
    text = (FIXTURES / "export_rows.jsonl").read_text(encoding="utf-8")
    return [json.loads(line) for line in text.splitlines() if line.strip()]


def load_schema() -> list[dict[str, Any]]:
    """The REST TableSchema fields of the detailed export table."""
    return json.loads((FIXTURES / "bigquery_schema.json").read_text())["fields"]


def billed_by_month(rows: list[dict[str, Any]]) -> dict[str, Decimal]:
    """Reference: cost + credits per invoice month, computed from the rows with Decimal."""
    totals: dict[str, Decimal] = {}
    for row in rows:
        month = row["invoice"]["month"]
        amount = Decimal(str(row["cost"])) + sum(
            (Decimal(str(c["amount"])) for c in row["credits"] or []), Decimal(0)
        )
        totals[month] = totals.get(month, Decimal(0)) + amount
    return totals


def write_jsonl(rows: list[dict[str, Any]], path: Path) -> Path:
    """JSON lines, nested (a BigQuery NEWLINE_DELIMITED_JSON extract)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8") as out:
        for row in rows:
            out.write(json.dumps(row, ensure_ascii=False) + "\n")
    return path


def flatten(row: dict[str, Any], schema: list[dict[str, Any]]) -> dict[str, str]:
    """koku's CSV form: RECORD leaves as `parent.child` columns, REPEATED fields as JSON text."""
    flat: dict[str, str] = {}

    def put(name: str, value: Any) -> None:
        if value is None:
            flat[name] = ""
        elif isinstance(value, list):
            flat[name] = json.dumps(value, ensure_ascii=False)
        else:
            flat[name] = repr(value) if isinstance(value, float) else str(value)

    for field in schema:
        value = row.get(field["name"])
        if field["type"] == "RECORD" and field.get("mode") != "REPEATED":
            for sub in field["fields"]:
                put(f"{field['name']}.{sub['name']}", (value or {}).get(sub["name"]))
        else:
            put(field["name"], value)
    return flat


def write_csv(rows: list[dict[str, Any]], path: Path, encoding: str = "utf-8") -> Path:
    """The koku / console CSV form of the rows."""
    schema = load_schema()
    flat = [flatten(r, schema) for r in rows]
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding=encoding, newline="") as out:
        writer = csv.DictWriter(out, fieldnames=list(flat[0]))
        writer.writeheader()
        writer.writerows(flat)
    return path


def _arrow_type(field: dict[str, Any]):
    import pyarrow as pa

    kind = field["type"]
    if kind == "RECORD":
        base = pa.struct([pa.field(f["name"], _arrow_type(f)) for f in field["fields"]])
    else:
        base = {
            "STRING": pa.string(),
            "FLOAT": pa.float64(),
            "NUMERIC": pa.decimal128(38, 9),
            "TIMESTAMP": pa.timestamp("us", tz="UTC"),
            "BOOLEAN": pa.bool_(),
            "INTEGER": pa.int64(),
        }[kind]
    return pa.list_(base) if field.get("mode") == "REPEATED" else base


def _arrow_value(field: dict[str, Any], value: Any) -> Any:
    if value is None:
        return None
    if field.get("mode") == "REPEATED":
        return [_arrow_value({**field, "mode": "NULLABLE"}, v) for v in value]
    if field["type"] == "RECORD":
        return {f["name"]: _arrow_value(f, value.get(f["name"])) for f in field["fields"]}
    if field["type"] == "TIMESTAMP":
        return parse_timestamp(value)
    if field["type"] == "NUMERIC":
        return Decimal(value)
    return value


def write_parquet(rows: list[dict[str, Any]], path: Path) -> Path:
    """A parquet dump of the export table (nested structs and lists)."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    schema = load_schema()
    arrow_schema = pa.schema([pa.field(f["name"], _arrow_type(f)) for f in schema])
    records = [{f["name"]: _arrow_value(f, r.get(f["name"])) for f in schema} for r in rows]
    path.parent.mkdir(parents=True, exist_ok=True)
    pq.write_table(pa.Table.from_pylist(records, schema=arrow_schema), path)
    return path


def parse_timestamp(text: str) -> datetime:
    """`2022-08-10 09:12:33.123456 UTC` -> aware datetime."""
    return datetime.fromisoformat(text.replace(" UTC", "+00:00"))


# -- BigQuery REST ---------------------------------------------------------------------------
def _encode(field: dict[str, Any], value: Any, int64_timestamps: bool) -> Any:
    """A cell value as the REST API writes it (tabledata / getQueryResults)."""
    if field.get("mode") == "REPEATED":
        single = {**field, "mode": "NULLABLE"}
        return [{"v": _encode(single, v, int64_timestamps)} for v in value or []]
    if value is None:
        return None
    if field["type"] == "RECORD":
        return {
            "f": [
                {"v": _encode(sub, value.get(sub["name"]), int64_timestamps)}
                for sub in field["fields"]
            ]
        }
    if field["type"] == "TIMESTAMP":
        moment = parse_timestamp(value)
        micros = int(moment.timestamp()) * 1_000_000 + moment.microsecond
        # float seconds by default; int64 microseconds when formatOptions.useInt64Timestamp
        return str(micros) if int64_timestamps else f"{micros / 1_000_000:.6f}"
    if field["type"] == "FLOAT":
        return repr(float(value))
    if field["type"] == "BOOLEAN":
        return "true" if value else "false"
    return str(value)  # STRING, NUMERIC, BIGNUMERIC and INT64 all travel as strings


def encode_row(row: dict[str, Any], schema: list[dict[str, Any]], int64: bool) -> dict[str, Any]:
    """One row as `{"f": [{"v": ...}, ...]}`."""
    return {"f": [{"v": _encode(f, row.get(f["name"]), int64)} for f in schema]}


class FakeBigQuery:
    """A local HTTP server answering the BigQuery v2 REST calls the client makes for a query.

    It holds export tables (name -> rows) and runs only the per-month query shape of
    `ingestion/gcp_billing/bigquery.py`: `invoice.month = @invoice_month` and
    `export_time >= @export_from`, like BigQuery would. tables.list pages by at most
    `list_page_size` tables (the server may return fewer than `maxResults`, as BigQuery's does).
    """

    def __init__(
        self,
        project: str,
        dataset: str,
        tables: dict[str, list[dict[str, Any]]],
        list_page_size: int = 2,
    ):
        self.project, self.dataset, self.tables = project, dataset, tables
        self.list_page_size = list_page_size
        self.schema = load_schema()
        self.jobs: dict[str, dict[str, Any]] = {}
        self.requests: list[tuple[str, str, dict[str, list[str]]]] = []
        self.queries: list[str] = []
        server = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:  # keep test output clean
                pass

            def _reply(self, status: int, body: dict[str, Any]) -> None:
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json; charset=UTF-8")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def do_GET(self) -> None:
                self._reply(*server.handle("GET", self.path, None))

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = json.loads(self.rfile.read(length) or b"{}")
                self._reply(*server.handle("POST", self.path, body))

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def endpoint(self) -> str:
        """The api_endpoint to give the client."""
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def __enter__(self) -> FakeBigQuery:
        self._thread.start()
        return self

    def __exit__(self, *exc: Any) -> None:
        self._server.shutdown()
        self._server.server_close()

    # -- API -------------------------------------------------------------------------------
    def handle(self, method: str, raw_path: str, body: dict[str, Any] | None):
        parsed = urlparse(raw_path)
        params = parse_qs(parsed.query)
        path = parsed.path.removeprefix("/bigquery/v2")
        self.requests.append((method, path, params))
        base = f"/projects/{self.project}"
        if method == "POST" and path == f"{base}/jobs":
            return self._insert(body or {})
        if method == "POST" and path == f"{base}/queries":
            return self._query(body or {}, params)
        match = re.fullmatch(rf"{base}/jobs/([^/]+)", path)
        if method == "GET" and match:
            job = self.jobs.get(match[1])
            return (200, job["resource"]) if job else _error(404, f"Not found: Job {match[1]}")
        match = re.fullmatch(rf"{base}/queries/([^/]+)", path)
        if method == "GET" and match:
            return self._results(match[1], params)
        match = re.fullmatch(rf"{base}/datasets/([^/]+)/tables", path)
        if method == "GET" and match:
            return self._list_tables(match[1], params)
        return _error(404, f"unsupported call {method} {path}")

    def _run(self, query: str, parameters: list[dict[str, Any]]) -> tuple[int, Any]:
        self.queries.append(query)
        found = re.search(r"FROM `([^`]+)`", query)
        name = found[1] if found else ""
        project, _, rest = name.partition(".")
        dataset, _, table = rest.partition(".")
        if (project, dataset) != (self.project, self.dataset) or table not in self.tables:
            return _error(404, f"Not found: Table {name} was not found in location US")
        values = {p["name"]: p["parameterValue"]["value"] for p in parameters}
        month = values.get("invoice_month")
        since = values.get("export_from")
        since_at = datetime.fromisoformat(since.replace(" UTC", "+00:00")) if since else None
        rows = [
            r
            for r in self.tables[table]
            if (r.get("invoice") or {}).get("month") == month
            and (since_at is None or parse_timestamp(r["export_time"]) >= since_at)
        ]
        return 200, rows

    def _job(self, query: str, parameters: list[dict[str, Any]], job_id: str | None):
        status, rows = self._run(query, parameters)
        if status != 200:
            return status, rows
        job_id = job_id or f"job_{uuid.uuid4().hex[:12]}"
        resource = {
            "kind": "bigquery#job",
            "id": f"{self.project}:US.{job_id}",
            "jobReference": {"projectId": self.project, "jobId": job_id, "location": "US"},
            "configuration": {
                "jobType": "QUERY",
                "query": {
                    "query": query,
                    "useLegacySql": False,
                    "destinationTable": {
                        "projectId": self.project,
                        "datasetId": "_anon",
                        "tableId": f"anon_{job_id}",
                    },
                },
            },
            "status": {"state": "DONE"},
            "statistics": {
                "creationTime": "1660000000000",
                "startTime": "1660000000100",
                "endTime": "1660000000200",
                "query": {"totalBytesProcessed": "1024", "statementType": "SELECT"},
            },
        }
        self.jobs[job_id] = {"resource": resource, "rows": rows}
        return 200, resource

    def _insert(self, body: dict[str, Any]):
        config = body.get("configuration", {}).get("query", {})
        job_id = body.get("jobReference", {}).get("jobId")
        return self._job(config.get("query", ""), config.get("queryParameters", []), job_id)

    def _query(self, body: dict[str, Any], params: dict[str, list[str]]):
        status, resource = self._job(body.get("query", ""), body.get("queryParameters", []), None)
        if status != 200:
            return status, resource
        job_id = resource["jobReference"]["jobId"]
        int64 = str((body.get("formatOptions") or {}).get("useInt64Timestamp", "")).lower()
        page = self._page(job_id, 0, int(body.get("maxResults") or 10_000), int64 == "true")
        return 200, {"kind": "bigquery#queryResponse", **page}

    def _results(self, job_id: str, params: dict[str, list[str]]):
        if job_id not in self.jobs:
            return _error(404, f"Not found: Job {job_id}")
        start = int(params.get("pageToken", params.get("startIndex", ["0"]))[0])
        size = int(params.get("maxResults", ["10000"])[0])
        int64 = params.get("formatOptions.useInt64Timestamp", ["false"])[0].lower() == "true"
        return 200, {
            "kind": "bigquery#getQueryResultsResponse",
            **self._page(job_id, start, size, int64),
        }

    def _list_tables(self, dataset: str, params: dict[str, list[str]]):
        """tables.list: TableList with `nextPageToken` while more tables remain."""
        if dataset != self.dataset:
            return _error(404, f"Not found: Dataset {self.project}:{dataset}")
        names = sorted(self.tables)
        start = int(params.get("pageToken", ["0"])[0])
        size = min(int(params.get("maxResults", ["1000"])[0]), self.list_page_size)
        body: dict[str, Any] = {
            "kind": "bigquery#tableList",
            "etag": f"etag-{start}",
            "totalItems": len(names),
            "tables": [
                {
                    "kind": "bigquery#table",
                    "id": f"{self.project}:{dataset}.{name}",
                    "tableReference": {
                        "projectId": self.project,
                        "datasetId": dataset,
                        "tableId": name,
                    },
                    "type": "TABLE",
                    "timePartitioning": {"type": "DAY"},
                    "creationTime": "1660000000000",
                }
                for name in names[start : start + size]
            ],
        }
        if not body["tables"]:
            del body["tables"]  # BigQuery omits the field for an empty dataset
        if start + size < len(names):
            body["nextPageToken"] = str(start + size)
        return 200, body

    def _page(self, job_id: str, start: int, size: int, int64: bool) -> dict[str, Any]:
        rows = self.jobs[job_id]["rows"]
        chunk = rows[start : start + size] if size > 0 else []
        page: dict[str, Any] = {
            "jobReference": {"projectId": self.project, "jobId": job_id, "location": "US"},
            "schema": {"fields": copy.deepcopy(self.schema)},
            "totalRows": str(len(rows)),
            "jobComplete": True,
            "cacheHit": False,
        }
        if chunk:
            page["rows"] = [encode_row(r, self.schema, int64) for r in chunk]
        if size > 0 and start + size < len(rows):
            page["pageToken"] = str(start + size)
        return page


def _error(code: int, message: str) -> tuple[int, dict[str, Any]]:
    reason = "notFound" if code == 404 else "invalidQuery"
    status = "NOT_FOUND" if code == 404 else "INVALID_ARGUMENT"
    return code, {
        "error": {
            "code": code,
            "message": message,
            "errors": [{"message": message, "domain": "global", "reason": reason}],
            "status": status,
        }
    }


def now_utc() -> datetime:
    """For tests that need the current month."""
    return datetime.now(UTC)
