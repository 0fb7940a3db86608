"""An officer previews, issues and downloads a refusal letter, in Chromium (issue 6)."""

from __future__ import annotations

import pytest
from letter_helpers import make_state, pdf_text

from dsr.models import Letter, LetterStatus, Right

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_officer_previews_issues_and_downloads_a_refusal(
    page, desk_login, celery_worker, make_request, officer, officer_actor
):
    request = make_state(
        make_request, officer_actor, right=Right.ERASURE, state="refused", language="nl"
    )
    desk_login(page, officer)  # e-mail, password and one-time code, in the browser

    page.goto(f"/desk/letters/request/{request.pk}/")
    page.get_by_label("New letter").select_option("refusal")
    page.get_by_role("button", name="Preview and issue").click()

    preview = page.frame_locator("iframe.letter-preview")
    preview.get_by_text("Wij kunnen niet ingaan op uw verzoek").first.wait_for()
    preview.get_by_text("Gegevensbeschermingsautoriteit").first.wait_for()
    assert Letter.objects.count() == 0  # a preview issues nothing

    page.get_by_label("Additional paragraph (optional)").fill("Wij blijven tot uw beschikking.")
    page.get_by_role("button", name="Update the preview").click()
    page.frame_locator("iframe.letter-preview").get_by_text(
        "Wij blijven tot uw beschikking."
    ).wait_for()

    page.get_by_role("button", name="Issue letter").click()
    page.get_by_text("Rendering…").or_(page.get_by_text("Download PDF")).first.wait_for()
    # panel.js polls the letter and reloads the page when the worker has signed it.
    download_link = page.get_by_role("link", name="Download PDF")
    download_link.wait_for(timeout=60_000)
    letter = Letter.objects.get()
    assert letter.status == LetterStatus.READY and letter.signed is False
    assert letter.sha256[:16] in page.content()

    with page.expect_download() as download_info:
        download_link.click()
    path = download_info.value.path()
    with open(path, "rb") as handle:
        pdf = handle.read()
    text = pdf_text(pdf)
    assert request.reference in text
    assert "Wij kunnen niet ingaan op uw verzoek" in text
    assert "Wij blijven tot uw beschikking." in text
    assert "Drukpersstraat 35" in text
