"""Every benchmark runs in its smoke mode and prints one JSON line (the figures are not asserted:
benchmarks are measured, not timed tests; docs/BENCHMARKS.md records full runs)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings

ROOT = Path(__file__).resolve().parent.parent
HELPERS = {"__init__.py", "common.py"}
BENCHMARKS = sorted(path.name for path in (ROOT / "bench").glob("*.py") if path.name not in HELPERS)

pytestmark = pytest.mark.postgres


@pytest.mark.parametrize("script", BENCHMARKS)
def test_benchmark_smoke_run_prints_one_json_line(script, tmp_path):
    database = settings.DATABASES["default"]
    host, port = database["HOST"] or "127.0.0.1", database["PORT"] or 5432
    admin_url = f"postgres://{database['USER']}@{host}:{port}/postgres"
    # Made here: on the S3 leg no stored file creates it as a side effect (var/media/...).
    (tmp_path / "var").mkdir()
    environment = {
        **os.environ,
        "BENCH_POSTGRES_ADMIN_URL": admin_url,
        "DSR_VAR_DIR": str(tmp_path / "var"),
    }
    environment.pop("DATABASE_URL", None)
    result = subprocess.run(
        [sys.executable, f"bench/{script}", "--smoke"],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    lines = [line for line in result.stdout.splitlines() if line.strip()]
    figures = json.loads(lines[-1])
    assert figures["smoke"] is True
