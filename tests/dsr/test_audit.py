"""dsr/audit.py and `manage.py verify_audit`: tampering is found, minimisation is not tampering."""

from __future__ import annotations

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection

from dsr import audit, workflow
from dsr.models import AuditHead, Event, EventKind


@pytest.fixture
def chain(make_request, officer_actor, organization) -> list[Event]:
    """Five events: three requests received, a note, a withdrawal."""
    first = make_request()
    make_request(subject_name="Marie Dubois")
    make_request(subject_name="Piet de Vries")
    workflow.request_add_note(request=first, text="Called back", actor=officer_actor)
    workflow.request_withdraw(request=first, actor=officer_actor)
    events = list(Event.objects.filter(organization=organization).order_by("sequence"))
    assert [e.sequence for e in events] == [1, 2, 3, 4, 5]
    return events


def sql(statement: str, params: list) -> None:
    """Tamper the way someone with database access would: behind the application's back."""
    with connection.cursor() as cursor:
        cursor.execute(statement, params)


def verify_command_fails_naming(sequence: int, reason: str) -> None:
    with pytest.raises(CommandError) as error:
        call_command("verify_audit")
    assert f"event #{sequence}" in str(error.value)
    assert reason in str(error.value)


def test_untouched_chain_verifies(chain, organization, capsys):
    result = audit.verify(organization)
    assert result.ok
    assert result.checked == 5
    call_command("verify_audit")
    assert "OK" in capsys.readouterr().out
    head = AuditHead.objects.get(organization=organization)
    assert head.verified_sequence == 5 and head.verified_at is not None


def test_chains_are_per_organisation(chain, other_organization, outsider):
    actor = audit.Actor.for_user(outsider)
    (request,) = workflow.submission_create(
        organization=other_organization,
        rights=["access"],
        channel="email",
        language="nl",
        subject_name="Piet",
        subject_email="piet@example.com",
        actor=actor,
    )
    event = request.events.get()
    assert event.sequence == 1
    assert audit.verify(other_organization).ok


def test_altered_data_is_found(chain, organization):
    sql("UPDATE dsr_event SET kind = %s WHERE id = %s", [EventKind.COMPLETED, chain[3].pk])
    result = audit.verify(organization)
    assert not result.ok
    assert result.broken_sequence == 4
    assert "altered" in result.reason
    verify_command_fails_naming(4, "altered")


def test_altered_payload_is_found(chain, organization):
    sql(
        "UPDATE dsr_event SET payload = %s WHERE id = %s",
        ['{"subject_name": "Someone Else"}', chain[1].pk],
    )
    result = audit.verify(organization)
    assert result.broken_sequence == 2
    assert "payload" in result.reason


def test_removed_event_is_found(chain, organization):
    sql("DELETE FROM dsr_event WHERE id = %s", [chain[2].pk])
    result = audit.verify(organization)
    assert result.broken_sequence == 3
    assert "missing" in result.reason
    verify_command_fails_naming(3, "removed")


def test_removed_last_event_is_found(chain, organization):
    sql("DELETE FROM dsr_event WHERE id = %s", [chain[4].pk])
    result = audit.verify(organization)
    assert result.broken_sequence == 5
    assert "removed from the end" in result.reason


def test_reordered_events_are_found(chain, organization):
    # Swap the places of events 2 and 3 (through a free number, the pair is unique).
    sql("UPDATE dsr_event SET sequence = 999 WHERE id = %s", [chain[1].pk])
    sql("UPDATE dsr_event SET sequence = 2 WHERE id = %s", [chain[2].pk])
    sql("UPDATE dsr_event SET sequence = 3 WHERE id = %s", [chain[1].pk])
    result = audit.verify(organization)
    assert not result.ok
    assert result.broken_sequence == 2
    verify_command_fails_naming(2, "event #2")


def test_rewritten_event_with_recomputed_hash_breaks_the_next_link(chain, organization):
    """Someone who recomputes the altered event's own hash still breaks its successor."""
    event = Event.objects.get(pk=chain[1].pk)
    event.kind = EventKind.COMPLETED
    forged = audit.event_digest(event)
    sql("UPDATE dsr_event SET kind = %s, hash = %s WHERE id = %s", [event.kind, forged, event.pk])
    result = audit.verify(organization)
    assert result.broken_sequence == 3
    assert "predecessor" in result.reason


def test_minimised_payloads_still_verify(chain, organization):
    """Retention drops personal data; the chain holds only its hash, so it still verifies."""
    dropped = audit.minimise(Event.objects.filter(organization=organization))
    assert dropped == 4  # every "received" event and the note carry a payload; withdrawal not
    assert not Event.objects.filter(organization=organization, payload__isnull=False).exists()
    assert audit.verify(organization).ok


def test_events_refuse_changes_and_deletion_through_the_orm(chain):
    event = Event.objects.get(pk=chain[0].pk)
    event.kind = EventKind.NOTE
    with pytest.raises(PermissionError):
        event.save()
    with pytest.raises(PermissionError):
        event.delete()
    with pytest.raises(PermissionError):
        Event.objects.all().delete()
    with pytest.raises(PermissionError):
        Event.objects.update(kind="x")


def test_verify_command_rejects_unknown_organisation(chain):
    with pytest.raises(CommandError, match="No organisation"):
        call_command("verify_audit", organization="nope")


# --- appending at the end of a block (the public intake's short lock) -----------------------


def test_events_of_a_block_are_appended_together_at_its_end(
    chain, make_request, officer_actor, organization
):
    from django.db import transaction

    with transaction.atomic(), audit.appended_at_end(organization):
        request = make_request(subject_name="Late Chain")
        workflow.request_add_note(request=request, text="first look", actor=officer_actor)
        # Prepared, not yet in the chain: nothing written, the head not touched.
        assert Event.objects.filter(request=request).count() == 0
        assert AuditHead.objects.get(organization=organization).last_sequence == 5
    events = list(Event.objects.filter(request=request).order_by("sequence"))
    assert [(e.sequence, e.kind) for e in events] == [
        (6, EventKind.RECEIVED),
        (7, EventKind.NOTE),
    ]
    assert events[0].previous_hash == chain[-1].hash
    assert events[1].previous_hash == events[0].hash
    assert audit.verify(organization).ok


def test_a_block_that_fails_appends_nothing(chain, make_request, organization):
    from django.db import transaction

    with (
        pytest.raises(LookupError),
        transaction.atomic(),
        audit.appended_at_end(organization),
    ):
        make_request(subject_name="Never Stored")
        raise LookupError("the e-mail template is missing")
    assert Event.objects.filter(organization=organization).count() == 5
    # The organisation records normally afterwards.
    make_request(subject_name="Next One")
    assert audit.verify(organization).checked == 6


def test_nested_blocks_append_once_and_other_organisations_record_at_once(
    chain, make_request, organization, other_organization, outsider
):
    from django.db import transaction

    with transaction.atomic(), audit.appended_at_end(organization):
        with audit.appended_at_end(organization):
            make_request(subject_name="Inner")
        assert Event.objects.filter(organization=organization).count() == 5
        make_request(organization=other_organization, subject_name="Elsewhere")
        assert Event.objects.filter(organization=other_organization).count() == 1
    assert Event.objects.filter(organization=organization).count() == 6
    assert audit.verify(organization).ok and audit.verify(other_organization).ok


@pytest.mark.django_db(transaction=True)
def test_a_block_outside_a_transaction_is_refused(organization):
    with (
        pytest.raises(RuntimeError, match="inside the transaction"),
        audit.appended_at_end(organization),
    ):
        pass
