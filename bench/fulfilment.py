"""Fulfilment on PostgreSQL: erasure against a plain DELETE, export against COPY, and memory.

    .venv/bin/python bench/fulfilment.py            # full run (1,000,000 readings)
    .venv/bin/python bench/fulfilment.py --smoke    # seconds; what CI runs

Creates two fresh PostgreSQL databases through BENCH_POSTGRES_ADMIN_URL (dropped afterwards):
the desk's, and beside it the controller's with two identical copies of a customer platform
(schemas `desk_copy` and `plain_copy`; a data source is never the desk's own database): one
subject with LARGE power readings (1,000,000), another with SMALL (100,000), and OTHER
readings of a customer nobody asks about (4,000,000: the subject is one customer among
many). Then, in this order:

1. export (access) of SMALL and of LARGE readings, each in a child process that runs the
   step and builds the encrypted package without review (`package_build`); the child
   reports its time (and the build's alone) and peak RSS. The LARGE
   export is compared with `COPY (SELECT ...) TO STDOUT` of the same rows (ratio reported);
   the two peaks must be within 20% (memory does not grow with rows);
2. the review (issue 18): the package of SMALL and of LARGE readings built again from the
   stored parts with a review's decisions (one column excluded, one value redacted, one text
   redacted across the package), each in a child process (time and peak RSS). The LARGE
   reviewed build is compared with the LARGE unreviewed export (the step and its package
   build: what it costs to produce the package without review; target ratio <= 1.3); the
   two peaks must be within 20%;
3. erasure of the LARGE subject through the desk (the step, batched and resumable) against
   plain SQL changing the same rows on the identical copy, in one transaction: the readings,
   tickets, newsletter and gateway deleted, the customer anonymised (target ratio <= 1.5).

The export's target is <= 5x COPY (issue 18: one pass per row, one encryption of the final
object, a fast JSON encoder).

Prints one JSON line.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# Run as a script, bench/ itself would be first on the path, and bench/queue.py would hide
# the standard library's queue module: import from the project root instead.
sys.path[0] = str(ROOT)
ADMIN_URL = os.environ.get(
    "BENCH_POSTGRES_ADMIN_URL", "postgres://postgres@127.0.0.1:5432/postgres"
)
SCHEMAS = ("desk_copy", "plain_copy")
LARGE_CUSTOMER, SMALL_CUSTOMER, OTHER_CUSTOMER = 1, 2, 3


def database_url(database: str) -> str:
    return ADMIN_URL.rsplit("/", 1)[0] + "/" + database


def setup_django(database: str) -> None:
    os.environ["DATABASE_URL"] = database_url(database)
    # DEBUG off: Django would otherwise keep every query in memory (and skew the RSS figures).
    os.environ["DEBUG"] = "false"
    os.environ.setdefault("SECRET_KEY", "bench-only-secret-key-" + "0" * 40)
    os.environ.setdefault("DSR_ENCRYPTION_KEYS", "YmVuY2gtb25seS1lbmNyeXB0aW9uLWtleS0zMmJ5dGU=")
    # The platform's database is on the bench's own (local) server: let the egress policy
    # allow it, as an operator allows a controller's internal network.
    os.environ.setdefault("DSR_EGRESS_ALLOW", "127.0.0.1/32,::1/128")
    os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings"
    import django

    django.setup()
    from dsr.fulfilment import runner

    # The benchmark runs every step itself; nothing goes to a broker.
    runner._enqueue_step = lambda *args, **kwargs: None
    runner._enqueue_package = lambda *args, **kwargs: None


def connect(database: str):
    import psycopg

    return psycopg.connect(database_url(database).replace("postgres://", "postgresql://"))


def admin(sql: str) -> None:
    import psycopg

    with psycopg.connect(
        ADMIN_URL.replace("postgres://", "postgresql://"), autocommit=True
    ) as conn:
        conn.execute(sql)


def build_platform(database: str, *, large: int, small: int, other: int) -> None:
    """Two identical copies of the demo schema, readings loaded with COPY."""
    import sqlalchemy as sa

    from dsr.connectors.sql import normalise_url
    from dsr.demo.systems import demo_metadata

    engine = sa.create_engine(normalise_url(database_url(database)))
    start = datetime(2020, 1, 1)
    for schema in SCHEMAS:
        metadata, tables = demo_metadata(schema)
        with engine.begin() as connection:
            connection.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
            metadata.create_all(connection)
            connection.execute(
                tables["customers"].insert(),
                [
                    {"id": n, "customer_number": f"C{n}", "name": f"Customer {n}",
                     "email": f"customer{n}@example.com", "created_at": start,
                     "processing_restricted": False}
                    for n in (LARGE_CUSTOMER, SMALL_CUSTOMER, OTHER_CUSTOMER)
                ],
            )  # fmt: skip
            connection.execute(
                tables["gateways"].insert(),
                [
                    {"id": n, "customer_id": n, "serial": f"G{n}", "installed_at": start}
                    for n in (LARGE_CUSTOMER, SMALL_CUSTOMER, OTHER_CUSTOMER)
                ],
            )
        with connect(database) as conn, conn.cursor() as cursor:
            statement = (
                f"COPY {schema}.power_readings (id, gateway_id, measured_at, watts, kwh_total) "
                "FROM STDIN"
            )
            with cursor.copy(statement) as copy:
                reading = 0
                for gateway, count in ((1, large), (2, small), (3, other)):
                    lines = []
                    for n in range(count):
                        reading += 1
                        stamp = start + timedelta(minutes=15 * n)
                        lines.append(f"{reading}\t{gateway}\t{stamp}\t{100 + n % 2000}\t{n / 4}\n")
                        if len(lines) == 100_000:  # memory stays small in this process too
                            copy.write("".join(lines))
                            lines = []
                    copy.write("".join(lines))
        with connect(database) as conn:
            conn.autocommit = True
            conn.execute(f"VACUUM ANALYZE {schema}.power_readings")
    engine.dispose()


def prepare_desk(systems: str) -> dict[str, int]:
    """Migrate, one organisation with its source, and three requests in progress."""
    from django.core.management import call_command

    from accounts.models import Membership, Role, User
    from dsr import audit, workflow
    from dsr.demo.data import ORGANIZATIONS
    from dsr.demo.loader import _organization
    from dsr.demo.systems import OPENMOTICS_MAP
    from dsr.fulfilment import jobs
    from dsr.fulfilment.sources import data_source_save
    from dsr.models import Channel, EvidenceKind, Right

    call_command("migrate", verbosity=0)
    organization = _organization(ORGANIZATIONS[0])
    # The bench times the erasure itself: a second officer's approval (four eyes) is a
    # person's step before it, not part of it.
    type(organization).objects.filter(pk=organization.pk).update(four_eyes_erasure=False)
    officer = User.objects.create_user("bench@openmotics.example", "bench-password-123")
    Membership.objects.create(user=officer, organization=organization, role=Role.OFFICER)
    actor = audit.Actor.for_user(officer)
    data_source_save(
        organization=organization,
        actor=actor,
        name="Customer platform",
        kind="sql",
        config={**OPENMOTICS_MAP, "schema": SCHEMAS[0]},
        secrets={"url": database_url(systems)},
    )
    jobs_by_name = {}
    for name, right, customer in (
        ("export_small", Right.ACCESS, SMALL_CUSTOMER),
        ("export_large", Right.ACCESS, LARGE_CUSTOMER),
        ("erase_large", Right.ERASURE, LARGE_CUSTOMER),
    ):
        (request,) = workflow.submission_create(
            organization=organization,
            rights=[right],
            channel=Channel.EMAIL,
            language="en",
            subject_name=f"Customer {customer}",
            subject_email=f"customer{customer}@example.com",
            actor=actor,
        )
        request = workflow.identity_decide(
            request=request, verified=True, evidence=EvidenceKind.EMAIL_MATCHES_RECORD, actor=actor
        )
        job = jobs.job_plan(request=request, actor=actor)
        if right == Right.ACCESS:
            job = jobs.job_confirm(job=job, actor=actor)
        jobs_by_name[name] = job.pk
    return jobs_by_name


def peak_rss_mb() -> float:
    """This process's peak resident memory since it started (VmHWM). Not ru_maxrss: Linux
    carries that over from the parent through fork and exec."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _bench_decisions():
    """One column excluded, one value redacted, one text redacted everywhere."""
    from dsr.fulfilment import review_rules as rules

    third = rules.Ground("third_party")
    return rules.ReviewDecisions(
        tables={
            rules.TableKey("customer-platform", "power_readings"): rules.TableDecisions(
                columns=(rules.ColumnExclusion("kwh_total", third),),
                cells=(rules.CellRedaction(12_345, "watts", third),),
            )
        },
        texts=(rules.TextRedaction("Customer 2", third),),
    )


