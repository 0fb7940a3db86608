"""A manager of organisation A points a sql data source at the desk's own database to read
organisation B's requests, staff password hashes and TOTP secrets, or to move themself into
B. The form refuses it however the database is named, and a source row forced past the form
is refused by the dry run and by every step: nothing of B reaches a package, no rectify runs.

Committed data (transactional tests): the attack reads the desk's database through a second
connection, as a worker would."""

from __future__ import annotations

import html
import os
from pathlib import Path

import pytest
from django.db import connection
from django.urls import reverse
from sql_helpers import (
    MOVE_A_MEMBER,
    READ_THE_DESK,
    desk_database_url,
    forced_source,
    plan_and_confirm,
    post_source,
    run_steps,
    verified,
)

from accounts.models import Membership, Role
from dsr import audit
from dsr.connectors import connector_for
from dsr.connectors.base import ConfigError
from dsr.fulfilment import jobs
from dsr.models import DataPackage, DataSource, Right, StepStatus
from tests.conftest import enrol_totp

pytestmark = pytest.mark.django_db(transaction=True)

OWN_DATABASE = "the desk's own database"
B_SUBJECT_EMAIL = "els.bogaert@maxem-customer.example"


@pytest.fixture(autouse=True)
def _operator_settings(settings, tmp_path):
    """The operator's directory for SQLite sources, and a network allow-list that lets the
    worker reach the desk's own PostgreSQL server: only the own-database rule stands between
    the attacker and the desk."""
    settings.SQL_SOURCE_SQLITE_DIR = tmp_path / "sources"
    settings.SQL_SOURCE_SQLITE_DIR.mkdir()
    settings.EGRESS_ALLOW = ["127.0.0.1/32", "::1/128"]


@pytest.fixture
def organisation_b(other_organization, make_request, outsider):
    """B has a request of its own and a member with a second factor."""
    make_request(
        organization=other_organization,
        subject_name="Els Bogaert",
        subject_email=B_SUBJECT_EMAIL,
        actor=audit.Actor.system("test"),
    )
    enrol_totp(outsider)
    return other_organization


def _refusal(response) -> str:
    return html.unescape(response.content.decode())


def _sqlite_variants(tmp_path: Path, sources: Path) -> dict[str, str]:
    desk = Path(connection.settings_dict["NAME"]).resolve()
    link = sources / "platform.sqlite3"
    link.symlink_to(desk)
    climb = str(sources) + "/.." * (len(sources.parts) - 1) + str(desk)
    return {
        "the file": f"sqlite:///{desk}",
        "a symlink in the sources directory": f"sqlite:///{link}",
        "a path through ..": f"sqlite:///{climb}",
        "a path with // and .": f"sqlite:///{desk.parent}/.//{desk.name}",
    }


@pytest.mark.parametrize(
    "variant",
    ["the file", "a symlink in the sources directory", "a path through ..", "a path with // and ."],
)
def test_the_source_form_refuses_the_desks_own_sqlite_database(
    variant, desk_client, manager, organisation_b, settings, tmp_path
):
    if connection.vendor != "sqlite":
        pytest.skip("the SQLite leg")
    url = _sqlite_variants(tmp_path, settings.SQL_SOURCE_SQLITE_DIR)[variant]
    response = post_source(desk_client(manager), url, READ_THE_DESK)
    assert response.status_code == 400
    assert OWN_DATABASE in _refusal(response)
    assert not DataSource.objects.exists()


def test_the_desks_own_sqlite_database_is_refused_even_inside_the_sources_directory(
    desk_client, manager, organisation_b, settings
):
    """An operator who set the sources directory to the desk's own folder (start-up refuses
    that; a test can force it) still cannot have the desk's database as a source."""
    if connection.vendor != "sqlite":
        pytest.skip("the SQLite leg")
    desk = Path(connection.settings_dict["NAME"]).resolve()
    settings.SQL_SOURCE_SQLITE_DIR = desk.parent
    response = post_source(desk_client(manager), f"sqlite:///{desk}", READ_THE_DESK)
    assert response.status_code == 400
    assert OWN_DATABASE in _refusal(response)
    hard_link = desk.parent / f"hard-link-{os.getpid()}.sqlite3"
    os.link(desk, hard_link)
    try:
        response = post_source(desk_client(manager), f"sqlite:///{hard_link}", READ_THE_DESK)
        assert response.status_code == 400
        assert OWN_DATABASE in _refusal(response)
    finally:
        hard_link.unlink()
    assert not DataSource.objects.exists()


