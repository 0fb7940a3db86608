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
import json
import os
import sys
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

# Run as a script, Python puts bench/ first on the path, where queue.py would shadow the
# standard library's queue module: use the project root instead.
HERE = Path(__file__).resolve().parent
sys.path[:] = [entry for entry in sys.path if Path(entry or ".").resolve() != HERE]
sys.path.insert(0, str(HERE.parent))

from bench.common import admin, copy_requests, setup_django  # noqa: E402


def timed_sweep() -> tuple[float, int]:
    from dsr import reminders

    started = time.perf_counter()
    sent = reminders.sweep()
    return time.perf_counter() - started, sent


def reset_reminders() -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("TRUNCATE dsr_reminder, dsr_outboundemail CASCADE")


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
        copy_requests(
            organization,
            due,
            due_from=today - timedelta(days=1),
            due_days=9,
            start=0,
            status="in_progress",
        )
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
