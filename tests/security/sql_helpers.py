"""Helpers for the sql data source attacks: the desk's own database as a URL (SQLite file or
PostgreSQL test database), the attacker's maps over the desk's tables, and the source form
as a manager posts it."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from django.db import connection
from django.urls import reverse

# The fulfilment suite's helpers (the customer platform, verified requests).
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "dsr" / "fulfilment"))

from fulfilment_helpers import platform_build, verified

from dsr import audit
from dsr.demo.systems import OPENMOTICS_MAP
from dsr.fulfilment import jobs, runner
from dsr.fulfilment.sources import data_source_save
from dsr.models import ConnectorKind, DataSource

__all__ = ["platform_build", "verified"]

# What a manager of organisation A maps to read organisation B out of the desk itself:
# B's requests (matched on the request's customer number = B's id), B's members, their
# password hashes and TOTP secrets.
READ_THE_DESK = {
    "tables": [
        {"table": "dsr_request", "key": "id", "label": "Requests",
         "match": {"organization_id": "subject_customer_number"},
         "export": ["reference", "subject_name", "subject_email", "public_token"]},
        {"table": "accounts_membership", "key": "id", "label": "Members",
         "match": {"organization_id": "subject_customer_number"}, "export": ["user_id", "role"]},
        {"table": "accounts_user", "key": "id", "label": "Staff", "parent": "accounts_membership",
         "foreign_key": "id", "parent_key": "user_id", "export": ["email", "password"]},
        {"table": "otp_totp_totpdevice", "key": "id", "label": "Second factors",
         "parent": "accounts_user", "foreign_key": "user_id", "export": ["key"]},
    ]
}  # fmt: skip

# ... and to move a member (matched on customer number = the user's id) into organisation B.
MOVE_A_MEMBER = {
    "tables": [
        {"table": "accounts_membership", "key": "id", "label": "Membership",
         "match": {"user_id": "subject_customer_number"}, "rectify": ["organization_id"]},
    ]
}  # fmt: skip


def desk_database_url(*, host: str | None = None, name: str | None = None) -> str:
    """The desk's own (test) database as a source URL a manager could type."""
    settings_dict = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{name or settings_dict['NAME']}"
    return sa.URL.create(
        "postgresql",
        username=settings_dict.get("USER") or None,
        password=settings_dict.get("PASSWORD") or None,
        host=host or settings_dict.get("HOST") or "127.0.0.1",
        port=int(settings_dict.get("PORT") or 5432),
        database=name or settings_dict["NAME"],
    ).render_as_string(hide_password=False)


def sql_form(database_url: str, table_map: dict[str, Any] | None = None, **extra: str) -> dict:
    return {
        "name": "Customer platform",
        "active": "on",
        "database_url": database_url,
        "map": json.dumps(table_map or OPENMOTICS_MAP),
        "batch_rows": "1000",
        **extra,
    }


def post_source(client, database_url: str, table_map: dict[str, Any] | None = None):
    """The manager posts the sql data source form; returns the response."""
    return client.post(
        reverse("fulfilment:source_new", args=["sql"]), sql_form(database_url, table_map)
    )


def forced_source(
    organization, url: str, table_map: dict[str, Any], *, name: str = "Forced source"
) -> DataSource:
    """A source row saved without any check (saved before the rules, or an edited row)."""
    return data_source_save(
        organization=organization,
        actor=audit.Actor.system("test"),
        name=name,
        kind=ConnectorKind.SQL,
        config={**table_map, "batch_rows": 100, "retry_seconds": 0.01, "max_attempts": 2},
        secrets={"url": url},
        validate=False,
    )


def run_steps(job) -> None:
    for step in job.steps.all():
        for _attempt in range(10):
            if runner.step_run(step_id=step.pk) is None:
                break


def plan_and_confirm(request, actor, **plan: Any):
    job = jobs.job_plan(request=request, actor=actor, **plan)
    return jobs.job_confirm(job=job, actor=actor)
