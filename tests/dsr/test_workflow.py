"""dsr/workflow.py: every state change, its rules (LEGAL.md) and its Event."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
import time_machine

from dsr import audit, workflow
from dsr.attachments import attachment_store
from dsr.models import (
    ActorKind,
    Attachment,
    AttachmentKind,
    Channel,
    EventKind,
    EvidenceKind,
    IdentityStatus,
    Outcome,
    RefusalGround,
    Request,
    Right,
    Status,
)
from tests.builders import blank_pdf, verified

PDF = blank_pdf()
SUBJECT = audit.Actor.subject()


def kinds(request: Request) -> list[str]:
    return list(request.events.order_by("sequence").values_list("kind", flat=True))


# --- creating -------------------------------------------------------------------------------


def test_one_submission_with_several_rights_creates_linked_requests(organization, officer_actor):
    requests = workflow.submission_create(
        organization=organization,
        rights=[Right.ACCESS, Right.ERASURE],
        channel=Channel.POST,
        language="fr",
        subject_name="Marie Dubois",
        subject_postal_address="Rue Haute 12\n1000 Bruxelles",
        answer_channel="post",
        actor=officer_actor,
    )
    assert [r.right for r in requests] == [Right.ACCESS, Right.ERASURE]
    assert requests[0].submission_id == requests[1].submission_id
    assert requests[0].reference != requests[1].reference
    assert requests[0].public_token != requests[1].public_token
    assert all(r.status == Status.IDENTITY_CHECK for r in requests)
    assert all(kinds(r) == [EventKind.RECEIVED] for r in requests)


def test_reference_has_prefix_year_and_number(make_request):
    with time_machine.travel(datetime(2026, 3, 4, 10, tzinfo=UTC), tick=False):
        first = make_request()
        second = make_request()
    assert first.reference == "OPM-2026-00001"
    assert second.reference == "OPM-2026-00002"


def test_due_dates_follow_the_legal_calendar(make_request):
    """LEGAL.md: received 31 January 2026 -> 28 February is a Saturday -> due 2 March 2026."""
    with time_machine.travel(datetime(2026, 2, 10, tzinfo=UTC)):
        request = make_request(received_at=datetime(2026, 1, 31, 9, tzinfo=UTC))
    assert request.due_date == date(2026, 3, 2)
    assert request.effective_due_date == date(2026, 3, 2)
    assert request.extended_due_date is None


def test_logged_request_runs_from_the_date_of_receipt_not_today(make_request):
    """LEGAL.md: for post logged by hand the officer enters the date of receipt."""
    with time_machine.travel(datetime(2026, 3, 20, 9, tzinfo=UTC)):
        request = make_request(
            channel=Channel.POST,
            received_at=datetime(2026, 3, 5, 9, tzinfo=UTC),
            subject_postal_address="Kerkstraat 1, 9000 Gent",
        )
    assert request.due_date == date(
        2026, 4, 7
    )  # 5 April 2026 is Easter Sunday, 6 April Easter Monday


def test_date_of_receipt_in_the_future_is_refused(make_request):
    with pytest.raises(workflow.InvalidInput, match="future"):
        make_request(received_at=datetime.now(UTC) + timedelta(days=1))
    assert Request.objects.count() == 0


def test_date_of_receipt_before_the_gdpr_applied_is_refused(make_request):
    with pytest.raises(workflow.InvalidInput, match="25 May 2018"):
        make_request(received_at=datetime(418, 2, 22, 2, 53, tzinfo=UTC))
    assert Request.objects.count() == 0


def test_naive_date_of_receipt_is_refused(make_request):
    with pytest.raises(workflow.InvalidInput, match="time zone"):
        make_request(received_at=datetime(2026, 1, 1, 9))


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"rights": []}, "at least one right"),
        ({"rights": ["everything"]}, "Unknown right"),
        ({"channel": "pigeon"}, "Unknown channel"),
        ({"language": "de"}, "does not offer language"),
        ({"subject_name": "   "}, "name is required"),
        ({"answer_channel": "post"}, "postal address is required"),
        ({"subject_email": "", "channel": "post"}, "e-mail address is required"),
        ({"description": "x" * 20_001}, "longer than"),
    ],
)
def test_bad_submission_is_refused_and_stores_nothing(organization, officer_actor, fields, message):
    values = {
        "organization": organization,
        "rights": [Right.ACCESS],
        "channel": Channel.EMAIL,
        "language": "en",
        "subject_name": "Jan",
        "subject_email": "jan@example.com",
        "actor": officer_actor,
    }
    values.update(fields)
    with pytest.raises(workflow.InvalidInput, match=message):
        workflow.submission_create(**values)
    assert Request.objects.count() == 0
    assert organization.events.count() == 0


def test_web_request_waits_unverified_with_the_clock_paused(make_request):
    """LEGAL.md: a web request waiting for its e-mail confirmation counts as paused."""
    received = datetime(2026, 3, 2, 10, tzinfo=UTC)
    with time_machine.travel(received, tick=False):
        request = make_request(channel=Channel.WEB, actor=SUBJECT)
    assert request.status == Status.UNVERIFIED
    assert request.paused_since == received
    # Confirmed three days and two hours later: three whole days are added.
    with time_machine.travel(received + timedelta(days=3, hours=2), tick=False):
        request = workflow.request_confirm_email(request=request, actor=SUBJECT)
    assert request.status == Status.IDENTITY_CHECK
    assert request.paused_days == 3
    assert request.due_date == date(2026, 4, 2)
    assert request.effective_due_date == date(2026, 4, 7)  # 5 April Easter Sunday, 6 Easter Monday
    assert kinds(request) == [EventKind.RECEIVED, EventKind.EMAIL_CONFIRMED]


def test_only_the_subject_confirms_the_email(make_request, officer_actor):
    request = make_request(channel=Channel.WEB, actor=SUBJECT)
    with pytest.raises(workflow.NotPermitted):
        workflow.request_confirm_email(request=request, actor=officer_actor)


# --- illegal transitions --------------------------------------------------------------------


def test_illegal_transition_says_what_is_allowed(make_request, officer_actor):
    request = make_request()
    with pytest.raises(workflow.TransitionNotAllowed) as error:
        workflow.request_complete(request=request, outcome=Outcome.FULFILLED, actor=officer_actor)
    assert error.value.status == Status.IDENTITY_CHECK
    assert "decide_identity" in error.value.allowed
    assert "complete" not in error.value.allowed
    assert "Allowed now: " in error.value.message
    request.refresh_from_db()
    assert request.status == Status.IDENTITY_CHECK
    assert kinds(request) == [EventKind.RECEIVED]


def test_closed_request_allows_nothing_but_messages_and_notes(make_request, officer_actor):
    request = make_request()
    request = workflow.request_withdraw(request=request, actor=SUBJECT)
    assert workflow.allowed_actions(request) == ["message_subject", "add_note"]
    for action in (
        lambda: workflow.request_assign(request=request, assignee=None, actor=officer_actor),
        lambda: workflow.request_withdraw(request=request, actor=officer_actor),
        lambda: workflow.request_extend(request=request, reason="x", actor=officer_actor),
    ):
        with pytest.raises(workflow.TransitionNotAllowed):
            action()


def test_stale_instance_cannot_bypass_the_current_state(make_request, officer_actor):
    """The workflow re-reads the row under a lock, not the caller's copy."""
    request = make_request()
    stale = Request.objects.get(pk=request.pk)
    workflow.request_withdraw(request=request, actor=SUBJECT)
    with pytest.raises(workflow.TransitionNotAllowed):
        workflow.identity_decide(
            request=stale,
            verified=True,
            evidence=EvidenceKind.EMAIL_MATCHES_RECORD,
            actor=officer_actor,
        )


