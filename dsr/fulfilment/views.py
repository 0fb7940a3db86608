"""Fulfilment pages. Views check who may see and act, then call fulfilment.jobs; no rules here.

Desk pages use the desk's `desk_view` (a signed-in, two-factor verified member).
Every object is looked up through `accounts.access.visible_to`, so another organisation's
source, request or step is a 404. Viewers see progress; officers plan, confirm, retry and
complete tasks; managers configure the data sources.
"""

from __future__ import annotations

from django.contrib import messages
from django.db import transaction
from django.http import (
    Http404,
    HttpRequest,
    HttpResponse,
    HttpResponseForbidden,
    JsonResponse,
    StreamingHttpResponse,
)
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts import access
from accounts.models import Organization, Role
from dsr import audit, broker
from dsr.connectors import connector_for
from dsr.connectors.base import ConfigError
from dsr.connectors.http import SIGNATURE_HEADER, TIMESTAMP_HEADER
from dsr.desk.access import desk_view
from dsr.fulfilment import delivery, jobs, records
from dsr.fulfilment import review as review_module
from dsr.fulfilment.forms import (
    CorrectionsForm,
    DataSourceForm,
    PackageFileForm,
    ReviewDecisionForm,
    TaskForm,
    source_address,
)
from dsr.fulfilment.packages import package_chunks
from dsr.fulfilment.sources import data_source_save, register_categories
from dsr.models import (
    EXPORT_RIGHTS,
    FULFILMENT_RIGHTS,
    Art19Notice,
    ConnectorKind,
    DataPackage,
    DataSource,
    JobStep,
    PackageReview,
    Request,
    ReviewDecision,
    ReviewStatus,
    Right,
    StepStatus,
    WithholdReason,
)


def _request_for(user, request_id: int) -> Request:
    queryset = Request.objects.select_related("organization")
    return get_object_or_404(access.visible_to(user, queryset), pk=request_id)


def _step_for(user, step_id: int) -> JobStep:
    queryset = JobStep.objects.select_related("source", "job__request__organization")
    return get_object_or_404(access.visible_to(user, queryset), pk=step_id)


VIEWERS_DO_NOT_ACT = gettext_lazy("Viewers can follow fulfilment but not act.")


# --- data sources (managers) ----------------------------------------------------------------


@desk_view
@require_GET
def sources(request: HttpRequest) -> HttpResponse:
    visible = access.visible_to(request.user, DataSource.objects.select_related("organization"))
    rows = [
        {
            "source": source,
            "address": source_address(source),
            "capabilities": sorted(connector_for(source).capabilities()),
            "can_manage": access.can_manage(request.user, source.organization),
        }
        for source in visible.order_by("organization__name", "name")
    ]
    managed = access.visible_to(request.user, Organization.objects.all(), roles=(Role.MANAGER,))
    return render(
        request,
        "fulfilment/sources.html",
        {"rows": rows, "kinds": ConnectorKind.choices, "managed": managed.order_by("name")},
    )


@desk_view
@require_http_methods(["GET", "POST"])
def source_edit(request: HttpRequest, pk: int | None = None, kind: str = "") -> HttpResponse:
    managed = access.visible_to(request.user, Organization.objects.all(), roles=(Role.MANAGER,))
    if pk is not None:
        source = get_object_or_404(
            access.visible_to(request.user, DataSource.objects.all(), roles=(Role.MANAGER,)),
            pk=pk,
        )
        organization, kind = source.organization, source.kind
    else:
        if kind not in ConnectorKind.values:
            raise Http404
        source = None
        slug = request.GET.get("organization") or request.POST.get("organization")
        organization = (managed.filter(slug=slug) if slug else managed).order_by("name").first()
        if organization is None:
            raise Http404
    categories = register_categories(organization)
    form = DataSourceForm(
        request.POST or None,
        kind=kind,
        categories=categories,
        initial=DataSourceForm.initial_for(source) if source else {"active": True},
    )
    if request.method == "POST" and form.is_valid():
        config, secrets = form.config_and_secrets(source.config if source else {})
        try:
            saved = data_source_save(
                organization=organization,
                actor=audit.Actor.for_user(request.user),
                source=source,
                name=form.cleaned_data["name"],
                kind=kind,
                description=form.cleaned_data["description"],
                config=config,
                secrets=secrets,
                data_categories=form.cleaned_data["data_categories"],
                active=form.cleaned_data["active"],
                own_data_only=form.cleaned_data["own_data_only"],
            )
        except ConfigError as error:
            form.add_error(None, _("Not saved: %(error)s") % {"error": error})
        else:
            messages.success(request, _("Data source “%(name)s” saved.") % {"name": saved.name})
            return redirect("fulfilment:sources")
    return render(
        request,
        "fulfilment/source_form.html",
        {
            "form": form,
            "source": source,
            "kind": kind,
            "kind_label": ConnectorKind(kind).label,
            "organization": organization,
        },
        status=400 if request.method == "POST" else 200,
    )


