"""Every string a subject reads (intake pages, intake e-mails, file refusals) is in NL and FR.

The strings are found the way `makemessages` finds them: `templatize` for templates, the
gettext calls for Python. The catalogues are the compiled ones the product uses.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest
from django.utils import translation
from django.utils.translation.template import templatize

ROOT = Path(__file__).resolve().parents[3]
TEMPLATES = [
    *sorted((ROOT / "templates" / "intake").glob("*.html")),
    *sorted((ROOT / "templates" / "emails").glob("intake_*/*")),
]
PYTHON = [*sorted((ROOT / "dsr" / "intake").glob("*.py")), ROOT / "dsr" / "attachments.py"]
GETTEXT_NAMES = {"_", "gettext", "gettext_lazy"}

_SINGULAR = re.compile(r"(?<!n)gettext\(u'((?:[^'\\]|\\.)*)'\)")
_PLURAL = re.compile(r"ngettext\(u'((?:[^'\\]|\\.)*)', u'((?:[^'\\]|\\.)*)', count\)")


def _template_strings() -> tuple[set[str], set[tuple[str, str]]]:
    singular, plural = set(), set()
    for path in TEMPLATES:
        code = templatize(path.read_text(), origin=str(path))
        singular |= {ast.literal_eval(f"'{raw}'") for raw in _SINGULAR.findall(code)}
        plural |= {
            (ast.literal_eval(f"'{one}'"), ast.literal_eval(f"'{many}'"))
            for one, many in _PLURAL.findall(code)
        }
    return singular, plural


def _python_strings() -> set[str]:
    found = set()
    for path in PYTHON:
        for node in ast.walk(ast.parse(path.read_text())):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Name)
                and node.func.id in GETTEXT_NAMES
                and node.args
                and isinstance(node.args[0], ast.Constant)
                and isinstance(node.args[0].value, str)
            ):
                found.add(node.args[0].value)
    return found


SINGULAR, PLURAL = _template_strings()
SINGULAR |= _python_strings()


def test_the_strings_were_found():
    assert "Send my request" in SINGULAR
    assert "The PDF file could not be read. It may be damaged; please send a new copy." in SINGULAR
    assert ("The link is valid for %(days)s day.", "The link is valid for %(days)s days.") in PLURAL
    assert len(SINGULAR) > 100


@pytest.mark.parametrize("language", ["nl", "fr"])
def test_every_subject_facing_string_is_translated(language):
    with translation.override(language):
        untranslated = sorted(
            message for message in SINGULAR if translation.gettext(message) == message
        )
        untranslated += sorted(
            one for one, many in PLURAL if translation.ngettext(one, many, 2) == many
        )
    # "Messages" is the same word in French.
    assert [message for message in untranslated if message != "Messages"] == []
