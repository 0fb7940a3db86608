"""Four eyes on irreversible actions (issue 18): a second member approves before it happens.

Where the organisation asks for it (`Organization.four_eyes_erasure`, `_refusal`,
`_release`), the action needs an `Approval` of exactly what is about to happen:

    approval_request   someone (the planner, the officer refusing) asks; an Event
    approval_give      a second officer or manager approves; an Event
    approval_use       the action checks for a live approval of *what it does now* and
                       marks it used, in the action's own transaction

What is approved is hashed (`covers`): an erasure's dry-run plan (every step's plan, the
job and when it was planned), a refusal's ground and explanation, a package's reviewed
state. Planning again gives another hash: the old approval lapses and a new one is asked.

Who may approve: a person (a desk user, also through the API with their session) who is an
officer or manager of the request's organisation (`accounts.access.can_act`) and is not the
one who asked. A viewer, an API token (no person behind it), another organisation's member
and the asker are refused, whatever the way in.
"""

from __future__ import annotations

import hashlib
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts import access
from accounts.models import Organization
from dsr import audit
from dsr.models import ActorKind, Approval, ApprovalKind, EventKind, Job, PackageReview, Request

SETTING = {
    ApprovalKind.ERASURE: "four_eyes_erasure",
    ApprovalKind.REFUSAL: "four_eyes_refusal",
    ApprovalKind.RELEASE: "four_eyes_release",
}


class ApprovalError(Exception):
    """The approval cannot be given or the action needs one; the message is for people."""

    def __init__(self, message: str, code: str = "approval_needed") -> None:
        super().__init__(message)
        self.message = message
        self.code = code


def required(organization: Organization, kind: str) -> bool:
    """Whether `organization` asks for a second pair of eyes on `kind`."""
    return bool(getattr(organization, SETTING[ApprovalKind(kind)]))


def covers_of(value: Any) -> str:
    return hashlib.sha256(audit.canonical_json(value)).hexdigest()


def job_covers(job: Job) -> tuple[str, dict[str, Any]]:
    """The hash of a job's dry run as planned now, and its summary (no personal data)."""
    steps = list(job.steps.select_related("source").order_by("position", "pk"))
    plan = {
        "job": job.pk,
        "right": job.right,
        "planned_at": job.planned_at,
        "steps": [{"source": step.source_id, "plan": step.plan} for step in steps],
    }
    summary = {
        "job": job.pk,
        "planned_at": audit.timestamp(job.planned_at),
        "sources": [
            {
                "source": step.source.name,
                "rows": sum(line.get("rows") or 0 for line in step.plan.get("lines", [])),
                "actions": sorted({line.get("action", "") for line in step.plan.get("lines", [])}),
                "error": bool(step.plan.get("error")),
            }
            for step in steps
        ],
    }
    return covers_of(plan), summary


def release_covers(review: PackageReview) -> tuple[str, dict[str, Any]]:
    """A package's review as it stands: the review and every decision in force."""
    decisions = list(
        review.decisions.filter(undone_at__isnull=True)
        .order_by("pk")
        .values("pk", "kind", "step_id", "table", "column", "row", "value_hash", "reason")
    )
    summary = {
        "review": review.pk,
        "job": review.job_id,
        "decisions": len(decisions),
        "reasons": sorted({decision["reason"] for decision in decisions}),
    }
    return covers_of({"review": review.pk, "decisions": decisions}), summary


def refusal_covers(ground: str, explanation: str) -> str:
    return covers_of({"ground": ground, "explanation": (explanation or "").strip()})


def _user_label(approval_user: Any) -> str:
    return approval_user.email if approval_user is not None else ""


def approval_request(
    *,
    request: Request,
    kind: str,
    covers: str,
    actor: audit.Actor,
    summary: dict[str, Any] | None = None,
    parameters: dict[str, Any] | None = None,
) -> Approval:
    """Ask for a second pair of eyes on `covers`. Earlier approvals of another `covers`
    lapse (the plan changed); asking again for the same thing returns the open one."""
    now = timezone.now()
    with transaction.atomic():
        open_ = Approval.objects.select_for_update().filter(
            request=request, kind=kind, lapsed_at__isnull=True, used_at__isnull=True
        )
        for approval in open_:
            if approval.covers == covers:
                return approval
        open_.update(lapsed_at=now, parameters={})  # a lapsed refusal's text is not kept
        approval = Approval.objects.create(
            request=request,
            kind=kind,
            covers=covers,
            summary=summary or {},
            parameters=parameters or {},
            requested_by=actor.user if actor.kind == ActorKind.USER else None,
            requested_at=now,
        )
        audit.record(
            organization=request.organization,
            kind=EventKind.APPROVAL_REQUESTED,
            actor=actor,
            request=request,
            data={"approval": approval.pk, "kind": kind, "covers": covers, **(summary or {})},
        )
    return approval


