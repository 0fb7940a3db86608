"""The desk's queue at 10,000 and at 1,000,000 requests of one organisation.

    .venv/bin/python bench/queue.py            # full run (PostgreSQL, ~1M rows, a few minutes)
    .venv/bin/python bench/queue.py --smoke    # seconds; what CI runs

Creates a fresh PostgreSQL database (dropped afterwards) and loads requests with one
set-based INSERT … SELECT generate_series per size (indexes dropped during the load and
rebuilt after, as a bulk load should). The requests are spread the way a desk's history
is: received over five years, the recent ones open in every state, the older ones closed,
a few old ones still open and overdue, over seven rights, six channels, three languages
and twenty officers (and unassigned).

Then, through the real URLconf and middleware (Django's test Client, signed in with a
verified one-time-code session), it times the default queue page and a filtered + searched
page (median of repeated requests), counts their SQL queries, and EXPLAINs every query the
queue runs for each filter at the large size. Prints one JSON line; target: time at the
large size within 1.5x of the small one, and the same number of queries.
"""

from __future__ import annotations

import sys
from pathlib import Path

# This file is named like the standard library's `queue`, which psycopg and Celery import:
# take the script's own folder off the path before anything imports it.
HERE = Path(__file__).resolve().parent
sys.path[:] = [entry for entry in sys.path if Path(entry or ".").resolve() != HERE]

import argparse  # noqa: E402
import json  # noqa: E402
import os  # noqa: E402
import statistics  # noqa: E402
import time  # noqa: E402
from typing import Any  # noqa: E402

ROOT = HERE.parent
sys.path.insert(0, str(ROOT))
ADMIN_URL = os.environ.get(
    "BENCH_POSTGRES_ADMIN_URL", "postgres://postgres@127.0.0.1:5432/postgres"
)
OFFICERS = 20
RIGHTS = [
    "access", "rectification", "erasure", "restriction", "portability", "objection",
    "automated_decision",
]  # fmt: skip
TARGET_RATIO = 1.5
# Syllables for names nobody has: each first/last name pair is shared by about one request
# in 20,000, as real names are; the searched name exists at both sizes.
SYLLABLES = "an bel cor dan el fen gert han ine jo kat lien mar nel oli pie rik sam tom vic"
FIRST_COUNT, LAST_COUNT = 97, 211


def setup_django(database: str) -> None:
    os.environ["DATABASE_URL"] = ADMIN_URL.rsplit("/", 1)[0] + "/" + database
    # Production settings (DEBUG off: cached templates, no debug bookkeeping), over plain HTTP.
    os.environ["DEBUG"] = "false"
    os.environ.setdefault("SECRET_KEY", "bench-only-" + "x" * 50)
    os.environ.setdefault("DSR_ENCRYPTION_KEYS", "YmVuY2gtb25seS1lbmNyeXB0aW9uLWtleS0zMmJ5dGU=")
    os.environ["SECURE_SSL_REDIRECT"] = "false"
    os.environ.setdefault("DSR_VAR_DIR", str(ROOT / "var" / "bench"))
    os.environ["ALLOWED_HOSTS"] = "testserver"
    os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings"
    import django
    from django.conf import settings

    django.setup()
    # Static files are not collected for the benchmark: plain storage, no manifest.
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    from django.test.utils import setup_test_environment

    setup_test_environment()  # the test Client then shows the template context (rows shown)


def admin(sql: str) -> None:
    import psycopg

    with psycopg.connect(
        ADMIN_URL.replace("postgres://", "postgresql://"), autocommit=True
    ) as conn:
        conn.execute(sql)


def names() -> tuple[list[str], list[str]]:
    syllables = SYLLABLES.split()
    pairs = [a + b for a in syllables for b in syllables if a != b]
    triples = [a + b + c for a in syllables[:8] for b in syllables[8:] for c in syllables[:6]]
    return [p.title() for p in pairs[:FIRST_COUNT]], [t.title() for t in triples[:LAST_COUNT]]


