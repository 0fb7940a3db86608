"""The queue's filters, search and order (django-filter).

Without parameters the queue shows the default view: open requests that are mine or
unassigned, soonest effective deadline first. Each filter below names the index that
serves it on PostgreSQL (migration dsr/0003 and Request.Meta.indexes).
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import django_filters
from django import forms
from django.db.models import Q, QuerySet
from django.http import QueryDict
from django.utils.translation import gettext_lazy as _

from accounts.models import Language, User
from dsr.desk.queries import COUNT_CAP, unassigned
from dsr.models import (
    CLOSED_STATUSES,
    OPEN_STATUSES,
    RUNNING_STATUSES,
    Channel,
    Request,
    Right,
    Status,
)

DEFAULTS = {"status": "open", "assignee": "mine_or_unassigned", "sort": "due"}
SEARCH_MIN_LENGTH = 3
STATUS_CHOICES = [
    ("open", _("Open")),
    *Status.choices,
    ("closed", _("Closed")),
    ("all", _("All")),
]
SORTS = {
    # open_by_due / queue_by_status / queue_all_by_due
    "due": ("effective_due_date", "pk"),
    "-due": ("-effective_due_date", "-pk"),
    # open_by_received / queue_status_by_received / queue_all_by_received
    "received": ("received_at", "pk"),
    "-received": ("-received_at", "-pk"),
}
SORT_CHOICES = [
    ("due", _("Deadline, soonest first")),
    ("-due", _("Deadline, latest first")),
    ("received", _("Received, oldest first")),
    ("-received", _("Received, newest first")),
]


def search_condition(value: str) -> Q | None:
    """The columns a search term can match: a reference always has digits, an e-mail address
    has no spaces, a name no "@". On PostgreSQL each column has a trigram index on
    UPPER(column), which is what icontains compiles to there."""
    value = value.strip()
    if not value:
        return None
    condition = Q()
    if any(character.isdigit() for character in value):
        condition |= Q(reference__icontains=value)
    if "@" not in value:
        condition |= Q(subject_name__icontains=value)
    if not any(character.isspace() for character in value):
        condition |= Q(subject_email__icontains=value)
    return condition


def queue_data(query: QueryDict) -> dict[str, str]:
    """The GET parameters with the default view filled in where a filter is not given."""
    data = {key: query.get(key, "") for key in query}
    for key, value in DEFAULTS.items():
        if not data.get(key):
            data[key] = value
    data.pop("page", None)
    return data


class QueueFilter(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(
        label=_("Status"), choices=STATUS_CHOICES, method="filter_status", empty_label=None
    )
    assignee = django_filters.ChoiceFilter(
        label=_("Assignee"), method="filter_assignee", empty_label=None
    )
    # open_by_right / open_by_channel / open_by_language (and queue_by_status for closed)
    right = django_filters.ChoiceFilter(
        label=_("Right"), choices=Right.choices, empty_label=_("Any")
    )
    channel = django_filters.ChoiceFilter(
        label=_("Channel"), choices=Channel.choices, empty_label=_("Any")
    )
    language = django_filters.ChoiceFilter(
        label=_("Language"), choices=Language.choices, empty_label=_("Any")
    )
    overdue = django_filters.BooleanFilter(
        label=_("Overdue"), method="filter_overdue", widget=forms.CheckboxInput
    )
    due_within = django_filters.NumberFilter(
        label=_("Due within (days)"),
        method="filter_due_within",
        min_value=0,
        max_value=366,
        widget=forms.NumberInput(attrs={"min": 0, "max": 366, "size": 4}),
    )
    extended = django_filters.BooleanFilter(
        label=_("Extended"), method="filter_extended", widget=forms.CheckboxInput
    )
    paused = django_filters.BooleanFilter(
        label=_("Clock paused"), method="filter_paused", widget=forms.CheckboxInput
    )
    q = django_filters.CharFilter(
        label=_("Search"),
        method="filter_search",
        min_length=SEARCH_MIN_LENGTH,
        max_length=200,
        widget=forms.TextInput(
            attrs={"type": "search", "placeholder": _("Reference, name or e-mail")}
        ),
    )
    sort = django_filters.ChoiceFilter(
        label=_("Order"), choices=SORT_CHOICES, method="filter_sort", empty_label=None
    )

    class Meta:
        model = Request
        fields = ["status", "assignee", "right", "channel", "language"]

    def __init__(
        self,
        data: dict[str, Any],
        *,
        queryset: QuerySet[Request],
        user: User,
        officers: list[User],
        today: date,
    ) -> None:
        super().__init__(data, queryset=queryset)
        self.user, self.today = user, today
        self.officer_ids = [officer.pk for officer in officers]
        self.filters["assignee"].extra["choices"] = [
            ("mine_or_unassigned", _("Mine and unassigned")),
            ("me", _("Mine")),
            ("none", _("Unassigned")),
            ("any", _("Anyone")),
            *((str(officer.pk), str(officer)) for officer in officers),
        ]

    def filter_status(self, queryset: QuerySet[Request], name: str, value: str):
        if value == "open":  # open_by_due (partial index on the open statuses)
            return queryset.filter(status__in=OPEN_STATUSES)
        if value == "closed":
            return queryset.filter(status__in=CLOSED_STATUSES)
        if value == "all":
            return queryset
        return queryset.filter(status=value)  # queue_by_status

    def filter_assignee(self, queryset: QuerySet[Request], name: str, value: str):
        # open_by_assignee / queue_by_assignee
        if value == "mine_or_unassigned":
            return queryset.filter(Q(assignee=self.user) | unassigned(self.officer_ids))
        if value == "me":
            return queryset.filter(assignee=self.user)
        if value == "none":
            return queryset.filter(unassigned(self.officer_ids))
        if value == "any":
            return queryset
        return queryset.filter(assignee_id=int(value))

    def filter_overdue(self, queryset: QuerySet[Request], name: str, value: bool):
        # open_by_due: a range of the effective deadline among open requests
        if not value:
            return queryset
        return queryset.filter(status__in=RUNNING_STATUSES, effective_due_date__lt=self.today)

    def filter_due_within(self, queryset: QuerySet[Request], name: str, value: Any):
        if value is None:
            return queryset
        return queryset.filter(
            status__in=RUNNING_STATUSES,
            effective_due_date__gte=self.today,
            effective_due_date__lte=self.today + timedelta(days=int(value)),
        )

    def filter_extended(self, queryset: QuerySet[Request], name: str, value: bool):
        # extended_by_due (partial index)
        return queryset.filter(extended_due_date__isnull=False) if value else queryset

    def filter_paused(self, queryset: QuerySet[Request], name: str, value: bool):
        # paused_by_due (partial index)
        return queryset.filter(paused_since__isnull=False) if value else queryset

    def filter_search(self, queryset: QuerySet[Request], name: str, value: str):
        """Reference, name or e-mail, anywhere in the text (see `search_condition`).

        The matching rows are found once, here, and the count, the page and the counts per
        filter then read them by primary key, instead of each searching the trigram indexes
        again. A search matching more than COUNT_CAP requests is left as a condition (the
        list stays right; it is only slower, and such a search narrows nothing)."""
        condition = search_condition(value)
        if condition is None:
            return queryset
        matches = list(
            queryset.filter(condition).order_by().values_list("pk", flat=True)[: COUNT_CAP + 1]
        )
        if len(matches) > COUNT_CAP:
            return queryset.filter(condition)
        return queryset.filter(pk__in=matches)

    def filter_sort(self, queryset: QuerySet[Request], name: str, value: str):
        return queryset.order_by(*SORTS.get(value, SORTS["due"]))

    @property
    def qs(self) -> QuerySet[Request]:
        queryset = super().qs
        if not queryset.query.order_by:
            queryset = queryset.order_by(*SORTS["due"])
        return queryset
