"""Beat's task reaches the mailbox through a real worker: `dsr.tasks.mail_poll_all` hands one
`dsr.tasks.mail_poll` per enabled mailbox to the worker, which records and moves the mail."""

from __future__ import annotations

import pytest

from dsr.models import InboundMail
from tests.builders import wait_for
from tests.dsr.mail import mail_helpers as mails

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.imap]


def test_the_beat_task_polls_every_enabled_mailbox_in_the_worker(
    organization, imap_server, settings, celery_worker
):
    from dsr import tasks

    mailbox = mails.mailbox_for(organization, imap_server, settings)
    mails.append(imap_server, mailbox.folder, mails.plain(), mails.with_pdf())

    tasks.mail_poll_all.delay()

    wait_for(lambda: InboundMail.objects.count() == 2, timeout=60, what="two recorded mails")
    wait_for(
        lambda: mails.folder_count(imap_server, mailbox.processed_folder) == 2,
        timeout=30,
        what="both moved",
    )
    assert mails.folder_count(imap_server, mailbox.folder) == 0
