"""The subject's status page `/r/<token>/`: follow, answer, withdraw; unknown tokens 404."""

from __future__ import annotations

import re
import statistics
import time
from html import unescape

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from intake_helpers import image_bytes, pdf_bytes

from dsr import audit, workflow
from dsr.attachments import attachment_read
from dsr.models import (
    ActorKind,
    AttachmentKind,
    EventKind,
    Message,
    OutboundEmail,
    Request,
    Status,
)
from tests import builders

pytestmark = pytest.mark.django_db


@pytest.fixture
def submission(client, organization, filled_form, officer):
    """A confirmed Dutch web submission of access + erasure; returns its two requests."""
    data = filled_form(organization, rights=["access", "erasure"], lang="nl")
    client.post("/openmotics/request/", data)
    email = OutboundEmail.objects.get(template="intake_confirm")
    path = re.search(r"https://desk\.example\.org(/\S+/confirm/\S+/)", email.text_body)[1]
    client.post(path)
    return list(Request.objects.order_by("reference"))


def ask(request: Request, officer, text: str = "Stuur een kopie van uw identiteitskaart.") -> None:
    workflow.request_ask_information(
        request=request, message=text, actor=audit.Actor.for_user(officer)
    )


def test_the_page_shows_every_request_of_the_submission_in_plain_words(client, submission, officer):
    access, erasure = submission
    ask(erasure, officer, "Welk <b>account</b> bedoelt u?")
    for token in (access.public_token, erasure.public_token):
        response = client.get(f"/r/{token}/")
        html = response.content.decode()
        assert response.status_code == 200
        assert '<html lang="nl">' in html
        assert access.reference in html and erasure.reference in html
        assert "Recht van inzage (art. 15)" in html
        assert "We controleren of het verzoek van u is." in html  # identity check, in Dutch
        assert "Welk &lt;b&gt;account&lt;/b&gt; bedoelt u?" in html  # the officer's message
        assert html.count("Dit verzoek intrekken") == 2
        assert response.cookies == {}
        assert response.headers["Referrer-Policy"] == "no-referrer"
        assert "no-store" in response.headers["Cache-Control"]
    # Only the request waiting for the subject has a reply box.
    assert html.count('enctype="multipart/form-data"') == 1
    assert f'action="/r/{erasure.public_token}/answer/"' in html


def test_the_switch_shows_the_page_in_another_language(client, submission):
    access, _ = submission
    html = client.get(f"/r/{access.public_token}/?lang=fr").content.decode()
    assert '<html lang="fr">' in html
    assert "Droit d'accès (art. 15)" in unescape(html)


