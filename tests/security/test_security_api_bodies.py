"""Hostile bodies against the API (issue 17): every one is a 4xx in the documented error
shape, never a 500, nothing stored, and no message echoes a lone surrogate.

The corpus is data: each case is a body (bytes) and a content type, built from a valid body
for the endpoint and the name of one of its text fields. Each case runs against the create
endpoint and an action endpoint (`request-information`).
"""

from __future__ import annotations

import http.client
import json
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import urlsplit

import pytest
from django.conf import settings
from rest_framework.test import APIClient

from dsr.api.tokens import api_token_create
from dsr.models import Event, Request

URL = "/api/v1/requests/"
JSON = "application/json"
CREATE_BODY = {
    "right": "erasure",
    "language": "nl",
    "subject_name": "Jan Peeters",
    "subject_email": "jan@example.com",
}
ACTION_BODY = {"message": "Klantnummer?"}
TOO_BIG = settings.DATA_UPLOAD_MAX_MEMORY_SIZE + 512 * 1024  # ~3 MB


@dataclass(frozen=True)
class Endpoint:
    name: str
    body: dict
    text_field: str


CREATE = Endpoint("create", CREATE_BODY, "subject_name")
ACTION = Endpoint("action", ACTION_BODY, "message")


def dumps(value: object) -> bytes:
    """JSON text as a client would write it (escapes for anything outside ASCII)."""
    return json.dumps(value, ensure_ascii=True).encode()


def with_text(raw_json: str) -> Callable[[Endpoint], bytes]:
    """The endpoint's valid body with its text field set to this raw JSON value."""

    def build(endpoint: Endpoint) -> bytes:
        marker = "__VALUE__"
        text = json.dumps({**endpoint.body, endpoint.text_field: marker})
        return text.replace(json.dumps(marker), raw_json).encode()

    return build


def with_field(name: str, raw_json: str) -> Callable[[Endpoint], bytes]:
    def build(endpoint: Endpoint) -> bytes:
        text = json.dumps(endpoint.body)
        return (text[:-1] + f', "{name}": {raw_json}}}').encode()

    return build


def raw(content: bytes) -> Callable[[Endpoint], bytes]:
    return lambda endpoint: content


def valid(encoding: str = "utf-8", prefix: bytes = b"") -> Callable[[Endpoint], bytes]:
    return lambda endpoint: prefix + json.dumps(endpoint.body).encode(encoding)


def nested(depth: int, opening: str = "[", closing: str = "]") -> str:
    return opening * depth + "1" + closing * depth


