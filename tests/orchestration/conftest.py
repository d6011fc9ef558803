"""A real local HTTP receiver standing in for the Slack and Teams incoming webhooks, and an empty
warehouse of each kind for the ml asset tests."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from tests.ingestion.accounts.servers import fresh_postgres_database
from tests.warehouse_utils import use_warehouse


class Receiver:
    """Collects JSON posts per path; `fail_next` makes the next N posts answer 503."""

    def __init__(self) -> None:
        self.posts: list[tuple[str, dict]] = []
        self.fail_next = 0
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = json.loads(self.rfile.read(int(self.headers["content-length"])))
                if receiver.fail_next:
                    receiver.fail_next -= 1
                    self.send_response(503)
                else:
                    receiver.posts.append((self.path, body))
                    self.send_response(200)
                self.end_headers()

            def log_message(self, *args: object) -> None:
                return

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()


@pytest.fixture
def receiver(monkeypatch: pytest.MonkeyPatch) -> Iterator[Receiver]:
    server = Receiver()
    monkeypatch.setenv("FINOPS_SLACK_WEBHOOK_URL", f"{server.url}/slack/secret-token")
    monkeypatch.setenv("FINOPS_TEAMS_WEBHOOK_URL", f"{server.url}/teams/secret-token")
    yield server
    server.server.shutdown()


@pytest.fixture(params=["duckdb", "postgres"])
def empty_warehouse(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """An empty warehouse of each kind (PostgreSQL: a database of this test's own)."""
    if request.param == "duckdb":
        with use_warehouse("duckdb", tmp_path / "wh.duckdb"):
            yield "duckdb"
        return
    with fresh_postgres_database() as name, use_warehouse("postgres", pg_database=name):
        yield "postgres"
