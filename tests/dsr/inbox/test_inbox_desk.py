"""The desk's inbox pages: the list, an item, and the three decisions through the forms."""

from __future__ import annotations

import uuid
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse

from accounts.models import Role
from dsr.models import AttachmentKind, EventKind, InboundStatus, Request
from tests.builders import blank_pdf
from tests.conftest import make_user
from tests.dsr.inbox.inbox_helpers import inbound_item

pytestmark = pytest.mark.django_db
BRUSSELS = ZoneInfo("Europe/Brussels")


def once() -> str:
    return str(uuid.uuid4())


def test_the_list_shows_the_organisations_items_newest_first(
    desk_client, organization, other_organization, officer
):
    older = inbound_item(
        organization,
        subject="Opt-out nieuwsbrief",
        body="Schrijf mij uit.",
        received_at=datetime(2026, 3, 2, 9, 15, tzinfo=BRUSSELS),
    )
    newer = inbound_item(
        organization,
        sender="jcarter@example.co.uk",
        sender_name="James Carter",
        subject="Subject access request",
        body="This is a subject access request. Please send a copy of my personal data.",
        received_at=datetime(2026, 3, 14, 16, 40, tzinfo=BRUSSELS),
    )
    inbound_item(other_organization, subject="Maxem secret")
    inbound_item(organization, subject="Out of office", status=InboundStatus.AUTO_REPLY)

    response = desk_client(officer).get(reverse("desk:inbox"))

    assert response.status_code == 200
    assert [row["item"] for row in response.context["rows"]] == [newer, older]
    html = response.content.decode()
    assert "Maxem secret" not in html and "Out of office" not in html
    assert "14/03/2026 16:40" in html and "02/03/2026 09:15" in html
    assert "James Carter" in html and "jcarter@example.co.uk" in html
    assert "Access (Art. 15)" in html and "Objection (Art. 21)" in html
    # The top bar counts the items to decide.
    assert 'class="inbox-link">Inbox <span class="count"' in html


def test_the_list_costs_a_fixed_number_of_queries(
    desk_client, organization, officer, django_assert_max_num_queries
):
    client = desk_client(officer)
    for number in range(12):
        inbound_item(organization, subject=f"Verzoek {number}", files=[("a.pdf", blank_pdf())])
    with django_assert_max_num_queries(14):
        response = client.get(reverse("desk:inbox"))
    assert len(response.context["rows"]) == 12


def test_the_item_page_shows_the_text_the_suggestion_and_the_files(
    desk_client, organization, officer
):
    item = inbound_item(organization, files=[("kopie.pdf", blank_pdf())])
    response = desk_client(officer).get(reverse("desk:inbox_item", args=[item.pk]))
    html = response.content.decode()
    assert response.status_code == 200
    assert "Ik wil inzage in mijn gegevens" in html
    assert "suggested because:" in html and "“Inzage”" in html and "“verwijderen”" in html
    form = response.context["forms"]["convert"]
    assert form["rights"].initial == ["access", "erasure"]
    assert form["language"].initial == "nl"
    assert form["subject_name"].initial == "Sanne de Vries"
    assert form["subject_email"].initial == "sanne.devries@example.nl"
    attachment = item.attachments.get()
    file_url = reverse("desk:inbox_file", args=[item.pk, attachment.pk])
    assert file_url in html
    download = desk_client(officer).get(file_url)
    assert download.status_code == 200 and download.content.startswith(b"%PDF")
    assert download["X-Content-Type-Options"] == "nosniff"
    assert download["Content-Disposition"].startswith("attachment")


def test_the_original_eml_is_for_officers(desk_client, organization, officer, viewer):
    item = inbound_item(organization)
    url = reverse("desk:inbox_original", args=[item.pk])
    response = desk_client(officer).get(url)
    assert response.status_code == 200
    assert response["Content-Type"] == "message/rfc822"
    assert response["Content-Disposition"].startswith("attachment")
    assert b"Subject: Inzage en verwijderen" in response.content
    assert desk_client(viewer).get(url).status_code == 403


def test_turn_into_two_requests_in_one_click(desk_client, organization, officer):
    received = datetime(2026, 3, 2, 9, 15, tzinfo=BRUSSELS)
    item = inbound_item(organization, received_at=received)
    response = desk_client(officer).post(
        reverse("desk:inbox_convert", args=[item.pk]),
        {
            "rights": ["access", "erasure"],
            "language": "nl",
            "subject_name": "Sanne de Vries",
            "subject_email": "sanne.devries@example.nl",
            "form_once": once(),
        },
    )
    created = list(Request.objects.order_by("reference"))
    assert [r.right for r in created] == ["access", "erasure"]
    assert response.status_code == 302
    assert response.url == reverse("desk:request", args=[created[0].reference])
    for request_obj in created:
        assert request_obj.received_at == received and request_obj.channel == "email"
        assert request_obj.attachments.filter(kind=AttachmentKind.ORIGINAL_EMAIL).exists()
    page = desk_client(officer).get(response.url).content.decode()
    assert "2 March 2026, 09:15" in page and "(E-mail" in page
    assert ".eml" in page
    item.refresh_from_db()
    assert item.status == InboundStatus.CONVERTED


