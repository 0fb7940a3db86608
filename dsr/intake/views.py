"""The public form and the confirmation link (`/<organisation>/request/...`).

Views validate what was sent, apply the abuse limits, and call `dsr.intake.services`
(which calls `dsr.workflow`). See `dsr/intake/http.py` for what every page shares.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from urllib.parse import urlencode

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from accounts.models import Organization
from dsr import storage, workflow
from dsr.attachments import branding_read
from dsr.intake import challenge, language, limits, services
from dsr.intake.forms import SubmissionForm
from dsr.intake.http import (
    not_found,
    page_context,
    problem,
    read_body,
    subject_page,
    too_many,
)
from dsr.models import Status

log = logging.getLogger(__name__)


def _organization(slug: str) -> Organization | None:
    try:
        return Organization.objects.get(slug=slug)
    except Organization.DoesNotExist:
        return None


def _with_language(url: str, language_code: str) -> str:
    return f"{url}?{urlencode({'lang': language_code})}"


def _challenge_message(reason: str) -> str:
    return {
        "invalid": _("The form's security check did not pass. Please send it again."),
        "expired": _("The form was open for a long time and has expired. Please send it again."),
        "too_fast": _(
            "The form was sent very quickly after it opened. Please check your details and "
            "send it again."
        ),
        "used": _(
            "This form was already sent: check your mailbox for the e-mail to confirm it. To "
            "make another request, send the form again."
        ),
    }[reason]


@dataclass(frozen=True)
class _CheckedChallenge:
    """The posted challenge, checked, and the one to show if the form is sent back."""

    proof: challenge.Proof | None
    failure: str
    shown: str
    shown_nonce: str


def _check_challenge(request: HttpRequest, organization: Organization) -> _CheckedChallenge:
    posted = request.POST.get("challenge", "")
    nonce = request.POST.get("pow_nonce", "")
    try:
        proof = challenge.challenge_check(posted, nonce, organization_id=organization.pk)
    except challenge.ChallengeFailed as failed:
        # Too fast without JavaScript: keep it, so the time already spent keeps counting.
        shown = posted if failed.reason == "too_fast" else _new_challenge(organization)
        return _CheckedChallenge(None, failed.reason, shown, "")
    # Still good: kept for the next attempt, so the page's script need not work again.
    return _CheckedChallenge(proof, "", posted, nonce)


def _new_challenge(organization: Organization) -> str:
    return challenge.challenge_issue(organization_id=organization.pk)


def _render_form(
    request: HttpRequest,
    organization: Organization,
    form: SubmissionForm,
    challenge_value: str,
    *,
    nonce: str = "",
    message: str = "",
    status: int = 200,
) -> HttpResponse:
    if message:
        form.add_error(None, message)
    context = {
        **page_context(request, organization, request.LANGUAGE_CODE),
        "form": form,
        "rights": form.rights_with_explanations(),
        "challenge": challenge_value,
        "pow_nonce": nonce,
        "pow_bits": challenge.challenge_bits(challenge_value),
    }
    return render(request, "intake/form.html", context, status=status)


def _within_limits(
    network: str, organization: Organization, email: str, proof: challenge.Proof
) -> bool:
    """The submission limits: stricter for a form sent without the proof of work."""
    if proof.with_work:
        uses = [("submission_ip", network)]
    else:
        uses = [
            ("submission_nojs_ip", network),
            ("submission_nojs_organization", organization.slug),
        ]
    return limits.take_all(*uses, ("submission_email", email))


@subject_page
@require_http_methods(["GET", "POST"])
def submission_form(request: HttpRequest, organization_slug: str) -> HttpResponse:
    organization = _organization(organization_slug)
    if organization is None:
        return not_found(request)
    language.activate(request, organization)
    if request.method == "GET":
        form = SubmissionForm(organization=organization)
        return _render_form(request, organization, form, _new_challenge(organization))

    network = limits.client_network(request)
    if not limits.take("form_post_ip", network):
        return too_many(request, organization, request.path)
    unreadable = read_body(request, organization, request.path)
    if unreadable is not None:
        return unreadable
    current = language.activate(request, organization, chosen=request.POST.get("lang"))
    sent_url = _with_language(reverse("intake:sent", args=[organization.slug]), current)
    # The order is the cost: everything cheap that a bot can fail comes before any uploaded
    # file is opened (the rate limits, the honeypot, the challenge, the text of the form);
    # the files are judged last, within their pixel budget.
    form = SubmissionForm(request.POST, request.FILES, organization=organization)
    if form.is_bot:
        log.info("intake: honeypot filled on %s's form; nothing stored", organization.slug)
        return redirect(sent_url)

    checked = _check_challenge(request, organization)
    if checked.proof is None:
        # The text is shown back with its own errors; the files were never looked at.
        form = SubmissionForm(request.POST, organization=organization)
        message = _challenge_message(checked.failure)
        return _render_form(request, organization, form, checked.shown, message=message, status=400)
    if not form.is_valid():  # the text only: the files are counted, not opened
        return _render_form(
            request, organization, form, checked.shown, nonce=checked.shown_nonce, status=400
        )

    data = form.cleaned_data
    email = data["subject_email"].strip().lower()
    if not _within_limits(network, organization, email, checked.proof):
        message = _(
            "We received many requests from your connection or for this e-mail address "
            "recently. Please check your mailbox, or try again later."
        )
        return _render_form(
            request,
            organization,
            form,
            checked.shown,
            nonce=checked.shown_nonce,
            message=message,
            status=429,
        )
    if not form.files_check():
        return _render_form(
            request, organization, form, checked.shown, nonce=checked.shown_nonce, status=400
        )
    try:
        challenge.challenge_use(checked.proof)
    except challenge.ChallengeFailed:  # sent twice (a double click, the back button)
        message = _challenge_message("used")
        fresh = _new_challenge(organization)
        return _render_form(request, organization, form, fresh, message=message, status=400)

    try:
        services.submission_receive(
            organization=organization,
            rights=data["rights"],
            language=current,
            subject_name=data["subject_name"],
            subject_email=email,
            subject_customer_number=data["subject_customer_number"],
            subject_postal_address=data["subject_postal_address"],
            description=data["description"],
            answer_channel=data["answer_channel"],
            direct_marketing=data["direct_marketing"],
            documents=data.get("documents") or [],
        )
    except workflow.InvalidInput as invalid:
        # The form checks everything the workflow does; this is a safety net.
        log.warning("intake: the workflow refused a checked form: %s", invalid.message)
        message = _("Your request could not be registered. Please check it and try again.")
        fresh = _new_challenge(organization)
        return _render_form(request, organization, form, fresh, message=message, status=400)
    return redirect(sent_url)


@subject_page
@require_GET
def submission_sent(request: HttpRequest, organization_slug: str) -> HttpResponse:
    organization = _organization(organization_slug)
    if organization is None:
        return not_found(request)
    current = language.activate(request, organization)
    context = {
        **page_context(request, organization, current),
        "valid_days": services.CONFIRMATION_VALID.days,
    }
    return render(request, "intake/sent.html", context)


@subject_page
@require_http_methods(["GET", "POST"])
def confirm(request: HttpRequest, organization_slug: str, token: str) -> HttpResponse:
    """The link in the confirmation e-mail.

    Opening it shows a button; the request is confirmed by pressing it (a POST), so a mail
    scanner that fetches every link in a message cannot confirm a request on its own."""
    organization = _organization(organization_slug)
    if organization is None:
        return not_found(request)
    link = services.confirmation_read(token)
    requests = services.submission_requests(organization, link.submission_id) if link else []
    language.activate(request, organization, preferred=requests[0].language if requests else "")
    current = request.LANGUAGE_CODE
    context = {**page_context(request, organization, current), "requests": requests}
    form_url = reverse("intake:form", args=[organization.slug])

    if not requests:
        return problem(
            request,
            organization,
            title=_("This link is not valid"),
            message=_(
                "This confirmation link is not one we sent, or it was not copied completely. "
                "Please open the link from the e-mail again, or send a new request."
            ),
            status=400,
            back_url=form_url,
        )
    waiting = [request_obj for request_obj in requests if request_obj.status == Status.UNVERIFIED]
    if not waiting:
        if services.submission_was_confirmed(requests):
            context["status_url"] = reverse("intake:status", args=[requests[0].public_token])
            return render(request, "intake/confirm_done.html", context)
        return problem(
            request,
            organization,
            title=_("This request was withdrawn"),
            message=_(
                "The request was not confirmed within %(days)d days, so it was withdrawn. "
                "Please send a new request."
            )
            % {"days": services.UNCONFIRMED_WITHDRAW_AFTER.days},
            status=410,
            back_url=form_url,
        )

    if request.method == "POST":
        if not limits.take("status_action_ip", limits.client_network(request)):
            return too_many(request, organization, request.path)
        unreadable = read_body(request, organization, request.path)
        if unreadable is not None:
            return unreadable
        current = language.activate(
            request, organization, preferred=requests[0].language, chosen=request.POST.get("lang")
        )
    if link.expired:
        if request.method == "POST":
            if not limits.take("confirmation_resend", str(link.submission_id)):
                return too_many(request, organization, request.path)
            services.confirmation_resend(requests=requests)
            return render(request, "intake/confirm_resent.html", context)
        context["valid_days"] = services.CONFIRMATION_VALID.days
        return render(request, "intake/confirm_expired.html", context, status=410)
    if request.method == "POST":
        confirmed = services.submission_confirm(requests=requests)
        first = (confirmed or requests)[0]
        url = reverse("intake:status", args=[first.public_token])
        return redirect(f"{url}?{urlencode({'notice': 'confirmed', 'lang': current})}")
    return render(request, "intake/confirm.html", context)


@require_GET
def organization_logo(request: HttpRequest, organization_slug: str) -> HttpResponse:
    """The organisation's logo for its public pages: raster images only, by content."""
    organization = _organization(organization_slug)
    if organization is None or not organization.logo:
        return not_found(request)
    try:
        content = branding_read(organization.logo, 2 * 1024 * 1024)
    except OSError as error:
        if storage.bucket_unavailable(error):
            raise  # the page says the storage is briefly unavailable
        return not_found(request)
    content_type = _image_type(content) if content else None
    if content_type is None:
        return not_found(request)
    response = HttpResponse(content, content_type=content_type)
    response.headers["Cache-Control"] = "public, max-age=3600"
    response.headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response


def _image_type(content: bytes) -> str | None:
    # SVG is left out on purpose: it can carry scripts.
    if content.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if content.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if content.startswith((b"GIF87a", b"GIF89a")):
        return "image/gif"
    if content[:4] == b"RIFF" and content[8:12] == b"WEBP":
        return "image/webp"
    return None
