"""The register, the recipients and the signatory edited side by side, one column per
language the organisation offers (issue 16)."""

from __future__ import annotations

import pytest
from django.urls import reverse

from dsr.models import ProcessingActivity, Recipient

pytestmark = pytest.mark.django_db


def test_the_register_page_has_a_column_per_offered_language(desk_client, manager):
    html = desk_client(manager).get(reverse("desk:settings_register")).content.decode()
    for name in ("purpose", "retention", "source", "automated_decision_logic", "name"):
        assert f'name="{name}"' in html
        assert f'name="{name}__nl"' in html and f'name="{name}__fr"' in html
    assert 'name="data_categories__fr"' in html
    assert 'name="legal_basis__nl"' not in html  # a choice: the letters word it per language


def test_a_register_line_saves_its_texts_side_by_side(desk_client, manager, organization):
    client = desk_client(manager)
    response = client.post(
        reverse("desk:settings_register"),
        {
            "name": "App account",
            "name__nl": "App-account",
            "name__fr": "Compte de l'application",
            "purpose": "Run the app.",
            "purpose__nl": "De app laten werken.",
            "purpose__fr": "Faire fonctionner l'application.",
            "data_categories": "Name\nE-mail address",
            "data_categories__nl": "Naam\nE-mailadres",
            "data_categories__fr": "Nom\nAdresse e-mail",
            "legal_basis": "contract",
            "retention": "As long as the account exists.",
            "retention__nl": "Zolang het account bestaat.",
            "source": "The data subject",
            "source__nl": "De betrokkene",
            "source__fr": "La personne concernée",
            "position": 0,
        },
    )
    assert response.status_code == 302  # a missing French retention is no reason to refuse
    activity = ProcessingActivity.objects.get(organization=organization)
    assert activity.purpose == "Run the app."
    assert activity.texts == {
        "nl": {
            "name": "App-account",
            "purpose": "De app laten werken.",
            "data_categories": ["Naam", "E-mailadres"],
            "retention": "Zolang het account bestaat.",
            "source": "De betrokkene",
        },
        "fr": {
            "name": "Compte de l'application",
            "purpose": "Faire fonctionner l'application.",
            "data_categories": ["Nom", "Adresse e-mail"],
            "source": "La personne concernée",
        },
    }
    edit = client.get(reverse("desk:settings_register_edit", args=[activity.pk]))
    assert "Zolang het account bestaat." in edit.content.decode()

    response = client.post(
        reverse("desk:settings_register_edit", args=[activity.pk]),
        {
            "name": "App account",
            "purpose": "Run the app.",
            "data_categories": "Name",
            "legal_basis": "contract",
            "retention": "As long as the account exists.",
            "source": "The data subject",
            "retention__fr": "Tant que le compte existe.",
            "position": 0,
        },
    )
    assert response.status_code == 302
    activity.refresh_from_db()
    assert activity.texts == {"fr": {"retention": "Tant que le compte existe."}}


def test_a_recipient_translates_its_name_and_what_it_does(desk_client, manager, organization):
    client = desk_client(manager)
    html = client.get(reverse("desk:settings_recipients")).content.decode()
    assert 'name="name__nl"' in html and 'name="name__fr"' in html
    response = client.post(
        reverse("desk:settings_recipients"),
        {
            "name": "Authorities and courts",
            "name__nl": "Overheden en rechtbanken",
            "name__fr": "Autorités et tribunaux",
            "kind": "third_party",
            "purpose": "Sends newsletters.",
            "purpose__nl": "Verstuurt nieuwsbrieven.",
            "data_categories": "E-mail address",
            "data_categories__fr": "Adresse e-mail",
        },
    )
    assert response.status_code == 302
    recipient = Recipient.objects.get(organization=organization)
    assert recipient.name == "Authorities and courts"
    assert recipient.texts == {
        "nl": {"name": "Overheden en rechtbanken", "purpose": "Verstuurt nieuwsbrieven."},
        "fr": {"name": "Autorités et tribunaux", "data_categories": ["Adresse e-mail"]},
    }


def test_the_signatory_title_and_place_per_language(desk_client, manager, organization):
    organization.city = "Brussel"
    organization.save()
    client = desk_client(manager)
    html = client.get(reverse("desk:settings_signatory")).content.decode()
    assert 'name="signatory_title__fr"' in html and 'name="place__nl"' in html
    response = client.post(
        reverse("desk:settings_signatory"),
        {
            "signatory_name": "Griet Van Wesemael",
            "signatory_title": "Data Protection Officer",
            "signatory_title__nl": "Functionaris voor gegevensbescherming",
            "signatory_title__fr": "Délégué à la protection des données",
            "place": "Brussels",  # the city's English name, for English letters
            "place__nl": "Brussel",
            "place__fr": "Bruxelles",
        },
    )
    assert response.status_code == 302
    organization.refresh_from_db()
    assert organization.city == "Brussel"
    assert organization.texts == {
        "nl": {"signatory_title": "Functionaris voor gegevensbescherming", "place": "Brussel"},
        "fr": {"signatory_title": "Délégué à la protection des données", "place": "Bruxelles"},
        "en": {"place": "Brussels"},
    }
    assert organization.letter_text("place", "fr") == "Bruxelles"
    assert organization.letter_text("place", "en") == "Brussels"

    response = client.post(
        reverse("desk:settings_signatory"),
        {"signatory_name": "Griet Van Wesemael", "signatory_title": "DPO", "place": ""},
    )
    assert response.status_code == 302  # empty texts are saved; letters say what is missing
    organization.refresh_from_db()
    assert organization.texts == {}
    assert organization.letter_text("place", "en") == "Brussel"  # the city


def test_the_settings_say_what_each_language_lacks_before_a_letter_is_refused(
    desk_client, manager, organization
):
    ProcessingActivity.objects.create(
        organization=organization,
        name="Metering",
        purpose="Show energy use.",
        data_categories=["Power readings"],
        legal_basis="contract",
        retention="Two years.",
        texts={
            "nl": {
                "name": "Metingen",
                "purpose": "Verbruik tonen.",
                "data_categories": ["Vermogensmetingen"],
                "source": "De betrokkene",
            }
        },
    )
    client = desk_client(manager)
    html = client.get(reverse("desk:settings_register")).content.decode()
    assert "retention of “Metingen”" in html  # Dutch lacks only its retention
    assert "purpose of “Metering”" in html  # French lacks everything
    organization.signatory_title = "Data Protection Officer"
    organization.save()
    html = client.get(reverse("desk:settings_signatory")).content.decode()
    assert "the signatory&#x27;s title" in html or "the signatory's title" in html
