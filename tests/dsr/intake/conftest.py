"""Fixtures for the subject's pages: a private cache, and a form filled in as a person would.

The form is fetched as a browser would: the challenge comes from the page, and the proof
of work is solved (`intake_helpers.solve`) exactly as `static/intake/pow.js` does.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.test import Client
from intake_helpers import challenge_on, solve

from accounts.models import Organization


@pytest.fixture(autouse=True)
def _intake_settings(settings, request) -> None:
    """A cache of this test's own (rate limits and used challenges start from zero), and an
    easy proof of work so that solving it here takes no time."""
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "LOCATION": f"intake-{request.node.nodeid}",
        }
    }
    settings.INTAKE_POW_BITS = 8
    settings.SITE_URL = "https://desk.example.org"


FormFiller = Callable[..., dict]


@pytest.fixture
def filled_form(client: Client, settings) -> FormFiller:
    """The form of `organization` as a person fills it in, with the work done."""

    def fill(organization: Organization, *, work: bool = True, **overrides: object) -> dict:
        page = client.get(f"/{organization.slug}/request/")
        assert page.status_code == 200
        challenge = challenge_on(page.content.decode())
        data = {
            "lang": "en",
            "challenge": challenge,
            "pow_nonce": solve(challenge, settings.INTAKE_POW_BITS) if work else "",
            "rights": ["access"],
            "subject_name": "Lotte de Vries",
            "subject_email": "Lotte.de.Vries@example.com",
            "subject_customer_number": "C-1042",
            "answer_channel": "email",
            "subject_postal_address": "",
            "description": "My gateway OM-17 at home.",
            "fax": "",
        }
        data.update(overrides)
        return data

    return fill
