"""`python manage.py load_demo`: the demo organisations, staff and requests (idempotent)."""

from __future__ import annotations

from django.core.management.base import BaseCommand

from dsr.demo import loader


class Command(BaseCommand):
    help = "Create or update the demo organisations, their staff and about 200 requests."

    def handle(self, *args: object, **options: object) -> None:
        counts = loader.load()
        if counts["requests"]:
            self.stdout.write(f"Created {counts['requests']} demo requests.")
        else:
            self.stdout.write(
                "Demo data already loaded; organisations and staff brought up to date."
            )
        self.stdout.write("")
        self.stdout.write(f"Demo logins (password for all: {loader.DEMO_PASSWORD}):")
        for organization, role, email in loader.logins():
            self.stdout.write(f"  {email:<42} {role:<24} {organization}")
        self.stdout.write("")
        self.stdout.write(
            "Sign-in asks for a one-time code. Add a login's key to an authenticator app "
            "(time-based, 6 digits, 30 s), or print the current code with "
            "`.venv/bin/python manage.py demo_code EMAIL`:"
        )
        for _organization, _role, email in loader.logins():
            self.stdout.write(f"  {email:<42} {loader.demo_totp_secret(email)}")