def child_export(job_id: int, *, reviewed: bool = False) -> None:
    """In a fresh process: run the export step and build the package without review; or
    (`reviewed`) build the package again from the stored parts with the review's decisions.
    Reports time and peak RSS."""
    from dsr.fulfilment import runner
    from dsr.fulfilment.packages import package_build
    from dsr.models import Job

    job = Job.objects.select_related("request__organization").get(pk=job_id)
    started, cpu_started = time.perf_counter(), time.process_time()
    if not reviewed:
        for step in job.steps.all():
            while runner.step_run(step_id=step.pk) is not None:
                pass
    built = time.perf_counter()
    package, _ = package_build(job=job, decisions=_bench_decisions() if reviewed else None)
    finished, cpu_seconds = time.perf_counter(), time.process_time() - cpu_started
    package.file.delete(save=False)  # the parts stay: the reviewed build reads them
    rows = sum(entry["rows"] or 0 for step in job.steps.all() for entry in step.result)
    print(
        json.dumps(
            {
                "seconds": finished - started,
                "build_seconds": finished - built,
                # This process's CPU time (not the database server's): what a busy machine
                # does not stretch the way it stretches wall-clock time.
                "cpu_seconds": cpu_seconds,
                "rows": rows,
                "package_bytes": package.size,
                "peak_rss_mb": peak_rss_mb(),
            }
        )
    )