# --- jobs (officers) ------------------------------------------------------------------------


def _job_context(request: HttpRequest, request_obj: Request) -> dict:
    progress = records.job_progress(request_obj)
    job = progress.job
    return {
        "request_obj": request_obj,
        "progress": progress,
        "job": job,
        "can_act": access.can_act(request.user, request_obj.organization),
        "fulfilment_right": request_obj.right in FULFILMENT_RIGHTS,
        "rectification": request_obj.right == Right.RECTIFICATION,
        "corrections_form": CorrectionsForm(),
        "record": records.fulfilment_record(request_obj),
        "notices": Art19Notice.objects.filter(job=job) if job else [],
        "packages": DataPackage.objects.filter(job=job) if job else [],
    }


@desk_view
@require_GET
def job_page(request: HttpRequest, request_id: int) -> HttpResponse:
    request_obj = _request_for(request.user, request_id)
    return render(request, "fulfilment/job.html", _job_context(request, request_obj))


@desk_view
@require_POST
def job_plan(request: HttpRequest, request_id: int) -> HttpResponse:
    request_obj = _request_for(request.user, request_id)
    access.require_act(request.user, request_obj.organization, VIEWERS_DO_NOT_ACT)
    corrections = None
    if request_obj.right == Right.RECTIFICATION:
        form = CorrectionsForm(request.POST)
        if not form.is_valid():
            context = _job_context(request, request_obj)
            context["corrections_form"] = form
            return render(request, "fulfilment/job.html", context, status=400)
        corrections = form.cleaned_data["corrections"]
    try:
        jobs.job_plan(
            request=request_obj, actor=audit.Actor.for_user(request.user), corrections=corrections
        )
    except jobs.JobError as error:
        messages.error(request, error.message)
    return redirect("fulfilment:job", request_id=request_obj.pk)


@desk_view
@require_POST
def job_confirm(request: HttpRequest, request_id: int) -> HttpResponse:
    request_obj = _request_for(request.user, request_id)
    access.require_act(request.user, request_obj.organization, VIEWERS_DO_NOT_ACT)
    job = request_obj.jobs.filter(right=request_obj.right).first()
    if job is None:
        raise Http404
    try:
        jobs.job_confirm(job=job, actor=audit.Actor.for_user(request.user))
    except jobs.JobError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("Fulfilment started."))
        broker.notify_if_waiting(request)
    return redirect("fulfilment:job", request_id=request_obj.pk)


@desk_view
@require_GET
def panel(request: HttpRequest, request_id: int) -> HttpResponse:
    """The request page's fulfilment panel alone, for the page's polling script."""
    request_obj = _request_for(request.user, request_id)
    return render(
        request,
        "fulfilment/_request_panel.html",
        {
            "request_obj": request_obj,
            "can_act": access.can_act(request.user, request_obj.organization),
        },
    )


@desk_view
@require_POST
def step_retry(request: HttpRequest, pk: int) -> HttpResponse:
    step = _step_for(request.user, pk)
    access.require_act(request.user, step.job.request.organization, VIEWERS_DO_NOT_ACT)
    try:
        jobs.step_retry(step=step, actor=audit.Actor.for_user(request.user))
    except jobs.JobError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("“%(source)s” queued again.") % {"source": step.source.name})
        broker.notify_if_waiting(request)
    return redirect("fulfilment:job", request_id=step.job.request_id)


