"""The inbox in headless Chromium: an officer opens the inbox, sees the suggestion, turns a
Dutch mail into two requests (access and erasure) in one click, and each request shows the
original mail, the date of receipt and the channel e-mail. The Dutch and French pages have
nothing left in English, and a hostile HTML mail loads nothing (the browser fixture fails
the test on any request to another host)."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path

import pytest
from django.utils import timezone

from dsr.demo import mailbox as demo_mailbox
from dsr.mail.receive import mail_process
from dsr.models import AttachmentKind, InboundStatus, MailSettings, Request
from tests.i18n_helpers import ROOT, catalogue, has_words, in_catalogue, messages_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

HOSTILE = b"""From: Eve <eve@example.net>
To: privacy@openmotics.example
Subject: =?utf-8?q?Inzage_<script>alert(1)</script>?=
Message-ID: <hostile.browser@example.net>
Date: Mon, 02 Mar 2026 10:00:00 +0100
MIME-Version: 1.0
Content-Type: text/html; charset="utf-8"

<html><head><link rel="stylesheet" href="https://evil.example/x.css">
<style>@import url(https://evil.example/y.css); body{background:url(https://evil.example/b.png)}</style>
<script src="https://evil.example/x.js"></script></head>
<body><p>Ik wil <b>inzage</b>.</p><img src="https://tracker.example/p.gif">
<iframe src="https://evil.example/f"></iframe><video src="https://evil.example/v.mp4"></video>
</body></html>
"""
INBOX_FILES = [
    ROOT / "templates/desk/inbox.html",
    ROOT / "templates/desk/inbox_item.html",
    ROOT / "dsr/desk/inbox_forms.py",
    # The statuses and sources of receipt the pages show (the intake's model).
    ROOT / "dsr/models/mail.py",
]


def _english_left(text: str, language: str) -> list[str]:
    """The inbox's English strings still visible on a page shown in `language`: a label
    that is a whole line or cell of the page, or a sentence found anywhere in it."""
    translations = catalogue(language)
    segments = {segment.strip() for segment in re.split(r"[\n\t]", text)}
    left = []
    for message in messages_in(INBOX_FILES):
        if not has_words(message) or "%(" in message.msgid:
            continue
        if in_catalogue(message, language) and translations.gettext(message.msgid) == (
            message.msgid
        ):
            continue  # written the same on purpose (a name, "Status" in Dutch)
        found = (
            message.msgid in segments
            or (len(message.msgid) >= 25 and message.msgid in text)
            or f"({message.msgid}" in text
        )
        if found:
            left.append(message.msgid)
    return left


def test_an_officer_turns_a_dutch_mail_into_two_requests(page, desk_login, officer, tmp_path):
    organization = officer.memberships.get().organization
    MailSettings.objects.create(organization=organization, own_server_hostnames="mx.ilumen.be")
    raw = demo_mailbox.message_bytes("01-inzage-en-verwijderen.eml", now=timezone.now())
    item = mail_process(organization, raw).inbound
    assert item.status == InboundStatus.NEW and item.received_at_source == "received_header"
    hostile = mail_process(organization, HOSTILE).inbound
    assert hostile.status == InboundStatus.NEW

    desk_login(page, officer)
    top_link = page.locator("header .inbox-link")
    assert top_link.locator(".count").inner_text() == "2"
    top_link.click()
    assert page.get_by_role("heading", level=1).inner_text().startswith("Inbox")
    row = page.locator("tr.inbox-row", has_text="Sanne De Vos")
    local_receipt = timezone.localtime(item.received_at).strftime("%d/%m/%Y %H:%M")
    assert local_receipt in row.inner_text()
    assert "Access (Art. 15)" in row.inner_text() and "Erasure (Art. 17)" in row.inner_text()

    # The hostile mail: text only, nothing run (no dialog), nothing loaded from elsewhere.
    page.on("dialog", lambda dialog: pytest.fail(f"a script ran: {dialog.message}"))
    page.get_by_role("link", name="Inzage <script>alert(1)</script>").click()
    assert page.locator("pre.mail-body").inner_text() == "Ik wil inzage."
    assert page.locator("h1.inbox-subject").inner_text() == "Inzage <script>alert(1)</script>"
    page.go_back()

    page.get_by_role("link", name="Inzage in en verwijderen van mijn gegevens").click()
    suggestion = page.locator(".suggestions").inner_text()
    assert "suggested because:" in suggestion and "“Inzage”" in suggestion
    assert "“kopie van mijn gegevens”" in suggestion and "“verwijdert”" in suggestion
    convert = page.locator("details.action-convert")
    assert convert.get_by_label("Access (Art. 15)").is_checked()
    assert convert.get_by_label("Erasure (Art. 17)").is_checked()
    assert not convert.get_by_label("Objection (Art. 21)").is_checked()
    assert convert.get_by_label("Language of the request").input_value() == "nl"
    assert convert.get_by_label("Name").input_value() == "Sanne De Vos"
    page.screenshot(path=str(tmp_path / "inbox-item-en.png"), full_page=True)
    convert.get_by_role("button", name="Create the requests").click()

    created = list(Request.objects.order_by("reference"))
    assert [r.right for r in created] == ["access", "erasure"]
    assert "Created" in page.locator(".messages").inner_text()
    for request_obj in created:
        assert request_obj.received_at == item.received_at
        page.goto(f"/desk/requests/{request_obj.reference}/")
        dates = page.locator("section[aria-labelledby=dates-title]").inner_text()
        assert timezone.localtime(item.received_at).strftime("%-d %B %Y, %H:%M") in dates
        assert "(E-mail" in dates  # the channel, then where the date came from
        original = request_obj.attachments.get(kind=AttachmentKind.ORIGINAL_EMAIL)
        files = page.locator("section[aria-labelledby=files-title]").inner_text()
        assert original.original_name in files and "Original e-mail" in files
        assert (
            "Inzage in en verwijderen"
            in page.locator(".timeline, .request-main").first.inner_text()
        )

    # In Dutch and in French, nothing of the inbox is left in English.
    for language in ("nl", "fr"):
        officer.language = language
        officer.save(update_fields=["language"])
        for path, name in (
            ("/desk/inbox/?show=all", "list"),
            (f"/desk/inbox/{hostile.pk}/", "item"),
        ):
            page.goto(path)
            page.screenshot(path=str(tmp_path / f"inbox-{name}-{language}.png"), full_page=True)
            text = page.locator("body").inner_text()
            assert _english_left(text, language) == [], (language, name)
        assert page.locator("html").get_attribute("lang") == language
    _keep_screenshots(tmp_path)


def _keep_screenshots(folder: Path) -> None:
    """Copy the screenshots where a person can look at them (var/screenshots/inbox/)."""
    target = ROOT / "var" / "screenshots" / "inbox"
    target.mkdir(parents=True, exist_ok=True)
    for shot in folder.glob("*.png"):
        (target / shot.name).write_bytes(shot.read_bytes())


def test_dates_in_the_list_are_european(page, desk_login, officer):
    organization = officer.memberships.get().organization
    raw = HOSTILE.replace(b"hostile.browser", b"dated").replace(b"Inzage_", b"Datum_")
    item = mail_process(organization, raw).inbound
    item.received_at = datetime(2026, 3, 2, 9, 5, tzinfo=UTC)
    item.save(update_fields=["received_at"])
    desk_login(page, officer)
    page.goto("/desk/inbox/")
    assert "02/03/2026 10:05" in page.locator("table.inbox-items").inner_text()
