"""`python manage.py verify_audit`: check every organisation's event chain.

Exits 0 when every chain verifies; otherwise exits 1 and names, per broken chain,
the first event that breaks it.
"""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError, CommandParser

from accounts.models import Organization
from dsr import audit


class Command(BaseCommand):
    help = "Verify the hash-chained audit log of every organisation (or one)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--organization", help="slug of one organisation to verify")

    def handle(self, *args: object, **options: object) -> None:
        organizations = Organization.objects.order_by("slug")
        if options["organization"]:
            organizations = organizations.filter(slug=options["organization"])
            if not organizations.exists():
                raise CommandError(f"No organisation with slug {options['organization']!r}")
        broken = []
        for organization in organizations:
            result = audit.verify_and_store(organization)
            if result.ok:
                self.stdout.write(self.style.SUCCESS(f"OK      {result}"))
            else:
                self.stdout.write(self.style.ERROR(f"BROKEN  {result}"))
                broken.append(result)
        if broken:
            raise CommandError(
                f"{len(broken)} audit chain(s) broken; first broken event: {broken[0]}"
            )
