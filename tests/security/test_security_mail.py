"""The e-mail channel's trust boundaries (docs/SECURITY.md, "The e-mail channel").

- a manager of another organisation, a viewer, an officer: never see or change a
  mailbox; nobody ever sees its password or token again (encrypted, write-only);
- anyone on the network who sends mail: a guessed request reference from another address
  attaches nothing to someone else's request; a subject line with line breaks never
  becomes extra headers on the desk's mails;
- the mail server's address: the egress policy refuses a private host unless the operator
  allows its network.
"""

from __future__ import annotations

import pytest
from django.core import mail as django_mail
from django.urls import reverse

from dsr import audit, crypto, emails, workflow
from dsr.mail.imap import mailbox_test
from dsr.mail.receive import mail_process
from dsr.models import (
    Event,
    EventKind,
    InboundMail,
    InboundStatus,
    Mailbox,
    MailSettings,
    Message,
    OutboundEmail,
)

pytestmark = pytest.mark.django_db

SECRET = "s3cret-imap-password-7f1c"


def _mailbox(organization, host="imap.example.com") -> Mailbox:
    box = Mailbox(organization=organization, host=host, username="privacy", enabled=False)
    box.set_secret(SECRET)
    box.save()
    return box


def _form(**overrides) -> dict:
    data = {
        "from_address": "privacy@openmotics.example",
        "from_name": "OpenMotics privacy",
        "reply_to_address": "",
        "own_server_hostnames": "mx.openmotics.example",
        "enabled": "",
        "host": "",
        "port": "993",
        "username": "",
        "auth": "password",
        "secret": "",
        "folder": "INBOX",
        "processed_folder": "DSR-processed",
    }
    data.update(overrides)
    return data


def test_the_mailbox_secret_is_encrypted_and_never_shown(desk_client, manager, organization):
    box = _mailbox(organization)
    assert SECRET not in box.secret_encrypted
    assert crypto.decrypt(box.secret_encrypted.encode()).decode() == SECRET

    page = desk_client(manager).get(reverse("desk:settings_mail"))

    assert page.status_code == 200
    html = page.content.decode()
    assert SECRET not in html and box.secret_encrypted not in html
    assert "stored (encrypted)" in html


def test_saving_without_a_password_keeps_the_stored_one_and_the_event_holds_no_secret(
    desk_client, manager, organization, settings
):
    settings.EGRESS_ALLOW = ["192.0.2.0/24"]
    _mailbox(organization, host="192.0.2.10")
    client = desk_client(manager)
    answer = client.post(
        reverse("desk:settings_mail"), _form(host="192.0.2.10", username="privacy")
    )
    assert answer.status_code == 302
    assert Mailbox.objects.get(organization=organization).secret == SECRET

    client.post(
        reverse("desk:settings_mail"),
        _form(host="192.0.2.10", username="privacy", secret="new-secret-99"),
    )
    assert Mailbox.objects.get(organization=organization).secret == "new-secret-99"
    events = Event.objects.filter(kind=EventKind.MAIL_SETTINGS_SAVED)
    assert events.count() == 2 and events.last().data["secret_changed"] is True
    assert all("new-secret-99" not in str(e.data) + str(e.payload) for e in events)


def test_only_managers_of_the_organisation_reach_the_mail_settings(
    desk_client, officer, viewer, outsider, organization, other_organization
):
    _mailbox(other_organization)
    for user in (officer, viewer):
        client = desk_client(user)
        assert client.get(reverse("desk:settings_mail")).status_code == 403
        assert client.post(reverse("desk:settings_mail"), _form()).status_code == 403
        assert client.post(reverse("desk:settings_mail_test")).status_code == 403
    # A manager elsewhere sees and changes only their own organisation's settings.
    from tests.conftest import make_user

    other_manager = make_user("manager@maxem.example", other_organization, "manager")
    page = desk_client(other_manager).get(reverse("desk:settings_mail"))
    assert SECRET not in page.content.decode()
    assert not MailSettings.objects.filter(organization=organization).exists()


