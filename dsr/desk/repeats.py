"""Repeat requests (issue 18): the same subject asked for the same right within 12 months.

Information for Art. 12(5) only, never a refusal (LEGAL.md: a repeat a year later is not
excessive). The same subject is the same normalised e-mail address (trimmed, lower-case) or
the same customer number, in the same organisation; "within 12 months" counts back from
the request's receipt. The queue asks once for its whole page (one query, however many
rows); the request page for its one request.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from django.db.models import Q
from django.db.models.functions import Lower, Trim

from dsr.models import Request


def year_before(moment: datetime) -> datetime:
    """12 months before `moment` (29 February gives 28 February)."""
    try:
        return moment.replace(year=moment.year - 1)
    except ValueError:
        return moment.replace(year=moment.year - 1, day=28)


@dataclass(frozen=True)
class Repeat:
    """The earlier request a request repeats (the most recent one), and how many there are."""

    earlier: Request
    count: int


def normalised_email(value: str) -> str:
    return (value or "").strip().lower()


def _same_subject(request: Request, other: Request) -> bool:
    email = normalised_email(request.subject_email)
    number = (request.subject_customer_number or "").strip()
    return bool(
        (email and email == other.email_normalised)
        or (number and number == (other.subject_customer_number or "").strip())
    )


def repeats_for(requests: Iterable[Request]) -> dict[int, Repeat]:
    """For each of `requests` that repeats an earlier one: {request id: Repeat}. One query."""
    requests = list(requests)
    emails = {normalised_email(r.subject_email) for r in requests} - {""}
    numbers = {(r.subject_customer_number or "").strip() for r in requests} - {""}
    if not requests or not (emails or numbers):
        return {}
    subject = Q()
    if emails:
        subject |= Q(email_normalised__in=emails)
    if numbers:
        subject |= Q(subject_customer_number__in=numbers)
    earliest = year_before(min(r.received_at for r in requests))
    candidates = list(
        Request.objects.annotate(email_normalised=Lower(Trim("subject_email")))
        .filter(
            subject,
            organization_id__in={r.organization_id for r in requests},
            right__in={r.right for r in requests},
            received_at__gte=earliest,
            received_at__lt=max(r.received_at for r in requests),
        )
        .only(
            "pk",
            "reference",
            "organization_id",
            "right",
            "status",
            "outcome",
            "refusal_ground",
            "received_at",
            "closed_at",
            "subject_email",
            "subject_customer_number",
        )
        .order_by("-received_at", "-pk")
    )
    found = {}
    for request in requests:
        earlier = [
            other
            for other in candidates
            if other.pk != request.pk
            and other.organization_id == request.organization_id
            and other.right == request.right
            and year_before(request.received_at) <= other.received_at < request.received_at
            and _same_subject(request, other)
        ]
        if earlier:
            found[request.pk] = Repeat(earlier=earlier[0], count=len(earlier))
    return found


def repeat_of(request: Request) -> Repeat | None:
    return repeats_for([request]).get(request.pk)
