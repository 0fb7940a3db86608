"""The poll killed mid-way (SIGKILL of a real process between recording messages and
moving them to the processed folder): afterwards every message is recorded exactly once.

The process is `manage.py mail_poll`, what the worker's task runs, against this test's
database and the session's Dovecot."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.db import connection

from dsr.models import InboundMail, InboundStatus
from tests.dsr.mail import mail_helpers as mails

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.imap]

ROOT = Path(__file__).resolve().parents[3]
MESSAGES = 300


def _database_url() -> str:
    database = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{database['NAME']}"
    password = f":{database['PASSWORD']}" if database.get("PASSWORD") else ""
    return (
        f"postgresql://{database['USER']}{password}@{database['HOST'] or '127.0.0.1'}:"
        f"{database['PORT'] or 5432}/{database['NAME']}"
    )


def _poll(tmp_path: Path, server) -> subprocess.Popen:
    environment = {
        **os.environ,
        "DATABASE_URL": _database_url(),
        "DSR_VAR_DIR": str(tmp_path / "var"),
        "DSR_EGRESS_ALLOW": "127.0.0.0/8,::1/128",
        "DSR_EGRESS_CA_FILE": server.ca_file,
        "CONN_MAX_AGE": "0",
    }
    return subprocess.Popen(
        [sys.executable, "manage.py", "mail_poll", "--organization", "openmotics"],
        cwd=ROOT,
        env=environment,
        stdout=subprocess.DEVNULL,
        stderr=open(tmp_path / "poll.log", "ab"),
        start_new_session=True,
    )


def test_a_poll_killed_between_recording_and_moving_loses_and_duplicates_nothing(
    tmp_path, organization, imap_server, settings
):
    mailbox = mails.mailbox_for(organization, imap_server, settings)
    mails.append(
        imap_server,
        mailbox.folder,
        *(
            mails.plain(subject=f"Verzoek {number}", body=f"Inzage, verzoek nummer {number}.")
            for number in range(MESSAGES)
        ),
    )

    first = _poll(tmp_path, imap_server)
    deadline = time.monotonic() + 120
    while InboundMail.objects.count() < 30:
        assert first.poll() is None, (tmp_path / "poll.log").read_text()
        assert time.monotonic() < deadline, "the poll recorded nothing in time"
        time.sleep(0.02)
    os.killpg(first.pid, signal.SIGKILL)
    first.wait(timeout=30)

    recorded = InboundMail.objects.count()
    moved = mails.folder_count(imap_server, mailbox.processed_folder)
    # Killed mid-way, inside the crash window: messages recorded but not moved yet.
    assert recorded < MESSAGES and moved < recorded, (recorded, moved)

    second = _poll(tmp_path, imap_server)
    assert second.wait(timeout=300) == 0, (tmp_path / "poll.log").read_text()

    assert InboundMail.objects.count() == MESSAGES
    assert InboundMail.objects.filter(status=InboundStatus.NEW).count() == MESSAGES
    subjects = set(InboundMail.objects.values_list("subject", flat=True))
    assert subjects == {f"Verzoek {number}" for number in range(MESSAGES)}
    assert mails.folder_count(imap_server, mailbox.folder) == 0
    assert mails.folder_count(imap_server, mailbox.processed_folder) == MESSAGES
