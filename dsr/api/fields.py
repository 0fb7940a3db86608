"""Strict input fields for every API serializer: text is a string, a time has an offset.

DRF's own fields are lenient: a CharField takes 1.5e300 and stores "1.5e+300", a
DateTimeField takes ISO weeks, other scripts' digits and naive times (read in the desk's time
zone). The API takes text only as a JSON string without control characters, and
`received_at`-style times only as RFC 3339 with an explicit offset, in ASCII digits.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

# C0 and C1 controls except tab, line feed and carriage return; the Unicode line and
# paragraph separators (they break lines where a reader of the text does not expect it);
# lone surrogates (not text at all).
CONTROL_CHARACTERS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u2028\u2029\ud800-\udfff]")

RFC3339 = re.compile(
    r"(?P<date>[0-9]{4}-[0-9]{2}-[0-9]{2})[Tt](?P<time>[0-9]{2}:[0-9]{2}:[0-9]{2})"
    r"(?:\.(?P<fraction>[0-9]{1,9}))?(?P<offset>[Zz]|[+-][0-9]{2}:[0-9]{2})",
    re.ASCII,
)
RFC3339_PATTERN = (
    r"^[0-9]{4}-[0-9]{2}-[0-9]{2}[Tt][0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]{1,9})?"
    r"([Zz]|[+-][0-9]{2}:[0-9]{2})$"
)


class StrictTextMixin:
    """Only a JSON string, and no control characters in it."""

    strict_error_messages = {
        "not_text": "Must be a string.",
        "control_characters": "Control characters are not allowed (line breaks and tabs are).",
    }

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.error_messages = {**self.strict_error_messages, **self.error_messages}

    def run_validation(self, data: Any = serializers.empty) -> Any:
        if data is not serializers.empty and data is not None:
            if not isinstance(data, str):
                self.fail("not_text")
            if CONTROL_CHARACTERS.search(data):
                self.fail("control_characters")
        return super().run_validation(data)


class StrictCharField(StrictTextMixin, serializers.CharField):
    pass


class StrictEmailField(StrictTextMixin, serializers.EmailField):
    pass


class StrictSlugField(StrictTextMixin, serializers.SlugField):
    pass


@extend_schema_field({"type": "string", "format": "date-time", "pattern": RFC3339_PATTERN})
class Rfc3339DateTimeField(serializers.DateTimeField):
    """RFC 3339 with an explicit offset (`Z` or `±hh:mm`): no ISO weeks or ordinal dates, no
    naive times, no digits other than ASCII."""

    default_error_messages = {
        "invalid": "Must be an RFC 3339 timestamp with an offset, "
        "e.g. 2026-11-18T10:00:00+01:00 or 2026-11-18T09:00:00Z.",
    }

    def to_internal_value(self, value: Any) -> datetime:
        match = RFC3339.fullmatch(value) if isinstance(value, str) else None
        if match is None:
            self.fail("invalid")
        offset = match["offset"].upper().replace("Z", "+00:00")
        fraction = f".{match['fraction'][:6]:0<6}" if match["fraction"] else ""
        try:
            parsed = datetime.fromisoformat(f"{match['date']}T{match['time']}{fraction}{offset}")
            return self.enforce_timezone(parsed)
        except (ValueError, OverflowError):
            self.fail("invalid")