# generate_series' i, numbered: h1..h3 scatter i so that right, channel, language, assignee
# and status are independent; received spreads the requests over five years.
NUMBERED_SQL = """
WITH numbered AS (
    SELECT i,
           (i * 2654435761) %% 1000003 AS h1,
           (i * 40503) %% 999983 AS h2,
           (i * 69069) %% 1000033 AS h3,
           now() - ((i * 7919) %% (5 * 365 * 1440)) * interval '1 minute' AS received
    FROM generate_series(%(start)s::bigint, %(stop)s::bigint) AS i
)"""
# The first columns of every benchmark request: organisation, reference, status-page token,
# submission, right, channel and language.
IDENTITY_SQL = """
SELECT %(organization)s,
       %(prefix)s || '-' || to_char(received, 'YYYY') || '-' || lpad(i::text, 8, '0'),
       md5(i::text) || md5('t' || i::text),
       md5('s' || i::text)::uuid,
       (ARRAY['access', 'rectification', 'erasure', 'restriction', 'portability',
              'objection', 'automated_decision'])[1 + h2 %% 7],
       (ARRAY['web', 'email', 'post', 'phone', 'in_person', 'api'])[1 + h3 %% 6],
       (ARRAY['en', 'nl', 'fr'])[1 + (h2 / 7) %% 3],"""
IDENTITY_COLUMNS = [
    "organization_id", "reference", "public_token", "submission_id", "right", "channel",
    "language",
]  # fmt: skip
# The row for i: every column the desk reads, spread deterministically.
ROW_SQL = (  # Built from constants only: no input reaches the SQL.
    NUMBERED_SQL  # noqa: S608
    + """, shaped AS (
    SELECT *,
           CASE WHEN received > now() - interval '45 days' OR i %% 1000 = 0
                THEN (ARRAY['unverified', 'identity_check', 'in_progress', 'awaiting_subject',
                            'identity_check', 'in_progress'])[1 + h1 %% 6]
                ELSE (ARRAY['completed', 'completed', 'completed', 'refused', 'withdrawn'])
                     [1 + h1 %% 5]
           END AS state,
           ((received AT TIME ZONE 'Europe/Brussels')::date + interval '1 month')::date AS due
    FROM numbered
)"""
    + IDENTITY_SQL
    + """
       (%(first)s::text[])[1 + i %% 97] || ' ' || (%(last)s::text[])[1 + (i / 97) %% 211],
       lower((%(first)s::text[])[1 + i %% 97]) || '.'
           || lower((%(last)s::text[])[1 + (i / 97) %% 211]) || i
           || '@example.' || (ARRAY['com', 'net', 'org'])[1 + h3 %% 3],
       received,
       state,
       CASE WHEN state IN ('unverified', 'awaiting_subject') THEN received + interval '1 day' END,
       due,
       CASE WHEN state = 'in_progress' AND h3 %% 10 = 0
            THEN ((received AT TIME ZONE 'Europe/Brussels')::date + interval '3 months')::date END,
       CASE WHEN state = 'in_progress' AND h3 %% 10 = 0
            THEN ((received AT TIME ZONE 'Europe/Brussels')::date + interval '3 months')::date
            ELSE due END,
       CASE WHEN state IN ('in_progress', 'completed') THEN 'verified' ELSE 'not_checked' END,
       CASE WHEN h1 %% 11 = 0 THEN NULL
            ELSE (%(officers)s::bigint[])[1 + h3 %% %(officer_count)s] END,
       CASE WHEN state = 'completed' THEN 'fulfilled' ELSE '' END,
       CASE WHEN state = 'refused' THEN 'excessive' ELSE '' END,
       CASE WHEN state IN ('completed', 'refused', 'withdrawn')
            THEN received + interval '20 days' END,
       received,
       received
FROM shaped
"""
)
ROW_COLUMNS = [
    *IDENTITY_COLUMNS, "subject_name", "subject_email", "received_at", "status", "paused_since",
    "due_date", "extended_due_date", "effective_due_date", "identity_status", "assignee_id",
    "outcome", "refusal_ground", "closed_at", "created_at", "updated_at",
]  # fmt: skip


