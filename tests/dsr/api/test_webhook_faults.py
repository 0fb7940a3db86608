"""Webhooks through faults (issue 17): the database dropping the connection after a POST
does not send the delivery twice, and the sweep takes a lost delivery within its interval."""

from __future__ import annotations

from datetime import timedelta
from unittest import mock

import psycopg
import pytest
from django.db import connection
from django.utils import timezone

from dsr import broker, tasks
from dsr.api import webhooks
from dsr.models import WebhookDelivery
from tests.builders import HookReceiver


@pytest.fixture
def local_hooks(settings):
    settings.WEBHOOKS_ALLOW_HTTP = True
    settings.EGRESS_ALLOW = ["127.0.0.1/32"]
    settings.WEBHOOK_RETRY_SECONDS = 0


def _terminate(pid: int) -> None:
    params = connection.settings_dict
    with psycopg.connect(
        host=params["HOST"] or "127.0.0.1",
        port=params["PORT"] or 5432,
        user=params["USER"],
        dbname=params["NAME"],
        autocommit=True,
    ) as other:
        other.execute("SELECT pg_terminate_backend(%s)", [pid])


def _delivery(organization, url: str) -> WebhookDelivery:
    endpoint, _ = webhooks.webhook_create(
        organization=organization, url=url, topics=["request.created"]
    )
    return WebhookDelivery.objects.create(endpoint=endpoint, topic="request.created", body="{}")


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_delivery_whose_outcome_cannot_be_recorded_is_not_sent_twice(organization, local_hooks):
    connection.ensure_connection()
    pid = connection.connection.info.backend_pid
    killed = []

    def drop_the_desks_connection() -> None:
        if not killed:  # the first POST: the desk's connection dies while it waits
            killed.append(pid)
            _terminate(pid)

    receiver = HookReceiver(on_post=drop_the_desks_connection)
    try:
        delivery = _delivery(organization, receiver.url)
        try:
            tasks.webhook_deliver.apply(args=[delivery.pk])
        finally:
            connection.close()
        # What beat does next: the sweep finds nothing left to send.
        tasks.webhook_sweep.apply(kwargs={"older_than_seconds": 0})
    finally:
        receiver.close()

    assert killed
    assert receiver.deliveries == {str(delivery.pk): 1}
    delivery.refresh_from_db()
    assert delivery.delivered_at is not None
    assert delivery.attempts == 1 and delivery.response_code == 204


@pytest.mark.django_db
def test_the_sweep_takes_a_lost_delivery_within_its_configured_interval(
    organization, local_hooks, settings
):
    settings.WEBHOOK_SWEEP_SECONDS = 60
    delivery = _delivery(organization, "http://127.0.0.1:9/")
    lost = timezone.now() - timedelta(seconds=61)
    WebhookDelivery.objects.filter(pk=delivery.pk).update(created_at=lost, next_attempt_at=lost)
    fresh = _delivery(organization, "http://127.0.0.1:9/")
    with mock.patch.object(tasks.webhook_deliver, "delay") as delay:
        assert tasks.webhook_sweep() == 1
    delay.assert_called_once_with(delivery.pk)
    assert fresh.pk != delivery.pk


@pytest.mark.django_db
def test_a_delivery_the_broker_did_not_take_is_swept_at_once(organization, local_hooks):
    """The broker was down when the delivery was made: the first sweep after it is back
    takes it, however young."""
    with mock.patch.object(broker, "unreachable", return_value=True):
        delivery = _delivery(organization, "http://127.0.0.1:9/")
        webhooks._enqueue(delivery.pk)
    with mock.patch.object(tasks.webhook_deliver, "delay") as delay:
        assert tasks.webhook_sweep() == 1
    delay.assert_called_once_with(delivery.pk)


def test_the_sweeps_run_at_once_when_the_broker_is_back(monkeypatch):
    """The first publish that succeeds after an outage sends every sweep beat runs, so the
    work that waited goes out now, not at the next beat."""
    sent = []
    monkeypatch.setattr(broker.current_app, "send_task", lambda name, *a, **k: sent.append(name))
    broker.reset()
    monkeypatch.setattr(broker, "_outage", True)  # a publish failed earlier in this process
    assert broker.enqueue("dsr.tasks.email_send", 1)
    assert sent[0] == "dsr.tasks.email_send"
    assert set(sent[1:]) >= {
        "dsr.tasks.email_sweep",
        "dsr.tasks.webhook_sweep",
        "dsr.tasks.letter_sweep",
        "dsr.tasks.job_sweep",
    }
    sent.clear()
    assert broker.enqueue("dsr.tasks.email_send", 2)
    assert sent == ["dsr.tasks.email_send"]  # once per outage
