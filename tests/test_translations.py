"""Every string of the product — desk, sign-in, letters, fulfilment, integrations, reports,
e-mails, model names and choices, form errors — is in NL and FR.

It fails whenever someone marks a new string for translation and does not translate it:
run `makemessages -l nl -l fr --ignore=.venv --ignore=var --ignore=bench --ignore=tests`,
translate the empty and fuzzy entries, then `compilemessages --ignore=.venv`. How strings
are found and checked: tests/i18n_helpers.py.
"""

from __future__ import annotations

import pytest

from tests.i18n_helpers import (
    ROOT,
    Message,
    in_catalogue,
    messages_in,
    python_messages,
    template_messages,
    untranslated,
)

TEMPLATES = sorted({*ROOT.glob("templates/**/*.html"), *ROOT.glob("templates/**/*.txt")})
PYTHON = sorted(
    path for folder in ("dsr", "accounts", "config") for path in (ROOT / folder).rglob("*.py")
)
MESSAGES = messages_in([*TEMPLATES, *PYTHON])
LANGUAGES = ["nl", "fr"]

# Names and technical terms every language writes the same way.
SAME_EVERYWHERE = {"API", "DSR Desk", "Desk", "E-mail", "URL", "Webhooks", "logo", "slug"}
# Words the language spells exactly like English; the translator wrote them on purpose (each
# must be in the catalogue, so a forgotten string never hides behind this list).
IDENTICAL = {
    "nl": SAME_EVERYWHERE
    | {"Account", "Database (SQL)", "Post", "Status", "status", "Website", "website"},
    "fr": SAME_EVERYWHERE
    | {
        "Action",
        "Actions",
        "Corrections",
        "Dates",
        "Description",
        "description",
        "Impossible",
        "Instructions",
        "Message",
        "Messages",
        "Note",
        "Organisation",
        "organisation",
        "organisations",
        "Pages",
        "Total",
        "%(pages)s page",  # and its plural "%(pages)s pages"
        "configuration",
        "version",
        "version %(version)s",
    },
}


def test_the_finder_sees_every_way_the_code_marks_a_string():
    source = """
from django.utils import translation
from django.utils.text import format_lazy
from django.utils.translation import gettext as translate_now
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext, npgettext_lazy, pgettext

LABEL = _("lazy, as _")
later = translate_now
print(translate_now("eager, renamed"), later("eager, assigned"))
print(translation.gettext("through the module"), pgettext("month", "May"))
print(ngettext("%(n)s day", "%(n)s days", 2), npgettext_lazy("x", "one", "many", "n"))
TITLE = format_lazy("{} · {}", _("inside format_lazy"), "not marked")
print(str("not marked either"), _(LABEL))
"""
    assert python_messages(source) == {
        Message("lazy, as _"),
        Message("eager, renamed"),
        Message("eager, assigned"),
        Message("through the module"),
        Message("May", context="month"),
        Message("%(n)s day", "%(n)s days"),
        Message("one", "many", "x"),
        Message("inside format_lazy"),
    }


def test_the_finder_reads_templates_the_way_makemessages_does():
    source = """{% load i18n %}
<h1>{% translate "The subject's page" %}</h1>
<p title="{% translate 'Say "yes"' %}">{% translate "May" context "month" %}</p>
{% blocktranslate count days=n %}{{ days }} day{% plural %}{{ days }} days{% endblocktranslate %}
{% blocktranslate with name=user.name %}Hello {{ name }},{% endblocktranslate %}
{{ value|default:_("none") }} {% translate variable %} not marked
"""
    assert template_messages(source) == {
        Message("The subject's page"),
        Message('Say "yes"'),
        Message("May", context="month"),
        Message("%(days)s day", "%(days)s days"),
        Message("Hello %(name)s,"),
        Message("none"),
    }


def test_the_strings_were_found():
    expected = {
        Message("Log a request"),  # desk template
        Message("Tick at least one request and choose whom to assign."),  # desk view
        Message("%(n)s day left", "%(n)s days left"),  # ngettext in dsr/desk/badges.py
        Message("That code is not right. Codes change every 30 seconds."),  # accounts/
        Message("Fulfilment step impossible"),  # choice in dsr/models/fulfilment.py
        Message("Open this link within three hours to choose your password:"),  # e-mail .txt
        Message("Dutch"),  # config/settings.py
        Message("Send my request"),  # the intake is held to the same rule
    }
    assert expected <= MESSAGES
    assert len(MESSAGES) > 900


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_string_is_translated(language):
    missing = [
        str(message)
        for message in untranslated(MESSAGES, language)
        if message.msgid not in IDENTICAL[language]
    ]
    assert missing == []


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_words_kept_as_in_english_are_in_use_and_in_the_catalogue(language):
    by_msgid = {message.msgid: message for message in MESSAGES}
    assert sorted(IDENTICAL[language] - by_msgid.keys()) == []
    assert [
        msgid
        for msgid in sorted(IDENTICAL[language])
        if not in_catalogue(by_msgid[msgid], language)
    ] == []


def test_every_letter_is_written_in_every_language():
    letters = ROOT / "templates" / "letters"
    names = {
        language: {path.name for path in (letters / language).glob("*.html")}
        for language in ("en", *LANGUAGES)
    }
    assert names["en"]
    # Every letter and every shared part in each language; a language may have parts of its
    # own (Dutch words that differ between Belgium and the Netherlands, letters/nl_BE/).
    assert names["nl"] >= names["en"] and names["fr"] >= names["en"]
    own = {name for language in LANGUAGES for name in names[language] - names["en"]}
    assert all(name.startswith("_") for name in own), own
