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
def email_sweep() -> int:
    """Re-enqueue mails whose task was lost (broker restarted, message dropped)."""
    from dsr import emails

    count = 0
    for email_id in emails.unsent().values_list("pk", flat=True)[:500]:
        email_send.delay(email_id)
        count += 1
    return count
