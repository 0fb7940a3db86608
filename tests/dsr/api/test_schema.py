"""The OpenAPI document, its docs page (no CDN), and schemathesis against the live schema."""

from __future__ import annotations

import re

import pytest

from dsr.models import Request


def test_schema_is_served_and_describes_every_action(client):
    response = client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert response.status_code == 200
    schema = response.json()
    paths = schema["paths"]
    actions = ["assign", "verify-identity", "request-information", "information-received"]
    actions += ["extend", "refuse", "complete", "withdraw", "events", "attachments"]
    for action in actions:
        assert any(path.endswith(f"/{action}/") for path in paths), action
    assert "bearerAuth" in schema["components"]["securitySchemes"]


def test_docs_page_loads_its_assets_from_the_app(client):
    response = client.get("/api/docs/")
    assert response.status_code == 200
    html = response.content.decode()
    sources = re.findall(r'(?:src|href)="([^"]+)"', html)
    assert sources, html
    assert all(source.startswith("/") for source in sources), sources
    assert "swagger-ui" in html


@pytest.mark.django_db(transaction=True)
def test_schemathesis_finds_no_server_error_and_no_schema_mismatch(write_token, make_request):
    """Bounded property-based run over every operation with a write token."""
    import schemathesis
    from hypothesis import HealthCheck, given, settings
    from schemathesis.specs.openapi.checks import ignored_auth, positive_data_acceptance

    from config.wsgi import application

    for index in range(3):
        make_request(subject_name=f"Subject {index}")
    reference = Request.objects.order_by("pk").first().reference
    schema = schemathesis.openapi.from_wsgi("/api/schema/?format=json", application)
    headers = {"Authorization": f"Bearer {write_token[1]}"}

    failures: list[str] = []
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 12

    for operation in operations:

        @given(case=operation.as_strategy())
        # Derandomised: the same cases each run, so CI is repeatable; raise max_examples
        # locally to search further.
        @settings(
            max_examples=25,
            deadline=None,
            derandomize=True,
            suppress_health_check=list(HealthCheck),
        )
        def check(case):
            if case.path_parameters and "reference" in case.path_parameters:
                case.path_parameters["reference"] = reference
            response = case.call(headers=headers)
            if response.status_code >= 500:
                failures.append(f"{case.method} {case.formatted_path}: {response.status_code}")
            # Every call carries the valid token, so the "ignored auth" probe does not apply;
            # business rules (LEGAL.md) reject some schema-valid bodies with a documented 400.
            case.validate_response(
                response, headers=headers, excluded_checks=[ignored_auth, positive_data_acceptance]
            )

        check()
    assert failures == []
