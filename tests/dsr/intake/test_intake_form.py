"""The public form `/<organisation>/request/`: what a subject sees and what sending it does."""

from __future__ import annotations

import re

import pytest
from intake_helpers import send_stored_mail

from dsr.models import ActorKind, Channel, EventKind, OutboundEmail, Request, Right, Status

pytestmark = pytest.mark.django_db


def test_form_is_branded_trilingual_and_explains_every_right(client, organization):
    page = client.get("/openmotics/request/", HTTP_ACCEPT_LANGUAGE="en")
    html = page.content.decode()
    assert page.status_code == 200
    assert "<h1>Your privacy request to OpenMotics</h1>" in html
    assert '<html lang="en">' in html
    for code, name in (("en", "English"), ("nl", "Nederlands"), ("fr", "Français")):
        assert f'href="/openmotics/request/?lang={code}" lang="{code}"' in html
        assert name in html
    assert 'aria-current="true">English</a>' in html
    for right in Right:
        assert f'value="{right.value}"' in html
    assert "Have your personal data deleted." in html
    assert "Receive the data you gave us in a machine-readable file" in html
    # The rights are a group with a legend; every box is described by its sentence.
    assert re.search(r"<fieldset[^>]*>\s*<legend>What would you like us to do\?</legend>", html)
    assert 'aria-describedby="id_rights_0_explanation"' in html
    # The honeypot is hidden from people and screen readers; nothing from other hosts.
    assert '<div class="hp" aria-hidden="true">' in html
    assert "https://" not in html.replace("https://desk.example.org", "")
    # No identity upload unless the organisation asks for one.
    assert 'type="file"' not in html
    assert page.cookies == {}  # no cookie at all on the subject's pages
    assert "no-store" in page.headers["Cache-Control"]
    assert "script-src 'self'" in page.headers["Content-Security-Policy"]


@pytest.mark.parametrize(
    ("accept", "query", "expected_lang", "heading"),
    [
        ("nl-BE,nl;q=0.9,en;q=0.5", "", "nl", "Uw privacyverzoek aan OpenMotics"),
        ("fr-BE,fr;q=0.9", "", "fr", "Votre demande relative à la vie privée adressée à"),
        ("de-DE,de;q=0.9", "", "en", "Your privacy request to OpenMotics"),
        ("nl", "?lang=fr", "fr", "Votre demande relative à la vie privée adressée à"),
    ],
)
def test_language_follows_the_browser_and_the_switch(
    client, organization, accept, query, expected_lang, heading
):
    html = client.get(f"/openmotics/request/{query}", HTTP_ACCEPT_LANGUAGE=accept).content.decode()
    assert f'<html lang="{expected_lang}">' in html
    assert heading in html


def test_only_the_organisations_languages_are_offered(client, other_organization):
    html = client.get("/maxem/request/?lang=fr", HTTP_ACCEPT_LANGUAGE="fr").content.decode()
    assert '<html lang="nl">' in html  # Maxem offers nl and en; its default is Dutch
    assert "?lang=fr" not in html


def test_unknown_organisation_gets_a_plain_404_in_the_visitors_language(client, organization):
    page = client.get("/no-such-company/request/", HTTP_ACCEPT_LANGUAGE="nl")
    assert page.status_code == 404
    assert "Pagina niet gevonden" in page.content.decode()


def test_one_submission_with_two_rights_makes_two_linked_unverified_requests(
    client, organization, filled_form
):
    data = filled_form(organization, rights=["access", "erasure"], lang="nl")
    response = client.post("/openmotics/request/", data)
    assert response.status_code == 302
    assert response["Location"] == "/openmotics/request/sent/?lang=nl"

    access, erasure = Request.objects.order_by("reference")
    assert (access.right, erasure.right) == (Right.ACCESS, Right.ERASURE)
    assert access.submission_id == erasure.submission_id
    assert access.public_token != erasure.public_token
    for request in (access, erasure):
        assert request.channel == Channel.WEB
        assert request.status == Status.UNVERIFIED
        assert request.paused_since == request.received_at  # the clock waits for confirmation
        assert request.language == "nl"
        assert request.subject_email == "lotte.de.vries@example.com"
        assert request.subject_customer_number == "C-1042"
        event = request.events.get(kind=EventKind.RECEIVED)
        assert event.actor_kind == ActorKind.SUBJECT

    sent_page = client.get(response["Location"])
    assert "Controleer uw mailbox" in sent_page.content.decode()

    (email,) = OutboundEmail.objects.all()
    assert email.template == "intake_confirm"
    assert email.to == "lotte.de.vries@example.com"
    assert "Bevestig" in email.subject and "OpenMotics" in email.subject
    assert access.reference in email.text_body and erasure.reference in email.text_body
    assert "Recht van inzage (art. 15)" in email.text_body
    link = re.search(
        r"https://desk\.example\.org/openmotics/request/confirm/[^/\s]+/", email.text_body
    )
    assert link, email.text_body
    assert link.group(0) in email.html_body
    (sent,) = send_stored_mail()
    assert sent.reply_to == ["privacy@openmotics.example"]


