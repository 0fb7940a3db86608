"""Messages to and from the subject, and the e-mails they cause (dsr/emails.py)."""

from __future__ import annotations

from django.core import mail

from dsr import audit, emails, workflow
from dsr.models import EventKind, Message, OutboundEmail, Status
from tests.builders import blank_pdf, identity_document

SUBJECT = audit.Actor.subject()


def send_all() -> None:
    for email in OutboundEmail.objects.filter(sent_at__isnull=True):
        emails.email_send(email.pk)


def test_asking_for_information_writes_to_the_status_page_and_mails_the_subject(
    make_request, officer_actor, django_capture_on_commit_callbacks
):
    request = make_request(language="nl", subject_name="Jan <b>Peeters</b>")
    with django_capture_on_commit_callbacks() as callbacks:
        workflow.request_ask_information(
            request=request,
            message="Wat is uw klantnummer? <script>x()</script>",
            actor=officer_actor,
        )
    assert len(callbacks) == 1  # the send is enqueued only after commit
    message = Message.objects.get(request=request)
    assert message.direction == Message.Direction.TO_SUBJECT
    assert message.kind == Message.Kind.INFORMATION_REQUEST
    send_all()
    (sent,) = mail.outbox
    assert sent.to == ["jan.peeters@example.com"]
    assert sent.reply_to == ["privacy@openmotics.example"]
    assert request.reference in sent.subject
    assert "\n" not in sent.subject
    assert f"/r/{request.public_token}/" in sent.body
    assert "Wat is uw klantnummer?" in sent.body
    html = sent.alternatives[0][0]
    assert "&lt;script&gt;" in html and "<script>" not in html
    assert "Jan &lt;b&gt;Peeters&lt;/b&gt;" in html
    assert "gepauzeerd" in sent.body  # written in the subject's language (Dutch)


def test_sending_is_idempotent_and_records_failures(make_request, officer_actor, settings):
    request = make_request()
    workflow.request_message_subject(request=request, body="Hello", actor=officer_actor)
    email = OutboundEmail.objects.get()
    assert emails.email_send(email.pk)
    assert emails.email_send(email.pk)
    assert len(mail.outbox) == 1
    email.refresh_from_db()
    assert email.sent_at is not None and email.attempts == 1


def test_failed_send_keeps_the_mail_for_a_retry(make_request, officer_actor, settings):
    import pytest

    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", 9  # nothing listens there
    request = make_request()
    workflow.request_message_subject(request=request, body="Hello", actor=officer_actor)
    email = OutboundEmail.objects.get()
    with pytest.raises(OSError):
        emails.email_send(email.pk)
    email.refresh_from_db()
    assert email.sent_at is None and email.attempts == 1 and "Error" in email.last_error


def test_subject_answer_with_a_file_resumes_and_tells_the_assignee(
    make_request, officer, officer_actor
):
    request = make_request()
    workflow.request_assign(request=request, assignee=officer, actor=officer_actor)
    request = workflow.request_ask_information(request=request, message="ID?", actor=officer_actor)
    scan = identity_document(request, blank_pdf(), "id.pdf")
    request = workflow.request_record_information(
        request=request, message="", attachments=[scan], actor=SUBJECT
    )
    assert request.status == Status.IDENTITY_CHECK
    answer = Message.objects.get(request=request, direction=Message.Direction.FROM_SUBJECT)
    assert list(answer.attachments.all()) == [scan]
    to_officer = OutboundEmail.objects.get(template="subject_answered")
    assert to_officer.to == officer.email


def test_unassigned_answer_tells_every_officer_and_manager_not_viewers(
    make_request, officer, manager, viewer, officer_actor
):
    request = make_request()
    request = workflow.request_ask_information(request=request, message="ID?", actor=officer_actor)
    workflow.request_record_information(request=request, message="Here", actor=SUBJECT)
    told = set(
        OutboundEmail.objects.filter(template="subject_answered").values_list("to", flat=True)
    )
    assert told == {officer.email, manager.email}


def test_message_to_subject_is_an_event_and_allowed_after_closing(make_request, officer_actor):
    request = make_request()
    request = workflow.request_withdraw(request=request, actor=SUBJECT)
    message = workflow.request_message_subject(
        request=request, body="Confirmed.", actor=officer_actor
    )
    event = request.events.get(kind=EventKind.MESSAGE_SENT)
    assert event.data["message"] == message.pk
    assert event.payload == {"body": "Confirmed."}


def test_unsent_finds_only_old_unsent_mails(make_request, officer_actor):
    from datetime import timedelta

    import time_machine
    from django.utils import timezone

    request = make_request()
    workflow.request_message_subject(request=request, body="Hello", actor=officer_actor)
    assert emails.unsent().count() == 0
    with time_machine.travel(timezone.now() + timedelta(minutes=6)):
        assert emails.unsent().count() == 1