@desk_view
@require_http_methods(["GET", "POST"])
def task(request: HttpRequest, pk: int) -> HttpResponse:
    step = _step_for(request.user, pk)
    if step.source.kind != ConnectorKind.MANUAL:
        raise Http404
    form = TaskForm(request.POST or None)
    if request.method == "POST":
        access.require_act(request.user, step.job.request.organization, VIEWERS_DO_NOT_ACT)
        if form.is_valid():
            try:
                jobs.manual_task_complete(
                    step=step,
                    actor=audit.Actor.for_user(request.user),
                    done=form.cleaned_data["outcome"] == "done",
                    note=form.cleaned_data["note"],
                )
            except jobs.JobError as error:
                messages.error(request, error.message)
            else:
                messages.success(request, _("Task recorded."))
            return redirect("fulfilment:job", request_id=step.job.request_id)
    return render(
        request,
        "fulfilment/task.html",
        {
            "step": step,
            "form": form,
            "request_obj": step.job.request,
            "waiting": step.status == StepStatus.WAITING,
            "can_act": access.can_act(request.user, step.job.request.organization),
            "file_form": PackageFileForm() if step.job.right in EXPORT_RIGHTS else None,
            "extra_files": step.state.get("extra_files", []),
        },
        status=400 if request.method == "POST" else 200,
    )


# --- the systems' callback and the subject's download --------------------------------------


@csrf_exempt
@require_POST
def callback(request: HttpRequest, token: str) -> HttpResponse:
    """A system that answered 202 posts its signed result here."""
    try:
        status = jobs.step_callback(
            token=token,
            body=request.body,
            timestamp=request.headers.get(TIMESTAMP_HEADER, ""),
            signature=request.headers.get(SIGNATURE_HEADER, ""),
        )
    except jobs.CallbackRefused as refused:
        if str(refused) == "no such step":
            raise Http404 from None
        return HttpResponseForbidden(str(refused))
    return JsonResponse({"status": status})


@never_cache
@require_GET
def package_download(request: HttpRequest, public_token: str, token: str) -> HttpResponse:
    """The subject's data package: each download counted and recorded; gone → 404."""
    with transaction.atomic():
        package = delivery.package_download(public_token=public_token, token=token)
        if package is None:
            raise Http404
        # Opens the stored file now: a storage outage is a 503 page and rolls the counted
        # download back, rather than a broken download that used one up.
        chunks = package_chunks(package)
    response = StreamingHttpResponse(chunks, content_type="application/zip")
    response["Content-Disposition"] = (
        f'attachment; filename="{package.request.reference}-personal-data.zip"'
    )
    response["Content-Length"] = str(package.size)
    response["Referrer-Policy"] = "no-referrer"
    return response


# --- review before release (officers act; members see) --------------------------------------


def _review_for(user, request_id: int) -> tuple[Request, PackageReview]:
    request_obj = _request_for(user, request_id)
    review = (
        PackageReview.objects.select_related("job__request__organization")
        .filter(job__request=request_obj, job__right=request_obj.right)
        .first()
    )
    if review is None:
        raise Http404
    return request_obj, review


def _int(value: str | None) -> int | None:
    try:
        return int(value) if value not in (None, "") else None
    except (TypeError, ValueError):
        return None


@desk_view
@require_GET
def review_page(request: HttpRequest, request_id: int) -> HttpResponse:
    """Per source and table: rows, columns, and one table's rows a page at a time."""
    request_obj, review = _review_for(request.user, request_id)
    sources = review_module.review_sources(review)
    shown = None
    step_id, table = _int(request.GET.get("step")), request.GET.get("table", "")
    if step_id is not None and table:
        step = next((s.step for s in sources if s.step.pk == step_id), None)
        if step is None:
            raise Http404
        try:
            page = review_module.review_rows(
                review, step, table, page=_int(request.GET.get("page")) or 1
            )
        except review_module.ReviewError:
            raise Http404 from None
        shown = {
            "step": step,
            "table": table,
            "view": next(
                t for s in sources for t in s.tables if t.step == step and t.name == table
            ),
            "page": page,
        }
    decisions = list(review.decisions.select_related("step__source", "created_by", "undone_by"))
    return render(
        request,
        "fulfilment/review.html",
        {
            "request_obj": request_obj,
            "review": review,
            "sources": sources,
            "shown": shown,
            "decisions": decisions,
            "reasons": WithholdReason.choices,
            "can_act": access.can_act(request.user, request_obj.organization)
            and review.status == ReviewStatus.REVIEW,
        },
    )


