"""A manager points a sql data source at the network or the file system around the desk: a
SQLite file outside the operator's directory, driver options that read local files or
redirect the connection, a private or loopback host, or a port whose answer the driver
would quote. Each is refused, at save time and again when the dry run or a step runs, and
the pages name the class of failure, never the driver's text."""

from __future__ import annotations

import html
import socket
import threading

import pytest
from django.urls import reverse
from sql_helpers import (
    forced_source,
    plan_and_confirm,
    platform_build,
    post_source,
    run_steps,
    verified,
)

from dsr import egress
from dsr.demo.systems import OPENMOTICS_MAP
from dsr.models import DataSource, Right, StepStatus


@pytest.fixture(autouse=True)
def _operator_settings(settings, tmp_path):
    settings.SQL_SOURCE_SQLITE_DIR = tmp_path / "sources"
    settings.SQL_SOURCE_SQLITE_DIR.mkdir()
    settings.EGRESS_ALLOW = []  # the production default: public addresses only


class Listener:
    """A TCP server on 127.0.0.1 that counts connections and sends `banner` to each."""

    def __init__(self, banner: bytes = b"") -> None:
        self.banner = banner
        self.accepted = 0
        self.socket = socket.socket()
        self.socket.bind(("127.0.0.1", 0))
        self.socket.listen(8)
        self.port = self.socket.getsockname()[1]
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self) -> None:
        while True:
            try:
                peer, _ = self.socket.accept()
            except OSError:
                return
            self.accepted += 1
            try:
                peer.sendall(self.banner)
                peer.settimeout(2)
                peer.recv(1024)
            except OSError:
                pass
            finally:
                peer.close()

    def close(self) -> None:
        self.socket.close()


@pytest.fixture
def listener():
    server = Listener()
    yield server
    server.close()


def _page(response) -> str:
    return html.unescape(response.content.decode())


def _closed_port() -> int:
    probe = socket.socket()
    probe.bind(("127.0.0.1", 0))
    port = probe.getsockname()[1]
    probe.close()
    return port


def test_a_sqlite_file_outside_the_operators_directory_is_refused(
    desk_client, manager, settings, tmp_path
):
    outside = tmp_path / "elsewhere" / "platform.sqlite3"
    outside.parent.mkdir()
    platform_build(f"sqlite:///{outside}")
    client = desk_client(manager)
    response = post_source(client, f"sqlite:///{outside}")
    assert response.status_code == 400
    assert "outside the directory for SQLite sources" in _page(response)
    assert not DataSource.objects.exists()

    inside = settings.SQL_SOURCE_SQLITE_DIR / "platform.sqlite3"
    platform_build(f"sqlite:///{inside}")
    assert post_source(client, f"sqlite:///{inside}").status_code == 302
    assert DataSource.objects.get().secrets["url"] == f"sqlite:///{inside}"


@pytest.mark.parametrize(
    ("url", "refusal"),
    [
        ("mysql://root@203.0.113.7:3306/crm?local_infile=1", "local_infile"),
        ("mysql://root@203.0.113.7/crm?init_command=DROP+TABLE+x", "init_command"),
        ("mysql://root@203.0.113.7/crm?read_default_file=/etc/passwd", "read_default_file"),
        ("mysql://root@203.0.113.7/crm?unix_socket=/run/mysqld/mysqld.sock", "unix_socket"),
        ("postgresql://crm:pw@203.0.113.7/crm?host=10.0.0.1", "host"),
        ("postgresql://crm:pw@203.0.113.7/crm?hostaddr=127.0.0.1", "hostaddr"),
        ("postgresql://crm:pw@203.0.113.7/crm?service=desk", "service"),
        ("postgresql://crm:pw@203.0.113.7/crm?passfile=/root/.pgpass", "passfile"),
        ("postgresql://crm:pw@203.0.113.7/crm?sslkey=/etc/ssl/private/desk.key", "sslkey"),
        ("sqlite:///SOURCES/platform.sqlite3?mode=ro&uri=true", "mode"),
        ("sqlite:///file:SOURCES/platform.sqlite3", "not a URI"),
        ("sqlite:///platform.sqlite3", "absolute path"),
        ("postgresql://crm:pw@/crm", "needs a host"),
        ("postgresql://crm:pw@%2Fvar%2Frun%2Fpostgresql/crm", "not a host name"),
        ("postgresql://crm:pw@a.example.com,10.0.0.1/crm", "not a host name"),
        ("postgresql://crm:pw@203.0.113.7/host=10.0.0.1", "database name"),
        ("postgresql+pg8000://crm:pw@203.0.113.7/crm", "not supported"),
        ("oracle://crm:pw@203.0.113.7/crm", "not supported"),
    ],
)
def test_driver_options_and_hosts_outside_the_allow_list_are_refused(
    url, refusal, desk_client, manager, settings
):
    url = url.replace("SOURCES", str(settings.SQL_SOURCE_SQLITE_DIR))
    response = post_source(desk_client(manager), url)
    assert response.status_code == 400
    assert refusal in _page(response)
    assert not DataSource.objects.exists()


