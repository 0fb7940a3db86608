"""Letters in the desk (the request's letters, composing with a preview, downloads, sending),
the print queue, the manager's letter settings, and the subject's download.

Every desk view requires a verified desk session (`desk_view`) and finds its objects
through `accounts.access.visible_to`, so another organisation's letter is a 404; acting
(issuing, sending, printing) also needs an officer or manager of the object's own
organisation (viewers see, and get a 403 when they try). Views validate and call
`services` / `printing`, nothing more.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.templatetags.static import static
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts import access
from accounts.models import Organization
from dsr import audit, broker
from dsr.desk.access import desk_view
from dsr.letters import forms, printing, services, signing
from dsr.letters import render as letter_render
from dsr.letters.content import available_kinds
from dsr.models import (
    Letter,
    LetterKind,
    LetterStatus,
    PrintBatch,
    PrintBatchStatus,
    RegisterIncomplete,
    Request,
)

PREVIEW_CSP = "default-src 'none'; style-src 'self'; font-src 'self'; img-src 'self'"


def _request_for(request: HttpRequest, request_id: int) -> Request:
    queryset = Request.objects.select_related("organization")
    return get_object_or_404(access.visible_to(request.user, queryset), pk=request_id)


def _letter_for(request: HttpRequest, letter_id: int) -> Letter:
    queryset = Letter.objects.select_related("request__organization", "issued_by")
    return get_object_or_404(access.visible_to(request.user, queryset), pk=letter_id)


def _require_act(request: HttpRequest, organization: Organization) -> audit.Actor:
    access.require_act(request.user, organization, _("Only officers and managers may do this."))
    return audit.Actor.for_user(request.user)


def _back(request: HttpRequest, fallback: str) -> HttpResponse:
    """Return to the page the form was on (the desk's request page, say), if it is ours."""
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return redirect(target)
    return redirect(fallback)


def _pdf_response(content: bytes, filename: str, *, inline: bool = False) -> FileResponse:
    import io

    response = FileResponse(
        io.BytesIO(content),
        content_type="application/pdf",
        as_attachment=not inline,
        filename=filename,
    )
    response.headers["Cache-Control"] = "no-store"
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


# --- a request's letters -------------------------------------------------------------------


@desk_view
@require_GET
def request_letters(request: HttpRequest, request_id: int) -> HttpResponse:
    """The letters of one request: the panel the desk's request page includes, on its own."""
    request_obj = _request_for(request, request_id)
    return render(
        request,
        "letters/request_letters.html",
        {
            "request_obj": request_obj,
            "can_act": access.can_act(request.user, request_obj.organization),
        },
    )


def _compose_forms(
    request: HttpRequest, request_obj: Request, kind: str, data: Any = None
) -> tuple[forms.LetterForm, Any]:
    form = forms.LetterForm(data, request=request_obj, kind=kind, prefix="letter")
    formset = None
    if form.wants_systems:
        formset = forms.SystemOutcomeFormSet(
            data, prefix="systems", initial=None if data else forms.systems_initial(request_obj)
        )
    elif form.wants_withheld:
        formset = forms.WithheldItemFormSet(data, prefix="withheld", request_obj=request_obj)
    return form, formset


def _preview_html(request_obj: Request, kind: str, fields: dict, corrects: Letter | None) -> str:
    organization = request_obj.organization
    urls = {"css": static("letters/letter.css")}
    for role, field in (("logo", organization.logo), ("signature", organization.signature_image)):
        if field:
            urls[role] = reverse("letters:branding", args=[organization.pk, role])
    return services.letter_preview(
        request=request_obj, kind=kind, fields=fields, corrects=corrects, urls=urls
    )


@desk_view
@require_http_methods(["GET", "POST"])
def compose(request: HttpRequest, request_id: int) -> HttpResponse:
    """Write a letter: its fields and, below them, a preview of exactly what will be issued.

    GET shows the preview with the default fields; "Preview" posts here and shows it with
    what the officer typed; "Issue letter" posts to `issue`."""
    request_obj = _request_for(request, request_id)
    corrects = None
    if correct_id := request.GET.get("corrects") or request.POST.get("corrects"):
        try:
            corrects = _letter_for(request, int(correct_id))
        except ValueError:
            raise Http404 from None
        if corrects.request_id != request_obj.pk:
            raise Http404
        kind = corrects.kind
    else:
        kind = request.GET.get("kind") or request.POST.get("kind") or ""
        if kind not in available_kinds(request_obj):
            messages.error(request, _("This letter does not fit the request's current state."))
            return redirect("letters:request", request_id=request_obj.pk)
    data = request.POST if request.method == "POST" else None
    form, formset = _compose_forms(request, request_obj, kind, data)
    preview = None
    if data is None or (form.is_valid() and (formset is None or formset.is_valid())):
        if data is None:
            form_fields = _initial_fields(form, formset)
        else:
            form_fields = form.letter_fields(forms.items_from(formset))
        try:
            preview = _preview_html(request_obj, kind, form_fields, corrects)
        except RegisterIncomplete as error:
            messages.error(request, str(error))
    return render(
        request,
        "letters/compose.html",
        {
            "request_obj": request_obj,
            "kind": kind,
            "kind_label": LetterKind(kind).label,
            "form": form,
            "formset": formset,
            "preview": preview,
            "corrects": corrects,
            "can_act": access.can_act(request.user, request_obj.organization),
            "next": request.GET.get("next") or request.POST.get("next") or "",
        },
    )


def _initial_fields(form: forms.LetterForm, formset: Any) -> dict:
    """The fields as the form first shows them (for the first preview)."""
    initial = {name: field.initial for name, field in form.fields.items()}
    fields: dict[str, Any] = {
        "note": "",
        "information": initial.get("information") or "",
        "enclosures": [
            line.strip() for line in (initial.get("enclosures") or "").splitlines() if line.strip()
        ],
        "systems": [dict(item) for item in (formset.initial or [])] if form.wants_systems else [],
    }
    if "activities" in form.fields:
        fields["activity_ids"] = list(initial.get("activities") or [])
    if "recipients_told" in form.fields:
        fields["recipients_told"] = [r.name for r in initial.get("recipients_told") or []]
    return fields


@desk_view
@require_POST
def issue(request: HttpRequest, request_id: int) -> HttpResponse:
    request_obj = _request_for(request, request_id)
    actor = _require_act(request, request_obj.organization)
    corrects = None
    if correct_id := request.POST.get("corrects"):
        try:
            corrects = _letter_for(request, int(correct_id))
        except ValueError:
            raise Http404 from None
    kind = corrects.kind if corrects else request.POST.get("kind", "")
    if kind not in LetterKind.values:
        raise Http404
    form, formset = _compose_forms(request, request_obj, kind, request.POST)
    if not form.is_valid() or (formset is not None and not formset.is_valid()):
        return compose(request, request_id)
    try:
        services.letter_issue(
            request=request_obj,
            kind=kind,
            actor=actor,
            fields=form.letter_fields(forms.items_from(formset)),
            corrects=corrects,
        )
    except services.LetterError as error:
        messages.error(request, str(error))
    else:
        if broker.unreachable():
            messages.warning(
                request,
                _(
                    "The letter is issued and saved. The worker cannot be reached just now: "
                    "it will be rendered and signed as soon as it is back."
                ),
            )
        else:
            messages.success(request, _("The letter is being rendered and signed."))
    return _back(request, reverse("letters:request", args=[request_obj.pk]))


@desk_view
@require_GET
def branding(request: HttpRequest, organization_id: int, role: str) -> HttpResponse:
    """The logo or signature image, for the HTML preview."""
    organization = get_object_or_404(
        access.visible_to(request.user, Organization.objects.all()), pk=organization_id
    )
    field = {"logo": organization.logo, "signature": organization.signature_image}.get(role)
    image = letter_render._stored_image(field.name) if field else None
    if image is None:
        raise Http404
    response = HttpResponse(image[0], content_type=image[1])
    response.headers["Cache-Control"] = "private, max-age=300"
    return response


# --- one letter ----------------------------------------------------------------------------


@desk_view
@require_GET
def download(request: HttpRequest, letter_id: int) -> HttpResponse:
    letter = _letter_for(request, letter_id)
    try:
        content = services.letter_download(letter=letter, actor=audit.Actor.for_user(request.user))
    except services.LetterNotReady:
        raise Http404 from None
    except services.LetterRemoved as removed:
        return HttpResponse(str(removed), status=410, content_type="text/plain; charset=utf-8")
    return _pdf_response(content, letter.file_name, inline=request.GET.get("inline") == "1")


@desk_view
@require_GET
def status(request: HttpRequest, letter_id: int) -> JsonResponse:
    """For the panel's poll while a letter renders."""
    letter = _letter_for(request, letter_id)
    return JsonResponse({"status": letter.status, "sha256": letter.sha256})


def _letter_action(request: HttpRequest, letter_id: int, action: Any, done: str) -> HttpResponse:
    letter = _letter_for(request, letter_id)
    actor = _require_act(request, letter.request.organization)
    try:
        action(letter=letter, actor=actor)
    except services.LetterError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, done)
    return _back(request, reverse("letters:request", args=[letter.request_id]))


