"""The one place that changes a request's state (DESIGN.md, "The request").

Every function here locks the request row, checks that the action is allowed in
the current state and for this actor, changes the request, and writes its Event
in the same transaction. Views and API endpoints call these functions and hold
no rules of their own; `allowed_actions` tells them what to offer.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta

from django.db import transaction
from django.utils import timezone

from accounts import access
from accounts.models import Organization, User
from dsr import audit, deadlines, emails, four_eyes, references
from dsr.attachments import attachment_destroy
from dsr.fulfilment import jobs
from dsr.letters import rules
from dsr.models import (
    CLOSED_STATUSES,
    OPEN_STATUSES,
    ActorKind,
    AnswerChannel,
    ApprovalKind,
    Attachment,
    AttachmentKind,
    Channel,
    Event,
    EventKind,
    EvidenceKind,
    IdentityStatus,
    Message,
    Outcome,
    Request,
    Right,
    Status,
)

# A clock a little ahead of ours is not "the future" (a scanner's or phone's clock).
FUTURE_TOLERANCE = timedelta(minutes=5)
# No data-subject request under the GDPR can have been received before it applied.
GDPR_APPLIES = datetime(2018, 5, 25, tzinfo=UTC)
MAX_TEXT = 20_000


class WorkflowError(Exception):
    """An action that cannot be done; `code` for machines, the message for people."""

    code = "invalid"

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class InvalidInput(WorkflowError):
    code = "invalid_input"


class NotPermitted(WorkflowError):
    code = "not_permitted"


class ApprovalNeeded(InvalidInput):
    """Four eyes: the action needs a second member's approval of exactly this (issue 18)."""

    code = "approval_needed"


class TransitionNotAllowed(WorkflowError):
    code = "transition_not_allowed"

    def __init__(self, action: str, request: Request, allowed: list[str], why: str = "") -> None:
        self.action = action
        self.status = request.status
        self.allowed = allowed
        reason = why or f"a request in status '{request.status}'"
        super().__init__(
            f"Cannot {action.replace('_', ' ')} {reason}. "
            f"Allowed now: {', '.join(allowed) if allowed else 'nothing (the request is closed)'}."
        )


# Which statuses each action may start from.
TRANSITIONS: dict[str, frozenset[str]] = {
    "confirm_email": frozenset({Status.UNVERIFIED}),
    "assign": frozenset(OPEN_STATUSES),
    "decide_identity": frozenset({Status.IDENTITY_CHECK}),
    "ask_information": frozenset({Status.IDENTITY_CHECK, Status.IN_PROGRESS}),
    "record_information": frozenset({Status.AWAITING_SUBJECT}),
    "extend": frozenset({Status.IDENTITY_CHECK, Status.IN_PROGRESS, Status.AWAITING_SUBJECT}),
    "complete": frozenset({Status.IN_PROGRESS}),
    "refuse": frozenset({Status.IDENTITY_CHECK, Status.IN_PROGRESS, Status.AWAITING_SUBJECT}),
    "withdraw": frozenset(OPEN_STATUSES),
    "message_subject": frozenset(OPEN_STATUSES) | frozenset(CLOSED_STATUSES),
    "add_note": frozenset(OPEN_STATUSES) | frozenset(CLOSED_STATUSES),
}

# Who may do what: the subject confirms, answers and withdraws; the system confirms
# nothing on the subject's behalf but may withdraw a request never confirmed.
ACTOR_KINDS: dict[str, frozenset[str]] = {
    "confirm_email": frozenset({ActorKind.SUBJECT}),
    "record_information": frozenset({ActorKind.SUBJECT, ActorKind.USER, ActorKind.API}),
    "withdraw": frozenset({ActorKind.SUBJECT, ActorKind.USER, ActorKind.API, ActorKind.SYSTEM}),
}
_STAFF = frozenset({ActorKind.USER, ActorKind.API})


def allowed_actions(request: Request, *, now: datetime | None = None) -> list[str]:
    """The actions the request's state allows, in a stable order (ignoring who asks)."""
    actions = [name for name, statuses in TRANSITIONS.items() if request.status in statuses]
    if "extend" in actions and _extension_blocker(request, now or timezone.now()):
        actions.remove("extend")
    return actions


