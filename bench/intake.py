"""Public intake: web submissions (no upload) under 20 concurrent clients, against gunicorn on
PostgreSQL, compared in the same run with a minimal view that does one INSERT.

    .venv/bin/python bench/intake.py            # full run (~5,000 requests per side)
    .venv/bin/python bench/intake.py --smoke    # seconds; what CI runs

Creates a fresh PostgreSQL database (dropped afterwards), starts gunicorn on 127.0.0.1 with the
bench-only URLconf `bench.intake_site` (the product plus the baseline view), and posts the
same form body to both from 20 client threads: first the baseline, then the real form. Each
submission goes the whole way: form validation, the signed challenge (checked and used up in
the cache), three rate limits counted in the cache, one request with its audit event, and the
confirmation e-mail rendered, stored and handed to the broker. Prints one JSON line:
throughput and p50/p95 latency of both, and their throughput ratio (target >= 0.4). A third,
diagnostic run posts to a view that only calls `workflow.submission_create` (no validation,
challenge, limits or e-mail): the floor any form built on the workflow can reach.

The proof-of-work difficulty is 0 (DSR_INTAKE_POW_BITS) and the client signs its challenges
itself, as the page's script would solve them; rate limits are raised out of reach by the
bench settings but still counted. With REDIS_URL set, Redis is the cache and broker, as in
production; without it, the embedded file cache and file broker under DSR_VAR_DIR.
"""

from __future__ import annotations

import argparse
import http.client
import itertools
import json
import os
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlencode

# Run as `python bench/intake.py`, Python puts bench/ first on the path, where a benchmark
# named like a standard module (bench/queue.py) would shadow it for Django, Celery and
# kombu: import from the root instead (none of the modules above imports `queue`).
ROOT = Path(__file__).resolve().parent.parent
sys.path[:] = [str(ROOT)] + [
    entry for entry in sys.path if Path(entry or ".").resolve() != ROOT / "bench"
]
ADMIN_URL = os.environ.get(
    "BENCH_POSTGRES_ADMIN_URL", "postgres://postgres@127.0.0.1:5432/postgres"
)
CLIENTS = 20


def admin(sql: str) -> None:
    import psycopg

    with psycopg.connect(
        ADMIN_URL.replace("postgres://", "postgresql://"), autocommit=True
    ) as conn:
        conn.execute(sql)


def environment(database: str, var_dir: Path) -> dict[str, str]:
    """One environment for this process and gunicorn: production settings, DEBUG off."""
    from cryptography.fernet import Fernet

    values = {
        "DATABASE_URL": ADMIN_URL.rsplit("/", 1)[0] + "/" + database,
        "DJANGO_SETTINGS_MODULE": "bench.intake_site.settings",
        "DEBUG": "false",
        "SECRET_KEY": "bench-only-" + os.urandom(24).hex(),
        "DSR_ENCRYPTION_KEYS": Fernet.generate_key().decode(),
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "SECURE_SSL_REDIRECT": "false",
        "DSR_VAR_DIR": str(var_dir),
        "DSR_INTAKE_POW_BITS": "0",
        "LOG_LEVEL": "WARNING",
    }
    return {**os.environ, **values}


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def start_gunicorn(env: dict[str, str], port: int, workers: int, log: Path) -> subprocess.Popen:
    command = [
        sys.executable,
        "-m",
        "gunicorn",
        "config.wsgi:application",
        "--bind",
        f"127.0.0.1:{port}",
        "--workers",
        str(workers),
        "--log-level",
        "warning",
    ]
    process = subprocess.Popen(
        command,
        cwd=ROOT,
        env=env,
        stdout=log.open("wb"),
        stderr=subprocess.STDOUT,
        start_new_session=True,  # its own process group: stopped as one below
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"gunicorn exited: {log.read_text()[-2000:]}")
        try:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            connection.request("GET", "/healthz/")
            if connection.getresponse().status == 200:
                return process
        except OSError:
            time.sleep(0.2)
    stop(process)
    raise RuntimeError("gunicorn did not answer /healthz/ within 60 s")


def stop(process: subprocess.Popen) -> None:
    try:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=30)
    except ProcessLookupError:
        return
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()


