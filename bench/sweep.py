"""Reminder sweep at 10,000 and at 1,000,000 open requests, with the same number due.

    .venv/bin/python bench/sweep.py            # full run (PostgreSQL, ~1M rows)
    .venv/bin/python bench/sweep.py --smoke    # seconds; what CI runs

Creates a fresh PostgreSQL database (dropped afterwards), bulk-loads requests with COPY,
times `dsr.reminders.sweep()` once with SMALL open requests and once after adding rows up to
LARGE (the due ones are the same), and prints one JSON line: both times, their ratio
(target <= 2), and whether EXPLAIN of the sweep's query uses an index.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import sys
import time
import uuid
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
ADMIN_URL = os.environ.get(
    "BENCH_POSTGRES_ADMIN_URL", "postgres://postgres@127.0.0.1:5432/postgres"
)


def setup_django(database: str) -> None:
    os.environ["DATABASE_URL"] = ADMIN_URL.rsplit("/", 1)[0] + "/" + database
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


def copy_requests(organization, count: int, *, due_from: date, due_days: int, start: int) -> None:
    """COPY `count` running requests; their effective due dates spread over `due_days` days."""
    from django.db import connection

    columns = [
        "organization_id", "reference", "public_token", "submission_id", "right", "channel",
        "language", "answer_channel", "subject_name", "subject_email", "subject_postal_address",
        "subject_customer_number", "description", "received_at", "status", "status_before_pause",
        "paused_days", "due_date", "effective_due_date", "identity_status", "identity_evidence",
        "outcome", "outcome_note", "refusal_ground", "refusal_explanation", "extension_reason",
        "created_at", "updated_at",
    ]  # fmt: skip
    now = datetime.now(UTC).isoformat()
    buffer = io.StringIO()
    for index in range(start, start + count):
        due = (due_from + timedelta(days=index % due_days)).isoformat()
        row = {
            "organization_id": organization.pk,
            "reference": f"BEN-2026-{index:07d}",
            "public_token": uuid.uuid4().hex,
            "submission_id": uuid.uuid4(),
            "right": "access",
            "channel": "email",
            "language": "en",
            "answer_channel": "email",
            "subject_name": f"Subject {index}",
            "subject_email": f"s{index}@example.com",
            "received_at": now,
            "status": "in_progress",
            "paused_days": 0,
            "due_date": due,
            "effective_due_date": due,
            "identity_status": "verified",
            "identity_evidence": "email_matches_record",
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


def timed_sweep() -> tuple[float, int]:
    from dsr import reminders

    started = time.perf_counter()
    sent = reminders.sweep()
    return time.perf_counter() - started, sent


def reset_reminders() -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("TRUNCATE dsr_reminder, dsr_outboundemail")
        cursor.execute("DELETE FROM dsr_event WHERE kind = 'request.reminder'")
        cursor.execute("UPDATE dsr_audithead SET last_sequence = 0, last_hash = %s", ["0" * 64])


def explain() -> str:
    from django.db import connection

    from dsr import reminders

    query, params = reminders.due_requests(datetime.now(UTC)).query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN {query}", params)
        return "\n".join(row[0] for row in cursor.fetchall())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--smoke", action="store_true", help="tiny sizes, for CI")
    args = parser.parse_args()
    small, large, due = (2_000, 20_000, 50) if args.smoke else (10_000, 1_000_000, 1_000)

    database = f"dsr_bench_sweep_{os.getpid()}"
    admin(f"CREATE DATABASE {database}")
    try:
        setup_django(database)
        from django.core.management import call_command

        from dsr.demo.data import ORGANIZATIONS
        from dsr.demo.loader import _organization

        call_command("migrate", verbosity=0)
        organization = _organization(ORGANIZATIONS[0])
        today = date.today()
        # `due` requests within the reminder horizon, the rest months away.
        copy_requests(organization, due, due_from=today - timedelta(days=1), due_days=9, start=0)
        copy_requests(
            organization, small - due, due_from=today + timedelta(days=60), due_days=300, start=due
        )
        small_seconds, small_sent = timed_sweep()
        reset_reminders()
        copy_requests(
            organization,
            large - small,
            due_from=today + timedelta(days=60),
            due_days=300,
            start=small,
        )
        large_seconds, large_sent = timed_sweep()
        plan = explain()
    finally:
        from django.db import connections

        connections.close_all()
        admin(f"DROP DATABASE IF EXISTS {database}")

    print(
        json.dumps(
            {
                "benchmark": "sweep",
                "smoke": args.smoke,
                "open_requests": [small, large],
                "due": due,
                "sent": [small_sent, large_sent],
                "seconds": [round(small_seconds, 3), round(large_seconds, 3)],
                "ratio": round(large_seconds / small_seconds, 3),
                "target_ratio": 2.0,
                "index_scan": "running_by_effective_due" in plan
                and "Seq Scan on dsr_request" not in plan,
                "plan": [line.strip() for line in plan.splitlines() if "dsr_request" in line],
            }
        )
    )


if __name__ == "__main__":
    main()
