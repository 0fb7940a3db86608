"""The audit view for managers, a request's events as JSON, and the auditor's script that
checks such a download on its own (scripts/verify_events.py, docs/AUDIT.md)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from django.db import connection
from django.urls import reverse

from dsr import audit, broker, tasks, workflow
from dsr.desk.reports import audit_export
from dsr.models import AuditHead, Event, EventKind
from tests.dsr.desk.desk_helpers import completed, days_ago

pytestmark = pytest.mark.django_db

AUDIT = "/desk/settings/audit/"
SCRIPT = Path(__file__).resolve().parents[4] / "scripts" / "verify_events.py"


def events_url(request_obj) -> str:
    return reverse("desk:request_events", args=[request_obj.reference])


def run_script(path: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-I", str(SCRIPT), str(path)], capture_output=True, text=True, timeout=60
    )


def tamper(sql: str, params: list) -> None:
    """What someone with direct database access could do (the ORM refuses it)."""
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


# --- the audit view ------------------------------------------------------------------------------


def test_managers_see_the_chain_and_verify_it_now(desk_client, manager, make_request):
    completed(make_request(received_at=days_ago(3)), manager)
    client = desk_client(manager)
    page = client.get(AUDIT).content.decode()
    assert "Never checked yet." in page
    assert "Verify now" in page and "Audit log" in page

    response = client.post(AUDIT)
    assert response.status_code == 302 and response["Location"] == AUDIT
    head = AuditHead.objects.get()
    assert head.verified_sequence == head.last_sequence == Event.objects.count()
    assert head.verified_at is not None and head.verification_error == ""
    page = client.get(AUDIT).content.decode()
    assert f"The chain verifies: {head.last_sequence} events checked." in page
    assert f"verified up to entry #{head.last_sequence}" in page
    assert "Intact" in page and head.last_hash in page


def test_a_tampered_event_shows_the_chain_broken_at_that_event(desk_client, manager, make_request):
    request_obj = completed(make_request(received_at=days_ago(3)), manager)
    event = Event.objects.filter(request=request_obj, kind=EventKind.COMPLETED).get()
    tamper("UPDATE dsr_event SET data = %s WHERE id = %s", ['{"outcome": "no_data"}', event.pk])
    client = desk_client(manager)
    client.post(AUDIT)
    page = client.get(AUDIT).content.decode()
    assert "Broken" in page
    assert f"event #{event.sequence}: altered (request.completed)" in page
    assert AuditHead.objects.get().verified_sequence == event.sequence - 1


def test_a_long_chain_is_verified_by_the_worker(desk_client, manager, make_request, monkeypatch,
                                                django_capture_on_commit_callbacks):  # fmt: skip
    make_request(received_at=days_ago(3))
    monkeypatch.setattr(audit_export, "INLINE_VERIFY_MAX_EVENTS", 0)
    sent = []
    # The broker: the edge.
    monkeypatch.setattr(broker, "enqueue", lambda task_name, *args, **kwargs: sent.extend(args))
    client = desk_client(manager)
    assert "the check runs in the background" in client.get(AUDIT).content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        client.post(AUDIT)
    assert sent == [manager.memberships.get().organization_id]
    assert AuditHead.objects.get().verified_at is None  # not walked in the web request
    tasks.audit_verify(sent[0])  # what the worker then does
    assert AuditHead.objects.get().verified_sequence == Event.objects.count()


def test_the_audit_view_is_for_managers_only(desk_client, officer, viewer, outsider):
    for user in (officer, viewer):
        client = desk_client(user)
        assert client.get(AUDIT).status_code == 403
        assert client.post(AUDIT).status_code == 403
    # An outsider manages nothing here: their own organisation's page at most, never ours.
    assert desk_client(outsider).get(AUDIT).status_code == 403


# --- a request's events as JSON -------------------------------------------------------------------


@pytest.fixture
def two_requests(make_request, officer):
    """Two requests whose events interleave in the chain, one of them completed."""
    first = make_request(received_at=days_ago(5))
    second = make_request(received_at=days_ago(4), subject_name="Émile Zoë")
    actor = audit.Actor.for_user(officer)
    workflow.request_add_note(request=first, text="Called the subject.", actor=actor)
    workflow.request_add_note(request=second, text="Ça va.", actor=actor)
    return completed(first, officer), second


def download(client, request_obj, tmp_path: Path) -> tuple[dict, Path]:
    response = client.get(events_url(request_obj))
    assert response.status_code == 200, response.status_code
    assert response["Content-Type"] == "application/json"
    assert f'filename="{request_obj.reference}-events.json"' in response["Content-Disposition"]
    path = tmp_path / f"{request_obj.reference}.json"
    path.write_bytes(response.content)
    return json.loads(response.content), path


def test_managers_download_every_event_of_a_request_with_its_hashes(
    desk_client, manager, two_requests, tmp_path
):
    first, _second = two_requests
    export, _path = download(desk_client(manager), first, tmp_path)
    events = Event.objects.filter(request=first).order_by("sequence")
    assert [e["sequence"] for e in export["events"]] == [e.sequence for e in events]
    # The download is itself an event of the request, and the last of the export.
    assert export["events"][-1]["kind"] == EventKind.EVENTS_EXPORTED
    assert export["events"][-1]["actor_label"] == manager.email
    assert export["chain_head"]["sequence"] == export["events"][-1]["sequence"]
    assert export["chain_head"]["hash"] == export["events"][-1]["hash"]
    for exported, event in zip(export["events"], events, strict=True):
        assert exported["hash"] == event.hash == audit.event_digest(event)
        assert set(exported) == {*audit.DIGEST_FIELDS, "hash"}
        # Only the payload's hash: the note's text and the subject's name stay in the desk.
        assert "Called the subject." not in json.dumps(exported)
    assert "Jan Peeters" not in json.dumps(export)


def test_the_auditors_script_checks_a_download_and_finds_tampering(
    desk_client, manager, two_requests, tmp_path
):
    first, second = two_requests
    client = desk_client(manager)
    # The second request's events are not neighbours in the chain (the first's come between).
    _export, path = download(client, second, tmp_path)
    result = run_script(path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert f"{second.reference}: OK, every hash matches" in result.stdout
    assert "3 chained events checked, 0 links between neighbours" in result.stdout

    # The first request's: received (#1), note (#3), identity (#5), completed (#6), download.
    export, path = download(client, first, tmp_path)
    assert [event["sequence"] for event in export["events"]] == [1, 3, 5, 6, 8]
    result = run_script(path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "5 chained events checked, 1 links between neighbours" in result.stdout

    def check(change) -> subprocess.CompletedProcess:
        changed = json.loads(json.dumps(export))
        change(changed["events"])
        tampered = tmp_path / "tampered.json"
        tampered.write_text(json.dumps(changed), encoding="utf-8")
        return run_script(tampered)

    def altered(events: list) -> None:
        events[0]["data"]["channel"] = "post"  # received by e-mail, says the chain

    result = check(altered)
    assert result.returncode == 1
    assert "event #1 (request.received): altered" in result.stdout

    def rewritten(events: list) -> None:
        # Someone rewrites an event *and* its hash: its successor no longer follows it.
        events[2]["actor_label"] = "someone.else@example.com"
        events[2]["hash"] = script_hash(events[2])

    result = check(rewritten)
    assert result.returncode == 1
    assert "altered" not in result.stdout
    assert "event #6 (request.completed): does not follow event #5" in result.stdout

    def new_start(events: list) -> None:
        events[0]["previous"] = "f" * 64
        events[0]["hash"] = script_hash(events[0])

    assert "does not start from 64 zeros" in check(new_start).stdout

    def head_replaced(events: list) -> None:
        events[-1]["data"]["reference"] = "OPM-2026-99999"
        events[-1]["hash"] = script_hash(events[-1])

    assert "other hash than the head" in check(head_replaced).stdout

    not_a_download = tmp_path / "other.json"
    not_a_download.write_text('{"events": []}', encoding="utf-8")
    assert run_script(not_a_download).returncode == 2


def script_hash(event: dict) -> str:
    """The hash the auditor's script computes for `event` (run as the auditor would)."""
    code = (
        "import json, sys; sys.path.insert(0, sys.argv[2]); import verify_events; "
        "print(verify_events.event_hash(json.loads(sys.argv[1])))"
    )
    return subprocess.run(
        [sys.executable, "-I", "-c", code, json.dumps(event), str(SCRIPT.parent)],
        capture_output=True, text=True, check=True,
    ).stdout.strip()  # fmt: skip


