"""The register, the signatory's title and the place in the letter's language (issue 16):
a letter in a language the register lacks is refused, naming what is missing, never mixed."""

from __future__ import annotations

import pytest
from django.urls import reverse
from letter_helpers import issue, make_state, verify_session

from dsr.letters import services
from dsr.models import Letter, LetterKind, Right

pytestmark = pytest.mark.django_db


@pytest.fixture
def dutch_access(make_request, officer_actor, register):
    return make_state(
        make_request, officer_actor, right=Right.ACCESS, state="completed", language="nl"
    )


def test_an_access_answer_the_register_lacks_a_text_for_is_refused_naming_it(
    dutch_access, register, officer
):
    metering = register[1]
    metering.texts["nl"]["retention"] = ""
    metering.save()
    with pytest.raises(services.LetterError) as refused:
        issue(dutch_access, LetterKind.ANSWER, officer)
    assert str(refused.value) == (
        "The register has no Dutch text for: retention of “Vermogensmetingen”"
    )
    assert not Letter.objects.exists()


def test_the_refusal_names_every_missing_entry_and_the_recipients(dutch_access, register, officer):
    account = register[0]
    del account.texts["nl"]
    account.save()
    cloud = account.recipients.get()
    cloud.purpose = "Hosts the platform."
    del cloud.texts["nl"]
    cloud.save()
    with pytest.raises(services.LetterError) as refused:
        issue(dutch_access, LetterKind.ANSWER, officer)
    message = str(refused.value)
    for entry in (
        "name of “Customer account”",
        "purpose of “Customer account”",
        "categories of “Customer account”",
        "retention of “Customer account”",
        "source of “Customer account”",
        "name of recipient “Cloud hosting provider (EU)”",
        "description of recipient “Cloud hosting provider (EU)”",
    ):
        assert entry in message
    assert "Vermogensmetingen" not in message  # complete in Dutch


def test_only_the_chosen_activities_need_the_language(dutch_access, register, officer):
    del register[0].texts["nl"]
    register[0].save()
    letter = issue(dutch_access, LetterKind.ANSWER, officer, activity_ids=[register[1].pk])
    assert [line["name"] for line in letter.content["register"]] == ["Vermogensmetingen"]


def test_the_signatory_title_and_place_are_needed_for_every_letter(
    organization, make_request, officer_actor, officer
):
    organization.signatory_title = "Data Protection Officer"
    organization.texts = {"fr": {"signatory_title": "Délégué à la protection des données"}}
    organization.save()
    request = make_state(
        make_request, officer_actor, right=Right.ERASURE, state="open", language="fr"
    )
    with pytest.raises(services.LetterError) as refused:
        issue(request, LetterKind.ACKNOWLEDGEMENT, officer)
    assert str(refused.value) == (
        "The register has no French text for: the place letters are dated from"
    )
    organization.texts["fr"]["place"] = "Ternat"
    organization.save()
    letter = issue(request, LetterKind.ACKNOWLEDGEMENT, officer)
    assert letter.content["organization"]["signatory_title"] == (
        "Délégué à la protection des données"
    )
    assert letter.content["organization"]["place"] == "Ternat"


def test_the_desk_refuses_and_says_what_is_missing(client, officer, dutch_access, register):
    register[1].texts["nl"]["source"] = " "
    register[1].save()
    verify_session(client, officer)
    compose = client.get(reverse("letters:compose", args=[dutch_access.pk]) + "?kind=answer")
    assert compose.status_code == 200
    assert "source of “Vermogensmetingen”" in compose.content.decode()
    response = client.post(
        reverse("letters:issue", args=[dutch_access.pk]),
        {"kind": "answer", "letter-activities": [activity.pk for activity in register]},
        follow=True,
    )
    assert "The register has no Dutch text for: source of “Vermogensmetingen”" in (
        response.content.decode()
    )
    assert not Letter.objects.exists()


def test_an_art19_answer_names_the_recipients_in_the_letters_language(
    make_request, officer_actor, register, officer
):
    request = make_state(
        make_request, officer_actor, right=Right.ERASURE, state="completed", language="fr"
    )
    letter = issue(
        request, LetterKind.ANSWER, officer, recipients_told=["Cloud hosting provider (EU)"]
    )
    assert letter.content["recipients_told"] == ["Hébergeur cloud (UE)"]
    assert letter.content["art19"]["told"] == ["Hébergeur cloud (UE)"]
    assert letter.content["art19"]["not_told"] == ["Google Analytics"]


def test_an_art19_answer_is_refused_while_a_recipient_has_no_name_in_its_language(
    make_request, officer_actor, register, officer
):
    cloud = register[0].recipients.get()
    del cloud.texts["fr"]
    cloud.save()
    request = make_state(
        make_request, officer_actor, right=Right.ERASURE, state="completed", language="fr"
    )
    with pytest.raises(services.LetterError) as refused:
        issue(request, LetterKind.ANSWER, officer)
    assert str(refused.value) == (
        "The register has no French text for: name of recipient “Cloud hosting provider (EU)”"
    )
