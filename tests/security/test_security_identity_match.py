"""The identity match (issue 18) reads the controller's systems from the desk: it must not
become a probe. Only officers and managers of the request's organisation run it, only during
the identity check; an http source goes through the egress policy (a loopback or internal
address is refused before any byte is sent); a sql source pointed at the desk's own database
is refused by the SQL source policy (no count of another organisation's rows); what is kept
is counts and keyed hashes, never a value from a record."""

from __future__ import annotations

import json

import pytest
from django.urls import reverse
from egress_helpers import LoggingServer, http_source_saved, json_answer
from sql_helpers import READ_THE_DESK, desk_database_url, forced_source

from dsr import audit
from dsr.fulfilment import identity_match
from dsr.models import Event, EventKind, Status

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def checking(make_request):
    request = make_request(right="access", subject_customer_number="OPM-C1")
    assert request.status == Status.IDENTITY_CHECK
    return request


def test_who_may_run_it(checking, desk_client, client, viewer, outsider, officer):
    url = reverse("desk:identity_match", args=[checking.reference])
    assert desk_client(viewer).post(url).status_code == 403
    assert desk_client(outsider).post(url).status_code == 404
    assert client.post(url).status_code == 302  # signed out: to the sign-in page
    with pytest.raises(identity_match.MatchError):
        identity_match.identity_match(request=checking, actor=audit.Actor.api("Customer app"))
    with pytest.raises(identity_match.MatchError):
        identity_match.identity_match(request=checking, actor=audit.Actor.for_user(outsider))
    assert not Event.objects.filter(kind=EventKind.IDENTITY_MATCHED).exists()


def test_an_internal_address_is_refused_by_the_egress_policy(
    settings, organization, checking, officer
):
    settings.EGRESS_ALLOW = []
    answer = json_answer(200, {"status": "done", "found": [{"what": "secret-token-123"}]})
    with LoggingServer(answer=answer) as internal:
        http_source_saved(organization, internal.url + "dsr/", validate=False)
        event = identity_match.identity_match(request=checking, actor=audit.Actor.for_user(officer))
    assert internal.calls == []
    (entry,) = event.data["sources"]
    assert "refused" in entry["error"] and entry["parts"] == []
    assert "secret-token-123" not in json.dumps(event.data)
    assert "127.0.0.1" not in json.dumps(event.data)


def test_the_desks_own_database_is_refused(
    settings, organization, other_organization, make_request, officer
):
    """A manager of A maps the desk's own tables and asks whether B's id is "known"."""
    settings.EGRESS_ALLOW = ["127.0.0.1/32", "::1/128"]
    make_request(organization=other_organization, actor=audit.Actor.system("test"))
    forced_source(organization, desk_database_url(), READ_THE_DESK)
    probe = make_request(subject_customer_number=str(other_organization.pk))
    event = identity_match.identity_match(request=probe, actor=audit.Actor.for_user(officer))
    (entry,) = event.data["sources"]
    assert "the desk's own database" in entry["error"]
    assert entry["parts"] == [] and entry["rows"] == 0


def test_a_system_sending_records_keeps_only_hashes(settings, organization, checking, officer):
    """A careless system answers the search with its records' keys (customer numbers,
    e-mail addresses): the desk keeps their keyed hashes only."""
    settings.EGRESS_ALLOW = ["127.0.0.1/32"]
    answer = json_answer(
        200,
        {"status": "done", "found": [
            {"what": "Accounts", "matched": ["email", "password"], "rows": 2,
             "keys": ["jan.peeters@example.com", "OPM-C1"]},
        ]},
    )  # fmt: skip
    with LoggingServer(answer=answer) as system:
        http_source_saved(organization, system.url + "dsr/", validate=False)
        event = identity_match.identity_match(request=checking, actor=audit.Actor.for_user(officer))
    assert len(system.calls) == 1
    body = json.loads(system.calls[0]["body"])
    assert body["action"] == "find" and body["dry_run"] is True
    (entry,) = event.data["sources"]
    assert entry["fields"] == ["email"]  # only fields the desk asked about
    stored = json.dumps(event.data)
    assert "jan.peeters" not in stored and "OPM-C1" not in stored
    assert all(len(key) == 64 for key in entry["parts"][0]["keys"])