def run_child(database: str, job_id: int, *, reviewed: bool = False) -> dict:
    mode = "--child-review" if reviewed else "--child-export"
    result = subprocess.run(
        [sys.executable, __file__, mode, str(job_id), "--database", database],
        capture_output=True,
        text=True,
        check=False,
        env=os.environ.copy(),
    )
    if result.returncode != 0:
        raise RuntimeError(result.stderr[-3000:])
    return json.loads(result.stdout.strip().splitlines()[-1])


def timed_copy(database: str, customer: int) -> float:
    """COPY of the same rows and columns the export reads, into nothing."""
    from psycopg import sql

    statement = sql.SQL(
        "COPY (SELECT measured_at, watts, kwh_total FROM {schema}.power_readings "
        "WHERE gateway_id IN (SELECT id FROM {schema}.gateways WHERE customer_id = {customer}) "
        "ORDER BY id) TO STDOUT"
    ).format(schema=sql.Identifier(SCHEMAS[1]), customer=sql.Literal(customer))
    with connect(database) as conn, conn.cursor() as cursor:
        started = time.perf_counter()
        with cursor.copy(statement) as copy:
            for _ in copy:
                pass
        return time.perf_counter() - started


def timed_plain_delete(database: str, customer: int) -> tuple[float, int]:
    """Plain SQL changing the same rows the desk's erasure changes (the map of the demo):
    the readings, tickets, newsletter and gateways deleted, the customer anonymised."""
    from psycopg import sql

    schema = sql.Identifier(SCHEMAS[1])
    statements = [
        "DELETE FROM {schema}.power_readings WHERE gateway_id IN "
        "(SELECT id FROM {schema}.gateways WHERE customer_id = %(customer)s)",
        "DELETE FROM {schema}.support_tickets WHERE customer_id = %(customer)s",
        "DELETE FROM {schema}.newsletter_subscriptions WHERE email = %(email)s",
        "DELETE FROM {schema}.gateways WHERE customer_id = %(customer)s",
        "UPDATE {schema}.customers SET name = '(erased)', email = %(hashed)s, phone = NULL, "
        "street = NULL, postal_code = left(postal_code, 2) WHERE id = %(customer)s",
    ]
    values = {
        "customer": customer,
        "email": f"customer{customer}@example.com",
        "hashed": "anon-0123456789abcdef",
    }
    with connect(database) as conn:
        conn.execute("CHECKPOINT")
        started = time.perf_counter()
        counts = [
            conn.execute(sql.SQL(statement).format(schema=schema), values).rowcount
            for statement in statements
        ]
        conn.commit()
        return time.perf_counter() - started, counts[0]