def _extension_blocker(request: Request, now: datetime) -> str:
    if request.extended_due_date is not None:
        return "a request that was already extended (only one extension is allowed)"
    organization = request.organization
    if deadlines.has_passed(request.effective_due_date, now=now, time_zone=organization.time_zone):
        return "a request whose one-month deadline has passed (extend within the first month)"
    return ""


def _check_actor(action: str, request: Request, actor: audit.Actor) -> None:
    kinds = ACTOR_KINDS.get(action, _STAFF)
    if actor.kind not in kinds:
        raise NotPermitted(f"A {actor.kind} actor may not {action.replace('_', ' ')}.")
    if actor.kind == ActorKind.USER and not access.can_act(actor.user, request.organization):
        raise NotPermitted("Only officers and managers of this organisation may act on requests.")


def _lock(request: Request, action: str, actor: audit.Actor) -> Request:
    """Re-read the request under a row lock and check the action against its state."""
    locked = (
        Request.objects.select_for_update(of=("self",))
        .select_related("organization")
        .get(pk=request.pk)
    )
    _check_actor(action, locked, actor)
    if locked.status not in TRANSITIONS[action]:
        raise TransitionNotAllowed(action, locked, allowed_actions(locked))
    return locked


def _text(value: str, field: str, *, required: bool) -> str:
    value = (value or "").strip()
    if required and not value:
        raise InvalidInput(f"{field} is required.")
    if len(value) > MAX_TEXT:
        raise InvalidInput(f"{field} is longer than {MAX_TEXT} characters.")
    return value


def _recompute_effective(request: Request) -> None:
    base = request.extended_due_date or request.due_date
    request.effective_due_date = deadlines.effective_due_date(
        base, paused_days=request.paused_days, country=request.organization.country
    )


def _end_pause(request: Request, now: datetime) -> int:
    """Stop the paused clock; return the whole days it was paused (LEGAL.md, "Pause")."""
    if request.paused_since is None:
        return 0
    days = deadlines.whole_days_between(request.paused_since, now)
    request.paused_days += days
    request.paused_since = None
    request.status_before_pause = ""
    _recompute_effective(request)
    return days


def _dates(request: Request) -> dict[str, str | int | None]:
    return {
        "due_date": request.due_date.isoformat(),
        "extended_due_date": request.extended_due_date.isoformat()
        if request.extended_due_date
        else None,
        "effective_due_date": request.effective_due_date.isoformat(),
        "paused_days": request.paused_days,
    }


def _record(request: Request, kind: str, actor: audit.Actor, data=None, payload=None) -> None:
    audit.record(
        organization=request.organization,
        request=request,
        kind=kind,
        actor=actor,
        data={"status": request.status, **(data or {})},
        payload=payload,
    )


def _close(
    request: Request, status: str, actor: audit.Actor, kind: str, data=None, payload=None
) -> None:
    """Close the locked request and record it; then what must not outlive it goes.

    Its jobs stop in this transaction (planned, queued and waiting steps are cancelled; a
    running one stops at its next checkpoint), each with an Event by the same actor, and the
    identity documents still on the request are destroyed (LEGAL.md, "Identity"). The Events
    are appended at the end, so the audit chain's lock is taken after the jobs' row locks, in
    the order the step runner takes them (dsr/fulfilment/runner.py)."""
    with audit.appended_at_end(request.organization):
        now = timezone.now()
        _end_pause(request, now)
        request.status = status
        request.closed_at = now
        request.save()
        _record(request, kind, actor, data={**(data or {}), **_dates(request)}, payload=payload)
        jobs.job_cancel(request=request, actor=actor)
        _identity_documents_destroy(
            request, actor, f"request {status} (LEGAL.md, Identity: the document goes)"
        )


def _identity_documents_destroy(request: Request, actor: audit.Actor, reason: str) -> list:
    """Destroy the request's identity documents, keeping each one's hash (LEGAL.md, "Identity")."""
    documents = list(
        request.attachments.filter(kind=AttachmentKind.IDENTITY_PROOF, destroyed_at__isnull=True)
    )
    for document in documents:
        attachment_destroy(attachment=document, actor=actor, reason=reason)
    return documents