@desk_view
@require_POST
def send_email(request: HttpRequest, letter_id: int) -> HttpResponse:
    return _letter_action(
        request, letter_id, services.letter_send_email, _("The letter is on its way by e-mail.")
    )


@desk_view
@require_POST
def queue_post(request: HttpRequest, letter_id: int) -> HttpResponse:
    return _letter_action(
        request, letter_id, services.letter_queue_for_post, _("The letter is in the print queue.")
    )


@desk_view
@require_POST
def retry(request: HttpRequest, letter_id: int) -> HttpResponse:
    return _letter_action(
        request, letter_id, services.letter_retry, _("The letter is being rendered again.")
    )


# --- the print queue -----------------------------------------------------------------------


@desk_view
@require_http_methods(["GET", "POST"])
def print_queue(request: HttpRequest) -> HttpResponse:
    letters = list(printing.waiting_for_post(request.user)[:1000])
    if request.method == "POST":
        form = forms.PrintSelectionForm(request.POST, letter_ids=[letter.pk for letter in letters])
        if not form.is_valid():
            messages.error(request, _("Select the letters to print."))
            return redirect("letters:print_queue")
        organization = get_object_or_404(
            access.visible_to(request.user, Organization.objects.all()),
            pk=form.cleaned_data["organization"],
        )
        actor = _require_act(request, organization)
        chosen = [letter for letter in letters if letter.pk in set(form.cleaned_data["letters"])]
        try:
            batch = printing.print_batch_create(
                organization=organization, letters=chosen, actor=actor
            )
        except services.LetterError as error:
            messages.error(request, str(error))
            return redirect("letters:print_queue")
        return redirect("letters:print_batch", batch_id=batch.pk)
    groups: dict[int, dict[str, Any]] = {}
    for letter in letters:
        organization = letter.request.organization
        group = groups.setdefault(
            organization.pk,
            {
                "organization": organization,
                "letters": [],
                "can_act": access.can_act(request.user, organization),
            },
        )
        group["letters"].append(letter)
    batches = (
        access.visible_to(request.user, PrintBatch.objects.select_related("organization"))
        .exclude(status=PrintBatchStatus.POSTED)
        .order_by("-created_at")[:20]
    )
    return render(
        request,
        "letters/print_queue.html",
        {"groups": list(groups.values()), "batches": batches},
    )