def bulk_load(
    organization: Any,
    officers: list[Any],
    start: int,
    stop: int,
    *,
    row_sql: str = ROW_SQL,
    row_columns: list[str] = ROW_COLUMNS,
) -> float:
    """Insert requests number start..stop; every other column gets the model's default.

    `row_sql` (a SELECT of `row_columns` per generate_series' i, ending "FROM shaped") shapes
    the rows; bench/reports.py gives its own."""
    from django.db import connection

    from dsr.models import Request

    defaults = {}
    for field in Request._meta.concrete_fields:
        if field.primary_key or field.column in row_columns:
            continue
        value = field.get_default()
        defaults[field.column] = field.get_db_prep_save(value, connection)
    columns = row_columns + list(defaults)
    first, last = names()
    extra = "".join(f", %(default_{column})s" for column in defaults)
    sql = row_sql.replace("\nFROM shaped", f"{extra}\nFROM shaped")
    params = {
        "start": start,
        "stop": stop,
        "organization": organization.pk,
        "prefix": organization.reference_prefix,
        "first": first,
        "last": last,
        "officers": [officer.pk for officer in officers],
        "officer_count": len(officers),
        **{f"default_{column}": value for column, value in defaults.items()},
    }
    quoted = ", ".join(f'"{column}"' for column in columns)
    started = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute("SET maintenance_work_mem = '512MB'")
        cursor.execute(
            "SELECT indexdef, indexname FROM pg_indexes WHERE tablename = 'dsr_request' "
            "AND indexname NOT IN (SELECT conname FROM pg_constraint)"
        )
        indexes = cursor.fetchall()
        for _definition, name in indexes:
            cursor.execute(f'DROP INDEX "{name}"')
        cursor.execute(f"INSERT INTO dsr_request ({quoted}) {sql}", params)
        for definition, _name in indexes:
            cursor.execute(definition)
        cursor.execute("VACUUM ANALYZE dsr_request")
    return time.perf_counter() - started


def desk_client(user: Any) -> Any:
    from django.test import Client
    from django_otp import DEVICE_ID_SESSION_KEY
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from accounts.middleware import LAST_ACTIVITY_KEY

    device = TOTPDevice.objects.create(user=user, confirmed=True, name="bench")
    client = Client()
    client.force_login(user)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session[LAST_ACTIVITY_KEY] = int(time.time())
    session.save()
    return client


def timed(client: Any, url: str, repeat: int) -> tuple[float, float, int, int]:
    """Median and fastest milliseconds, SQL queries and rows shown for GET url."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    for _ in range(3):
        client.get(url)
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        response = client.get(url)
        times.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200, response.status_code
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    rows = len(response.context["rows"])
    return statistics.median(times), min(times), len(captured.captured_queries), rows


def explain_queries(client: Any, url: str) -> dict[str, Any]:
    """EXPLAIN each query the queue runs on dsr_request for `url`.

    `page`: the indexes the page's own query uses (the rows shown, in order) and whether it
    scans the table. `counts_seq_scan`: whether the count or the counts per filter scan the
    table; they stop after COUNT_CAP matching rows, so a scan is bounded either way."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        client.get(url)
    page_indexes: set[str] = set()
    page_seq_scan = counts_seq_scan = False
    with connection.cursor() as cursor:
        for query in captured.captured_queries:
            sql = query["sql"]
            if "dsr_request" not in sql or not sql.lstrip().upper().startswith("SELECT"):
                continue
            is_count = sql.startswith("SELECT COUNT(")
            cursor.execute(f"EXPLAIN (FORMAT JSON) {sql}")
            plan = cursor.fetchone()[0]
            plan = json.loads(plan) if isinstance(plan, str) else plan
            stack = [plan[0]["Plan"]]
            while stack:
                node = stack.pop()
                if node.get("Relation Name") == "dsr_request" and node["Node Type"] == "Seq Scan":
                    if is_count:
                        counts_seq_scan = True
                    else:
                        page_seq_scan = True
                if "Index Name" in node and not is_count:
                    page_indexes.add(node["Index Name"])
                stack.extend(node.get("Plans", []))
    return {
        "page": sorted(i for i in page_indexes if not i.startswith(("accounts_", "one_"))),
        "page_seq_scan": page_seq_scan,
        "counts_seq_scan": counts_seq_scan,
    }


