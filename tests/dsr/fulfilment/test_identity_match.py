"""Identity matched against the records (issue 18): during the identity check an officer
asks the sources which of them know the subject; the desk keeps counts and keyed hashes,
never the records; nothing changes in a source; the identity decision references the match.
Against the demo customer platform (SQL) and the demo HTTP system (dsr/demo/receiver.py)."""

from __future__ import annotations

import json
import threading
from http.server import ThreadingHTTPServer

import pytest
from django.urls import reverse
from fulfilment_helpers import HTTP_SECRET, SUBJECT_NUMBER, http_source, query

from dsr import audit, workflow
from dsr.demo.receiver import DemoReceiver
from dsr.fulfilment import identity_match
from dsr.models import Event, EventKind, EvidenceKind, Status

PLATFORM_TABLES = [
    "customers", "gateways", "power_readings", "invoices", "newsletter_subscriptions",
    "support_tickets",
]  # fmt: skip


def _snapshot(url: str) -> list:
    return [query(url, f"SELECT * FROM {table} ORDER BY 1") for table in PLATFORM_TABLES]  # noqa: S608


@pytest.fixture
def demo_http(settings):
    """The demo HTTP system on a free local port, with the test source's secret; the egress
    policy lets the desk reach 127.0.0.1 as DSR_EGRESS_ALLOW does for an operator."""
    settings.EGRESS_ALLOW = ["127.0.0.1/32"]

    class Receiver(DemoReceiver):
        secret = HTTP_SECRET

    server = ThreadingHTTPServer(("127.0.0.1", 0), Receiver)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/openmotics/"
    server.shutdown()
    server.server_close()


def _checking(make_request, **fields):
    request = make_request(right="erasure", **fields)
    assert request.status == Status.IDENTITY_CHECK
    return request


def test_the_customer_platform_knows_the_e_mail_and_customer_number(
    platform_source, platform_url, make_request, officer_actor
):
    before = _snapshot(platform_url)
    request = _checking(
        make_request,
        subject_email="  Jan.PEETERS@example.com ",
        subject_customer_number=SUBJECT_NUMBER,
    )
    event = identity_match.identity_match(request=request, actor=officer_actor)
    (entry,) = event.data["sources"]
    assert entry["source"] == "Customer platform" and "error" not in entry
    assert entry["fields"] == ["email", "customer_number"]
    customers = next(part for part in entry["parts"] if part["rows"] and "customer_number"
                     in part["fields"])  # fmt: skip
    assert customers["rows"] == 1 and len(customers["keys"]) == 1
    assert all(len(key) == 64 for part in entry["parts"] for key in part["keys"])
    # Nothing of the record is copied: no name, address, number or address in the event.
    stored = json.dumps(event.data)
    for value in ("Jan", "Peeters", "Kerkstraat", "Gent", SUBJECT_NUMBER, "example.com", "9000"):
        assert value.lower() not in stored.lower(), value
    assert _snapshot(platform_url) == before  # read-only
    sentences = identity_match.match_sentences(event.data)
    assert sentences[0].startswith("e-mail and customer number match Customer platform")
    # The same record gives the same hash next time (the officer can compare).
    again = identity_match.identity_match(request=request, actor=officer_actor)
    assert again.data["sources"] == event.data["sources"]


def test_an_unknown_subject_is_not_found(platform_source, make_request, officer_actor):
    request = _checking(make_request, subject_email="nobody@example.org")
    event = identity_match.identity_match(request=request, actor=officer_actor)
    (entry,) = event.data["sources"]
    assert entry["fields"] == [] and entry["rows"] == 0
    assert identity_match.match_sentences(event.data) == [
        "Customer platform does not know the subject."
    ]


def test_the_demo_http_system_answers_the_search(
    organization, demo_http, make_request, officer_actor
):
    http_source(organization, demo_http)
    request = _checking(make_request, subject_customer_number="OPM-C1")
    event = identity_match.identity_match(request=request, actor=officer_actor)
    (entry,) = event.data["sources"]
    assert entry["source"] == "Webshop" and entry["fields"] == ["email", "customer_number"]
    assert [part["what"] for part in entry["parts"]] == ["Webshop account", "Webshop orders"]
    assert "W1" not in json.dumps(event.data) and "A-" not in json.dumps(event.data)
    unknown = _checking(make_request, subject_email="unknown.person@example.org")
    event = identity_match.identity_match(request=unknown, actor=officer_actor)
    assert event.data["sources"][0]["rows"] == 0


def test_the_identity_decision_references_the_match(platform_source, make_request, officer_actor):
    request = _checking(make_request, subject_customer_number=SUBJECT_NUMBER)
    match = identity_match.identity_match(request=request, actor=officer_actor)
    workflow.identity_decide(
        request=request,
        verified=True,
        evidence=EvidenceKind.EMAIL_MATCHES_RECORD,
        actor=officer_actor,
    )
    decision = Event.objects.get(request=request, kind=EventKind.IDENTITY_VERIFIED)
    assert decision.data["match"] == {
        "event": match.sequence,
        "sources": [{"source": "Customer platform", "fields": ["email", "customer_number"]}],
    }


def test_only_during_the_identity_check(platform_source, make_request, officer_actor):
    request = _checking(make_request)
    workflow.identity_decide(
        request=request, verified=True, evidence=EvidenceKind.EMAIL_MATCHES_RECORD,
        actor=officer_actor,
    )  # fmt: skip
    with pytest.raises(identity_match.MatchError):
        identity_match.identity_match(request=request, actor=officer_actor)
    assert not Event.objects.filter(request=request, kind=EventKind.IDENTITY_MATCHED).exists()


def test_the_desk_runs_the_match_beside_the_identity_decision(
    platform_source, make_request, desk_client, officer, viewer, outsider
):
    request = _checking(make_request, subject_customer_number=SUBJECT_NUMBER)
    url = reverse("desk:identity_match", args=[request.reference])
    page = reverse("desk:request", args=[request.reference])
    assert url in desk_client(officer).get(page).content.decode()
    assert url not in desk_client(viewer).get(page).content.decode()
    assert desk_client(viewer).post(url).status_code == 403
    assert desk_client(outsider).post(url).status_code == 404
    assert desk_client(officer).get(url).status_code == 405
    assert not Event.objects.filter(request=request, kind=EventKind.IDENTITY_MATCHED).exists()
    assert desk_client(officer).post(url).status_code == 302
    html = desk_client(viewer).get(page).content.decode()
    assert "e-mail and customer number match Customer platform" in html


def test_no_source_changes_and_no_export_before_identity_is_verified(
    platform_source, platform_url, make_request, desk_client, officer, officer_actor
):
    """The invariant: before verification the desk plans nothing, confirms nothing, exports
    nothing, through the desk and the services (the API has no way to plan or export)."""
    from dsr.fulfilment import jobs

    before = _snapshot(platform_url)
    for right in ("erasure", "access"):
        request = _checking(make_request, subject_email=f"{right}@example.com")
        with pytest.raises(jobs.JobError, match="once identity is verified"):
            jobs.job_plan(request=request, actor=officer_actor)
        client = desk_client(officer)
        assert client.post(reverse("fulfilment:plan", args=[request.pk])).status_code == 302
        assert client.post(reverse("fulfilment:confirm", args=[request.pk])).status_code in (
            302,
            404,
        )
        assert not request.jobs.exists()
        identity_match.identity_match(request=request, actor=audit.Actor.for_user(officer))
        assert not request.jobs.exists()
    assert _snapshot(platform_url) == before
