"""Project-level promises: documented configuration, no third-party hosts, translations."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.test import Client
from django.utils import translation

ROOT = Path(__file__).resolve().parent.parent


def test_every_environment_variable_is_documented_in_the_readme():
    settings_source = (ROOT / "config" / "settings.py").read_text()
    read = set(re.findall(r'env(?:str|bool|int|list)\(\s*"([A-Z_]+)"', settings_source))
    assert {"DEBUG", "SECRET_KEY", "DATABASE_URL", "REDIS_URL", "DSR_ENCRYPTION_KEYS"} <= read
    readme = (ROOT / "README.md").read_text()
    undocumented = sorted(name for name in read if f"`{name}`" not in readme)
    assert undocumented == []


def test_no_page_or_template_loads_from_another_host():
    pattern = re.compile(r"""(src|href)\s*=\s*["'](https?:)?//""", re.IGNORECASE)
    offenders = [
        str(path.relative_to(ROOT))
        for folder in ("templates", "static", "dsr", "accounts")
        for path in (ROOT / folder).rglob("*")
        if path.suffix in {".html", ".css", ".js", ".txt"} and pattern.search(path.read_text())
    ]
    assert offenders == []


@pytest.mark.django_db
def test_home_and_health_pages(client: Client):
    assert client.get("/").status_code == 200
    assert client.get("/healthz/").json() == {"status": "ok"}
    assert client.post("/healthz/").status_code == 405


@pytest.mark.parametrize(
    ("language", "expected"),
    [("nl", "Recht van inzage (art. 15)"), ("fr", "Droit d'accès (art. 15)")],
)
def test_rights_are_translated(language, expected):
    from dsr.models import Right

    with translation.override(language):
        assert str(Right.ACCESS.label) == expected
