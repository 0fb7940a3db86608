"""Helpers for the letters tests: read a PDF back, log in to the desk, issue and render."""

from __future__ import annotations

import io
from typing import Any

from django.db import transaction
from django_otp.plugins.otp_totp.models import TOTPDevice

from dsr import audit, workflow
from dsr.letters import services
from dsr.models import Letter, Outcome, RefusalGround, Right
from tests.builders import verified as verified

CERTIFICATE_PASSWORD = "letters-test-password"


def pdf_text(pdf: bytes) -> str:
    from pypdf import PdfReader

    text = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)
    return " ".join(text.split())


def verify_session(client: Any, user: Any) -> TOTPDevice:
    """A signed-in desk session that passed two-factor: what `desk_view` requires.

    (The desk's own fixture performs a real password + TOTP login; here we mark the
    session the way django_otp.login does, to test the letters views on their own.)"""
    device = TOTPDevice.objects.create(user=user, name="test app", confirmed=True)
    client.force_login(user)
    session = client.session
    session["otp_device_id"] = device.persistent_id
    session.save()
    return device


def issue(request: Any, kind: str, user: Any, **fields: Any) -> Letter:
    with transaction.atomic():
        return services.letter_issue(
            request=request, kind=kind, actor=audit.Actor.for_user(user), fields=fields or None
        )


def issue_and_render(request: Any, kind: str, user: Any, **fields: Any) -> Letter:
    """Issue a letter and render it here (the worker's job; its own tests use the worker)."""
    letter = issue(request, kind, user, **fields)
    assert services.letter_render(letter.pk) == "ready"
    letter.refresh_from_db()
    return letter


def make_state(make_request, officer_actor, *, right: str, state: str, language: str, **extra):
    """A request of `right` in `state` ("open", "extended", "completed", "partial",
    "refused", "withdrawn"), in `language`, with a postal address."""
    request = make_request(
        right=right,
        language=language,
        subject_postal_address="Kerkstraat 12 bus 3\n9000 Gent",
        **extra,
    )
    if state == "withdrawn":
        return workflow.request_withdraw(request=request, actor=officer_actor)
    request = verified(request, officer_actor)
    if state == "extended":
        return workflow.request_extend(
            request=request, reason="Your data sit in six separate systems.", actor=officer_actor
        )
    if state == "completed":
        return workflow.request_complete(
            request=request, outcome=Outcome.FULFILLED, note="All done.", actor=officer_actor
        )
    if state == "partial":
        return workflow.request_complete(
            request=request,
            outcome=Outcome.PARTIALLY_FULFILLED,
            note="Invoices were not erased.",
            actor=officer_actor,
        )
    if state == "refused":
        ground = (
            RefusalGround.LEGAL_OBLIGATION
            if right == Right.ERASURE
            else RefusalGround.MANIFESTLY_UNFOUNDED
        )
        return workflow.request_refuse(
            request=request, ground=ground, explanation="See above.", actor=officer_actor
        )
    return request
