"""API tokens: created by a manager, shown once, stored as a SHA-256 digest."""

from __future__ import annotations

import hashlib
import hmac
import secrets

from django.db import transaction
from django.utils import timezone

from accounts.models import ApiToken, Organization, User

PREFIX = "dsr"


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


@transaction.atomic
def api_token_create(
    *, organization: Organization, name: str, scope: str, created_by: User | None
) -> tuple[ApiToken, str]:
    """Create a token; returns it and the one and only copy of its plaintext."""
    if scope not in ApiToken.Scope.values:
        raise ValueError(f"Unknown scope {scope!r}")
    name = (name or "").strip()[:100]
    if not name:
        raise ValueError("A token needs a name")
    public = secrets.token_hex(6)
    secret = secrets.token_urlsafe(32)
    token = ApiToken.objects.create(
        organization=organization,
        name=name,
        prefix=public,
        secret_hash=_digest(secret),
        scope=scope,
        created_by=created_by,
    )
    return token, f"{PREFIX}_{public}_{secret}"


def api_token_find(plaintext: str) -> ApiToken | None:
    """The active token matching `plaintext`, or None (constant-time comparison)."""
    parts = (plaintext or "").split("_", 2)
    if len(parts) != 3 or parts[0] != PREFIX or not parts[1] or not parts[2]:
        return None
    token = ApiToken.objects.select_related("organization").filter(prefix=parts[1]).first()
    if token is None or not hmac.compare_digest(token.secret_hash, _digest(parts[2])):
        return None
    if token.revoked_at is not None:
        return None
    return token


def api_token_revoke(*, token: ApiToken) -> None:
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])


def api_token_touch(token: ApiToken) -> None:
    """Record use, at most once a minute (a write per call would cost every request)."""
    now = timezone.now()
    if token.last_used_at is None or (now - token.last_used_at).total_seconds() > 60:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        token.last_used_at = now
