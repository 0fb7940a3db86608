"""The form's proof of work: a privacy-friendly alternative to a third-party captcha.

Each rendering of the form carries a challenge signed with the site's key: a random id,
the organisation, the difficulty and the time it was issued. The page's own script
(`static/intake/pow.js`) looks for a number `n` such that SHA-256("<challenge>:<n>")
starts with `bits` zero bits and puts it in the form. The server checks the signature,
the age, the work, and that the challenge was not used before. Nothing is stored until
a challenge is used: the signature is the state.

Without JavaScript there is no work: the form is accepted only if it was open at least
`INTAKE_NOJS_MIN_SECONDS` (a bot posting instantly fails, a person reading the form does
not), and such submissions count against stricter rate limits (see the views).
"""

from __future__ import annotations

import hashlib
import re
import secrets
import time
from dataclasses import dataclass

from django.conf import settings
from django.core import signing
from django.core.cache import cache

SALT = "dsr.intake.challenge"
# A form left open over lunch still works; an old page from yesterday asks to send again.
MAX_AGE_SECONDS = 4 * 3600
_NONCE = re.compile(r"^[0-9]{1,16}$")


class ChallengeFailed(Exception):
    """The challenge cannot be accepted; `reason` picks the message the form shows."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason  # "invalid", "expired", "too_fast", "used"


@dataclass(frozen=True)
class Proof:
    """A checked challenge: whether work was done, and the id that makes it single-use."""

    challenge_id: str
    with_work: bool


def challenge_issue(*, organization_id: int, bits: int | None = None) -> str:
    """A new signed challenge for one rendering of the form."""
    payload = {
        "id": secrets.token_urlsafe(12),
        "org": organization_id,
        "bits": settings.INTAKE_POW_BITS if bits is None else bits,
        "at": int(time.time()),
    }
    return signing.dumps(payload, salt=SALT)


def challenge_bits(challenge: str) -> int:
    """The difficulty written in a challenge (for the page's script); 0 if unreadable."""
    try:
        return int(signing.loads(challenge, salt=SALT)["bits"])
    except (signing.BadSignature, KeyError, TypeError, ValueError):
        return 0


def leading_zero_bits(digest: bytes) -> int:
    value = int.from_bytes(digest, "big")
    return len(digest) * 8 - value.bit_length()


def work_is_done(challenge: str, nonce: str, bits: int) -> bool:
    if bits <= 0:
        return True
    if not _NONCE.match(nonce or ""):
        return False
    digest = hashlib.sha256(f"{challenge}:{nonce}".encode()).digest()
    return leading_zero_bits(digest) >= bits


def challenge_check(
    challenge: str, nonce: str, *, organization_id: int, now: float | None = None
) -> Proof:
    """Check a posted challenge without using it up (the form may still have errors)."""
    now = time.time() if now is None else now
    try:
        payload = signing.loads(challenge or "", salt=SALT)
        issued_at, bits, challenge_id = int(payload["at"]), int(payload["bits"]), payload["id"]
        if payload["org"] != organization_id:
            raise ChallengeFailed("invalid")
    except (signing.BadSignature, KeyError, TypeError, ValueError):
        raise ChallengeFailed("invalid") from None
    age = now - issued_at
    if age > MAX_AGE_SECONDS or age < -60:
        raise ChallengeFailed("expired")
    if nonce:
        if not work_is_done(challenge, nonce, bits):
            raise ChallengeFailed("invalid")
        return Proof(challenge_id=str(challenge_id), with_work=True)
    if age < settings.INTAKE_NOJS_MIN_SECONDS:
        raise ChallengeFailed("too_fast")
    return Proof(challenge_id=str(challenge_id), with_work=False)


def challenge_use(proof: Proof) -> None:
    """Mark the challenge as used; raise ChallengeFailed("used") if it already was."""
    if not cache.add(f"intake:challenge:{proof.challenge_id}", 1, timeout=MAX_AGE_SECONDS + 120):
        raise ChallengeFailed("used")
