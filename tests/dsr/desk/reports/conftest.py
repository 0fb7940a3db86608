"""A small fixed history for the reports, made through the workflow at the moments it happened.

OpenMotics (Belgium, Europe/Brussels). The period under report is the first half of 2026
(1 January to 30 June); "today" is Wednesday 15 July 2026. Due dates are the legal calendar's
(`dsr/deadlines.py`), worked out by hand beside each request; Belgian public holidays in play:
1 May (Labour Day) and 14 May 2026 (Ascension Day).

  J  access, e-mail, received Mon 15 Dec 2025 (before the period), due Thu 15 Jan 2026;
     identity: e-mail matches; completed Sat 10 Jan 2026: 26 days, on time. Officer.
  A  access, e-mail, received Mon 2 Feb, due Mon 2 Mar; e-mail matches; completed Fri 20 Feb:
     18 days, on time. Officer.
  B  erasure, post, received Tue 10 Feb, due Tue 10 Mar; customer details; refused (legal
     obligation) Wed 25 Feb: 15 days, on time. Manager.
  C  access, phone, received Mon 2 Mar, due Thu 2 Apr; identity document; completed Wed 8 Apr:
     37 days, LATE (against both dates). Officer.
  D  rectification, e-mail, received Mon 16 Mar, due Thu 16 Apr; customer details; EXTENDED
     Fri 20 Mar to Tue 16 Jun; completed Wed 20 May: 65 days, on time against the effective
     date, after the statutory one. Manager.
  E  access, e-mail, received Wed 1 Apr, due 1 May (a holiday) so Mon 4 May; PAUSED: asked
     for information Fri 3 Apr 09:00, the subject answered Mon 13 Apr 09:00 (10 whole days),
     so effective 4 May + 10 = Thu 14 May (Ascension) so Fri 15 May; seen in person;
     completed Tue 12 May: 41 days, on time against the effective date, after the statutory.
     Unassigned.
  G  objection, e-mail, received Mon 4 May; withdrawn Wed 6 May (no answer owed). Unassigned.
  M  restriction, e-mail, received Mon 11 May, due Thu 11 Jun; identity document, could not
     be established; REFUSED (identity not established) Wed 20 May: 9 days, on time. Unassigned.
  H  portability, in person, received Mon 1 Jun, due Wed 1 Jul; "other" evidence; still in
     progress today: open 44 days, overdue. Officer.
  K  erasure, e-mail, received Mon 22 Jun, due Wed 22 Jul; e-mail matches; completed Mon 6 Jul
     (after the period: not an answer of the period). Unassigned.
  I  erasure, e-mail, received Fri 10 Jul (after the period); asked for information Mon 13
     Jul: open 5 days, clock paused. Unassigned.
  X  Maxem's (another organisation) access request, received and completed in March: never
     counted.

Every request is handled at 09:00 Brussels time on the day named.
"""

from __future__ import annotations

from datetime import date, datetime, time
from zoneinfo import ZoneInfo

import pytest
import time_machine

from dsr import audit, workflow
from dsr.models import Channel, EvidenceKind, Outcome, RefusalGround, Right

BRUSSELS = ZoneInfo("Europe/Brussels")
TODAY = date(2026, 7, 15)
PERIOD = {"start": "2026-01-01", "end": "2026-06-30"}


def at(day: date, hour: int = 9) -> datetime:
    return datetime.combine(day, time(hour), tzinfo=BRUSSELS)


def now_is(day: date, hour: int = 12) -> time_machine.travel:
    return time_machine.travel(at(day, hour), tick=False)


