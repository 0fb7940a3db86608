"""Scale-out, shown working: two web processes, two workers and one beat, each a real process
on a DSR_VAR_DIR of its own, sharing nothing but PostgreSQL, Redis and the S3 bucket.

One request walks through them over HTTP: submitted with an identity document on web A's
public form; the document viewed by a signed-in officer on web B; a letter issued on B,
rendered by whichever worker takes it and downloaded from A; the letter queued for post on
A, merged into a print batch asked for on B, built by a worker and downloaded from A; the
subject's data package built by a worker and downloaded through B. Nothing is written to
any process's own disk: every file is in the bucket.

Service leg only (PostgreSQL, Redis and the S3 server). The processes run with DEBUG on so
that plain-HTTP cookies work and static files need no collectstatic; everything else is the
production configuration (gunicorn from the Procfile, `celery -A config worker/beat`).
"""

from __future__ import annotations

import io
import os
import re
import signal
import subprocess
import sys
import time
import zipfile
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import requests as http
from django.conf import settings
from django.core.files.storage import default_storage
from django.db import connection

from dsr import audit
from dsr.models import (
    AttachmentKind,
    DataPackage,
    EventKind,
    Letter,
    LetterStatus,
    OutboundEmail,
    PrintBatch,
    PrintBatchStatus,
    Request,
)
from tests.builders import png, verified
from tests.private_services import free_port

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.redis,
    pytest.mark.s3,
    pytest.mark.django_db(transaction=True),
]

BIN = Path(sys.executable).parent
FULFILMENT_HELPERS = Path(__file__).parent / "dsr" / "fulfilment"


def database_url() -> str:
    db = connection.settings_dict
    password = f":{db['PASSWORD']}" if db["PASSWORD"] else ""
    host = db["HOST"] or "127.0.0.1"
    return (
        f"postgres://{db['USER'] or 'postgres'}{password}@{host}:{db['PORT'] or 5432}/{db['NAME']}"
    )


class Process:
    def __init__(self, name: str, arguments: list[str], environment: dict, log: Path) -> None:
        self.name, self.log = name, log
        self._log_file = log.open("wb")
        self.popen = subprocess.Popen(
            arguments,
            cwd=settings.BASE_DIR,
            env=environment,
            stdout=self._log_file,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    def text(self) -> str:
        return self.log.read_text(errors="replace")

    def terminate(self) -> None:
        if self.popen.poll() is None:
            os.killpg(self.popen.pid, signal.SIGTERM)

    def stop(self) -> None:
        if self.popen.poll() is None:
            self.terminate()
            try:
                self.popen.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(self.popen.pid, signal.SIGKILL)
                self.popen.wait(timeout=10)
        self._log_file.close()


def wait(condition: Callable[[], object], what: str, timeout: float = 60.0) -> object:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.3)
    raise AssertionError(f"timed out waiting for {what}")


