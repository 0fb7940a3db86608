"""The request page: dates, identity, one timeline, and every action through the workflow,
offered by state and role."""

from __future__ import annotations

import pytest
from django.urls import reverse

from dsr import audit, workflow
from dsr.desk.forms import request_version
from dsr.models import (
    Attachment,
    Event,
    EventKind,
    Message,
    OutboundEmail,
    ReplyTemplate,
    Status,
)
from tests import builders
from tests.dsr.desk.desk_helpers import assigned, completed, days_ago, verified


def page_url(request_obj) -> str:
    return reverse("desk:request", args=[request_obj.reference])


def action_url(request_obj, name: str) -> str:
    return reverse(f"desk:request_{name}", args=[request_obj.reference])


def act(client, request_obj, name: str, data: dict | None = None, **options):
    request_obj.refresh_from_db()
    payload = {"version": request_version(request_obj), **(data or {})}
    return client.post(action_url(request_obj, name), payload, **options)


@pytest.fixture
def identity_document(make_request):
    request_obj = make_request()
    return request_obj, builders.identity_document(request_obj)


def test_the_page_shows_the_three_dates_days_left_and_identity(desk_client, officer, make_request):
    request_obj = workflow.request_extend(
        request=make_request(received_at=days_ago(3)),
        reason="Eleven systems to search",
        actor=audit.Actor.for_user(officer),
    )
    response = desk_client(officer).get(page_url(request_obj))
    html = response.content.decode()
    assert "Statutory due date" in html and "Extended due date" in html
    assert "Effective due date" in html and "Eleven systems to search" in html
    assert (
        response.context["badge"].days_left
        == (request_obj.effective_due_date - response.context["today"]).days
    )
    assert "Not checked yet" in html


def test_the_timeline_holds_events_and_messages_in_order(desk_client, officer, make_request):
    request_obj = make_request()
    actor = audit.Actor.for_user(officer)
    workflow.request_add_note(request=request_obj, text="Called the customer", actor=actor)
    workflow.request_ask_information(
        request=request_obj, message="Your customer number?", actor=actor
    )
    response = desk_client(officer).get(page_url(request_obj))
    entries = response.context["timeline"]
    kinds = [entry.event.kind for entry in entries]
    assert kinds == ["request.received", "request.note", "information.requested"]
    assert entries[2].message.body == "Your customer number?"
    html = response.content.decode()
    assert html.index("Called the customer") < html.index("Your customer number?")


def test_an_officer_checks_identity_with_the_document_inline_then_it_is_destroyed(
    desk_client, officer, identity_document
):
    request_obj, document = identity_document
    client = desk_client(officer)
    page = client.get(page_url(request_obj)).content.decode()
    file_url = reverse("desk:request_file", args=[request_obj.reference, document.pk])
    assert f'src="{file_url}"' in page
    served = client.get(file_url)
    assert served.status_code == 200
    assert served["Content-Type"] == "image/png"
    assert served["Content-Disposition"].startswith("inline")
    assert served["X-Content-Type-Options"] == "nosniff"
    assert "default-src 'none'" in served["Content-Security-Policy"]
    assert "sandbox" in served["Content-Security-Policy"]
    assert served["X-Frame-Options"] == "SAMEORIGIN"
    assert "no-store" in served["Cache-Control"]
    assert served.content.startswith(b"\x89PNG")
    # Each view of an identity document is in the record: who, when, which file.
    viewed = Event.objects.get(request=request_obj, kind=EventKind.ATTACHMENT_VIEWED)
    assert viewed.actor_user == officer
    assert viewed.data == {"attachment": document.pk, "sha256": document.sha256}
    assert client.head(file_url).status_code == 200
    assert Event.objects.filter(kind=EventKind.ATTACHMENT_VIEWED).count() == 1  # HEAD: no view

    response = act(
        client,
        request_obj,
        "identity",
        {"decision": "verified", "evidence": "identity_document", "note": "Photo masked"},
        follow=True,
    )
    assert b"Identity decision recorded." in response.content
    assert b"was destroyed on" in response.content
    assert document.sha256.encode() in response.content
    request_obj.refresh_from_db()
    assert request_obj.status == Status.IN_PROGRESS
    assert Attachment.objects.get(pk=document.pk).is_destroyed
    assert client.get(file_url).status_code == 410


