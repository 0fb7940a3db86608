"""The reports page at 10,000 and at 1,000,000 requests of one organisation.

    .venv/bin/python bench/reports.py            # full run (PostgreSQL, ~1M rows, a few minutes)
    .venv/bin/python bench/reports.py --smoke    # seconds; what CI runs

Creates a fresh PostgreSQL database (dropped afterwards) and loads requests with the queue
benchmark's set-based loader (`bench/queue.py`, indexes dropped during the load and rebuilt),
shaped for the reports: received over five years, those of the last 45 days open, the older
ones completed, refused (on six grounds) or withdrawn after 3 to 52 days (so some late), one
in twenty extended, one in eight paused for up to two weeks, identity checked with six kinds
of evidence, over seven rights, six channels and twenty officers.

Then, through the real URLconf and middleware (Django's test Client, production settings,
a verified one-time-code session), it times the reports page for the default period (the
last twelve months: about 200,000 requests at the large size) — median of repeated requests
— counts its SQL queries at both sizes, and EXPLAIN ANALYZEs each of them at the large size.
Last, it times the signed register PDF of a period of about 1,000 requests. Prints one JSON
line; targets: the page under 2 s at the large size, the same number of queries at both.
"""

from __future__ import annotations

import sys
from pathlib import Path

# Run as a script, Python puts bench/ first on the path, where queue.py would shadow the
# standard library's queue module: use the project root instead.
HERE = Path(__file__).resolve().parent
sys.path[:] = [entry for entry in sys.path if Path(entry or ".").resolve() != HERE]
sys.path.insert(0, str(HERE.parent))

import argparse  # noqa: E402
import json  # noqa: E402
import os  # noqa: E402
import statistics  # noqa: E402
import time  # noqa: E402
from typing import Any  # noqa: E402

from bench.queue import (  # noqa: E402
    IDENTITY_COLUMNS,
    IDENTITY_SQL,
    NUMBERED_SQL,
    admin,
    bench_organization,
    bulk_load,
    desk_client,
    setup_django,
)

TARGET_SECONDS = 2.0
PAGE = "/desk/reports/"

# The row for generate_series' i, numbered as the queue benchmark numbers it.
ROW_SQL = (  # Built from constants only: no input reaches the SQL.
    NUMBERED_SQL  # noqa: S608
    + """, staged AS (
    SELECT *,
           CASE WHEN received > now() - interval '45 days' OR i %% 1000 = 0
                THEN (ARRAY['identity_check', 'in_progress', 'awaiting_subject', 'in_progress'])
                     [1 + h1 %% 4]
                ELSE (ARRAY['completed', 'completed', 'completed', 'completed', 'refused',
                            'withdrawn'])[1 + h1 %% 6]
           END AS state,
           (received AT TIME ZONE 'Europe/Brussels')::date AS received_on,
           CASE WHEN h2 %% 8 = 0 THEN 1 + h3 %% 14 ELSE 0 END AS paused,
           h3 %% 20 = 0 AS extended
    FROM numbered
), shaped AS (
    SELECT *,
           (received_on + interval '1 month')::date AS due,
           CASE WHEN extended THEN (received_on + interval '3 months')::date END AS extended_due,
           CASE WHEN state IN ('completed', 'in_progress') THEN 'verified'
                WHEN state = 'refused' AND h1 %% 3 = 0 THEN 'failed'
                ELSE 'not_checked' END AS identity
    FROM staged
)"""
    + IDENTITY_SQL
    + """
       'Subject ' || i,
       's' || i || '@example.com',
       received,
       state,
       CASE WHEN state = 'awaiting_subject' THEN received + interval '1 day' END,
       paused,
       due,
       extended_due,
       CASE WHEN extended THEN received + interval '10 days' END,
       COALESCE(extended_due, due) + paused::int,
       identity,
       CASE WHEN identity = 'not_checked' THEN ''
            ELSE (ARRAY['email_matches_record', 'account_session', 'customer_details',
                        'identity_document', 'in_person', 'other'])[1 + h2 %% 6] END,
       CASE WHEN h1 %% 11 = 0 THEN NULL
            ELSE (%(officers)s::bigint[])[1 + h3 %% %(officer_count)s] END,
       CASE WHEN state = 'completed'
            THEN (ARRAY['fulfilled', 'fulfilled', 'no_data', 'partially_fulfilled'])[1 + h3 %% 4]
            ELSE '' END,
       CASE WHEN state <> 'refused' THEN ''
            WHEN identity = 'failed' THEN 'identity_not_established'
            ELSE (ARRAY['manifestly_unfounded', 'excessive', 'legal_obligation', 'legal_claims',
                        'other'])[1 + h3 %% 5] END,
       CASE WHEN state IN ('completed', 'refused', 'withdrawn')
            THEN LEAST(now(), received + (3 + h1 %% 50) * interval '1 day') END,
       received,
       received
FROM shaped
"""
)
ROW_COLUMNS = [
    *IDENTITY_COLUMNS, "subject_name", "subject_email", "received_at", "status", "paused_since",
    "paused_days", "due_date", "extended_due_date", "extended_at", "effective_due_date",
    "identity_status", "identity_evidence", "assignee_id", "outcome", "refusal_ground",
    "closed_at", "created_at", "updated_at",
]  # fmt: skip