def _back_to_review(request: HttpRequest, request_obj: Request) -> HttpResponse:
    url = reverse("fulfilment:review", args=[request_obj.pk])
    step, table = _int(request.POST.get("step")), request.POST.get("table", "")
    if step is not None and table and request.POST.get("kind") not in ("table", "file"):
        url += "?" + urlencode({"step": step, "table": table, "page": request.POST.get("page", 1)})
    return redirect(url)


@desk_view
@require_POST
def review_decide(request: HttpRequest, request_id: int) -> HttpResponse:
    request_obj, review = _review_for(request.user, request_id)
    access.require_act(request.user, request_obj.organization, VIEWERS_DO_NOT_ACT)
    form = ReviewDecisionForm(request.POST)
    if not form.is_valid():
        problems = "; ".join(
            f"{form.fields[name].label or name}: {' '.join(errors)}"
            for name, errors in form.errors.items()
        )
        messages.error(request, _("Nothing was withheld: %(problems)s") % {"problems": problems})
        return _back_to_review(request, request_obj)
    data = form.cleaned_data
    step = None
    if data["step"] is not None:
        step = JobStep.objects.filter(pk=data["step"], job=review.job).first()
        if step is None:
            raise Http404
    try:
        review_module.decision_add(
            review=review,
            actor=audit.Actor.for_user(request.user),
            kind=data["kind"],
            reason=data["reason"],
            reason_text=data["reason_text"],
            step=step,
            table=data["table"],
            column=data["column"],
            row=data["row"] - 1 if data["row"] is not None else None,
            text=data["text"],
        )
    except review_module.ReviewError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("Withheld. It will not be in the package sent."))
    return _back_to_review(request, request_obj)


@desk_view
@require_POST
def review_undo(request: HttpRequest, request_id: int, decision_id: int) -> HttpResponse:
    request_obj, review = _review_for(request.user, request_id)
    access.require_act(request.user, request_obj.organization, VIEWERS_DO_NOT_ACT)
    decision = get_object_or_404(ReviewDecision, pk=decision_id, review=review)
    try:
        review_module.decision_undo(decision=decision, actor=audit.Actor.for_user(request.user))
    except review_module.ReviewError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("Undone: it will be in the package again."))
    return redirect("fulfilment:review", request_id=request_obj.pk)


@desk_view
@require_POST
def review_release(request: HttpRequest, request_id: int) -> HttpResponse:
    request_obj, review = _review_for(request.user, request_id)
    access.require_act(request.user, request_obj.organization, VIEWERS_DO_NOT_ACT)
    from dsr import four_eyes
    from dsr.fulfilment import release_gate

    try:
        # Four eyes on releases, where the organisation asks for it (dsr/four_eyes.py).
        release_gate.package_release_checked(review=review, by=audit.Actor.for_user(request.user))
    except (review_module.ReviewError, four_eyes.ApprovalError) as error:
        messages.error(request, error.message)
    else:
        messages.success(
            request, _("Released. The package is being made and the subject will be told.")
        )
        broker.notify_if_waiting(request)
    return redirect("fulfilment:review", request_id=request_obj.pk)


@desk_view
@require_POST
def task_file(request: HttpRequest, pk: int) -> HttpResponse:
    """A person working a manual access task adds a file to the package (checked, encrypted)."""
    from dsr.attachments import AttachmentRejected

    step = _step_for(request.user, pk)
    if step.source.kind != ConnectorKind.MANUAL:
        raise Http404
    access.require_act(request.user, step.job.request.organization, VIEWERS_DO_NOT_ACT)
    form = PackageFileForm(request.POST, request.FILES)
    if not form.is_valid():
        messages.error(request, _("Choose a file to add."))
    else:
        upload = form.cleaned_data["file"]
        if upload.size > review_module.CSV_MAX:
            messages.error(request, _("The file is larger than 10 MB."))
            return redirect("fulfilment:task", pk=step.pk)
        try:
            info = review_module.file_add(
                step=step,
                actor=audit.Actor.for_user(request.user),
                content=upload.read(),
                original_name=upload.name,
            )
        except (AttachmentRejected, review_module.ReviewError) as error:
            messages.error(
                request,
                _("Not added: %(error)s")
                % {"error": getattr(error, "message", None) or str(error)},
            )
        else:
            messages.success(
                request, _("“%(name)s” added to the package.") % {"name": info["name"]}
            )
    return redirect("fulfilment:task", pk=step.pk)