def test_viewers_do_not_see_identity_documents(desk_client, viewer, identity_document):
    request_obj, document = identity_document
    client = desk_client(viewer)
    page = client.get(page_url(request_obj)).content.decode()
    assert "only officers can see it" in page
    file_url = reverse("desk:request_file", args=[request_obj.reference, document.pk])
    assert client.get(file_url).status_code == 403
    assert not Event.objects.filter(kind=EventKind.ATTACHMENT_VIEWED).exists()


def test_identity_that_cannot_be_established_keeps_the_request_open_and_allows_refusal(
    desk_client, officer, make_request
):
    request_obj = make_request()
    client = desk_client(officer)
    act(client, request_obj, "identity", {"decision": "failed", "evidence": "other"})
    request_obj.refresh_from_db()
    assert request_obj.identity_status == "failed" and request_obj.status == Status.IDENTITY_CHECK
    response = act(client, request_obj, "refuse", {"ground": "identity_not_established"})
    assert response.status_code == 302
    request_obj.refresh_from_db()
    assert request_obj.status == Status.REFUSED


def test_asking_for_information_pauses_the_clock_and_mails_the_subject(
    desk_client, officer, make_request
):
    request_obj = make_request()
    response = act(
        desk_client(officer), request_obj, "ask", {"message": "Please send your customer number"}
    )
    assert response.status_code == 302
    request_obj.refresh_from_db()
    assert request_obj.status == Status.AWAITING_SUBJECT and request_obj.paused_since
    message = Message.objects.get(request=request_obj)
    assert message.kind == "information_request"
    mail = OutboundEmail.objects.get(request=request_obj)
    assert mail.to == request_obj.subject_email
    assert "Please send your customer number" in mail.text_body


def test_recording_an_answer_received_by_post(desk_client, officer, make_request):
    request_obj = workflow.request_ask_information(
        request=make_request(), message="Customer number?", actor=audit.Actor.for_user(officer)
    )
    act(desk_client(officer), request_obj, "answer", {"message": "Letter: C-1234"})
    request_obj.refresh_from_db()
    assert request_obj.status == Status.IDENTITY_CHECK and request_obj.paused_since is None


def test_extend_with_reasons(desk_client, officer, make_request):
    request_obj = make_request(received_at=days_ago(5))
    act(desk_client(officer), request_obj, "extend", {"reason": "Data in eleven systems"})
    request_obj.refresh_from_db()
    assert (
        request_obj.extended_due_date and request_obj.extension_reason == "Data in eleven systems"
    )
    assert request_obj.effective_due_date >= request_obj.extended_due_date


def test_extend_without_a_reason_is_refused_and_keeps_the_form(desk_client, officer, make_request):
    request_obj = make_request()
    response = act(desk_client(officer), request_obj, "extend", {"reason": "  "})
    assert response.status_code == 400
    assert b"This field is required." in response.content
    request_obj.refresh_from_db()
    assert request_obj.extended_due_date is None


def test_refuse_with_a_ground_that_fits_the_right(desk_client, officer, make_request):
    erasure = make_request(right="erasure")
    access = make_request(right="access")
    client = desk_client(officer)
    page = client.get(page_url(access)).content.decode()
    assert "Legal claims (Art. 17(3)(e), 21(1))" not in page  # only for erasure
    assert 'value="legal_claims"' in client.get(page_url(erasure)).content.decode()
    response = act(client, access, "refuse", {"ground": "legal_claims"})
    assert response.status_code == 400  # tampered: not one of the offered grounds
    access.refresh_from_db()
    assert access.status == Status.IDENTITY_CHECK
    act(client, erasure, "refuse", {"ground": "legal_claims", "explanation": "Dispute pending"})
    erasure.refresh_from_db()
    assert erasure.status == Status.REFUSED and erasure.refusal_ground == "legal_claims"


