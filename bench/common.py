"""Shared pieces of the benchmarks: a throw-away PostgreSQL database and a fast loader."""

from __future__ import annotations

import io
import os
import uuid
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

ADMIN_URL = os.environ.get(
    "BENCH_POSTGRES_ADMIN_URL", "postgres://postgres@127.0.0.1:5432/postgres"
)
RIGHTS = ["access", "erasure", "rectification", "restriction", "portability", "objection"]
STATUSES = ["identity_check", "in_progress", "in_progress", "completed", "awaiting_subject"]


def database_url(database: str) -> str:
    return ADMIN_URL.rsplit("/", 1)[0] + "/" + database


def setup_django(database: str) -> None:
    os.environ["DATABASE_URL"] = database_url(database)
    os.environ.setdefault("DEBUG", "true")
    os.environ.setdefault("DSR_VAR_DIR", str(ROOT / "var" / "bench"))
    os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings"
    import django

    django.setup()


def admin(sql: str) -> None:
    import psycopg

    with psycopg.connect(
        ADMIN_URL.replace("postgres://", "postgresql://"), autocommit=True
    ) as conn:
        conn.execute(sql)


def copy_requests(
    organization,
    count: int,
    *,
    due_from: date,
    due_days: int,
    start: int,
    status: str | None = None,
) -> None:
    """COPY `count` requests of one organisation, spread over rights, statuses and due dates."""
    from django.db import connection

    columns = [
        "organization_id", "reference", "public_token", "submission_id", "right", "channel",
        "language", "answer_channel", "subject_name", "subject_email", "subject_postal_address",
        "subject_customer_number", "description", "received_at", "status", "status_before_pause",
        "paused_days", "due_date", "effective_due_date", "identity_status", "identity_evidence",
        "outcome", "outcome_note", "refusal_ground", "refusal_explanation", "extension_reason",
        "direct_marketing", "created_at", "updated_at",
    ]  # fmt: skip
    now = datetime.now(UTC).isoformat()
    buffer = io.StringIO()
    for index in range(start, start + count):
        due = (due_from + timedelta(days=index % due_days)).isoformat()
        row = {
            "organization_id": organization.pk,
            "reference": f"{organization.reference_prefix}-2026-{index:07d}",
            "public_token": uuid.uuid4().hex,
            "submission_id": uuid.uuid4(),
            "right": RIGHTS[index % len(RIGHTS)],
            "channel": "email",
            "language": "en",
            "answer_channel": "email",
            "subject_name": f"Subject {index}",
            "subject_email": f"s{index}@example.com",
            "received_at": now,
            "status": status or STATUSES[index % len(STATUSES)],
            "paused_days": 0,
            "due_date": due,
            "effective_due_date": due,
            "identity_status": "verified",
            "identity_evidence": "email_matches_record",
            "direct_marketing": "f",
            "created_at": now,
            "updated_at": now,
        }
        buffer.write("\t".join(str(row.get(column, "")) for column in columns) + "\n")
    buffer.seek(0)
    with connection.cursor() as cursor:
        quoted = ", ".join(f'"{column}"' for column in columns)
        with cursor.cursor.copy(f"COPY dsr_request ({quoted}) FROM STDIN") as copy:
            while chunk := buffer.read(1 << 20):
                copy.write(chunk)
        cursor.execute("ANALYZE dsr_request")
