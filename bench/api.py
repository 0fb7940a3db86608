"""REST API at 1,000,000 requests: filtered list pages deep in the cursor vs the first page,
and create throughput under 20 concurrent clients against gunicorn.

    .venv/bin/python bench/api.py            # full run (PostgreSQL, 1M rows)
    .venv/bin/python bench/api.py --smoke    # seconds; what CI runs

Prints one JSON line. Targets: a page deep in the set within 1.5x the first page's time.
"""

from __future__ import annotations

import argparse
import base64
import json
import os
import socket
import statistics
import subprocess
import sys
import threading
import time
import urllib.request
from datetime import date, timedelta
from pathlib import Path
from urllib.parse import urlencode

# Run as a script, Python puts bench/ first on the path, where queue.py would shadow the
# standard library's queue module: use the project root instead.
HERE = Path(__file__).resolve().parent
sys.path[:] = [entry for entry in sys.path if Path(entry or ".").resolve() != HERE]
sys.path.insert(0, str(HERE.parent))

from bench.common import ROOT, admin, copy_requests, database_url, setup_django  # noqa: E402

FILTERS = "status=in_progress&right=access"


def timed_get(client, url: str, token: str, repeat: int) -> tuple[float, int, int]:
    """Median server time of a GET, the page's row count, and its SQL query count."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    times = []
    for _ in range(repeat):
        with CaptureQueriesContext(connection) as queries:
            started = time.perf_counter()
            response = client.get(url, HTTP_AUTHORIZATION=f"Bearer {token}")
            times.append(time.perf_counter() - started)
        assert response.status_code == 200, response.content[:300]
    return statistics.median(times), len(response.json()["results"]), len(queries)


def deep_cursor(position: int) -> str:
    """The cursor DRF would hand out for the page starting below this id."""
    return base64.b64encode(urlencode({"p": str(position)}).encode()).decode()


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def create_throughput(database: str, token: str, seconds: float, clients: int = 20) -> dict:
    port = free_port()
    env = {
        **os.environ,
        "DATABASE_URL": database_url(database),
        "DEBUG": "true",
        "DSR_API_RATE": "1000000/minute",
    }
    server = subprocess.Popen(
        [str(ROOT / ".venv/bin/gunicorn"), "config.wsgi", "--bind", f"127.0.0.1:{port}",
         "--workers", "4", "--log-level", "warning"],
        cwd=ROOT, env=env,
    )  # fmt: skip
    try:
        for _ in range(100):
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            except OSError:
                time.sleep(0.1)
        # Warm up: every worker loads Django and opens its database connection first.
        warm = time.monotonic() + 60
        warmed = 0
        while warmed < 40 and time.monotonic() < warm:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz/", timeout=30):
                    warmed += 1
            except OSError:
                time.sleep(0.2)
        latencies: list[float] = []
        errors = [0]
        lock = threading.Lock()
        stop = time.monotonic() + seconds
        body = json.dumps(
            {"right": "erasure", "language": "en", "subject_name": "Bench Subject",
             "subject_email": "bench@example.com"}
        ).encode()  # fmt: skip

        def client() -> None:
            while time.monotonic() < stop:
                request = urllib.request.Request(
                    f"http://127.0.0.1:{port}/api/v1/requests/",
                    data=body,
                    method="POST",
                    headers={
                        "Authorization": f"Bearer {token}",
                        "Content-Type": "application/json",
                    },
                )
                started = time.perf_counter()
                try:
                    with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310
                        ok = response.status == 201
                except OSError:
                    ok = False
                with lock:
                    if ok:
                        latencies.append(time.perf_counter() - started)
                    else:
                        errors[0] += 1

        threads = [threading.Thread(target=client) for _ in range(clients)]
        began = time.monotonic()
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        elapsed = time.monotonic() - began
    finally:
        server.terminate()
        server.wait(timeout=30)
    latencies.sort()
    return {
        "clients": clients,
        "created_per_second": round(len(latencies) / elapsed, 1),
        "p50_ms": round(1000 * latencies[len(latencies) // 2], 1) if latencies else None,
        "p95_ms": round(1000 * latencies[int(len(latencies) * 0.95)], 1) if latencies else None,
        "errors": errors[0],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--smoke", action="store_true", help="tiny sizes, for CI")
    args = parser.parse_args()
    rows, repeat, seconds = (5_000, 3, 1.0) if args.smoke else (1_000_000, 15, 10.0)

    database = f"dsr_bench_api_{os.getpid()}"
    admin(f"CREATE DATABASE {database}")
    try:
        setup_django(database)
        from django.core.management import call_command
        from django.test import Client

        from dsr.api.tokens import api_token_create
        from dsr.demo.data import ORGANIZATIONS
        from dsr.demo.loader import _organization
        from dsr.models import Request

        call_command("migrate", verbosity=0)
        organization = _organization(ORGANIZATIONS[0])
        copy_requests(organization, rows, due_from=date.today() - timedelta(days=30),
                      due_days=120, start=1)  # fmt: skip
        _, token = api_token_create(organization=organization, name="bench", scope="write",
                                    created_by=None)  # fmt: skip
        client = Client(HTTP_HOST="localhost")
        url = f"/api/v1/requests/?{FILTERS}&page_size=50"
        first, first_rows, first_queries = timed_get(client, url, token, repeat)
        # 95% of the way through the (newest-first) ids.
        ids = Request.objects.order_by("pk").values_list("pk", flat=True)
        position = ids[rows // 20]
        deep, deep_rows, deep_queries = timed_get(
            client, f"{url}&cursor={deep_cursor(position)}", token, repeat
        )
        created = create_throughput(database, token, seconds)
    finally:
        from django.db import connections

        connections.close_all()
        admin(f"DROP DATABASE IF EXISTS {database} WITH (FORCE)")

    print(
        json.dumps(
            {
                "benchmark": "api",
                "smoke": args.smoke,
                "requests": rows,
                "filters": FILTERS,
                "first_page_ms": round(first * 1000, 2),
                "deep_page_ms": round(deep * 1000, 2),
                "deep_over_first": round(deep / first, 3),
                "target_ratio": 1.5,
                "rows_per_page": [first_rows, deep_rows],
                "queries_per_page": [first_queries, deep_queries],
                "create": created,
            }
        )
    )


if __name__ == "__main__":
    main()
