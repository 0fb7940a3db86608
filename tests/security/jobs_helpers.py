"""Helpers for the "jobs obey the request" attacks: a customer platform with many of the
subject's power readings (a SQLite file), its sql source, an erasure confirmed by the
officer, the subject's status page, and the worker's side run in-process (`runner.step_run`,
as dsr.tasks.job_step_run calls it)."""

from __future__ import annotations

import sys
from pathlib import Path

from django.test import Client

# The fulfilment suite's helpers (the customer platform, sources, verified requests).
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "dsr" / "fulfilment"))

from fulfilment_helpers import (
    platform_build,
    scalar,
    sql_source,
    sqlite_url,
    started,
    verified,
)

from dsr.fulfilment import runner
from dsr.models import Job, Request, Right

__all__ = ["platform_build", "scalar", "sql_source", "sqlite_url", "started", "verified"]

# The reproduction: an erasure of 70,000 readings, in batches.
READINGS = 70_000
OTHER_READINGS = 500
BATCH_ROWS = 5_000
SUBJECT_READINGS = "SELECT count(*) FROM power_readings WHERE gateway_id = 1"
OTHER_READINGS_SQL = "SELECT count(*) FROM power_readings WHERE gateway_id = 2"
SUBJECT_NAME = "SELECT name FROM customers WHERE id = 1"


def big_platform(tmp_path: Path, settings) -> str:
    """The platform as a SQLite file in the folder the operator allows for SQLite sources."""
    settings.SQL_SOURCE_SQLITE_DIR = tmp_path
    url = sqlite_url(tmp_path / "platform.sqlite3")
    platform_build(url, readings=READINGS, other_readings=OTHER_READINGS)
    return url


def confirmed_erasure(make_request, officer_actor) -> Job:
    """An erasure whose identity was verified, dry-run and confirmed: its steps are queued."""
    request = verified(
        make_request(right=Right.ERASURE, subject_customer_number="OPM-C1"), officer_actor
    )
    return started(request, officer_actor)


def withdraw_on_status_page(request: Request, reason: str = "I changed my mind") -> None:
    """The subject, on their status page, withdraws (a fresh client: no desk session)."""
    response = Client().post(f"/r/{request.public_token}/withdraw/", {"reason": reason})
    assert response.status_code == 302, response.status_code
    assert "notice=withdrawn" in response["Location"], response["Location"]


def run_queued_steps(job: Job) -> None:
    """The worker picks up every step's message (the broker delivers them late)."""
    for step in job.steps.all():
        while runner.step_run(step_id=step.pk) is not None:
            pass
