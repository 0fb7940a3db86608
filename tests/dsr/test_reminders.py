"""dsr/reminders.py: deadline reminders once per threshold, escalation, the morning digest."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, date, datetime, timedelta

import pytest
import time_machine
from django.db import connection

from dsr import audit, emails, reminders, workflow
from dsr.models import EventKind, EvidenceKind, OutboundEmail, Reminder, Request

# Received Monday 2 March 2026 (Brussels): due Thursday 2 April 2026, no holiday in between.
RECEIVED = datetime(2026, 3, 2, 9, tzinfo=UTC)
DUE = date(2026, 4, 2)


def at_local(day: date, hour: int = 9) -> datetime:
    """A moment on `day` in Brussels (CET/CEST)."""
    return datetime(day.year, day.month, day.day, hour - 2, tzinfo=UTC)  # CEST in April


def mails(template: str = "deadline_reminder") -> list[OutboundEmail]:
    return list(OutboundEmail.objects.filter(template=template).order_by("pk"))


@pytest.fixture
def running(make_request, officer, officer_actor):
    with time_machine.travel(RECEIVED, tick=False):
        request = make_request(received_at=RECEIVED)
        request = workflow.request_assign(request=request, assignee=officer, actor=officer_actor)
        request = workflow.identity_decide(
            request=request,
            verified=True,
            evidence=EvidenceKind.EMAIL_MATCHES_RECORD,
            actor=officer_actor,
        )
    assert request.effective_due_date == DUE
    return request


def sweep_on(day: date) -> int:
    moment = at_local(day)
    with time_machine.travel(moment, tick=False):
        return reminders.sweep(now=moment)


def test_the_four_thresholds_each_once(running, officer, manager):
    assert sweep_on(DUE - timedelta(days=8)) == 0
    assert sweep_on(DUE - timedelta(days=7)) == 1
    assert sweep_on(DUE - timedelta(days=6)) == 0  # 7-day reminder not repeated
    assert sweep_on(DUE - timedelta(days=2)) == 1
    assert sweep_on(DUE) == 1
    assert sweep_on(DUE) == 0
    assert sweep_on(DUE + timedelta(days=1)) == 1
    assert sweep_on(DUE + timedelta(days=5)) == 0
    thresholds = list(Reminder.objects.filter(request=running).values_list("threshold", flat=True))
    assert sorted(thresholds) == ["days:0", "days:2", "days:7", "overdue"]
    sent = mails()
    # The assignee gets each; the overdue one also goes to the manager.
    assert [m.to for m in sent[:3]] == [officer.email] * 3
    assert {m.to for m in sent[3:]} == {officer.email, manager.email}
    assert "7 days left" in sent[0].subject and running.reference in sent[0].subject
    assert "2 days left" in sent[1].subject
    assert "Due today" in sent[2].subject
    assert all("Overdue" in m.subject for m in sent[3:])
    assert running.events.filter(kind=EventKind.REMINDER_SENT).count() == 4
    assert audit.verify(running.organization).ok


def test_seven_day_reminder_proposes_an_extension_in_time(running):
    sweep_on(DUE - timedelta(days=7))
    (mail,) = mails()
    assert "extend it by two months" in mail.text_body
    assert "within 7 days" in mail.text_body


def test_no_extension_hint_once_extended(running, officer_actor):
    with time_machine.travel(at_local(date(2026, 3, 10)), tick=False):
        request = workflow.request_extend(request=running, reason="Complex", actor=officer_actor)
    sweep_on(request.effective_due_date - timedelta(days=7))
    (mail,) = mails()
    assert "extend it" not in mail.text_body


def test_a_late_discovery_sends_only_the_most_urgent_threshold(running):
    """A sweep that first sees the request 1 day before: the 2-day reminder, not the 7-day."""
    assert sweep_on(DUE - timedelta(days=1)) == 1
    (mail,) = mails()
    assert "1 day left" in mail.subject
    rows = dict(Reminder.objects.filter(request=running).values_list("threshold", "notified"))
    assert rows == {"days:2": True, "days:7": False}


def test_holidays_move_the_day_of_the_reminder(make_request, officer_actor):
    """LEGAL.md: received 21 June 2026 -> 21 July is Belgium's national day -> due 22 July."""
    received = datetime(2026, 6, 21, 8, tzinfo=UTC)
    with time_machine.travel(received, tick=False):
        request = make_request(received_at=received)
    assert request.effective_due_date == date(2026, 7, 22)
    sweep_on(date(2026, 7, 21))
    assert "1 day left" in mails()[-1].subject  # not "due today" on the holiday
    sweep_on(date(2026, 7, 22))
    assert "Due today" in mails()[-1].subject


def test_unassigned_goes_to_every_officer_and_manager_not_viewers(
    make_request, officer, manager, viewer
):
    with time_machine.travel(RECEIVED, tick=False):
        make_request(received_at=RECEIVED)
    sweep_on(DUE - timedelta(days=7))
    assert {m.to for m in mails()} == {officer.email, manager.email}


