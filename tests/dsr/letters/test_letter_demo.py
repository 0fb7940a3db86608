"""load_demo gives every demo organisation a self-signed certificate and a drawn signature."""

from __future__ import annotations

import io

import pytest
from letter_helpers import issue_and_render, make_state
from pypdf import PdfReader

from accounts.models import Membership, Role, User
from dsr import audit
from dsr.demo import data, loader
from dsr.letters import services, signing
from dsr.models import LetterKind, Right

pytestmark = pytest.mark.django_db


def test_demo_organisation_signs_letters_with_its_certificate_and_drawn_signature():
    organization = loader._organization(data.ORGANIZATIONS[0])
    fingerprint = organization.signing_certificate_fingerprint
    assert organization.has_signing_certificate and organization.signature_image
    assert signing.signer_for(organization) is not None
    again = loader._organization(data.ORGANIZATIONS[0])  # loading again keeps them
    assert again.signing_certificate_fingerprint == fingerprint

    user = User.objects.create_user("demo-officer@example.com", "x" * 16)
    Membership.objects.create(user=user, organization=organization, role=Role.OFFICER)

    def make_request(**fields):
        from dsr import workflow

        fields.setdefault("subject_name", "Jan Peeters")
        fields.setdefault("subject_email", "jan@example.com")
        (request,) = workflow.submission_create(
            organization=organization,
            rights=[fields.pop("right")],
            channel="email",
            actor=audit.Actor.for_user(user),
            **fields,
        )
        return request

    request = make_state(
        make_request, audit.Actor.for_user(user), right=Right.ACCESS, state="open", language="en"
    )
    letter = issue_and_render(request, LetterKind.ACKNOWLEDGEMENT, user)
    assert letter.signed and letter.certificate_fingerprint == fingerprint
    page = PdfReader(io.BytesIO(services.letter_read(letter))).pages[0]
    images = [
        name
        for name, item in page["/Resources"].get("/XObject", {}).items()
        if item.get_object()["/Subtype"] == "/Image"
    ]
    assert images, "the drawn signature image is on the letter"
