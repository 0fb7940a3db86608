"""Sign-in lockout: a growing delay after repeated failures, per account and per client address.

Failures are counted in the cache (Redis in production, files on the embedded default), so
every web process sees the same counters and a restart of one process forgets nothing.

- Per account (the e-mail typed, known or not, so the answer never tells whether an account
  exists): the first `ACCOUNT_FREE_FAILURES` failures cost nothing; each further failure
  locks the account for `FIRST_DELAY`, then twice as long, up to `MAX_DELAY`. A full sign-in
  (password and one-time code) resets the count; otherwise it is forgotten a day after the
  last failure.
- Per client address: the same with a higher allowance (`ADDRESS_FREE_FAILURES`), because an
  office shares one address; forgotten an hour after the last failure, and never reset by a
  successful sign-in (one valid account must not buy unlimited guesses at the others).

Wrong one-time codes count as failures of the account and the address too.
"""

from __future__ import annotations

import hashlib
import math
import time
from dataclasses import dataclass
from datetime import UTC, datetime

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest

ACCOUNT_FREE_FAILURES = 5
ADDRESS_FREE_FAILURES = 30
FIRST_DELAY = 60  # seconds
MAX_DELAY = 3600
ACCOUNT_MEMORY = 24 * 3600
ADDRESS_MEMORY = 3600


@dataclass(frozen=True)
class Counter:
    key: str
    free_failures: int
    memory: int


def _account(email: str) -> Counter:
    digest = hashlib.sha256(email.strip().lower().encode()).hexdigest()
    return Counter(f"signin-failures:account:{digest}", ACCOUNT_FREE_FAILURES, ACCOUNT_MEMORY)


def _address(address: str) -> Counter:
    return Counter(f"signin-failures:address:{address}", ADDRESS_FREE_FAILURES, ADDRESS_MEMORY)


def client_address(request: HttpRequest) -> str:
    """The client's address: from the trusted proxy's header if configured, else the socket."""
    header = settings.CLIENT_IP_HEADER
    if header:
        value = request.headers.get(header, "")
        # X-Forwarded-For lists every hop; the proxy we trust appended the last one.
        candidate = value.split(",")[-1].strip()
        if candidate:
            return candidate[:64]
    return request.META.get("REMOTE_ADDR", "")[:64] or "unknown"


def delay_after(failures: int, free_failures: int) -> int:
    """Seconds locked after the `failures`-th failure: 0, then 60, 120, 240 … up to an hour."""
    over = failures - free_failures
    if over <= 0:
        return 0
    return min(MAX_DELAY, FIRST_DELAY * 2 ** (over - 1))


def locked_until(*, email: str, address: str) -> datetime | None:
    """When the later of the two locks ends, or None if neither is locked."""
    now = time.time()
    ends = [
        state["until"]
        for counter in (_account(email), _address(address))
        if (state := cache.get(counter.key)) and state.get("until", 0) > now
    ]
    return datetime.fromtimestamp(max(ends), tz=UTC) if ends else None


def record_failure(*, email: str, address: str) -> datetime | None:
    """Count one failed attempt; return when the resulting lock ends (None: not locked)."""
    now = time.time()
    for counter in (_account(email), _address(address)):
        state = cache.get(counter.key) or {"failures": 0, "until": 0}
        state["failures"] += 1
        delay = delay_after(state["failures"], counter.free_failures)
        if delay:
            state["until"] = now + delay
        cache.set(counter.key, state, timeout=counter.memory + MAX_DELAY)
    return locked_until(email=email, address=address)


def record_success(*, email: str) -> None:
    """A full sign-in: the account starts again with a clean slate (the address does not)."""
    cache.delete(_account(email).key)


def reset_account(*, email: str) -> None:
    """After a password reset by e-mail the owner has proven who they are."""
    cache.delete(_account(email).key)


def minutes_until(moment: datetime) -> int:
    return max(1, math.ceil((moment.timestamp() - time.time()) / 60))