@pytest.fixture
def history(make_request, organization, other_organization, officer, manager, outsider):
    """The requests above by letter; the clock is left at 15 July 2026 12:00 by the caller."""
    staff = audit.Actor.for_user(officer)
    subject = audit.Actor.subject()
    made = {}

    def receive(letter, right, channel, day, assignee=None, **fields):
        with now_is(day, 9):
            request = make_request(right=right, channel=channel, received_at=at(day), **fields)
            if assignee is not None:
                request = workflow.request_assign(request=request, assignee=assignee, actor=staff)
        made[letter] = request

    def do(letter, day, action, **arguments):
        with now_is(day, 9):
            made[letter] = action(request=made[letter], **arguments)

    def identity(letter, day, evidence, verified=True):
        do(letter, day, workflow.identity_decide, verified=verified, evidence=evidence, actor=staff)

    def complete(letter, day):
        do(letter, day, workflow.request_complete, outcome=Outcome.FULFILLED, actor=staff)

    receive("J", Right.ACCESS, Channel.EMAIL, date(2025, 12, 15), officer)
    identity("J", date(2025, 12, 16), EvidenceKind.EMAIL_MATCHES_RECORD)
    complete("J", date(2026, 1, 10))

    receive("A", Right.ACCESS, Channel.EMAIL, date(2026, 2, 2), officer)
    identity("A", date(2026, 2, 3), EvidenceKind.EMAIL_MATCHES_RECORD)
    complete("A", date(2026, 2, 20))

    receive(
        "B", Right.ERASURE, Channel.POST, date(2026, 2, 10), manager,
        subject_postal_address="Kerkstraat 12\n9000 Gent",
    )  # fmt: skip
    identity("B", date(2026, 2, 11), EvidenceKind.CUSTOMER_DETAILS)
    do("B", date(2026, 2, 25), workflow.request_refuse, ground=RefusalGround.LEGAL_OBLIGATION,
       explanation="Invoices are kept for seven years.", actor=staff)  # fmt: skip

    receive("C", Right.ACCESS, Channel.PHONE, date(2026, 3, 2), officer)
    identity("C", date(2026, 3, 3), EvidenceKind.IDENTITY_DOCUMENT)
    complete("C", date(2026, 4, 8))

    receive("D", Right.RECTIFICATION, Channel.EMAIL, date(2026, 3, 16), manager)
    identity("D", date(2026, 3, 17), EvidenceKind.CUSTOMER_DETAILS)
    do("D", date(2026, 3, 20), workflow.request_extend, reason="Six systems.", actor=staff)
    complete("D", date(2026, 5, 20))

    receive("E", Right.ACCESS, Channel.EMAIL, date(2026, 4, 1))
    do("E", date(2026, 4, 3), workflow.request_ask_information, message="Which meter?",
       actor=staff)  # fmt: skip
    do("E", date(2026, 4, 13), workflow.request_record_information, message="The one at home.",
       actor=subject)  # fmt: skip
    identity("E", date(2026, 4, 14), EvidenceKind.IN_PERSON)
    complete("E", date(2026, 5, 12))

    receive("G", Right.OBJECTION, Channel.EMAIL, date(2026, 5, 4))
    do("G", date(2026, 5, 6), workflow.request_withdraw, actor=subject)

    receive("M", Right.RESTRICTION, Channel.EMAIL, date(2026, 5, 11))
    identity("M", date(2026, 5, 12), EvidenceKind.IDENTITY_DOCUMENT, verified=False)
    do("M", date(2026, 5, 20), workflow.request_refuse,
       ground=RefusalGround.IDENTITY_NOT_ESTABLISHED, actor=staff)  # fmt: skip

    receive("H", Right.PORTABILITY, Channel.IN_PERSON, date(2026, 6, 1), officer)
    identity("H", date(2026, 6, 2), EvidenceKind.OTHER)

    receive("K", Right.ERASURE, Channel.EMAIL, date(2026, 6, 22))
    identity("K", date(2026, 6, 23), EvidenceKind.EMAIL_MATCHES_RECORD)
    complete("K", date(2026, 7, 6))

    receive("I", Right.ERASURE, Channel.EMAIL, date(2026, 7, 10))
    do("I", date(2026, 7, 13), workflow.request_ask_information, message="Which account?",
       actor=staff)  # fmt: skip

    theirs = audit.Actor.for_user(outsider)
    with now_is(date(2026, 3, 2)):
        (maxem,) = workflow.submission_create(
            organization=other_organization, rights=[Right.ACCESS], channel=Channel.EMAIL,
            language="nl", subject_name="Piet Maxem", subject_email="piet@example.nl",
            received_at=at(date(2026, 3, 2)), actor=theirs,
        )  # fmt: skip
        maxem = workflow.identity_decide(
            request=maxem, verified=True, evidence=EvidenceKind.OTHER, actor=theirs
        )
    with now_is(date(2026, 3, 20)):
        made["X"] = workflow.request_complete(
            request=maxem, outcome=Outcome.FULFILLED, actor=theirs
        )
    return made