def test_the_script_refuses_an_event_without_its_place_in_the_chain(
    desk_client, manager, two_requests, tmp_path
):
    """A forged event cannot hide from the check by having no sequence or hash."""
    first, _second = two_requests
    export, _path = download(desk_client(manager), first, tmp_path)
    export["events"].append({**export["events"][-1], "sequence": None, "hash": None})
    path = tmp_path / "unchained.json"
    path.write_text(json.dumps(export), encoding="utf-8")
    result = run_script(path)
    assert result.returncode == 1
    assert "without its place in the chain" in result.stdout


def test_events_are_for_managers_of_the_requests_organisation_only(
    desk_client, officer, viewer, outsider, other_organization, two_requests
):
    first, _second = two_requests
    before = Event.objects.count()
    for user in (officer, viewer):
        assert desk_client(user).get(events_url(first)).status_code == 403
    from accounts.models import Role
    from tests.conftest import make_user

    their_manager = make_user("manager@maxem.example", other_organization, Role.MANAGER)
    for user in (outsider, their_manager):
        assert desk_client(user).get(events_url(first)).status_code == 404
    assert (
        desk_client(their_manager).get("/desk/requests/OPM-0000-00000/events.json").status_code
        == 404
    )
    assert Event.objects.count() == before  # refusals record nothing


def test_events_download_only_answers_get(desk_client, manager, two_requests):
    first, _second = two_requests
    client = desk_client(manager)
    assert client.post(events_url(first)).status_code == 405
    assert not Event.objects.filter(kind=EventKind.EVENTS_EXPORTED).exists()
