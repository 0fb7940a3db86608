"""Legal calendar for data-subject requests: dates in, dates out.

Implements LEGAL.md, section "Deadlines (Art. 12(3) with Reg. 1182/71)":

- dates are taken in the controller's time zone (Europe/Brussels, Europe/Amsterdam);
- the day of receipt does not count; a period of N months ends at the end of the day in
  the N-th following month with the same number as the day of receipt, or at the end of
  that month's last day if it has no such day (Reg. 1182/71, Art. 3(1)-(2));
- if the last day is a Saturday, Sunday or public holiday of the controller's country,
  the period ends at the end of the next working day (Reg. 1182/71, Art. 3(4));
- product choice: the extended deadline is the three-month period counted from receipt;
- product choice: the effective deadline is the applicable deadline plus the whole
  calendar days spent waiting (pause), moved to the next working day.

This module is deliberately pure: no Django, no settings, no database. Only the standard
library, ``zoneinfo`` and the ``holidays`` package are used.
"""

from __future__ import annotations

import calendar
import functools
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import holidays

__all__ = [
    "SUPPORTED_COUNTRIES",
    "add_months",
    "days_left",
    "effective_due_date",
    "end_of_day",
    "extended_due_date",
    "has_passed",
    "is_working_day",
    "next_working_day",
    "receipt_date",
    "statutory_due_date",
    "whole_days_between",
]

SUPPORTED_COUNTRIES: tuple[str, ...] = ("BE", "NL")
"""ISO 3166-1 alpha-2 codes of the controllers' countries whose holidays we know."""

_STATUTORY_MONTHS = 1
"""Art. 12(3) GDPR: answer within one month of receipt (LEGAL.md, "Deadlines")."""

_EXTENDED_MONTHS = 3
"""LEGAL.md product choice: one month plus two further months, counted from receipt."""

_SATURDAY = 5  # date.weekday(): Monday == 0 ... Sunday == 6


def _require_aware(value: datetime, name: str) -> None:
    """Raise ValueError unless ``value`` is a timezone-aware datetime."""
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"{name} must be timezone-aware, got naive {value!r}")


def _zone(time_zone: str) -> ZoneInfo:
    """Return the IANA zone ``time_zone``; unknown names raise ValueError."""
    try:
        return ZoneInfo(time_zone)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ValueError(f"unknown time zone {time_zone!r}") from exc


def _check_country(country: str) -> None:
    """Raise ValueError naming the supported countries if ``country`` is not one of them."""
    if country not in SUPPORTED_COUNTRIES:
        supported = ", ".join(SUPPORTED_COUNTRIES)
        raise ValueError(f"unsupported country {country!r}; supported: {supported}")


@functools.lru_cache(maxsize=512)
def _public_holidays(country: str, year: int) -> frozenset[date]:
    """Public holidays of ``country`` in ``year``, as given by the ``holidays`` package.

    Cached per (country, year). A frozenset is returned so that callers cannot mutate the
    cached value (a ``HolidayBase`` would silently grow when queried for other years).
    """
    return frozenset(holidays.country_holidays(country, years=year).keys())


def receipt_date(received_at: datetime, *, time_zone: str) -> date:
    """Return the local date on which a request was received.

    LEGAL.md, "Deadlines": dates are taken in the controller's time zone. ``received_at``
    must be timezone-aware (any zone); it is converted to ``time_zone`` (for example
    ``"Europe/Brussels"``) and its calendar date is returned.

    Raises ValueError for a naive datetime or an unknown time zone.
    """
    _require_aware(received_at, "received_at")
    return received_at.astimezone(_zone(time_zone)).date()


def is_working_day(day: date, *, country: str) -> bool:
    """Return False on a Saturday, Sunday or public holiday of ``country``, else True.

    LEGAL.md, "Deadlines" (Reg. 1182/71, Art. 3(4)). Public holidays are those of
    ``holidays.country_holidays(country)`` (default "public" category). ``country`` must
    be one of SUPPORTED_COUNTRIES, otherwise ValueError.
    """
    _check_country(country)
    if day.weekday() >= _SATURDAY:
        return False
    return day not in _public_holidays(country, day.year)


def next_working_day(day: date, *, country: str) -> date:
    """Return ``day`` if it is a working day, else the first working day after it.

    LEGAL.md, "Deadlines": a period whose last day is a Saturday, Sunday or public
    holiday ends at the end of the next working day.
    """
    while not is_working_day(day, country=country):
        day += timedelta(days=1)
    return day


