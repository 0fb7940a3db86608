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
from dsr.fulfilment.forms import CorrectionsForm, DataSourceForm, TaskForm, source_address
from dsr.fulfilment.packages import package_chunks
from dsr.fulfilment.sources import data_source_save, register_categories
from dsr.models import (
    FULFILMENT_RIGHTS,
    Art19Notice,
    ConnectorKind,
    DataPackage,
    DataSource,
    JobStep,
    Request,
    Right,
    StepStatus,
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
