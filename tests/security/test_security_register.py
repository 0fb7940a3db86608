"""The signed register PDF (issue 14, item 8): a viewer cannot make the web process lay out,
sign and time-stamp a PDF, nor call the organisation's time-stamp authority, by repeating a
GET. A POST asks for the register of a period; the worker builds, signs and stores it
encrypted; the same period asked again while it is being built or after it was built today
is not built again; the file is a plain download, recorded per download; another
organisation's member gets a 404; the sweep re-enqueues a lost task; retention removes the
file after a week.

The worker's task is called in-process, as the other worker tests do."""

from __future__ import annotations

import io
import socket
import threading
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.core.files.storage import default_storage
from django.urls import reverse
from pypdf import PdfReader

from accounts.models import Role
from dsr import broker, retention
from dsr.desk.reports import register
from dsr.models import Event, EventKind
from tests.builders import organization_signed
from tests.conftest import make_user

pytestmark = pytest.mark.django_db

PASSWORD = "register-security-password"
PERIOD = {"start": "2026-11-01", "end": "2026-11-30"}
RECEIVED = datetime(2026, 11, 10, 9, tzinfo=UTC)


class CountingServer:
    """A TCP server on 127.0.0.1 that counts the connections reaching it and closes them."""

    def __init__(self) -> None:
        self.connections = 0
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.sock.settimeout(0.2)
        self.running = True
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.sock.getsockname()[1]}/"

    def _serve(self) -> None:
        while self.running:
            try:
                conn, _address = self.sock.accept()
            except (TimeoutError, OSError):
                continue
            self.connections += 1
            conn.close()

    def close(self) -> None:
        self.running = False
        self.thread.join(2)
        self.sock.close()


@pytest.fixture
def tsa():
    server = CountingServer()
    yield server
    server.close()


@pytest.fixture
def requests_in_period(make_request):
    with time_machine.travel(RECEIVED, tick=False):
        return [make_request(received_at=RECEIVED) for _ in range(3)]


@pytest.fixture
def signed(organization, manager):
    return organization_signed(
        organization, manager, password=PASSWORD, common_name="OpenMotics register"
    )


@pytest.fixture
def builds(monkeypatch) -> list[int]:
    """Counts the registers laid out (WeasyPrint + signature), wherever it happens."""
    made: list[int] = []
    original = register.register_pdf

    def counting(*args, **kwargs):
        made.append(1)
        return original(*args, **kwargs)

    monkeypatch.setattr(register, "register_pdf", counting)
    return made


@pytest.fixture
def enqueued(monkeypatch) -> list[tuple]:
    """What was handed to the broker (the on-commit callbacks run in the test)."""
    sent: list[tuple] = []
    monkeypatch.setattr(
        broker, "enqueue", lambda task_name, *args, **kwargs: sent.append((task_name, args)) or True
    )
    return sent


def _ask(client, capture, **period):
    with capture(execute=True):
        return client.post(reverse("desk:reports_register_pdf"), {**PERIOD, **period})


def _build_all() -> None:
    from dsr import tasks
    from dsr.models import RegisterExport

    for export_id in RegisterExport.objects.filter(built_at__isnull=True).values_list(
        "pk", flat=True
    ):
        tasks.register_export_build.apply(args=[export_id]).get()


def _download_url(export) -> str:
    return reverse("desk:reports_register_download", args=[export.pk])


def _text(pdf: bytes) -> str:
    return " ".join(
        " ".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages).split()
    )


def test_a_viewers_repeated_get_builds_nothing_and_calls_nobody(
    requests_in_period, signed, tsa, builds, desk_client, viewer
):
    signed.timestamp_url = tsa.url
    signed.save(update_fields=["timestamp_url"])
    client = desk_client(viewer)
    for _ in range(5):
        response = client.get(reverse("desk:reports_register_pdf"), PERIOD)
        assert response.status_code == 405
        assert response["Content-Type"] != "application/pdf"
    assert builds == []
    assert tsa.connections == 0
    assert not Event.objects.filter(kind=EventKind.REGISTER_EXPORTED).exists()


def test_asking_twice_builds_once(
    requests_in_period, builds, enqueued, desk_client, viewer, officer,
    django_capture_on_commit_callbacks,
):  # fmt: skip
    from dsr.models import RegisterExport

    first = _ask(desk_client(viewer), django_capture_on_commit_callbacks)
    again = _ask(desk_client(viewer), django_capture_on_commit_callbacks)
    other = _ask(desk_client(officer), django_capture_on_commit_callbacks)
    for response in (first, again, other):
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("desk:reports"))
    (export,) = RegisterExport.objects.all()
    assert export.requested_by == viewer
    assert enqueued == [("dsr.tasks.register_export_build", (export.pk,))]
    assert builds == []  # nothing laid out in the web process
    _build_all()
    assert builds == [1]
    _ask(desk_client(officer), django_capture_on_commit_callbacks)  # later the same day
    assert RegisterExport.objects.count() == 1 and len(enqueued) == 1
    _build_all()
    assert builds == [1]


def test_the_post_needs_the_csrf_token(requests_in_period, desk_client, viewer):
    from dsr.models import RegisterExport

    client = desk_client(viewer, enforce_csrf_checks=True)
    response = client.post(reverse("desk:reports_register_pdf"), PERIOD)
    assert response.status_code == 403
    assert not RegisterExport.objects.exists()