def add_months(day: date, months: int) -> date:
    """Return the day with the same number ``months`` months later, clamped to month end.

    LEGAL.md, "Deadlines" (Reg. 1182/71, Art. 3(2)(c)): the period ends on the day in the
    later month with the same number as the starting day; if that month has no such day,
    on its last day (31 January 2026 + 1 -> 28 February 2026). ``months`` must be >= 0.
    """
    if months < 0:
        raise ValueError(f"months must be >= 0, got {months}")
    month_index = day.month - 1 + months
    year = day.year + month_index // 12
    month = month_index % 12 + 1
    last_day = calendar.monthrange(year, month)[1]
    return date(year, month, min(day.day, last_day))


def _due_after(received_at: datetime, months: int, country: str, zone: str) -> date:
    """Due date of a period of ``months`` months from receipt, on a working day."""
    _check_country(country)
    plain = add_months(receipt_date(received_at, time_zone=zone), months)
    return next_working_day(plain, country=country)


def statutory_due_date(received_at: datetime, *, country: str, time_zone: str) -> date:
    """Return the one-month deadline of Art. 12(3) GDPR for a request.

    LEGAL.md, "Deadlines": the receipt date is taken in ``time_zone``; the day of receipt
    does not count, so the period ends on ``add_months(receipt, 1)``, moved to the next
    working day of ``country`` if that is a weekend or public holiday. Example: received
    31 January 2026 -> 28 February 2026 (Saturday) -> due Monday 2 March 2026.
    """
    return _due_after(received_at, _STATUTORY_MONTHS, country, time_zone)


def extended_due_date(received_at: datetime, *, country: str, time_zone: str) -> date:
    """Return the extended deadline (Art. 12(3) GDPR, "two further months").

    LEGAL.md product choice: the extended deadline is the three-month period counted from
    receipt under the same rules as the statutory one (not two months added to the
    shifted one-month date). Example: received 31 January 2026 -> 30 April 2026.
    """
    return _due_after(received_at, _EXTENDED_MONTHS, country, time_zone)


def effective_due_date(due: date, *, paused_days: int, country: str) -> date:
    """Return the deadline after a pause of ``paused_days`` whole calendar days.

    LEGAL.md product choice ("Pause"): the applicable deadline ``due`` (the extended one
    if extended, else the statutory one) plus the whole calendar days spent waiting,
    then moved to the next working day if it lands on a weekend or public holiday.
    ``paused_days`` must be >= 0. With 0 paused days, ``due`` itself is returned when it
    is a working day (as it is when it comes from the functions above).
    """
    if paused_days < 0:
        raise ValueError(f"paused_days must be >= 0, got {paused_days}")
    return next_working_day(due + timedelta(days=paused_days), country=country)


def whole_days_between(start: datetime, end: datetime) -> int:
    """Return the whole days (24-hour periods) elapsed from ``start`` to ``end``.

    Used to count paused days (LEGAL.md, "Pause": "whole calendar days spent waiting").
    Both datetimes must be timezone-aware. The elapsed time is measured between the two
    instants (in UTC), so the result does not depend on the zones they are expressed in;
    across a DST change a local day of 23 hours therefore does not count as a whole day.
    Returns 0 if ``end`` is before ``start``.
    """
    _require_aware(start, "start")
    _require_aware(end, "end")
    elapsed = end.astimezone(UTC) - start.astimezone(UTC)
    return max(0, elapsed // timedelta(days=1))


def days_left(due: date, *, today: date) -> int:
    """Return the calendar days from ``today`` to ``due``: 0 on the due day, < 0 if late."""
    return (due - today).days


def end_of_day(day: date, *, time_zone: str) -> datetime:
    """Return the instant at which the local ``day`` ends in ``time_zone``.

    LEGAL.md, "Deadlines": a period ends at the end of its last day. That instant is the
    first instant of the next local day, returned as an aware datetime in ``time_zone``.
    """
    zone = _zone(time_zone)
    # fold=0 maps a non-existent local midnight (DST gap) to the transition instant, which
    # is then the first instant of the next day; round-tripping through UTC normalises it.
    midnight = datetime.combine(day + timedelta(days=1), time(0), tzinfo=zone)
    return midnight.astimezone(UTC).astimezone(zone)


def has_passed(due: date, *, now: datetime, time_zone: str) -> bool:
    """Return True once ``now`` is at or after the end of the local ``due`` day.

    LEGAL.md, "Deadlines": the period ends at the end of the last day, so a reply at
    23:59:59 local time on the due day is in time. ``now`` must be timezone-aware.
    """
    _require_aware(now, "now")
    return now.astimezone(UTC) >= end_of_day(due, time_zone=time_zone).astimezone(UTC)