# --- who may act ----------------------------------------------------------------------------


def test_viewer_can_act_on_nothing(make_request, viewer):
    request = make_request()
    with pytest.raises(workflow.NotPermitted):
        workflow.request_assign(
            request=request, assignee=viewer, actor=audit.Actor.for_user(viewer)
        )
    with pytest.raises(workflow.NotPermitted):
        workflow.request_add_note(request=request, text="hi", actor=audit.Actor.for_user(viewer))


def test_outsider_cannot_act_on_another_organisations_request(make_request, outsider):
    request = make_request()
    with pytest.raises(workflow.NotPermitted):
        workflow.request_withdraw(request=request, actor=audit.Actor.for_user(outsider))
    request.refresh_from_db()
    assert request.status == Status.IDENTITY_CHECK


def test_subject_cannot_do_officer_work(make_request):
    request = make_request()
    with pytest.raises(workflow.NotPermitted):
        workflow.identity_decide(
            request=request, verified=True, evidence=EvidenceKind.OTHER, actor=SUBJECT
        )


# --- assignment -----------------------------------------------------------------------------


def test_assign_to_an_officer_and_not_to_a_viewer_or_outsider(
    make_request, officer, viewer, outsider, officer_actor
):
    request = make_request()
    request = workflow.request_assign(request=request, assignee=officer, actor=officer_actor)
    assert request.assignee == officer
    for person in (viewer, outsider):
        with pytest.raises(workflow.InvalidInput):
            workflow.request_assign(request=request, assignee=person, actor=officer_actor)
    request = workflow.request_assign(request=request, assignee=None, actor=officer_actor)
    assert request.assignee is None
    assert kinds(request).count(EventKind.ASSIGNED) == 2


