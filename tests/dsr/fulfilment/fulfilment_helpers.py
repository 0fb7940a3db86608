"""Helpers for the fulfilment tests: a small customer platform, sources, verified requests,
a local HTTP server that plays the controller's system, and waiting for a worker."""

from __future__ import annotations

import json
import os
import threading
from datetime import datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from dsr import audit
from dsr.connectors.sql import normalise_url
from dsr.demo.systems import OPENMOTICS_MAP, demo_metadata
from dsr.fulfilment.sources import data_source_save
from dsr.models import ConnectorKind, DataSource, Request
from tests.builders import verified as verified
from tests.builders import wait_for as wait_for

# The same server tests/conftest.py checks for the `mariadb` marker.
MARIADB_URL = os.environ.get("DSR_TEST_MARIADB_URL", "mysql+pymysql://root@127.0.0.1:3306/test")
SUBJECT_EMAIL = "jan.peeters@example.com"
SUBJECT_NUMBER = "OPM-C1"
START = datetime(2024, 1, 1)


def platform_build(url: str, *, readings: int = 300, other_readings: int = 200) -> None:
    """The demo's customer-platform schema with two customers: the subject and another."""
    metadata, tables = demo_metadata(None)
    engine = sa.create_engine(normalise_url(url), poolclass=sa.pool.NullPool)
    with engine.begin() as connection:
        metadata.drop_all(connection)
        metadata.create_all(connection)
        connection.execute(
            tables["customers"].insert(),
            [
                {"id": 1, "customer_number": SUBJECT_NUMBER, "name": "Jan Peeters",
                 "email": "Jan.Peeters@Example.com", "phone": "+32 470 11 22 33",
                 "street": "Kerkstraat 1", "postal_code": "9000", "city": "Gent",
                 "created_at": START, "processing_restricted": False},
                {"id": 2, "customer_number": "OPM-C2", "name": "Els Bogaert",
                 "email": "els@example.net", "phone": "+32 470 99 88 77",
                 "street": "Veldstraat 2", "postal_code": "9000", "city": "Gent",
                 "created_at": START, "processing_restricted": False},
            ],
        )  # fmt: skip
        connection.execute(
            tables["gateways"].insert(),
            [
                {"id": 1, "customer_id": 1, "serial": "OM-1", "installed_at": START,
                 "latitude": 51.0543, "longitude": 3.7174},
                {"id": 2, "customer_id": 2, "serial": "OM-2", "installed_at": START,
                 "latitude": 51.05, "longitude": 3.72},
            ],
        )  # fmt: skip
        rows = [
            {"gateway_id": gateway, "measured_at": START + timedelta(minutes=15 * n),
             "watts": 100 + n % 900, "kwh_total": n / 4}
            for gateway, count in ((1, readings), (2, other_readings))
            for n in range(count)
        ]  # fmt: skip
        if rows:
            connection.execute(tables["power_readings"].insert(), rows)
        connection.execute(
            tables["invoices"].insert(),
            [
                {"customer_id": 1, "number": "INV-1", "issued_at": START.date(),
                 "amount_eur": 120, "billing_name": "Jan Peeters", "billing_address": "Gent"},
                {"customer_id": 1, "number": "INV-2", "issued_at": START.date(),
                 "amount_eur": 80, "billing_name": "Jan Peeters", "billing_address": "Gent"},
                {"customer_id": 2, "number": "INV-3", "issued_at": START.date(),
                 "amount_eur": 50, "billing_name": "Els Bogaert", "billing_address": "Gent"},
            ],
        )  # fmt: skip
        connection.execute(
            tables["newsletter_subscriptions"].insert(),
            [
                {"email": SUBJECT_EMAIL, "language": "nl", "subscribed_at": START},
                {"email": "els@example.net", "language": "nl", "subscribed_at": START},
            ],
        )
        connection.execute(
            tables["support_tickets"].insert(),
            [{"customer_id": 1, "opened_at": START, "title": "Offline", "body": "Help"}],
        )
    engine.dispose()


