"""Issue 18's organisation settings: four eyes on erasure (on by default), refusals and
releases (off), release without review of own-data sources (off); managers edit them."""

from __future__ import annotations

from django.urls import reverse

from accounts.models import Organization


def _details(organization: Organization, **extra: object) -> dict:
    return {
        "name": organization.name,
        "legal_name": organization.legal_name,
        "street_address": organization.street_address,
        "postal_code": organization.postal_code,
        "city": organization.city,
        "privacy_email": organization.privacy_email,
        "default_language": organization.default_language,
        "offered_languages": organization.offered_languages,
        **extra,
    }


def test_defaults():
    """A new organisation: four eyes on erasure, the rest off (the tests' organisation turns
    erasure's off, tests/conftest.py)."""
    organization = Organization()
    assert organization.four_eyes_erasure is True
    assert organization.four_eyes_refusal is False
    assert organization.four_eyes_release is False
    assert organization.release_unreviewed_own_data is False


def test_a_manager_edits_the_human_control_settings(desk_client, manager, organization):
    organization.four_eyes_erasure = True
    organization.save()
    page = desk_client(manager).get(reverse("desk:settings"))
    assert b'name="four_eyes_erasure"' in page.content
    assert b'name="release_unreviewed_own_data"' in page.content
    response = desk_client(manager).post(
        reverse("desk:settings"),
        _details(organization, four_eyes_refusal="on", four_eyes_release="on"),
    )
    assert response.status_code == 302
    organization.refresh_from_db()
    assert organization.four_eyes_erasure is False  # unticked
    assert organization.four_eyes_refusal is True
    assert organization.four_eyes_release is True
    assert organization.release_unreviewed_own_data is False


def test_officers_and_viewers_cannot_change_them(desk_client, officer, viewer, organization):
    organization.four_eyes_erasure = True
    organization.save()
    for member in (officer, viewer):
        response = desk_client(member).post(
            reverse("desk:settings"), _details(organization, four_eyes_refusal="on")
        )
        assert response.status_code == 403
    organization.refresh_from_db()
    assert organization.four_eyes_erasure is True
    assert organization.four_eyes_refusal is False


def test_labels_are_translated(desk_client, manager):
    manager.language = "nl"
    manager.save()
    page = desk_client(manager).get(reverse("desk:settings"), HTTP_ACCEPT_LANGUAGE="nl")
    assert "vier ogen bij wissen en anonimiseren" in page.content.decode().lower()