def _batch_for(request: HttpRequest, batch_id: int) -> PrintBatch:
    queryset = PrintBatch.objects.select_related("organization")
    return get_object_or_404(access.visible_to(request.user, queryset), pk=batch_id)


@desk_view
@require_GET
def print_batch(request: HttpRequest, batch_id: int) -> HttpResponse:
    batch = _batch_for(request, batch_id)
    return render(
        request,
        "letters/print_batch.html",
        {
            "batch": batch,
            "letters": batch.letters.select_related("request").order_by("post_queued_at", "pk"),
            "can_act": access.can_act(request.user, batch.organization),
            "refresh": batch.status == PrintBatchStatus.BUILDING,
        },
    )


@desk_view
@require_GET
def print_batch_download(request: HttpRequest, batch_id: int) -> HttpResponse:
    batch = _batch_for(request, batch_id)
    if batch.status != PrintBatchStatus.READY:
        raise Http404
    return _pdf_response(printing.print_batch_read(batch), f"print-batch-{batch.pk}.pdf")


@desk_view
@require_POST
def print_batch_posted(request: HttpRequest, batch_id: int) -> HttpResponse:
    batch = _batch_for(request, batch_id)
    actor = _require_act(request, batch.organization)
    try:
        count = printing.print_batch_mark_posted(batch=batch, actor=actor)
    except services.LetterError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, _("%(count)d letters marked as posted.") % {"count": count})
    return redirect("letters:print_batch", batch_id=batch.pk)


# --- the manager's letter settings ---------------------------------------------------------


@desk_view
@require_http_methods(["GET", "POST"])
def letter_settings(request: HttpRequest, organization_id: int) -> HttpResponse:
    organization = get_object_or_404(
        access.visible_to(request.user, Organization.objects.all()), pk=organization_id
    )
    if not access.can_manage(request.user, organization):
        raise PermissionDenied(_("Only managers change the letter settings."))
    form = forms.LetterSettingsForm(
        request.POST or None, request.FILES or None, instance=organization
    )
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data.get("certificate")
        try:
            with transaction.atomic():
                form.save()
                if upload is not None:
                    signing.organization_set_certificate(
                        organization=organization,
                        data=upload.read(signing.MAX_PKCS12_BYTES + 1),
                        password=form.cleaned_data.get("certificate_password") or "",
                        actor=audit.Actor.for_user(request.user),
                    )
        except signing.CertificateError as error:
            form.add_error("certificate", str(error))
        else:
            messages.success(request, _("The letter settings are saved."))
            return redirect("letters:settings", organization_id=organization.pk)
    return render(request, "letters/settings.html", {"organization": organization, "form": form})


# --- the subject --------------------------------------------------------------------------


@never_cache
@require_GET
def subject_download(request: HttpRequest, token: str, letter_id: Any) -> HttpResponse:
    """A letter sent to the subject, from their status page: the request's unguessable
    token and the letter's public id (never a database id) must belong together."""
    letter = (
        Letter.objects.select_related("request__organization")
        .filter(
            public_id=letter_id,
            request__public_token=token,
            request__minimised_at__isnull=True,
            status=LetterStatus.READY,
        )
        .first()
    )
    if letter is None or not letter.is_delivered:
        raise Http404
    content = services.letter_download(letter=letter, actor=audit.Actor.subject())
    return _pdf_response(content, letter.file_name)
