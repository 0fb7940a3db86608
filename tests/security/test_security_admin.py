"""The Django admin cannot cross an organisation, nor skip the checks the desk makes.

Signed into the admin as a manager of OpenMotics (A), with Maxem (B) next door: every
relation offers A's objects only, a forged POST naming B's objects is a form error and saves
nothing, the fields the desk checks (the TSA address, images, retention) cannot be set around
those checks, and membership forms offer A's people only. A platform operator (superuser)
sees every organisation but still cannot link one organisation's objects to another's.
"""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from accounts.models import Membership, Organization, Role, User
from dsr.models import ProcessingActivity, Recipient
from tests.conftest import make_user


@pytest.fixture(autouse=True)
def _own_cache(settings) -> None:
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    from django.core.cache import cache

    cache.clear()


@pytest.fixture
def admin_as(desk_client):
    """`admin_as(user)`: a client signed in (password and one-time code) as `user`, with the
    right to open the admin."""

    def sign_in(user: User):
        user.is_staff = True
        user.save(update_fields=["is_staff"])
        return desk_client(user)

    return sign_in


@pytest.fixture
def ours(organization) -> dict:
    recipient = Recipient.objects.create(
        organization=organization, name="OpenMotics Mailer", kind="processor"
    )
    activity = ProcessingActivity.objects.create(
        organization=organization, name="Accounts", purpose="Customer accounts",
        data_categories=["contact details"], legal_basis="contract", retention="2 years",
    )  # fmt: skip
    return {"recipient": recipient, "activity": activity}


@pytest.fixture
def theirs(other_organization) -> dict:
    recipient = Recipient.objects.create(
        organization=other_organization, name="Maxem Secret Processor", kind="processor",
        contact_email="dpo@maxem-processor.example",
    )  # fmt: skip
    activity = ProcessingActivity.objects.create(
        organization=other_organization, name="Metering", purpose="x",
        legal_basis="contract", retention="2 years",
    )  # fmt: skip
    person = make_user("officer@maxem.example", other_organization, Role.OFFICER)
    return {"recipient": recipient, "activity": activity, "person": person}


def activity_post(activity: ProcessingActivity, recipients: list[int], **overrides) -> dict:
    data = {
        "organization": str(activity.organization_id),
        "name": activity.name,
        "purpose": activity.purpose,
        "data_categories": "contact details",
        "legal_basis": activity.legal_basis,
        "retention": activity.retention,
        "source": "The data subject",
        "automated_decision_logic": "",
        "recipients": [str(pk) for pk in recipients],
        "position": "0",
    }
    data.update(overrides)
    return data


def page_text(response) -> str:
    return response.content.decode()


# --- the recipients of a processing activity ---------------------------------------------------


def test_the_activity_form_lists_only_the_organisations_recipients(admin_as, manager, ours, theirs):
    client = admin_as(manager)
    url = reverse("admin:dsr_processingactivity_change", args=[ours["activity"].pk])
    response = client.get(url)
    assert response.status_code == 200
    choices = response.context["adminform"].form.fields["recipients"].queryset
    assert list(choices) == [ours["recipient"]]
    assert "Maxem Secret Processor" not in page_text(response)
    add = client.get(reverse("admin:dsr_processingactivity_add"))
    assert list(add.context["adminform"].form.fields["recipients"].queryset) == [ours["recipient"]]


def test_a_forged_post_with_another_organisations_recipient_saves_nothing(
    admin_as, manager, ours, theirs
):
    client = admin_as(manager)
    activity = ours["activity"]
    url = reverse("admin:dsr_processingactivity_change", args=[activity.pk])
    forged = activity_post(activity, [ours["recipient"].pk, theirs["recipient"].pk], name="X")
    response = client.post(url, forged)
    assert response.status_code == 200  # the form again, with its error
    assert response.context["adminform"].form.errors["recipients"]
    activity.refresh_from_db()
    assert activity.name == "Accounts"
    assert list(activity.recipients.all()) == []
    # Adding a new activity with their recipient: refused too.
    add = client.post(
        reverse("admin:dsr_processingactivity_add"),
        activity_post(ProcessingActivity(organization=activity.organization, name="New",
                                         purpose="p", legal_basis="contract", retention="1y"),
                      [theirs["recipient"].pk]),
    )  # fmt: skip
    assert add.status_code == 200
    assert not ProcessingActivity.objects.filter(name="New").exists()
    assert not theirs["recipient"].activities.exists()
    # The same form with their own recipient is saved (the refusal was the recipient).
    response = client.post(url, activity_post(activity, [ours["recipient"].pk]))
    assert response.status_code == 302
    assert list(activity.recipients.all()) == [ours["recipient"]]


