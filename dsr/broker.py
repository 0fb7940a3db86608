"""Handing work to the broker without letting a broker outage reach the person waiting.

Every piece of background work is a row first (an e-mail, a letter, a job step, a webhook
delivery); the task message only says "look at row N now". So when the broker cannot be
reached, the work is not lost: the row stays queued and a sweep enqueues it again once the
broker is back (dsr/tasks.py). What must not happen is that the page the subject or the
officer is waiting for fails or hangs, so `enqueue` never raises, and after a failure it
stops trying for a few seconds in this process: a view that queues several things pays the
broker's connection timeout once, not once per thing (settings: CELERY_BROKER_*).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

log = logging.getLogger(__name__)

# After a failed publish, this process skips the broker for this long. A sweep task resets
# the pause first: the broker delivered the sweep, so it is reachable again.
PAUSE_SECONDS = 15.0
# Written to a row's error field when its task could not be handed to the broker; the row's
# next run (from the sweep) clears it. Pages show WAITING instead of this text.
UNREACHABLE = "task queue unreachable; the sweep will enqueue it again"
WAITING = _(
    "The background worker cannot be reached just now. What you did is saved; e-mails, "
    "letters and fulfilment steps wait in the database and go out as soon as it is back."
)

_paused_until = 0.0


def unreachable() -> bool:
    """Whether this process failed to reach the broker in the last few seconds."""
    return time.monotonic() < _paused_until


def notify_if_waiting(http_request: HttpRequest) -> None:
    """After an officer's action: say so on the next page if its work must wait."""
    if unreachable():
        messages.warning(http_request, WAITING)


def reset() -> None:
    global _paused_until
    _paused_until = 0.0


def enqueue(
    task: Any,
    *args: Any,
    countdown: float | None = None,
    on_unreachable: Callable[[], object] | None = None,
) -> bool:
    """Publish `task(*args)`; False (and `on_unreachable()`) when the broker is unreachable."""
    global _paused_until
    if unreachable():
        log.info("broker paused: %s%s left for the sweep", task.name, args)
    else:
        try:
            task.apply_async(args, countdown=countdown)
        except Exception:  # any transport error: the row stays queued, the sweep retries
            _paused_until = time.monotonic() + PAUSE_SECONDS
            log.warning("could not enqueue %s%s; the sweep will", task.name, args, exc_info=True)
        else:
            return True
    if on_unreachable is not None:
        try:
            on_unreachable()
        except Exception:  # a note for the page only; never fail the caller for it
            log.warning("could not mark %s%s as waiting", task.name, args, exc_info=True)
    return False
