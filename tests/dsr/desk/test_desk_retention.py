"""Managers see the last retention run and the next one (issue: clockwork)."""

from __future__ import annotations

from datetime import UTC, datetime

from dsr import retention
from dsr.retention import next_run

URL = "/desk/settings/retention/"


def test_manager_sees_the_last_run_with_its_counts_and_the_next_run(desk_client, manager,
                                                                     organization):  # fmt: skip
    page = desk_client(manager).get(URL).content.decode()
    assert "Not run yet." in page
    retention.run(organization)
    page = desk_client(manager).get(URL).content.decode()
    assert "0 identity documents destroyed, 0 unconfirmed requests withdrawn, 0 requests" in page
    assert 'id="next-run"' in page


def test_only_managers(desk_client, officer, viewer):
    assert desk_client(officer).get(URL).status_code == 403
    assert desk_client(viewer).get(URL).status_code == 403


def test_next_run_is_the_coming_half_past_three():
    assert next_run(datetime(2026, 11, 23, 1, 0, tzinfo=UTC)).hour == 3  # 02:00 Brussels
    later = next_run(datetime(2026, 11, 23, 12, 0, tzinfo=UTC))
    assert (later.day, later.hour, later.minute) == (24, 3, 30)


def test_next_run_follows_the_beat_schedule(settings):
    from celery.schedules import crontab

    settings.CELERY_BEAT_SCHEDULE = {
        **settings.CELERY_BEAT_SCHEDULE,
        "retention": {"task": "dsr.tasks.retention_run_all", "schedule": crontab(hour=5, minute=0)},
    }
    later = next_run(datetime(2026, 11, 23, 12, 0, tzinfo=UTC))
    assert (later.day, later.hour, later.minute) == (24, 5, 0)