@pytest.fixture
def cluster(tmp_path, settings) -> Iterator[dict]:
    """Web A, web B, worker 1, worker 2 and beat, each with its own DSR_VAR_DIR."""
    from config.celery import app as production_app

    storage = settings.STORAGES["default"]
    options = storage.get("OPTIONS", {})
    sources = tmp_path / "sources"  # the controller's own system, outside every var dir
    sources.mkdir()
    settings.SQL_SOURCE_SQLITE_DIR = sources
    base = {
        **os.environ,
        "DEBUG": "true",
        "SECRET_KEY": settings.SECRET_KEY,
        "DSR_ENCRYPTION_KEYS": ",".join(settings.ENCRYPTION_KEYS),
        "DATABASE_URL": database_url(),
        "REDIS_URL": settings.REDIS_URL,
        # The processes share this test's own prefix of the bucket.
        "DSR_STORAGE_URL": f"s3://{options['bucket_name']}/{options.get('location', '')}",
        "DSR_INTAKE_POW_BITS": "8",
        "DSR_SQL_SOURCE_SQLITE_DIR": str(sources),
        "DSR_JOB_SWEEP_SECONDS": "5",
        "PYTHONUNBUFFERED": "1",
    }
    production_app.control.purge()  # nothing left over from earlier tests on this Redis
    processes: dict[str, Process] = {}
    ports = {}
    try:
        for name in ("web-a", "web-b"):
            var = tmp_path / name
            ports[name] = free_port()
            processes[name] = Process(
                name,
                [
                    str(BIN / "gunicorn"),
                    "config.wsgi",
                    "--bind",
                    f"127.0.0.1:{ports[name]}",
                    "--workers",
                    "1",
                    "--threads",
                    "4",
                ],
                {**base, "DSR_VAR_DIR": str(var)},
                tmp_path / f"{name}.log",
            )
        for name in ("worker-1", "worker-2"):
            processes[name] = Process(
                name,
                [
                    str(BIN / "celery"),
                    "-A",
                    "config",
                    "worker",
                    "--pool",
                    "solo",
                    "--loglevel",
                    "INFO",
                    "--hostname",
                    f"{name}@%h",
                    "--without-gossip",
                    "--without-mingle",
                ],
                {**base, "DSR_VAR_DIR": str(tmp_path / name)},
                tmp_path / f"{name}.log",
            )
        processes["beat"] = Process(
            "beat",
            [str(BIN / "celery"), "-A", "config", "beat", "--loglevel", "INFO"],
            {**base, "DSR_VAR_DIR": str(tmp_path / "beat")},
            tmp_path / "beat.log",
        )
        for name in ("web-a", "web-b"):
            url = f"http://127.0.0.1:{ports[name]}"

            def ready(url=url, name=name) -> bool:
                assert processes[name].popen.poll() is None, processes[name].text()[-3000:]
                try:
                    return http.get(f"{url}/readyz/", timeout=20).status_code == 200
                except http.RequestException:
                    return False

            wait(ready, f"{name} ready", timeout=60)
        for name in ("worker-1", "worker-2"):
            wait(lambda name=name: "ready." in processes[name].text(), f"{name} ready", 60)
        yield {
            "a": f"http://127.0.0.1:{ports['web-a']}",
            "b": f"http://127.0.0.1:{ports['web-b']}",
            "processes": processes,
            "var": {name: tmp_path / name for name in processes},
        }
    finally:
        for process in processes.values():  # all at once: each shutdown takes a moment
            process.terminate()
        for process in processes.values():
            process.stop()


def signed_in(desk_client, user, base_url: str) -> http.Session:
    """A browser session of `user` (password + one-time code done): the session lives in
    PostgreSQL, so the cookie works on every web process."""
    client = desk_client(user)
    session = http.Session()
    session.cookies.set(
        settings.SESSION_COOKIE_NAME, client.cookies[settings.SESSION_COOKIE_NAME].value
    )
    return session


def csrf(session: http.Session, url: str) -> str:
    page = session.get(url, timeout=30)
    assert page.status_code == 200, page.text[:500]
    return session.cookies["csrftoken"]


def pdf_text(content: bytes) -> str:
    from pypdf import PdfReader

    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)


def who_ran(cluster: dict, task: str) -> list[str]:
    return [
        name
        for name in ("worker-1", "worker-2")
        if re.search(
            rf"Task {re.escape(task)}\[[^\]]+\] succeeded", cluster["processes"][name].text()
        )
    ]


