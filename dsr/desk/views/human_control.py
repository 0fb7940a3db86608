"""The request page's human-control actions (issue 18): approve as the second pair of
eyes, refuse once a refusal is approved, match the identity against the sources.

Outsiders get a 404 (the request is not theirs to see), viewers a 403; the rules are the
services' (dsr/four_eyes.py, dsr/workflow.py, dsr/fulfilment/identity_match.py)."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _

from accounts import access
from dsr import audit, four_eyes, workflow
from dsr.desk import queries
from dsr.desk.access import allow_methods, desk_view
from dsr.desk.once import once
from dsr.fulfilment import identity_match, release_gate
from dsr.models import Approval, ApprovalKind, PackageReview, Request, ReviewStatus


def _acting(request: HttpRequest, reference: str) -> Request:
    request_obj = queries.request_for_desk(request.user, reference)
    allow_methods(request, "POST")
    membership = request.desk.membership_in(request_obj.organization_id)
    if not access.membership_can_act(membership):
        raise PermissionDenied(_("Viewers cannot act on requests."))
    return request_obj


def _approval(request_obj: Request, approval_id: int) -> Approval:
    approval = Approval.objects.filter(request=request_obj, pk=approval_id).first()
    if approval is None:
        raise Http404("No such approval")
    return approval


@desk_view
@once
def approval_give(request: HttpRequest, reference: str, approval_id: int) -> HttpResponse:
    request_obj = _acting(request, reference)
    approval = _approval(request_obj, approval_id)
    try:
        four_eyes.approval_give(approval=approval, actor=audit.Actor.for_user(request.user))
    except four_eyes.ApprovalError as error:
        if error.code == "not_permitted":
            raise PermissionDenied(error.message) from None
        messages.error(request, error.message)
    else:
        messages.success(request, _("Approved. The action can now be carried out."))
    return redirect("desk:request", reference=request_obj.reference)


@desk_view
@once
def approval_refuse(request: HttpRequest, reference: str, approval_id: int) -> HttpResponse:
    """Carry out the approved refusal, with the ground and explanation that were approved."""
    request_obj = _acting(request, reference)
    approval = _approval(request_obj, approval_id)
    if approval.kind != ApprovalKind.REFUSAL:
        raise Http404("Not a refusal")
    ground, explanation = four_eyes.refusal_of(approval)
    try:
        workflow.request_refuse(
            request=request_obj,
            ground=ground,
            explanation=explanation,
            actor=audit.Actor.for_user(request.user),
        )
    except workflow.NotPermitted as error:
        raise PermissionDenied(error.message) from None
    except workflow.WorkflowError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("Request refused."))
    return redirect("desk:request", reference=request_obj.reference)


@desk_view
@once
def release_ask(request: HttpRequest, reference: str) -> HttpResponse:
    """Four eyes on releases: ask a second officer or manager to approve releasing the
    package as it is reviewed now (a later decision needs a new approval)."""
    request_obj = _acting(request, reference)
    review = PackageReview.objects.filter(
        job__request=request_obj, status=ReviewStatus.REVIEW
    ).first()
    if review is None:
        messages.error(request, _("No data package is waiting for review."))
    elif not four_eyes.required(request_obj.organization, ApprovalKind.RELEASE):
        messages.error(request, _("This organisation does not ask for four eyes on releases."))
    else:
        release_gate.release_approval_ask(review=review, actor=audit.Actor.for_user(request.user))
        messages.success(request, _("A second officer or manager is asked to approve the release."))
    return redirect("desk:request", reference=request_obj.reference)


@desk_view
def identity_match_run(request: HttpRequest, reference: str) -> HttpResponse:
    request_obj = _acting(request, reference)
    try:
        identity_match.identity_match(request=request_obj, actor=audit.Actor.for_user(request.user))
    except identity_match.MatchError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("The data sources were searched; nothing was changed."))
    return redirect(reverse("desk:request", args=[request_obj.reference]) + "#identity")
