"""What every subject-facing page shares: headers, the body-size guard, plain error pages.

The pages are public and used by people who are not logged in, so:
- no cookies are set (no session, no CSRF cookie, no language cookie). CSRF protects
  authority carried by a cookie; here there is none to abuse: the form is anonymous
  (its signed, single-use challenge stops replays) and the status page's authority is the
  secret token in its address, which a forging site would need to know already;
- a strict Content-Security-Policy (django-csp, config/settings.py): scripts, styles and
  images from this site only, and not even a fetch back to it (no connect-src);
- nothing is cached, pages are not indexed, and the status page's address (a secret) is
  never sent as a Referer, not even to the site's own static files.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps

from csp.decorators import csp_replace
from django.core.exceptions import RequestDataTooBig, TooManyFieldsSent, TooManyFilesSent
from django.http import HttpRequest, HttpResponse, UnreadablePostError
from django.http.multipartparser import MultiPartParserError
from django.shortcuts import render
from django.utils.cache import add_never_cache_headers
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt

from accounts.models import Organization
from dsr import attachments
from dsr.intake import forms, language

# The site's policy (settings.CONTENT_SECURITY_POLICY), narrowed: the subject's pages load
# their own script, styles and images, and fetch nothing (pow.js works in the page).
SUBJECT_PAGE_POLICY = {"connect-src": None, "font-src": None}
# The largest body a form may send: its files plus a generous megabyte for the text.
MAX_BODY = forms.MAX_FILES * attachments.MAX_SIZE + 1024 * 1024

View = Callable[..., HttpResponse]


def subject_page(view: View) -> View:
    @wraps(view)
    def wrapper(request: HttpRequest, *args: object, **kwargs: object) -> HttpResponse:
        response = view(request, *args, **kwargs)
        add_never_cache_headers(response)
        response.headers["Referrer-Policy"] = "no-referrer"
        response.headers["X-Robots-Tag"] = "noindex, nofollow"
        return response

    return csrf_exempt(csp_replace(SUBJECT_PAGE_POLICY)(wrapper))


def page_context(
    request: HttpRequest, organization: Organization | None, current_language: str
) -> dict:
    # The plain 404 (no organisation) offers no switch: it never echoes the address back.
    return {
        "organization": organization,
        "languages": language.switch_links(request, organization, current_language)
        if organization is not None
        else [],
        "current_language": current_language,
    }


def problem(
    request: HttpRequest,
    organization: Organization | None,
    *,
    title: str,
    message: str,
    status: int,
    back_url: str = "",
) -> HttpResponse:
    """A plain page that says what went wrong, in the page's language."""
    current = getattr(request, "LANGUAGE_CODE", "en")
    context = {
        **page_context(request, organization, current),
        "title": title,
        "message": message,
        "back_url": back_url,
    }
    return render(request, "intake/problem.html", context, status=status)


def not_found(request: HttpRequest) -> HttpResponse:
    """The same plain 404 for an unknown organisation, token or link."""
    language.activate(request, None)
    return problem(
        request,
        None,
        title=_("Page not found"),
        message=_(
            "There is no page at this address. If you followed a link from one of our "
            "e-mails, check that the whole link was copied."
        ),
        status=404,
    )


def read_body(
    request: HttpRequest, organization: Organization, back_url: str
) -> HttpResponse | None:
    """Parse the POST body; a page explaining the problem if it is too big or unreadable.

    Nothing reads the body before this (the views are CSRF-exempt), so the limits of
    Django's parser surface here, where they can be explained to the subject."""
    try:
        length = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        length = 0
    if length > MAX_BODY:
        return _too_big(request, organization, back_url)
    try:
        request.POST  # noqa: B018 — parse now, to catch the parser's limits here
        request.FILES  # noqa: B018
    except RequestDataTooBig:
        return _too_big(request, organization, back_url)
    except (TooManyFieldsSent, TooManyFilesSent):
        return problem(
            request,
            organization,
            title=_("Too many files"),
            message=_("You can send at most 3 files. Please go back and choose fewer."),
            status=400,
            back_url=back_url,
        )
    except (MultiPartParserError, UnreadablePostError):
        return problem(
            request,
            organization,
            title=_("What you sent could not be read"),
            message=_("The form did not arrive complete. Please go back and send it again."),
            status=400,
            back_url=back_url,
        )
    return None


def too_many(
    request: HttpRequest, organization: Organization, back_url: str, message: str = ""
) -> HttpResponse:
    """The one "please wait" page (429) of every rate limit on the subject's pages."""
    return problem(
        request,
        organization,
        title=_("Please wait a moment"),
        message=message
        or _(
            "We received many requests from your connection recently. Please try again in "
            "an hour, or write to us at the address below."
        ),
        status=429,
        back_url=back_url,
    )


def _too_big(request: HttpRequest, organization: Organization, back_url: str) -> HttpResponse:
    return problem(
        request,
        organization,
        title=_("What you sent is too large"),
        message=_(
            "You can send at most 3 files of 10 MB each, and texts of reasonable length. "
            "Please go back and send smaller files."
        ),
        status=413,
        back_url=back_url,
    )