def test_paused_and_closed_requests_are_not_reminded(make_request, officer_actor):
    with time_machine.travel(RECEIVED, tick=False):
        paused = make_request(received_at=RECEIVED)
        workflow.request_ask_information(request=paused, message="?", actor=officer_actor)
        closed = make_request(received_at=RECEIVED)
        workflow.request_withdraw(request=closed, actor=officer_actor)
        make_request(received_at=RECEIVED, channel="web", actor=audit.Actor.subject())
    assert sweep_on(DUE + timedelta(days=3)) == 0
    assert mails() == []


def test_thresholds_are_configurable_per_organisation(running, organization):
    organization.reminder_days = [10]
    organization.save()
    assert sweep_on(DUE - timedelta(days=11)) == 0
    assert sweep_on(DUE - timedelta(days=10)) == 1
    assert sweep_on(DUE - timedelta(days=7)) == 0
    assert list(Reminder.objects.values_list("threshold", flat=True)) == ["days:10"]
    assert sweep_on(DUE) == 0  # no "due today" threshold configured
    assert sweep_on(DUE + timedelta(days=1)) == 1  # overdue is always reported


def test_a_redelivered_task_sends_nothing_twice(running):
    moment = at_local(DUE - timedelta(days=7))
    with time_machine.travel(moment, tick=False):
        # The same request handled twice, as if the sweep task were delivered twice and the
        # second copy had read the request before the first committed.
        assert reminders.remind(Request.objects.get(pk=running.pk), now=moment) == "days:7"
        assert reminders.remind(Request.objects.get(pk=running.pk), now=moment) is None
    assert len(mails()) == 1


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_sweeps_at_once_send_each_reminder_once(running):
    barrier = threading.Barrier(4)
    moment = at_local(DUE - timedelta(days=7))

    def one_sweep(_: int) -> int:
        try:
            barrier.wait(timeout=30)
            return reminders.sweep(now=moment)
        finally:
            connection.close()

    with time_machine.travel(moment, tick=False), ThreadPoolExecutor(4) as pool:
        results = list(pool.map(one_sweep, range(4)))
    assert sum(results) == 1
    assert len(mails()) == 1
    assert Reminder.objects.count() == 1


def test_sweep_reads_only_requests_near_their_deadline(make_request):
    with time_machine.travel(RECEIVED, tick=False):
        near = make_request(received_at=RECEIVED)
        far_received = RECEIVED + timedelta(days=20)
    with time_machine.travel(far_received, tick=False):
        far = make_request(received_at=far_received)
    moment = at_local(DUE - timedelta(days=7))
    ids = set(reminders.due_requests(moment).values_list("pk", flat=True))
    assert near.pk in ids and far.pk not in ids


# --- the morning digest ---------------------------------------------------------------------


def test_morning_digest_once_a_day_sorted_by_days_left(running, make_request, officer, viewer):
    with time_machine.travel(RECEIVED + timedelta(days=10), tick=False):
        later = make_request(received_at=RECEIVED + timedelta(days=10))
    moment = at_local(date(2026, 3, 25), hour=7)
    with time_machine.travel(moment, tick=False):
        assert reminders.digest_send(officer, now=moment)
        assert not reminders.digest_send(officer, now=moment)
    (mail,) = mails("morning_digest")
    assert mail.to == officer.email
    body = mail.text_body
    assert body.index(running.reference) < body.index(later.reference)
    assert "8 days left" in body
    assert "unassigned" in body
    # Viewers get no digest; the digest recipients are officers and managers.
    assert viewer not in reminders.digest_recipients()


def test_morning_digest_opt_out(running, officer):
    officer.memberships.update(daily_digest=False)
    assert officer not in reminders.digest_recipients()
    assert not reminders.digest_send(officer)


def test_reminder_mail_is_sent_by_the_stored_mail_path(running):
    from django.core import mail

    sweep_on(DUE - timedelta(days=7))
    emails.email_send(mails()[0].pk)
    assert len(mail.outbox) == 1
    assert running.reference in mail.outbox[0].subject


def test_reminders_and_the_digest_speak_each_officers_own_language(running, officer, manager):
    """An officer who chose French on the desk gets French mail; the others the organisation's."""
    type(officer).objects.filter(pk=officer.pk).update(language="fr")
    sweep_on(DUE + timedelta(days=1))  # overdue: to the assignee and the manager
    by_person = {m.to: m for m in mails()}
    assert "En retard" in by_person[officer.email].subject
    assert "Overdue" in by_person[manager.email].subject  # the organisation's (English)
    moment = at_local(DUE + timedelta(days=2))
    with time_machine.travel(moment, tick=False):
        officer.refresh_from_db()
        assert reminders.digest_send(officer, now=moment)
    (digest,) = mails("morning_digest")
    assert digest.to == officer.email
    assert "Vos demandes en cours" in digest.text_body