@pytest.mark.parametrize(
    "path",
    [
        "/r/{unknown}/",
        "/r/short/",
        "/r/{reference}/",
        "/r/{unknown}/withdraw/",
        "/r/{token}extra/",
    ],
)
def test_unknown_tokens_and_references_get_the_same_plain_404(client, submission, path):
    access, _ = submission
    url = path.format(unknown="A" * 43, reference=access.reference, token=access.public_token)
    response = client.get(url, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 404
    html = response.content.decode()
    assert "Page not found" in html
    assert access.reference not in html and "OpenMotics" not in html


def test_the_lookup_is_one_indexed_query_on_the_token_never_the_reference(client, submission):
    with CaptureQueriesContext(connection) as queries:
        client.get("/r/" + "B" * 43 + "/")
    (query,) = queries.captured_queries
    condition = query["sql"].split("WHERE", 1)[1]
    assert '"public_token" =' in condition and "reference" not in condition


def test_a_miss_takes_no_longer_whether_or_not_a_reference_exists(client, submission):
    """Probing with a real reference or a made-up one costs the same: neither is looked up."""
    access, _ = submission

    def median(path: str) -> float:
        samples = []
        for _ in range(15):
            started = time.perf_counter()
            assert client.get(path).status_code == 404
            samples.append(time.perf_counter() - started)
        return statistics.median(samples)

    real = median(f"/r/{access.reference}AAAAAAAAAAAAAAAAAAAAAAAAAAAA/")
    made_up = median("/r/OPM-1999-99999AAAAAAAAAAAAAAAAAAAAAAAAAAAA/")
    assert abs(real - made_up) < max(real, made_up) * 0.5 + 0.005


def test_the_page_costs_the_same_queries_however_many_messages(
    client, submission, officer, django_assert_max_num_queries
):
    access, erasure = submission
    ask(erasure, officer)
    with CaptureQueriesContext(connection) as few:
        client.get(f"/r/{access.public_token}/")
    for number in range(5):
        workflow.request_message_subject(
            request=access, body=f"Bericht {number}", actor=audit.Actor.for_user(officer)
        )
    with django_assert_max_num_queries(len(few.captured_queries)):
        client.get(f"/r/{access.public_token}/")


def test_answering_with_a_file_resumes_the_clock_and_tells_the_officer(
    client, submission, officer, settings
):
    _, erasure = submission
    workflow.request_assign(request=erasure, assignee=officer, actor=audit.Actor.for_user(officer))
    ask(erasure, officer)
    prefix = erasure.reference
    response = client.post(
        f"/r/{erasure.public_token}/answer/",
        {
            "lang": "nl",
            f"{prefix}-message": "Hierbij <i>mijn</i> kaart.",
            f"{prefix}-files": [
                SimpleUploadedFile("kaart.jpg", image_bytes("JPEG", exif_gps=True)),
            ],
        },
    )
    assert response.status_code == 302
    assert response["Location"] == f"/r/{erasure.public_token}/?notice=answered&lang=nl"
    erasure.refresh_from_db()
    assert erasure.status == Status.IDENTITY_CHECK  # back where it was before the question
    assert erasure.paused_since is None
    answer = Message.objects.get(request=erasure, direction=Message.Direction.FROM_SUBJECT)
    assert answer.body == "Hierbij <i>mijn</i> kaart."
    (file,) = answer.attachments.all()
    assert file.kind == AttachmentKind.IDENTITY_PROOF  # destroyed when identity is decided
    assert b"SecretCam" not in attachment_read(file)
    event = erasure.events.get(kind=EventKind.INFORMATION_RECEIVED)
    assert event.actor_kind == ActorKind.SUBJECT
    assert OutboundEmail.objects.filter(template="subject_answered", to=officer.email).exists()

    page = client.get(response["Location"]).content.decode()
    assert "Bedankt: we hebben uw antwoord ontvangen." in page
    assert "Hierbij &lt;i&gt;mijn&lt;/i&gt; kaart." in page
    assert "kaart.jpg" in page


def test_an_empty_answer_or_a_bad_file_is_explained_and_changes_nothing(
    client, submission, officer, settings
):
    _, erasure = submission
    ask(erasure, officer)
    prefix = erasure.reference
    empty = client.post(f"/r/{erasure.public_token}/answer/", {f"{prefix}-message": " "})
    assert empty.status_code == 400
    assert "Schrijf een antwoord of voeg een bestand toe." in empty.content.decode()
    bad = client.post(
        f"/r/{erasure.public_token}/answer/",
        {
            f"{prefix}-message": "Zie bijlage",
            f"{prefix}-files": [
                SimpleUploadedFile("ok.pdf", pdf_bytes()),
                SimpleUploadedFile("id.pdf", pdf_bytes(javascript="app.alert(1)")),
            ],
        },
    )
    assert bad.status_code == 400
    assert "id.pdf:" in bad.content.decode()
    erasure.refresh_from_db()
    assert erasure.status == Status.AWAITING_SUBJECT
    assert not Message.objects.filter(direction=Message.Direction.FROM_SUBJECT).exists()
    assert not erasure.attachments.exists()
    assert builders.stored_files() == []


def test_no_answer_when_nothing_was_asked(client, submission):
    access, _ = submission
    response = client.post(
        f"/r/{access.public_token}/answer/", {f"{access.reference}-message": "Hallo"}
    )
    assert response.status_code == 302
    assert "notice=closed" in response["Location"]
    assert not Message.objects.exists()


def test_withdrawing_asks_first_then_withdraws_only_that_request(client, submission):
    access, erasure = submission
    page = client.get(f"/r/{access.public_token}/withdraw/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "Uw verzoek intrekken?" in html and access.reference in html
    access.refresh_from_db()
    assert access.status == Status.IDENTITY_CHECK  # looking at the question changes nothing

    response = client.post(
        f"/r/{access.public_token}/withdraw/", {"lang": "nl", "reason": "Vergist"}
    )
    assert response.status_code == 302
    access.refresh_from_db()
    erasure.refresh_from_db()
    assert access.status == Status.WITHDRAWN
    assert erasure.status == Status.IDENTITY_CHECK
    event = access.events.get(kind=EventKind.WITHDRAWN)
    assert event.actor_kind == ActorKind.SUBJECT and event.payload == {"reason": "Vergist"}

    status_page = client.get(response["Location"]).content.decode()
    assert "Het verzoek is ingetrokken." in status_page
    assert status_page.count("Dit verzoek intrekken") == 1  # only the erasure is still open
    # Withdrawing again just says the request can no longer be changed.
    again = client.post(f"/r/{access.public_token}/withdraw/")
    assert again.status_code == 302 and "notice=closed" in again["Location"]


def test_delivered_letters_are_listed_with_their_download_link(client, submission):
    """The hook into the letters feature: only letters sent to the subject are offered."""
    from datetime import date

    from django.utils import timezone

    from dsr.models import Letter, LetterKind, LetterStatus

    access, _ = submission
    sent = Letter.objects.create(
        request=access,
        kind=LetterKind.ACKNOWLEDGEMENT,
        language="nl",
        letter_date=date(2026, 3, 9),
        issued_at=timezone.now(),
        status=LetterStatus.READY,
        emailed_at=timezone.now(),
    )
    Letter.objects.create(  # rendered but not sent yet: not for the subject's eyes
        request=access,
        kind=LetterKind.ANSWER,
        language="nl",
        letter_date=date(2026, 3, 10),
        issued_at=timezone.now(),
        status=LetterStatus.READY,
    )
    html = client.get(f"/r/{access.public_token}/").content.decode()
    assert "<h3>Brieven</h3>" in html
    assert f'href="/r/{access.public_token}/letters/{sent.public_id}/"' in html
    assert "9 maart 2026" in html
    assert html.count("/letters/") == 1


def test_a_minimised_request_has_no_status_page_any_more(client, submission):
    """Retention reduced the request to statistics: its token has expired."""
    from django.utils import timezone

    access, erasure = submission
    Request.objects.filter(pk=access.pk).update(minimised_at=timezone.now())
    assert client.get(f"/r/{access.public_token}/").status_code == 404
    html = client.get(f"/r/{erasure.public_token}/").content.decode()
    assert erasure.reference in html and access.reference not in html


def test_a_data_package_is_offered_while_its_link_is_valid(client, submission):
    """The hook into fulfilment: the package's own download view, while it may be used."""
    from datetime import timedelta

    from django.utils import timezone

    from dsr.models import DataPackage, Job, Right

    access, _ = submission
    job = Job.objects.create(request=access, right=Right.ACCESS, planned_at=timezone.now())
    package = DataPackage.objects.create(
        job=job,
        request=access,
        size=2048,
        expires_at=timezone.now() + timedelta(days=7),
        max_downloads=3,
        downloads=1,
    )
    html = client.get(f"/r/{access.public_token}/").content.decode()
    assert f'href="/r/{access.public_token}/package/{package.token}/"' in html
    assert "nog 2 downloads" in html

    DataPackage.objects.filter(pk=package.pk).update(downloads=3)  # used up
    html = client.get(f"/r/{access.public_token}/").content.decode()
    assert "/package/" not in html
