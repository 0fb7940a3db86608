"""The demo's mailbox: iLumen's mails go through the real intake at `load_demo`."""

from __future__ import annotations

import pytest
from django.core.management import call_command
from django.urls import reverse

from accounts.models import Organization, User
from dsr.models import EventKind, InboundMail, InboundStatus

pytestmark = pytest.mark.django_db


def load() -> None:
    call_command("load_demo", stdout=open("/dev/null", "w"))  # noqa: SIM115


def test_the_demo_fills_ilumens_inbox_through_the_intake(desk_client):
    load()
    ilumen = Organization.objects.get(slug="ilumen")
    mails = InboundMail.objects.filter(organization=ilumen)
    assert mails.count() == 13
    assert mails.filter(status=InboundStatus.NEW).count() == 10
    assert mails.filter(status=InboundStatus.NOT_REQUEST).count() == 1
    assert mails.filter(status=InboundStatus.AUTO_REPLY).count() == 1
    assert set(mails.values_list("received_at_source", flat=True)) == {"received_header"}
    guesses = {m.subject: (m.language_guess, m.rights_guess) for m in mails}
    assert guesses["Inzage in en verwijderen van mijn gegevens"] == ("nl", ["access", "erasure"])
    assert guesses["Subject access request - Oliver Bennett"] == ("en", ["access"])
    assert guesses["geen nieuwsbrief meer aub"] == ("nl", ["objection"])
    assert guesses["Wanneer komt de installateur?"] == ("nl", [])
    assert guesses["Mijn productiegegevens meenemen"] == ("nl", ["portability"])
    # The reply found its request and is on its timeline, not in the inbox.
    reply = mails.get(status=InboundStatus.REPLY)
    request_obj = reply.requests.get()
    assert request_obj.reference in reply.subject
    assert request_obj.events.filter(kind=EventKind.MAIL_REPLY_RECEIVED).exists()
    # Nothing is added when the demo is loaded again.
    load()
    assert InboundMail.objects.filter(organization=ilumen).count() == 13

    officer = User.objects.get(email="jens.vanhecke@ilumen.example")
    page = desk_client(officer).get(reverse("desk:inbox"))
    assert len(page.context["rows"]) == 10
    html = page.content.decode()
    assert "Sanne De Vos" in html and "Automatic reply" not in html
    assert 'class="inbox-link">Inbox <span class="count"' in html
