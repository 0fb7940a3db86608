from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from dsr.api.tokens import api_token_create


@pytest.fixture
def write_token(organization, manager):
    return api_token_create(organization=organization, name="Customer app", scope="write",
                            created_by=manager)  # fmt: skip


@pytest.fixture
def read_token(organization, manager):
    return api_token_create(organization=organization, name="CRM", scope="read", created_by=manager)


@pytest.fixture
def outsider_token(other_organization, outsider):
    return api_token_create(organization=other_organization, name="Theirs", scope="write",
                            created_by=outsider)  # fmt: skip


def client_for(token_pair) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {token_pair[1]}")
    return client


@pytest.fixture
def api(write_token) -> APIClient:
    return client_for(write_token)


@pytest.fixture
def read_api(read_token) -> APIClient:
    return client_for(read_token)


@pytest.fixture
def outsider_api(outsider_token) -> APIClient:
    return client_for(outsider_token)
