"""A request the server refuses before any view (a Host it does not serve) is a 400: JSON in
the API's error shape under /api/, Django's page elsewhere; the Host is not echoed."""

from __future__ import annotations

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("path", ["/api/v1/requests/", "/api/v1/inbox/", "/api/schema/"])
def test_a_disallowed_host_under_the_api_is_a_json_400(path):
    response = Client(raise_request_exception=False).get(path, HTTP_HOST="evil.example")
    assert response.status_code == 400
    assert response["Content-Type"] == "application/json"
    assert response.json()["error"]["code"] == "invalid"
    assert b"evil.example" not in response.content


def test_a_disallowed_host_elsewhere_is_the_plain_page():
    response = Client(raise_request_exception=False).get("/desk/", HTTP_HOST="evil.example")
    assert response.status_code == 400
    assert response["Content-Type"].startswith("text/html")
    assert b"evil.example" not in response.content