def test_the_page_says_being_prepared_then_links_the_download(
    requests_in_period, signed, desk_client, viewer, enqueued,
    django_capture_on_commit_callbacks,
):  # fmt: skip
    from dsr.models import RegisterExport

    client = desk_client(viewer)
    _ask(client, django_capture_on_commit_callbacks)
    page = client.get(reverse("desk:reports"), PERIOD).content.decode()
    assert "being prepared" in page
    export = RegisterExport.objects.get()
    assert _download_url(export) not in page
    assert client.get(_download_url(export)).status_code == 404  # not built yet
    _build_all()
    export.refresh_from_db()
    page = client.get(reverse("desk:reports"), PERIOD).content.decode()
    assert _download_url(export) in page

    response = client.get(_download_url(export))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert "attachment" in response["Content-Disposition"]
    pdf = response.content
    text = _text(pdf)
    assert "Register of data-subject requests, 2026-11-01 to 2026-11-30" in text
    for request in requests_in_period:
        assert request.reference in text
    assert "Digitally signed (PAdES)" in text
    assert "Jan Peeters" not in text
    # Stored encrypted: the file in storage is not the PDF.
    with default_storage.open(export.file.name, "rb") as handle:
        assert not handle.read().startswith(b"%PDF")

    client.get(_download_url(export))
    downloads = Event.objects.filter(kind=EventKind.REGISTER_EXPORTED)
    assert downloads.count() == 2
    assert {event.data["sha256"] for event in downloads} == {export.sha256}
    assert all(event.actor_user == viewer for event in downloads)
    assert downloads.first().data["format"] == "pdf" and downloads.first().data["requests"] == 3


def test_an_outsider_gets_a_404_for_the_export(
    requests_in_period, desk_client, viewer, outsider, enqueued,
    django_capture_on_commit_callbacks,
):  # fmt: skip
    from dsr.models import RegisterExport

    _ask(desk_client(viewer), django_capture_on_commit_callbacks)
    _build_all()
    export = RegisterExport.objects.get()
    assert desk_client(outsider).get(_download_url(export)).status_code == 404
    assert not Event.objects.filter(kind=EventKind.REGISTER_EXPORTED).exists()


def test_the_organisation_cannot_be_made_to_build_many_at_once(
    requests_in_period, desk_client, viewer, enqueued, django_capture_on_commit_callbacks
):
    from dsr.models import RegisterExport

    client = desk_client(viewer)
    for day in range(1, 8):
        _ask(client, django_capture_on_commit_callbacks, start=f"2026-11-{day:02d}")
    building = RegisterExport.objects.filter(built_at__isnull=True).count()
    assert building == len(enqueued) <= 3


def test_the_sweep_enqueues_an_export_whose_task_was_lost(
    requests_in_period, desk_client, viewer, enqueued, django_capture_on_commit_callbacks
):
    from django.conf import settings

    from dsr import tasks
    from dsr.models import RegisterExport

    beat = settings.CELERY_BEAT_SCHEDULE["build-lost-register-exports"]
    assert beat["task"] == "dsr.tasks.register_export_sweep"
    _ask(desk_client(viewer), django_capture_on_commit_callbacks)
    export = RegisterExport.objects.get()
    assert tasks.register_export_sweep() == 0  # not lost yet
    with time_machine.travel(timezone_now() + timedelta(minutes=10)):
        assert tasks.register_export_sweep() == 0  # perhaps retrying with back-off
    with time_machine.travel(timezone_now() + timedelta(minutes=20)):
        assert tasks.register_export_sweep() == 1
    assert enqueued[-1] == ("dsr.tasks.register_export_build", (export.pk,))
    _build_all()
    with time_machine.travel(timezone_now() + timedelta(minutes=20)):
        assert tasks.register_export_sweep() == 0


def test_retention_removes_the_file_after_a_week(
    requests_in_period, organization, desk_client, viewer, enqueued,
    django_capture_on_commit_callbacks,
):  # fmt: skip
    from dsr.models import RegisterExport

    client = desk_client(viewer)
    _ask(client, django_capture_on_commit_callbacks)
    _build_all()
    export = RegisterExport.objects.get()
    name = export.file.name
    assert default_storage.exists(name)
    with django_capture_on_commit_callbacks(execute=True):
        retention.run(organization, now=timezone_now() + timedelta(days=6))
    assert default_storage.exists(name)
    with django_capture_on_commit_callbacks(execute=True):
        counts = retention.run(organization, now=timezone_now() + timedelta(days=8))
    assert counts.register_exports_cleared == 1
    assert not default_storage.exists(name)
    export.refresh_from_db()
    assert not export.file and export.sha256  # the row and its hash stay
    assert client.get(_download_url(export)).status_code == 410


def test_a_member_removed_meanwhile_cannot_download(
    requests_in_period, organization, desk_client, enqueued, django_capture_on_commit_callbacks
):
    from accounts.models import Membership
    from dsr.models import RegisterExport

    leaver = make_user("leaver@openmotics.example", organization, Role.VIEWER)
    client = desk_client(leaver)
    _ask(client, django_capture_on_commit_callbacks)
    _build_all()
    Membership.objects.filter(user=leaver).delete()
    assert client.get(_download_url(RegisterExport.objects.get())).status_code == 403


def timezone_now() -> datetime:
    from django.utils import timezone

    return timezone.now()
