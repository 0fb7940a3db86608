"""Every string a subject reads (intake pages, intake e-mails, file refusals) is in NL and FR.

How the strings are found and checked: tests/i18n_helpers.py. tests/test_translations.py
holds every other page and e-mail to the same rule.
"""

from __future__ import annotations

import pytest

from tests.i18n_helpers import ROOT, Message, messages_in, untranslated

TEMPLATES = [
    *sorted((ROOT / "templates" / "intake").glob("*.html")),
    *sorted((ROOT / "templates" / "emails").glob("intake_*/*")),
]
PYTHON = [*sorted((ROOT / "dsr" / "intake").glob("*.py")), ROOT / "dsr" / "attachments.py"]
MESSAGES = messages_in([*TEMPLATES, *PYTHON])
# Genuinely the same word in the language.
IDENTICAL = {"nl": set(), "fr": {Message("Messages")}}


def test_the_strings_were_found():
    assert Message("Send my request") in MESSAGES
    assert (
        Message("The PDF file could not be read. It may be damaged; please send a new copy.")
        in MESSAGES
    )
    assert (
        Message("The link is valid for %(days)s day.", "The link is valid for %(days)s days.")
        in MESSAGES
    )
    assert len(MESSAGES) > 100


@pytest.mark.parametrize("language", ["nl", "fr"])
def test_every_subject_facing_string_is_translated(language):
    missing = [
        message
        for message in untranslated(MESSAGES, language)
        if message not in IDENTICAL[language]
    ]
    assert missing == []
