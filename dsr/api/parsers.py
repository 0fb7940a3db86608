"""The API's one parser: JSON only, and only JSON a careful reader agrees on.

Every body the API reads passes here (settings' REST_FRAMEWORK DEFAULT_PARSER_CLASSES), so
the rules are one list:
- UTF-8, or a declared Unicode charset (UTF-16, UTF-32); any other charset is a 415;
- at most DATA_UPLOAD_MAX_MEMORY_SIZE bytes: a larger body is read to its end (so the client
  gets the answer rather than a reset connection) and answered 413;
- at most MAX_DEPTH levels of arrays and objects;
- no lone surrogates (in keys or values, raw or as `\\ud800` escapes), no duplicate keys, no
  NaN/Infinity and no number too large to hold;
- no byte order mark.
Messages say what is wrong without echoing the input, so an error can always be rendered.
"""

from __future__ import annotations

import codecs
import json
import math
import re
from typing import Any

from django.conf import settings
from django.utils.http import parse_header_parameters
from rest_framework import exceptions, status
from rest_framework.parsers import BaseParser

MAX_DEPTH = 32
# JSON is UTF-8 (RFC 8259); a declared UTF-16 or UTF-32 is still read.
KNOWN_CHARSETS = {"utf-8", "utf-16", "utf-16-le", "utf-16-be", "utf-32", "utf-32-le", "utf-32-be"}
CHUNK = 64 * 1024
# A larger body is not read to its end; the server closes the connection instead.
MAX_DRAINED = 64 * 1024 * 1024
LONE_SURROGATE = re.compile("[\ud800-\udfff]")


class RequestTooLarge(exceptions.APIException):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_detail = "The body is too large."
    default_code = "too_large"


class UnsupportedCharset(exceptions.UnsupportedMediaType):
    def __init__(self) -> None:
        super().__init__(
            media_type="",
            detail="JSON is read in UTF-8 (or a declared UTF-16 or UTF-32); "
            "send the body in UTF-8.",
        )


class _Refused(ValueError):
    """A JSON text the parser refuses although the json module would read it."""


def _charset(media_type: str | None) -> str:
    _, params = parse_header_parameters(media_type or "")
    declared = params.get("charset")
    if declared is None:
        return "utf-8"
    try:
        name = codecs.lookup(declared.strip()).name
    except LookupError:
        raise UnsupportedCharset() from None
    if name not in KNOWN_CHARSETS:
        raise UnsupportedCharset()
    return name


def read_bounded(stream: Any, limit: int) -> bytes:
    """The body, at most `limit` bytes; past it, drain what the client sends and say 413."""
    chunks, size = [], 0
    while chunk := stream.read(CHUNK):
        size += len(chunk)
        if size > limit:
            drained = size
            while drained < MAX_DRAINED and (rest := stream.read(CHUNK)):
                drained += len(rest)
            raise RequestTooLarge(f"The body is larger than {limit} bytes.")
        chunks.append(chunk)
    return b"".join(chunks)


def _object(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result = dict(pairs)
    if len(result) != len(pairs):
        raise _Refused("A name appears twice in one object.")
    return result


def _constant(name: str) -> Any:
    raise _Refused("NaN and Infinity are not JSON.")


def _float(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise _Refused("A number is too large.")
    return value


def _check(data: Any) -> None:
    """Depth and lone surrogates, without recursion (the body may be 2.5 MB of brackets)."""
    pending = [(data, 1)]
    while pending:
        value, depth = pending.pop()
        if isinstance(value, str):
            if LONE_SURROGATE.search(value):
                raise exceptions.ParseError("The body contains a lone surrogate (not Unicode).")
        elif isinstance(value, (dict, list)):
            if depth > MAX_DEPTH:
                raise exceptions.ParseError(f"The body is nested deeper than {MAX_DEPTH} levels.")
            items = value.items() if isinstance(value, dict) else enumerate(value)
            for key, item in items:
                if isinstance(key, str):
                    pending.append((key, depth))
                pending.append((item, depth + 1))


def parse_json(raw: bytes, encoding: str) -> Any:
    if raw.startswith((codecs.BOM_UTF8, codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)) and (
        encoding == "utf-8"
    ):
        raise exceptions.ParseError("The body starts with a byte order mark; send plain UTF-8.")
    try:
        text = raw.decode(encoding)
    except UnicodeDecodeError:
        raise exceptions.ParseError(f"The body is not valid {encoding.upper()}.") from None
    try:
        data = json.loads(
            text, object_pairs_hook=_object, parse_constant=_constant, parse_float=_float
        )
    except _Refused as refused:
        raise exceptions.ParseError(f"The body is not acceptable JSON: {refused}") from None
    except json.JSONDecodeError as error:
        raise exceptions.ParseError(
            f"The body is not valid JSON: {error.msg} (line {error.lineno}, column {error.colno})."
        ) from None
    except RecursionError:
        raise exceptions.ParseError(f"The body is nested deeper than {MAX_DEPTH} levels.") from None
    except ValueError:  # an integer with more digits than Python converts
        raise exceptions.ParseError("The body holds a number that is too large.") from None
    _check(data)
    return data


class StrictJSONParser(BaseParser):
    media_type = "application/json"

    def parse(self, stream: Any, media_type: str | None = None, parser_context: Any = None) -> Any:
        encoding = _charset(media_type)
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        django_request = getattr((parser_context or {}).get("request"), "_request", None)
        if stream is not None and stream is django_request:
            # Django's `request.body` would raise RequestDataTooBig before reading anything
            # (an HTML 400 and a reset connection): a declared size over the limit is drained
            # and answered here. Under it, `body` reads and keeps the bytes (the create's
            # Idempotency-Key compares them).
            try:
                declared = int(django_request.META.get("CONTENT_LENGTH") or 0)
            except ValueError:
                declared = 0
            if declared <= limit:
                return parse_json(django_request.body, encoding)
        return parse_json(read_bounded(stream, limit), encoding)
