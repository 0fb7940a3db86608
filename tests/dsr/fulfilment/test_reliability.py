"""Reliability with a real worker process and a real broker (PostgreSQL + Redis leg).

The worker is killed with SIGKILL in the middle of an erasure over a large table; a new
worker finishes the job after the sweep hands the step over. Every matching row is handled
once, the record's counts match the database, and no Event is written twice.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections import Counter
from pathlib import Path

import psycopg
import pytest
from django.conf import settings
from django.db import connection
from django.utils import timezone
from fulfilment_helpers import platform_build, scalar, sql_source, started, verified, wait_for

from dsr import audit
from dsr.fulfilment import runner
from dsr.models import Event, EventKind, JobStatus, JobStep, Right, StepStatus

pytestmark = [pytest.mark.postgres, pytest.mark.redis, pytest.mark.django_db(transaction=True)]

ROOT = Path(__file__).resolve().parents[3]
READINGS = 60_000
OTHER_READINGS = 5_000
LEASE_SECONDS = 3


def _database_url(name: str) -> str:
    database = connection.settings_dict
    password = f":{database['PASSWORD']}" if database.get("PASSWORD") else ""
    return (
        f"postgresql://{database['USER']}{password}@{database['HOST'] or '127.0.0.1'}:"
        f"{database['PORT'] or 5432}/{name}"
    )


def _admin(sql: str) -> None:
    with psycopg.connect(_database_url("postgres"), autocommit=True) as admin:
        admin.execute(sql)


@pytest.fixture
def source_database():
    name = f"{connection.settings_dict['NAME']}_source"
    _admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    _admin(f'CREATE DATABASE "{name}"')
    url = _database_url(name)
    platform_build(url, readings=READINGS, other_readings=OTHER_READINGS)
    try:
        yield url
    finally:
        _admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


class Worker:
    """`celery -A config worker` in its own process (and session, so it dies whole)."""

    def __init__(self, tmp_path: Path, name: str) -> None:
        environment = {
            **os.environ,
            "DATABASE_URL": _database_url(connection.settings_dict["NAME"]),
            "REDIS_URL": settings.REDIS_URL,
            "DSR_JOB_LEASE_SECONDS": str(LEASE_SECONDS),
            "DSR_VAR_DIR": str(tmp_path / "var"),
            "CONN_MAX_AGE": "0",
        }
        self.log = open(tmp_path / f"{name}.log", "wb")  # noqa: SIM115 — closed in stop()
        self.process = subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "config", "worker", "--pool", "solo",
             "--loglevel", "INFO", "--without-gossip", "--without-mingle", "-n", f"{name}@%h"],
            cwd=ROOT, env=environment, stdout=self.log, stderr=subprocess.STDOUT,
            start_new_session=True,
        )  # fmt: skip

    def kill(self) -> None:
        os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=30)

    def stop(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.kill()
        self.log.close()


def test_a_worker_killed_mid_erasure_is_replaced_and_every_row_is_handled_once(
    tmp_path, organization, make_request, officer_actor, source_database
):
    sql_source(organization, source_database, batch_rows=500)
    request = verified(
        make_request(right=Right.ERASURE, subject_customer_number="OPM-C1"), officer_actor
    )
    first = Worker(tmp_path, "first")
    second = None
    try:
        job = started(request, officer_actor)
        step = job.steps.get()
        assert step.status == StepStatus.QUEUED

        def mid_way() -> bool:
            current = JobStep.objects.get(pk=step.pk)
            return current.rows_total and READINGS * 0.2 < current.rows_done < READINGS * 0.7

        wait_for(mid_way, timeout=90, what="the erasure to be under way")
        first.kill()
        left = scalar(source_database, "SELECT count(*) FROM power_readings WHERE gateway_id = 1")
        assert 0 < left < READINGS, "the worker died in the middle of the erasure"
        step.refresh_from_db()
        assert step.status == StepStatus.RUNNING

        second = Worker(tmp_path, "second")
        # Redis would redeliver the killed worker's message only after its visibility
        # timeout (an hour); the beat sweep finds the step once its lease has run out.
        wait_for(lambda: JobStep.objects.get(pk=step.pk).lease_until < timezone.now(), 30)
        assert runner.steps_requeue_lost() == 1
        wait_for(
            lambda: JobStep.objects.get(pk=step.pk).status == StepStatus.DONE,
            timeout=90,
            what="the second worker to finish",
        )
    finally:
        first.stop()
        if second is not None:
            second.stop()

    assert scalar(source_database, "SELECT count(*) FROM power_readings WHERE gateway_id = 1") == 0
    others = "SELECT count(*) FROM power_readings WHERE gateway_id = 2"
    assert scalar(source_database, others) == OTHER_READINGS
    step.refresh_from_db()
    entries = {entry["what"]: entry for entry in step.result}
    assert entries["Power readings (every 15 minutes)"]["rows"] == READINGS
    assert entries["Gateways"]["rows"] == 1
    assert entries["Customer account"]["rows"] == 1
    assert entries["Invoices"]["rows"] == 2
    assert step.rows_done == step.rows_total == READINGS + 4
    job.refresh_from_db()
    assert job.status == JobStatus.FINISHED

    events = [
        (event.kind, repr(sorted(event.data.items())))
        for event in Event.objects.filter(request=request)
    ]
    assert [item for item, count in Counter(events).items() if count > 1] == []
    kinds = Counter(kind for kind, _ in events)
    assert kinds[EventKind.FULFILMENT_STEP_DONE] == 1
    assert kinds[EventKind.FULFILMENT_FINISHED] == 1
    assert audit.verify(organization).ok