def refusal_of(approval: Approval) -> tuple[str, str]:
    return approval.parameters.get("ground", ""), approval.parameters.get("explanation", "")


def approver_blocker(approval: Approval, actor: audit.Actor) -> str:
    """Why `actor` may not approve `approval` ("" when they may)."""
    if actor.kind != ActorKind.USER or actor.user is None:
        return _("Only a person (an officer or manager signed in) can be the second pair of eyes.")
    if not access.can_act(actor.user, approval.request.organization):
        return _("Only officers and managers of this organisation can approve.")
    if approval.requested_by_id is not None and approval.requested_by_id == actor.user.pk:
        return _("You asked for this approval; another officer or manager must give it.")
    return ""


def _still_current(approval: Approval) -> bool:
    """Whether what was asked is still what would happen (an erasure's plan unchanged)."""
    if approval.kind == ApprovalKind.ERASURE:
        job = Job.objects.filter(pk=approval.summary.get("job")).first()
        return job is not None and job_covers(job)[0] == approval.covers
    if approval.kind == ApprovalKind.RELEASE:
        review = PackageReview.objects.filter(pk=approval.summary.get("review")).first()
        return review is not None and release_covers(review)[0] == approval.covers
    return True


def approval_give(*, approval: Approval, actor: audit.Actor) -> Approval:
    """A second officer or manager approves. Refused for the asker, a viewer, a token,
    another organisation's member, an approval already given, lapsed or used."""
    with transaction.atomic():
        Request.objects.select_for_update(of=("self",)).get(pk=approval.request_id)
        approval = (
            Approval.objects.select_for_update(of=("self",))
            .select_related("request__organization", "requested_by")
            .get(pk=approval.pk)
        )
        blocker = approver_blocker(approval, actor)
        if blocker:
            raise ApprovalError(blocker, code="not_permitted")
        if not approval.is_pending:
            raise ApprovalError(
                _("This approval is no longer waiting (given, lapsed or used already)."),
                code="not_pending",
            )
        if not _still_current(approval):
            approval.lapsed_at = timezone.now()
            approval.save(update_fields=["lapsed_at"])
            raise ApprovalError(
                _("What was to be approved changed since it was asked; ask again."),
                code="lapsed",
            )
        approval.approved_by = actor.user
        approval.approved_at = timezone.now()
        approval.save(update_fields=["approved_by", "approved_at"])
        audit.record(
            organization=approval.request.organization,
            kind=EventKind.APPROVAL_GIVEN,
            actor=actor,
            request=approval.request,
            data={
                "approval": approval.pk,
                "kind": approval.kind,
                "covers": approval.covers,
                "requested_by": _user_label(approval.requested_by),
            },
        )
    return approval


def approval_use(*, request: Request, kind: str, covers: str) -> Approval | None:
    """Called by the action, inside its transaction: the live approval of exactly `covers`,
    marked used; `ApprovalError` when the organisation asks for one and there is none.
    None when the organisation does not ask for four eyes on `kind`."""
    if not required(request.organization, kind):
        return None
    approval = (
        Approval.objects.select_for_update()
        .filter(
            request=request,
            kind=kind,
            covers=covers,
            approved_at__isnull=False,
            lapsed_at__isnull=True,
            used_at__isnull=True,
        )
        .first()
    )
    if approval is None:
        raise ApprovalError(
            {
                ApprovalKind.ERASURE: _(
                    "A second officer or manager must approve this dry run before it is "
                    "confirmed (four eyes)."
                ),
                ApprovalKind.REFUSAL: _(
                    "A second officer or manager must approve this refusal first (four eyes)."
                ),
                ApprovalKind.RELEASE: _(
                    "A second officer or manager must approve this release first (four eyes)."
                ),
            }[ApprovalKind(kind)]
        )
    approval.used_at = timezone.now()
    approval.parameters = {}  # carried out: the request holds what was done
    approval.save(update_fields=["used_at", "parameters"])
    return approval


def pending_for(request: Request) -> list[Approval]:
    """The request's approvals still open (waiting, or given and not yet used)."""
    return list(
        Approval.objects.filter(request=request, lapsed_at__isnull=True, used_at__isnull=True)
        .select_related("requested_by", "approved_by")
        .order_by("requested_at", "pk")
    )
