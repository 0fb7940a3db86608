"""A manager points an http data source at the desk's own network: the web process (dry run)
and the worker (steps) must not call it, follow its redirects or show what it answers.

Real HTTP throughout: servers on 127.0.0.1 (and 127.0.0.2) that log every request reaching
them; `settings.EGRESS_ALLOW` as the attack needs (empty is the production default)."""

from __future__ import annotations

import pytest
from django.urls import reverse
from egress_helpers import (
    HMAC_SECRET,
    SECRET,
    FakeDNS,
    LoggingServer,
    http_source_saved,
    json_answer,
    servers_on_one_port,
    verified,
)

from dsr.fulfilment import jobs, runner
from dsr.models import DataSource, JobStep, Right, StepStatus

LOOPBACK_ONLY = ["127.0.0.1/32"]  # the operator allows one internal host, nothing more


@pytest.fixture
def erasure(make_request, officer_actor):
    return verified(make_request(right=Right.ERASURE), officer_actor)


def _plan_and_confirm(request, actor):
    job = jobs.job_plan(request=request, actor=actor)
    return jobs.job_confirm(job=job, actor=actor)


def test_the_data_source_form_refuses_a_loopback_endpoint(
    desk_client, manager, organization, settings
):
    settings.EGRESS_ALLOW = []
    with LoggingServer() as internal:
        response = desk_client(manager).post(
            reverse("fulfilment:source_new", args=["http"]),
            {
                "organization": organization.slug,
                "name": "Internal service",
                "active": "on",
                "url": internal.url,
                "hmac_secret": HMAC_SECRET,
                "capabilities": ["export", "erase"],
                "timeout_seconds": "2",
            },
        )
    assert response.status_code == 400
    assert "refused: loopback address" in response.content.decode()
    assert not DataSource.objects.exists()
    assert internal.calls == []


@pytest.mark.parametrize(
    "url",
    [
        "http://10.0.0.8/dsr/",
        "http://169.254.169.254/latest/meta-data/",
        "http://[::1]:8080/",
        "http://[::ffff:127.0.0.1]/",
        "http://0.0.0.0:9/",
    ],
)
def test_a_source_on_a_non_public_address_is_not_saved(organization, settings, url):
    from dsr.connectors.base import ConfigError

    settings.EGRESS_ALLOW = []
    with pytest.raises(ConfigError, match="refused: "):
        http_source_saved(organization, url)
    assert not DataSource.objects.exists()


def test_a_source_saved_before_the_policy_calls_nothing_in_the_dry_run_nor_the_step(
    organization, erasure, officer_actor, settings
):
    settings.EGRESS_ALLOW = []
    with LoggingServer() as internal:
        source = http_source_saved(organization, internal.url, validate=False)
        job = _plan_and_confirm(erasure, officer_actor)
        step = job.steps.get(source=source)
        assert step.plan["error"] == "refused: loopback address"
        runner.step_run(step_id=step.pk)
    step.refresh_from_db()
    assert step.status == StepStatus.FAILED  # at once: the policy is not a passing failure
    assert step.attempts == 1
    assert step.last_error == "refused: loopback address"
    assert internal.calls == []


def test_a_redirect_to_another_local_service_is_not_followed(
    organization, erasure, officer_actor, settings
):
    settings.EGRESS_ALLOW = LOOPBACK_ONLY
    with LoggingServer() as target:
        redirect = (302, {"Location": f"{target.url}admin/"}, b"")
        with LoggingServer(answer=redirect) as system:
            http_source_saved(organization, system.url)
            job = _plan_and_confirm(erasure, officer_actor)
            step = job.steps.get()
            runner.step_run(step_id=step.pk)
    step.refresh_from_db()
    assert len(system.calls) == 2  # the dry run and the step
    assert target.calls == []
    assert step.plan["error"] == "HTTP 302 (redirects are not followed)"
    assert step.status == StepStatus.FAILED
    assert step.last_error == "HTTP 302 (redirects are not followed)"


@pytest.mark.parametrize(("status", "final"), [(404, StepStatus.FAILED), (500, StepStatus.QUEUED)])
def test_an_internal_services_answer_is_never_shown(
    organization, erasure, officer_actor, officer, desk_client, settings, status, final
):
    settings.EGRESS_ALLOW = LOOPBACK_ONLY
    answer = (status, {"Content-Type": "text/plain"}, f"Not here. {SECRET}".encode())
    with LoggingServer(answer=answer) as internal:
        http_source_saved(organization, internal.url)
        job = _plan_and_confirm(erasure, officer_actor)
        step = job.steps.get()
        runner.step_run(step_id=step.pk)
    step.refresh_from_db()
    assert len(internal.calls) == 2  # it was called (the operator allowed it)...
    assert step.status == final  # 4xx fails the step, 5xx is tried again
    assert step.plan["error"] == f"HTTP {status}"  # ...but only the class is kept
    assert step.last_error == f"HTTP {status}"
    page = desk_client(officer).get(reverse("fulfilment:job", args=[erasure.pk]))
    assert page.status_code == 200
    assert SECRET not in page.content.decode()
    assert f"HTTP {status}" in page.content.decode()


def test_a_poll_url_the_system_gives_is_checked_too(organization, erasure, officer_actor, settings):
    settings.EGRESS_ALLOW = LOOPBACK_ONLY
    with LoggingServer(host="127.0.0.2") as hidden:
        accepted = json_answer(202, {"poll_url": f"{hidden.url}poll"})
        with LoggingServer(answer=accepted) as system:
            http_source_saved(organization, system.url)
            job = _plan_and_confirm(erasure, officer_actor)
            step = job.steps.get()
            runner.step_run(step_id=step.pk)  # the call: accepted, poll there
            assert JobStep.objects.get(pk=step.pk).status == StepStatus.WAITING
            runner.step_run(step_id=step.pk)  # the poll
    step.refresh_from_db()
    assert hidden.calls == []
    assert step.status == StepStatus.FAILED
    assert step.last_error == "refused: loopback address"


def test_a_name_that_changes_address_between_check_and_connect_reaches_nothing_else(
    organization, erasure, officer_actor, settings, monkeypatch
):
    """DNS rebinding: the name answers the allowed 127.0.0.1 when it is checked and the
    not allowed 127.0.0.2 afterwards; nothing may ever reach 127.0.0.2."""
    settings.EGRESS_ALLOW = LOOPBACK_ONLY
    allowed, hidden = servers_on_one_port("127.0.0.1", "127.0.0.2")
    dns = FakeDNS({"webshop.rebind.test": ["127.0.0.1", "127.0.0.2"]})
    monkeypatch.setattr("socket.getaddrinfo", dns)
    with allowed, hidden:
        http_source_saved(organization, f"http://webshop.rebind.test:{allowed.port}/dsr/")
        job = _plan_and_confirm(erasure, officer_actor)
        step = job.steps.get()
        runner.step_run(step_id=step.pk)
    step.refresh_from_db()
    assert dns.queries  # the name was looked up...
    assert hidden.calls == []  # ...and nothing reached the address it changed to
    assert step.plan["error"] == "refused: loopback address"
    assert step.status == StepStatus.FAILED
    assert step.last_error == "refused: loopback address"
