"""Fixtures for the fulfilment tests: a customer platform (SQLite file), its source, and
requests whose identity was verified (fulfilment starts there)."""

from __future__ import annotations

import pytest
from fulfilment_helpers import platform_build, sql_source, sqlite_url, verified

from dsr.models import Right


@pytest.fixture(autouse=True)
def _sqlite_sources_here(settings, tmp_path) -> None:
    """The operator's directory for SQLite sources (DSR_SQL_SOURCE_SQLITE_DIR) is the test's
    own folder: the customer platform below, and the demo's systems, live there."""
    settings.SQL_SOURCE_SQLITE_DIR = tmp_path


@pytest.fixture
def platform_url(tmp_path) -> str:
    url = sqlite_url(tmp_path / "platform.sqlite3")
    platform_build(url)
    return url


@pytest.fixture
def platform_source(organization, platform_url):
    return sql_source(organization, platform_url)


@pytest.fixture
def in_progress(make_request, officer_actor):
    """A request of the given right, identity verified, in progress."""

    def factory(right: str = Right.ERASURE, **fields):
        fields.setdefault("subject_customer_number", "OPM-C1")
        return verified(make_request(right=right, **fields), officer_actor)

    return factory