def test_an_in_memory_sqlite_database_passes_the_policy():
    """Empty and private to the connection: nothing of the desk or the network in it."""
    from sqlalchemy.engine import make_url

    from dsr.connectors.sql_policy import checked_target

    assert checked_target(make_url("sqlite://")).url.database is None
    assert checked_target(make_url("sqlite:///:memory:")).url.database == ":memory:"


@pytest.mark.parametrize(
    ("url", "refusal"),
    [
        ("postgresql://crm:pw@10.0.0.1:5432/crm", "refused: private address"),
        ("mysql://root:pw@192.168.1.10/crm", "refused: private address"),
        ("postgresql://crm:pw@[::ffff:10.0.0.1]/crm", "refused: private address"),
        ("postgresql://crm:pw@169.254.169.254/crm", "refused: link-local address"),
        ("postgresql://crm:pw@crm.attacker.example/crm", "refused: private address"),
        ("mysql://root:pw@127.0.0.1:PORT/crm", "refused: loopback address"),
        ("postgresql://crm:pw@localhost:PORT/crm", "refused: loopback address"),
    ],
)
def test_a_host_on_an_internal_address_is_refused_naming_the_class_only(
    url, refusal, desk_client, manager, listener, monkeypatch
):
    real = egress._resolver
    monkeypatch.setattr(
        egress,
        "_resolver",
        lambda host, port: ["10.0.0.1"] if host == "crm.attacker.example" else real(host, port),
    )
    response = post_source(desk_client(manager), url.replace("PORT", str(listener.port)))
    assert response.status_code == 400
    page = _page(response)
    assert refusal in page
    assert "10.0.0.1" not in page.replace(url, "")  # the resolved address is not named
    assert listener.accepted == 0  # nothing was sent to the loopback port
    assert not DataSource.objects.exists()


def test_a_forced_source_on_an_internal_host_is_refused_by_the_dry_run_and_the_step(
    desk_client, officer, organization, make_request, officer_actor, listener
):
    forced_source(
        organization, f"postgresql://crm:pw@127.0.0.1:{listener.port}/crm", OPENMOTICS_MAP
    )
    request = verified(make_request(right=Right.ERASURE), officer_actor)
    client = desk_client(officer)
    client.post(reverse("fulfilment:plan", args=[request.pk]))
    page = _page(client.get(reverse("fulfilment:job", args=[request.pk])))
    assert "refused: loopback address" in page

    job = plan_and_confirm(request, officer_actor)
    run_steps(job)
    step = job.steps.get()
    assert step.status == StepStatus.FAILED
    assert "refused: loopback address" in step.last_error
    assert listener.accepted == 0


@pytest.mark.parametrize("scheme", ["postgresql", "mysql"])
def test_the_drivers_text_never_reaches_the_job_page(
    scheme, desk_client, officer, organization, make_request, officer_actor, settings
):
    """The operator allows the loopback network; a closed port and a port that answers with
    another service's banner are told apart by class only, without the driver's words."""
    settings.EGRESS_ALLOW = ["127.0.0.1/32"]
    banner = Listener(b"SSH-2.0-OpenSSH_9.6 bastion-10.9.8.7 secret-banner\r\n" * 4)
    closed = _closed_port()
    try:
        forced_source(organization, f"{scheme}://crm:pw@127.0.0.1:{closed}/crm", OPENMOTICS_MAP)
        forced_source(
            organization,
            f"{scheme}://crm:pw@127.0.0.1:{banner.port}/crm",
            OPENMOTICS_MAP,
            name="Bastion",
        )
        request = verified(make_request(right=Right.ERASURE), officer_actor)
        client = desk_client(officer)
        client.post(reverse("fulfilment:plan", args=[request.pk]))
        job = plan_and_confirm(request, officer_actor)
        run_steps(job)
        page = _page(client.get(reverse("fulfilment:job", args=[request.pk])))
    finally:
        banner.close()
    assert "cannot connect to the database (connection refused)" in page
    assert "cannot connect to the database" in page
    for driver_words in (
        "secret-banner",
        "OpenSSH",
        "10.9.8.7",
        "Is the server running",
        'server at "127.0.0.1"',
        "Can't connect",
        "Errno",
        "sequence number",
        f"port {closed} failed",
    ):
        assert driver_words not in page
    assert {step.status for step in job.steps.all()} == {StepStatus.FAILED}
