"""Logging a request that arrived by post, e-mail, phone or in person."""

from __future__ import annotations

from django.contrib import messages
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from dsr import audit, workflow
from dsr.attachments import AttachmentRejected, attachment_store
from dsr.desk.access import desk_view
from dsr.desk.forms import LogRequestForm
from dsr.models import AttachmentKind, Request


class _Rejected(Exception):
    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field, self.message = field, message


@transaction.atomic
def _log(form: LogRequestForm, actor: audit.Actor) -> list[Request]:
    """Create the requests and attach the files to each; a rejected file undoes it all."""
    data = form.cleaned_data
    created = workflow.submission_create(
        organization=form.organization,
        rights=data["rights"],
        channel=data["channel"],
        language=data["language"],
        subject_name=data["subject_name"],
        subject_email=data["subject_email"],
        subject_postal_address=data["subject_postal_address"],
        subject_customer_number=data["subject_customer_number"],
        description=data["description"],
        answer_channel=data["answer_channel"],
        received_at=form.received_at(),
        actor=actor,
    )
    for field, kind in (
        ("scans", AttachmentKind.CORRESPONDENCE),
        ("identity_documents", AttachmentKind.IDENTITY_PROOF),
    ):
        for upload in data[field]:
            upload.seek(0)
            content = upload.read()
            for request_obj in created:
                try:
                    attachment_store(
                        request=request_obj,
                        content=content,
                        original_name=upload.name,
                        kind=kind,
                        actor=actor,
                    )
                except AttachmentRejected as exc:
                    raise _Rejected(field, f"{upload.name}: {exc}") from exc
    return created


@require_http_methods(["GET", "POST"])
@desk_view(act=True)
def log_request(request: HttpRequest) -> HttpResponse:
    organization = request.desk.organization
    form = LogRequestForm(request.POST or None, request.FILES or None, organization=organization)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                created = _log(form, audit.Actor.for_user(request.user))
            except workflow.InvalidInput as exc:
                form.add_error(None, exc.message)
            except _Rejected as exc:
                form.add_error(exc.field, exc.message)
            else:
                references = ", ".join(r.reference for r in created)
                messages.success(request, _("Logged %(references)s.") % {"references": references})
                return redirect("desk:request", reference=created[0].reference)
    return render(
        request,
        "desk/log_request.html",
        {"form": form, "organization": organization},
        status=status,
    )