def test_refusing_on_other_needs_an_explanation(desk_client, officer, make_request):
    request_obj = make_request()
    response = act(desk_client(officer), request_obj, "refuse", {"ground": "other"})
    assert response.status_code == 400
    assert b"needs an explanation of why it applies" in response.content


def test_complete_with_an_outcome(desk_client, officer, make_request):
    request_obj = verified(make_request(), officer)
    act(desk_client(officer), request_obj, "complete", {"outcome": "no_data"})
    request_obj.refresh_from_db()
    assert request_obj.status == Status.COMPLETED and request_obj.outcome == "no_data"


def test_withdraw(desk_client, officer, make_request):
    request_obj = make_request()
    act(desk_client(officer), request_obj, "withdraw", {"reason": "Subject called"})
    request_obj.refresh_from_db()
    assert request_obj.status == Status.WITHDRAWN


def test_take_and_assign(desk_client, officer, manager, make_request):
    request_obj = make_request()
    client = desk_client(officer)
    act(client, request_obj, "take")
    request_obj.refresh_from_db()
    assert request_obj.assignee == officer
    assert "take" not in [p.name for p in client.get(page_url(request_obj)).context["panels"]]
    act(client, request_obj, "assign", {"assignee": str(manager.pk)})
    request_obj.refresh_from_db()
    assert request_obj.assignee == manager


def test_assigning_to_a_tampered_person_is_refused(
    desk_client, officer, outsider, viewer, make_request
):
    request_obj = make_request()
    client = desk_client(officer)
    for who in (outsider, viewer):
        response = act(client, request_obj, "assign", {"assignee": str(who.pk)})
        assert response.status_code == 400
    request_obj.refresh_from_db()
    assert request_obj.assignee is None


def test_notes_stay_internal(desk_client, officer, make_request):
    request_obj = make_request()
    response = desk_client(officer).post(
        action_url(request_obj, "note"), {"text": "Customer is a colleague"}, follow=True
    )
    assert b"Customer is a colleague" in response.content
    assert not Message.objects.filter(request=request_obj).exists()
    assert not OutboundEmail.objects.filter(request=request_obj).exists()


def test_message_the_subject_from_a_reply_template_for_the_right_and_language(
    desk_client, officer, organization, make_request
):
    request_obj = make_request(right="access", language="nl", subject_name="Els Maes")
    ReplyTemplate.objects.create(
        organization=organization, name="Inzage", right="access", language="nl",
        body="Beste {name}, uw verzoek {reference} is in behandeling.",
    )  # fmt: skip
    ReplyTemplate.objects.create(
        organization=organization, name="Erasure EN", right="erasure", language="en", body="x"
    )
    client = desk_client(officer)
    page = client.get(page_url(request_obj))
    assert [t.name for t in page.context["reply_templates"]] == ["Inzage"]
    template = page.context["reply_templates"][0]
    filled = client.get(page_url(request_obj), {"template": template.pk}).content.decode()
    body = f"Beste Els Maes, uw verzoek {request_obj.reference} is in behandeling."
    assert body in filled
    client.post(action_url(request_obj, "message"), {"body": body})
    assert Message.objects.get(request=request_obj).body == body
    assert OutboundEmail.objects.filter(request=request_obj, template="message_to_subject").exists()


def test_actions_are_offered_by_state(desk_client, officer, make_request):
    client = desk_client(officer)
    fresh = make_request()
    names = {p.name for p in client.get(page_url(fresh)).context["panels"]}
    assert {"identity", "ask", "refuse", "withdraw", "note", "message"} <= names
    assert "complete" not in names
    done = completed(make_request(), officer)
    names = {p.name for p in client.get(page_url(done)).context["panels"]}
    assert names == {"note", "message"}


