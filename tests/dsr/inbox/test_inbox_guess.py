"""The inbox's guesses on realistic mails: safe text from HTML, language, rights and why."""

from __future__ import annotations

import pytest

from dsr.inbox.guess import (
    guess_language,
    guess_message,
    guess_rights,
    html_to_text,
    suggestion_words,
    suggests_direct_marketing,
    tidy_text,
)


def rights_of(text: str) -> dict[str, tuple[str, ...]]:
    return {suggestion.right: suggestion.words for suggestion in guess_rights(text)}


DUTCH_ACCESS_AND_ERASURE = """Geachte heer, mevrouw,

Hierbij wil ik gebruikmaken van mijn recht op inzage. Graag ontvang ik een kopie van mijn
gegevens die u van mij bewaart, ook van mijn zonnepanelen-installatie.

Daarna wil ik dat u al mijn gegevens verwijdert; ik ben geen klant meer.

Met vriendelijke groeten,
Sanne de Vries
"""

FRENCH_ACCESS = """Bonjour,

Conformément au RGPD, je souhaite exercer mon droit d\u2019accès et obtenir une copie de mes
données personnelles que vous détenez.

Cordialement,
Amélie Dubois
"""

FRENCH_ERASURE_AND_OPT_OUT = """Madame, Monsieur,

Je vous demande l'effacement de mes données et je ne veux plus recevoir vos offres :
veuillez me désinscrire de votre liste.

Merci d'avance,
Luc Martin
"""

ENGLISH_SAR = """Hello,

This is a subject access request under Article 15 GDPR. Please send me a copy of all my
personal data and tell me who you shared it with.

Kind regards,
James Carter
"""

ENGLISH_OPT_OUT = """Hi, please stop sending me marketing e-mails. I want to opt-out of all of it.
Thanks, Priya"""

DUTCH_OBJECTION_AND_UNSUBSCRIBE = """Beste iLumen,

Ik maak bezwaar tegen het gebruik van mijn gegevens voor reclame. Graag uitschrijven voor
de nieuwsbrief.

Groeten, Pieter Janssens"""

ENGLISH_NEWSLETTER = """Solar news for installers - March edition

Our new inverter line is here! Read all about the 2026 range and the new warranty terms.

You receive this newsletter because you subscribed on our website.
Unsubscribe: https://news.example.com/u/8f2a1c
Manage your preferences at www.example.com/preferences
"""

DUTCH_NEWSLETTER_HTML = """<html><body><h1>Nieuwsbrief april</h1>
<p>De zomer komt eraan: laat uw panelen nakijken en bekijk ook onze aanbieding voor een
nieuwe omvormer. Wij helpen u graag met een afspraak bij u thuis.</p>
<p style="font-size:10px">Geen interesse meer?
<a href="https://mail.example.nl/afmelden?id=1">Uitschrijven</a></p></body></html>"""

DUTCH_INVOICE_QUESTION = """Goedemiddag,

Ik heb een vraag over mijn factuur van maart (nummer 2026-0311). Het bedrag lijkt hoger
dan afgesproken. Kunt u dit nakijken en mij laten weten of er een creditnota komt?

Met vriendelijke groet,
Tom Peeters"""

ENGLISH_INVOICE_QUESTION = """Dear support,

I have a question about invoice INV-20431: the VAT amount looks different from the quote.
Could you have a look and send me a corrected invoice if needed?

Best regards,
Emma"""

DUTCH_FORGOT_PASSWORD = """Hallo, ik ben mijn wachtwoord vergeten en kan niet meer inloggen in
de app. Kunnen jullie helpen? Groet, Kees"""


def test_dutch_access_and_erasure_with_their_words() -> None:
    rights = rights_of(DUTCH_ACCESS_AND_ERASURE)
    assert set(rights) == {"access", "erasure"}
    assert "inzage" in rights["access"]
    assert any(word.startswith("kopie van mijn") for word in rights["access"])
    assert rights["erasure"] == ("verwijdert",)
    assert guess_language(DUTCH_ACCESS_AND_ERASURE).language == "nl"


