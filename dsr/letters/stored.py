"""A stored letter read back: its PDF decrypted and checked against the sha256 recorded when
it was rendered, and what is said once retention removed it.

Below `services` (the writes) and `dsr.emails` (which attaches a letter to a mail), so that
both read a letter the same way without importing each other.
"""

from __future__ import annotations

import hashlib

from django.utils import timezone
from django.utils.translation import gettext as _

from dsr import crypto
from dsr.models import Letter, LetterStatus


class LetterError(Exception):
    """A letter action that cannot be done; the message says why to a person."""


class LetterIntegrityError(LetterError):
    """A stored letter no longer matches the sha256 recorded when it was issued."""


def removed_message(letter: Letter) -> str:
    """What the desk and the API say of a letter whose PDF retention removed."""
    return _(
        "The PDF of this letter was removed by retention on %(date)s. Its sha256 %(sha256)s "
        "is kept as proof of what was sent."
    ) % {"date": timezone.localdate(letter.removed_at).isoformat(), "sha256": letter.sha256}


def letter_read(letter: Letter) -> bytes:
    """The stored PDF, decrypted and checked against the sha256 recorded at issue."""
    if letter.removed_at is not None:
        raise LetterError(removed_message(letter))
    if letter.status != LetterStatus.READY or not letter.file:
        raise LetterError("This letter is not ready.")
    with letter.file.open("rb") as handle:
        pdf = crypto.decrypt(handle.read())
    if hashlib.sha256(pdf).hexdigest() != letter.sha256:
        raise LetterIntegrityError(f"letter {letter.pk} does not match its recorded sha256")
    return pdf
