"""The subject's status page (`/r/<token>/`): follow, answer, withdraw.

The token in the address is the only key; an unknown or malformed one gets the same
plain 404 as any missing page. Every change is made by `dsr.workflow` with the subject
as the actor, so each one is an Event.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any
from urllib.parse import urlencode

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from accounts.models import Organization
from dsr import deadlines, workflow
from dsr.intake import language, limits, services
from dsr.intake.forms import AnswerForm, WithdrawForm
from dsr.intake.http import not_found, page_context, read_body, subject_page, too_many
from dsr.models import Message, Request, Status


def _notices() -> dict[str, str]:
    return {
        "confirmed": _(
            "Thank you: your e-mail address is confirmed and we have started on your "
            "request. We also sent you an e-mail with this page's address."
        ),
        "answered": _("Thank you: we received your answer. The time limit runs again."),
        "withdrawn": _("The request is withdrawn. We will not work on it any more."),
        "closed": _("This request can no longer be changed."),
    }


def _status_url(request_obj: Request, notice: str = "", language_code: str = "") -> str:
    url = reverse("intake:status", args=[request_obj.public_token])
    query = {key: value for key, value in (("notice", notice), ("lang", language_code)) if value}
    return f"{url}?{urlencode(query)}" if query else url


def _subject_status(request_obj: Request) -> str:
    """The request's state in plain words for the subject (not the desk's labels)."""
    return {
        Status.UNVERIFIED: _("Waiting for you to confirm your e-mail address."),
        Status.IDENTITY_CHECK: _("Received. We are checking that the request is yours."),
        Status.IN_PROGRESS: _("We are working on your request."),
        Status.AWAITING_SUBJECT: _(
            "We need information from you: please read our message and answer below. "
            "Until you answer, the time limit is paused."
        ),
        Status.COMPLETED: _("Completed. We have answered your request."),
        Status.REFUSED: _(
            "Refused. Our letter gives the reasons and tells you how you can complain."
        ),
        Status.WITHDRAWN: _("Withdrawn. We no longer work on this request."),
    }[request_obj.status]


def _render(
    request: HttpRequest,
    request_obj: Request,
    *,
    answer_forms: dict[int, AnswerForm] | None = None,
    status: int = 200,
) -> HttpResponse:
    """The status page of `request_obj` (the token's request): every request of its
    submission, each with its messages, letters, packages and what the subject may do."""
    organization = request_obj.organization
    current = request.LANGUAGE_CODE
    now = timezone.now()
    today = deadlines.receipt_date(now, time_zone=organization.time_zone)
    answer_forms = answer_forms or {}
    items = [
        _status_item(shown, organization=organization, now=now, today=today, forms=answer_forms)
        for shown in services.status_page_requests(request_obj)
    ]
    context = {
        **page_context(request, organization, current),
        "items": items,
        "from_subject": Message.Direction.FROM_SUBJECT,
        "notice": _notices().get(request.GET.get("notice", "")),
    }
    # Times of messages in the organisation's zone, as the dates above.
    with timezone.override(organization.time_zone):
        return render(request, "intake/status.html", context, status=status)


def _status_item(
    request_obj: Request,
    *,
    organization: Organization,
    now: datetime,
    today: date,
    forms: dict[int, AnswerForm],
) -> dict[str, Any]:
    """One request of the submission as the status page shows it."""
    zone = organization.time_zone
    waiting_for_subject = request_obj.status == Status.AWAITING_SUBJECT
    return {
        "request": request_obj,
        "status_text": _subject_status(request_obj),
        "received_on": deadlines.receipt_date(request_obj.received_at, time_zone=zone),
        "due_date_differs": request_obj.effective_due_date != request_obj.due_date,
        "overdue": request_obj.is_open
        and not request_obj.is_paused
        and request_obj.effective_due_date < today,
        "messages": list(request_obj.messages.all()),
        "letters": services.subject_letters(request_obj),
        "packages": services.subject_packages(request_obj, now=now),
        "closed_on": deadlines.receipt_date(request_obj.closed_at, time_zone=zone)
        if request_obj.closed_at
        else None,
        "answer_form": forms.get(request_obj.pk, AnswerForm(prefix=request_obj.reference))
        if waiting_for_subject
        else None,
        "can_withdraw": "withdraw" in workflow.allowed_actions(request_obj),
    }


@subject_page
@require_http_methods(["GET", "HEAD"])
def status_page(request: HttpRequest, token: str) -> HttpResponse:
    request_obj = services.request_by_token(token)
    if request_obj is None:
        return not_found(request)
    language.activate(request, request_obj.organization, preferred=request_obj.language)
    return _render(request, request_obj)


@subject_page
@require_POST
def answer(request: HttpRequest, token: str) -> HttpResponse:
    request_obj = services.request_by_token(token)
    if request_obj is None:
        return not_found(request)
    organization = request_obj.organization
    language.activate(request, organization, preferred=request_obj.language)
    if request_obj.status != Status.AWAITING_SUBJECT:
        return redirect(_status_url(request_obj, "closed"))
    if not limits.take("status_action_ip", limits.client_network(request)):
        return too_many(
            request,
            organization,
            _status_url(request_obj),
            _("We received many answers from your connection. Please try again later."),
        )
    unreadable = read_body(request, organization, _status_url(request_obj))
    if unreadable is not None:
        return unreadable
    current = language.activate(
        request, organization, preferred=request_obj.language, chosen=request.POST.get("lang")
    )
    form = AnswerForm(request.POST, request.FILES, prefix=request_obj.reference)
    # The token and the limits were checked above; the files are opened only now.
    if not form.is_valid() or not form.files_check():
        return _render(request, request_obj, answer_forms={request_obj.pk: form}, status=400)
    try:
        services.answer_record(
            request=request_obj,
            message=form.cleaned_data["message"],
            files=form.cleaned_data["files"],
        )
    except workflow.TransitionNotAllowed:
        return redirect(_status_url(request_obj, "closed", current))
    return redirect(_status_url(request_obj, "answered", current))


@subject_page
@require_http_methods(["GET", "POST"])
def withdraw(request: HttpRequest, token: str) -> HttpResponse:
    """Withdrawing takes two steps: this page asks, its button withdraws."""
    request_obj = services.request_by_token(token)
    if request_obj is None:
        return not_found(request)
    organization = request_obj.organization
    current = language.activate(request, organization, preferred=request_obj.language)
    if "withdraw" not in workflow.allowed_actions(request_obj):
        return redirect(_status_url(request_obj, "closed"))
    form = WithdrawForm()
    if request.method == "POST":
        if not limits.take("status_action_ip", limits.client_network(request)):
            return too_many(
                request,
                organization,
                _status_url(request_obj),
                _("We received many actions from your connection. Please try later."),
            )
        unreadable = read_body(request, organization, _status_url(request_obj))
        if unreadable is not None:
            return unreadable
        current = language.activate(
            request, organization, preferred=request_obj.language, chosen=request.POST.get("lang")
        )
        form = WithdrawForm(request.POST)
        if form.is_valid():
            try:
                services.request_withdraw_by_subject(
                    request=request_obj, reason=form.cleaned_data["reason"]
                )
            except workflow.TransitionNotAllowed:
                return redirect(_status_url(request_obj, "closed", current))
            return redirect(_status_url(request_obj, "withdrawn", current))
    context = {
        **page_context(request, organization, current),
        "item": request_obj,
        "form": form,
        "status_url": _status_url(request_obj),
    }
    return render(request, "intake/withdraw.html", context, status=400 if form.errors else 200)