# --- creating requests ---------------------------------------------------------------------


@transaction.atomic
def submission_create(
    *,
    organization: Organization,
    rights: Iterable[str],
    channel: str,
    language: str,
    subject_name: str,
    actor: audit.Actor,
    subject_email: str = "",
    subject_postal_address: str = "",
    subject_customer_number: str = "",
    description: str = "",
    answer_channel: str = AnswerChannel.EMAIL,
    received_at: datetime | None = None,
    direct_marketing: bool = False,
) -> list[Request]:
    """Register one submission: one request per right, linked by a submission id.

    `received_at` is when the request reached the controller (LEGAL.md: the clock
    starts then, read or not); it defaults to now and may not lie in the future.
    A web request waits for its e-mail confirmation with the clock paused.
    `direct_marketing`: the objection is to direct marketing (Art. 21(2)), which no ground
    refuses (Art. 21(3)); it marks the submission's objection request.
    """
    now = timezone.now()
    rights = list(dict.fromkeys(rights))
    if not rights:
        raise InvalidInput("Choose at least one right.")
    unknown = [right for right in rights if right not in Right.values]
    if unknown:
        raise InvalidInput(f"Unknown right: {', '.join(map(str, unknown))}.")
    if channel not in Channel.values:
        raise InvalidInput(f"Unknown channel {channel!r}.")
    if answer_channel not in AnswerChannel.values:
        raise InvalidInput(f"Unknown answer channel {answer_channel!r}.")
    if direct_marketing and Right.OBJECTION not in rights:
        raise InvalidInput("Only an objection can be an objection to direct marketing.")
    if language not in organization.offered_languages:
        raise InvalidInput(f"{organization.name} does not offer language {language!r}.")
    received_at = received_at or now
    if timezone.is_naive(received_at):
        raise InvalidInput("The date of receipt needs a time zone.")
    if received_at > now + FUTURE_TOLERANCE:
        raise InvalidInput("The date of receipt cannot be in the future.")
    if received_at < GDPR_APPLIES:
        raise InvalidInput("The date of receipt cannot be before 25 May 2018 (the GDPR's start).")
    subject_name = _text(subject_name, "The subject's name", required=True)[:200]
    subject_email = (subject_email or "").strip().lower()
    if channel == Channel.WEB and not subject_email:
        raise InvalidInput("A web request needs an e-mail address to confirm.")
    if answer_channel == AnswerChannel.POST and not subject_postal_address.strip():
        raise InvalidInput("A postal address is required for an answer by post.")
    if answer_channel == AnswerChannel.EMAIL and not subject_email:
        raise InvalidInput("An e-mail address is required for an answer by e-mail.")

    due = deadlines.statutory_due_date(
        received_at, country=organization.country, time_zone=organization.time_zone
    )
    unverified = channel == Channel.WEB
    year = deadlines.receipt_date(received_at, time_zone=organization.time_zone).year
    submission_id = uuid.uuid4()
    created = []
    for right in rights:
        request = Request.objects.create(
            organization=organization,
            reference=references.allocate(organization=organization, year=year),
            submission_id=submission_id,
            right=right,
            channel=channel,
            language=language,
            answer_channel=answer_channel,
            subject_name=subject_name,
            subject_email=subject_email,
            subject_postal_address=_text(
                subject_postal_address, "The postal address", required=False
            ),
            subject_customer_number=_text(
                subject_customer_number, "The customer number", required=False
            )[:100],
            description=_text(description, "The description", required=False),
            received_at=received_at,
            status=Status.UNVERIFIED if unverified else Status.IDENTITY_CHECK,
            paused_since=received_at if unverified else None,
            due_date=due,
            effective_due_date=due,
            direct_marketing=direct_marketing and right == Right.OBJECTION,
        )
        _record(
            request,
            EventKind.RECEIVED,
            actor,
            data={
                "reference": request.reference,
                "right": right,
                "channel": channel,
                "language": language,
                "received_at": received_at,
                "submission": str(submission_id),
                **({"direct_marketing": True} if request.direct_marketing else {}),
                **_dates(request),
            },
            payload={
                "subject_name": request.subject_name,
                "subject_email": request.subject_email,
                "subject_postal_address": request.subject_postal_address,
                "subject_customer_number": request.subject_customer_number,
                "description": request.description,
            },
        )
        created.append(request)
    return created


