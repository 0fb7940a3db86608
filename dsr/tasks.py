"""Thin Celery tasks: load by id, call a plain function, retry on failure."""

from __future__ import annotations

import logging

from celery import shared_task

from accounts.models import Organization
from dsr import audit

log = logging.getLogger(__name__)


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
    from dsr import emails

    try:
        emails.email_send(email_id)
    except Exception as exc:
        raise self.retry(exc=exc, countdown=min(3600, 30 * 2**self.request.retries)) from exc


@shared_task
def email_sweep(older_than_seconds: int = 300) -> int:
    """Re-enqueue mails whose task was lost (broker restarted, message dropped)."""
    from datetime import timedelta

    from dsr import emails

    count = 0
    unsent = emails.unsent(older_than=timedelta(seconds=older_than_seconds))
    for email_id in unsent.values_list("pk", flat=True)[:500]:
        email_send.delay(email_id)
        count += 1
    return count


@shared_task
def reminder_sweep() -> int:
    """Every 15 minutes: deadline reminders, each (request, threshold) once."""
    from dsr import reminders

    return reminders.sweep()


@shared_task
def digest_all() -> None:
    """Every morning: one digest task per officer who has not opted out."""
    from dsr import reminders

    for user_id in reminders.digest_recipients().values_list("pk", flat=True):
        digest_send.delay(user_id)


@shared_task
def digest_send(user_id: int) -> bool:
    from accounts.models import User
    from dsr import reminders

    user = User.objects.filter(pk=user_id, is_active=True).first()
    return bool(user) and reminders.digest_send(user)


@shared_task
def retention_run_all() -> None:
    """Daily: one retention run per organisation."""
    for organization_id in Organization.objects.values_list("pk", flat=True):
        retention_run.delay(organization_id)


@shared_task
def retention_run(organization_id: int) -> dict:
    from dataclasses import asdict

    from dsr import retention

    return asdict(retention.run(Organization.objects.get(pk=organization_id)))
