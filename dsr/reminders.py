"""Deadline reminders and the morning digest (run by beat through dsr/tasks.py).

The sweep reads only requests whose clock runs and whose effective due date is
close (the partial index `running_by_effective_due`), works out per organisation
which threshold each has crossed, and sends each (request, threshold) once: the
`Reminder` row is inserted in the same transaction as the mail, under a unique
constraint, so a second beat or a redelivered task finds it taken and sends nothing.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone

from accounts import access
from accounts.models import Membership, Organization, Role, User
from dsr import audit, deadlines, emails
from dsr.models import RUNNING_STATUSES, DigestSent, EventKind, Reminder, Request, Status

log = logging.getLogger(__name__)

OVERDUE = "overdue"
BATCH = 500


@dataclass(frozen=True)
class Crossed:
    threshold: str
    days_left: int


def threshold_key(days: int) -> str:
    return f"days:{days}"


def crossed(request: Request, *, today: date) -> list[Crossed]:
    """Thresholds this request has crossed today, most urgent first."""
    days_left = deadlines.days_left(request.effective_due_date, today=today)
    if days_left < 0:
        return [Crossed(OVERDUE, days_left)]
    configured = sorted(set(request.organization.reminder_days))
    return [Crossed(threshold_key(days), days_left) for days in configured if days_left <= days]


def _horizon(now: datetime) -> date:
    """The latest effective due date any organisation's thresholds can reach today."""
    furthest = max(
        (max(days or [0]) for days in Organization.objects.values_list("reminder_days", flat=True)),
        default=0,
    )
    # One day more for organisations whose local date is already tomorrow.
    return now.date() + timedelta(days=furthest + 1)


def local_today(organization: Organization, now: datetime) -> date:
    return deadlines.receipt_date(now, time_zone=organization.time_zone)


def due_requests(now: datetime):
    """Running requests that may have crossed a threshold: a range of the partial index
    `running_by_effective_due`, not the table. Exact filtering happens per request."""
    return (
        Request.objects.filter(status__in=RUNNING_STATUSES, effective_due_date__lte=_horizon(now))
        .select_related("organization", "assignee")
        .order_by("effective_due_date", "pk")
    )


def recipients_for(request: Request, threshold: str) -> list[User]:
    """The assignee, or every officer of the organisation when unassigned; managers too
    when overdue (issue: clockwork). An assignee who is no longer an officer or manager of
    the organisation (removed in the admin or the database) counts as no assignee."""
    people: dict[int, User] = {}
    if access.can_act(request.assignee, request.organization):
        people[request.assignee.pk] = request.assignee
    else:
        for officer in access.officers_of(request.organization):
            people[officer.pk] = officer
    if threshold == OVERDUE:
        for membership in _managers(request.organization):
            people[membership.user.pk] = membership.user
    return sorted(people.values(), key=lambda user: user.email)


def _acting_memberships():
    return Membership.objects.filter(role__in=access.ACTING_ROLES, user__is_active=True)


def _managers(organization: Organization):
    return (
        Membership.objects.filter(
            organization=organization, role=Role.MANAGER, user__is_active=True
        )
        .select_related("user")
        .order_by("user__email")
    )


def extension_days_left(request: Request, *, today: date) -> int | None:
    """Days left to send an extension notice, or None when extending is no longer possible."""
    if request.extended_due_date is not None:
        return None
    left = deadlines.days_left(request.effective_due_date, today=today)
    return left if left >= 0 else None


def remind(request: Request, *, now: datetime, already: frozenset[str] = frozenset()) -> str | None:
    """Send the most urgent newly crossed threshold of one request; return it, or None.

    `already` holds thresholds known to be done (read in bulk by the sweep); the
    unique constraint still decides in the end, so a concurrent sweep sends nothing twice.
    """
    today = local_today(request.organization, now)
    thresholds = [item for item in crossed(request, today=today) if item.threshold not in already]
    if not thresholds:
        return None
    # `crossed` lists the most urgent first (overdue, then the fewest days).
    most_urgent = thresholds[0]
    sent = None
    for item in thresholds:
        notify = item is most_urgent
        with transaction.atomic():
            try:
                with transaction.atomic():
                    Reminder.objects.create(
                        request=request,
                        threshold=item.threshold,
                        effective_due_date=request.effective_due_date,
                        notified=notify,
                    )
            except IntegrityError:
                continue  # already handled by an earlier or concurrent sweep
            if notify:
                _notify(request, item, today=today)
                sent = item.threshold
    return sent