def timed_desk_erasure(systems: str, job_id: int) -> tuple[float, int]:
    from django.urls import reverse

    from dsr import audit
    from dsr.fulfilment import jobs, runner
    from dsr.models import Job

    job = Job.objects.get(pk=job_id)
    job = jobs.job_confirm(job=job, actor=audit.Actor.system("bench"))
    with connect(systems) as conn:
        conn.execute("CHECKPOINT")
    step = job.steps.get()
    reverse("fulfilment:callback", args=["warm-up"])  # a worker has its URLs loaded already
    started = time.perf_counter()
    while runner.step_run(step_id=step.pk) is not None:
        pass
    seconds = time.perf_counter() - started
    step.refresh_from_db()
    assert step.status == "done", step.last_error
    readings = next(e for e in step.result if e["what"].startswith("Power readings"))
    return seconds, readings["rows"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--smoke", action="store_true", help="tiny sizes, for CI")
    parser.add_argument("--child-export", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--child-review", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--database", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child_export or args.child_review:
        setup_django(args.database)
        child_export(args.child_export or args.child_review, reviewed=bool(args.child_review))
        return

    large, small, other = (20_000, 2_000, 20_000) if args.smoke else (1_000_000, 100_000, 4_000_000)
    database = f"dsr_bench_fulfilment_{os.getpid()}"
    systems = f"{database}_systems"
    var_dir = os.environ.get("DSR_VAR_DIR") or tempfile.mkdtemp(prefix="dsr-bench-")
    os.environ["DSR_VAR_DIR"] = var_dir
    admin(f"CREATE DATABASE {database}")
    admin(f"CREATE DATABASE {systems}")
    try:
        setup_django(database)
        build_platform(systems, large=large, small=small, other=other)
        job_ids = prepare_desk(systems)
        from django.db import connections

        connections.close_all()
        export_small = run_child(database, job_ids["export_small"])
        export_large = run_child(database, job_ids["export_large"])
        review_small = run_child(database, job_ids["export_small"], reviewed=True)
        review_large = run_child(database, job_ids["export_large"], reviewed=True)
        copy_seconds = timed_copy(systems, LARGE_CUSTOMER)
        plain_seconds, plain_rows = timed_plain_delete(systems, LARGE_CUSTOMER)
        desk_seconds, desk_rows = timed_desk_erasure(systems, job_ids["erase_large"])
    finally:
        from django.db import connections

        connections.close_all()
        admin(f"DROP DATABASE IF EXISTS {database} WITH (FORCE)")
        admin(f"DROP DATABASE IF EXISTS {systems} WITH (FORCE)")
        if "DSR_VAR_DIR" not in os.environ or var_dir.startswith(tempfile.gettempdir()):
            shutil.rmtree(Path(var_dir) / "media", ignore_errors=True)

    assert plain_rows == desk_rows == large, (plain_rows, desk_rows)
    memory_ratio = export_large["peak_rss_mb"] / export_small["peak_rss_mb"]
    review_memory_ratio = review_large["peak_rss_mb"] / review_small["peak_rss_mb"]
    erasure_ratio = desk_seconds / plain_seconds
    export_ratio = export_large["seconds"] / copy_seconds
    review_ratio = review_large["seconds"] / export_large["seconds"]
    print(
        json.dumps(
            {
                "benchmark": "fulfilment",
                "smoke": args.smoke,
                "readings": {"large": large, "small": small, "other": other},
                "erasure": {
                    "desk_seconds": round(desk_seconds, 3),
                    "plain_delete_seconds": round(plain_seconds, 3),
                    "rows": desk_rows,
                    "ratio": round(erasure_ratio, 3),
                    "target_ratio": 1.5,
                    "met": erasure_ratio <= 1.5,
                },
                "export": {
                    "desk_seconds": round(export_large["seconds"], 3),
                    "build_seconds": round(export_large["build_seconds"], 3),
                    "desk_cpu_seconds": round(export_large["cpu_seconds"], 3),
                    "copy_seconds": round(copy_seconds, 3),
                    "ratio": round(export_ratio, 2),
                    "target_ratio": 5,
                    "met": export_ratio <= 5,
                    "rows": export_large["rows"],
                    "package_bytes": export_large["package_bytes"],
                },
                "review": {
                    "reviewed_build_seconds": round(review_large["seconds"], 3),
                    "reviewed_build_cpu_seconds": round(review_large["cpu_seconds"], 3),
                    "unreviewed_export_seconds": round(export_large["seconds"], 3),
                    "ratio": round(review_ratio, 3),
                    "target_ratio": 1.3,
                    "met": review_ratio <= 1.3,
                    "package_bytes": review_large["package_bytes"],
                    "peak_rss_mb_small": round(review_small["peak_rss_mb"], 1),
                    "peak_rss_mb_large": round(review_large["peak_rss_mb"], 1),
                    "memory_ratio": round(review_memory_ratio, 3),
                    "memory_met": abs(review_memory_ratio - 1) <= 0.2,
                },
                "memory": {
                    "peak_rss_mb_small": round(export_small["peak_rss_mb"], 1),
                    "peak_rss_mb_large": round(export_large["peak_rss_mb"], 1),
                    "ratio": round(memory_ratio, 3),
                    "target": "within 20%",
                    "met": abs(memory_ratio - 1) <= 0.2,
                },
            }
        )
    )


if __name__ == "__main__":
    main()