# --- identity -------------------------------------------------------------------------------


def test_identity_verified_destroys_the_document_and_keeps_its_hash(
    make_request, officer_actor, django_capture_on_commit_callbacks
):
    """LEGAL.md: once identity is checked, destroy the document and keep only the fact."""
    request = make_request()
    document = attachment_store(
        request=request,
        content=PDF,
        original_name="id.pdf",
        kind=AttachmentKind.IDENTITY_PROOF,
        actor=SUBJECT,
        uploaded_by_subject=True,
    )
    stored_name = document.file.name
    storage = document.file.storage
    assert storage.exists(stored_name)

    with django_capture_on_commit_callbacks(execute=True):
        request = workflow.identity_decide(
            request=request,
            verified=True,
            evidence=EvidenceKind.IDENTITY_DOCUMENT,
            actor=officer_actor,
        )

    assert request.status == Status.IN_PROGRESS
    assert request.identity_status == IdentityStatus.VERIFIED
    document = Attachment.objects.get(pk=document.pk)
    assert document.is_destroyed
    assert not storage.exists(stored_name)
    decision = request.events.get(kind=EventKind.IDENTITY_VERIFIED)
    assert decision.actor_user == officer_actor.user
    assert decision.data["evidence"] == EvidenceKind.IDENTITY_DOCUMENT
    assert decision.data["documents"] == [{"attachment": document.pk, "sha256": document.sha256}]
    assert kinds(request)[-1] == EventKind.ATTACHMENT_DESTROYED


def test_identity_failed_keeps_the_request_open_for_asking_or_refusing(make_request, officer_actor):
    request = make_request()
    request = workflow.identity_decide(
        request=request, verified=False, evidence=EvidenceKind.OTHER, actor=officer_actor
    )
    assert request.status == Status.IDENTITY_CHECK
    assert request.identity_status == IdentityStatus.FAILED
    assert "refuse" in workflow.allowed_actions(request)
    request = workflow.request_refuse(
        request=request, ground=RefusalGround.IDENTITY_NOT_ESTABLISHED, actor=officer_actor
    )
    assert request.status == Status.REFUSED
    assert request.closed_at is not None


def test_unknown_evidence_kind_is_refused(make_request, officer_actor):
    request = make_request()
    with pytest.raises(workflow.InvalidInput):
        workflow.identity_decide(
            request=request, verified=True, evidence="vibes", actor=officer_actor
        )


# --- pause ----------------------------------------------------------------------------------


def test_asking_for_information_pauses_the_clock_and_the_answer_resumes_it(
    make_request, officer_actor
):
    """LEGAL.md, Pause: effective deadline = statutory + whole days waited, next working day."""
    start = datetime(2026, 3, 2, 9, tzinfo=UTC)  # Monday; due Thursday 2 April 2026
    with time_machine.travel(start, tick=False):
        request = make_request()
        assert request.due_date == date(2026, 4, 2)
        request = workflow.request_ask_information(
            request=request, message="Please send your customer number.", actor=officer_actor
        )
    assert request.status == Status.AWAITING_SUBJECT
    assert request.is_paused
    with time_machine.travel(start + timedelta(days=1, hours=23), tick=False):
        request = workflow.request_record_information(
            request=request, message="It is 12345.", actor=SUBJECT
        )
    assert request.status == Status.IDENTITY_CHECK  # back where it was
    assert request.paused_days == 1
    assert request.effective_due_date == date(2026, 4, 3)  # Good Friday is a working day in BE
    assert not request.is_paused

    # A second pause adds up; 5 whole days more -> 2 + 6 days -> Wednesday 8 April 2026.
    with time_machine.travel(start + timedelta(days=10), tick=False):
        request = workflow.request_ask_information(
            request=request, message="And a date?", actor=officer_actor
        )
    with time_machine.travel(start + timedelta(days=15, hours=1), tick=False):
        request = workflow.request_record_information(
            request=request, message="1 May", actor=SUBJECT
        )
    assert request.paused_days == 6
    assert request.effective_due_date == date(2026, 4, 8)  # 2 Apr + 6 = 8 Apr (Wednesday)
    events = request.events.filter(kind=EventKind.INFORMATION_RECEIVED).order_by("sequence")
    assert [e.data["paused"] for e in events] == [1, 5]
    assert events.first().actor_kind == ActorKind.SUBJECT


