"""A sql source's host is resolved once, by the egress policy, and the driver connects to
that address: the attacker's name server cannot give the check one address and the driver
another. Proved with a host name only the policy's resolver knows (the driver, resolving
it itself, would find nothing) and a resolver that would change its answer afterwards."""

from __future__ import annotations

import os

import psycopg
import pymysql
import pytest
from django.db import connection
from sql_helpers import platform_build

from dsr import audit, egress
from dsr.connectors import connector_for
from dsr.connectors.base import ConfigError
from dsr.demo.systems import OPENMOTICS_MAP
from dsr.fulfilment.sources import data_source_save
from dsr.models import ConnectorKind
from tests.conftest import MARIADB_URL

NAME = "platform-db.attacker.example"  # known to no real DNS


class ChangingDNS:
    """Answers 127.0.0.1 to the first query for NAME, then 10.0.0.1 (rebinding)."""

    def __init__(self, real) -> None:
        self.real = real
        self.queries = 0

    def __call__(self, host: str, port: int) -> list[str]:
        if host != NAME:
            return self.real(host, port)
        self.queries += 1
        return ["127.0.0.1"] if self.queries == 1 else ["10.0.0.1"]


@pytest.fixture
def changing_dns(monkeypatch, settings):
    settings.EGRESS_ALLOW = ["127.0.0.1/32"]
    dns = ChangingDNS(egress._resolver)
    monkeypatch.setattr(egress, "_resolver", dns)
    return dns


def _save(organization, url: str):
    return data_source_save(
        organization=organization,
        actor=audit.Actor.system("test"),
        name="Customer platform",
        kind=ConnectorKind.SQL,
        config={**OPENMOTICS_MAP},
        secrets={"url": url},
    )


@pytest.fixture
def postgresql_platform():
    settings_dict = connection.settings_dict
    name = f"{settings_dict['NAME']}_sqlpin"
    admin = (
        f"postgresql://{settings_dict['USER']}@{settings_dict['HOST'] or '127.0.0.1'}:"
        f"{settings_dict['PORT'] or 5432}/postgres"
    )
    with psycopg.connect(admin, autocommit=True) as server:
        server.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        server.execute(f'CREATE DATABASE "{name}"')
    platform_build(admin.rsplit("/", 1)[0] + f"/{name}")
    yield f"postgresql://{settings_dict['USER']}@{NAME}:{settings_dict['PORT'] or 5432}/{name}"
    with psycopg.connect(admin, autocommit=True) as server:
        server.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.mark.postgres
def test_postgresql_connects_to_the_address_the_policy_checked(
    organization, changing_dns, postgresql_platform
):
    source = _save(organization, postgresql_platform)  # validated: connects, reads the schema
    assert changing_dns.queries == 1
    # The next connection resolves again and the answer is now private: refused.
    with pytest.raises(ConfigError, match="refused: private address"):
        connector_for(source).validate()


@pytest.fixture
def mariadb_platform():
    database = f"dsr_sqlpin_{os.getpid()}"
    server = pymysql.connect(host="127.0.0.1", port=3306, user="root", autocommit=True)
    with server.cursor() as cursor:
        cursor.execute(f"DROP DATABASE IF EXISTS {database}")
        cursor.execute(f"CREATE DATABASE {database}")
    platform_build(MARIADB_URL.rsplit("/", 1)[0] + f"/{database}")
    yield f"mysql://root@{NAME}:3306/{database}"
    with server.cursor() as cursor:
        cursor.execute(f"DROP DATABASE IF EXISTS {database}")
    server.close()


@pytest.mark.mariadb
def test_mysql_connects_to_the_address_the_policy_checked(
    organization, changing_dns, mariadb_platform
):
    source = _save(organization, mariadb_platform)
    assert changing_dns.queries == 1
    with pytest.raises(ConfigError, match="refused: private address"):
        connector_for(source).validate()