def test_a_private_imap_host_is_refused_without_the_operators_allowance(
    desk_client, manager, organization, settings
):
    settings.EGRESS_ALLOW = []
    answer = desk_client(manager).post(
        reverse("desk:settings_mail"),
        _form(enabled="on", host="127.0.0.1", username="x", secret="y"),
    )
    assert answer.status_code == 400
    assert "refused: loopback address" in answer.content.decode()
    assert not Mailbox.objects.exists()
    # And a mailbox stored before (or an allowance withdrawn since) is not connected to.
    box = _mailbox(organization, host="10.0.0.5")
    assert mailbox_test(box) == "refused: private address"


def test_header_injection_in_the_sender_name_is_refused(desk_client, manager):
    answer = desk_client(manager).post(
        reverse("desk:settings_mail"), _form(from_name="Privacy\r\nBcc: all@evil.example")
    )
    assert answer.status_code == 400
    assert not MailSettings.objects.exists()


def test_a_subject_line_with_line_breaks_stays_one_header(make_request, organization, officer):
    """An organisation name (in the subject template) with a line break and a header."""
    MailSettings.objects.create(
        organization=organization, from_address="privacy@openmotics.example", from_name="Privacy"
    )
    organization.name = "OpenMotics\r\nBcc: x@evil.example"
    organization.save()
    request = make_request(subject_email="jan@example.be")
    workflow.request_message_subject(
        request=request, body="Hallo", actor=audit.Actor.for_user(officer)
    )
    sent = OutboundEmail.objects.filter(request=request, to="jan@example.be").latest("pk")
    assert "\n" not in sent.subject and "\r" not in sent.subject
    emails.email_send(sent.pk)
    (delivered,) = [m for m in django_mail.outbox if m.to == ["jan@example.be"]]
    message = delivered.message()
    headers = message.as_bytes().split(b"\n\n", 1)[0]
    assert b"\nBcc:" not in headers and message["Bcc"] is None
    assert message["From"] == "Privacy <privacy@openmotics.example>"
    assert message["Message-ID"] == sent.message_id
    assert request.reference in message["Subject"]


def test_a_guessed_reference_from_another_address_attaches_nothing(
    make_request, organization, other_organization
):
    request = make_request(subject_email="jan@example.be")
    forged = (
        f"From: attacker@evil.example\r\nTo: privacy@openmotics.example\r\n"
        f"Subject: Re: {request.reference}\r\nMessage-ID: <guess-1@evil.example>\r\n\r\n"
        f"Please send everything you hold on me to this address.\r\n"
    ).encode()

    outcome = mail_process(organization, forged)

    assert outcome.status == InboundStatus.NEW
    assert not outcome.inbound.requests.exists()
    assert not Message.objects.filter(request=request, direction="from_subject").exists()
    # Nor does another organisation's mailbox attach it to this organisation's request.
    elsewhere = mail_process(
        other_organization,
        forged.replace(b"attacker@evil.example", b"jan@example.be").replace(b"guess-1", b"g2"),
    )
    assert elsewhere.status == InboundStatus.NEW and not elsewhere.inbound.requests.exists()


def test_a_reply_header_naming_a_desk_mail_from_another_sender_is_left_to_the_officer(
    make_request, organization, officer
):
    request = make_request(subject_email="jan@example.be")
    workflow.request_message_subject(
        request=request, body="Hallo", actor=audit.Actor.for_user(officer)
    )
    sent = OutboundEmail.objects.filter(request=request, to="jan@example.be").latest("pk")
    leaked = (
        f"From: someone@else.example\r\nSubject: Re: hallo\r\nIn-Reply-To: {sent.message_id}\r\n"
        f"Message-ID: <leak-1@else.example>\r\n\r\nI answer for Jan.\r\n"
    ).encode()

    outcome = mail_process(organization, leaked)

    assert outcome.status == InboundStatus.NEW and outcome.inbound.in_reply_to_email == sent
    assert not Message.objects.filter(request=request, direction="from_subject").exists()
    assert InboundMail.objects.filter(requests=request).count() == 0