def form_bodies(organizations: list, count: int) -> list[tuple[str, bytes]]:
    """What browsers post once the page's script has done its (zero-bit) work: (slug, body),
    the organisations taken in turn."""
    from dsr.intake.challenge import challenge_issue

    posts = []
    for number in range(count):
        organization = organizations[number % len(organizations)]
        body = urlencode(
            {
                "lang": "en",
                "challenge": challenge_issue(organization_id=organization.pk, bits=0),
                "pow_nonce": "0",
                "rights": "access",
                "organization": organization.slug,  # read by the workflow-only diagnostic
                "subject_name": f"Bench Subject {number}",
                "subject_email": f"subject{number}@example.com",
                "subject_customer_number": f"C-{number:06d}",
                "answer_channel": "email",
                "subject_postal_address": "",
                "description": "Please send me a copy of the data from my home gateway.",
                "fax": "",
            }
        )
        posts.append((organization.slug, body.encode()))
    return posts


def post(port: int, path: str, body: bytes) -> tuple[int, float]:
    started = time.perf_counter()
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    try:
        connection.request(
            "POST", path, body, {"Content-Type": "application/x-www-form-urlencoded"}
        )
        response = connection.getresponse()
        response.read()
        return response.status, time.perf_counter() - started
    finally:
        connection.close()


@dataclass
class Measured:
    """Requests of one kind, possibly over several rounds."""

    latencies: list[float] = field(default_factory=list)
    errors: int = 0
    seconds: float = 0.0
    busy_cpu_seconds: float = 0.0  # the whole machine's, all processes (from /proc/stat)

    def figures(self) -> dict:
        ordered = sorted(self.latencies)
        return {
            "requests": len(ordered),
            "errors": self.errors,
            "seconds": round(self.seconds, 2),
            "throughput": round(len(ordered) / self.seconds, 1),
            "p50_ms": round(statistics.median(ordered) * 1000, 1) if ordered else None,
            "p95_ms": round(ordered[int(len(ordered) * 0.95) - 1] * 1000, 1) if ordered else None,
            # CPU time the machine spent per request (web, database, Redis, the clients):
            # when the cores are saturated, throughput is cores / this.
            "machine_cpu_ms_per_request": round(self.busy_cpu_seconds / len(ordered) * 1000, 2)
            if ordered and self.busy_cpu_seconds
            else None,
        }


def busy_cpu_seconds() -> float:
    """Non-idle CPU time of the whole machine so far (0 where /proc/stat is missing)."""
    try:
        with open("/proc/stat") as stat:
            fields = [int(value) for value in stat.readline().split()[1:]]
    except OSError:
        return 0.0
    idle = fields[3] + (fields[4] if len(fields) > 4 else 0)  # idle + iowait
    return (sum(fields[:8]) - idle) / os.sysconf("SC_CLK_TCK")


