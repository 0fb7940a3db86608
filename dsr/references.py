"""Human references per organisation: PREFIX-YYYY-NNNNN, allocated without races.

On PostgreSQL each organisation and year has its own database sequence. `nextval` takes
no lock that lasts until commit, so concurrent submissions of one organisation do not
queue on each other; the price is that a rolled-back submission leaves a gap in the
numbers (docs/LEGAL-CHOICES.md: completeness is proven by the audit chain, not by
gap-free references). On SQLite, which writes one transaction at a time anyway, a
counter row is incremented instead.
"""

from __future__ import annotations

from django.db import IntegrityError, ProgrammingError, connection, transaction
from django.db.models import F
from django.db.models.functions import Length

from accounts.models import Organization
from dsr.models import ReferenceCounter, Request

# Sequences this process has seen exist: the common case costs one statement.
_known_sequences: set[str] = set()


def allocate(*, organization: Organization, year: int) -> str:
    """The next reference of `organization` for `year`."""
    if connection.vendor == "postgresql":
        number = _next_from_sequence(organization, year)
    else:
        number = _next_from_counter(organization, year)
    return format_reference(organization, year, number)


def format_reference(organization: Organization, year: int, number: int) -> str:
    return f"{organization.reference_prefix}-{year}-{number:05d}"


def _next_from_counter(organization: Organization, year: int) -> int:
    """The counter row is incremented with an UPDATE, which holds its row lock until the
    surrounding transaction ends: concurrent callers queue on it, so no two get the same
    number, and a rolled-back request gives its number back."""
    with transaction.atomic(savepoint=False):
        counter, _ = ReferenceCounter.objects.get_or_create(organization=organization, year=year)
        ReferenceCounter.objects.filter(pk=counter.pk).update(last_number=F("last_number") + 1)
        return ReferenceCounter.objects.values_list("last_number", flat=True).get(pk=counter.pk)


def sequence_name(organization: Organization, year: int) -> str:
    return f"dsr_reference_{int(organization.pk)}_{int(year)}"


def _next_from_sequence(organization: Organization, year: int) -> int:
    name = sequence_name(organization, year)
    if name not in _known_sequences:
        _create_sequence(organization, year, name)
        # Known for good once committed (a rolled-back creation leaves no sequence).
        transaction.on_commit(lambda: _known_sequences.add(name))
    with connection.cursor() as cursor:
        cursor.execute("SELECT nextval(%s)", [name])
        return cursor.fetchone()[0]


def _create_sequence(organization: Organization, year: int, name: str) -> None:
    """Create the year's sequence if missing, starting after every number already given.

    Numbers may have been given by the counter (a database from before sequences, or
    data loaded elsewhere): the sequence starts after the highest of the counter and
    the stored references of that year. Two processes creating it at once: one waits
    for the other's commit and then finds it (the savepoint keeps our transaction)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT to_regclass(%s) IS NOT NULL", [name])
        if cursor.fetchone()[0]:
            return
    counted = (
        ReferenceCounter.objects.filter(organization=organization, year=year)
        .values_list("last_number", flat=True)
        .first()
        or 0
    )
    prefix = f"{organization.reference_prefix}-{year}-"
    stored = [
        int(reference.removeprefix(prefix))
        for reference in Request.objects.filter(
            organization=organization, reference__startswith=prefix
        )
        .order_by(Length("reference").desc(), "-reference")
        .values_list("reference", flat=True)[:1]
        if reference.removeprefix(prefix).isdigit()
    ]
    start = max([counted, *stored]) + 1
    try:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(f'CREATE SEQUENCE IF NOT EXISTS "{name}" START WITH {int(start)}')
    except (IntegrityError, ProgrammingError):
        # Created by another transaction at the same moment; it exists now.
        pass
