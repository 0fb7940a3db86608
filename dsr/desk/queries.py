"""Named reads of the desk. Every queryset starts from `accounts.access.visible_to`.

The queue's cost does not grow with the number of requests: the page is cut by the
database (LIMIT/OFFSET over an index in the order shown), the total is counted up to
`COUNT_CAP`, and the counts per filter are one aggregate over at most `COUNT_CAP` rows of
the filtered list. Indexes serving each filter and order are in dsr/models/requests.py
and dsr/migrations (see docs/ARCHITECTURE.md, "The desk").
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from functools import cached_property
from zoneinfo import ZoneInfo

from django.core.paginator import Paginator
from django.db.models import Count, Q, QuerySet
from django.http import Http404
from django.utils import timezone

from accounts import access
from accounts.access import visible_to
from accounts.models import Language, Organization, User
from dsr.models import (
    RUNNING_STATUSES,
    Attachment,
    Channel,
    ReplyTemplate,
    Request,
    Right,
    Status,
)

# Counting stops here: above it the desk says "10,000+" (an officer needs to know that the
# list is long, not whether it holds 812,345 or 812,346 requests).
COUNT_CAP = 10_000
PAGE_SIZE = 50
SOON_DAYS = 7


def organization_today(organization: Organization) -> date:
    """Today in the organisation's time zone: deadlines are counted there (LEGAL.md)."""
    return timezone.localdate(timezone=ZoneInfo(organization.time_zone))


def desk_requests(user: User, organization: Organization | None = None) -> QuerySet[Request]:
    """The requests `user` may see (of one organisation if given): the queue and every page."""
    return visible_to(user, Request.objects.all(), organization=organization)


def request_for_desk(user: User, reference: str) -> Request:
    """One request by reference, among those `user` may see; 404 otherwise."""
    request_obj = (
        desk_requests(user)
        .select_related("organization", "assignee")
        .filter(reference=reference)
        .first()
    )
    if request_obj is None:
        raise Http404("No such request")
    return request_obj


def unassigned(officer_ids: list[int]) -> Q:
    """No assignee, or one who no longer works here (removed in the admin or the database):
    their requests are back in the queue like any unassigned one."""
    return Q(assignee__isnull=True) | ~Q(assignee_id__in=officer_ids)


def officers_of(organization: Organization) -> list[User]:
    """People who may be assigned requests: active officers and managers."""
    return list(access.officers_of(organization).order_by("full_name", "email"))


class CappedPaginator(Paginator):
    """Counts at most COUNT_CAP + 1 rows; `capped` says the real total is larger."""

    capped = False

    @cached_property
    def count(self) -> int:
        # No order: the database finds the matching rows by the cheapest index and stops.
        counted = self.object_list.order_by()[: COUNT_CAP + 1].count()
        self.capped = counted > COUNT_CAP
        return min(counted, COUNT_CAP)


@dataclass(frozen=True)
class Facets:
    """Counts of the filtered list, per value of each filter (over at most COUNT_CAP rows)."""

    counts: dict[str, int]
    capped: bool

    def get(self, key: str) -> int:
        return self.counts.get(key, 0)


def facet_counts(
    queryset: QuerySet[Request], *, today: date, user: User, officers: list[User]
) -> Facets:
    """One aggregate query: how many of the listed requests have each status, right, …"""
    aggregates = {"total": Count("pk")}
    for prefix, field, values in (
        ("status", "status", Status.values),
        ("right", "right", Right.values),
        ("channel", "channel", Channel.values),
        ("language", "language", Language.values),
    ):
        for value in values:
            aggregates[f"{prefix}_{value}"] = Count("pk", filter=Q(**{field: value}))
    running = Q(status__in=RUNNING_STATUSES)
    aggregates |= {
        "flag_overdue": Count("pk", filter=running & Q(effective_due_date__lt=today)),
        "flag_soon": Count(
            "pk",
            filter=running
            & Q(
                effective_due_date__gte=today, effective_due_date__lte=today + timedelta(SOON_DAYS)
            ),
        ),
        "flag_extended": Count("pk", filter=Q(extended_due_date__isnull=False)),
        "flag_paused": Count("pk", filter=Q(paused_since__isnull=False)),
        "assignee_none": Count("pk", filter=unassigned([officer.pk for officer in officers])),
    }
    for officer in officers:
        aggregates[f"assignee_{officer.pk}"] = Count("pk", filter=Q(assignee=officer))
    counts = queryset.order_by()[:COUNT_CAP].aggregate(**aggregates)
    counts["assignee_me"] = counts.get(f"assignee_{user.pk}", 0)
    return Facets(counts=counts, capped=counts["total"] >= COUNT_CAP)


# --- the request page -----------------------------------------------------------------------


def request_attachments(request_obj: Request) -> list[Attachment]:
    return list(Attachment.objects.filter(request=request_obj).order_by("created_at", "pk"))


def request_attachment(user: User, request_obj: Request, attachment_id: int) -> Attachment:
    found = (
        visible_to(user, Attachment.objects.all())
        .filter(request=request_obj, pk=attachment_id)
        .select_related("request__organization")
        .first()
    )
    if found is None:
        raise Http404("No such file")
    return found


def submission_siblings(request_obj: Request) -> list[Request]:
    """The other rights asked for in the same submission."""
    return list(
        Request.objects.filter(
            organization=request_obj.organization, submission_id=request_obj.submission_id
        )
        .exclude(pk=request_obj.pk)
        .only("reference", "right", "status")
        .order_by("reference")
    )


def reply_templates_for(user: User, request_obj: Request) -> list[ReplyTemplate]:
    """The organisation's reply templates for this request's right (or any) and language."""
    return list(
        visible_to(user, ReplyTemplate.objects.all(), organization=request_obj.organization)
        .filter(Q(right=request_obj.right) | Q(right=""), language=request_obj.language)
        .order_by("name")
    )
