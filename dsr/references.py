"""Human references per organisation: PREFIX-YYYY-NNNNN, allocated without races."""

from __future__ import annotations

from django.db import transaction
from django.db.models import F

from accounts.models import Organization
from dsr.models import ReferenceCounter


def allocate(*, organization: Organization, year: int) -> str:
    """The next reference of `organization` for `year`.

    The counter row is incremented with an UPDATE, which holds its row lock until
    the surrounding transaction ends: concurrent callers queue on it, so no two
    get the same number, and a rolled-back request gives its number back.
    """
    with transaction.atomic():
        counter, _ = ReferenceCounter.objects.get_or_create(organization=organization, year=year)
        ReferenceCounter.objects.filter(pk=counter.pk).update(last_number=F("last_number") + 1)
        number = ReferenceCounter.objects.values_list("last_number", flat=True).get(pk=counter.pk)
    return f"{organization.reference_prefix}-{year}-{number:05d}"
