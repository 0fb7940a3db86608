"""The queue's filters for the API (`GET /api/v1/requests/?status=…&overdue=true`)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import django_filters
from django import forms
from django.db.models import Q, QuerySet
from django.utils import timezone
from drf_spectacular.utils import extend_schema_field

from accounts.models import Language
from dsr.api.fields import RFC3339, RFC3339_PATTERN
from dsr.models import (
    CLOSED_STATUSES,
    OPEN_STATUSES,
    RUNNING_STATUSES,
    Channel,
    Request,
    Right,
    Status,
)

RFC3339_MESSAGE = (
    "Must be an RFC 3339 timestamp with an offset, "
    "e.g. 2026-11-18T10:00:00+01:00 or 2026-11-18T09:00:00Z."
)


class Rfc3339FormField(forms.Field):
    """A query's time as the API's bodies take it (dsr/api/fields.py): RFC 3339 with an
    explicit offset, ASCII digits only; nothing lenient (`2026-11-18`, a naive time)."""

    def to_python(self, value: Any) -> datetime | None:
        if value in self.empty_values:
            return None
        match = RFC3339.fullmatch(value) if isinstance(value, str) else None
        if match is None:
            raise forms.ValidationError(RFC3339_MESSAGE, code="invalid")
        offset = match["offset"].upper().replace("Z", "+00:00")
        fraction = f".{match['fraction'][:6]:0<6}" if match["fraction"] else ""
        try:
            return datetime.fromisoformat(f"{match['date']}T{match['time']}{fraction}{offset}")
        except (ValueError, OverflowError):
            raise forms.ValidationError(RFC3339_MESSAGE, code="invalid") from None


@extend_schema_field({"type": "string", "format": "date-time", "pattern": RFC3339_PATTERN})
class Rfc3339Filter(django_filters.Filter):
    field_class = Rfc3339FormField


# Given but empty (`?received_after=`) is a mistake, not "no filter": said, never ignored.
STRICT_WHEN_GIVEN = ("received_after", "received_before")


class RequestFilter(django_filters.FilterSet):
    status = django_filters.MultipleChoiceFilter(
        choices=[*Status.choices, ("open", "Open"), ("closed", "Closed")],
        method="filter_status",
        distinct=False,
        help_text="One or more statuses; `open` and `closed` group them.",
    )
    # No joins, so no duplicates: DISTINCT would make PostgreSQL sort every matching row.
    right = django_filters.MultipleChoiceFilter(choices=Right.choices, distinct=False)
    channel = django_filters.MultipleChoiceFilter(choices=Channel.choices, distinct=False)
    language = django_filters.ChoiceFilter(choices=Language.choices)
    assignee = django_filters.CharFilter(
        method="filter_assignee", help_text="An officer's e-mail address, or `none`."
    )
    overdue = django_filters.BooleanFilter(
        method="filter_overdue", help_text="Running requests past their effective due date."
    )
    due_within = django_filters.NumberFilter(
        method="filter_due_within",
        min_value=0,
        max_value=366,
        help_text="Open requests due within this many days (overdue included).",
    )
    extended = django_filters.BooleanFilter(method="filter_extended")
    paused = django_filters.BooleanFilter(
        method="filter_paused", help_text="Waiting for the subject (clock paused)."
    )
    received_after = Rfc3339Filter(method="filter_received_after")
    received_before = Rfc3339Filter(method="filter_received_before")
    q = django_filters.CharFilter(
        method="filter_search", max_length=200, help_text="Reference, subject name or e-mail."
    )

    class Meta:
        model = Request
        fields = ["status", "right", "channel", "language"]

    def is_valid(self) -> bool:
        valid = super().is_valid()
        for name in STRICT_WHEN_GIVEN:
            if name in self.data and not str(self.data.get(name) or "").strip():
                self.form.add_error(name, RFC3339_MESSAGE)
                valid = False
        return valid

    def filter_status(self, queryset: QuerySet[Request], name: str, values: list[str]):
        statuses: set[str] = set()
        for value in values:
            if value == "open":
                statuses |= set(OPEN_STATUSES)
            elif value == "closed":
                statuses |= set(CLOSED_STATUSES)
            else:
                statuses.add(value)
        return queryset.filter(status__in=sorted(statuses)) if statuses else queryset

    # In UTC: PostgreSQL refuses offsets beyond ±15:59 that ISO 8601 parsers accept.
    def filter_received_after(self, queryset: QuerySet[Request], name: str, value):
        return queryset.filter(received_at__gte=value.astimezone(UTC)) if value else queryset

    def filter_received_before(self, queryset: QuerySet[Request], name: str, value):
        return queryset.filter(received_at__lt=value.astimezone(UTC)) if value else queryset

    def filter_assignee(self, queryset: QuerySet[Request], name: str, value: str):
        if value.strip().lower() == "none":
            return queryset.filter(assignee__isnull=True)
        return queryset.filter(assignee__email__iexact=value.strip())

    def filter_overdue(self, queryset: QuerySet[Request], name: str, value: bool | None):
        if value is None:
            return queryset
        overdue = Q(status__in=RUNNING_STATUSES, effective_due_date__lt=timezone.localdate())
        return queryset.filter(overdue) if value else queryset.exclude(overdue)

    def filter_due_within(self, queryset: QuerySet[Request], name: str, value):
        if value is None:
            return queryset
        horizon = timezone.localdate() + timedelta(days=int(value))
        return queryset.filter(status__in=OPEN_STATUSES, effective_due_date__lte=horizon)

    def filter_extended(self, queryset: QuerySet[Request], name: str, value: bool | None):
        if value is None:
            return queryset
        return queryset.filter(extended_due_date__isnull=not value)

    def filter_paused(self, queryset: QuerySet[Request], name: str, value: bool | None):
        if value is None:
            return queryset
        paused = Q(status=Status.AWAITING_SUBJECT)
        return queryset.filter(paused) if value else queryset.exclude(paused)

    def filter_search(self, queryset: QuerySet[Request], name: str, value: str):
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(
            Q(reference__iexact=value)
            | Q(subject_email__iexact=value)
            | Q(subject_name__icontains=value)
        )