@pytest.mark.postgres
@pytest.mark.parametrize("host", ["127.0.0.1", "localhost", "::1"])
def test_the_source_form_refuses_the_desks_own_postgresql_database(
    host, desk_client, manager, organisation_b
):
    response = post_source(desk_client(manager), desk_database_url(host=host), READ_THE_DESK)
    assert response.status_code == 400
    assert OWN_DATABASE in _refusal(response)
    assert not DataSource.objects.exists()


@pytest.mark.postgres
def test_the_desks_own_postgresql_database_is_refused_by_what_the_server_says_it_is(
    organization, organisation_b, monkeypatch
):
    """Reached by a name the address check does not know (a DNS name, a proxy, another
    interface), the server still says which database it is: refused after connecting, before
    the map touches a table."""
    from dsr.connectors import sql_policy

    monkeypatch.setattr(sql_policy, "_same_server", lambda *args: False)
    source = forced_source(organization, desk_database_url(), READ_THE_DESK)
    with pytest.raises(ConfigError, match=OWN_DATABASE):
        connector_for(source).validate()


def test_a_source_row_forced_past_the_form_is_refused_by_the_dry_run_and_every_step(
    desk_client, officer, organization, organisation_b, make_request, officer_actor
):
    forced_source(organization, desk_database_url(), READ_THE_DESK)
    request = verified(
        make_request(right=Right.ACCESS, subject_customer_number=str(organisation_b.pk)),
        officer_actor,
    )
    client = desk_client(officer)
    client.post(reverse("fulfilment:plan", args=[request.pk]))
    page = html.unescape(client.get(reverse("fulfilment:job", args=[request.pk])).content.decode())
    assert OWN_DATABASE in page
    assert B_SUBJECT_EMAIL not in page

    job = jobs.job_confirm(job=request.jobs.get(), actor=officer_actor)
    run_steps(job)
    step = job.steps.get()
    assert step.status == StepStatus.FAILED
    assert OWN_DATABASE in step.last_error
    assert step.result == [] and "keys" not in step.state  # nothing was read
    job.refresh_from_db()
    assert job.package_wanted_at is None
    assert not DataPackage.objects.filter(request=request).exists()


def test_a_rectify_on_the_desks_memberships_never_runs(
    organization, organisation_b, manager, make_request, officer_actor
):
    forced_source(organization, desk_database_url(), MOVE_A_MEMBER)
    request = verified(
        make_request(right=Right.RECTIFICATION, subject_customer_number=str(manager.pk)),
        officer_actor,
    )
    job = plan_and_confirm(
        request,
        officer_actor,
        corrections={"accounts_membership": {"organization_id": str(organisation_b.pk)}},
    )
    run_steps(job)
    assert job.steps.get().status == StepStatus.FAILED
    membership = Membership.objects.get(user=manager)
    assert membership.organization == organization and membership.role == Role.MANAGER
    assert not Membership.objects.filter(organization=organisation_b, user=manager).exists()


def test_the_operator_cannot_put_the_desks_database_inside_the_sources_directory(tmp_path):
    """Start-up refuses a sources directory that holds the desk's SQLite database."""
    import subprocess
    import sys

    root = Path(__file__).resolve().parents[2]
    var = tmp_path / "var"
    environment = {
        **os.environ,
        "DSR_VAR_DIR": str(var),
        "DSR_SQL_SOURCE_SQLITE_DIR": str(var),
        "DJANGO_SETTINGS_MODULE": "config.settings",
    }
    environment.pop("DATABASE_URL", None)
    result = subprocess.run(
        [sys.executable, "-c", "import django; django.setup()"],
        cwd=root,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode != 0
    assert "DSR_SQL_SOURCE_SQLITE_DIR" in result.stderr
