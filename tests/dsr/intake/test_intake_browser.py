"""A subject in headless Chromium, as the issue describes, plus keyboard-only and no-JS use."""

from __future__ import annotations

import email
import email.policy
import re
from pathlib import Path

import pytest
from PIL import Image

from dsr import audit, emails, workflow
from dsr.models import OutboundEmail, Request, Right, Status

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

DUTCH = {"Accept-Language": "nl-BE,nl;q=0.9,en;q=0.5"}


@pytest.fixture
def mailbox(settings, tmp_path, live_server) -> Path:
    """Mail goes to files, as on the embedded default; links point at the live server."""
    folder = tmp_path / "mail"
    settings.EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
    settings.EMAIL_FILE_PATH = str(folder)
    settings.SITE_URL = live_server.url
    settings.INTAKE_POW_BITS = 17  # what production uses: the page's own script does the work
    return folder


def deliver_and_read(folder: Path, template: str) -> str:
    """Send the stored mail (the worker's job) and return the text part of the file written."""
    for stored in OutboundEmail.objects.filter(template=template, sent_at__isnull=True):
        emails.email_send(stored.pk)
    (path,) = sorted(folder.glob("*.log"))[-1:]
    raw = path.read_bytes().split(b"\n" + b"-" * 79 + b"\n")[-2]
    message = email.message_from_bytes(raw, policy=email.policy.default)
    return message.get_body(preferencelist=("plain",)).get_content()


def identity_scan(tmp_path: Path) -> Path:
    path = tmp_path / "identiteitskaart.jpg"
    Image.new("RGB", (300, 190), (230, 230, 250)).save(path, "JPEG")
    return path


def test_a_dutch_subject_submits_confirms_answers_and_withdraws(
    page, live_server, organization, officer, mailbox, tmp_path
):
    organization.requires_identity_document = True
    organization.save()
    page.set_extra_http_headers(DUTCH)
    problems = []  # script errors and Content-Security-Policy violations
    page.on(
        "console",
        lambda message: problems.append(message.text) if message.type == "error" else None,
    )
    page.on("pageerror", lambda error: problems.append(str(error)))

    page.goto("/openmotics/request/")
    assert page.locator("html").get_attribute("lang") == "nl"
    page.get_by_label("Recht van inzage (art. 15)").check()
    page.get_by_label("Gegevenswissing (art. 17)").check()
    page.get_by_label("Uw naam").fill("Lotte de Vries")
    page.get_by_label("Uw e-mailadres").fill("lotte@example.com")
    page.get_by_label("Klant- of accountnummer (niet verplicht)").fill("C-1042")
    page.get_by_label("Kopie van een identiteitsbewijs (niet verplicht)").set_input_files(
        str(identity_scan(tmp_path))
    )
    page.get_by_role("button", name="Verstuur mijn verzoek").click()
    page.get_by_role("heading", name="Controleer uw mailbox").wait_for()

    access, erasure = Request.objects.order_by("reference")
    assert (access.right, erasure.right) == (Right.ACCESS, Right.ERASURE)
    assert access.status == Status.UNVERIFIED and access.language == "nl"
    assert access.attachments.count() == erasure.attachments.count() == 1

    text = deliver_and_read(mailbox, "intake_confirm")
    assert "Bevestig dat het verzoek van u is" in text
    link = re.search(rf"{re.escape(live_server.url)}/\S+/confirm/\S+/", text).group(0)
    page.goto(link)
    page.get_by_role("button", name="Ja, bevestig mijn verzoek").click()
    page.get_by_role("heading", name="Uw verzoeken aan OpenMotics").wait_for()
    body = page.locator("main").inner_text()
    assert access.reference in body and erasure.reference in body
    assert "Recht van inzage (art. 15)" in body and "Gegevenswissing (art. 17)" in body
    assert "De Vries" not in page.url  # nothing personal in the address
    acknowledgement = deliver_and_read(mailbox, "intake_acknowledgement")
    assert access.reference in acknowledgement and erasure.reference in acknowledgement

    erasure.refresh_from_db()
    workflow.request_ask_information(
        request=erasure,
        message="Welk account moeten we wissen?",
        actor=audit.Actor.for_user(officer),
    )
    page.reload()
    erasure_section = page.locator(f"section#{erasure.reference}")
    assert "Welk account moeten we wissen?" in erasure_section.inner_text()
    erasure_section.get_by_label("Uw antwoord").fill("Het account van lotte@example.com.")
    erasure_section.get_by_role("button", name="Verstuur mijn antwoord").click()
    page.get_by_text("Bedankt: we hebben uw antwoord ontvangen.").wait_for()
    erasure.refresh_from_db()
    assert erasure.status == Status.IDENTITY_CHECK

    page.locator(f"section#{access.reference}").get_by_role(
        "link", name=re.compile("Dit verzoek intrekken")
    ).click()
    page.get_by_role("heading", name="Uw verzoek intrekken?").wait_for()
    page.get_by_role("button", name="Ja, trek dit verzoek in").click()
    page.get_by_text("Het verzoek is ingetrokken.").wait_for()
    access.refresh_from_db()
    erasure.refresh_from_db()
    assert access.status == Status.WITHDRAWN
    assert erasure.status == Status.IDENTITY_CHECK
    assert "Ingetrokken." in page.locator(f"section#{access.reference}").inner_text()
    assert problems == []


