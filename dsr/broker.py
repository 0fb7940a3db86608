"""Handing work to the broker without letting a broker outage reach the person waiting.

Every piece of background work is a row first (an e-mail, a letter, a job step, a webhook
delivery); the task message only says "look at row N now". So when the broker cannot be
reached, the work is not lost: the row stays queued and a sweep enqueues it again once the
broker is back (dsr/tasks.py). What must not happen is that the page the subject or the
officer is waiting for fails or hangs, so `enqueue` never raises, and after a failure it
stops trying for a few seconds in this process: a view that queues several things pays the
broker's connection timeout once, not once per thing (settings: CELERY_BROKER_*).

Work is named, not imported: `enqueue("dsr.tasks.letter_render", letter_id)` publishes by the
task's registered name with the current Celery app's `send_task` (config/celery.py's `app`,
or a test's worker app made current, just as a shared task's `apply_async` would), so a
service never imports dsr/tasks.py, which imports the services. Routing, serializer and
publish retries are the app's settings either way. tests/dsr/test_task_names.py checks every
name enqueued in the code against the registered tasks.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import Any

from celery import current_app
from django.conf import settings
from django.contrib import messages
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

log = logging.getLogger(__name__)

# After a failed publish, this process skips the broker for this long. A sweep task resets
# the pause first: the broker delivered the sweep, so it is reachable again.
PAUSE_SECONDS = 15.0
# Said on the officer's next page after an action whose work must wait. The rows themselves
# record it in `enqueue_failed_at`, set by the callers' `on_unreachable` and cleared when the
# row next runs, so the letters and fulfilment panels can say which work waits.
WAITING = _(
    "The background worker cannot be reached just now. What you did is saved; e-mails, "
    "letters and fulfilment steps wait in the database and go out as soon as it is back."
)

_paused_until = 0.0
# A publish failed in this process and none has succeeded since: the first that does sends
# every sweep at once (`sweeps_send`), so what waited goes out now, not at beat's next round.
_outage = False


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
    task_name: str,
    *args: Any,
    countdown: float | None = None,
    on_unreachable: Callable[[], object] | None = None,
) -> bool:
    """Publish the task named `task_name` (e.g. "dsr.tasks.letter_render") with `args`;
    False (and `on_unreachable()`) when the broker is unreachable."""
    global _paused_until, _outage
    if unreachable():
        log.info("broker paused: %s%s left for the sweep", task_name, args)
    else:
        try:
            current_app.send_task(task_name, args, countdown=countdown)
        except Exception:  # any transport error: the row stays queued, the sweep retries
            _paused_until = time.monotonic() + PAUSE_SECONDS
            _outage = True
            log.warning("could not enqueue %s%s; the sweep will", task_name, args, exc_info=True)
        else:
            if _outage:
                _outage = False
                sweeps_send()
            return True
    if on_unreachable is not None:
        try:
            on_unreachable()
        except Exception:  # a note for the page only; never fail the caller for it
            log.warning("could not mark %s%s as waiting", task_name, args, exc_info=True)
    return False


def recovery_sweeps() -> list[str]:
    """The names of beat's sweeps (settings.CELERY_BEAT_SCHEDULE): each finds its own
    lost work in the database, and running one again does nothing twice."""
    schedule = settings.CELERY_BEAT_SCHEDULE.values()
    return sorted({entry["task"] for entry in schedule if entry["task"].endswith("_sweep")})


def sweeps_send() -> None:
    """The broker is back: run every sweep now rather than at beat's next round (up to a
    sweep interval later). Never raises; beat's round comes anyway."""
    for task_name in recovery_sweeps():
        try:
            current_app.send_task(task_name)
        except Exception:
            log.warning("could not send the sweeps; beat will", exc_info=True)
            return
    log.info("broker back: sweeps sent")
