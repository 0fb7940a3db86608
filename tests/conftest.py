"""Shared fixtures: a fixed cast, a request factory, and the services the suite may need.

The cast (as in healthchecks' tests): an officer, a viewer and a manager of one
organisation (OpenMotics, Belgium), and an outsider who is an officer of another
(Maxem, the Netherlands). Nearly every view test proves the outsider gets a 404.
State builders shared beyond one folder (files as people send them, a verified request,
an identity document, a signed organisation, waiting for a worker) are plain functions in
tests/builders.py; each folder's `*_helpers.py` imports them rather than copying them.

Service-backed tests carry a marker (`postgres`, `redis`, `mariadb`, `s3`, `imap`). Without
the service they skip; with DSR_REQUIRE_SERVICES=1 (the PostgreSQL/Redis leg of .ci/run) a missing
service fails the test instead, so that leg can never pass by skipping.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection

from accounts.models import Membership, Organization, Role, User
from dsr import audit, workflow
from dsr.models import Channel, Request, Right

REQUIRE_SERVICES = os.environ.get("DSR_REQUIRE_SERVICES", "").lower() in {"1", "true", "yes"}
PASSWORD = "correct horse battery staple"


def _missing_service(reason: str) -> None:
    if REQUIRE_SERVICES:
        pytest.fail(f"{reason} (DSR_REQUIRE_SERVICES is set, so this is a failure)")
    pytest.skip(reason)


def redis_reachable() -> bool:
    if not settings.REDIS_URL:
        return False
    import redis

    try:
        return bool(redis.Redis.from_url(settings.REDIS_URL, socket_timeout=2).ping())
    except redis.RedisError:
        return False


MARIADB_URL = os.environ.get("DSR_TEST_MARIADB_URL", "mysql+pymysql://root@127.0.0.1:3306/test")


def mariadb_reachable() -> bool:
    """A MariaDB/MySQL server for the sql connector's tests (not the desk's own database)."""
    import sqlalchemy

    engine = sqlalchemy.create_engine(MARIADB_URL, connect_args={"connect_timeout": 2})
    try:
        with engine.connect():
            return True
    except sqlalchemy.exc.SQLAlchemyError:
        return False
    finally:
        engine.dispose()


def s3_configured() -> bool:
    return settings.STORAGES["default"]["BACKEND"] == "dsr.storage.PrivateS3Storage"


_S3_BUCKETS: set[str] = set()


def s3_bucket_ready() -> bool:
    """The configured bucket answers (created on first use: moto starts empty)."""
    if not s3_configured():
        return False
    from botocore.exceptions import BotoCoreError, ClientError
    from django.core.files.storage import storages

    storage = storages.create_storage(settings.STORAGES["default"])
    if storage.bucket_name in _S3_BUCKETS:
        return True
    client = storage.connection.meta.client
    try:
        try:
            client.head_bucket(Bucket=storage.bucket_name)
        except ClientError as error:
            if error.response.get("Error", {}).get("Code") not in {"404", "NoSuchBucket"}:
                raise
            client.create_bucket(Bucket=storage.bucket_name)
    except (BotoCoreError, ClientError):
        return False
    _S3_BUCKETS.add(storage.bucket_name)
    return True


def _free_port_pair() -> int:
    """A free port whose next port is free too: Dovecot listens on the first, and the
    XOAUTH2 test answers Dovecot's token checks on the second (.ci/imap-server)."""
    for _ in range(100):
        with socket.socket() as first:
            first.bind(("127.0.0.1", 0))
            port = first.getsockname()[1]
            if port >= 65535:
                continue
            with socket.socket() as second:
                try:
                    second.bind(("127.0.0.1", port + 1))
                except OSError:
                    continue
        return port
    raise RuntimeError("no two free ports in a row on 127.0.0.1")


@dataclass(frozen=True)
class ImapServer:
    """A real Dovecot IMAPS server (.ci/imap-server) with one test user."""

    host: str
    port: int
    user: str
    password: str
    ca_file: str


def _imap_server_env(folder: Path) -> ImapServer | None:
    env_file = folder / "env"
    if not env_file.exists():
        return None
    values = dict(line.split("=", 1) for line in env_file.read_text().splitlines() if "=" in line)
    server = ImapServer(
        host=values["IMAP_HOST"],
        port=int(values["IMAP_PORT"]),
        user=values["IMAP_USER"],
        password=values["IMAP_PASSWORD"],
        ca_file=values["IMAP_CA"],
    )
    try:
        socket.create_connection(("127.0.0.1", server.port), timeout=2).close()
    except OSError:
        return None
    return server