def test_the_form_can_be_filled_and_sent_with_the_keyboard_alone(page, organization, mailbox):
    page.goto("/openmotics/request/?lang=en")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent") == "Skip to content"
    focused = []
    for _ in range(40):
        page.keyboard.press("Tab")
        focused.append(page.evaluate("document.activeElement.name || document.activeElement.id"))
        if focused[-1] == "rights" and page.evaluate("document.activeElement.value") == "access":
            page.keyboard.press("Space")
        if focused[-1] == "subject_name":
            page.keyboard.type("Jan Peeters")
        if focused[-1] == "subject_email":
            page.keyboard.type("jan@example.com")
        if page.evaluate("document.activeElement.type") == "submit":
            break
    assert "fax" not in focused  # the honeypot is never reached
    assert "subject_name" in focused and "subject_email" in focused
    page.keyboard.press("Enter")
    page.get_by_role("heading", name="Check your mailbox").wait_for()
    assert Request.objects.get().subject_name == "Jan Peeters"


def test_without_javascript_the_form_still_works(
    browser_context, live_server, organization, settings, mailbox
):
    settings.INTAKE_NOJS_MIN_SECONDS = 1
    context = browser_context.browser.new_context(
        java_script_enabled=False, base_url=live_server.url
    )
    try:
        page = context.new_page()
        page.goto("/openmotics/request/?lang=fr")
        page.get_by_label("Droit d'accès (art. 15)").check()
        page.get_by_label("Votre nom").fill("Camille Dupont")
        page.get_by_label("Votre adresse e-mail").fill("camille@example.com")
        page.wait_for_timeout(1200)  # a person takes longer than the minimum anyway
        page.get_by_role("button", name="Envoyer ma demande").click()
        page.get_by_role("heading", name="Consultez votre boîte aux lettres").wait_for()
    finally:
        context.close()
    request = Request.objects.get()
    assert request.language == "fr" and request.status == Status.UNVERIFIED


def test_a_refused_file_is_explained_next_to_the_field(page, organization, mailbox, tmp_path):
    organization.requires_identity_document = True
    organization.save()
    fake = tmp_path / "paspoort.pdf"
    fake.write_bytes(b"MZ\x90\x00" + b"\x00" * 100)
    page.goto("/openmotics/request/?lang=nl")
    page.get_by_label("Recht van inzage (art. 15)").check()
    page.get_by_label("Uw naam").fill("Lotte de Vries")
    page.get_by_label("Uw e-mailadres").fill("lotte@example.com")
    page.get_by_label("Kopie van een identiteitsbewijs (niet verplicht)").set_input_files(str(fake))
    page.get_by_role("button", name="Verstuur mijn verzoek").click()
    error = page.locator("#id_documents_error")
    error.wait_for()
    assert "paspoort.pdf: Alleen PDF-, JPEG- en PNG-bestanden worden aanvaard." in (
        error.inner_text()
    )
    described_by = page.locator("#id_documents").get_attribute("aria-describedby")
    assert "id_documents_error" in described_by
    assert page.get_by_role("alert").is_visible()
    assert not Request.objects.exists()