def test_a_manager_of_both_organisations_cannot_cross_them_either(
    admin_as, manager, other_organization, ours, theirs
):
    Membership.objects.create(user=manager, organization=other_organization, role=Role.MANAGER)
    client = admin_as(manager)
    activity = ours["activity"]
    url = reverse("admin:dsr_processingactivity_change", args=[activity.pk])
    response = client.post(url, activity_post(activity, [theirs["recipient"].pk]))
    assert response.status_code == 200
    errors = response.context["adminform"].form.errors
    assert "another organisation" in str(errors["recipients"])
    assert not activity.recipients.exists()
    # Moving the activity to Maxem while keeping OpenMotics's recipient: refused as well.
    moved = activity_post(activity, [ours["recipient"].pk], organization=str(other_organization.pk))
    assert client.post(url, moved).status_code == 200
    activity.refresh_from_db()
    assert activity.organization_id == ours["recipient"].organization_id


def test_categories_are_edited_as_the_desk_edits_them(admin_as, manager, ours):
    """The desk takes a list of texts; a forged JSON object is stored as text, never as an
    object the letters and Art. 19 notices would trip on."""
    client = admin_as(manager)
    activity = ours["activity"]
    url = reverse("admin:dsr_processingactivity_change", args=[activity.pk])
    data = activity_post(activity, [], data_categories='{"a": 1}\nbilling, usage')
    assert client.post(url, data).status_code == 302
    activity.refresh_from_db()
    assert activity.data_categories == ['{"a": 1}', "billing", "usage"]
    recipient = ours["recipient"]
    response = client.post(
        reverse("admin:dsr_recipient_change", args=[recipient.pk]),
        {"organization": str(recipient.organization_id), "name": recipient.name,
         "kind": "processor", "purpose": "", "contact_email": "", "country": "",
         "data_categories": "contact details"},
    )  # fmt: skip
    assert response.status_code == 302
    recipient.refresh_from_db()
    assert recipient.data_categories == ["contact details"]


def test_the_platform_operator_sees_everything_but_cannot_cross_organisations(
    admin_as, ours, theirs
):
    operator = User.objects.create_superuser("operator@desk.example", "x" * 20)
    client = admin_as(operator)
    activity = ours["activity"]
    url = reverse("admin:dsr_processingactivity_change", args=[activity.pk])
    choices = client.get(url).context["adminform"].form.fields["recipients"].queryset
    assert set(choices) == {ours["recipient"], theirs["recipient"]}
    response = client.post(url, activity_post(activity, [theirs["recipient"].pk]))
    assert response.status_code == 200
    assert not activity.recipients.exists()


def test_the_admin_lists_do_not_name_other_organisations(admin_as, manager, ours, theirs):
    client = admin_as(manager)
    for name in ("dsr_recipient", "dsr_processingactivity", "accounts_membership", "dsr_request"):
        response = client.get(reverse(f"admin:{name}_changelist"))
        assert response.status_code == 200, name
        assert "Maxem" not in page_text(response), name


# --- the organisation: fields the desk checks ----------------------------------------------


def organization_post(organization: Organization, **overrides) -> dict:
    data = {
        "name": organization.name,
        "legal_name": organization.legal_name,
        "street_address": organization.street_address,
        "postal_code": organization.postal_code,
        "city": organization.city,
        "company_number": organization.company_number,
        "privacy_email": organization.privacy_email,
        "website": "",
        "default_language": organization.default_language,
        "offered_languages": list(organization.offered_languages),
        "requires_identity_document": "",
        "reminder_days": "[7, 2, 0]",
        # The fields below are each set elsewhere, with checks; a forged POST sends them anyway.
        "slug": "hijacked",
        "reference_prefix": "HIJ",
        "country": "NL",
        "time_zone": "UTC",
        "letter_window": "right",
        "timestamp_url": "http://127.0.0.1:9/tsa",
        "signatory_name": "Forged Signatory",
        "identity_document_retention_days": "0",
        "request_retention_days": "0",
        # The inline, for an operator who sees it.
        "memberships-TOTAL_FORMS": "0",
        "memberships-INITIAL_FORMS": "0",
        "memberships-MIN_NUM_FORMS": "0",
        "memberships-MAX_NUM_FORMS": "1000",
    }
    data.update(overrides)
    return data


def svg_named_png() -> SimpleUploadedFile:
    return SimpleUploadedFile(
        "logo.png", b'<svg xmlns="http://www.w3.org/2000/svg"><script>1</script></svg>',
        content_type="image/png",
    )  # fmt: skip


