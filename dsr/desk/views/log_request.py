"""Logging a request that arrived by post, e-mail, phone or in person."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from dsr import audit, workflow
from dsr.desk.access import desk_view
from dsr.desk.forms import LogRequestForm
from dsr.desk.once import once
from dsr.models import AttachmentKind
from dsr.submissions import SubmittedFile, SubmittedFileRejected, submission_store

# The form field each kind of file is uploaded in (to show a refusal next to its field).
FIELD_OF_KIND = {
    AttachmentKind.CORRESPONDENCE: "scans",
    AttachmentKind.IDENTITY_PROOF: "identity_documents",
}


def _files(form: LogRequestForm) -> list[SubmittedFile]:
    files = []
    for kind, field in FIELD_OF_KIND.items():
        for upload in form.cleaned_data[field]:
            upload.seek(0)
            files.append(SubmittedFile(content=upload.read(), name=upload.name, kind=kind))
    return files


@require_http_methods(["GET", "POST"])
@desk_view(act=True)
@once  # a double submit (or a resend after an error page) logs one request
def log_request(request: HttpRequest) -> HttpResponse:
    organization = request.desk.organization
    form = LogRequestForm(request.POST or None, request.FILES or None, organization=organization)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            data = form.cleaned_data
            try:
                created = submission_store(
                    organization=organization,
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
                    direct_marketing=data["direct_marketing"],
                    files=_files(form),
                    actor=audit.Actor.for_user(request.user),
                )
            except workflow.InvalidInput as exc:
                form.add_error(None, exc.message)
            except SubmittedFileRejected as exc:
                form.add_error(FIELD_OF_KIND[exc.file.kind], f"{exc.file.name}: {exc}")
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
