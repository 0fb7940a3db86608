"""The request page, its actions, and its files (identity documents viewed inline)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from csp.constants import SELF
from csp.decorators import csp_update
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.views.decorators.clickjacking import xframe_options_sameorigin

from accounts import access
from dsr import audit, broker, workflow
from dsr.attachments import (
    AttachmentDestroyed,
    AttachmentNotPermitted,
    attachment_open,
    pdf_walked,
)
from dsr.desk import queries
from dsr.desk.access import allow_methods, desk_view
from dsr.desk.actions import ACTIONS, fill_template, offered
from dsr.desk.badges import due_badge
from dsr.desk.forms import request_version
from dsr.desk.once import once
from dsr.desk.timeline import timeline
from dsr.models import AttachmentKind, Request

# What the browser may do with a served file: show it, nothing else (no scripts, no fetches).
FILE_CSP = "default-src 'none'; img-src 'self'; style-src 'unsafe-inline'; frame-ancestors 'self'"


@dataclass(frozen=True)
class Panel:
    """One action offered on the page: its form posts to its own URL."""

    name: str
    label: str
    form: Any
    url: str


# The page shows a PDF identity document in a frame of its own file view (request_file).
@csp_update({"frame-src": [SELF]})
def _render_page(
    request: HttpRequest,
    request_obj: Request,
    *,
    bound: tuple[str, Any] | None = None,
    error: str = "",
    status: int = 200,
) -> HttpResponse:
    membership = request.desk.membership_in(request_obj.organization_id)
    can_act = access.membership_can_act(membership)
    allowed = workflow.allowed_actions(request_obj) if can_act else []
    names = offered(request_obj, request.user, allowed) if can_act else []
    officers = queries.officers_of(request_obj.organization) if can_act else []
    templates = queries.reply_templates_for(request.user, request_obj) if can_act else []
    forms = {name: ACTIONS[name].build(request_obj, officers=officers) for name in names}
    chosen = _chosen_template(request, templates)
    if "message" in forms and chosen is not None:
        forms["message"] = ACTIONS["message"].build(
            request_obj, officers=officers, body=fill_template(chosen.body, request_obj)
        )
    if bound is not None:
        forms[bound[0]] = bound[1]
    today = queries.organization_today(request_obj.organization)
    attachments = queries.request_attachments(request_obj)
    context = {
        "request_obj": request_obj,
        "organization": request_obj.organization,
        "membership": membership,
        "can_act": can_act,
        "panels": [
            Panel(
                name=name,
                label=str(ACTIONS[name].label),
                form=form,
                url=reverse(f"desk:request_{name}", kwargs={"reference": request_obj.reference}),
            )
            for name, form in forms.items()
        ],
        "bound_action": bound[0] if bound else "",
        "action_error": error,
        "badge": due_badge(request_obj, today),
        "today": today,
        "timeline": timeline(request_obj),
        "identity_documents": [a for a in attachments if a.kind == AttachmentKind.IDENTITY_PROOF],
        "other_attachments": [a for a in attachments if a.kind != AttachmentKind.IDENTITY_PROOF],
        "siblings": queries.submission_siblings(request_obj),
        "reply_templates": templates,
        "chosen_template": chosen,
    }
    return render(request, "desk/request.html", context, status=status)


def _chosen_template(request: HttpRequest, templates: list) -> Any:
    wanted = request.GET.get("template", "")
    return next((t for t in templates if str(t.pk) == wanted), None)


@desk_view
def request_page(request: HttpRequest, reference: str) -> HttpResponse:
    request_obj = queries.request_for_desk(request.user, reference)
    allow_methods(request, "GET", "HEAD")
    return _render_page(request, request_obj)


@desk_view
@once  # a double submit (or a resend after an error page) acts once: one message, one mail
def request_action(request: HttpRequest, reference: str, action: str) -> HttpResponse:
    """Validate the action's form, call the workflow, and come back to the page.

    Outsiders get a 404 (the request is not theirs to see), viewers a 403; an action the
    state does not allow, or one made on a stale page, is a 409 and changes nothing."""
    request_obj = queries.request_for_desk(request.user, reference)
    allow_methods(request, "POST")
    membership = request.desk.membership_in(request_obj.organization_id)
    if not access.membership_can_act(membership):
        raise PermissionDenied("Viewers cannot act on requests.")
    spec = ACTIONS.get(action)
    if spec is None:
        raise Http404("No such action")
    officers = queries.officers_of(request_obj.organization) if action == "assign" else []
    form = spec.build(request_obj, officers=officers, data=request.POST)
    if not form.is_valid():
        return _render_page(request, request_obj, bound=(action, form), status=400)
    if spec.versioned and form.cleaned_data["version"] != request_version(request_obj):
        message = _(
            "This request changed since you opened the page (someone else acted on it). "
            "Nothing was done: check the page and try again."
        )
        return _render_page(request, request_obj, bound=(action, form), error=message, status=409)
    try:
        spec.perform(request_obj, form.cleaned_data, audit.Actor.for_user(request.user))
    except workflow.TransitionNotAllowed as exc:
        return _render_page(
            request, request_obj, bound=(action, form), error=exc.message, status=409
        )
    except workflow.InvalidInput as exc:
        form.add_error(None, exc.message)
        return _render_page(
            request, request_obj, bound=(action, form), error=exc.message, status=400
        )
    except workflow.NotPermitted as exc:
        raise PermissionDenied(exc.message) from exc
    messages.success(request, str(spec.done))
    broker.notify_if_waiting(request)
    return redirect("desk:request", reference=request_obj.reference)


@xframe_options_sameorigin
@desk_view
def request_file(request: HttpRequest, reference: str, attachment_id: int) -> HttpResponse:
    """A file of the request, decrypted, for viewing in the page.

    Identity documents only to officers and managers of the organisation; a destroyed file
    is gone (410). The response may only be shown, never run: nosniff and a CSP that allows
    nothing but the file itself."""
    request_obj = queries.request_for_desk(request.user, reference)
    attachment = queries.request_attachment(request.user, request_obj, attachment_id)
    allow_methods(request, "GET", "HEAD")
    try:
        content = attachment_open(
            attachment=attachment, user=request.user, shown=request.method == "GET"
        )
    except AttachmentNotPermitted as exc:
        raise PermissionDenied(str(exc)) from exc
    except AttachmentDestroyed:
        return HttpResponse(
            _("This file was destroyed on %(date)s.")
            % {"date": attachment.destroyed_at.date().isoformat()},
            status=410,
            content_type="text/plain; charset=utf-8",
        )
    # A PDF is shown inline only if it passes today's walk to its last page; any other
    # (stored before the walk covered it, an officer's unparseable evidence) is downloaded.
    inline = attachment.content_type != "application/pdf" or pdf_walked(content)
    response = HttpResponse(content, content_type=attachment.content_type)
    response["Content-Disposition"] = content_disposition_header(
        as_attachment=not inline, filename=attachment.original_name
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = FILE_CSP + (
        "" if attachment.content_type == "application/pdf" else "; sandbox"
    )
    response["Cache-Control"] = "no-store, private"
    response["Cross-Origin-Resource-Policy"] = "same-origin"
    return response
