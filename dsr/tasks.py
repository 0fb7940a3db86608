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
