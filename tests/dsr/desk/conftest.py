"""Fixtures of the desk's tests: an isolated cache (sign-in lockout counters live there)."""

from __future__ import annotations

import pytest


@pytest.fixture(autouse=True)
def _own_cache(settings) -> None:
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    from django.core.cache import cache

    cache.clear()