def test_french_access_with_typographic_apostrophe_and_accents() -> None:
    rights = rights_of(FRENCH_ACCESS)
    assert set(rights) == {"access"}
    # The words are shown as the subject wrote them (accents, curly apostrophe).
    assert "droit d\u2019accès" in rights["access"]
    assert "copie de mes\ndonnées".replace("\n", " ") in rights["access"]
    assert guess_language(FRENCH_ACCESS).language == "fr"


def test_french_erasure_and_opt_out_is_an_objection_to_direct_marketing() -> None:
    suggestions = guess_rights(FRENCH_ERASURE_AND_OPT_OUT)
    by_right = {suggestion.right: suggestion for suggestion in suggestions}
    assert set(by_right) == {"erasure", "objection"}
    assert by_right["erasure"].words == ("effacement",)
    assert by_right["objection"].direct_marketing
    assert set(by_right["objection"].words) == {"ne veux plus recevoir", "désinscrire"}
    assert not by_right["erasure"].direct_marketing


def test_english_subject_access_request() -> None:
    rights = rights_of(ENGLISH_SAR)
    assert set(rights) == {"access"}
    assert "subject access request" in rights["access"]
    assert "copy of all my\npersonal data".replace("\n", " ") in rights["access"]
    assert guess_language(ENGLISH_SAR).language == "en"


def test_english_opt_out() -> None:
    [suggestion] = guess_rights(ENGLISH_OPT_OUT)
    assert suggestion.right == "objection" and suggestion.direct_marketing
    assert set(suggestion.words) == {"stop sending", "opt-out"}


def test_dutch_objection_with_unsubscribe() -> None:
    [suggestion] = guess_rights(DUTCH_OBJECTION_AND_UNSUBSCRIBE)
    assert suggestion.right == "objection" and suggestion.direct_marketing
    assert suggestion.words == ("bezwaar", "uitschrijven")


def test_plain_objection_is_not_direct_marketing() -> None:
    [suggestion] = guess_rights("I object to the processing of my data for profiling.")
    assert suggestion.right == "objection" and not suggestion.direct_marketing


@pytest.mark.parametrize(
    ("text", "right", "words"),
    [
        (
            "Mijn adres is onjuist, graag gegevens aanpassen.",
            "rectification",
            ("gegevens aanpassen", "adres is onjuist"),
        ),
        ("Please rectify my date of birth.", "rectification", ("rectify",)),
        ("Je demande de rectifier mon nom.", "rectification", ("rectifier",)),
        (
            "I ask you to restrict the processing of my data.",
            "restriction",
            ("restrict the processing",),
        ),
        ("Graag beperking van de verwerking.", "restriction", ("beperking van de verwerking",)),
        ("Je demande la limitation du traitement.", "restriction", ("limitation du traitement",)),
        (
            "Under data portability, send it machine-readable.",
            "portability",
            ("data portability", "machine-readable"),
        ),
        ("Ik vraag om dataportabiliteit.", "portability", ("dataportabiliteit",)),
        ("Je demande la portabilité de mes données.", "portability", ("portabilité",)),
        ("Ik wil vergeten te worden.", "erasure", ("vergeten te worden",)),
        ("Please erase everything.", "erasure", ("erase",)),
        ("Veuillez supprimer mon compte.", "erasure", ("supprimer",)),
        ("J'exerce mon droit d'opposition.", "objection", ("droit d'opposition",)),
    ],
)
def test_each_right_in_each_language(text: str, right: str, words: tuple[str, ...]) -> None:
    assert rights_of(text) == {right: words}


@pytest.mark.parametrize(
    "text",
    [ENGLISH_NEWSLETTER, DUTCH_INVOICE_QUESTION, ENGLISH_INVOICE_QUESTION, DUTCH_FORGOT_PASSWORD],
)
def test_negatives_suggest_no_right(text: str) -> None:
    assert guess_rights(text) == []


def test_html_newsletter_footer_link_is_not_an_opt_out() -> None:
    text = html_to_text(DUTCH_NEWSLETTER_HTML)
    assert "Uitschrijven (https://mail.example.nl/afmelden?id=1)" in text
    assert guess_rights(text) == []
    assert guess_language(text).language == "nl"


