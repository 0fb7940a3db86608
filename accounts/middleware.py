"""The desk session: ended after `DSR_IDLE_TIMEOUT_SECONDS` without a request, and spoken in
the officer's own language."""

from __future__ import annotations

import time
from collections.abc import Callable

from django.conf import settings
from django.contrib.auth import logout
from django.http import HttpRequest, HttpResponse
from django.utils import translation

LAST_ACTIVITY_KEY = "desk_last_activity"
TIMED_OUT_KEY = "desk_timed_out"
# Write the timestamp at most once a minute: a session save per request is a database write.
_RESOLUTION = 60


def stamp(request: HttpRequest) -> None:
    request.session[LAST_ACTIVITY_KEY] = int(time.time())


class IdleTimeoutMiddleware:
    """Signs out a session idle for longer than the timeout; the login page then says why."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        session_key = request.session.session_key if hasattr(request, "session") else None
        if session_key and request.user.is_authenticated:
            now = int(time.time())
            last = request.session.get(LAST_ACTIVITY_KEY)
            if last is not None and now - last > settings.IDLE_TIMEOUT_SECONDS:
                logout(request)
                request.session[TIMED_OUT_KEY] = True
            elif last is None or now - last >= _RESOLUTION:
                request.session[LAST_ACTIVITY_KEY] = now
        return self.get_response(request)


class UserLanguageMiddleware:
    """The language an officer chose with the desk's switch (`User.language`) wins over the
    browser's, on any browser they sign in from. A language cookie (the switch just used on
    this browser) still decides first, as Django's LocaleMiddleware has it."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if (
            settings.LANGUAGE_COOKIE_NAME not in request.COOKIES
            and request.COOKIES.get(settings.SESSION_COOKIE_NAME)
            and request.user.is_authenticated
            and request.user.language
        ):
            translation.activate(request.user.language)
            request.LANGUAGE_CODE = request.user.language
        return self.get_response(request)
