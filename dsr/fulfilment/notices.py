"""Art. 19: after an erasure, rectification or restriction, tell each recipient of the
affected data categories, and record each notice (once per recipient and job)."""

from __future__ import annotations

from dsr import audit, emails
from dsr.models import (
    Art19Notice,
    EventKind,
    Job,
    Recipient,
    StepStatus,
    processing_register,
)

CHANGING_ACTIONS = ("erased", "anonymised", "restricted", "rectified")


def affected_categories(job: Job) -> list[str]:
    """The data categories of the sources where the job changed something."""
    categories: list[str] = []
    for step in job.steps.select_related("source").filter(status=StepStatus.DONE):
        changed = any(
            entry.get("action") in CHANGING_ACTIONS and (entry.get("rows") is None or entry["rows"])
            for entry in step.result
        )
        if changed:
            categories += [c for c in step.source.data_categories if c not in categories]
    return categories


def recipients_for(job: Job, categories: list[str]) -> list[tuple[Recipient, list[str]]]:
    """Recipients registered for any of `categories`: directly, or through an activity."""
    wanted = set(categories)
    organization = job.request.organization
    found: dict[int, tuple[Recipient, list[str]]] = {}
    for recipient in Recipient.objects.filter(organization=organization):
        shared = [c for c in recipient.data_categories if c in wanted]
        if shared:
            found[recipient.pk] = (recipient, shared)
    # The notice is written in the organisation's language, as the categories are.
    activities = processing_register(organization, organization.default_language)
    for activity in activities:
        shared = [c for c in activity.data_categories if c in wanted]
        if not shared:
            continue
        for entry in activity.recipients:
            recipient = entry.recipient
            _, known = found.setdefault(recipient.pk, (recipient, []))
            known += [c for c in shared if c not in known]
    return sorted(found.values(), key=lambda item: item[0].name)


def notices_send(*, job: Job) -> list[Art19Notice]:
    """Notify every recipient of the affected categories not told yet for this job.

    Call inside the transaction that finishes the job: each notice, its e-mail and its
    Event are written together, and the unique constraint keeps each recipient to one."""
    request = job.request
    organization = request.organization
    categories = affected_categories(job)
    if not categories:
        return []
    already = set(job.notices.values_list("recipient_name", flat=True))
    notices = []
    for recipient, shared in recipients_for(job, categories):
        if recipient.name in already:
            continue
        email = None
        if recipient.contact_email:
            email = emails.email_queue(
                template="art19_notice",
                to=recipient.contact_email,
                context={
                    "request_obj": request,
                    "organization": organization,
                    "recipient": recipient,
                    "categories": shared,
                    "right": request.right,
                    "right_label": request.get_right_display(),
                },
                language=organization.default_language,
                request=request,
            )
        notice = Art19Notice.objects.create(
            job=job,
            recipient=recipient,
            recipient_name=recipient.name,
            contact_email=recipient.contact_email,
            data_categories=shared,
            email=email,
        )
        audit.record(
            organization=organization,
            kind=EventKind.ART19_NOTICE,
            actor=audit.Actor.system("fulfilment"),
            request=request,
            data={
                "recipient": recipient.name,
                "categories": shared,
                "sent": email is not None,
                "reason": "" if email else "no contact address registered",
            },
        )
        notices.append(notice)
    return notices
