"""Art. 19: recipients of the affected data categories are told, each once, each recorded."""

from __future__ import annotations

import pytest
from fulfilment_helpers import manual_source

from dsr.fulfilment import jobs, records, runner
from dsr.models import (
    Art19Notice,
    Event,
    EventKind,
    OutboundEmail,
    ProcessingActivity,
    Recipient,
    Right,
)


@pytest.fixture
def recipients(organization):
    hosting = Recipient.objects.create(
        organization=organization,
        name="Cloud hosting provider (EU)",
        kind=Recipient.Kind.PROCESSOR,
        contact_email="privacy@cloud-host.example.com",
        data_categories=["Real-time and historical power measurements"],
    )
    courier = Recipient.objects.create(
        organization=organization,
        name="Transport company",
        kind=Recipient.Kind.THIRD_PARTY,
        contact_email="",
        data_categories=["Shipping address"],
        texts={"nl": {"name": "Transportbedrijf", "data_categories": ["Verzendadres"]}},
    )
    analytics = Recipient.objects.create(
        organization=organization,
        name="Google Analytics",
        kind=Recipient.Kind.PROCESSOR,
        contact_email="privacy@analytics.example.com",
        data_categories=["Cookie identifiers"],
    )
    # Registered through the register: the activity lists the category and the recipient.
    accounts = ProcessingActivity.objects.create(
        organization=organization,
        name="User accounts",
        purpose="Accounts",
        data_categories=["Names"],
        legal_basis="contract",
        retention="As long as the account exists",
        texts={
            "nl": {
                "name": "Gebruikersaccounts",
                "purpose": "Accounts",
                "data_categories": ["Namen"],
                "retention": "Zolang het account bestaat",
                "source": "De betrokkene",
            }
        },
    )
    accounts.recipients.add(courier)
    return hosting, courier, analytics


def _fulfil(request, officer_actor):
    job = jobs.job_plan(request=request, actor=officer_actor)
    job = jobs.job_confirm(job=job, actor=officer_actor)
    for step in job.steps.all():
        while runner.step_run(step_id=step.pk) is not None:
            pass
    return job


def test_after_erasure_each_recipient_of_the_affected_categories_is_told_once(
    platform_source, recipients, in_progress, officer_actor
):
    request = in_progress(Right.ERASURE)
    job = _fulfil(request, officer_actor)

    notices = {notice.recipient_name: notice for notice in Art19Notice.objects.filter(job=job)}
    assert set(notices) == {"Cloud hosting provider (EU)", "Transport company"}
    hosting = notices["Cloud hosting provider (EU)"]
    assert hosting.data_categories == ["Real-time and historical power measurements"]
    mail = OutboundEmail.objects.get(pk=hosting.email_id)
    assert mail.to == "privacy@cloud-host.example.com"
    assert request.reference in mail.subject
    assert "Jan Peeters" in mail.text_body and "erase" in mail.text_body
    assert notices["Transport company"].email is None  # no address: recorded, not sent
    events = Event.objects.filter(request=request, kind=EventKind.ART19_NOTICE)
    assert sorted((e.data["recipient"], e.data["sent"]) for e in events) == [
        ("Cloud hosting provider (EU)", True),
        ("Transport company", False),
    ]


def test_a_job_finishing_again_after_a_retry_tells_nobody_twice(
    organization, platform_source, recipients, in_progress, officer_actor
):
    manual = manual_source(organization)
    request = in_progress(Right.ERASURE)
    job = _fulfil(request, officer_actor)
    step = job.steps.get(source=manual)
    jobs.manual_task_complete(step=step, actor=officer_actor, done=False, note="Archive burnt")
    job.refresh_from_db()
    assert job.status == "finished"
    count = Art19Notice.objects.filter(job=job).count()
    assert count == 2

    failed = job.steps.get(source=platform_source)
    failed.status = "failed"
    failed.save()
    jobs.step_retry(step=failed, actor=officer_actor)
    runner.step_run(step_id=failed.pk)
    job.refresh_from_db()
    assert job.status == "finished"
    assert Art19Notice.objects.filter(job=job).count() == count
    assert Event.objects.filter(request=request, kind=EventKind.ART19_NOTICE).count() == count


def test_access_tells_no_recipient(platform_source, recipients, in_progress, officer_actor):
    job = _fulfil(in_progress(Right.ACCESS), officer_actor)
    assert not Art19Notice.objects.filter(job=job).exists()


def test_the_manual_task_is_mailed_to_its_person_and_done_with_a_note(
    organization, in_progress, officer_actor
):
    manual_source(organization)
    request = in_progress(Right.ERASURE)
    job = _fulfil(request, officer_actor)
    step = job.steps.get()
    assert step.status == "waiting"
    mail = OutboundEmail.objects.get(template="manual_task")
    assert mail.to == "archive@openmotics.example"
    assert "Shred the paper file" in mail.text_body
    assert runner.step_run(step_id=step.pk) is None  # waiting for a person: nothing to run
    assert OutboundEmail.objects.filter(template="manual_task").count() == 1

    with pytest.raises(jobs.JobError):
        jobs.manual_task_complete(step=step, actor=officer_actor, done=True, note=" ")
    jobs.manual_task_complete(step=step, actor=officer_actor, done=True, note="Shredded 3 pages")
    (record,) = records.fulfilment_record(request)
    assert [(e.action, e.rows, e.reason) for e in record.entries] == [
        ("erased", None, "Shredded 3 pages")
    ]
    with pytest.raises(jobs.JobError):
        jobs.manual_task_complete(step=step, actor=officer_actor, done=True, note="again")
