"""The letters pages in the desk and the subject's download: who sees, who acts, what
happens. As everywhere in the desk, another organisation's letter is a 404."""

from __future__ import annotations

import pytest
from django.core import mail
from django.urls import reverse
from letter_helpers import issue_and_render, make_state, pdf_text, verify_session

from dsr.emails import email_send
from dsr.letters import services
from dsr.models import Event, EventKind, Letter, LetterKind, LetterStatus, OutboundEmail, Right

pytestmark = pytest.mark.django_db


@pytest.fixture
def refused(make_request, officer_actor):
    return make_state(
        make_request, officer_actor, right=Right.ACCESS, state="refused", language="en"
    )


@pytest.fixture
def ready_letter(refused, officer):
    return issue_and_render(refused, LetterKind.REFUSAL, officer)


def test_pages_need_a_verified_desk_session(client, officer, refused):
    url = reverse("letters:request", args=[refused.pk])
    assert client.get(url).status_code == 302  # anonymous: to the sign-in page
    client.force_login(officer)  # password only, no second factor yet
    response = client.get(url)
    assert response.status_code == 302 and reverse("accounts:login") in response["Location"]


def test_outsider_gets_404_everywhere(client, outsider, refused, ready_letter):
    verify_session(client, outsider)
    for url in (
        reverse("letters:request", args=[refused.pk]),
        reverse("letters:compose", args=[refused.pk]) + "?kind=refusal",
        reverse("letters:download", args=[ready_letter.pk]),
        reverse("letters:status", args=[ready_letter.pk]),
        reverse("letters:settings", args=[refused.organization_id]),
    ):
        assert client.get(url).status_code == 404, url
    for url in (
        reverse("letters:issue", args=[refused.pk]),
        reverse("letters:send_email", args=[ready_letter.pk]),
        reverse("letters:queue_post", args=[ready_letter.pk]),
    ):
        assert client.post(url, {"kind": "refusal"}).status_code == 404, url
    assert Letter.objects.count() == 1


def test_panel_lists_letters_with_status_hash_and_actions(client, officer, ready_letter):
    verify_session(client, officer)
    response = client.get(reverse("letters:request", args=[ready_letter.request_id]))
    html = response.content.decode()
    assert response.status_code == 200
    assert "Refusal" in html and ready_letter.sha256[:16] in html
    assert reverse("letters:download", args=[ready_letter.pk]) in html
    assert reverse("letters:send_email", args=[ready_letter.pk]) in html
    assert reverse("letters:queue_post", args=[ready_letter.pk]) in html


def test_viewer_sees_but_cannot_issue_or_send(client, viewer, refused, ready_letter):
    verify_session(client, viewer)
    html = client.get(reverse("letters:request", args=[refused.pk])).content.decode()
    assert reverse("letters:download", args=[ready_letter.pk]) in html
    assert reverse("letters:send_email", args=[ready_letter.pk]) not in html
    response = client.post(reverse("letters:issue", args=[refused.pk]), {"kind": "refusal"})
    assert response.status_code == 403
    assert client.post(reverse("letters:send_email", args=[ready_letter.pk])).status_code == 403
    assert Letter.objects.count() == 1


def test_compose_previews_without_issuing_and_escapes_subject_text(
    client, officer, make_request, officer_actor
):
    request = make_state(
        make_request,
        officer_actor,
        right=Right.ACCESS,
        state="refused",
        language="nl",
        subject_name='Jan <script>alert("x")</script>',
    )
    verify_session(client, officer)
    response = client.get(reverse("letters:compose", args=[request.pk]) + "?kind=refusal")
    html = response.content.decode()
    assert response.status_code == 200
    assert "Wij kunnen niet ingaan op uw verzoek" in html  # the Dutch letter, in the preview
    assert "<script>alert" not in html and "&lt;script&gt;" not in html  # escaped twice:
    assert "&amp;lt;script&amp;gt;" in html  # in the letter, then in the srcdoc attribute
    assert 'srcdoc="&lt;!doctype html&gt;' in html
    assert "Gegevensbeschermingsautoriteit" in html
    assert Letter.objects.count() == 0


def test_issue_creates_a_rendering_letter_and_records_the_event(
    client, officer, refused, django_capture_on_commit_callbacks
):
    verify_session(client, officer)
    with django_capture_on_commit_callbacks() as callbacks:
        response = client.post(
            reverse("letters:issue", args=[refused.pk]),
            {"kind": "refusal", "letter-note": "We remain at your disposal."},
        )
    assert response.status_code == 302
    letter = Letter.objects.get()
    assert letter.status == LetterStatus.RENDERING and letter.kind == LetterKind.REFUSAL
    assert letter.content["note"] == "We remain at your disposal."
    assert len(callbacks) == 1  # the render task, enqueued once the transaction commits
    event = Event.objects.get(kind=EventKind.LETTER_ISSUED)
    assert event.data["letter"] == letter.pk and event.actor_user == officer