def test_quoted_earlier_mail_does_not_count() -> None:
    text = "Thanks, that answers my question.\n\n> You asked us to delete your account."
    assert guess_rights(text) == []


def test_language_unclear_for_a_few_words() -> None:
    assert guess_language("OK 👍").language == ""
    assert guess_language("").language == ""


def test_guess_message_uses_the_subject_line_and_gives_json() -> None:
    guess = guess_message(subject="Verzoek tot inzage", text="Zie bijlage. Met vriendelijke groet")
    data = guess.as_dict()
    assert data["language"] == "nl"
    assert data["rights"] == [{"right": "access", "words": ["inzage"]}]
    assert data["language_words"]


def test_html_is_reduced_to_text_without_scripts_styles_or_remote_content() -> None:
    html = """<!doctype html><html><head><title>t</title>
    <style>body{background:url(https://tracker.example/bg.png)}</style>
    <script>alert('x')</script></head>
    <body onload="steal()"><p>Beste,<br>ik wil <b>inzage</b> in mijn gegevens.</p>
    <img src="https://tracker.example/pixel.gif" alt="">
    <img src="cid:logo" alt="Logo Bakkerij">
    <a href="javascript:alert(1)">klik</a>
    <a href="mailto:jan@example.be">jan@example.be</a>
    <ul><li>één</li><li>twee</li></ul>
    <iframe src="https://evil.example/"><p>inside iframe</p></iframe>
    <svg><script>alert(2)</script><text>svg text</text></svg>
    </body></html>"""
    text = html_to_text(html)
    assert "alert" not in text and "steal" not in text and "tracker" not in text
    assert "background" not in text and "inside iframe" not in text and "svg text" not in text
    assert "<" not in text and ">" not in text
    assert "Beste,\nik wil inzage in mijn gegevens." in text
    assert "[Logo Bakkerij]" in text
    assert "klik" in text and "javascript" not in text
    assert "jan@example.be" in text and "mailto" not in text
    assert "- één\n- twee" in text


def test_html_entities_are_decoded_but_stay_text() -> None:
    text = html_to_text("<p>&lt;script&gt;alert(1)&lt;/script&gt; &amp; caf&eacute;</p>")
    # The decoded text contains what looks like markup: it is text, escaped where shown.
    assert text == "<script>alert(1)</script> & café"


def test_unclosed_and_malformed_html_does_not_lose_text() -> None:
    assert html_to_text("<p>Hallo <b>wereld<div>tweede</p>") == "Hallo wereld\ntweede"
    # A tag cut off at the end stays as text (shown escaped), never as markup.
    assert (
        html_to_text("<p>Hallo</p><img src=x onerror=alert(1)")
        == "Hallo\n<img src=x onerror=alert(1)"
    )
    assert html_to_text("<script>alert(1)") == ""


def test_tidy_text_removes_direction_overrides_and_cuts_huge_text() -> None:
    assert tidy_text("invoice\u202efdp.exe  \r\n\r\n\r\n  next") == "invoicefdp.exe\n\nnext"
    huge = tidy_text("a" * 300_000)
    assert len(huge) < 200_010 and huge.endswith("[…]")


def test_inbound_fields_for_the_mail_intake() -> None:
    fields = guess_message(
        subject="Opt-out", text="Ik wil geen nieuwsbrief meer en verwijder mijn gegevens."
    ).inbound_fields()
    assert fields["language_guess"] == "nl"
    assert fields["rights_guess"] == ["erasure", "objection"]
    assert fields["guess_detail"]["erasure"] == ["verwijder"]
    assert fields["guess_detail"]["objection"] == ["Opt-out", "geen nieuwsbrief"]
    assert fields["guess_detail"]["direct_marketing"] is True


def test_stored_detail_is_read_in_either_form() -> None:
    guess = guess_message(subject="Opt-out", text="Verwijder mijn gegevens.")
    for detail in (guess.inbound_fields()["guess_detail"], guess.as_dict()):
        assert suggestion_words(detail, "erasure") == ["Verwijder"]
        assert suggestion_words(detail, "access") == []
        assert suggests_direct_marketing(detail)
    assert not suggests_direct_marketing({}) and suggestion_words(None, "access") == []
