"""Encryption at rest for files and secrets (Fernet: AES-128-CBC with HMAC-SHA256).

Keys come from DSR_ENCRYPTION_KEYS: the first encrypts, every key decrypts, so a
key can be rotated by putting the new one first and re-encrypting at leisure.
"""

from __future__ import annotations

from functools import lru_cache

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

__all__ = ["InvalidToken", "decrypt", "encrypt"]


@lru_cache(maxsize=4)
def _fernet(keys: tuple[str, ...]) -> MultiFernet:
    try:
        return MultiFernet([Fernet(key.encode()) for key in keys])
    except ValueError as exc:
        raise ImproperlyConfigured(
            "DSR_ENCRYPTION_KEYS must hold Fernet keys (32 url-safe base64-encoded bytes)"
        ) from exc


def _current() -> MultiFernet:
    return _fernet(tuple(settings.ENCRYPTION_KEYS))


def encrypt(plaintext: bytes) -> bytes:
    return _current().encrypt(plaintext)


def decrypt(token: bytes) -> bytes:
    """Raises InvalidToken when the data was altered or no key fits."""
    return _current().decrypt(token)