# (id, body builder, content type)
CORPUS: list[tuple[str, Callable[[Endpoint], bytes], str]] = [
    # Lone surrogates: in a key, in a value, escaped or as raw (invalid UTF-8) bytes.
    ("surrogate-key", raw(b'{"\\ud800": 1}'), JSON),
    ("surrogate-value", with_text('"\\ud800"'), JSON),
    ("surrogate-low-value", with_text('"abc\\udfff"'), JSON),
    ("surrogate-right", with_field("right", '"\\ud800"'), JSON),
    ("surrogate-nested-key", with_field("extra", '{"\\udbff": [1]}'), JSON),
    ("surrogate-raw-bytes", lambda e: with_text('"x"')(e).replace(b'"x"', b'"\xed\xa0\x80"'), JSON),
    # Depth.
    ("deep-arrays-1000", raw(nested(1000).encode()), JSON),
    ("deep-objects-1000", raw(nested(1000, '{"a":', "}").encode()), JSON),
    ("deep-arrays-100000", raw(nested(100_000).encode()), JSON),
    ("deep-in-field-40", with_text(nested(40)), JSON),
    # Text fields take strings only.
    ("number-as-text", with_text("1.5e300"), JSON),
    ("integer-as-text", with_text("42"), JSON),
    ("boolean-as-text", with_text("true"), JSON),
    ("list-as-text", with_text('["Jan"]'), JSON),
    ("object-as-text", with_text('{"name": "Jan"}'), JSON),
    ("null-as-text", with_text("null"), JSON),
    ("number-as-choice", with_field("language", "1"), JSON),
    # Numbers JSON does not have, or Python cannot hold as a number.
    ("huge-float", with_text("1e999"), JSON),
    ("huge-integer", with_text("9" * 5000), JSON),
    ("nan", with_text("NaN"), JSON),
    ("infinity", with_text("Infinity"), JSON),
    ("minus-infinity", with_text("-Infinity"), JSON),
    # Control characters in text.
    ("nul-in-text", with_text('"Jan\\u0000"'), JSON),
    ("bell-in-text", with_text('"Jan\\u0007"'), JSON),
    ("escape-in-text", with_text('"Jan\\u001b[31m"'), JSON),
    ("c1-control-in-text", with_text('"Jan\\u0085"'), JSON),
    ("line-separator-in-text", with_text('"Jan\\u2028Peeters"'), JSON),
    ("paragraph-separator-in-text", with_text('"Jan\\u2029"'), JSON),
    # Shapes that are JSON but not an object of fields.
    ("duplicate-keys",
     lambda e: valid()(e)[:-1] + b', "' + e.text_field.encode() + b'": "again"}', JSON),
    ("empty-body", raw(b""), JSON),
    ("whitespace-body", raw(b"   \n"), JSON),
    ("null-top-level", raw(b"null"), JSON),
    ("array-top-level", lambda e: b"[" + valid()(e) + b"]", JSON),
    ("string-top-level", raw(b'"hello"'), JSON),
    ("number-top-level", raw(b"1"), JSON),
    ("trailing-garbage", lambda e: valid()(e) + b" x", JSON),
    ("two-documents", lambda e: valid()(e) + valid()(e), JSON),
    ("truncated", lambda e: valid()(e)[:-1], JSON),
    ("single-quotes", raw(b"{'message': 'x'}"), JSON),
    ("unknown-field", with_field("subject_name_typo", '"x"'), JSON),
    # Encodings.
    ("utf8-bom", valid(prefix=b"\xef\xbb\xbf"), JSON),
    ("utf16-undeclared", valid("utf-16"), JSON),
    ("utf16le-undeclared", valid("utf-16-le"), JSON),
    ("latin1-undeclared", with_text('"x"'), JSON),  # replaced below with a raw 0xE9
    ("unknown-charset", valid(), "application/json; charset=klingon"),
    ("ebcdic-charset", valid("cp500"), "application/json; charset=cp500"),
    # Not JSON at all.
    ("form-encoded", raw(b"right=erasure&language=nl&subject_name=Jan&message=x"),
     "application/x-www-form-urlencoded"),
    ("text-plain", valid(), "text/plain"),
    ("no-content-type", valid(), ""),
    ("multipart",
     raw(b'--b\r\nContent-Disposition: form-data; name="message"\r\n\r\nx\r\n--b--\r\n'),
     "multipart/form-data; boundary=b"),
    ("json-lookalike-type", valid(), "application/jsonx"),
    # Size.
    ("three-megabytes", lambda e: with_text(json.dumps("x" * TOO_BIG))(e), JSON),
]  # fmt: skip

# "latin1-undeclared": a valid body whose text holds one Latin-1 byte (invalid UTF-8).
CORPUS = [
    (
        (name, lambda e: with_text('"Ren\\u00e9"')(e).replace(b"\\u00e9", b"\xe9"), ctype)
        if name == "latin1-undeclared"
        else (name, build, ctype)
    )
    for name, build, ctype in CORPUS
]

