"""Which language a subject's page speaks.

An explicit choice (`?lang=` from the visible switch, or the form's hidden field) wins;
then the language the request was made in (status page); then the browser's
Accept-Language; then the organisation's default. Only languages the organisation offers
are ever chosen. No cookie is set: the switch's links carry the choice.
"""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest
from django.utils import translation
from django.utils.translation.trans_real import parse_accept_lang_header

from accounts.models import Organization

NATIVE_NAMES = {"en": "English", "nl": "Nederlands", "fr": "Français"}


def offered_languages(organization: Organization | None) -> list[str]:
    site = [code for code, _name in settings.LANGUAGES]
    if organization is None:
        return site
    return [code for code in organization.offered_languages if code in site] or [site[0]]


def choose(
    request: HttpRequest,
    organization: Organization | None,
    preferred: str = "",
    chosen: str | None = None,
) -> str:
    """`chosen` is an explicit choice (a form's hidden field); by default the `?lang=`."""
    offered = offered_languages(organization)
    explicit = chosen or request.GET.get("lang", "")
    if explicit in offered:
        return explicit
    if preferred in offered:
        return preferred
    for code, _quality in parse_accept_lang_header(request.headers.get("Accept-Language", "")):
        base = code.split("-")[0].lower()
        if base in offered:
            return base
    if organization is not None and organization.default_language in offered:
        return organization.default_language
    return offered[0]


def activate(
    request: HttpRequest,
    organization: Organization | None,
    preferred: str = "",
    chosen: str | None = None,
) -> str:
    """Choose the page's language and make it the active one for this response."""
    language = choose(request, organization, preferred, chosen)
    translation.activate(language)
    request.LANGUAGE_CODE = language
    return language


def switch_links(request: HttpRequest, organization: Organization | None, current: str) -> list:
    """The EN/NL/FR switch: one link per offered language, to this page in that language."""
    return [
        {
            "code": code,
            "name": NATIVE_NAMES.get(code, code),
            "url": f"{request.path}?lang={code}",
            "current": code == current,
        }
        for code in offered_languages(organization)
    ]