def test_the_same_form_sent_twice_creates_the_requests_once(desk_client, organization, officer):
    item = inbound_item(organization)
    client = desk_client(officer)
    data = {
        "rights": ["access"],
        "language": "nl",
        "subject_name": "Sanne",
        "subject_email": "sanne.devries@example.nl",
        "form_once": once(),
    }
    first = client.post(reverse("desk:inbox_convert", args=[item.pk]), data)
    second = client.post(reverse("desk:inbox_convert", args=[item.pk]), data)
    assert first.url == second.url
    assert Request.objects.count() == 1


def test_bad_convert_input_is_a_400_and_nothing_is_created(desk_client, organization, officer):
    item = inbound_item(organization)
    client = desk_client(officer)
    url = reverse("desk:inbox_convert", args=[item.pk])
    for data in (
        {"rights": [], "language": "nl", "subject_name": "S", "subject_email": "s@example.nl"},
        {"rights": ["fly"], "language": "nl", "subject_name": "S", "subject_email": "s@e.nl"},
        {"rights": ["access"], "language": "de", "subject_name": "S", "subject_email": "s@e.nl"},
        {"rights": ["access"], "language": "nl", "subject_name": "", "subject_email": "s@e.nl"},
        {"rights": ["access"], "language": "nl", "subject_name": "S", "subject_email": "nope"},
        {
            "rights": ["access"],
            "language": "nl",
            "subject_name": "S",
            "subject_email": "s@e.nl",
            "direct_marketing": "on",
        },
    ):
        response = client.post(url, {**data, "form_once": once()})
        assert response.status_code == 400, data
    assert not Request.objects.exists()
    item.refresh_from_db()
    assert item.status == InboundStatus.NEW


def test_not_a_request_needs_a_reason(desk_client, organization, officer):
    item = inbound_item(organization, subject="Factuur", body="Vraag over mijn factuur.")
    client = desk_client(officer)
    url = reverse("desk:inbox_not_request", args=[item.pk])
    refused = client.post(url, {"reason": "  ", "form_once": once()})
    assert refused.status_code == 400
    assert "This field is required." in refused.content.decode()
    done = client.post(url, {"reason": "Invoice question", "form_once": once()})
    assert done.status_code == 302 and done.url == reverse("desk:inbox")
    item.refresh_from_db()
    assert item.status == InboundStatus.NOT_REQUEST
    # A decided item offers no decision any more, and a late second decision changes nothing.
    page = client.get(reverse("desk:inbox_item", args=[item.pk]))
    assert page.context["forms"] == {} and "Invoice question" in page.content.decode()
    late = client.post(
        reverse("desk:inbox_link", args=[item.pk]), {"reference": "X", "form_once": once()}
    )
    assert late.status_code == 302
    item.refresh_from_db()
    assert item.status == InboundStatus.NOT_REQUEST


def test_link_to_an_existing_request(desk_client, organization, officer, make_request):
    existing = make_request(right="erasure", subject_email="sanne.devries@example.nl")
    item = inbound_item(organization, subject="Re: mijn verzoek", body="Mijn klantnummer is 4711.")
    client = desk_client(officer)
    page = client.get(reverse("desk:inbox_item", args=[item.pk]))
    assert existing.reference in page.context["link_references"]
    response = client.post(
        reverse("desk:inbox_link", args=[item.pk]),
        {"reference": existing.reference, "form_once": once()},
    )
    assert response.status_code == 302
    assert response.url == reverse("desk:request", args=[existing.reference])
    request_page = client.get(response.url).content.decode()
    assert "Mijn klantnummer is 4711." in request_page
    assert existing.events.filter(kind=EventKind.INBOX_LINKED).exists()


def test_link_to_an_unknown_reference_is_a_400(desk_client, organization, officer):
    item = inbound_item(organization)
    response = desk_client(officer).post(
        reverse("desk:inbox_link", args=[item.pk]), {"reference": "OPM-1999-1", "form_once": once()}
    )
    assert response.status_code == 400
    assert "There is no request OPM-1999-1 in this organisation." in response.content.decode()


def test_viewers_see_but_cannot_act(desk_client, organization, viewer):
    item = inbound_item(organization)
    client = desk_client(viewer)
    page = client.get(reverse("desk:inbox_item", args=[item.pk]))
    assert page.status_code == 200 and page.context["forms"] == {}
    assert "Viewers see everything and act on nothing." in page.content.decode()
    # No count for viewers: they do not decide.
    assert 'class="inbox-link">Inbox</a>' in page.content.decode()
    for name, data in (
        ("desk:inbox_convert", {"rights": ["access"], "language": "nl"}),
        ("desk:inbox_not_request", {"reason": "no"}),
        ("desk:inbox_link", {"reference": "OPM-2026-00001"}),
    ):
        response = client.post(reverse(name, args=[item.pk]), {**data, "form_once": once()})
        assert response.status_code == 403
    item.refresh_from_db()
    assert item.status == InboundStatus.NEW


def test_a_member_of_two_organisations_acts_where_they_may(
    desk_client, organization, other_organization
):
    """An officer here and a viewer there: the role of the item's organisation counts."""
    user = make_user("both@example.be", organization, Role.OFFICER)
    from accounts.models import Membership

    Membership.objects.create(user=user, organization=other_organization, role=Role.VIEWER)
    theirs = inbound_item(other_organization)
    response = desk_client(user).post(
        reverse("desk:inbox_not_request", args=[theirs.pk]), {"reason": "x", "form_once": once()}
    )
    assert response.status_code == 403
