"""Helpers for the egress attacks: servers that log every request reaching them, a DNS that
answers what the attacker wants, and the desk-side setup (an http source, a request in
progress) without the fulfilment suite's fixtures."""

from __future__ import annotations

import json
import socket
import threading
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from dsr import audit
from dsr.fulfilment.sources import data_source_save
from dsr.models import ConnectorKind, DataSource
from tests.builders import verified as verified

# What an internal service answers: the attack wins when this shows up anywhere in the desk.
SECRET = "secret-token-123"
HMAC_SECRET = "egress-test-secret-0123456789"
DONE = (200, {"Content-Type": "application/json"}, b'{"status": "done", "entries": []}')

Answer = tuple[int, dict[str, str], bytes]


class LoggingServer:
    """An HTTP server on `host` that records every request reaching it and answers `answer`
    (a (status, headers, body) tuple or a callable(call) returning one)."""

    def __init__(
        self,
        host: str = "127.0.0.1",
        port: int = 0,
        answer: Answer | Callable[[dict[str, Any]], Answer] = DONE,
    ) -> None:
        self.calls: list[dict[str, Any]] = []
        self.answer = answer
        server = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                pass

            def _handle(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                call = {"method": self.command, "path": self.path, "headers": self.headers,
                        "body": body}  # fmt: skip
                server.calls.append(call)
                status, headers, data = (
                    server.answer(call) if callable(server.answer) else server.answer
                )
                self.send_response(status)
                for name, value in headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            do_GET = do_POST = do_PUT = do_DELETE = _handle

        self.server = ThreadingHTTPServer((host, port), Handler)
        self.server.daemon_threads = True
        self.host, self.port = host, self.server.server_address[1]
        self.url = f"http://{host}:{self.port}/"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> LoggingServer:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()


def servers_on_one_port(*hosts: str, answer: Answer = DONE) -> list[LoggingServer]:
    """A logging server on each of `hosts`, all on the same port (for a name whose address
    changes: the URL names one port)."""
    for _attempt in range(20):
        first = LoggingServer(hosts[0], answer=answer)
        others = []
        try:
            for host in hosts[1:]:
                others.append(LoggingServer(host, first.port, answer=answer))
        except OSError:  # the port is taken on another address: try another one
            first.server.server_close()
            for server in others:
                server.server_close()
            continue
        return [first, *others]
    raise RuntimeError("no port free on every address")


def json_answer(status: int, payload: dict[str, Any]) -> Answer:
    return status, {"Content-Type": "application/json"}, json.dumps(payload).encode()


class FakeDNS:
    """The attacker's name server: `answers[name]` is the list of addresses it gives, one
    per query, the last one repeating. Installed as `socket.getaddrinfo`, which both the
    egress policy and any direct urllib call use, so the attack works on the old code too;
    other names go to the real resolver."""

    def __init__(self, answers: dict[str, list[str]]) -> None:
        self.answers = answers
        self.queries: list[str] = []
        self.real = socket.getaddrinfo

    def __call__(self, host: Any, port: Any, *args: Any, **kwargs: Any) -> list[tuple]:
        name = host.decode() if isinstance(host, bytes) else str(host)
        if name not in self.answers:
            return self.real(host, port, *args, **kwargs)
        self.queries.append(name)
        sequence = self.answers[name]
        address = sequence[min(len(self.queries_for(name)), len(sequence)) - 1]
        family = socket.AF_INET6 if ":" in address else socket.AF_INET
        sockaddr = (address, int(port or 0)) if family == socket.AF_INET else (
            address, int(port or 0), 0, 0)  # fmt: skip
        return [(family, socket.SOCK_STREAM, socket.IPPROTO_TCP, "", sockaddr)]

    def queries_for(self, name: str) -> list[str]:
        return [query for query in self.queries if query == name]


def http_source_saved(organization, url: str, *, validate: bool = True) -> DataSource:
    """An http source; `validate=False` stores it as a source saved before the policy."""
    return data_source_save(
        organization=organization,
        actor=audit.Actor.system("test"),
        name="Internal service",
        kind=ConnectorKind.HTTP,
        config={
            "url": url,
            "capabilities": ["export", "erase", "rectify", "restrict"],
            "timeout_seconds": 2,
            "retry_seconds": 0.1,
            "max_attempts": 4,
        },
        secrets={"hmac_secret": HMAC_SECRET},
        data_categories=["E-mail address"],
        validate=validate,
    )