# --- the subject ---------------------------------------------------------------------------


@transaction.atomic
def request_confirm_email(*, request: Request, actor: audit.Actor) -> Request:
    """The subject clicked the confirmation link: the paused clock starts running."""
    request = _lock(request, "confirm_email", actor)
    now = timezone.now()
    days = _end_pause(request, now)
    request.status = Status.IDENTITY_CHECK
    request.save()
    _record(request, EventKind.EMAIL_CONFIRMED, actor, data={"paused": days, **_dates(request)})
    return request


# --- the officer ---------------------------------------------------------------------------


@transaction.atomic
def request_assign(*, request: Request, assignee: User | None, actor: audit.Actor) -> Request:
    request = _lock(request, "assign", actor)
    if assignee is not None and not access.can_act(assignee, request.organization):
        raise InvalidInput("Requests can only be assigned to officers of this organisation.")
    request.assignee = assignee
    request.save(update_fields=["assignee", "updated_at"])
    _record(
        request,
        EventKind.ASSIGNED,
        actor,
        data={"assignee": assignee.pk if assignee else None},
        payload={"assignee": assignee.email if assignee else None},
    )
    return request


@transaction.atomic
def requests_assign(
    *, requests: Iterable[Request], assignee: User | None, actor: audit.Actor
) -> tuple[list[Request], list[Request]]:
    """Assign (or unassign) several requests at once: the queue's bulk assign.

    One transaction, the rows locked in primary-key order (two bulk assigns never wait on
    each other in a circle). A request the action does not fit (closed) is skipped, not an
    error: returns (assigned, skipped)."""
    assigned, skipped = [], []
    for request in sorted(requests, key=lambda item: item.pk):
        try:
            assigned.append(request_assign(request=request, assignee=assignee, actor=actor))
        except WorkflowError:
            skipped.append(request)
    return assigned, skipped


@transaction.atomic
def identity_decide(
    *,
    request: Request,
    verified: bool,
    evidence: str,
    actor: audit.Actor,
    note: str = "",
) -> Request:
    """Record the identity decision (LEGAL.md, "Identity").

    Verified or not, every identity document on the request is destroyed and the
    event keeps only who decided, when, the kind of evidence and the files' hashes.
    After a failed decision the officer may ask again: documents sent with the answer
    are identity proof, destroyed by the next decision (or when the request closes).
    """
    request = _lock(request, "decide_identity", actor)
    if evidence not in EvidenceKind.values:
        raise InvalidInput(f"Unknown evidence kind {evidence!r}.")
    note = _text(note, "The note", required=False)
    documents = list(
        request.attachments.filter(kind=AttachmentKind.IDENTITY_PROOF, destroyed_at__isnull=True)
    )
    if verified:
        request.identity_status = IdentityStatus.VERIFIED
        request.identity_evidence = evidence
        request.status = Status.IN_PROGRESS
    else:
        request.identity_status = IdentityStatus.FAILED
        request.identity_evidence = evidence
    request.save()
    # The read-only match against the sources, when one was run, is part of the evidence.
    match = (
        Event.objects.filter(request=request, kind=EventKind.IDENTITY_MATCHED)
        .order_by("-sequence")
        .first()
    )
    _record(
        request,
        EventKind.IDENTITY_VERIFIED if verified else EventKind.IDENTITY_FAILED,
        actor,
        data={
            "evidence": evidence,
            "documents": [{"attachment": doc.pk, "sha256": doc.sha256} for doc in documents],
            **(
                {
                    "match": {
                        "event": match.sequence,
                        "sources": [
                            {"source": entry["source"], "fields": entry.get("fields", [])}
                            for entry in match.data.get("sources", [])
                            if entry.get("fields") or entry.get("rows")
                        ],
                    }
                }
                if match is not None
                else {}
            ),
        },
        payload={"note": note} if note else None,
    )
    _identity_documents_destroy(request, actor, "identity decided (LEGAL.md, Identity)")
    return request