def _notify(request: Request, item: Crossed, *, today: date) -> None:
    people = recipients_for(request, item.threshold)
    for person in people:
        emails.email_queue(
            template="deadline_reminder",
            to=person.email,
            language=person.language or request.organization.default_language,
            request=request,
            context={
                "request": request,
                "organization": request.organization,
                "person": person,
                "overdue": item.threshold == OVERDUE,
                "days_left": item.days_left,
                "extension_days_left": extension_days_left(request, today=today),
            },
        )
    audit.record(
        organization=request.organization,
        request=request,
        kind=EventKind.REMINDER_SENT,
        actor=audit.Actor.system("reminder sweep"),
        data={
            "threshold": item.threshold,
            "days_left": item.days_left,
            "effective_due_date": request.effective_due_date.isoformat(),
            "recipients": len(people),
        },
    )


def sweep(*, now: datetime | None = None) -> int:
    """One reminder sweep over every organisation; returns the reminders sent."""
    now = now or timezone.now()
    sent = 0
    batch: list[Request] = []
    for request in due_requests(now).iterator(chunk_size=BATCH):
        batch.append(request)
        if len(batch) == BATCH:
            sent += _remind_batch(batch, now)
            batch = []
    if batch:
        sent += _remind_batch(batch, now)
    return sent


def _remind_batch(batch: list[Request], now: datetime) -> int:
    done: dict[int, set[str]] = {}
    for request_id, threshold in Reminder.objects.filter(request__in=batch).values_list(
        "request_id", "threshold"
    ):
        done.setdefault(request_id, set()).add(threshold)
    return sum(
        1
        for request in batch
        if remind(request, now=now, already=frozenset(done.get(request.pk, ())))
    )


# --- the morning digest ---------------------------------------------------------------------


def digest_for(user: User, *, now: datetime) -> list[Request]:
    """The user's open requests (assigned to them, or unassigned in their organisations).

    A request whose assignee no longer works at its organisation counts as unassigned."""
    organizations = Membership.objects.filter(
        user=user, role__in=access.ACTING_ROLES, daily_digest=True
    ).values("organization_id")
    assignee_works_here = Exists(
        _acting_memberships().filter(
            user=OuterRef("assignee"), organization=OuterRef("organization")
        )
    )
    return list(
        Request.objects.filter(
            organization__in=organizations,
            status__in=(Status.IDENTITY_CHECK, Status.IN_PROGRESS, Status.AWAITING_SUBJECT),
        )
        .filter(Q(assignee=user) | Q(assignee__isnull=True) | ~assignee_works_here)
        .select_related("organization")
        .order_by("effective_due_date", "pk")
    )


def digest_send(user: User, *, now: datetime | None = None) -> bool:
    """Send today's digest to one user once; False when already sent or nothing to tell."""
    now = now or timezone.now()
    requests = digest_for(user, now=now)
    if not requests:
        return False
    first = requests[0].organization
    today = local_today(first, now)
    rows = [
        {
            "request": request,
            "days_left": deadlines.days_left(request.effective_due_date, today=today),
        }
        for request in requests
    ]
    try:
        with transaction.atomic():
            DigestSent.objects.create(user=user, date=today)
            emails.email_queue(
                template="morning_digest",
                to=user.email,
                language=user.language or first.default_language,
                organization=first,
                context={"person": user, "rows": rows, "today": today},
            )
    except IntegrityError:
        return False
    return True


def digest_recipients():
    """Officers and managers who have not opted out in at least one organisation."""
    return User.objects.filter(
        is_active=True,
        memberships__role__in=access.ACTING_ROLES,
        memberships__daily_digest=True,
    ).distinct()