def test_one_request_through_two_webs_two_workers_and_a_bucket(
    cluster, organization, officer, desk_client
):
    sys.path.insert(0, str(FULFILMENT_HELPERS))
    from fulfilment_helpers import SUBJECT_NUMBER, platform_build, sql_source, sqlite_url, started

    a, b = cluster["a"], cluster["b"]
    organization.requires_identity_document = True
    organization.save()

    # 1. Submitted on web A, with an identity document, as a person's browser would.
    subject = http.Session()
    form = subject.get(f"{a}/{organization.slug}/request/", timeout=30)
    assert form.status_code == 200
    challenge = re.search(r'name="challenge" value="([^"]+)"', form.text).group(1)
    sys.path.insert(0, str(Path(__file__).parent / "dsr" / "intake"))
    from intake_helpers import solve

    answer = subject.post(
        f"{a}/{organization.slug}/request/",
        data={
            "lang": "en",
            "challenge": challenge,
            "pow_nonce": solve(challenge, 8),
            "rights": ["access"],
            "subject_name": "Jan Peeters",
            "subject_email": "Jan.Peeters@example.com",
            "subject_customer_number": SUBJECT_NUMBER,
            "answer_channel": "post",
            "subject_postal_address": "Kerkstraat 1\n9000 Gent",
            "description": "Everything about my gateway OM-1, please.",
            "fax": "",
        },
        files={"documents": ("id-card.png", png((300, 200)), "image/png")},
        timeout=60,
    )
    assert answer.status_code in (200, 302), answer.text[:1000]
    request = Request.objects.get(subject_email__iexact="jan.peeters@example.com")
    document = request.attachments.get(kind=AttachmentKind.IDENTITY_PROOF)
    assert default_storage.exists(document.file.name)  # in the bucket...
    assert not (cluster["var"]["web-a"] / "media").exists()  # ...not on web A's disk

    # 2. The identity document viewed on web B by a signed-in officer.
    officer_b = signed_in(desk_client, officer, b)
    shown = officer_b.get(f"{b}/desk/requests/{request.reference}/files/{document.pk}/", timeout=30)
    assert shown.status_code == 200, shown.text[:500]
    assert shown.content.startswith(b"\x89PNG")
    assert request.events.filter(kind=EventKind.ATTACHMENT_VIEWED).count() == 1

    # The subject confirms the address with the link from the mail (on web B this time).
    mail = OutboundEmail.objects.filter(template="intake_confirm").latest("pk")
    confirm = re.search(r"https?://[^/\s]+(/\S+/confirm/\S+/)", mail.text_body).group(1)
    assert subject.get(f"{b}{confirm}", timeout=30).status_code == 200
    assert subject.post(f"{b}{confirm}", data={"lang": "en"}, timeout=30).status_code == 200
    request.refresh_from_db()
    request = verified(request, audit.Actor.for_user(officer))

    # 3. A letter issued on web B, rendered by whichever worker takes it, downloaded from A.
    token = csrf(officer_b, f"{b}/desk/letters/request/{request.pk}/new/?kind=acknowledgement")
    issued = officer_b.post(
        f"{b}/desk/letters/request/{request.pk}/issue/",
        data={"kind": "acknowledgement", "csrfmiddlewaretoken": token},
        headers={"Referer": f"{b}/desk/"},
        allow_redirects=False,
        timeout=30,
    )
    assert issued.status_code == 302, issued.text[:1000]
    letter = Letter.objects.get(request=request)
    wait(
        lambda: Letter.objects.filter(pk=letter.pk, status=LetterStatus.READY).exists(),
        "the letter rendered",
        timeout=90,
    )
    renderers = who_ran(cluster, "dsr.tasks.letter_render")
    assert renderers, "no worker logged the letter's rendering"
    officer_a = signed_in(desk_client, officer, a)
    pdf = officer_a.get(f"{a}/desk/letters/{letter.pk}/download/", timeout=30)
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    assert request.reference in pdf_text(pdf.content)

    # 4. Queued for post on A, merged on a worker after B asks for the batch, downloaded on A.
    token_a = csrf(officer_a, f"{a}/desk/letters/request/{request.pk}/")
    queued = officer_a.post(
        f"{a}/desk/letters/{letter.pk}/post/",
        data={"csrfmiddlewaretoken": token_a},
        allow_redirects=False,
        timeout=30,
    )
    assert queued.status_code == 302, queued.text[:500]
    assert Letter.objects.get(pk=letter.pk).post_queued_at is not None
    token = csrf(officer_b, f"{b}/desk/print/")
    asked = officer_b.post(
        f"{b}/desk/print/",
        data={
            "organization": organization.pk,
            "letters": [letter.pk],
            "csrfmiddlewaretoken": token,
        },
        allow_redirects=False,
        timeout=30,
    )
    assert asked.status_code == 302, asked.text[:500]
    batch = PrintBatch.objects.get(organization=organization)
    wait(
        lambda: PrintBatch.objects.filter(pk=batch.pk, status=PrintBatchStatus.READY).exists(),
        "the print batch merged",
    )
    merged = officer_a.get(f"{a}/desk/print/{batch.pk}/download/", timeout=30)
    assert merged.status_code == 200 and merged.content.startswith(b"%PDF")
    assert request.reference in pdf_text(merged.content)
    mergers = who_ran(cluster, "dsr.tasks.print_batch_build")
    assert mergers and PrintBatch.objects.count() == 1

    # 5. The data package: built by the workers from the controller's system, downloaded by
    #    the subject through web B.
    platform = Path(settings.SQL_SOURCE_SQLITE_DIR) / "platform.sqlite3"
    platform_build(sqlite_url(platform))
    sql_source(organization, sqlite_url(platform))
    started(request, audit.Actor.for_user(officer))
    # The export waits in review (issue 18); the officer releases it on web A.
    from dsr.models import PackageReview, ReviewStatus

    review = wait(
        lambda: PackageReview.objects.filter(
            job__request=request, status=ReviewStatus.REVIEW
        ).first(),
        "the export waiting in review",
        timeout=90,
    )
    review_url = f"{a}/desk/fulfilment/requests/{request.pk}/review/"
    released = officer_a.post(
        f"{review_url}release/",
        data={"csrfmiddlewaretoken": csrf(officer_a, review_url)},
        allow_redirects=False,
        timeout=30,
    )
    assert released.status_code == 302, released.text[:500]
    review.refresh_from_db()
    assert review.status == ReviewStatus.RELEASED
    package = wait(
        lambda: DataPackage.objects.filter(request=request, deleted_at__isnull=True).first(),
        "the data package built",
        timeout=90,
    )
    request.refresh_from_db()
    download = subject.get(f"{b}/r/{request.public_token}/package/{package.token}/", timeout=60)
    assert download.status_code == 200, download.text[:500]
    archive = zipfile.ZipFile(io.BytesIO(download.content))
    assert "index.html" in archive.namelist() and "information.json" in archive.namelist()
    assert any(name.endswith(".csv") for name in archive.namelist())

    # Nothing landed on any process's own disk: every file is in the bucket.
    for name, var in cluster["var"].items():
        media = var / "media"
        assert not media.exists() or not any(media.rglob("*")), f"{name} wrote {media}"
    letter.refresh_from_db()
    assert letter.file.name and package.file.name
    for stored in (letter.file.name, package.file.name):
        assert default_storage.exists(stored)
    # The identity document was destroyed when identity was decided: gone from the bucket.
    assert not default_storage.exists(document.file.name)
    batch.refresh_from_db()
    assert default_storage.exists(batch.file.name)

    # Beat ran (once, in one process) and sent its sweeps to the shared broker.
    wait(
        lambda: "Sending due task" in cluster["processes"]["beat"].text(),
        "beat sending its first sweep",
        timeout=30,
    )
    # The export step and the package are built by the workers (the package by the task
    # the last step hands it to, or by that step's own task).
    packagers = sorted(
        set(who_ran(cluster, "dsr.tasks.job_step_run"))
        | set(who_ran(cluster, "dsr.tasks.job_package_create"))
    )
    assert packagers and DataPackage.objects.filter(request=request).count() == 1
    print("letter rendered by", renderers, "batch merged by", mergers, "package by", packagers)