def _write_to_subject(request: Request, kind: str, body: str, actor: audit.Actor) -> Message:
    """Store a message for the status page and e-mail the subject that it is there."""
    message = Message.objects.create(
        request=request,
        direction=Message.Direction.TO_SUBJECT,
        kind=kind,
        body=body,
        author=actor.user,
    )
    if request.subject_email:
        emails.email_queue(
            template="message_to_subject",
            to=request.subject_email,
            language=request.language,
            request=request,
            context={"request": request, "organization": request.organization, "message": message},
        )
    return message


@transaction.atomic
def request_ask_information(*, request: Request, message: str, actor: audit.Actor) -> Request:
    """Ask the subject for identity or clarification; the clock pauses until they answer.

    The question goes to the status page and by e-mail (LEGAL.md, "Pause")."""
    request = _lock(request, "ask_information", actor)
    message = _text(message, "The message", required=True)
    request.status_before_pause = request.status
    request.status = Status.AWAITING_SUBJECT
    request.paused_since = timezone.now()
    request.save()
    sent = _write_to_subject(request, Message.Kind.INFORMATION_REQUEST, message, actor)
    _record(
        request,
        EventKind.INFORMATION_REQUESTED,
        actor,
        data={"message": sent.pk},
        payload={"message": message},
    )
    return request


@transaction.atomic
def request_record_information(
    *,
    request: Request,
    message: str,
    actor: audit.Actor,
    attachments: Iterable[Attachment] = (),
) -> Request:
    """The subject answered: the clock resumes, the whole days waited are added.

    The answer (with any files already stored with `attachment_store`) is kept as a
    message, and the assignee, or every officer when unassigned, is told."""
    request = _lock(request, "record_information", actor)
    attachments = list(attachments)
    message = _text(
        message, "The answer", required=actor.kind == ActorKind.SUBJECT and not attachments
    )
    request.status = request.status_before_pause or Status.IDENTITY_CHECK
    days = _end_pause(request, timezone.now())
    request.save()
    answer = Message.objects.create(
        request=request,
        direction=Message.Direction.FROM_SUBJECT,
        kind=Message.Kind.ANSWER,
        body=message,
        author=actor.user,
    )
    answer.attachments.set(attachments)
    _record(
        request,
        EventKind.INFORMATION_RECEIVED,
        actor,
        data={"paused": days, "message": answer.pk, **_dates(request)},
        payload={"message": message} if message else None,
    )
    for officer in _officers_to_tell(request):
        emails.email_queue(
            template="subject_answered",
            to=officer.email,
            language=request.organization.default_language,
            request=request,
            context={"request": request, "organization": request.organization, "officer": officer},
        )
    return request


def _officers_to_tell(request: Request) -> list[User]:
    # An assignee no longer an officer here (removed behind the desk's back) is nobody.
    if request.assignee is not None and access.can_act(request.assignee, request.organization):
        return [request.assignee]
    return list(access.officers_of(request.organization).order_by("email"))


@transaction.atomic
def request_message_subject(*, request: Request, body: str, actor: audit.Actor) -> Message:
    """Write to the subject (status page and e-mail) without pausing the clock."""
    request = _lock(request, "message_subject", actor)
    body = _text(body, "The message", required=True)
    message = _write_to_subject(request, Message.Kind.MESSAGE, body, actor)
    _record(
        request, EventKind.MESSAGE_SENT, actor, data={"message": message.pk}, payload={"body": body}
    )
    return message


@transaction.atomic
def request_extend(*, request: Request, reason: str, actor: audit.Actor) -> Request:
    """Extend by two further months (LEGAL.md: once, and only within the first month)."""
    request = _lock(request, "extend", actor)
    reason = _text(reason, "The reason for the extension", required=True)
    now = timezone.now()
    blocker = _extension_blocker(request, now)
    if blocker:
        raise TransitionNotAllowed("extend", request, allowed_actions(request, now=now), blocker)
    organization = request.organization
    request.extended_due_date = deadlines.extended_due_date(
        request.received_at, country=organization.country, time_zone=organization.time_zone
    )
    request.extension_reason = reason
    request.extended_at = now
    _recompute_effective(request)
    request.save()
    _record(request, EventKind.EXTENDED, actor, data=_dates(request), payload={"reason": reason})
    return request


