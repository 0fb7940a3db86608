"""`load_demo` gives every demo organisation data sources, with OpenMotics' customer platform
holding its subjects (two years of readings) and Maxem anonymising its metering data.

One test, because loading the demo takes a while."""

from __future__ import annotations

from django.core.management import call_command
from fulfilment_helpers import query, started

from dsr import audit
from dsr.connectors import connector_for
from dsr.demo.systems import READING_DAYS, READINGS_PER_DAY
from dsr.fulfilment import runner
from dsr.models import ConnectorKind, DataSource, Request, Right, Status


def test_the_demo_systems_are_registered_filled_and_fulfil_as_their_policies_say(
    db, settings, tmp_path
):
    settings.VAR_DIR = tmp_path / "var"
    call_command("load_demo", stdout=open("/dev/null", "w"))  # noqa: SIM115

    sources = DataSource.objects.select_related("organization")
    assert {s.organization.slug for s in sources} == {"openmotics", "ilumen", "maxem", "zensor"}
    assert {s.kind for s in sources} == set(ConnectorKind.values)
    for source in sources:
        connector_for(source).validate()  # the maps fit the demo databases

    # OpenMotics: two years of 15-minute readings for a subject who asked for erasure.
    platform = DataSource.objects.get(name="Customer platform")
    request = (
        Request.objects.filter(organization=platform.organization, right=Right.ERASURE)
        .exclude(subject_email="")
        .first()
    )
    plan = connector_for(platform).dry_run(subject=runner.subject_of(request), right=Right.ERASURE)
    readings = next(line for line in plan if line.what.startswith("Power readings"))
    assert readings.rows == READING_DAYS * READINGS_PER_DAY

    # Maxem: erasure anonymises metering data (link cut, place coarsened) and keeps the rows.
    maxem = DataSource.objects.get(name="Maxem portal")
    request = Request.objects.filter(
        organization=maxem.organization, right=Right.ERASURE, status=Status.IN_PROGRESS
    ).first()
    officer = maxem.organization.memberships.filter(role="officer").first().user
    url = maxem.secrets["url"]
    schema = maxem.config.get("schema")  # PostgreSQL: a schema beside the desk's tables
    measurements = f"{schema}.measurements" if schema else "measurements"
    before = query(url, f"SELECT count(*) FROM {measurements}")[0][0]  # noqa: S608
    job = started(request, audit.Actor.for_user(officer))
    step = job.steps.get(source=maxem)
    runner.step_run(step_id=step.pk)
    step.refresh_from_db()
    metering = next(entry for entry in step.result if entry["what"] == "Metering data (hourly)")
    assert (metering["action"], metering["rows"]) == ("anonymised", 90 * 24)
    assert query(url, f"SELECT count(*) FROM {measurements}")[0][0] == before  # noqa: S608
    unlinked = (
        f"SELECT count(*) FROM {measurements} "  # noqa: S608
        "WHERE account_id IS NULL AND length(postcode) = 2"
    )
    assert query(url, unlinked) == [(90 * 24,)]

    # Loading again changes nothing in the sources.
    count = DataSource.objects.count()
    call_command("load_demo", stdout=open("/dev/null", "w"))  # noqa: SIM115
    assert DataSource.objects.count() == count