def run(
    port: int,
    path_for: Callable[[str], str],
    posts: list[tuple[str, bytes]],
    into: Measured,
    seconds: float,
) -> None:
    """`CLIENTS` threads send `posts` (each once) until done or `seconds` have passed."""
    numbers = itertools.count()
    lock = threading.Lock()
    deadline = time.monotonic() + seconds

    def client() -> None:
        while time.monotonic() < deadline:
            with lock:
                number = next(numbers)
            if number >= len(posts):
                return
            slug, body = posts[number]
            status, elapsed = post(port, path_for(slug), body)
            with lock:
                if status == 302:
                    into.latencies.append(elapsed)
                else:
                    into.errors += 1

    started, busy = time.perf_counter(), busy_cpu_seconds()
    threads = [threading.Thread(target=client) for _ in range(CLIENTS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    into.seconds += time.perf_counter() - started
    into.busy_cpu_seconds += busy_cpu_seconds() - busy


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--smoke", action="store_true", help="tiny sizes, for CI")
    parser.add_argument("--workers", type=int, default=None, help="gunicorn workers")
    parser.add_argument(
        "--organizations",
        type=int,
        default=1,
        choices=range(1, 5),
        help="submissions spread over this many organisations (default 1: the worst case, "
        "all of them queue on one organisation's reference counter and audit chain)",
    )
    parser.add_argument(
        "--requests", type=int, default=5000, help="measured submissions per kind (full run)"
    )
    args = parser.parse_args()
    count, seconds, warmup, rounds = (
        (60, 30.0, 20, 1) if args.smoke else (args.requests, 60.0, 200, 5)
    )
    workers = args.workers or (2 if args.smoke else 2 * (os.cpu_count() or 1) + 1)

    database = f"dsr_bench_intake_{os.getpid()}"
    given_var_dir = os.environ.get("DSR_VAR_DIR")
    var_dir = Path(given_var_dir or tempfile.mkdtemp(prefix="dsr-bench-"))
    env = environment(database, var_dir)
    os.environ.update(env)
    admin(f"CREATE DATABASE {database}")
    gunicorn = None
    try:
        import django

        django.setup()
        from django.conf import settings
        from django.core.management import call_command
        from django.db import connection, connections

        from bench.intake_site.views import TABLE_SQL
        from dsr.demo.data import ORGANIZATIONS
        from dsr.demo.loader import _organization
        from dsr.models import Request

        call_command("migrate", verbosity=0)
        with connection.cursor() as cursor:
            cursor.execute(TABLE_SQL)
        organizations = [_organization(spec) for spec in ORGANIZATIONS[: args.organizations]]
        connections.close_all()

        gunicorn = start_gunicorn(env, free_port(), workers, var_dir / "gunicorn.log")
        port = int(gunicorn.args[gunicorn.args.index("--bind") + 1].rsplit(":", 1)[1])
        posts = form_bodies(organizations, warmup + count)
        warm, measured = posts[:warmup], posts[warmup:]

        def baseline_path(slug: str) -> str:
            return "/bench/insert/"

        def form_path(slug: str) -> str:
            return f"/{slug}/request/"

        def workflow_path(slug: str) -> str:
            return "/bench/workflow/"

        run(port, baseline_path, warm, Measured(), seconds)
        run(port, form_path, warm, Measured(), seconds)
        # The kinds take turns, round after round, so that a change in the machine's load
        # during the run weighs on all of them alike.
        baseline, submission, workflow_only = Measured(), Measured(), Measured()
        size = len(measured) // rounds
        for number in range(rounds):
            chunk = measured[number * size : (number + 1) * size]
            run(port, baseline_path, chunk, baseline, seconds)
            run(port, form_path, chunk, submission, seconds)
            # Diagnostic: the workflow's own share, the floor any form built on it reaches.
            run(port, workflow_path, chunk, workflow_only, seconds)
        stored = Request.objects.count() - warmup - len(workflow_only.latencies)
        cache = "redis" if settings.REDIS_URL else "file"
    finally:
        if gunicorn is not None:
            stop(gunicorn)
        if os.environ.get("REDIS_URL"):
            from config.celery import app

            app.control.purge()  # the confirmation mails of a database that is about to go
        from django.db import connections

        connections.close_all()
        admin(f"DROP DATABASE IF EXISTS {database}")
        if not given_var_dir:
            shutil.rmtree(var_dir, ignore_errors=True)

    print(
        json.dumps(
            {
                "benchmark": "intake",
                "smoke": args.smoke,
                "clients": CLIENTS,
                "gunicorn_workers": workers,
                "organizations": args.organizations,
                "database": "postgresql",
                "cache_and_broker": cache,
                "rounds": rounds,
                "baseline_one_insert": baseline.figures(),
                "submission": submission.figures(),
                "requests_stored": stored,
                "ratio": round(
                    submission.figures()["throughput"] / baseline.figures()["throughput"], 3
                ),
                "diagnostic_workflow_only": workflow_only.figures(),
                "diagnostic_workflow_only_ratio": round(
                    workflow_only.figures()["throughput"] / baseline.figures()["throughput"], 3
                ),
                "target_ratio": 0.4,
            }
        )
    )
    if submission.errors or baseline.errors or stored != len(submission.latencies):
        sys.exit("some requests failed or were not stored; see the figures above")


if __name__ == "__main__":
    main()
