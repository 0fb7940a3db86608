"""The subject's status page (`/r/<token>/`): follow, answer, withdraw.

The token in the address is the only key; an unknown or malformed one gets the same
plain 404 as any missing page. Every change is made by `dsr.workflow` with the subject
as the actor, so each one is an Event.
"""

from __future__ import annotations

from urllib.parse import urlencode

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

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


def _status_url(request: Request, notice: str = "", language_code: str = "") -> str:
    url = reverse("intake:status", args=[request.public_token])
    query = {key: value for key, value in (("notice", notice), ("lang", language_code)) if value}
    return f"{url}?{urlencode(query)}" if query else url


def _subject_status(request: Request) -> str:
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
    }[request.status]


def _render(
    http_request: HttpRequest,
    token_request: Request,
    *,
    answer_forms: dict[int, AnswerForm] | None = None,
    status: int = 200,
) -> HttpResponse:
    organization = token_request.organization
    current = http_request.LANGUAGE_CODE
    now = timezone.now()
    today = deadlines.receipt_date(now, time_zone=organization.time_zone)
    answer_forms = answer_forms or {}
    items = []
    for item in services.status_page_requests(token_request):
        waiting_for_subject = item.status == Status.AWAITING_SUBJECT
        items.append(
            {
                "request": item,
                "status_text": _subject_status(item),
                "received_on": deadlines.receipt_date(
                    item.received_at, time_zone=organization.time_zone
                ),
                "due_date_differs": item.effective_due_date != item.due_date,
                "overdue": item.is_open and not item.is_paused and item.effective_due_date < today,
                "messages": list(item.messages.all()),
                "letters": services.subject_letters(item),
                "packages": services.subject_packages(item, now=now),
                "closed_on": deadlines.receipt_date(
                    item.closed_at, time_zone=organization.time_zone
                )
                if item.closed_at
                else None,
                "answer_form": answer_forms.get(item.pk, AnswerForm(prefix=item.reference))
                if waiting_for_subject
                else None,
                "can_withdraw": "withdraw" in workflow.allowed_actions(item),
            }
        )
    context = {
        **page_context(http_request, organization, current),
        "items": items,
        "from_subject": Message.Direction.FROM_SUBJECT,
        "notice": _notices().get(http_request.GET.get("notice", "")),
    }
    # Times of messages in the organisation's zone, as the dates above.
    with timezone.override(organization.time_zone):
        return render(http_request, "intake/status.html", context, status=status)


@subject_page
@require_http_methods(["GET", "HEAD"])
def status_page(request: HttpRequest, token: str) -> HttpResponse:
    found = services.request_by_token(token)
    if found is None:
        return not_found(request)
    language.activate(request, found.organization, preferred=found.language)
    return _render(request, found)


@subject_page
@require_POST
def answer(request: HttpRequest, token: str) -> HttpResponse:
    found = services.request_by_token(token)
    if found is None:
        return not_found(request)
    organization = found.organization
    language.activate(request, organization, preferred=found.language)
    if found.status != Status.AWAITING_SUBJECT:
        return redirect(_status_url(found, "closed"))
    if not limits.take("status_action_ip", limits.client_network(request)):
        return too_many(
            request,
            organization,
            _status_url(found),
            _("We received many answers from your connection. Please try again later."),
        )
    unreadable = read_body(request, organization, _status_url(found))
    if unreadable is not None:
        return unreadable
    current = language.activate(
        request, organization, preferred=found.language, chosen=request.POST.get("lang")
    )
    form = AnswerForm(request.POST, request.FILES, prefix=found.reference)
    # The token and the limits were checked above; the files are opened only now.
    if not form.is_valid() or not form.files_check():
        return _render(request, found, answer_forms={found.pk: form}, status=400)
    try:
        services.answer_record(
            request=found,
            message=form.cleaned_data["message"],
            files=form.cleaned_data["files"],
        )
    except workflow.TransitionNotAllowed:
        return redirect(_status_url(found, "closed", current))
    return redirect(_status_url(found, "answered", current))


@subject_page
@require_http_methods(["GET", "POST"])
def withdraw(request: HttpRequest, token: str) -> HttpResponse:
    """Withdrawing takes two steps: this page asks, its button withdraws."""
    found = services.request_by_token(token)
    if found is None:
        return not_found(request)
    organization = found.organization
    current = language.activate(request, organization, preferred=found.language)
    if "withdraw" not in workflow.allowed_actions(found):
        return redirect(_status_url(found, "closed"))
    form = WithdrawForm()
    if request.method == "POST":
        if not limits.take("status_action_ip", limits.client_network(request)):
            return too_many(
                request,
                organization,
                _status_url(found),
                _("We received many actions from your connection. Please try later."),
            )
        unreadable = read_body(request, organization, _status_url(found))
        if unreadable is not None:
            return unreadable
        current = language.activate(
            request, organization, preferred=found.language, chosen=request.POST.get("lang")
        )
        form = WithdrawForm(request.POST)
        if form.is_valid():
            try:
                services.request_withdraw_by_subject(
                    request=found, reason=form.cleaned_data["reason"]
                )
            except workflow.TransitionNotAllowed:
                return redirect(_status_url(found, "closed", current))
            return redirect(_status_url(found, "withdrawn", current))
    context = {
        **page_context(request, organization, current),
        "item": found,
        "form": form,
        "status_url": _status_url(found),
    }
    return render(request, "intake/withdraw.html", context, status=400 if form.errors else 200)
