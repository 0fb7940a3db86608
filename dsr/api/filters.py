"""The queue's filters for the API (`GET /api/v1/requests/?status=…&overdue=true`)."""

from __future__ import annotations

from datetime import UTC, timedelta

import django_filters
from django.db.models import Q, QuerySet
from django.utils import timezone

from accounts.models import Language
from dsr.models import (
    CLOSED_STATUSES,
    OPEN_STATUSES,
    RUNNING_STATUSES,
    Channel,
    Request,
    Right,
    Status,
)


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
    received_after = django_filters.IsoDateTimeFilter(method="filter_received_after")
    received_before = django_filters.IsoDateTimeFilter(method="filter_received_before")
    q = django_filters.CharFilter(
        method="filter_search", max_length=200, help_text="Reference, subject name or e-mail."
    )

    class Meta:
        model = Request
        fields = ["status", "right", "channel", "language"]

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
