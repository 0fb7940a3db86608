"""A database that drops connections (issue 17, "Faults"): the caller is told to retry
(JSON 503 with Retry-After, never Django's HTML 500), and a request that was committed is
answered 201 from what was committed, even when the connection dies right after the commit."""

from __future__ import annotations

import psycopg
import pytest
from django.db import OperationalError, connection, transaction
from django.test import Client

from dsr import workflow
from dsr.models import EventKind, Request
from tests.dsr.api.conftest import client_for

BODY = {
    "right": "erasure",
    "language": "nl",
    "subject_name": "Jan Peeters",
    "subject_email": "jan.peeters@example.com",
}


def _terminate_this_backend() -> None:
    """What an operator's pg_terminate_backend (or a failover) does to this connection: it
    is killed from a second connection, so the next query on it fails."""
    pid = connection.connection.info.backend_pid
    settings_dict = connection.settings_dict
    with psycopg.connect(
        host=settings_dict["HOST"] or "127.0.0.1",
        port=settings_dict["PORT"] or 5432,
        user=settings_dict["USER"],
        dbname=settings_dict["NAME"],
        autocommit=True,
    ) as other:
        other.execute("SELECT pg_terminate_backend(%s)", [pid])


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_create_whose_connection_dies_after_the_commit_is_answered_201(
    api, organization, monkeypatch
):
    real_create = workflow.submission_create

    def create_then_lose_the_connection(**kwargs):
        created = real_create(**kwargs)
        transaction.on_commit(_terminate_this_backend)  # right after COMMIT
        return created

    monkeypatch.setattr(workflow, "submission_create", create_then_lose_the_connection)
    try:
        response = api.post("/api/v1/requests/", BODY, format="json")
    finally:
        connection.close()  # the killed connection; the next query opens a new one

    assert response.status_code == 201, response.content[:300]
    stored = Request.objects.get()
    assert response.json()["reference"] == stored.reference
    assert response.json()["subject_name"] == "Jan Peeters"
    assert stored.events.filter(kind=EventKind.RECEIVED).count() == 1


@pytest.mark.django_db(transaction=True)
def test_a_database_error_in_the_api_is_a_json_503_with_retry_after(
    write_token, organization, monkeypatch
):
    def lost(**kwargs):
        raise OperationalError("server closed the connection unexpectedly")

    monkeypatch.setattr(workflow, "submission_create", lost)
    api = client_for(write_token)
    api.raise_request_exception = False
    response = api.post("/api/v1/requests/", BODY, format="json")

    assert response.status_code == 503
    assert response["Content-Type"].startswith("application/json")
    assert int(response["Retry-After"]) > 0
    assert response.json()["error"]["code"] == "unavailable"
    assert not Request.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_a_database_error_outside_the_api_handler_is_a_503_page(monkeypatch):
    """A page (or middleware) whose database is gone: a plain 503 saying to try again."""
    from django.contrib.sessions.backends import db as session_db

    def lost(self, *args, **kwargs):
        raise OperationalError("terminating connection due to administrator command")

    monkeypatch.setattr(session_db.SessionStore, "load", lost)
    client = Client(raise_request_exception=False)
    client.cookies["sessionid"] = "x" * 32
    for path in ("/desk/", "/api/v1/requests/"):
        response = client.get(path)
        assert response.status_code == 503, (path, response.status_code)
        assert int(response["Retry-After"]) > 0
    assert b"try again" in client.get("/desk/").content.lower()