# received_at: RFC 3339 with an explicit offset, ASCII digits only (create only; on the
# action endpoint it is an unknown field, also a 400).
RECEIVED_AT = [
    "2026-W01",
    "2026-W01-1",
    "2026-001",
    "2026-11-18",
    "2026-11-18T10:00:00",
    "2026-11-18 10:00:00",
    "2026-11-18T10:00",
    "2026-11-18T10:00Z",
    "2026-11-18T10:00:00+0100",
    "2026-11-18T10:00:00+01",
    "20261118T100000Z",
    "\u0662\u0660\u0662\u0666-\u0661\u0661-\u0661\u0668T10:00:00Z",  # Arabic-Indic digits
    "\uff12\uff10\uff12\uff16-11-18T10:00:00Z",  # fullwidth digits
    "2026-11-18T10:00:00Z\u0000",
    " 2026-11-18T10:00:00Z",
    "2026-11-18T10:00:00Z ",
    "2026-11-18T10:00:60Z",
    "2026-11-18T24:00:00Z",
    "2026-11-18T10:00:00+24:00",
    "2026-02-30T10:00:00Z",
]
CORPUS += [
    (f"received-at-{index}", with_field("received_at", json.dumps(value)), JSON)
    for index, value in enumerate(RECEIVED_AT)
]
CORPUS += [
    ("received-at-number", with_field("received_at", "1764000000"), JSON),
    ("received-at-list", with_field("received_at", '["2026-11-18T10:00:00Z"]'), JSON),
]


# The codes docs/API.md ("What the API reads") promises for some of the cases.
EXPECTED_CODES = {
    "surrogate-key": "malformed",
    "surrogate-value": "malformed",
    "surrogate-raw-bytes": "malformed",
    "deep-arrays-1000": "malformed",
    "deep-in-field-40": "malformed",
    "duplicate-keys": "malformed",
    "nan": "malformed",
    "huge-float": "malformed",
    "huge-integer": "malformed",
    "utf8-bom": "malformed",
    "trailing-garbage": "malformed",
    "null-top-level": "invalid",
    "array-top-level": "invalid",
    "number-as-text": "invalid",
    "nul-in-text": "invalid",
    "line-separator-in-text": "invalid",
    "unknown-charset": "unsupported_media_type",
    "text-plain": "unsupported_media_type",
    "three-megabytes": "too_large",
}


@pytest.fixture
def write_token(organization, manager):
    return api_token_create(organization=organization, name="App", scope="write",
                            created_by=manager)  # fmt: skip


@pytest.fixture
def api(write_token) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {write_token[1]}")
    return client


@pytest.fixture
def target(request, make_request, officer):
    """(url, endpoint) for the parametrised endpoint; the action's request already exists."""
    if request.param == "create":
        return URL, CREATE
    existing = make_request()
    return f"{URL}{existing.reference}/request-information/", ACTION


def stored() -> tuple[int, int]:
    return Request.objects.count(), Event.objects.count()


def assert_error_shape(response) -> dict:
    assert response["Content-Type"].startswith("application/json"), response.content[:300]
    body = json.loads(response.content)
    assert set(body) == {"error"}, body
    assert isinstance(body["error"]["code"], str) and body["error"]["code"]
    assert isinstance(body["error"]["message"], str) and body["error"]["message"]
    return body


@pytest.mark.parametrize("target", ["create", "action"], indirect=True)
def test_the_valid_bodies_are_accepted(api: APIClient, target):
    url, endpoint = target
    response = api.post(url, endpoint.body, format="json")
    assert response.status_code in (200, 201), response.content


@pytest.mark.parametrize("target", ["create", "action"], indirect=True)
@pytest.mark.parametrize(("case", "build", "content_type"), CORPUS, ids=[c[0] for c in CORPUS])
def test_a_hostile_body_is_refused_in_the_error_shape(
    api: APIClient, target, case, build, content_type
):
    url, endpoint = target
    body = build(endpoint)
    before = stored()
    response = api.generic("POST", url, body, content_type=content_type)
    assert 400 <= response.status_code < 500, (response.status_code, response.content[:500])
    error = assert_error_shape(response)
    assert stored() == before
    content = response.content.lower()
    for echo in (b"\\ud800", b"\\udfff", b"\\udbff", b"\xed\xa0\x80"):
        assert echo not in content, error
    if case == "three-megabytes":
        assert response.status_code == 413 and error["error"]["code"] == "too_large"
    if case in ("unknown-charset", "text-plain", "form-encoded", "multipart", "no-content-type"):
        assert response.status_code == 415, error
    if case in ("number-as-text", "integer-as-text", "boolean-as-text", "list-as-text"):
        assert endpoint.text_field in error["error"]["fields"], error
    if case in EXPECTED_CODES:
        assert error["error"]["code"] == EXPECTED_CODES[case], error