@pytest.fixture(scope="session")
def imap_server() -> Iterator[ImapServer]:
    """The IMAP server of `.ci/run` (DSR_TEST_IMAP_DIR), or one started for this session
    when Dovecot is installed and we may start it (root); else skip (or fail when
    DSR_REQUIRE_SERVICES=1)."""
    given = os.environ.get("DSR_TEST_IMAP_DIR", "")
    if given:
        server = _imap_server_env(Path(given))
        if server is None:
            _missing_service(f"no IMAP server answers for DSR_TEST_IMAP_DIR={given}")
        yield server
        return
    script = Path(__file__).resolve().parent.parent / ".ci" / "imap-server"
    if not shutil.which("dovecot") or os.geteuid() != 0:
        _missing_service("needs Dovecot (apt-get install dovecot-imapd) or DSR_TEST_IMAP_DIR")
    # Not under pytest's own temporary folder: that is private to root, and Dovecot's
    # processes (its own users) must read the passwd-file.
    folder = Path(tempfile.mkdtemp(prefix="dsr-imap-"))
    port = _free_port_pair()
    # Dovecot daemonises with our stdout: never a pipe, or `run` would wait for it forever.
    with open(folder / "start.log", "wb") as log:
        subprocess.run(
            [str(script), "start", str(folder), str(port)], check=True, stdout=log, stderr=log
        )
    try:
        server = _imap_server_env(folder)
        if server is None:
            _missing_service("the session's Dovecot did not start")
        yield server
    finally:
        subprocess.run(
            [str(script), "stop", str(folder)],
            check=False,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture(scope="session")
def django_db_modify_db_settings(django_db_modify_db_settings_parallel_suffix: None) -> None:
    """The SQLite test database is a file under DSR_VAR_DIR (config/settings.py): make sure
    the folder exists, as it does not in a fresh clone."""
    Path(settings.VAR_DIR).mkdir(parents=True, exist_ok=True)


@pytest.fixture(autouse=True)
def _services(request: pytest.FixtureRequest) -> None:
    if request.node.get_closest_marker("postgres") and connection.vendor != "postgresql":
        _missing_service(f"needs PostgreSQL, DATABASE_URL is {connection.vendor}")
    if request.node.get_closest_marker("redis") and not redis_reachable():
        _missing_service("needs Redis at REDIS_URL")
    if request.node.get_closest_marker("s3") and not s3_bucket_ready():
        _missing_service("needs the S3-compatible server (DSR_STORAGE_URL, DSR_S3_ENDPOINT_URL)")
    if request.node.get_closest_marker("mariadb") and not mariadb_reachable():
        _missing_service(f"needs MariaDB at {MARIADB_URL}")
    if request.node.get_closest_marker("imap"):
        request.getfixturevalue("imap_server")


@pytest.fixture(autouse=True)
def _default_language() -> Iterator[None]:
    """Each test starts and ends in the default language: a view or service that activates
    the subject's language in this thread must not change the next test's messages."""
    from django.utils import translation

    translation.activate(settings.LANGUAGE_CODE)
    yield
    translation.activate(settings.LANGUAGE_CODE)


@pytest.fixture(autouse=True)
def _test_settings(settings, tmp_path: Path) -> None:
    """Each test writes its files to its own folder, starts with an empty cache (rate limits,
    throttles and lockouts of one test must not spill into the next); passwords hash fast."""
    from django.core.cache import cache

    cache.clear()
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    default = settings.STORAGES["default"]
    if s3_configured() and s3_bucket_ready():
        # On the S3 leg each test has its own prefix in the bucket, as it has its own folder.
        options = dict(default.get("OPTIONS", {}))
        options["location"] = "/".join(
            part
            for part in (options.get("location", ""), f"t-{tmp_path.name}-{os.getpid()}")
            if part
        )
        default = {**default, "OPTIONS": options}
    settings.STORAGES = {
        **settings.STORAGES,
        "default": default,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }


def make_organization(**overrides: object) -> Organization:
    values = {
        "slug": "openmotics",
        "name": "OpenMotics",
        "legal_name": "OpenMotics BVBA",
        "street_address": "Hertstokweg 5",
        "postal_code": "1741",
        "city": "Ternat",
        "country": "BE",
        "company_number": "BE 0500.927.202",
        "time_zone": "Europe/Brussels",
        "default_language": "en",
        "offered_languages": ["en", "nl", "fr"],
        "reference_prefix": "OPM",
        "privacy_email": "privacy@openmotics.example",
    }
    # Four eyes on erasure is on by default (issue 18); tests that do not test it plan and
    # confirm alone (tests/dsr/fulfilment/test_four_eyes.py turns it on).
    values.setdefault("four_eyes_erasure", False)
    values.update(overrides)
    # The place letters are dated from, in each offered language (DSR issue 16).
    values.setdefault(
        "texts",
        {
            language: {"place": values["city"]}
            for language in values["offered_languages"]
            if language != values["default_language"]
        },
    )
    return Organization.objects.create(**values)


def make_user(email: str, organization: Organization | None, role: str = Role.OFFICER) -> User:
    user = User.objects.create_user(email, PASSWORD, full_name=email.split("@")[0].title())
    if organization is not None:
        Membership.objects.create(user=user, organization=organization, role=role)
    return user


@pytest.fixture
def organization(db) -> Organization:
    return make_organization()


@pytest.fixture
def other_organization(db) -> Organization:
    return make_organization(
        slug="maxem",
        name="Maxem",
        legal_name="Cohere Energy Solutions B.V.",
        street_address="Kanaalweg 17L-E",
        postal_code="3526 KL",
        city="Utrecht",
        country="NL",
        company_number="",
        time_zone="Europe/Amsterdam",
        default_language="nl",
        offered_languages=["nl", "en"],
        reference_prefix="MAX",
        privacy_email="privacy@maxem.example",
    )


@pytest.fixture
def officer(organization) -> User:
    return make_user("officer@openmotics.example", organization, Role.OFFICER)


@pytest.fixture
def viewer(organization) -> User:
    return make_user("viewer@openmotics.example", organization, Role.VIEWER)


@pytest.fixture
def manager(organization) -> User:
    return make_user("manager@openmotics.example", organization, Role.MANAGER)


@pytest.fixture
def outsider(other_organization) -> User:
    return make_user("officer@maxem.example", other_organization, Role.OFFICER)


@pytest.fixture
def officer_actor(officer) -> audit.Actor:
    return audit.Actor.for_user(officer)


RequestFactory = Callable[..., Request]


@pytest.fixture
def make_request(organization, officer) -> RequestFactory:
    """Register a request through the workflow, as an officer logging an e-mail request."""

    def factory(
        *,
        right: str = Right.ACCESS,
        channel: str = Channel.EMAIL,
        received_at: datetime | None = None,
        organization: Organization = organization,
        actor: audit.Actor | None = None,
        **fields: object,
    ) -> Request:
        values = {
            "subject_name": "Jan Peeters",
            "subject_email": "jan.peeters@example.com",
            "language": "nl",
        }
        values.update(fields)
        actor = actor or audit.Actor.for_user(officer)
        (request,) = workflow.submission_create(
            organization=organization,
            rights=[right],
            channel=channel,
            received_at=received_at,
            actor=actor,
            **values,
        )
        return request

    return factory


CHROMIUM = os.environ.get("DSR_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture
def foreign_requests() -> list[str]:
    """URLs of other hosts the browser tried to load (each was blocked)."""
    return []


@pytest.fixture
def browser_context(live_server, monkeypatch, foreign_requests) -> Iterator[object]:
    """Headless Debian Chromium driven by Playwright against the live test server.

    Any request to another host is blocked and recorded; the test fails if a page
    tried to load anything from a third party (fonts, scripts, analytics)."""
    from urllib.parse import urlsplit

    from playwright.sync_api import sync_playwright

    if not Path(CHROMIUM).exists():
        pytest.fail(
            f"Chromium not found at {CHROMIUM}: run `make setup` (apt-get install chromium)"
        )
    # Playwright's sync API runs an event loop in this thread; the ORM calls the test makes
    # between browser steps are still synchronous.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    own_host = urlsplit(live_server.url).netloc
    foreign = foreign_requests

    def guard(route) -> None:
        address = urlsplit(route.request.url)
        # The browser's own parts (its PDF viewer in a frame) are not another host.
        if address.netloc == own_host or address.scheme in ("chrome", "chrome-extension"):
            route.continue_()
        else:
            foreign.append(route.request.url)
            route.abort()

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
        )
        context = browser.new_context(base_url=live_server.url)
        context.set_default_timeout(10_000)
        context.route("**/*", guard)
        try:
            yield context
        finally:
            context.close()
            browser.close()
    assert foreign == [], f"pages loaded from another host: {foreign}"


@pytest.fixture
def page(browser_context) -> object:
    return browser_context.new_page()


@pytest.fixture
def celery_worker(transactional_db, tmp_path) -> Iterator[object]:
    """A real Celery worker (Celery's own test worker, in a thread) on the configured broker:
    the file-system transport on the embedded default, Redis when REDIS_URL is set.

    The product's Celery configuration is used as is, except that the file-system broker
    gets a folder of this test's own, so test runs side by side never take each other's
    messages. The tasks are shared tasks: they publish through the app made current here.
    """
    from celery import Celery
    from celery.contrib.testing.worker import start_worker

    import dsr.tasks  # noqa: F401  (the tasks, as the production worker's autodiscovery loads them)
    from config.celery import app as production_app

    app = Celery("dsr-test")
    app.config_from_object("django.conf:settings", namespace="CELERY")
    if settings.REDIS_URL:
        if not redis_reachable():
            _missing_service("the worker needs Redis at REDIS_URL")
    else:
        folders = {name: tmp_path / "broker" / name for name in ("queue", "processed", "control")}
        for folder in folders.values():
            folder.mkdir(parents=True)
        app.conf.broker_transport_options = {
            "data_folder_in": str(folders["queue"]),
            "data_folder_out": str(folders["queue"]),
            "processed_folder": str(folders["processed"]),
            "control_folder": str(folders["control"]),
            "store_processed": False,
        }
    app.set_current()
    try:
        app.control.purge()
        with start_worker(
            app, pool="solo", perform_ping_check=False, shutdown_timeout=30
        ) as worker:
            yield worker
    finally:
        production_app.set_current()


# --- desk sign-in: a verified (password + one-time code) session -----------------------------

# The RFC 6238 test key: codes can be computed by anyone who reads the test.
TOTP_TEST_KEY = "3132333435363738393031323334353637383930"


def enrol_totp(user: User) -> object:
    """Give `user` a confirmed authenticator-app device with the test key (idempotent)."""
    from django_otp.plugins.otp_totp.models import TOTPDevice

    device, _ = TOTPDevice.objects.get_or_create(
        user=user, confirmed=True, defaults={"key": TOTP_TEST_KEY, "name": "Authenticator app"}
    )
    return device


def totp_code(device: object) -> str:
    """The code the user's app shows right now, computed from the device's key."""
    from django_otp.oath import totp

    value = totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits)
    return f"{value:0{device.digits}d}"


