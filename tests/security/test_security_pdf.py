"""No PDF the desk has not walked to its last page is ever shown inline (issue 14, item 8).

Before this fix a PDF that was encrypted, or had more than 100 pages, skipped the walk for
scripts, automatic actions and embedded files when an officer (or an integration) uploaded
it, and the desk then served it inline in its own origin. Now: a PDF that needs a password
to open is refused with a plain message, whoever sends it; every page of a long PDF is walked
(within a bounded number of objects and seconds), and a PDF over the hard page cap is refused;
a stored PDF that does not pass today's walk (an older row, an officer's unparseable
evidence) is offered as a download, never inline.

Made as the attack: real PDFs written with pypdf (a script on page 140 of 150, AES-256
encryption), posted through the public form and the desk's own file view.
"""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from upload_helpers import form_data, pdf_encrypted, pdf_pages

from dsr import attachments, audit
from dsr.attachments import AttachmentRejected, CheckedFile, attachment_store, file_check
from dsr.models import Attachment, AttachmentKind, Request

pytestmark = pytest.mark.django_db

POW_BITS = 8
PASSWORD_MESSAGE = "This PDF is password-protected; please send it without a password."
ACTIVE_MESSAGE = "contains scripts, automatic actions or embedded files"


@pytest.fixture(autouse=True)
def _intake(settings, organization) -> None:
    settings.INTAKE_POW_BITS = POW_BITS
    settings.SITE_URL = "https://desk.example.org"
    organization.requires_identity_document = True
    organization.save()


@pytest.fixture(scope="module")
def long_with_script() -> bytes:
    return pdf_pages(150, javascript_on_page=140)


@pytest.fixture(scope="module")
def long_clean() -> bytes:
    return pdf_pages(150)


def post_form(client, organization, name: str, content: bytes):
    document = SimpleUploadedFile(name, content, content_type="application/pdf")
    data = form_data(client, organization, bits=POW_BITS, documents=[document])
    return client.post("/openmotics/request/", data)


def test_an_encrypted_pdf_on_the_public_form_is_refused_with_a_plain_message(client, organization):
    response = post_form(client, organization, "id.pdf", pdf_encrypted("secret"))
    assert response.status_code == 400
    assert PASSWORD_MESSAGE in response.content.decode()
    assert not Request.objects.exists()


@pytest.mark.parametrize("sanitise", [True, False], ids=["from-the-subject", "officer-evidence"])
def test_an_encrypted_pdf_is_refused_whoever_uploads_it(sanitise):
    with pytest.raises(AttachmentRejected, match=PASSWORD_MESSAGE):
        file_check(pdf_encrypted("secret"), "statement.pdf", sanitise=sanitise)


@pytest.mark.parametrize("sanitise", [True, False], ids=["from-the-subject", "officer-evidence"])
def test_a_pdf_protecting_only_its_owner_s_rights_is_opened_and_walked(sanitise):
    assert file_check(pdf_encrypted(""), "statement.pdf", sanitise=sanitise)
    hidden = pdf_encrypted("", with_script=True)
    assert b"launchURL" not in hidden  # the script itself is encrypted
    with pytest.raises(AttachmentRejected, match=ACTIVE_MESSAGE):
        file_check(hidden, "statement.pdf", sanitise=sanitise)


@pytest.mark.parametrize("sanitise", [True, False], ids=["from-the-subject", "officer-evidence"])
def test_a_script_on_page_140_of_150_is_found(long_with_script, sanitise):
    import io

    from pypdf import PdfReader

    pages = PdfReader(io.BytesIO(long_with_script)).pages
    assert "/AA" in pages[139] and all("/AA" not in page for page in pages[:139])
    with pytest.raises(AttachmentRejected, match=ACTIVE_MESSAGE):
        file_check(long_with_script, "contract.pdf", sanitise=sanitise)


def test_the_public_form_refuses_the_150_page_pdf_for_its_script(
    client, organization, long_with_script
):
    response = post_form(client, organization, "contract.pdf", long_with_script)
    assert response.status_code == 400
    assert ACTIVE_MESSAGE in response.content.decode()


@pytest.mark.parametrize("sanitise", [True, False], ids=["from-the-subject", "officer-evidence"])
def test_a_clean_150_page_pdf_is_walked_and_accepted(long_clean, sanitise):
    assert file_check(long_clean, "contract.pdf", sanitise=sanitise).content == long_clean


def test_a_pdf_over_the_hard_page_cap_is_refused_with_a_plain_message():
    too_long = pdf_pages(attachments.MAX_PDF_PAGES + 1)
    for sanitise in (True, False):
        with pytest.raises(AttachmentRejected, match=f"more than {attachments.MAX_PDF_PAGES}"):
            file_check(too_long, "archive.pdf", sanitise=sanitise)


def _stored_unchecked(request_obj, content: bytes) -> Attachment:
    """A PDF stored as rows were before the walk covered it: passed in as already checked."""
    return attachment_store(
        request=request_obj,
        content=CheckedFile(content=content, content_type="application/pdf", name="old.pdf"),
        original_name="old.pdf",
        kind=AttachmentKind.EVIDENCE,
        actor=audit.Actor.system(),
    )


def _served(desk_client, officer, attachment: Attachment):
    url = reverse(
        "desk:request_file",
        kwargs={"reference": attachment.request.reference, "attachment_id": attachment.pk},
    )
    response = desk_client(officer).get(url)
    assert response.status_code == 200
    return response


def test_an_older_row_with_a_script_is_offered_as_a_download_not_inline(
    desk_client, officer, make_request, long_with_script
):
    attachment = _stored_unchecked(make_request(), long_with_script)
    response = _served(desk_client, officer, attachment)
    assert response["Content-Disposition"].startswith("attachment;")
    assert response["X-Content-Type-Options"] == "nosniff"


def test_an_officer_s_unparseable_pdf_is_kept_but_only_downloaded(
    desk_client, officer, make_request
):
    broken = b"%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\n% no trailer, no pages\n%%EOF\n"
    attachment = attachment_store(
        request=make_request(),
        content=broken,
        original_name="scan.pdf",
        kind=AttachmentKind.EVIDENCE,
        actor=audit.Actor.system(),
    )
    response = _served(desk_client, officer, attachment)
    assert response["Content-Disposition"].startswith("attachment;")


def test_a_walked_pdf_is_still_shown_inline(desk_client, officer, make_request, long_clean):
    attachment = _stored_unchecked(make_request(), long_clean)
    response = _served(desk_client, officer, attachment)
    assert response["Content-Disposition"].startswith("inline;")
