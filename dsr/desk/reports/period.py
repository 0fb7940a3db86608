"""The period a report covers: calendar days in the organisation's time zone.

A period is chosen with two dates (from, to; both included) or a preset ("last quarter").
Without either the reports show the last twelve months up to today.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django import forms
from django.utils.translation import gettext_lazy as _

from dsr.workflow import GDPR_APPLIES

EARLIEST = GDPR_APPLIES.date()
PRESETS = [
    ("last_12_months", _("Last 12 months")),
    ("this_year", _("This year")),
    ("last_year", _("Last year")),
    ("this_quarter", _("This quarter")),
    ("last_quarter", _("Last quarter")),
    ("last_month", _("Last month")),
]


@dataclass(frozen=True)
class Period:
    """From `start` to `end`, both whole local days of `time_zone`."""

    start: date
    end: date
    time_zone: str

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.time_zone)

    @property
    def start_at(self) -> datetime:
        """The first instant of the period."""
        return datetime.combine(self.start, time(0), tzinfo=self.zone)

    @property
    def end_before(self) -> datetime:
        """The first instant after the period (the start of the day after `end`)."""
        return datetime.combine(self.end + timedelta(days=1), time(0), tzinfo=self.zone)

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    def query(self) -> str:
        return f"start={self.start.isoformat()}&end={self.end.isoformat()}"

    def slug(self) -> str:
        return f"{self.start.isoformat()}_{self.end.isoformat()}"


def _year_before(day: date) -> date:
    last = calendar.monthrange(day.year - 1, day.month)[1]
    return date(day.year - 1, day.month, min(day.day, last))


def _quarter_start(day: date) -> date:
    return date(day.year, 3 * ((day.month - 1) // 3) + 1, 1)


def _month_end(day: date) -> date:
    return date(day.year, day.month, calendar.monthrange(day.year, day.month)[1])


def preset_dates(preset: str, today: date) -> tuple[date, date]:
    """The first and last day of a preset period, seen from `today`."""
    if preset == "last_12_months":
        return _year_before(today) + timedelta(days=1), today
    if preset == "this_year":
        return date(today.year, 1, 1), date(today.year, 12, 31)
    if preset == "last_year":
        return date(today.year - 1, 1, 1), date(today.year - 1, 12, 31)
    quarter = _quarter_start(today)
    if preset == "this_quarter":
        return quarter, _month_end(date(quarter.year, quarter.month + 2, 1))
    if preset == "last_quarter":
        previous = _quarter_start(quarter - timedelta(days=1))
        return previous, quarter - timedelta(days=1)
    if preset == "last_month":
        end = today.replace(day=1) - timedelta(days=1)
        return end.replace(day=1), end
    raise ValueError(f"unknown preset {preset!r}")


class PeriodForm(forms.Form):
    """From and to (both included), or a preset; validated against the GDPR's start and
    the end of the current year, so that no period is absurd."""

    start = forms.DateField(
        label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    end = forms.DateField(
        label=_("To"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    preset = forms.ChoiceField(label=_("Period"), choices=PRESETS, required=False)

    def __init__(self, data: object, *, today: date, time_zone: str) -> None:
        super().__init__(data)
        self.today, self.time_zone = today, time_zone

    def clean(self) -> dict:
        cleaned = super().clean()
        if self.errors:
            return cleaned
        start, end, preset = cleaned.get("start"), cleaned.get("end"), cleaned.get("preset")
        if preset and not (start or end):
            start, end = preset_dates(preset, self.today)
        elif start is None and end is None:
            start, end = preset_dates("last_12_months", self.today)
        elif start is None or end is None:
            raise forms.ValidationError(_("Give both dates of the period, or choose a preset."))
        if end < start:
            raise forms.ValidationError(_("The end of the period is before its start."))
        if start < EARLIEST:
            raise forms.ValidationError(
                _("The period cannot start before 25 May 2018, when the GDPR began to apply.")
            )
        latest = date(self.today.year, 12, 31)
        if end > latest:
            raise forms.ValidationError(
                _("The period cannot end after %(date)s.") % {"date": latest.isoformat()}
            )
        cleaned["period"] = Period(start=start, end=end, time_zone=self.time_zone)
        return cleaned

    @property
    def period(self) -> Period:
        return self.cleaned_data["period"]

    def presets(self) -> list[tuple[str, str, Period]]:
        """(slug, label, period) of each preset, for links above the form."""
        return [
            (slug, str(label), Period(*preset_dates(slug, self.today), self.time_zone))
            for slug, label in PRESETS
        ]