def test_subject_answer_must_say_something(make_request, officer_actor):
    request = make_request()
    request = workflow.request_ask_information(request=request, message="Why?", actor=officer_actor)
    with pytest.raises(workflow.InvalidInput):
        workflow.request_record_information(request=request, message="  ", actor=SUBJECT)


def test_ask_information_needs_a_message(make_request, officer_actor):
    request = make_request()
    with pytest.raises(workflow.InvalidInput):
        workflow.request_ask_information(request=request, message="", actor=officer_actor)
    request.refresh_from_db()
    assert request.status == Status.IDENTITY_CHECK


# --- extension ------------------------------------------------------------------------------


def test_extension_within_the_first_month(make_request, officer_actor):
    """LEGAL.md: 31 January 2026 -> extended 30 April 2026."""
    with time_machine.travel(datetime(2026, 2, 20, 10, tzinfo=UTC), tick=False):
        request = make_request(received_at=datetime(2026, 1, 31, 9, tzinfo=UTC))
        request = workflow.request_extend(
            request=request, reason="Data in four systems", actor=officer_actor
        )
    assert request.extended_due_date == date(2026, 4, 30)
    assert request.effective_due_date == date(2026, 4, 30)
    assert request.due_date == date(2026, 3, 2)
    event = request.events.get(kind=EventKind.EXTENDED)
    assert event.data["extended_due_date"] == "2026-04-30"
    assert event.payload == {"reason": "Data in four systems"}


def test_extension_only_once(make_request, officer_actor):
    request = make_request()
    request = workflow.request_extend(request=request, reason="Complex", actor=officer_actor)
    with pytest.raises(workflow.TransitionNotAllowed, match="already extended"):
        workflow.request_extend(request=request, reason="Again", actor=officer_actor)
    assert "extend" not in workflow.allowed_actions(request)


def test_extension_refused_after_the_one_month_deadline(make_request, officer_actor):
    """LEGAL.md: the product refuses an extension after the one-month deadline has passed.

    Due Monday 2 March 2026 (Brussels): still possible at 23:59 local that day, not at 00:00.
    """
    received = datetime(2026, 1, 31, 9, tzinfo=UTC)
    with time_machine.travel(datetime(2026, 3, 2, 22, 59, tzinfo=UTC), tick=False):
        late_but_in_time = make_request(received_at=received)
        assert "extend" in workflow.allowed_actions(late_but_in_time)
        workflow.request_extend(request=late_but_in_time, reason="Complex", actor=officer_actor)
    with time_machine.travel(datetime(2026, 3, 2, 23, 0, tzinfo=UTC), tick=False):
        too_late = make_request(received_at=received)
        assert "extend" not in workflow.allowed_actions(too_late)
        with pytest.raises(workflow.TransitionNotAllowed, match="deadline has passed"):
            workflow.request_extend(request=too_late, reason="Complex", actor=officer_actor)
    too_late.refresh_from_db()
    assert too_late.extended_due_date is None


def test_extension_needs_a_reason(make_request, officer_actor):
    request = make_request()
    with pytest.raises(workflow.InvalidInput):
        workflow.request_extend(request=request, reason=" ", actor=officer_actor)


def test_pause_after_extension_moves_the_extended_date(make_request, officer_actor):
    with time_machine.travel(datetime(2026, 2, 2, 9, tzinfo=UTC), tick=False):
        request = make_request(received_at=datetime(2026, 1, 31, 9, tzinfo=UTC))
        request = workflow.request_extend(request=request, reason="Complex", actor=officer_actor)
        request = workflow.request_ask_information(
            request=request, message="?", actor=officer_actor
        )
    with time_machine.travel(datetime(2026, 2, 6, 10, tzinfo=UTC), tick=False):
        request = workflow.request_record_information(request=request, message="!", actor=SUBJECT)
    assert request.paused_days == 4
    assert request.effective_due_date == date(2026, 5, 4)  # 30 Apr + 4 = 4 May (Monday)


# --- closing --------------------------------------------------------------------------------


