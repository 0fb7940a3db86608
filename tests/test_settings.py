"""config/settings.py: production settings pass `check --deploy`; bad values stop start-up."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PRODUCTION = {
    "DEBUG": "false",
    "SECRET_KEY": "k8v$2qz!r7n#p4w@x1m&c9b^t6y*h3j(f0g)d5s+a-l=e_u~i" * 2,
    "DSR_ENCRYPTION_KEYS": "dGVzdC1vbmx5LWVuY3J5cHRpb24ta2V5LTMyYnl0ZXM=",
    "ALLOWED_HOSTS": "desk.example.com",
}


def manage(*args: str, env: dict[str, str], tmp_path: Path) -> subprocess.CompletedProcess:
    base = {
        "PATH": os.environ["PATH"],
        "HOME": str(tmp_path),
        "DSR_VAR_DIR": str(tmp_path / "var"),
        "DJANGO_SETTINGS_MODULE": "config.settings",
    }
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env={**base, **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_production_settings_pass_check_deploy(tmp_path):
    result = manage(
        "check", "--deploy", "--fail-level", "WARNING", env=PRODUCTION, tmp_path=tmp_path
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_debug_settings_run_without_any_configuration(tmp_path):
    result = manage("check", env={"DEBUG": "true"}, tmp_path=tmp_path)
    assert result.returncode == 0, result.stderr


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"DEBUG": "maybe"}, "DEBUG must be true or false"),
        ({"SECRET_KEY": ""}, "SECRET_KEY must be set"),
        ({"DSR_ENCRYPTION_KEYS": ""}, "DSR_ENCRYPTION_KEYS must be set"),
        ({"DSR_ENCRYPTION_KEYS": "not-a-key"}, "must hold Fernet keys"),
        ({"CONN_MAX_AGE": "forever"}, "CONN_MAX_AGE must be an integer"),
        ({"CONN_MAX_AGE": "-1"}, "CONN_MAX_AGE must be at least 0"),
        ({"DATABASE_URL": "oracle-ish://nowhere"}, "DATABASE_URL is not a database URL"),
        ({"EMAIL_HOST": "smtp.example.com", "EMAIL_PORT": "twenty-five"}, "EMAIL_PORT"),
        ({"SESSION_COOKIE_SECURE": "perhaps"}, "SESSION_COOKIE_SECURE must be true or false"),
    ],
)
def test_bad_values_stop_start_up_with_a_clear_message(tmp_path, env, message):
    result = manage("check", env={**PRODUCTION, **env}, tmp_path=tmp_path)
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert message in result.stderr