@pytest.mark.parametrize("who", ["manager", "operator"])
def test_a_forged_tsa_address_images_and_retention_are_not_stored(
    admin_as, manager, organization, who
):
    user = manager if who == "manager" else User.objects.create_superuser("op@desk.example", "x")
    client = admin_as(user)
    url = reverse("admin:accounts_organization_change", args=[organization.pk])
    page = client.get(url)
    assert page.status_code == 200
    assert "/desk/letters/organization/" in page_text(page)  # where the TSA is set
    data = organization_post(organization, name="OpenMotics NV")
    data["logo"] = svg_named_png()
    data["signature_image"] = svg_named_png()
    response = client.post(url, data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    organization.refresh_from_db()
    assert organization.name == "OpenMotics NV"  # the post itself went through
    assert organization.timestamp_url == ""
    assert not organization.logo and not organization.signature_image
    assert organization.signatory_name == ""
    assert organization.letter_window == "left"
    assert (organization.slug, organization.reference_prefix) == ("openmotics", "OPM")
    assert (organization.country, organization.time_zone) == ("BE", "Europe/Brussels")
    if who == "manager":
        assert organization.identity_document_retention_days == 30
        assert organization.request_retention_days == 3 * 365


def test_the_organisation_form_checks_what_the_desk_checks(admin_as, manager, organization):
    client = admin_as(manager)
    url = reverse("admin:accounts_organization_change", args=[organization.pk])
    # The desk's rule: the default language must be offered; unknown languages are refused.
    for languages in (["nl", "fr"], ["xx"]):
        data = organization_post(organization, default_language="en", offered_languages=languages)
        response = client.post(url, data)
        assert response.status_code == 200
        assert response.context["adminform"].form.errors["offered_languages"]
    organization.refresh_from_db()
    assert organization.offered_languages == ["en", "nl", "fr"]


# --- memberships: people of the organisation only ---------------------------------------------


def test_membership_forms_offer_only_the_organisations_people(
    admin_as, manager, officer, organization, other_organization, theirs
):
    client = admin_as(manager)
    add = client.get(reverse("admin:accounts_membership_add"))
    assert add.status_code == 200
    form = add.context["adminform"].form
    assert set(form.fields["user"].queryset) == {manager, officer}
    assert list(form.fields["organization"].queryset) == [organization]
    assert "officer@maxem.example" not in page_text(add)
    # A forged POST putting Maxem's officer into OpenMotics as a manager: a form error.
    response = client.post(
        reverse("admin:accounts_membership_add"),
        {"user": str(theirs["person"].pk), "organization": str(organization.pk),
         "role": "manager", "daily_digest": "on"},
    )  # fmt: skip
    assert response.status_code == 200
    assert response.context["adminform"].form.errors["user"]
    assert not Membership.objects.filter(user=theirs["person"], organization=organization).exists()
    # Nor can a manager pick Maxem for anyone.
    response = client.post(
        reverse("admin:accounts_membership_add"),
        {"user": str(officer.pk), "organization": str(other_organization.pk), "role": "viewer"},
    )
    assert response.status_code == 200
    assert not Membership.objects.filter(organization=other_organization, user=officer).exists()


def test_an_existing_membership_keeps_its_person_and_its_last_manager(
    admin_as, manager, officer, organization, theirs
):
    client = admin_as(manager)
    membership = Membership.objects.get(user=officer, organization=organization)
    url = reverse("admin:accounts_membership_change", args=[membership.pk])
    response = client.post(
        url, {"user": str(theirs["person"].pk), "organization": str(organization.pk),
              "role": "viewer", "daily_digest": "on"},
    )  # fmt: skip
    membership.refresh_from_db()
    assert membership.user == officer  # the person of a membership is not changed here
    assert not Membership.objects.filter(user=theirs["person"], organization=organization).exists()
    assert response.status_code in (200, 302)
    # The last manager cannot demote themselves (the desk's rule).
    own = Membership.objects.get(user=manager, organization=organization)
    response = client.post(
        reverse("admin:accounts_membership_change", args=[own.pk]),
        {"role": "viewer", "daily_digest": "on"},
    )
    assert response.status_code == 200
    own.refresh_from_db()
    assert own.role == Role.MANAGER
    # Removing members is the desk's members page (it keeps a manager, hands back work).
    delete = client.post(
        reverse("admin:accounts_membership_delete", args=[membership.pk]), {"post": "yes"}
    )
    assert delete.status_code == 403
    assert Membership.objects.filter(pk=membership.pk).exists()


def test_the_operator_still_creates_an_organisation_with_its_first_manager(admin_as, manager):
    operator = User.objects.create_superuser("operator@desk.example", "x" * 20)
    client = admin_as(operator)
    add = reverse("admin:accounts_organization_add")
    assert client.get(add).status_code == 200
    data = organization_post(
        Organization(name="Acme", legal_name="Acme NV", street_address="Kerkstraat 1",
                     postal_code="1000", city="Brussel", privacy_email="privacy@acme.example",
                     default_language="nl", offered_languages=["nl", "fr"]),
        slug="acme", reference_prefix="ACME", country="BE", time_zone="Europe/Brussels",
        identity_document_retention_days="30", request_retention_days="1095",
    )  # fmt: skip
    data.update({"memberships-TOTAL_FORMS": "1", "memberships-0-user": str(manager.pk),
                 "memberships-0-role": "manager", "memberships-0-daily_digest": "on"})  # fmt: skip
    response = client.post(add, data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    acme = Organization.objects.get(slug="acme")
    assert acme.reference_prefix == "ACME" and acme.timestamp_url == ""
    assert acme.memberships.get().user == manager
