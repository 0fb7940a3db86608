"""One-time codes for desk sign-in: an authenticator app (TOTP) and printed recovery codes.

Built on django-otp: `TOTPDevice` holds the app's secret, `StaticDevice` the recovery codes
(each works once). A user enrols on their first sign-in; until then the device is
unconfirmed and verifies nothing.
"""

from __future__ import annotations

import secrets
from base64 import b32encode

import segno
from django.db import transaction
from django.utils.safestring import SafeString, mark_safe
from django_otp.models import Device
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.models import User

APP_DEVICE_NAME = "Authenticator app"
RECOVERY_DEVICE_NAME = "Recovery codes"
RECOVERY_CODE_COUNT = 10
# Unambiguous letters and digits (no 0/O, 1/l/I): recovery codes are typed from paper.
_RECOVERY_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"


def has_app(user: User) -> bool:
    return TOTPDevice.objects.filter(user=user, confirmed=True).exists()


def pending_app(user: User) -> TOTPDevice:
    """The unconfirmed device shown during enrolment (the same one until it is confirmed)."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("pk").first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name=APP_DEVICE_NAME, confirmed=False)
    return device


def secret_text(device: TOTPDevice) -> str:
    """The base32 secret in groups of four, for typing into an app without a camera."""
    secret = b32encode(device.bin_key).decode().rstrip("=")
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))


def qr_svg(device: TOTPDevice) -> SafeString:
    """The otpauth:// URL as an inline SVG QR code, drawn here (nothing loaded from elsewhere)."""
    code = segno.make(device.config_url, error="m")
    # segno writes only paths from the encoded bits; the URL itself is not in the markup.
    return mark_safe(  # noqa: S308
        code.svg_inline(scale=5, border=2, dark="#000", light="#fff", title="")
    )


@transaction.atomic
def app_confirm(device: TOTPDevice, code: str) -> bool:
    """Confirm enrolment with the first code the app shows; other app devices are dropped."""
    device = TOTPDevice.objects.select_for_update().get(pk=device.pk)
    if not device.verify_token(code.strip().replace(" ", "")):
        return False
    TOTPDevice.objects.filter(user=device.user).exclude(pk=device.pk).delete()
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    return True


def _recovery_code() -> str:
    raw = "".join(secrets.choice(_RECOVERY_ALPHABET) for _ in range(10))
    return f"{raw[:5]}-{raw[5:]}"


@transaction.atomic
def recovery_codes_create(user: User) -> list[str]:
    """Replace the user's recovery codes with ten new ones (the old ones stop working)."""
    device, _ = StaticDevice.objects.get_or_create(
        user=user, defaults={"name": RECOVERY_DEVICE_NAME, "confirmed": True}
    )
    device.token_set.all().delete()
    codes = [_recovery_code() for _ in range(RECOVERY_CODE_COUNT)]
    StaticToken.objects.bulk_create(StaticToken(device=device, token=code) for code in codes)
    return codes


def recovery_codes_left(user: User) -> int:
    return StaticToken.objects.filter(device__user=user, device__confirmed=True).count()


def code_verify(user: User, code: str) -> tuple[Device | None, bool]:
    """Check a code; (the device that accepted it, whether a device refused to try yet).

    Six digits are an app code, anything else a recovery code: each kind is tried only
    against its own devices, so a recovery code never counts as a wrong app code. Each
    device throttles itself (django-otp: 1, 2, 4 … seconds after failures), on top of the
    per-account lockout of `accounts.lockout`."""
    code = code.strip().lower().replace(" ", "")
    is_app_code = code.isdigit() and len(code) == 6
    model = TOTPDevice if is_app_code else StaticDevice
    throttled = False
    with transaction.atomic():
        for device in model.objects.select_for_update().filter(user=user, confirmed=True):
            allowed, _ = device.verify_is_allowed()
            if not allowed:
                throttled = True
            elif device.verify_token(code):
                return device, False
    return None, throttled


def two_factor_reset(user: User) -> None:
    """Forget the user's app and recovery codes: they enrol again at their next sign-in."""
    TOTPDevice.objects.filter(user=user).delete()
    StaticDevice.objects.filter(user=user).delete()