@transaction.atomic
def request_complete(
    *, request: Request, outcome: str, actor: audit.Actor, note: str = ""
) -> Request:
    request = _lock(request, "complete", actor)
    if outcome not in Outcome.values:
        raise InvalidInput(
            f"Unknown outcome {outcome!r}; choose one of {', '.join(Outcome.values)}."
        )
    note = _text(note, "The note", required=outcome == Outcome.PARTIALLY_FULFILLED)
    if jobs.job_running(request):
        raise TransitionNotAllowed(
            "complete",
            request,
            [action for action in allowed_actions(request) if action != "complete"],
            "a request whose job is still running in the systems (the answer must say what "
            "was done: wait until every system has finished, or record a manual task as "
            "impossible)",
        )
    request.outcome = outcome
    request.outcome_note = note
    _close(
        request,
        Status.COMPLETED,
        actor,
        EventKind.COMPLETED,
        data={"outcome": outcome},
        payload={"note": note} if note else None,
    )
    return request


@transaction.atomic
def request_refuse(
    *, request: Request, ground: str, actor: audit.Actor, explanation: str = ""
) -> Request:
    """Refuse with a ground from the fixed list (LEGAL.md, "Refusal and fees") that applies
    to the request's right (`letters.rules.ground_blocker`, which also says which grounds need
    an explanation)."""
    request = _lock(request, "refuse", actor)
    explanation = _text(explanation, "The explanation", required=False)
    blocker = rules.ground_blocker(request, ground, explanation=explanation)
    if blocker:
        raise InvalidInput(blocker)
    try:
        approval = four_eyes.approval_use(
            request=request,
            kind=ApprovalKind.REFUSAL,
            covers=four_eyes.refusal_covers(ground, explanation),
        )
    except four_eyes.ApprovalError as error:
        raise ApprovalNeeded(error.message) from None
    request.refusal_ground = ground
    request.refusal_explanation = explanation
    _close(
        request,
        Status.REFUSED,
        actor,
        EventKind.REFUSED,
        data={
            "ground": ground,
            **(
                {"approval": approval.pk, "approved_by": approval.approved_by.email}
                if approval is not None and approval.approved_by is not None
                else {}
            ),
        },
        payload={"explanation": explanation} if explanation else None,
    )
    return request


@transaction.atomic
def refusal_approval_ask(
    *, request: Request, ground: str, actor: audit.Actor, explanation: str = ""
) -> Request:
    """Four eyes on refusals: ask a second officer or manager to approve refusing on `ground`
    (with `explanation`); the refusal itself is made once approved (`request_refuse`)."""
    request = _lock(request, "refuse", actor)
    explanation = _text(explanation, "The explanation", required=False)
    blocker = rules.ground_blocker(request, ground, explanation=explanation)
    if blocker:
        raise InvalidInput(blocker)
    if not four_eyes.required(request.organization, ApprovalKind.REFUSAL):
        raise InvalidInput("This organisation does not ask for a second pair of eyes on refusals.")
    four_eyes.approval_request(
        request=request,
        kind=ApprovalKind.REFUSAL,
        covers=four_eyes.refusal_covers(ground, explanation),
        summary={"ground": ground},
        parameters={"ground": ground, "explanation": explanation},
        actor=actor,
    )
    return request


@transaction.atomic
def request_withdraw(*, request: Request, actor: audit.Actor, reason: str = "") -> Request:
    """Withdrawn by the subject, an officer, the API or the system (never confirmed): from
    now on nothing runs in the systems for it (dsr/fulfilment/jobs.py, `job_cancel`)."""
    request = _lock(request, "withdraw", actor)
    reason = _text(reason, "The reason", required=False)
    _close(
        request,
        Status.WITHDRAWN,
        actor,
        EventKind.WITHDRAWN,
        payload={"reason": reason} if reason else None,
    )
    return request


@transaction.atomic
def request_add_note(*, request: Request, text: str, actor: audit.Actor) -> Request:
    """An internal note: never shown to the subject."""
    request = _lock(request, "add_note", actor)
    _record(
        request, EventKind.NOTE, actor, payload={"text": _text(text, "The note", required=True)}
    )
    return request
