"""Thin Celery tasks: load by id, call a plain function, retry on failure.

An entry point, like a view: it imports the services, and no service imports it. Services
hand work over by task name (`broker.enqueue("dsr.tasks.letter_render", letter_id)`); each
task's name is `dsr.tasks.<function>`, and tests/dsr/test_task_names.py checks that every
name enqueued in the code is one of these.
"""

from __future__ import annotations

import logging
from dataclasses import asdict
from datetime import timedelta

from celery import shared_task
from celery.signals import task_prerun
from django.db import close_old_connections

from accounts.models import Organization, User
from dsr import audit, broker, emails, reminders, retention, storage
from dsr.api import webhooks
from dsr.desk.reports import exports
from dsr.fulfilment import delivery, runner
from dsr.intake import services as intake_services
from dsr.letters import printing
from dsr.letters import services as letter_services

log = logging.getLogger(__name__)
# A database that dropped the connection is usually back within seconds (a restart).
DATABASE_RETRY_SECONDS = 5


@task_prerun.connect(dispatch_uid="dsr_broker_reachable")
def _broker_reachable(**kwargs: object) -> None:
    """A task that arrived came through the broker: stop skipping it (dsr/broker.py), so a
    sweep enqueues what it finds at once instead of leaving it for the next sweep."""
    broker.reset()


@shared_task(autoretry_for=(ConnectionError,), retry_backoff=True, max_retries=5)
def audit_verify(organization_id: int) -> bool:
    organization = Organization.objects.get(pk=organization_id)
    result = audit.verify_and_store(organization)
    if not result.ok:
        log.error("audit chain broken: %s", result)
    return result.ok


@shared_task
def audit_verify_all() -> None:
    """Daily from beat: verify every organisation's chain, one task each."""
    for organization_id in Organization.objects.values_list("pk", flat=True):
        audit_verify.delay(organization_id)


@shared_task(bind=True, max_retries=8)
def email_send(self, email_id: int) -> None:
    try:
        emails.email_send(email_id)
    except Exception as exc:
        raise self.retry(exc=exc, countdown=min(3600, 30 * 2**self.request.retries)) from exc


@shared_task
def email_sweep(older_than_seconds: int = 300) -> int:
    """Re-enqueue mails whose task was lost (broker restarted, message dropped)."""
    count = 0
    unsent = emails.unsent(older_than=timedelta(seconds=older_than_seconds))
    for email_id in unsent.values_list("pk", flat=True)[:500]:
        email_send.delay(email_id)
        count += 1
    return count


@shared_task
def reminder_sweep() -> int:
    """Every 15 minutes: deadline reminders, each (request, threshold) once."""
    return reminders.sweep()


@shared_task
def digest_all() -> None:
    """Every morning: one digest task per officer who has not opted out."""
    for user_id in reminders.digest_recipients().values_list("pk", flat=True):
        digest_send.delay(user_id)


@shared_task
def digest_send(user_id: int) -> bool:
    user = User.objects.filter(pk=user_id, is_active=True).first()
    return bool(user) and reminders.digest_send(user)


@shared_task
def retention_run_all() -> None:
    """Daily: one retention run per organisation."""
    for organization_id in Organization.objects.values_list("pk", flat=True):
        retention_run.delay(organization_id)


@shared_task
def retention_run(organization_id: int) -> dict:
    return asdict(retention.run(Organization.objects.get(pk=organization_id)))


@shared_task
def intake_withdraw_unconfirmed() -> int:
    """Hourly from beat: withdraw web requests nobody confirmed within 14 days."""
    return intake_services.unconfirmed_withdraw()


@shared_task(bind=True, max_retries=5)
def letter_render(self, letter_id: int) -> str:
    """Render and sign one letter. A time-stamp authority or storage that is down is
    retried with back-off; anything else (a bug, a broken certificate) fails the letter
    at once, so the officer sees it and can render it again."""
    try:
        return letter_services.letter_render(letter_id)
    except letter_services.transient_errors() as exc:
        if self.request.retries < self.max_retries:
            raise self.retry(exc=exc, countdown=min(600, 15 * 2**self.request.retries)) from exc
        if storage.bucket_unavailable(exc):
            # Still rendering: letter_sweep enqueues it again until the storage answers.
            log.warning("letter %s waits for the storage: %s", letter_id, exc)
            return "waiting"
        letter_services.letter_mark_failed(
            letter_id=letter_id, error=f"{type(exc).__name__}: {exc}"
        )
        return "failed"
    except Exception as exc:
        log.exception("letter %s could not be rendered", letter_id)
        letter_services.letter_mark_failed(
            letter_id=letter_id, error=f"{type(exc).__name__}: {exc}"
        )
        return "failed"


@shared_task
def print_batch_build(batch_id: int) -> str:
    return printing.print_batch_build(batch_id)


@shared_task
def letter_sweep(older_than_seconds: int = 300) -> int:
    """Re-enqueue letters and print batches whose task was lost (broker restarted)."""
    count = 0
    lost = letter_services.letters_lost(older_than=timedelta(seconds=older_than_seconds))
    for letter_id in lost.values_list("pk", flat=True)[:200]:
        letter_render.delay(letter_id)
        count += 1
    for batch_id in printing.batches_lost().values_list("pk", flat=True)[:20]:
        print_batch_build.delay(batch_id)
        count += 1
    return count


# --- Fulfilment (dsr/fulfilment/runner.py, delivery.py) ---------------------------------------