def test_download_serves_the_pdf_and_records_it(client, officer, ready_letter):
    verify_session(client, officer)
    response = client.get(reverse("letters:download", args=[ready_letter.pk]))
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    pdf = b"".join(response.streaming_content)
    assert pdf == services.letter_read(ready_letter)
    assert Event.objects.filter(kind=EventKind.LETTER_DOWNLOADED).count() == 1


def test_a_correction_is_a_new_version_and_both_stay(client, officer, ready_letter):
    verify_session(client, officer)
    url = reverse("letters:compose", args=[ready_letter.request_id])
    assert client.get(url + f"?corrects={ready_letter.pk}").status_code == 200
    client.post(
        reverse("letters:issue", args=[ready_letter.request_id]),
        {"corrects": ready_letter.pk, "letter-note": "Corrected the explanation."},
    )
    correction = Letter.objects.get(previous=ready_letter)
    assert correction.version == 2 and correction.kind == ready_letter.kind
    services.letter_render(correction.pk)
    correction.refresh_from_db()
    ready_letter.refresh_from_db()
    assert ready_letter.status == LetterStatus.READY  # the first version never changes
    assert services.letter_read(ready_letter) != services.letter_read(correction)
    text = pdf_text(services.letter_read(correction))
    assert "replaces and corrects our letter" in text and "version 1" in text
    kinds = list(
        Event.objects.filter(request=ready_letter.request, kind__startswith="letter.")
        .order_by("sequence")
        .values_list("kind", flat=True)
    )
    assert kinds == [
        EventKind.LETTER_ISSUED,
        EventKind.LETTER_READY,
        EventKind.LETTER_CORRECTED,
        EventKind.LETTER_READY,
    ]
    # A corrected letter is not corrected twice: the newest version is.
    client.post(
        reverse("letters:issue", args=[ready_letter.request_id]), {"corrects": ready_letter.pk}
    )
    assert Letter.objects.count() == 2


def test_send_by_email_attaches_the_pdf_for_an_email_request(client, officer, ready_letter):
    verify_session(client, officer)
    client.post(reverse("letters:send_email", args=[ready_letter.pk]))
    email = OutboundEmail.objects.get(template="letter_to_subject")
    assert email.letter == ready_letter and email.to == ready_letter.request.subject_email
    email_send(email.pk)
    (message,) = mail.outbox
    ((name, content, mimetype),) = message.attachments
    assert name == ready_letter.file_name and mimetype == "application/pdf"
    assert content == services.letter_read(ready_letter)
    ready_letter.refresh_from_db()
    assert ready_letter.emailed_at is not None
    event = Event.objects.get(kind=EventKind.LETTER_EMAILED)
    assert event.data["mode"] == "attachment"


def test_web_requests_get_a_link_to_the_status_page_instead(
    client, officer, make_request, officer_actor
):
    request = make_state(
        make_request,
        officer_actor,
        right=Right.ACCESS,
        state="refused",
        language="fr",
        channel="api",
    )
    letter = issue_and_render(request, LetterKind.REFUSAL, officer)
    verify_session(client, officer)
    client.post(reverse("letters:send_email", args=[letter.pk]))
    email = OutboundEmail.objects.get(template="letter_to_subject")
    assert email.letter is None and f"/r/{request.public_token}/" in email.text_body


def test_queue_for_post_puts_the_letter_in_the_print_queue(client, officer, ready_letter):
    verify_session(client, officer)
    client.post(reverse("letters:queue_post", args=[ready_letter.pk]))
    ready_letter.refresh_from_db()
    assert ready_letter.post_queued_at is not None
    assert Event.objects.filter(kind=EventKind.LETTER_QUEUED_FOR_POST).count() == 1
    html = client.get(reverse("letters:print_queue")).content.decode()
    assert ready_letter.request.reference in html


def test_subject_downloads_a_sent_letter_with_the_status_page_token(client, officer, ready_letter):
    url = reverse(
        "letters:subject_download", args=[ready_letter.request.public_token, ready_letter.public_id]
    )
    assert client.get(url).status_code == 404  # not sent yet
    services.letter_send_email(letter=ready_letter, actor=services.audit.Actor.for_user(officer))
    response = client.get(url)
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == services.letter_read(ready_letter)
    event = Event.objects.filter(kind=EventKind.LETTER_DOWNLOADED).get()
    assert event.actor_kind == "subject"
    wrong = reverse("letters:subject_download", args=["not-the-token", ready_letter.public_id])
    assert client.get(wrong).status_code == 404


