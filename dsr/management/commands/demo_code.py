"""`python manage.py demo_code EMAIL`: the one-time code a demo login's app would show now.

Only for the demo logins of `load_demo`, and only while their authenticator key is still
the demo one: it can never produce a code for a real account."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from dsr.demo import loader


class Command(BaseCommand):
    help = "Print the current one-time code of a demo login (demo data only)."

    def add_arguments(self, parser) -> None:
        parser.add_argument("email")

    def handle(self, *args: object, email: str, **options: object) -> None:
        email = email.strip().lower()
        if email not in {login for _, _, login in loader.logins()}:
            raise CommandError(f"{email} is not a demo login (see `manage.py load_demo`).")
        device = TOTPDevice.objects.filter(
            user__email__iexact=email, confirmed=True, key=loader.demo_totp_key(email)
        ).first()
        if device is None:
            raise CommandError(f"{email} has no demo authenticator (run `manage.py load_demo`).")
        self.stdout.write(f"{totp(device.bin_key, step=device.step, t0=device.t0):06d}")