def test_complete_with_outcome(make_request, officer_actor):
    request = verified(make_request(), officer_actor)
    request = workflow.request_complete(
        request=request, outcome=Outcome.NO_DATA, actor=officer_actor
    )
    assert request.status == Status.COMPLETED
    assert request.outcome == Outcome.NO_DATA
    assert request.closed_at is not None
    assert request.events.get(kind=EventKind.COMPLETED).data["outcome"] == Outcome.NO_DATA


def test_complete_needs_a_known_outcome_and_a_note_for_partial(make_request, officer_actor):
    request = verified(make_request(), officer_actor)
    with pytest.raises(workflow.InvalidInput, match="Unknown outcome"):
        workflow.request_complete(request=request, outcome="done-ish", actor=officer_actor)
    with pytest.raises(workflow.InvalidInput, match="note is required"):
        workflow.request_complete(
            request=request, outcome=Outcome.PARTIALLY_FULFILLED, actor=officer_actor
        )
    request.refresh_from_db()
    assert request.status == Status.IN_PROGRESS


@pytest.mark.parametrize(
    ("right", "ground", "ok"),
    [
        (Right.ERASURE, RefusalGround.LEGAL_OBLIGATION, True),
        (Right.ACCESS, RefusalGround.LEGAL_OBLIGATION, False),
        (Right.OBJECTION, RefusalGround.COMPELLING_GROUNDS, True),
        (Right.ERASURE, RefusalGround.COMPELLING_GROUNDS, False),
        (Right.ACCESS, RefusalGround.MANIFESTLY_UNFOUNDED, True),
        (Right.ACCESS, RefusalGround.EXCESSIVE, True),
        (Right.ACCESS, RefusalGround.IDENTITY_NOT_ESTABLISHED, False),  # identity not failed
        (Right.ACCESS, "because", False),
    ],
)
def test_refusal_ground_must_fit_the_right(make_request, officer_actor, right, ground, ok):
    request = verified(make_request(right=right), officer_actor)
    if ok:
        request = workflow.request_refuse(
            request=request, ground=ground, explanation="The facts.", actor=officer_actor
        )
        assert request.status == Status.REFUSED
        assert request.events.get(kind=EventKind.REFUSED).data["ground"] == ground
    else:
        with pytest.raises(workflow.InvalidInput):
            workflow.request_refuse(
                request=request, ground=ground, explanation="The facts.", actor=officer_actor
            )
        request.refresh_from_db()
        assert request.status == Status.IN_PROGRESS


def test_refusal_on_other_ground_needs_an_explanation(make_request, officer_actor):
    request = verified(make_request(), officer_actor)
    with pytest.raises(workflow.InvalidInput, match="needs an explanation"):
        workflow.request_refuse(request=request, ground=RefusalGround.OTHER, actor=officer_actor)
    request = workflow.request_refuse(
        request=request,
        ground=RefusalGround.OTHER,
        explanation="Not our customer",
        actor=officer_actor,
    )
    assert request.refusal_explanation == "Not our customer"


def test_withdraw_while_paused_counts_the_paused_days(make_request, officer_actor):
    start = datetime(2026, 3, 2, 9, tzinfo=UTC)
    with time_machine.travel(start, tick=False):
        request = make_request()
        request = workflow.request_ask_information(
            request=request, message="?", actor=officer_actor
        )
    with time_machine.travel(start + timedelta(days=2, hours=1), tick=False):
        request = workflow.request_withdraw(request=request, actor=SUBJECT, reason="Solved")
    assert request.status == Status.WITHDRAWN
    assert request.paused_days == 2
    assert not request.is_paused
    assert request.events.get(kind=EventKind.WITHDRAWN).actor_kind == ActorKind.SUBJECT


def test_notes_are_allowed_on_closed_requests_and_need_text(make_request, officer_actor):
    request = make_request()
    request = workflow.request_withdraw(request=request, actor=officer_actor)
    workflow.request_add_note(
        request=request, text="Subject phoned to confirm", actor=officer_actor
    )
    with pytest.raises(workflow.InvalidInput):
        workflow.request_add_note(request=request, text="", actor=officer_actor)
    assert kinds(request)[-1] == EventKind.NOTE


def test_every_change_is_in_a_verifying_chain(make_request, officer_actor, organization):
    request = verified(make_request(), officer_actor)
    workflow.request_extend(request=request, reason="Complex", actor=officer_actor)
    workflow.request_complete(request=request, outcome=Outcome.FULFILLED, actor=officer_actor)
    result = audit.verify(organization)
    assert result.ok, str(result)
    assert result.checked == 4