def query(url: str, sql: str) -> list[tuple]:
    engine = sa.create_engine(normalise_url(url), poolclass=sa.pool.NullPool)
    try:
        with engine.connect() as connection:
            return [tuple(row) for row in connection.execute(sa.text(sql))]
    finally:
        engine.dispose()


def scalar(url: str, sql: str) -> Any:
    return query(url, sql)[0][0]


def sqlite_url(path: Path) -> str:
    return f"sqlite:///{path}"


def sql_source(
    organization, url: str, *, name: str = "Customer platform", **config: Any
) -> DataSource:
    return data_source_save(
        organization=organization,
        actor=audit.Actor.system("test"),
        name=name,
        kind=ConnectorKind.SQL,
        config={**OPENMOTICS_MAP, "batch_rows": 100, "retry_seconds": 0.1, **config},
        secrets={"url": url},
        data_categories=["Names", "E-mail address", "Real-time and historical power measurements"],
    )


def http_source(organization, url: str, *, name: str = "Webshop", **config: Any) -> DataSource:
    return data_source_save(
        organization=organization,
        actor=audit.Actor.system("test"),
        name=name,
        kind=ConnectorKind.HTTP,
        config={
            "url": url,
            "capabilities": ["export", "erase", "rectify", "restrict"],
            "timeout_seconds": 2,
            "retry_seconds": 0.1,
            "max_attempts": 4,
            **config,
        },
        secrets={"hmac_secret": HTTP_SECRET},
        data_categories=["E-mail address", "Shipping and billing address"],
    )


def manual_source(organization, *, name: str = "Paper archive") -> DataSource:
    return data_source_save(
        organization=organization,
        actor=audit.Actor.system("test"),
        name=name,
        kind=ConnectorKind.MANUAL,
        config={
            "assignee_name": "Office manager",
            "assignee_email": "archive@openmotics.example",
            "instructions": "Shred the paper file of this customer.",
        },
        data_categories=["Postal address"],
    )


HTTP_SECRET = "test-http-secret-0123456789"


class FakeSystem:
    """A local HTTP server standing in for a controller's endpoint.

    `answers` is a list of what to do per call, in order (the last one repeats):
    an int status with a JSON body, "hang" (never answer), or a callable(call) -> (status,
    body). Every call's parsed JSON body and headers are kept in `calls`."""

    def __init__(self, answers: list[Any]) -> None:
        self.answers = answers
        self.calls: list[dict[str, Any]] = []
        self.release = threading.Event()
        system = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                pass

            def _handle(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                call = {
                    "method": self.command,
                    "path": self.path,
                    "headers": self.headers,  # case-insensitive
                    "body": body,
                    "json": json.loads(body) if body else None,
                }
                system.calls.append(call)
                index = min(len(system.calls), len(system.answers)) - 1
                answer = system.answers[index]
                if answer == "hang":
                    system.release.wait(30)
                    return
                status, payload = answer(call) if callable(answer) else answer
                data = json.dumps(payload).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            do_POST = _handle
            do_GET = _handle

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/dsr/"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> FakeSystem:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.release.set()
        self.server.shutdown()
        self.server.server_close()


def started(request: Request, actor: audit.Actor, **plan: Any):
    """Dry run and confirm, as the officer does on the job page; where the organisation asks
    for four eyes (issue 18), another officer or manager approves the dry run first."""
    from accounts.access import officers_of
    from dsr import four_eyes
    from dsr.fulfilment import jobs

    job = jobs.job_plan(request=request, actor=actor, **plan)
    for approval in four_eyes.pending_for(request):
        second = officers_of(request.organization).exclude(pk=getattr(actor.user, "pk", None))
        four_eyes.approval_give(approval=approval, actor=audit.Actor.for_user(second.first()))
    return jobs.job_confirm(job=job, actor=actor)