@shared_task(bind=True, acks_late=True, max_retries=None)
def job_step_run(self, step_id: int) -> None:
    """One attempt at a fulfilment step; the step's row says what is left to do, how often
    it was tried and when to try again (back-off, or the next poll of a 202 answer)."""
    again_in = runner.step_run(step_id=step_id)
    if again_in is not None:
        raise self.retry(countdown=again_in)


@shared_task(acks_late=True)
def job_package_create(job_id: int) -> None:
    delivery.package_create(job_id=job_id)


@shared_task
def job_sweep() -> int:
    """Every minute from beat: steps and packages whose lease ran out are enqueued again."""
    return runner.steps_requeue_lost()


@shared_task
def package_purge() -> int:
    """Hourly: delete data packages that expired or were downloaded as often as allowed."""
    return delivery.packages_purge()


@shared_task(bind=True, max_retries=8)
def webhook_deliver(self, delivery_id: int, outcome: dict | None = None) -> None:
    """POST one webhook delivery; retry with back-off until delivered or given up.

    A database that drops the connection is retried too, on a new connection: before the
    POST nothing was sent; after it, the retry carries the POST's `outcome` and only
    records it, so the receiver is not sent the delivery again."""
    try:
        if outcome is not None:
            done = webhooks.outcome_record(delivery_id, **outcome)
        else:
            done = webhooks.deliver(delivery_id)
    except webhooks.OutcomeNotRecorded as lost:
        close_old_connections()
        raise self.retry(
            kwargs={"outcome": lost.outcome}, countdown=DATABASE_RETRY_SECONDS
        ) from lost
    except webhooks.DATABASE_ERRORS as exc:
        close_old_connections()
        raise self.retry(exc=exc, countdown=DATABASE_RETRY_SECONDS) from exc
    if not done:
        raise self.retry(countdown=webhooks.retry_in(self.request.retries + 1))


@shared_task
def webhook_sweep(older_than_seconds: int | None = None) -> int:
    """Re-enqueue deliveries whose task was lost: the broker never took it, or its attempt
    is overdue by a sweep interval (settings.WEBHOOK_SWEEP_SECONDS). A delivery another
    worker is at is not sent twice (the attempt is claimed); receivers dedupe on
    X-DSR-Delivery all the same."""
    delivery_ids = webhooks.lost_take(older_than_seconds)
    for delivery_id in delivery_ids:
        webhook_deliver.delay(delivery_id)
    return len(delivery_ids)


# --- The signed register PDF (dsr/desk/reports/exports.py) -------------------------------------


@shared_task(bind=True, max_retries=5)
def register_export_build(self, export_id: int) -> str:
    """Lay out, sign and store one register. A time-stamp authority or storage that is down
    is retried with back-off; anything else fails the export, and the page says so."""
    try:
        return exports.register_export_build(export_id)
    except letter_services.transient_errors() as exc:
        if self.request.retries < self.max_retries:
            raise self.retry(exc=exc, countdown=min(600, 15 * 2**self.request.retries)) from exc
        if storage.bucket_unavailable(exc):
            # Still being built: register_export_sweep enqueues it again later.
            log.warning("register export %s waits for the storage: %s", export_id, exc)
            return "waiting"
        message = exports.failure_message(exc, transient=True)
    except Exception as exc:
        log.exception("register export %s could not be built", export_id)
        message = exports.failure_message(exc, transient=False)
    exports.register_export_mark_failed(export_id=export_id, error=message)
    return "failed"


@shared_task(bind=True, max_retries=48)
def storage_delete(self, name: str) -> None:
    """Delete a stored file the service could not delete while the storage was down
    (dsr/fulfilment/streams.storage_delete); retried with back-off for about a day."""
    from django.core.files.storage import default_storage

    try:
        default_storage.delete(name)
    except Exception as exc:
        if not storage.unavailable(exc):
            raise
        raise self.retry(exc=exc, countdown=min(1800, 30 * 2**self.request.retries)) from exc


@shared_task
def register_export_sweep(older_than_seconds: int = 900) -> int:
    """Re-enqueue register exports whose task was lost (broker restarted, message dropped);
    15 minutes: longer than the build's retries with back-off take (about 8 minutes)."""
    count = 0
    lost = exports.exports_lost(older_than=timedelta(seconds=older_than_seconds))
    for export_id in lost.values_list("pk", flat=True)[:20]:
        broker.enqueue("dsr.tasks.register_export_build", export_id)
        count += 1
    return count


# -- the e-mail channel (docs/EMAIL.md)


@shared_task
def mail_poll_all() -> None:
    """From beat: one `mail_poll` task per enabled mailbox."""
    from dsr.models import Mailbox

    for mailbox_id in Mailbox.objects.filter(enabled=True).values_list("pk", flat=True):
        mail_poll.delay(mailbox_id)


@shared_task
def mail_poll(mailbox_id: int) -> None:
    """Read one mailbox; a failure is recorded on the mailbox and the next beat tries again.
    A cache lock keeps two polls of one mailbox from running at once (both would be
    correct, by the database constraints, but the second would only repeat the first)."""
    from django.core.cache import cache

    from dsr.mail.imap import MailboxError, mailbox_poll
    from dsr.models import Mailbox

    mailbox = Mailbox.objects.filter(pk=mailbox_id, enabled=True).select_related("organization")
    mailbox = mailbox.first()
    if mailbox is None:
        return
    lock = f"mail:poll:{mailbox_id}"
    if not cache.add(lock, "1", timeout=15 * 60):
        return
    try:
        mailbox_poll(mailbox)
    except MailboxError as error:
        log.warning("mailbox %s: %s", mailbox_id, error)
    finally:
        cache.delete(lock)
