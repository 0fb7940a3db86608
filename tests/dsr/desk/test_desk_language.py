"""The desk speaks the officer's language: the browser's by default, or the one chosen with
the EN/NL/FR switch in the header, which is remembered across pages."""

from __future__ import annotations

import re

import pytest

QUEUE = "/desk/"
SET_LANGUAGE = "/i18n/setlang/"


def _switch(content: str) -> str:
    match = re.search(r'<form[^>]*class="inline language-switch".*?</form>', content, re.S)
    assert match, "the desk header has no language switch"
    return match.group(0)


@pytest.mark.parametrize(
    ("accept_language", "queue_title"),
    [("nl-BE,nl;q=0.9", "Wachtrij"), ("fr-BE,fr;q=0.9", "File d'attente"), ("en", "Queue")],
)
def test_without_a_choice_the_desk_follows_the_browser(
    desk_client, officer, accept_language, queue_title
):
    response = desk_client(officer).get(QUEUE, HTTP_ACCEPT_LANGUAGE=accept_language)
    content = response.content.decode()
    assert response.status_code == 200
    assert f'<html lang="{accept_language[:2]}">' in content
    assert f">{queue_title}</a>" in content


def test_the_header_offers_the_two_other_languages(desk_client, officer):
    content = desk_client(officer).get(QUEUE, HTTP_ACCEPT_LANGUAGE="nl").content.decode()
    switch = _switch(content)
    assert 'action="/i18n/setlang/"' in switch
    assert re.findall(r'name="language" value="(\w+)"', switch) == ["en", "fr"]
    assert '<strong lang="nl" title="Nederlands" aria-current="true">NL</strong>' in switch
    assert f'name="next" value="{QUEUE}"' in switch


def test_the_chosen_language_beats_the_browser_on_every_desk_page(
    desk_client, officer, make_request
):
    request_obj = make_request()
    client = desk_client(officer)
    response = client.post(
        SET_LANGUAGE, {"language": "fr", "next": QUEUE}, HTTP_ACCEPT_LANGUAGE="nl"
    )
    assert response.status_code == 302 and response["Location"] == QUEUE
    queue = client.get(QUEUE, HTTP_ACCEPT_LANGUAGE="nl").content.decode()
    assert '<html lang="fr">' in queue and ">File d'attente</a>" in queue
    page = client.get(f"/desk/requests/{request_obj.reference}/", HTTP_ACCEPT_LANGUAGE="nl")
    assert ">Chronologie</h2>" in page.content.decode()


def test_the_switch_does_not_send_the_officer_to_another_site(desk_client, officer):
    response = desk_client(officer).post(
        SET_LANGUAGE, {"language": "nl", "next": "https://evil.example/desk/"}
    )
    assert response.status_code == 302
    assert not response["Location"].startswith("https://evil.example")


def test_the_choice_is_kept_on_the_account_for_other_browsers(desk_client, officer):
    desk_client(officer).post(SET_LANGUAGE, {"language": "fr", "next": QUEUE})
    officer.refresh_from_db()
    assert officer.language == "fr"
    # Another browser (no language cookie) whose Accept-Language says Dutch: French, as chosen.
    elsewhere = desk_client(officer)
    elsewhere.cookies.pop("django_language", None)
    queue = elsewhere.get(QUEUE, HTTP_ACCEPT_LANGUAGE="nl").content.decode()
    assert '<html lang="fr">' in queue and ">File d'attente</a>" in queue


def test_a_language_that_is_not_offered_changes_nothing(desk_client, officer):
    response = desk_client(officer).post(SET_LANGUAGE, {"language": "de", "next": QUEUE})
    assert response.status_code == 302
    officer.refresh_from_db()
    assert officer.language == ""


def test_the_switch_takes_only_post(desk_client, officer):
    assert desk_client(officer).get(SET_LANGUAGE, {"language": "fr"}).status_code == 405
