"""Find the translatable strings of templates and Python modules, and check them against the
NL and FR catalogues.

The strings are found the way `makemessages` finds them: `templatize` for templates, the
gettext calls for Python (under any name a module imports them as, e.g. `gettext_lazy as
_`, or through `translation.gettext`). The catalogues are the compiled ones the product
loads from locale/, without Django's own, so a string only Django translates still counts
as missing.
"""

from __future__ import annotations

import ast
import gettext
import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from django.utils.translation.template import templatize

ROOT = Path(__file__).resolve().parents[1]
LOCALE = ROOT / "locale"

# Where each function of django.utils.translation takes its context, singular and plural.
_ARGUMENTS = {
    "gettext": ("msgid",),
    "gettext_lazy": ("msgid",),
    "gettext_noop": ("msgid",),
    "pgettext": ("context", "msgid"),
    "pgettext_lazy": ("context", "msgid"),
    "ngettext": ("msgid", "plural"),
    "ngettext_lazy": ("msgid", "plural"),
    "npgettext": ("context", "msgid", "plural"),
    "npgettext_lazy": ("context", "msgid", "plural"),
}
TRANSLATION_MODULE = "django.utils.translation"


@dataclass(frozen=True, order=True)
class Message:
    msgid: str
    plural: str = ""
    context: str = ""

    def __str__(self) -> str:
        context = f"[{self.context}] " if self.context else ""
        plural = f" / {self.plural!r}" if self.plural else ""
        return f"{context}{self.msgid!r}{plural}"


def _message(function: str, values: list[str]) -> Message:
    fields = dict(zip(_ARGUMENTS[function], values, strict=False))
    return Message(**fields)


# --- templates -----------------------------------------------------------------------------

_LITERAL = r"""u?(?:'(?:[^'\\\n]|\\.)*'|"(?:[^"\\\n]|\\.)*")"""
# What templatize writes for {% translate %}, {% blocktranslate %} (with count and context)
# and _("...") in filter arguments.
_TEMPLATE_CALL = re.compile(
    rf"(?<![\w.])(npgettext|pgettext|ngettext|gettext|_)\(\s*"
    rf"({_LITERAL}(?:\s*,\s*{_LITERAL})*)\s*(?:,\s*count\s*)?\)"
)


def template_messages(source: str, origin: str = "") -> set[Message]:
    found = set()
    for function, literals in _TEMPLATE_CALL.findall(templatize(source, origin=origin)):
        values = list(ast.literal_eval(f"({literals},)"))
        found.add(_message("gettext" if function == "_" else function, values))
    return found


# --- Python --------------------------------------------------------------------------------


def _aliases(tree: ast.Module) -> tuple[dict[str, str], set[str]]:
    """Local names of the gettext functions, and local names of the translation module."""
    functions = {"_": "gettext"}  # makemessages extracts _() whatever it is bound to
    modules = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module == TRANSLATION_MODULE:
            for alias in node.names:
                if alias.name in _ARGUMENTS:
                    functions[alias.asname or alias.name] = alias.name
        elif isinstance(node, ast.ImportFrom) and node.module == "django.utils":
            modules |= {
                alias.asname or alias.name for alias in node.names if alias.name == "translation"
            }
        elif isinstance(node, ast.Import):
            modules |= {
                alias.asname
                for alias in node.names
                if alias.name == TRANSLATION_MODULE and alias.asname
            }
    for node in ast.walk(tree):  # _ = gettext_lazy
        if (
            isinstance(node, ast.Assign)
            and isinstance(node.value, ast.Name)
            and node.value.id in functions
        ):
            for target in node.targets:
                if isinstance(target, ast.Name):
                    functions[target.id] = functions[node.value.id]
    return functions, modules


def _called_function(call: ast.Call, functions: dict[str, str], modules: set[str]) -> str | None:
    if isinstance(call.func, ast.Name):
        return functions.get(call.func.id)
    if isinstance(call.func, ast.Attribute) and call.func.attr in _ARGUMENTS:
        owner = call.func.value
        if isinstance(owner, ast.Name) and owner.id in modules:
            return call.func.attr
        if ast.unparse(owner) == TRANSLATION_MODULE:
            return call.func.attr
    return None


def python_messages(source: str) -> set[Message]:
    tree = ast.parse(source)
    functions, modules = _aliases(tree)
    found = set()
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        function = _called_function(node, functions, modules)
        if function is None:
            continue
        count = len(_ARGUMENTS[function])
        arguments = node.args[:count]
        if len(arguments) == count and all(
            isinstance(argument, ast.Constant) and isinstance(argument.value, str)
            for argument in arguments
        ):
            found.add(_message(function, [argument.value for argument in arguments]))
    return found


def messages_in(paths: Iterable[Path]) -> set[Message]:
    found = set()
    for path in paths:
        source = path.read_text()
        if path.suffix == ".py":
            found |= python_messages(source)
        else:
            found |= template_messages(source, origin=str(path))
    return found


# --- catalogues ----------------------------------------------------------------------------


def catalogue(language: str) -> gettext.GNUTranslations:
    """The compiled catalogue of locale/<language>/, refusing one older than its .po."""
    folder = LOCALE / language / "LC_MESSAGES"
    compiled, source = folder / "django.mo", folder / "django.po"
    assert compiled.exists() and compiled.stat().st_mtime >= source.stat().st_mtime, (
        f"{compiled} is missing or older than {source.name}: "
        "run `manage.py compilemessages --ignore=.venv`"
    )
    with compiled.open("rb") as file:
        return gettext.GNUTranslations(file)


_NOT_WORDS = re.compile(r"%\(\w+\)[sd]|%[sd]|\{\w*\}|<[^>]*>")


def has_words(message: Message) -> bool:
    """False for a message of placeholders and punctuation only, e.g. "%(a)s: %(b)s"."""
    return bool(re.search(r"[^\W\d_]", _NOT_WORDS.sub("", message.msgid + message.plural)))


def in_catalogue(message: Message, language: str) -> bool:
    """The catalogue has an entry for the message (even one the same as the English)."""
    key = f"{message.context}\x04{message.msgid}" if message.context else message.msgid
    entries = catalogue(language)._catalog  # the parsed .mo: msgid, or (msgid, form)
    return (key, 0) in entries if message.plural else key in entries


def untranslated(messages: Iterable[Message], language: str) -> list[Message]:
    """Messages with words the catalogue leaves in English (for a plural: either form)."""
    translations = catalogue(language)
    missing = []
    for message in sorted(messages):
        if not has_words(message):
            continue
        if message.plural:
            for count, english in ((1, message.msgid), (2, message.plural)):
                if message.context:
                    shown = translations.npgettext(
                        message.context, message.msgid, message.plural, count
                    )
                else:
                    shown = translations.ngettext(message.msgid, message.plural, count)
                if shown == english:
                    missing.append(message)
                    break
        elif message.context:
            if translations.pgettext(message.context, message.msgid) == message.msgid:
                missing.append(message)
        elif translations.gettext(message.msgid) == message.msgid:
            missing.append(message)
    return missing
