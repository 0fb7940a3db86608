"""Tags of the request page's human-control sections (issue 18): four eyes, the identity
match, repeat requests. The page includes each section with only `request_obj`, `can_act`
and the signed-in user; these tags gather what the section shows."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django import template

from dsr import audit, four_eyes
from dsr.desk import repeats
from dsr.desk.forms import RefuseForm
from dsr.fulfilment import identity_match
from dsr.models import (
    Approval,
    ApprovalKind,
    Job,
    PackageReview,
    Request,
    ReviewStatus,
    Right,
    Status,
)

register = template.Library()


@dataclass
class ApprovalRow:
    approval: Approval
    can_approve: bool
    can_refuse: bool = False


@dataclass
class FourEyes:
    rows: list[ApprovalRow] = field(default_factory=list)
    history: list[Approval] = field(default_factory=list)
    planned_by: Any = None
    erasure: bool = False
    refusal: bool = False
    release: bool = False
    ask_refusal_form: Any = None
    ask_release: bool = False

    @property
    def shown(self) -> bool:
        return bool(self.rows or self.history or self.ask_refusal_form or self.ask_release)


@register.simple_tag
def four_eyes_state(request_obj: Request, user: Any, can_act: bool) -> FourEyes:
    organization = request_obj.organization
    state = FourEyes(
        erasure=organization.four_eyes_erasure and request_obj.right == Right.ERASURE,
        refusal=organization.four_eyes_refusal,
        release=organization.four_eyes_release,
    )
    anything_asked = organization.four_eyes_erasure or state.refusal or state.release
    if not anything_asked and not Approval.objects.filter(request=request_obj).exists():
        return state
    actor = audit.Actor.for_user(user)
    for approval in four_eyes.pending_for(request_obj):
        approval.request = request_obj
        can = can_act and approval.is_pending and not four_eyes.approver_blocker(approval, actor)
        state.rows.append(
            ApprovalRow(
                approval=approval,
                can_approve=can,
                can_refuse=can_act
                and approval.kind == ApprovalKind.REFUSAL
                and approval.is_live
                and request_obj.is_open,
            )
        )
    state.history = list(
        Approval.objects.filter(request=request_obj, used_at__isnull=False)
        .select_related("requested_by", "approved_by")
        .order_by("-used_at")[:5]
    )
    job = Job.objects.filter(request=request_obj).select_related("planned_by").first()
    state.planned_by = job.planned_by if job is not None else None
    if (
        can_act
        and state.refusal
        and request_obj.status
        in (Status.IDENTITY_CHECK, Status.IN_PROGRESS, Status.AWAITING_SUBJECT)
    ):
        state.ask_refusal_form = RefuseForm(request_obj=request_obj)
    if can_act and state.release:
        waiting = PackageReview.objects.filter(
            job__request=request_obj, status=ReviewStatus.REVIEW
        ).first()
        state.ask_release = waiting is not None and not any(
            row.approval.kind == ApprovalKind.RELEASE
            and row.approval.covers == four_eyes.release_covers(waiting)[0]
            for row in state.rows
        )
    return state


@dataclass
class MatchState:
    event: Any
    sentences: list[str]
    can_run: bool


@register.simple_tag
def identity_match_state(request_obj: Request, can_act: bool) -> MatchState:
    event = identity_match.latest_match(request_obj)
    return MatchState(
        event=event,
        sentences=identity_match.match_sentences(event.data) if event else [],
        can_run=can_act and request_obj.status == Status.IDENTITY_CHECK,
    )


@register.simple_tag
def repeat_of(request_obj: Request) -> repeats.Repeat | None:
    return repeats.repeat_of(request_obj)
