"""Test doubles at the network boundary only: real servers on 127.0.0.1.

- `json_server`: a stdlib HTTP server answering GETs from a route function, recording every
  request (path and Authorization header) so tests can check paging and tokens.
- `moto_endpoint`: moto's AWS server (Organizations and every other service it emulates).
"""

from __future__ import annotations

import json
import socket
import threading
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlparse

Route = Callable[[str, dict[str, list[str]], "JsonServer"], tuple[int, Any]]


@dataclass
class JsonServer:
    """A running server: its base URL and the requests it saw."""

    url: str
    requests: list[tuple[str, str | None]] = field(default_factory=list)


def free_port() -> int:
    """A loopback port nobody listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def json_server(route: Route, token: str | None = None) -> Iterator[JsonServer]:
    """Serve `route(path, query, server) -> (status, json_body)` on a free loopback port.

    Args:
        route: answers one GET; a `str` body is sent as is (to serve broken JSON).
        token: when set, requests without `Authorization: Bearer <token>` get HTTP 401.

    Yields:
        The server's URL and request log.
    """
    state = JsonServer("")

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            parsed = urlparse(self.path)
            auth = self.headers.get("Authorization")
            state.requests.append((self.path, auth))
            if token is not None and auth != f"Bearer {token}":
                status, body = 401, {"error": {"code": "Unauthorized"}}
            else:
                status, body = route(parsed.path, parse_qs(parsed.query), state)
            data = body.encode() if isinstance(body, str) else json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def do_POST(self) -> None:
            # form posts (OAuth token requests): the route gets the decoded form as its query
            length = int(self.headers.get("Content-Length") or 0)
            form = parse_qs(self.rfile.read(length).decode())
            state.requests.append((f"POST {self.path}", None))
            status, body = route(f"POST {urlparse(self.path).path}", form, state)
            data = body.encode() if isinstance(body, str) else json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, *args: Any) -> None:
            return None

    server = ThreadingHTTPServer(("127.0.0.1", free_port()), Handler)
    state.url = f"http://127.0.0.1:{server.server_port}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield state
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)


@contextmanager
def moto_endpoint() -> Iterator[str]:
    """moto's server on a free loopback port, emptied; the caller sets dummy AWS credentials.

    moto keeps its state per process, so it is reset first: an organization created by an
    earlier test would otherwise still exist.
    """
    from moto.server import ThreadedMotoServer

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=free_port(), verbose=False)
    server.start()
    try:
        host, port = server.get_host_and_port()
        endpoint = f"http://{host}:{port}"
        reset = urllib.request.Request(f"{endpoint}/moto-api/reset", method="POST")
        urllib.request.urlopen(reset, timeout=10).close()
        yield endpoint
    finally:
        server.stop()


@contextmanager
def fresh_postgres_database() -> Iterator[str]:
    """A throwaway PostgreSQL database of its own (raw schemas have fixed names, so tests that
    load the same source must not share one), dropped afterwards."""
    import uuid

    import psycopg

    name = f"finops_ref_{uuid.uuid4().hex[:10]}"
    admin = {"host": "127.0.0.1", "port": 5432, "user": "postgres", "dbname": "postgres"}
    with psycopg.connect(**admin, autocommit=True, connect_timeout=5) as con:
        con.execute(f'create database "{name}"')
    try:
        yield name
    finally:
        with psycopg.connect(**admin, autocommit=True, connect_timeout=5) as con:
            con.execute(f'drop database if exists "{name}" with (force)')