def test_a_declared_known_charset_is_read(api: APIClient):
    body = {**CREATE_BODY, "subject_name": "Ren\u00e9 Dubois"}
    response = api.generic(
        "POST", URL, json.dumps(body, ensure_ascii=False).encode("utf-16"),
        content_type="application/json; charset=utf-16",
    )  # fmt: skip
    assert response.status_code == 201, response.content
    assert response.json()["subject_name"] == "Ren\u00e9 Dubois"


@pytest.mark.parametrize(
    "value", ["2026-11-18T10:00:00Z", "2026-11-18T10:00:00.123456+01:00", "2026-11-18t09:00:00z"]
)
def test_received_at_in_rfc3339_with_an_offset_is_accepted(api: APIClient, value):
    response = api.post(URL, {**CREATE_BODY, "received_at": value}, format="json")
    assert response.status_code == 201, response.content
    assert response.json()["received_at"].startswith("2026-11-18T")


def test_text_keeps_newlines_and_tabs(api: APIClient):
    body = {**CREATE_BODY, "subject_postal_address": "Rue Haute 12\n1000 Bruxelles\tBE"}
    response = api.post(URL, body, format="json")
    assert response.status_code == 201, response.content
    assert response.json()["subject_postal_address"] == body["subject_postal_address"]


@pytest.mark.parametrize(
    ("method", "path", "status"),
    [
        ("GET", "/api/v1/nothing-here/", 404),
        ("GET", "/api/v1/requests/not-a-reference/", 404),
        ("GET", "/api/v1/requests/OPM-2026-99999/", 404),
        ("DELETE", URL, 405),
        ("PUT", URL, 405),
        ("GET", "/api/v1/requests/OPM-2026-00001/withdraw/", 405),
    ],
)
def test_api_404_and_405_use_the_error_shape(api: APIClient, method, path, status):
    response = api.generic(method, path)
    assert response.status_code == status
    assert_error_shape(response)


@pytest.mark.django_db(transaction=True)
def test_a_body_over_the_limit_gets_a_json_413_over_a_real_connection(live_server, write_token):
    """The whole body is sent and the answer read: a JSON 413, not a reset connection."""
    address = urlsplit(live_server.url)
    body = json.dumps({**CREATE_BODY, "subject_name": "x" * TOO_BIG}).encode()
    before = stored()
    connection = http.client.HTTPConnection(address.hostname, address.port, timeout=30)
    try:
        connection.request(
            "POST",
            URL,
            body=body,
            headers={
                "Authorization": f"Bearer {write_token[1]}",
                "Content-Type": JSON,
                "Content-Length": str(len(body)),
            },
        )
        response = connection.getresponse()
        content = response.read()
    finally:
        connection.close()
    assert response.status == 413, content[:300]
    assert response.getheader("Content-Type").startswith("application/json")
    assert json.loads(content)["error"]["code"] == "too_large"
    assert stored() == before


def test_the_renderer_escapes_what_utf8_cannot_encode():
    """A string from elsewhere (not a body: those are refused) still renders, as valid JSON."""
    from dsr.api.renderers import SafeJSONRenderer

    rendered = SafeJSONRenderer().render({"error": {"code": "x", "message": "a\ud800b \u00e9"}})
    assert json.loads(rendered)["error"]["message"] == "a\ud800b \u00e9"
    assert SafeJSONRenderer().render({"name": "Ren\u00e9"}) == '{"name":"Ren\u00e9"}'.encode()


def test_the_schema_states_the_received_at_format(api: APIClient):
    schema = api.get("/api/schema/?format=json").json()
    create = schema["components"]["schemas"]["RequestCreateRequest"]
    received_at = create["properties"]["received_at"]
    assert received_at["format"] == "date-time"
    assert received_at["pattern"].endswith("([Zz]|[+-][0-9]{2}:[0-9]{2})$")
