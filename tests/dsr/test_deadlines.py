"""Tests for dsr.deadlines, the legal calendar.

The spec is LEGAL.md, section "Deadlines (Art. 12(3) with Reg. 1182/71)". Expected dates
are literal dates worked out by hand against a printed calendar (``calendar.month``) and
the ``holidays`` package; they are not recomputed with the code under test.

Plain functions only: no Django settings, no database.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import holidays
import pytest
from hypothesis import given
from hypothesis import strategies as st

from dsr.deadlines import (
    SUPPORTED_COUNTRIES,
    add_months,
    days_left,
    effective_due_date,
    end_of_day,
    extended_due_date,
    has_passed,
    is_working_day,
    next_working_day,
    receipt_date,
    statutory_due_date,
    whole_days_between,
)

BRUSSELS = "Europe/Brussels"
AMSTERDAM = "Europe/Amsterdam"
ZONE_OF = {"BE": BRUSSELS, "NL": AMSTERDAM}

SAT, SUN = 5, 6


def at_noon(day: date, time_zone: str = BRUSSELS) -> datetime:
    """An aware datetime at local noon on ``day``: well away from midnight."""
    return datetime(day.year, day.month, day.day, 12, 0, tzinfo=ZoneInfo(time_zone))


def due(day: date, country: str) -> date:
    """Statutory due date of a request received at local noon on ``day`` in ``country``."""
    zone = ZONE_OF[country]
    return statutory_due_date(at_noon(day, zone), country=country, time_zone=zone)


def due_at(received_at: datetime, country: str) -> date:
    """Statutory due date of a request received at ``received_at`` in ``country``."""
    return statutory_due_date(received_at, country=country, time_zone=ZONE_OF[country])


def is_public_holiday(day: date, country: str) -> bool:
    """Independent oracle: straight from the holidays package, not via dsr.deadlines."""
    return day in holidays.country_holidays(country, years=day.year)


# --------------------------------------------------------------------------------------
# LEGAL.md examples
# --------------------------------------------------------------------------------------


def test_one_month_same_day_number_5_march_to_5_april() -> None:
    """LEGAL.md: "received 5 March -> 5 April" (2027: 5 April is a Monday, no holiday)."""
    assert add_months(date(2027, 3, 5), 1) == date(2027, 4, 5)
    assert due(date(2027, 3, 5), "BE") == date(2027, 4, 5)
    assert due(date(2027, 3, 5), "NL") == date(2027, 4, 5)


def test_one_month_5_march_2026_lands_on_easter_and_shifts_past_easter_monday() -> None:
    """LEGAL.md: 5 March -> 5 April; in 2026 that is Easter Sunday, and Easter Monday
    (6 April) is a holiday in both countries, so the period ends Tuesday 7 April."""
    assert add_months(date(2026, 3, 5), 1) == date(2026, 4, 5)
    assert date(2026, 4, 5).weekday() == SUN
    assert is_public_holiday(date(2026, 4, 6), "BE")
    assert is_public_holiday(date(2026, 4, 6), "NL")
    assert due(date(2026, 3, 5), "BE") == date(2026, 4, 7)
    assert due(date(2026, 3, 5), "NL") == date(2026, 4, 7)


def test_one_month_31_august_to_30_september() -> None:
    """LEGAL.md: "received 31 August -> 30 September" (2026: Wednesday, no holiday)."""
    assert add_months(date(2026, 8, 31), 1) == date(2026, 9, 30)
    assert due(date(2026, 8, 31), "BE") == date(2026, 9, 30)
    assert due(date(2026, 8, 31), "NL") == date(2026, 9, 30)


def test_one_month_31_january_2026_to_28_february_saturday_due_monday_2_march() -> None:
    """LEGAL.md: 31 January 2026 -> 28 February 2026, a Saturday -> due Monday 2 March."""
    assert add_months(date(2026, 1, 31), 1) == date(2026, 2, 28)
    assert date(2026, 2, 28).weekday() == SAT
    for country in SUPPORTED_COUNTRIES:
        assert due(date(2026, 1, 31), country) == date(2026, 3, 2)


def test_extended_is_three_months_from_receipt_31_january_2026_to_30_april() -> None:
    """LEGAL.md product choice: extended deadline = three months from receipt under the
    same rules, 31 January 2026 -> 30 April 2026 (Thursday). NL King's Day 2026 is
    Monday 27 April, which is before the 30th and so does not interfere."""
    assert add_months(date(2026, 1, 31), 3) == date(2026, 4, 30)
    assert date(2026, 4, 30).weekday() == 3  # Thursday
    assert is_working_day(date(2026, 4, 30), country="BE")
    assert is_working_day(date(2026, 4, 30), country="NL")
    assert date(2026, 4, 27) in holidays.country_holidays("NL", years=2026)
    for country, zone in ZONE_OF.items():
        received = at_noon(date(2026, 1, 31), zone)
        got = extended_due_date(received, country=country, time_zone=zone)
        assert got == date(2026, 4, 30)


def test_extended_counts_from_receipt_not_from_shifted_statutory_date() -> None:
    """LEGAL.md product choice: three months from receipt, not statutory due + 2 months.
    Received 31 January 2026: statutory due is 2 March (shifted); 2 March + 2 months would
    be 2 May, but the extended deadline is 30 April."""
    received = at_noon(date(2026, 1, 31))
    got = extended_due_date(received, country="BE", time_zone=BRUSSELS)
    assert got == date(2026, 4, 30)


def test_extended_date_shifts_to_next_working_day() -> None:
    """LEGAL.md: the extended period follows "the same rules": received 28 March 2026 ->
    28 June 2026 is a Sunday -> due Monday 29 June 2026."""
    assert date(2026, 6, 28).weekday() == SUN
    received = at_noon(date(2026, 3, 28))
    got = extended_due_date(received, country="BE", time_zone=BRUSSELS)
    assert got == date(2026, 6, 29)


# --------------------------------------------------------------------------------------
# Belgian and Dutch holidays that differ (LEGAL.md: 11 November and 21 July in Belgium,
# King's Day in the Netherlands)
# --------------------------------------------------------------------------------------


def test_belgian_national_day_21_july_shifts_in_be_not_in_nl() -> None:
    """LEGAL.md: 21 July is a Belgian holiday. Received 21 June 2026 -> Tuesday 21 July:
    BE due Wednesday 22 July, NL due 21 July."""
    assert date(2026, 7, 21).weekday() == 1  # Tuesday
    assert is_public_holiday(date(2026, 7, 21), "BE")
    assert not is_public_holiday(date(2026, 7, 21), "NL")
    assert due(date(2026, 6, 21), "BE") == date(2026, 7, 22)
    assert due(date(2026, 6, 21), "NL") == date(2026, 7, 21)


def test_belgian_armistice_11_november_shifts_in_be_not_in_nl() -> None:
    """LEGAL.md: 11 November is a Belgian holiday. Received 11 October 2026 -> Wednesday
    11 November: BE due Thursday 12 November, NL due 11 November."""
    assert date(2026, 11, 11).weekday() == 2  # Wednesday
    assert is_public_holiday(date(2026, 11, 11), "BE")
    assert not is_public_holiday(date(2026, 11, 11), "NL")
    assert due(date(2026, 10, 11), "BE") == date(2026, 11, 12)
    assert due(date(2026, 10, 11), "NL") == date(2026, 11, 11)


def test_dutch_kings_day_27_april_shifts_in_nl_not_in_be() -> None:
    """LEGAL.md: King's Day is a Dutch holiday. Received 27 March 2026 -> Monday 27 April:
    NL due Tuesday 28 April, BE due 27 April."""
    assert date(2026, 4, 27).weekday() == 0  # Monday
    assert is_public_holiday(date(2026, 4, 27), "NL")
    assert not is_public_holiday(date(2026, 4, 27), "BE")
    assert due(date(2026, 3, 27), "NL") == date(2026, 4, 28)
    assert due(date(2026, 3, 27), "BE") == date(2026, 4, 27)


def test_dutch_kings_day_moves_to_26_april_when_27_april_is_a_sunday() -> None:
    """LEGAL.md (King's Day). In 2025, 27 April is a Sunday, so King's Day is Saturday
    26 April. Received 27 March 2025 -> Sunday 27 April -> Monday 28 April in both
    countries: the moved King's Day falls on a weekend and adds no extra day."""
    nl_2025 = holidays.country_holidays("NL", years=2025)
    assert date(2025, 4, 27).weekday() == SUN
    assert date(2025, 4, 26) in nl_2025
    assert date(2025, 4, 27) not in nl_2025
    assert date(2025, 4, 28) not in nl_2025
    assert due(date(2025, 3, 27), "NL") == date(2025, 4, 28)
    assert due(date(2025, 3, 27), "BE") == date(2025, 4, 28)


def test_easter_monday_is_a_holiday_in_both_countries() -> None:
    """LEGAL.md (public holidays). Received Sunday 28 February 2027 -> Sunday 28 March
    2027 (Easter Sunday) -> Monday 29 March (Easter Monday, both countries) -> due
    Tuesday 30 March 2027."""
    assert date(2027, 3, 29).weekday() == 0  # Monday
    for country in SUPPORTED_COUNTRIES:
        assert is_public_holiday(date(2027, 3, 29), country)
        assert due(date(2027, 2, 28), country) == date(2027, 3, 30)


def test_christmas_25_december_both_and_26_december_only_nl() -> None:
    """LEGAL.md (public holidays). 2025: 25 December is a Thursday, 26 December a Friday.
    25 December is a holiday in both countries; 26 December only in NL (Second Day of
    Christmas). Received 25 November 2025 -> BE due Friday 26 December, NL due Monday
    29 December. Received 26 November 2025 -> BE due 26 December, NL due 29 December."""
    assert is_public_holiday(date(2025, 12, 25), "BE")
    assert is_public_holiday(date(2025, 12, 25), "NL")
    assert not is_public_holiday(date(2025, 12, 26), "BE")
    assert is_public_holiday(date(2025, 12, 26), "NL")
    assert due(date(2025, 11, 25), "BE") == date(2025, 12, 26)
    assert due(date(2025, 11, 25), "NL") == date(2025, 12, 29)
    assert due(date(2025, 11, 26), "BE") == date(2025, 12, 26)
    assert due(date(2025, 11, 26), "NL") == date(2025, 12, 29)


def test_good_friday_follows_the_holidays_package_nl_only() -> None:
    """Pins the calendar of the holidays package (LEGAL.md defers to "public holidays of
    the controller's country"): it lists Good Friday for NL, not for BE. Received
    3 March 2026 -> Friday 3 April 2026: BE due 3 April; NL skips Good Friday, the
    weekend and Easter Monday -> Tuesday 7 April."""
    assert is_public_holiday(date(2026, 4, 3), "NL")
    assert not is_public_holiday(date(2026, 4, 3), "BE")
    assert due(date(2026, 3, 3), "BE") == date(2026, 4, 3)
    assert due(date(2026, 3, 3), "NL") == date(2026, 4, 7)


def test_is_working_day_weekend_holiday_and_ordinary_day() -> None:
    """LEGAL.md: Saturday, Sunday and public holidays are not working days."""
    assert is_working_day(date(2026, 3, 2), country="BE")  # Monday
    assert not is_working_day(date(2026, 2, 28), country="BE")  # Saturday
    assert not is_working_day(date(2026, 3, 1), country="NL")  # Sunday
    assert not is_working_day(date(2026, 1, 1), country="NL")  # New Year, Thursday
    assert not is_working_day(date(2026, 7, 21), country="BE")
    assert is_working_day(date(2026, 7, 21), country="NL")


def test_next_working_day_returns_same_day_or_first_following_working_day() -> None:
    """LEGAL.md: the period ends at the end of the next working day."""
    assert next_working_day(date(2026, 3, 2), country="BE") == date(2026, 3, 2)
    assert next_working_day(date(2026, 2, 28), country="BE") == date(2026, 3, 2)
    # Good Friday 3 April 2026 (NL) -> Sat, Sun, Easter Monday -> Tuesday 7 April
    assert next_working_day(date(2026, 4, 3), country="NL") == date(2026, 4, 7)


# --------------------------------------------------------------------------------------
# Month ends and leap years (LEGAL.md: "if that month has no such day, at the end of its
# last day")
# --------------------------------------------------------------------------------------


def test_month_end_31_january_2028_leap_year_to_29_february_tuesday() -> None:
    """LEGAL.md month-end rule in a leap year: 31 January 2028 -> 29 February 2028, a
    Tuesday and a working day in both countries, so no shift."""
    assert add_months(date(2028, 1, 31), 1) == date(2028, 2, 29)
    assert date(2028, 2, 29).weekday() == 1  # Tuesday
    assert due(date(2028, 1, 31), "BE") == date(2028, 2, 29)
    assert due(date(2028, 1, 31), "NL") == date(2028, 2, 29)


def test_month_end_31_january_2027_to_28_february_sunday_due_monday_1_march() -> None:
    """LEGAL.md month-end rule plus weekend shift: 28 February 2027 is a Sunday."""
    assert add_months(date(2027, 1, 31), 1) == date(2027, 2, 28)
    assert date(2027, 2, 28).weekday() == SUN
    assert due(date(2027, 1, 31), "BE") == date(2027, 3, 1)


@pytest.mark.parametrize(
    ("start", "months", "expected"),
    [
        (date(2026, 1, 30), 1, date(2026, 2, 28)),
        (date(2026, 1, 29), 1, date(2026, 2, 28)),
        (date(2028, 1, 30), 1, date(2028, 2, 29)),
        (date(2026, 3, 31), 1, date(2026, 4, 30)),
        (date(2026, 5, 31), 1, date(2026, 6, 30)),
        (date(2026, 8, 31), 1, date(2026, 9, 30)),
        (date(2026, 10, 31), 1, date(2026, 11, 30)),
        (date(2026, 12, 31), 1, date(2027, 1, 31)),
        (date(2026, 11, 30), 3, date(2027, 2, 28)),
        (date(2027, 11, 30), 3, date(2028, 2, 29)),
        (date(2026, 12, 31), 3, date(2027, 3, 31)),
        (date(2026, 4, 30), 1, date(2026, 5, 30)),  # shorter -> longer: same number
        (date(2026, 2, 28), 1, date(2026, 3, 28)),  # not "last day of month" semantics
        (date(2026, 6, 15), 12, date(2027, 6, 15)),
        (date(2028, 2, 29), 12, date(2029, 2, 28)),
        (date(2026, 6, 15), 0, date(2026, 6, 15)),
    ],
)
def test_add_months_same_day_number_clamped_to_month_end(
    start: date, months: int, expected: date
) -> None:
    """LEGAL.md: same day number in the later month; if it has no such day, its last."""
    assert add_months(start, months) == expected


def test_add_months_rejects_negative_months() -> None:
    """Periods run forward only (LEGAL.md, "Deadlines")."""
    with pytest.raises(ValueError, match="months must be >= 0"):
        add_months(date(2026, 3, 31), -1)


def test_month_end_31_december_to_31_january_across_year() -> None:
    """LEGAL.md: 31 December 2026 -> 31 January 2027, a Sunday -> Monday 1 February."""
    assert date(2027, 1, 31).weekday() == SUN
    assert due(date(2026, 12, 31), "BE") == date(2027, 2, 1)
    assert due(date(2026, 12, 31), "NL") == date(2027, 2, 1)


# --------------------------------------------------------------------------------------
# Receipt date in the controller's time zone (LEGAL.md: "Dates are taken in the
# controller's time zone")
# --------------------------------------------------------------------------------------


def test_receipt_date_just_before_and_at_local_midnight_brussels_winter() -> None:
    """LEGAL.md time zone rule. Brussels is CET (UTC+1) on 4 March 2026:
    22:59:59Z = 23:59:59 local on 4 March; 23:00:00Z = 00:00 local on 5 March."""
    before = datetime(2026, 3, 4, 22, 59, 59, tzinfo=UTC)
    after = datetime(2026, 3, 4, 23, 0, 0, tzinfo=UTC)
    assert receipt_date(before, time_zone=BRUSSELS) == date(2026, 3, 4)
    assert receipt_date(after, time_zone=BRUSSELS) == date(2026, 3, 5)
    # the UTC date would be 4 March for both: the controller's zone decides
    assert after.date() == date(2026, 3, 4)


def test_receipt_date_just_before_and_at_local_midnight_brussels_summer() -> None:
    """LEGAL.md time zone rule. Brussels is CEST (UTC+2) on 20 June 2026, so local
    midnight is 22:00Z. The one-month date then moves from Monday 20 July (working day)
    to 21 July (BE National Day) -> Wednesday 22 July."""
    before = datetime(2026, 6, 20, 21, 59, 59, tzinfo=UTC)
    after = datetime(2026, 6, 20, 22, 0, 0, tzinfo=UTC)
    assert receipt_date(before, time_zone=BRUSSELS) == date(2026, 6, 20)
    assert receipt_date(after, time_zone=BRUSSELS) == date(2026, 6, 21)
    assert due_at(before, "BE") == date(2026, 7, 20)
    assert due_at(after, "BE") == date(2026, 7, 22)


def test_receipt_date_amsterdam_winter_and_summer() -> None:
    """LEGAL.md time zone rule for Europe/Amsterdam (CET in January, CEST in July)."""
    cases = [
        # (UTC instant, local date in Amsterdam)
        (datetime(2026, 1, 30, 22, 59, 59, tzinfo=UTC), date(2026, 1, 30)),  # CET
        (datetime(2026, 1, 30, 23, 0, 0, tzinfo=UTC), date(2026, 1, 31)),
        (datetime(2026, 7, 14, 21, 59, 59, tzinfo=UTC), date(2026, 7, 14)),  # CEST
        (datetime(2026, 7, 14, 22, 0, 0, tzinfo=UTC), date(2026, 7, 15)),
    ]
    for instant, expected in cases:
        assert receipt_date(instant, time_zone=AMSTERDAM) == expected
    # 23:00Z on 30 January is 31 January in Amsterdam -> 28 February 2026 (Saturday)
    # -> Monday 2 March.
    late = datetime(2026, 1, 30, 23, 0, tzinfo=UTC)
    assert due_at(late, "NL") == date(2026, 3, 2)


def test_receipt_date_accepts_any_aware_zone() -> None:
    """LEGAL.md time zone rule: a datetime recorded in another zone is converted.
    18:30 in New York (EST, UTC-5) on 4 March 2026 is 00:30 on 5 March in Brussels."""
    new_york = datetime(2026, 3, 4, 18, 30, tzinfo=ZoneInfo("America/New_York"))
    assert receipt_date(new_york, time_zone=BRUSSELS) == date(2026, 3, 5)


def test_naive_datetime_raises_value_error() -> None:
    """LEGAL.md: dates are taken in the controller's zone, so a naive instant is ambiguous."""
    naive = datetime(2026, 3, 4, 12, 0)
    with pytest.raises(ValueError, match="aware"):
        receipt_date(naive, time_zone=BRUSSELS)
    with pytest.raises(ValueError, match="aware"):
        statutory_due_date(naive, country="BE", time_zone=BRUSSELS)
    with pytest.raises(ValueError, match="aware"):
        extended_due_date(naive, country="NL", time_zone=AMSTERDAM)
    with pytest.raises(ValueError, match="aware"):
        has_passed(date(2026, 3, 4), now=naive, time_zone=BRUSSELS)
    with pytest.raises(ValueError, match="aware"):
        whole_days_between(naive, datetime(2026, 3, 5, tzinfo=UTC))


def test_unknown_country_raises_value_error_naming_supported_ones() -> None:
    """LEGAL.md: holidays are those of the controller's country; only BE and NL are known."""
    assert SUPPORTED_COUNTRIES == ("BE", "NL")
    received = at_noon(date(2026, 3, 4))
    with pytest.raises(ValueError, match="BE, NL"):
        is_working_day(date(2026, 3, 4), country="FR")
    with pytest.raises(ValueError, match="BE, NL"):
        statutory_due_date(received, country="DE", time_zone=BRUSSELS)
    with pytest.raises(ValueError, match="BE, NL"):
        extended_due_date(received, country="be", time_zone=BRUSSELS)
    with pytest.raises(ValueError, match="BE, NL"):
        effective_due_date(date(2026, 3, 4), paused_days=0, country="LU")


def test_unknown_time_zone_raises_value_error() -> None:
    """LEGAL.md: the controller's time zone must be a real zone (Europe/Brussels, ...)."""
    with pytest.raises(ValueError, match="time zone"):
        receipt_date(datetime(2026, 3, 4, tzinfo=UTC), time_zone="Europe/Bruxelles")


# --------------------------------------------------------------------------------------
# Pause (LEGAL.md product choice: statutory + whole days waiting, then next working day)
# --------------------------------------------------------------------------------------


def test_pause_zero_days_leaves_due_date_unchanged() -> None:
    """LEGAL.md pause rule with no waiting: the effective deadline is the statutory one."""
    for country in SUPPORTED_COUNTRIES:
        for due_day in (date(2026, 3, 2), date(2026, 9, 30)):
            got = effective_due_date(due_day, paused_days=0, country=country)
            assert got == due_day


def test_pause_zero_days_on_non_working_due_still_shifts_for_safety() -> None:
    """LEGAL.md pause rule: the effective deadline is always a working day."""
    got = effective_due_date(date(2026, 2, 28), paused_days=0, country="BE")
    assert got == date(2026, 3, 2)


def test_pause_adds_calendar_days_then_saturday_moves_to_monday() -> None:
    """LEGAL.md pause rule: Wednesday 30 September 2026 + 3 days = Saturday 3 October ->
    Monday 5 October 2026."""
    assert date(2026, 10, 3).weekday() == SAT
    for country in SUPPORTED_COUNTRIES:
        got = effective_due_date(date(2026, 9, 30), paused_days=3, country=country)
        assert got == date(2026, 10, 5)


def test_pause_adds_calendar_days_on_plain_weekday_without_shift() -> None:
    """LEGAL.md pause rule: Monday 2 March 2026 + 10 days = Thursday 12 March 2026."""
    got = effective_due_date(date(2026, 3, 2), paused_days=10, country="BE")
    assert got == date(2026, 3, 12)


def test_pause_landing_on_holiday_moves_to_next_working_day() -> None:
    """LEGAL.md pause rule: Monday 2 March 2026 + 35 days = Monday 6 April 2026 (Easter
    Monday, both countries) -> Tuesday 7 April."""
    for country in SUPPORTED_COUNTRIES:
        got = effective_due_date(date(2026, 3, 2), paused_days=35, country=country)
        assert got == date(2026, 4, 7)


def test_pause_landing_on_belgian_only_holiday_differs_by_country() -> None:
    """LEGAL.md pause rule with national holidays: Thursday 30 April 2026 + 1 day =
    Friday 1 May (Labour Day, a BE holiday, not an NL one): BE -> Monday 4 May, NL ->
    Friday 1 May."""
    assert is_public_holiday(date(2026, 5, 1), "BE")
    assert not is_public_holiday(date(2026, 5, 1), "NL")
    due_day = date(2026, 4, 30)
    assert effective_due_date(due_day, paused_days=1, country="BE") == date(2026, 5, 4)
    assert effective_due_date(due_day, paused_days=1, country="NL") == date(2026, 5, 1)


def test_pause_negative_days_raises_value_error() -> None:
    """LEGAL.md pause rule: a pause cannot shorten the deadline."""
    with pytest.raises(ValueError, match="paused_days must be >= 0"):
        effective_due_date(date(2026, 3, 2), paused_days=-1, country="BE")


# --------------------------------------------------------------------------------------
# Counting paused days (LEGAL.md: "whole calendar days spent waiting")
# --------------------------------------------------------------------------------------


def test_whole_days_between_23h59_is_zero_and_24h_is_one() -> None:
    """LEGAL.md pause rule counts whole days only."""
    start = datetime(2026, 3, 4, 10, 0, tzinfo=ZoneInfo(BRUSSELS))
    almost_a_day = timedelta(hours=23, minutes=59, seconds=59)
    assert whole_days_between(start, start + almost_a_day) == 0
    assert whole_days_between(start, start + timedelta(hours=24)) == 1
    assert whole_days_between(start, start + timedelta(days=2, hours=23)) == 2
    assert whole_days_between(start, start) == 0


def test_whole_days_between_reversed_is_zero() -> None:
    """LEGAL.md pause rule: a pause never counts negative days."""
    start = datetime(2026, 3, 4, 10, 0, tzinfo=UTC)
    assert whole_days_between(start, start - timedelta(days=3)) == 0


def test_whole_days_between_across_spring_dst_change_counts_elapsed_hours() -> None:
    """LEGAL.md pause rule, interpreted as elapsed time: Brussels moves to CEST on
    29 March 2026, so noon 28 March -> noon 29 March is only 23 hours (0 whole days),
    and 13:00 on 29 March is the first instant 24 hours later."""
    zone = ZoneInfo(BRUSSELS)
    start = datetime(2026, 3, 28, 12, 0, tzinfo=zone)
    assert whole_days_between(start, datetime(2026, 3, 29, 12, 0, tzinfo=zone)) == 0
    assert whole_days_between(start, datetime(2026, 3, 29, 13, 0, tzinfo=zone)) == 1


def test_whole_days_between_across_autumn_dst_change_counts_elapsed_hours() -> None:
    """LEGAL.md pause rule: Brussels returns to CET on 25 October 2026, so noon
    24 October -> 11:00 on 25 October is already 24 hours (1 whole day)."""
    zone = ZoneInfo(BRUSSELS)
    start = datetime(2026, 10, 24, 12, 0, tzinfo=zone)
    assert whole_days_between(start, datetime(2026, 10, 25, 10, 59, tzinfo=zone)) == 0
    assert whole_days_between(start, datetime(2026, 10, 25, 11, 0, tzinfo=zone)) == 1


def test_whole_days_between_does_not_depend_on_representation_zone() -> None:
    """Same two instants, expressed in different zones, give the same count."""
    start = datetime(2026, 3, 28, 11, 0, tzinfo=UTC)  # 12:00 Brussels (CET)
    end = datetime(2026, 3, 29, 12, 0, tzinfo=ZoneInfo(BRUSSELS))  # 10:00 UTC (CEST)
    assert whole_days_between(start, end) == 0
    assert whole_days_between(start.astimezone(ZoneInfo(AMSTERDAM)), end) == 0


# --------------------------------------------------------------------------------------
# End of the period (LEGAL.md: "ends at the end of the day")
# --------------------------------------------------------------------------------------


def test_days_left_positive_zero_on_due_day_negative_when_overdue() -> None:
    """LEGAL.md: the due day itself is still in time."""
    assert days_left(date(2026, 3, 2), today=date(2026, 2, 25)) == 5
    assert days_left(date(2026, 3, 2), today=date(2026, 3, 2)) == 0
    assert days_left(date(2026, 3, 2), today=date(2026, 3, 4)) == -2


def test_end_of_day_is_first_instant_of_next_local_day() -> None:
    """LEGAL.md: the period ends at the end of the last day, in the controller's zone.
    Winter (CET): end of 2 March 2026 = 3 March 00:00 local = 2 March 23:00Z. Summer
    (CEST): end of 21 July 2026 = 22 July 00:00 local = 21 July 22:00Z."""
    winter = end_of_day(date(2026, 3, 2), time_zone=BRUSSELS)
    assert winter == datetime(2026, 3, 2, 23, 0, tzinfo=UTC)
    assert winter.tzinfo == ZoneInfo(BRUSSELS)
    assert (winter.year, winter.month, winter.day, winter.hour) == (2026, 3, 3, 0)
    summer = end_of_day(date(2026, 7, 21), time_zone=AMSTERDAM)
    assert summer == datetime(2026, 7, 21, 22, 0, tzinfo=UTC)


def test_end_of_day_on_dst_change_days() -> None:
    """LEGAL.md end-of-day rule on the 23-hour and 25-hour local days of 2026."""
    spring_start = end_of_day(date(2026, 3, 28), time_zone=BRUSSELS)
    spring_end = end_of_day(date(2026, 3, 29), time_zone=BRUSSELS)
    assert spring_start == datetime(2026, 3, 28, 23, 0, tzinfo=UTC)
    assert spring_end == datetime(2026, 3, 29, 22, 0, tzinfo=UTC)
    autumn_start = end_of_day(date(2026, 10, 24), time_zone=BRUSSELS)
    autumn_end = end_of_day(date(2026, 10, 25), time_zone=BRUSSELS)
    assert autumn_start == datetime(2026, 10, 24, 22, 0, tzinfo=UTC)
    assert autumn_end == datetime(2026, 10, 25, 23, 0, tzinfo=UTC)


def test_has_passed_false_at_last_instant_true_at_next_local_midnight() -> None:
    """LEGAL.md: "the period ends at the end of the next working day". Due Monday 2 March
    2026 in Brussels: 23:59:59.999999 local is still in time; 00:00 on 3 March is late."""
    zone = ZoneInfo(BRUSSELS)
    last_instant = datetime(2026, 3, 2, 23, 59, 59, 999999, tzinfo=zone)
    next_day = datetime(2026, 3, 3, 0, 0, tzinfo=zone)
    assert not has_passed(date(2026, 3, 2), now=last_instant, time_zone=BRUSSELS)
    assert has_passed(date(2026, 3, 2), now=next_day, time_zone=BRUSSELS)
    assert not has_passed(
        date(2026, 3, 2), now=datetime(2026, 3, 2, 8, tzinfo=zone), time_zone=BRUSSELS
    )


def test_has_passed_in_summer_time_with_utc_now() -> None:
    """LEGAL.md end-of-day rule in CEST: due 21 July 2026 in Amsterdam ends at 22:00Z."""
    due_day = date(2026, 7, 21)
    assert not has_passed(
        due_day, now=datetime(2026, 7, 21, 21, 59, 59, tzinfo=UTC), time_zone=AMSTERDAM
    )
    late = datetime(2026, 7, 21, 22, 0, tzinfo=UTC)
    assert has_passed(due_day, now=late, time_zone=AMSTERDAM)


# --------------------------------------------------------------------------------------
# Properties (hypothesis): LEGAL.md "Deadlines" invariants for 2000-2100
# --------------------------------------------------------------------------------------

_NEW_YORK = ZoneInfo("America/New_York")
_INPUT_ZONES = [UTC, ZoneInfo(BRUSSELS), ZoneInfo(AMSTERDAM), _NEW_YORK]

aware_datetimes = st.datetimes(
    min_value=datetime(2000, 1, 1),
    max_value=datetime(2100, 12, 31, 23, 59, 59),
    timezones=st.sampled_from(_INPUT_ZONES),
    allow_imaginary=False,
)
countries = st.sampled_from(SUPPORTED_COUNTRIES)
controller_zones = st.sampled_from([BRUSSELS, AMSTERDAM])


def _is_weekend_or_holiday(day: date, country: str) -> bool:
    return day.weekday() >= SAT or is_public_holiday(day, country)


@given(received=aware_datetimes, country=countries, zone=controller_zones)
def test_property_due_date_is_first_working_day_on_or_after_plain_date(
    received: datetime, country: str, zone: str
) -> None:
    """LEGAL.md: one month from the local receipt date, then the next working day; the
    shift is bounded (no runaway shifting: at most 7 days)."""
    plain = add_months(receipt_date(received, time_zone=zone), 1)
    got = statutory_due_date(received, country=country, time_zone=zone)
    assert not _is_weekend_or_holiday(got, country)
    assert plain <= got <= plain + timedelta(days=7)
    # every day skipped was a weekend or holiday: the due date is the *first* working day
    skipped = plain
    while skipped < got:
        assert _is_weekend_or_holiday(skipped, country)
        skipped += timedelta(days=1)


@given(received=aware_datetimes, country=countries, zone=controller_zones)
def test_property_extended_date_not_before_statutory_and_working_day(
    received: datetime, country: str, zone: str
) -> None:
    """LEGAL.md product choice: the extended date is three months from receipt under the
    same rules; it is never earlier than the statutory date and never a weekend/holiday."""
    statutory = statutory_due_date(received, country=country, time_zone=zone)
    extended = extended_due_date(received, country=country, time_zone=zone)
    plain = add_months(receipt_date(received, time_zone=zone), 3)
    assert extended >= statutory
    assert not _is_weekend_or_holiday(extended, country)
    assert plain <= extended <= plain + timedelta(days=7)


@given(
    received=aware_datetimes,
    country=countries,
    zone=controller_zones,
    paused_days=st.integers(min_value=0, max_value=400),
)
def test_property_effective_due_date_not_before_due_and_working_day(
    received: datetime, country: str, zone: str, paused_days: int
) -> None:
    """LEGAL.md pause rule: effective = due + paused days, then next working day."""
    due_day = statutory_due_date(received, country=country, time_zone=zone)
    got = effective_due_date(due_day, paused_days=paused_days, country=country)
    assert got >= due_day + timedelta(days=paused_days)
    assert got <= due_day + timedelta(days=paused_days + 7)
    assert not _is_weekend_or_holiday(got, country)
    if paused_days == 0:
        assert got == due_day


@given(received=aware_datetimes, zone=controller_zones)
def test_property_receipt_date_same_in_any_zone(received: datetime, zone: str) -> None:
    """LEGAL.md: the receipt date depends only on the instant and the controller's zone."""
    as_utc = received.astimezone(UTC)
    got = receipt_date(received, time_zone=zone)
    assert got == receipt_date(as_utc, time_zone=zone)
    local = as_utc.astimezone(ZoneInfo(zone))
    assert got == date(local.year, local.month, local.day)


@given(start=aware_datetimes, end=aware_datetimes)
def test_property_whole_days_between_is_floor_of_elapsed_time(
    start: datetime, end: datetime
) -> None:
    """LEGAL.md pause rule: whole days of elapsed time, never negative."""
    got = whole_days_between(start, end)
    seconds = (end.astimezone(UTC) - start.astimezone(UTC)).total_seconds()
    assert got >= 0
    if seconds < 0:
        assert got == 0
    else:
        assert got * 86400 <= seconds < (got + 1) * 86400


@given(
    day=st.dates(min_value=date(2000, 1, 1), max_value=date(2100, 12, 31)),
    zone=controller_zones,
)
def test_property_has_passed_flips_at_end_of_local_day(day: date, zone: str) -> None:
    """LEGAL.md: in time until the end of the due day in the controller's zone."""
    end = end_of_day(day, time_zone=zone)
    local = end.astimezone(ZoneInfo(zone))
    assert (local.date(), local.hour, local.minute) == (day + timedelta(days=1), 0, 0)
    assert not has_passed(day, now=end - timedelta(microseconds=1), time_zone=zone)
    assert has_passed(day, now=end, time_zone=zone)
    assert receipt_date(end - timedelta(microseconds=1), time_zone=zone) == day
