"""/api/v1/requests/: scoped per organisation, filters, cursor pages, idempotent creates."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from rest_framework.test import APIClient

from dsr import workflow
from dsr.models import Event, Request
from tests.dsr.api.conftest import client_for

URL = "/api/v1/requests/"
ERASURE = {
    "right": "erasure",
    "language": "nl",
    "subject_name": "Jan Peeters",
    "subject_email": "jan.peeters@example.com",
    "subject_customer_number": "OPM-C10442",
}


def test_create_files_one_request_through_the_workflow(api, organization):
    response = api.post(URL, ERASURE, format="json")
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["reference"].startswith("OPM-")
    assert body["right"] == "erasure" and body["channel"] == "api"
    assert body["status"] == "identity_check"
    assert body["organization"] == "openmotics"
    assert body["effective_due_date"] == body["due_date"]
    assert "verify-identity" in body["allowed_actions"]
    request = Request.objects.get(reference=body["reference"])
    received = request.events.get()
    assert received.actor_kind == "api" and received.actor_label == "API token: Customer app"


def test_read_fields(api, make_request):
    request = make_request()
    body = api.get(f"{URL}{request.reference}/").json()
    for field in [
        "reference", "right", "status", "channel", "language", "received_at", "due_date",
        "extended_due_date", "effective_due_date", "days_left", "paused_days", "identity_status",
        "assignee", "outcome", "refusal_ground", "subject_name", "subject_email",
    ]:  # fmt: skip
        assert field in body, field
    assert body["subject_email"] == "jan.peeters@example.com"
    assert isinstance(body["days_left"], int)


def test_another_organisations_reference_is_404(outsider_api, make_request):
    request = make_request()
    response = outsider_api.get(f"{URL}{request.reference}/")
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"
    assert outsider_api.get(URL).json()["results"] == []
    for action in ["withdraw", "assign", "events", "attachments"]:
        method = outsider_api.get if action in ("events", "attachments") else outsider_api.post
        assert method(f"{URL}{request.reference}/{action}/", {}, format="json").status_code == 404
    request.refresh_from_db()
    assert request.status == "identity_check"


def test_no_token_bad_token_revoked_token(make_request, write_token):
    from dsr.api.tokens import api_token_revoke

    assert APIClient().get(URL).status_code in (401, 403)
    bad = APIClient()
    bad.credentials(HTTP_AUTHORIZATION="Bearer dsr_nope_nope")
    response = bad.get(URL)
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "not_authenticated"
    api_token_revoke(token=write_token[0])
    assert client_for(write_token).get(URL).status_code == 401


def test_read_only_token_cannot_write(read_api, make_request):
    request = make_request()
    assert read_api.get(f"{URL}{request.reference}/").status_code == 200
    response = read_api.post(URL, ERASURE, format="json")
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "permission_denied"
    assert (
        read_api.post(f"{URL}{request.reference}/withdraw/", {}, format="json").status_code == 403
    )
    assert Request.objects.count() == 1


def test_token_records_last_use(api, write_token):
    api.get(URL)
    write_token[0].refresh_from_db()
    assert write_token[0].last_used_at is not None


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({**ERASURE, "right": "everything"}, "right"),
        ({**ERASURE, "subject_email": "not-an-email"}, "subject_email"),
        ({**ERASURE, "language": "de"}, "language"),
        ({**ERASURE, "channel": "web"}, "channel"),
        ({**ERASURE, "colour": "blue"}, "colour"),
        ({**ERASURE, "subject_name": 42}, "subject_name"),  # text is a string, not a number
        ({**ERASURE, "subject_name": ["a"]}, "subject_name"),
        ({**ERASURE, "received_at": "yesterday"}, "received_at"),
        ({**ERASURE, "description": "x" * 20_001}, "description"),
        ({k: v for k, v in ERASURE.items() if k != "subject_name"}, "subject_name"),
    ],
)
def test_bad_fields_are_named_and_nothing_is_stored(api, payload, field):
    response = api.post(URL, payload, format="json")
    if field is None:
        assert response.status_code == 201
        return
    assert response.status_code == 400, response.json()
    error = response.json()["error"]
    assert error["code"] == "invalid"
    assert field in error["fields"]
    assert Request.objects.count() == 0


def test_received_in_the_future_is_refused(api):
    future = (datetime.now(UTC) + timedelta(days=2)).isoformat()
    response = api.post(URL, {**ERASURE, "received_at": future}, format="json")
    assert response.status_code == 400
    assert "future" in response.json()["error"]["message"]
    assert Request.objects.count() == 0


def test_received_by_post_runs_from_the_date_of_receipt(api):
    with time_machine.travel(datetime(2026, 3, 20, 10, tzinfo=UTC), tick=False):
        response = api.post(
            URL,
            {**ERASURE, "channel": "post", "received_at": "2026-01-31T09:00:00+01:00",
             "answer_channel": "post", "subject_postal_address": "Kerkstraat 1\n9000 Gent"},
            format="json",
        )  # fmt: skip
    assert response.status_code == 201, response.json()
    assert response.json()["due_date"] == "2026-03-02"  # LEGAL.md: 28 Feb 2026 is a Saturday


@pytest.mark.parametrize(
    ("body", "content_type"),
    [
        ("not json", "application/json"),
        ("right=erasure", "application/x-www-form-urlencoded"),
        ("<xml/>", "application/xml"),
        ("[1, 2]", "application/json"),
    ],
)
def test_wrong_content_is_a_clear_4xx(api, body, content_type):
    response = api.generic("POST", URL, body, content_type=content_type)
    assert 400 <= response.status_code < 500
    assert "error" in response.json()
    assert Request.objects.count() == 0


def test_huge_payload_is_refused(api, settings):
    response = api.post(URL, {**ERASURE, "description": "x" * 3_000_000}, format="json")
    assert response.status_code in (400, 413)
    assert Request.objects.count() == 0


def test_idempotency_key_returns_the_same_request(api):
    first = api.post(URL, ERASURE, format="json", HTTP_IDEMPOTENCY_KEY="delete-7781")
    again = api.post(URL, ERASURE, format="json", HTTP_IDEMPOTENCY_KEY="delete-7781")
    assert first.status_code == 201 and again.status_code == 200
    assert again["Idempotent-Replayed"] == "true"
    assert first.json()["reference"] == again.json()["reference"]
    assert Request.objects.count() == 1
    other = api.post(URL, {**ERASURE, "right": "access"}, format="json",
                     HTTP_IDEMPOTENCY_KEY="delete-7781")  # fmt: skip
    assert other.status_code == 422
    assert other.json()["error"]["code"] == "idempotency_key_reused"
    assert Request.objects.count() == 1


def test_filters(api, make_request, officer, officer_actor):
    with time_machine.travel(datetime(2026, 1, 5, 9, tzinfo=UTC), tick=False):
        old = make_request(received_at=datetime(2026, 1, 5, 9, tzinfo=UTC), right="erasure")
    fresh = make_request()
    workflow.request_assign(request=fresh, assignee=officer, actor=officer_actor)
    paused = make_request(language="fr")
    workflow.request_ask_information(request=paused, message="?", actor=officer_actor)

    def refs(query: str) -> set[str]:
        response = api.get(f"{URL}?{query}")
        assert response.status_code == 200, response.json()
        return {row["reference"] for row in response.json()["results"]}

    assert refs("overdue=true") == {old.reference}
    assert refs("right=erasure") == {old.reference}
    assert refs(f"assignee={officer.email}") == {fresh.reference}
    assert refs("assignee=none") == {old.reference, paused.reference}
    assert refs("paused=true") == {paused.reference}
    assert refs("language=fr") == {paused.reference}
    assert refs(f"q={old.reference}") == {old.reference}
    assert refs("status=closed") == set()
    assert refs("due_within=40") == {fresh.reference, paused.reference, old.reference}
    assert api.get(f"{URL}?status=sleeping").status_code == 400
    # An offset PostgreSQL cannot store (found by schemathesis): answered, not a 500.
    odd = api.get(URL, {"received_after": "0212-04-22T14:13:20-19:28"})
    assert odd.status_code == 200
    assert refs("received_after=2026-01-01T00:00:00Z&received_before=2026-01-06T00:00:00Z") == {
        old.reference
    }
    assert api.get(f"{URL}?due_within=-3").status_code == 400
    # Times in a query are read as strictly as in a body: given but empty, a date without a
    # time, a naive time or other digits are a 400 that says what is expected.
    wide_digits = "\uff12\uff10\uff12\uff16-01-01T00:00:00Z"
    for lenient in ("", "2026-01-01", "2026-01-01T00:00:00", wide_digits):
        refused = api.get(URL, {"received_after": lenient})
        assert refused.status_code == 400, lenient
        assert "RFC 3339" in str(refused.json())
    assert api.get(URL, {"received_before": ""}).status_code == 400


def test_cursor_pagination_walks_every_request_once(api, make_request):
    created = {make_request(subject_name=f"S{i}").reference for i in range(7)}
    seen, url = [], f"{URL}?page_size=3"
    while url:
        body = api.get(url).json()
        seen += [row["reference"] for row in body["results"]]
        url = body["next"]
    assert sorted(seen) == sorted(created) and len(seen) == 7


def test_events_carry_their_hashes(api, make_request):
    request = make_request()
    events = api.get(f"{URL}{request.reference}/events/").json()
    stored = Event.objects.get(request=request)
    assert events == [
        {
            "sequence": stored.sequence, "created_at": events[0]["created_at"],
            "kind": "request.received", "actor_kind": "user",
            "actor_label": "officer@openmotics.example", "data": stored.data,
            "payload": stored.payload, "payload_hash": stored.payload_hash,
            "previous_hash": stored.previous_hash, "hash": stored.hash,
        }
    ]  # fmt: skip


def test_throttled_with_retry_after(api, settings):
    from django.core.cache import cache

    from dsr.api.auth import TokenRateThrottle

    cache.clear()
    rates = {**settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"], "api": "3/minute"}
    original = TokenRateThrottle.THROTTLE_RATES
    TokenRateThrottle.THROTTLE_RATES = rates
    try:
        responses = [api.get(URL) for _ in range(4)]
    finally:
        TokenRateThrottle.THROTTLE_RATES = original
        cache.clear()
    assert [response.status_code for response in responses] == [200, 200, 200, 429]
    assert int(responses[-1]["Retry-After"]) > 0
    assert responses[-1].json()["error"]["code"] == "throttled"
    response = api.get(URL)  # the budget is back to the real rate
    assert response.status_code == 200


def test_session_of_a_member_reads_through_the_browsable_api(
    client, desk_client, officer, make_request
):
    from tests.conftest import PASSWORD

    request = make_request()
    url = f"{URL}{request.reference}/"
    client.login(email=officer.email, password=PASSWORD)
    response = client.get(url, HTTP_ACCEPT="application/json")
    # A session without the second factor is not accepted by the API: not signed in.
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "not_authenticated"
    # The same member, two-factor verified, reads the request.
    response = desk_client(officer).get(url, HTTP_ACCEPT="application/json")
    assert response.status_code == 200
    assert response.json()["reference"] == request.reference