def test_subject_cannot_reach_another_requests_letter(
    client, officer, ready_letter, make_request, officer_actor
):
    services.letter_send_email(letter=ready_letter, actor=services.audit.Actor.for_user(officer))
    other = make_state(make_request, officer_actor, right=Right.ACCESS, state="open", language="en")
    url = reverse("letters:subject_download", args=[other.public_token, ready_letter.public_id])
    assert client.get(url).status_code == 404


def test_manager_uploads_the_certificate_officers_may_not(
    client, manager, officer, organization, certificate_pkcs12, monkeypatch
):
    from django.core.files.uploadedfile import SimpleUploadedFile
    from letter_helpers import CERTIFICATE_PASSWORD

    from dsr import egress

    # The TSA's name is checked against the egress policy: answer it a public address.
    monkeypatch.setattr(egress, "_resolver", lambda host, port: ["93.184.215.14"])

    url = reverse("letters:settings", args=[organization.pk])
    verify_session(client, officer)
    assert client.get(url).status_code == 403
    client.logout()
    verify_session(client, manager)
    response = client.post(
        url,
        {
            "letter_window": "right",
            "timestamp_url": "",
            "certificate": SimpleUploadedFile("letters.p12", certificate_pkcs12),
            "certificate_password": "wrong",
        },
    )
    assert response.status_code == 200 and "password is wrong" in response.content.decode()
    organization.refresh_from_db()
    assert not organization.has_signing_certificate and organization.letter_window == "left"
    response = client.post(
        url,
        {
            "letter_window": "right",
            "timestamp_url": "https://tsa.example.com/",
            "certificate": SimpleUploadedFile("letters.p12", certificate_pkcs12),
            "certificate_password": CERTIFICATE_PASSWORD,
        },
    )
    assert response.status_code == 302
    organization.refresh_from_db()
    assert organization.has_signing_certificate and organization.letter_window == "right"
    assert organization.timestamp_url == "https://tsa.example.com/"
    assert CERTIFICATE_PASSWORD not in client.get(url).content.decode()


def test_status_page_offers_the_sent_letter_and_its_link_works(client, officer, ready_letter):
    request = ready_letter.request
    status_url = reverse("intake:status", args=[request.public_token])
    assert ready_letter.get_kind_display() not in client.get(status_url).content.decode()
    services.letter_send_email(letter=ready_letter, actor=services.audit.Actor.for_user(officer))
    html = client.get(status_url).content.decode()
    link = reverse("letters:subject_download", args=[request.public_token, ready_letter.public_id])
    assert link in html
    assert client.get(link).status_code == 200


def test_the_preview_of_a_correction_is_exactly_the_letter_issued(
    client, officer, ready_letter, time_machine
):
    from django.templatetags.static import static
    from django.utils import timezone
    from django.utils.html import escape

    from dsr.letters import render

    time_machine.move_to(timezone.now(), tick=False)  # previewed and issued the same moment
    verify_session(client, officer)
    posted = {"corrects": ready_letter.pk, "letter-note": "Corrected the explanation."}
    compose = reverse("letters:compose", args=[ready_letter.request_id])
    preview = client.post(compose, {**posted, "action": "preview"}).content.decode()
    client.post(reverse("letters:issue", args=[ready_letter.request_id]), posted)
    correction = Letter.objects.get(previous=ready_letter)
    assert correction.content["previous"] == {
        "version": 1,
        "letter_date": ready_letter.letter_date.isoformat(),
    }
    issued = render.render_html(
        correction.content,
        signed=correction.request.organization.has_signing_certificate,
        preview=True,
        urls={"css": static("letters/letter.css")},
    )
    assert escape(issued) in preview


def test_a_letter_is_downloaded_only_once_signed_and_each_download_is_recorded(
    refused, officer, officer_actor
):
    rendering = services.letter_issue(request=refused, kind=LetterKind.REFUSAL, actor=officer_actor)
    with pytest.raises(services.LetterNotReady):
        services.letter_download(letter=rendering, actor=officer_actor)
    assert not Event.objects.filter(kind=EventKind.LETTER_DOWNLOADED).exists()
    services.letter_render(rendering.pk)
    rendering.refresh_from_db()
    pdf = services.letter_download(letter=rendering, actor=officer_actor)
    assert pdf.startswith(b"%PDF-")
    assert Event.objects.filter(kind=EventKind.LETTER_DOWNLOADED).count() == 1
