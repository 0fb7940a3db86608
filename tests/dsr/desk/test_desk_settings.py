"""Managers' settings pages: organisation, signatory and signature image, members and roles,
processing register, recipients, reply templates. Officers and viewers may not."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from accounts.models import Membership, Role, User
from dsr.models import OutboundEmail, ProcessingActivity, Recipient, ReplyTemplate
from tests.builders import png

SETTINGS_PAGES = [
    "desk:settings",
    "desk:settings_signatory",
    "desk:settings_members",
    "desk:settings_register",
    "desk:settings_recipients",
    "desk:settings_templates",
]


@pytest.mark.parametrize("name", SETTINGS_PAGES)
def test_only_managers_open_settings(desk_client, manager, officer, viewer, name):
    assert desk_client(manager).get(reverse(name)).status_code == 200
    assert desk_client(officer).get(reverse(name)).status_code == 403
    assert desk_client(viewer).get(reverse(name)).status_code == 403


def test_organisation_details(desk_client, manager, organization):
    data = {
        "name": "OpenMotics",
        "legal_name": "OpenMotics BV",
        "street_address": "Hertstokweg 5",
        "postal_code": "1741",
        "city": "Ternat",
        "company_number": "BE 0500.927.202",
        "privacy_email": "dpo@openmotics.example",
        "website": "openmotics.example",
        "default_language": "nl",
        "offered_languages": ["nl", "fr"],
    }
    response = desk_client(manager).post(reverse("desk:settings"), data)
    assert response.status_code == 302
    organization.refresh_from_db()
    assert organization.legal_name == "OpenMotics BV"
    assert organization.offered_languages == ["nl", "fr"]
    assert organization.website == "https://openmotics.example"
    assert organization.reference_prefix == "OPM"  # not editable here


def test_the_default_language_must_be_offered(desk_client, manager, organization):
    response = desk_client(manager).post(
        reverse("desk:settings"),
        {"name": "x", "legal_name": "x", "street_address": "x", "postal_code": "1",
         "city": "x", "privacy_email": "a@b.example", "default_language": "en",
         "offered_languages": ["nl"]},
    )  # fmt: skip
    assert response.status_code == 400
    assert b"Offer the default language too." in response.content


def test_signatory_and_signature_image(desk_client, manager, organization):
    client = desk_client(manager)
    response = client.post(
        reverse("desk:settings_signatory"),
        {
            "signatory_name": "Griet Van Wesemael",
            "signatory_title": "Data protection officer",
            "signature_image": SimpleUploadedFile(
                "signature.png", png(size=(120, 40), colour=(0, 0, 0)), "image/png"
            ),
        },
    )
    assert response.status_code == 302
    organization.refresh_from_db()
    assert organization.signatory_title == "Data protection officer"
    image = client.get(reverse("desk:settings_signature_image"))
    assert image.status_code == 200 and image["Content-Type"] == "image/png"
    assert image["X-Content-Type-Options"] == "nosniff"


def test_a_signature_that_is_not_an_image_is_refused(desk_client, manager, organization):
    response = desk_client(manager).post(
        reverse("desk:settings_signatory"),
        {
            "signatory_name": "X",
            "signatory_title": "Y",
            "signature_image": SimpleUploadedFile("sig.png", b"<svg onload=alert(1)>", "image/png"),
        },
    )
    assert response.status_code == 400
    organization.refresh_from_db()
    assert not organization.signature_image


@pytest.mark.django_db(transaction=True)
def test_adding_a_new_member_invites_them_by_e_mail(desk_client, manager, organization):
    response = desk_client(manager).post(
        reverse("desk:settings_members"),
        {"email": "New.Person@OpenMotics.example", "full_name": "New Person", "role": "viewer"},
    )
    assert response.status_code == 302
    user = User.objects.get(email="new.person@openmotics.example")
    assert not user.has_usable_password()
    assert Membership.objects.get(user=user).role == Role.VIEWER
    mail = OutboundEmail.objects.get(to=user.email)
    assert "/accounts/password-reset/" in mail.text_body


def test_adding_an_existing_member_again_is_refused(desk_client, manager, officer):
    response = desk_client(manager).post(
        reverse("desk:settings_members"), {"email": officer.email, "role": "manager"}
    )
    assert response.status_code == 400
    assert b"already a member" in response.content


def test_changing_roles_and_removing_members(desk_client, manager, officer, organization):
    client = desk_client(manager)
    membership = Membership.objects.get(user=officer, organization=organization)
    url = reverse("desk:settings_member", args=[membership.pk])
    client.post(url, {"role": "viewer"})
    membership.refresh_from_db()
    assert membership.role == Role.VIEWER
    client.post(url, {"remove": "on"})
    assert not Membership.objects.filter(pk=membership.pk).exists()


def test_the_last_manager_stays(desk_client, manager, organization):
    client = desk_client(manager)
    own = Membership.objects.get(user=manager, organization=organization)
    url = reverse("desk:settings_member", args=[own.pk])
    response = client.post(url, {"role": "officer"}, follow=True)
    assert b"keeps at least one manager" in response.content
    client.post(url, {"remove": "on"})
    own.refresh_from_db()
    assert own.role == Role.MANAGER


def test_register_recipients_and_reply_templates(desk_client, manager, organization):
    client = desk_client(manager)
    client.post(
        reverse("desk:settings_recipients"),
        {"name": "Mailchimp", "kind": "processor", "purpose": "Newsletters",
         "contact_email": "privacy@mailchimp.example", "country": "US",
         "data_categories": "e-mail address\nname"},
    )  # fmt: skip
    recipient = Recipient.objects.get(organization=organization)
    assert recipient.data_categories == ["e-mail address", "name"]
    client.post(
        reverse("desk:settings_register"),
        {"name": "Newsletter", "purpose": "News about products", "data_categories": "e-mail",
         "legal_basis": "consent", "retention": "Until unsubscribed", "source": "The subject",
         "recipients": [recipient.pk], "position": 1},
    )  # fmt: skip
    activity = ProcessingActivity.objects.get(organization=organization)
    assert list(activity.recipients.all()) == [recipient]
    client.post(
        reverse("desk:settings_templates"),
        {"name": "Thanks", "right": "", "language": "en", "body": "Dear {name}"},
    )
    template = ReplyTemplate.objects.get(organization=organization)
    response = client.post(
        reverse("desk:settings_templates_edit", args=[template.pk]),
        {"name": "Thanks", "right": "access", "language": "en", "body": "Hello {name}"},
    )
    assert response.status_code == 302
    template.refresh_from_db()
    assert template.body == "Hello {name}" and template.right == "access"
    client.post(reverse("desk:settings_recipients_delete", args=[recipient.pk]))
    assert not Recipient.objects.exists()


def test_a_duplicate_name_is_a_form_error_not_a_crash(desk_client, manager, organization):
    Recipient.objects.create(organization=organization, name="Stripe", kind="processor")
    response = desk_client(manager).post(
        reverse("desk:settings_recipients"), {"name": "Stripe", "kind": "processor"}
    )
    assert response.status_code == 400
    assert Recipient.objects.count() == 1


def test_recipients_of_another_organisation_cannot_be_linked(
    desk_client, manager, organization, other_organization
):
    theirs = Recipient.objects.create(organization=other_organization, name="X", kind="processor")
    response = desk_client(manager).post(
        reverse("desk:settings_register"),
        {"name": "A", "purpose": "B", "data_categories": "c", "legal_basis": "contract",
         "retention": "1 year", "source": "s", "recipients": [theirs.pk], "position": 0},
    )  # fmt: skip
    assert response.status_code == 400
    assert not ProcessingActivity.objects.exists()