@pytest.fixture
def desk_client(db) -> Callable[[User], object]:
    """`desk_client(user)`: a test Client signed in to the desk as `user`, two-factor
    verified (the session a real password + one-time code sign-in leaves behind)."""
    import time

    from django.test import Client
    from django_otp import DEVICE_ID_SESSION_KEY

    from accounts.middleware import LAST_ACTIVITY_KEY

    def sign_in(user: User, **client_options: object) -> Client:
        device = enrol_totp(user)
        client = Client(**client_options)
        client.force_login(user)
        session = client.session
        session[DEVICE_ID_SESSION_KEY] = device.persistent_id
        session[LAST_ACTIVITY_KEY] = int(time.time())
        session.save()
        return client

    return sign_in


@pytest.fixture
def desk_login(live_server) -> Callable[[object, User], None]:
    """`desk_login(page, user)`: sign in through the real pages in the browser — e-mail and
    password, then the one-time code computed from the user's device key."""
    from django_otp.plugins.otp_totp.models import TOTPDevice

    def sign_in(page: object, user: User) -> None:
        device = enrol_totp(user)
        # A code is accepted once per 30-second step; let a test sign in more than once.
        TOTPDevice.objects.filter(pk=device.pk).update(last_t=-1)
        page.goto("/accounts/login/")
        page.get_by_label("E-mail address").fill(user.email)
        page.get_by_label("Password").fill(PASSWORD)
        page.get_by_role("button", name="Continue").click()
        page.get_by_label("One-time code").fill(totp_code(device))
        page.get_by_role("button", name="Sign in").click()
        page.wait_for_url("**/desk/**")

    return sign_in