def timed(client: Any, url: str, repeat: int) -> dict[str, Any]:
    """Median and fastest milliseconds and the SQL queries of GET url."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.get(url)  # warm up: templates, session
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        response = client.get(url)
        times.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200, response.status_code
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    tables = {section["table"].slug: section["table"] for section in response.context["sections"]}
    return {
        "ms": round(statistics.median(times), 1),
        "fastest_ms": round(min(times), 1),
        "queries": len(captured.captured_queries),
        "received_in_period": tables["received-by-right"].total["count"],
        "sql": [query["sql"] for query in captured.captured_queries],
    }


def explain(queries: list[str]) -> list[dict[str, Any]]:
    """EXPLAIN ANALYZE of each query on dsr_request: its time, indexes and table scans."""
    from django.db import connection

    plans = []
    with connection.cursor() as cursor:
        for sql in queries:
            if "dsr_request" not in sql or not sql.lstrip().upper().startswith("SELECT"):
                continue
            cursor.execute(f"EXPLAIN (ANALYZE, FORMAT JSON) {sql}")
            plan = cursor.fetchone()[0]
            plan = json.loads(plan) if isinstance(plan, str) else plan
            indexes, scans, stack = set(), False, [plan[0]["Plan"]]
            while stack:
                node = stack.pop()
                if node.get("Relation Name") == "dsr_request" and node["Node Type"] == "Seq Scan":
                    scans = True
                if "Index Name" in node:
                    indexes.add(node["Index Name"])
                stack.extend(node.get("Plans", []))
            plans.append(
                {
                    "query": " ".join(sql.split())[:90],
                    "ms": round(plan[0]["Execution Time"], 1),
                    "indexes": sorted(indexes),
                    "seq_scan": scans,
                }
            )
    return plans


def register_pdf(organization: Any, user: Any, max_rows: int) -> dict[str, Any]:
    """Time the signed register PDF of the longest recent period with at most max_rows."""
    from datetime import timedelta

    from django.utils import timezone

    from dsr import audit
    from dsr.desk.queries import desk_requests, organization_today
    from dsr.desk.reports import register
    from dsr.desk.reports.period import Period
    from dsr.letters import signing

    password = "bench-only"  # noqa: S105 — a throw-away certificate of a throw-away database
    signing.organization_set_certificate(
        organization=organization,
        data=signing.self_signed_pkcs12(
            common_name="Bench", organization_name="Bench BV", country="BE", password=password
        ),
        password=password,
        actor=audit.Actor.system("bench"),
    )
    organization.refresh_from_db()
    end = organization_today(organization) - timedelta(days=100)
    requests = desk_requests(user, organization)
    period = Period(end, end, organization.time_zone)
    for days in range(2, 3650):
        longer = Period(end - timedelta(days=days - 1), end, organization.time_zone)
        if register.register_requests(requests, longer).count() > max_rows:
            break
        period = longer
    seconds = []
    for _ in range(2):  # the first in a process also loads the fonts and the signing key
        started = time.perf_counter()
        made = register.register_pdf(
            requests, organization=organization, period=period, now=timezone.now()
        )
        seconds.append(round(time.perf_counter() - started, 2))
    return {"rows": made.lines, "pages": made.pages, "signed": made.signed,
            "first_seconds": seconds[0], "seconds": seconds[1]}  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--smoke", action="store_true", help="tiny sizes, for CI")
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards")
    args = parser.parse_args()
    small, large = (500, 5_000) if args.smoke else (10_000, 1_000_000)
    repeat = 3 if args.smoke else 11

    database = f"dsr_bench_reports_{os.getpid()}"
    admin(f"CREATE DATABASE {database}")
    try:
        setup_django(database)
        organization, officers = bench_organization("REP")
        client = desk_client(officers[0])

        load_seconds, pages, loaded = {}, {}, 0
        for size in (small, large):
            load_seconds[size] = round(
                bulk_load(organization, officers, loaded + 1, size,
                          row_sql=ROW_SQL, row_columns=ROW_COLUMNS),
                1,
            )  # fmt: skip
            loaded = size
            pages[size] = timed(client, PAGE, repeat)
        plans = explain(pages[large]["sql"])
        pdf = register_pdf(organization, officers[0], 100 if args.smoke else 1000)
    finally:
        from django.db import connections

        connections.close_all()
        if args.keep:
            print(f"kept database {database}", file=sys.stderr)
        else:
            admin(f"DROP DATABASE IF EXISTS {database}")

    for page in pages.values():
        page.pop("sql")
    seconds = pages[large]["ms"] / 1000
    print(
        json.dumps(
            {
                "benchmark": "reports",
                "smoke": args.smoke,
                "requests": [small, large],
                "load_seconds": load_seconds,
                "page": pages,
                "target_seconds": TARGET_SECONDS,
                "time_target_met": seconds < TARGET_SECONDS,
                "queries_constant": pages[small]["queries"] == pages[large]["queries"],
                "explain_at_large": plans,
                "register_pdf": pdf,
            }
        )
    )


if __name__ == "__main__":
    main()
