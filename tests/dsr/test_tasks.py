"""Celery tasks run by a real worker on the configured broker (file system, or Redis)."""

from __future__ import annotations

import pytest
from django.db import connection

from dsr import tasks
from dsr.models import AuditHead
from tests.builders import wait_for

pytestmark = pytest.mark.django_db(transaction=True)


def test_worker_verifies_every_chain_and_records_a_break(
    celery_worker, make_request, organization, other_organization
):
    make_request()
    make_request()
    tasks.audit_verify_all.delay()

    def verified() -> bool:
        return AuditHead.objects.filter(
            organization=organization, verified_at__isnull=False
        ).exists()

    wait_for(verified)
    head = AuditHead.objects.get(organization=organization)
    assert head.verified_sequence == 2
    assert head.verification_error == ""

    with connection.cursor() as cursor:
        cursor.execute("UPDATE dsr_event SET kind = 'request.note' WHERE sequence = 2")
    tasks.audit_verify.delay(organization.pk)
    wait_for(lambda: AuditHead.objects.get(organization=organization).verification_error != "")
    head = AuditHead.objects.get(organization=organization)
    assert "event #2" in head.verification_error
    assert head.verified_sequence == 1


@pytest.mark.redis
def test_the_redis_leg_really_sends_tasks_through_redis(settings):
    import redis

    from config.celery import app

    with app.connection_for_write() as conn:
        assert conn.transport.driver_type == "redis"
    client = redis.Redis.from_url(settings.REDIS_URL)
    queue = "dsr-test-probe"
    client.delete(queue)
    tasks.audit_verify.apply_async(args=[0], queue=queue)
    assert client.llen(queue) == 1
    client.delete(queue)
