"""A real local HTTP receiver standing in for the Slack and Teams incoming webhooks."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest


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