def filters(searched: str, colleague_id: int) -> dict[str, str]:
    base = "/desk/?"
    return {
        "default": "/desk/",
        "status": base + "status=in_progress",
        "status_closed": base + "status=completed&assignee=any",
        "right": base + "right=erasure&assignee=any",
        "assignee_me": base + "assignee=me",
        "assignee_unassigned": base + "assignee=none",
        "assignee_colleague": base + f"assignee={colleague_id}",
        "channel": base + "channel=post&assignee=any",
        "language": base + "language=fr&assignee=any",
        "overdue": base + "overdue=on&assignee=any",
        "due_within": base + "due_within=7&assignee=any",
        "extended": base + "extended=on&assignee=any",
        "paused": base + "paused=on&assignee=any",
        "search": base + f"status=all&assignee=any&q={searched.replace(' ', '+')}",
        "sort_received": base + "sort=-received&assignee=any",
        "all_statuses": base + "status=all&assignee=any",
    }


def bench_organization(prefix: str) -> tuple[Any, list[Any]]:
    """Migrate the fresh database; one Belgian organisation with OFFICERS officers."""
    from django.core.management import call_command

    from accounts.models import Membership, Organization, Role, User

    call_command("migrate", verbosity=0)
    organization = Organization.objects.create(
        slug="bench", name="Bench", legal_name="Bench BV", street_address="Straat 1",
        postal_code="1000", city="Brussel", country="BE", time_zone="Europe/Brussels",
        offered_languages=["en", "nl", "fr"], reference_prefix=prefix,
        privacy_email="privacy@bench.example",
    )  # fmt: skip
    officers = []
    for number in range(OFFICERS):
        user = User.objects.create_user(f"officer{number}@bench.example", None)
        Membership.objects.create(user=user, organization=organization, role=Role.OFFICER)
        officers.append(user)
    return organization, officers


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--smoke", action="store_true", help="tiny sizes, for CI")
    parser.add_argument(
        "--keep", action="store_true", help="keep the database afterwards (to investigate)"
    )
    args = parser.parse_args()
    small, large = (500, 5_000) if args.smoke else (10_000, 1_000_000)
    repeat = 5 if args.smoke else 41

    database = f"dsr_bench_queue_{os.getpid()}"
    admin(f"CREATE DATABASE {database}")
    try:
        setup_django(database)
        organization, officers = bench_organization("BEN")
        me = officers[1]
        client = desk_client(me)
        first, last = names()
        searched = f"{first[5]} {last[3]}"  # i = 5 + 97 * 3 + 97 * 211 * k: 296, 20763, …
        right = RIGHTS[(296 * 40503) % 999983 % 7]  # the right request 296 has (ROW_SQL's h2)
        query = f"status=all&assignee=any&right={right}&q={searched.replace(' ', '+')}"
        filtered = f"/desk/?{query}"
        pages = {"default": "/desk/", "filtered_searched": filtered}

        load_seconds, results = {}, {name: {} for name in pages}
        loaded = 0
        for size in (small, large):
            load_seconds[size] = round(bulk_load(organization, officers, loaded + 1, size), 1)
            loaded = size
            for name, url in pages.items():
                median, fastest, queries, rows = timed(client, url, repeat)
                results[name][size] = {
                    "ms": round(median, 1),
                    "fastest_ms": round(fastest, 1),
                    "queries": queries,
                    "rows": rows,
                }
        explain = {
            name: explain_queries(client, url)
            for name, url in filters(searched, officers[2].pk).items()
        }
    finally:
        from django.db import connections

        connections.close_all()
        if args.keep:
            print(f"kept database {database}", file=sys.stderr)
        else:
            admin(f"DROP DATABASE IF EXISTS {database}")

    ratios = {name: round(r[large]["ms"] / r[small]["ms"], 2) for name, r in results.items()}
    print(
        json.dumps(
            {
                "benchmark": "queue",
                "smoke": args.smoke,
                "requests": [small, large],
                "load_seconds": load_seconds,
                "pages": results,
                "ratio": ratios,
                "target_ratio": TARGET_RATIO,
                "time_target_met": all(ratio <= TARGET_RATIO for ratio in ratios.values()),
                "queries_constant": all(
                    r[small]["queries"] == r[large]["queries"] for r in results.values()
                ),
                "explain_at_large": explain,
                "every_filter_uses_an_index": all(
                    e["page"] and not e["page_seq_scan"] for e in explain.values()
                ),
            }
        )
    )


if __name__ == "__main__":
    main()