def test_postal_answer_needs_an_address(client, organization, filled_form):
    data = filled_form(organization, answer_channel="post", subject_postal_address="  ")
    response = client.post("/openmotics/request/", data)
    html = response.content.decode()
    assert response.status_code == 400
    assert 'id="id_subject_postal_address_error"' in html
    assert "Give your postal address if you want the answer by post." in html
    assert re.search(
        r'<textarea[^>]*aria-describedby="id_subject_postal_address_helptext '
        r'id_subject_postal_address_error"[^>]*aria-invalid="true"',
        html,
    ) or re.search(r'<textarea[^>]*aria-invalid="true"[^>]*aria-describedby="', html)
    assert not Request.objects.exists()

    data = filled_form(
        organization, answer_channel="post", subject_postal_address="Kerkstraat 1\n1000 Brussel"
    )
    assert client.post("/openmotics/request/", data).status_code == 302
    assert Request.objects.get().subject_postal_address == "Kerkstraat 1\n1000 Brussel"


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("subject_email", "lotte@", "Enter a valid email address."),
        ("subject_email", "", "This field is required."),
        ("subject_name", "", "This field is required."),
        ("rights", [], "Choose at least one right."),
        ("rights", ["telepathy"], "Select a valid choice."),
        ("subject_name", "x" * 201, "at most 200 characters"),
        ("description", "y" * 10_001, "at most 10000 characters"),
    ],
)
def test_bad_input_is_explained_next_to_its_field_and_nothing_is_stored(
    client, organization, filled_form, field, value, message
):
    data = filled_form(organization, **{field: value})
    response = client.post("/openmotics/request/", data)
    html = response.content.decode()
    assert response.status_code == 400
    assert message in html
    assert f'id="id_{field}_error"' in html
    assert 'class="error-summary" role="alert"' in html
    assert not Request.objects.exists()
    assert not OutboundEmail.objects.exists()


def test_errors_are_in_the_subjects_language(client, organization, filled_form):
    data = filled_form(organization, lang="fr", subject_email="pas-une-adresse", rights=[])
    html = client.post("/openmotics/request/", data).content.decode()
    assert "Choisissez au moins un droit." in html
    assert "Saisissez une adresse e-mail valide." in html


def test_a_failed_form_keeps_what_was_typed_and_its_solved_challenge(
    client, organization, filled_form
):
    data = filled_form(organization, subject_email="nope")
    html = client.post("/openmotics/request/", data).content.decode()
    assert 'value="Lotte de Vries"' in html
    assert f'name="challenge" value="{data["challenge"]}"' in html
    assert f'name="pow_nonce" value="{data["pow_nonce"]}"' in html


def test_script_and_html_in_every_field_are_shown_escaped_everywhere(
    client, organization, filled_form
):
    evil = '<script>alert("x")</script><b>bold</b>'
    data = filled_form(
        organization,
        subject_name=evil,
        subject_customer_number=evil[:90],
        description=evil,
        answer_channel="post",
        subject_postal_address=evil,
    )
    # First shown back on the form (an error elsewhere), then stored and mailed.
    html = client.post("/openmotics/request/", {**data, "subject_email": "bad"}).content.decode()
    assert "<script>alert" not in html and "&lt;script&gt;alert" in html
    assert client.post("/openmotics/request/", data).status_code == 302
    request = Request.objects.get()
    assert request.subject_name == evil  # stored as typed; escaped when shown
    email = OutboundEmail.objects.get()
    assert "<script>" not in email.html_body and "<b>bold</b>" not in email.html_body
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in email.html_body
    assert evil in email.text_body  # plain text is not HTML: nothing to escape
    assert "\n" not in email.subject


def test_an_oversized_body_gets_a_clear_page_and_stores_nothing(client, organization, filled_form):
    data = filled_form(organization, lang="nl")
    response = client.post(
        "/openmotics/request/?lang=nl", data, CONTENT_LENGTH=str(40 * 1024 * 1024)
    )
    assert response.status_code == 413
    assert "Wat u stuurde is te groot" in response.content.decode()
    assert not Request.objects.exists()


def test_text_fields_past_djangos_memory_limit_get_the_same_clear_page(
    client, organization, filled_form, settings
):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    data = filled_form(organization, description="z" * 5000)
    response = client.post("/openmotics/request/", data)
    assert response.status_code == 413
    assert "What you sent is too large" in response.content.decode()
    assert not Request.objects.exists()


def test_a_language_the_organisation_does_not_offer_is_never_stored(
    client, other_organization, filled_form
):
    data = filled_form(other_organization, lang="fr")
    assert client.post("/maxem/request/", data).status_code == 302
    assert Request.objects.get().language == "nl"


def test_the_logo_is_served_from_the_site_itself_and_only_as_a_raster_image(client, organization):
    from django.core.files.base import ContentFile
    from intake_helpers import image_bytes

    assert client.get("/openmotics/logo/").status_code == 404  # no logo yet
    organization.logo.save("logo.png", ContentFile(image_bytes("PNG")), save=True)
    html = client.get("/openmotics/request/").content.decode()
    assert '<img src="/openmotics/logo/" alt="" class="logo">' in html
    logo = client.get("/openmotics/logo/")
    assert logo.status_code == 200 and logo["Content-Type"] == "image/png"
    assert "sandbox" in logo["Content-Security-Policy"]

    organization.logo.save("logo.svg", ContentFile(b"<svg onload='alert(1)'/>"), save=True)
    assert client.get("/openmotics/logo/").status_code == 404  # SVG can carry scripts


def test_an_objection_to_direct_marketing_is_marked_as_such(client, organization, filled_form):
    """Art. 21(3) (issue 16): the subject says the objection is to direct marketing."""
    data = filled_form(organization, rights=["access"], direct_marketing="on")
    response = client.post("/openmotics/request/", data)
    assert response.status_code == 400
    assert "Tick the objection too" in response.content.decode()
    assert not Request.objects.exists()

    data = filled_form(organization, rights=["objection", "access"], direct_marketing="on")
    assert client.post("/openmotics/request/", data).status_code == 302
    objection = Request.objects.get(right=Right.OBJECTION)
    assert objection.direct_marketing
    assert not Request.objects.get(right=Right.ACCESS).direct_marketing