def test_an_action_the_state_does_not_allow_is_a_409_and_changes_nothing(
    desk_client, officer, make_request
):
    request_obj = make_request()
    response = act(desk_client(officer), request_obj, "complete", {"outcome": "fulfilled"})
    assert response.status_code == 409
    assert b"Cannot complete a request in status" in response.content
    request_obj.refresh_from_db()
    assert request_obj.status == Status.IDENTITY_CHECK


def test_an_action_on_a_stale_page_is_refused(desk_client, officer, manager, make_request):
    request_obj = make_request()
    client = desk_client(officer)
    seen = request_version(request_obj)
    assigned(request_obj, manager, manager)  # someone else acts meanwhile
    response = client.post(action_url(request_obj, "withdraw"), {"version": seen, "reason": ""})
    assert response.status_code == 409
    assert b"changed since you opened the page" in response.content
    request_obj.refresh_from_db()
    assert request_obj.status == Status.IDENTITY_CHECK


def test_a_tampered_version_field_is_refused(desk_client, officer, make_request):
    request_obj = make_request()
    response = desk_client(officer).post(
        action_url(request_obj, "withdraw"), {"version": "2001-01-01T00:00:00+00:00"}
    )
    assert response.status_code == 409
    request_obj.refresh_from_db()
    assert request_obj.status == Status.IDENTITY_CHECK


def test_a_viewer_sees_everything_and_can_act_on_nothing(desk_client, viewer, make_request):
    request_obj = make_request(subject_name="Ann Claes")
    client = desk_client(viewer)
    page = client.get(page_url(request_obj))
    assert page.status_code == 200 and b"Ann Claes" in page.content
    assert page.context["panels"] == []
    assert b"Viewers see everything and act on nothing." in page.content
    for name in ("take", "identity", "withdraw", "note", "message"):
        response = act(
            client, request_obj, name,
            {"decision": "verified", "evidence": "other", "text": "x", "body": "x"},
        )  # fmt: skip
        assert response.status_code == 403, name
    request_obj.refresh_from_db()
    assert request_obj.status == Status.IDENTITY_CHECK and request_obj.assignee is None
    assert request_obj.events.count() == 1


def test_the_fulfilment_and_letters_panels_are_on_the_page(desk_client, officer, make_request):
    response = desk_client(officer).get(page_url(make_request()))
    used = [template.name for template in response.templates]
    assert "fulfilment/_request_panel.html" in used
    assert "letters/_request_panel.html" in used


def test_query_count_of_the_page_does_not_grow_with_the_timeline(
    desk_client, officer, make_request, django_assert_max_num_queries
):
    request_obj = make_request()
    client = desk_client(officer)
    actor = audit.Actor.for_user(officer)
    workflow.request_message_subject(request=request_obj, body="first", actor=actor)
    client.get(page_url(request_obj))
    with django_assert_max_num_queries(40) as short:
        client.get(page_url(request_obj))
    for number in range(15):
        workflow.request_add_note(request=request_obj, text=f"note {number}", actor=actor)
        workflow.request_message_subject(request=request_obj, body=f"m {number}", actor=actor)
    with django_assert_max_num_queries(len(short.captured_queries)):
        client.get(page_url(request_obj))


def test_an_objection_to_direct_marketing_is_not_refused_on_compelling_grounds(
    desk_client, officer, make_request
):
    """Art. 21(3) (issue 16): the desk does not offer the ground, and refuses it if posted."""
    request_obj = make_request(right="objection", direct_marketing=True)
    client = desk_client(officer)
    page = client.get(page_url(request_obj)).content.decode()
    assert "to direct marketing: never refused (Art. 21(3))" in page
    assert 'value="compelling_grounds"' not in page
    assert (
        'value="compelling_grounds"'
        in client.get(page_url(make_request(right="objection"))).content.decode()
    )
    response = act(
        client,
        request_obj,
        "refuse",
        {"ground": "compelling_grounds", "explanation": "We need the newsletter revenue."},
    )
    assert response.status_code == 400
    request_obj.refresh_from_db()
    assert request_obj.status == Status.IDENTITY_CHECK
