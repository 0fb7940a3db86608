"""Ends a desk session after `DSR_IDLE_TIMEOUT_SECONDS` without a request."""

from __future__ import annotations

import time
from collections.abc import Callable

from django.conf import settings
from django.contrib.auth import logout
from django.http import HttpRequest, HttpResponse

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
