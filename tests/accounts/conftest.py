"""Sign-in tests count failures in the cache: each test gets an empty one of its own."""

from __future__ import annotations

import pytest


@pytest.fixture(autouse=True)
def _own_cache(settings) -> None:
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    from django.core.cache import cache

    cache.clear()
