"""Reports, the register, and the audit view (Art. 5(2): show that the record is complete).

Reports and the register are for every member of the organisation the desk shows, viewers
included: they hold figures, not people. The signed register PDF is asked for with a POST
and built by the worker (`exports.py`); the page links the stored file once it is there.
The audit page and a request's events are for its managers only; another organisation's
request is a 404 like everywhere on the desk.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Callable, Iterator

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.access import visible_to
from accounts.models import Role
from dsr import audit, broker
from dsr.desk import queries as desk_queries
from dsr.desk.access import allow_methods, desk_view
from dsr.desk.csv_export import csv_lines
from dsr.desk.reports import audit_export, exports, register
from dsr.desk.reports.charts import bar_chart
from dsr.desk.reports.period import Period, PeriodForm
from dsr.desk.reports.tables import TABLES, Report, Table
from dsr.models import RegisterExport


def _period_form(request: HttpRequest, data=None) -> PeriodForm:
    organization = request.desk.organization
    return PeriodForm(
        request.GET if data is None else data,
        today=desk_queries.organization_today(organization),
        time_zone=organization.time_zone,
    )


def _valid_period(request: HttpRequest) -> tuple[PeriodForm, Period | None]:
    form = _period_form(request)
    return form, (form.period if form.is_valid() else None)


def _report(request: HttpRequest, period: Period) -> Report:
    desk = request.desk
    return Report(
        desk_queries.desk_requests(desk.user, desk.organization),
        organization=desk.organization,
        period=period,
        today=desk_queries.organization_today(desk.organization),
        officers=desk_queries.officers_of(desk.organization),
    )


def _bad_period(form: PeriodForm) -> HttpResponse:
    errors = [str(error) for errors in form.errors.values() for error in errors]
    return HttpResponse(" ".join(errors), status=400, content_type="text/plain; charset=utf-8")


def period_download(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """A download of one period, for any member (GET): a bad period is a 400 saying why."""

    @require_GET
    @desk_view
    @functools.wraps(view)
    def wrapper(request: HttpRequest, *args: object, **kwargs: object) -> HttpResponse:
        form, period = _valid_period(request)
        if period is None:
            return _bad_period(form)
        return view(request, period, *args, **kwargs)

    return wrapper


@require_GET
@desk_view
def reports_page(request: HttpRequest) -> HttpResponse:
    form, period = _valid_period(request)
    if period is None:
        context = {"form": form, "period": None, "sections": [], "presets": form.presets()}
        return render(request, "desk/reports/reports.html", context, status=400)
    # The form shows the period's dates, also when a preset or the default chose them.
    form = PeriodForm(
        {"start": period.start.isoformat(), "end": period.end.isoformat()},
        today=form.today,
        time_zone=period.time_zone,
    )
    report = _report(request, period)
    sections = []
    for slug, build in TABLES.items():
        table = build(report)
        url = reverse(f"desk:reports_{slug}_csv")
        sections.append(
            {"table": table, "chart": bar_chart(table), "csv": f"{url}?{period.query()}"}
        )
    context = {
        "form": form,
        "period": period,
        "sections": sections,
        "presets": form.presets(),
        "register_csv": f"{reverse('desk:reports_register_csv')}?{period.query()}",
        "register_pdf": reverse("desk:reports_register_pdf"),
        "register_export": exports.latest_export(request.desk.organization, period),
        "register_pdf_max": register.PDF_MAX_ROWS,
    }
    return render(request, "desk/reports/reports.html", context)


def _table_rows(table: Table) -> Iterator[list[object]]:
    yield [column.label for column in table.columns]
    yield from table.body()
    footer = table.footer()
    if footer is not None:
        yield footer


def _attachment(response: HttpResponse, name: str) -> HttpResponse:
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    response["X-Content-Type-Options"] = "nosniff"
    return response


@period_download
def table_csv(request: HttpRequest, period: Period, table: str) -> HttpResponse:
    """One table of the page, as the page shows it, in CSV."""
    built = TABLES[table](_report(request, period))
    response = HttpResponse(
        "".join(csv_lines(_table_rows(built))), content_type="text/csv; charset=utf-8"
    )
    return _attachment(response, f"{request.desk.organization.slug}-{table}-{period.slug()}.csv")


@period_download
def register_csv(request: HttpRequest, period: Period) -> HttpResponse:
    """The register of the period, streamed: memory stays flat however long it is."""
    desk = request.desk
    requests = desk_queries.desk_requests(desk.user, desk.organization)
    exports.register_csv_downloaded(
        organization=desk.organization, period=period, actor=audit.Actor.for_user(request.user)
    )
    lines = register.register_lines(requests, period)
    response = StreamingHttpResponse(
        csv_lines(register.csv_rows(lines)),
        content_type="text/csv; charset=utf-8",
    )
    return _attachment(response, register.csv_name(desk.organization, period))


@require_POST
@desk_view
def register_pdf(request: HttpRequest) -> HttpResponse:
    """Ask the worker for the signed register of the period (POST, any member); the reports
    page says "being prepared" and then links the file. Nothing is laid out, signed or
    time-stamped in the web process."""
    form = _period_form(request, request.POST)
    if not form.is_valid():
        return _bad_period(form)
    period = form.period
    back = f"{reverse('desk:reports')}?{period.query()}#register"
    try:
        export = exports.register_export_request(
            organization=request.desk.organization,
            period=period,
            user=request.user,
            language=translation.get_language() or request.desk.organization.default_language,
        )
    except register.RegisterTooLong as exc:
        messages.error(
            request,
            _(
                "The register of this period has %(count)s requests, more than the %(max)s a "
                "PDF can hold here. Choose a shorter period, or download the CSV."
            )
            % {"count": exc.count, "max": register.PDF_ATTACHED_MAX_ROWS},
        )
    except exports.ExportError as exc:
        messages.error(request, str(exc))
    else:
        if export.ready:
            messages.info(request, _("The register of this period was made today; here it is."))
        broker.notify_if_waiting(request)
    return redirect(back)


def _register_export(request: HttpRequest, export_id: int) -> RegisterExport:
    found = visible_to(
        request.user,
        RegisterExport.objects.select_related("organization"),
        organization=request.desk.organization,
    ).filter(pk=export_id, built_at__isnull=False)
    export = found.first()
    if export is None:
        raise Http404("No such register")
    return export


@desk_view
def register_download(request: HttpRequest, export_id: int) -> HttpResponse:
    """The stored register PDF (any member); each download is an audit event."""
    export = _register_export(request, export_id)
    allow_methods(request, "GET", "HEAD")
    try:
        pdf = exports.register_export_read(export)
    except exports.ExportRemoved as exc:
        return HttpResponse(str(exc), status=410, content_type="text/plain; charset=utf-8")
    exports.register_export_downloaded(export=export, actor=audit.Actor.for_user(request.user))
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Cache-Control"] = "no-store, private"
    return _attachment(response, exports.file_name(export))


# --- the audit chain ---------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
@desk_view(manage=True)
def audit_status(request: HttpRequest) -> HttpResponse:
    """The chain's state; "verify now" walks it here when it is short, else in the worker."""
    organization = request.desk.organization
    state = audit_export.chain_state(organization)
    if request.method == "POST":
        result = audit_export.chain_verify(organization=organization)
        if result is None:
            messages.info(
                request,
                _("Verification started in the background; reload this page in a few minutes."),
            )
        elif result.ok:
            messages.success(request, _("The chain verifies: %(count)s events checked.")
                             % {"count": result.checked})  # fmt: skip
        else:
            messages.error(request, _("The chain is broken: %(reason)s") % {"reason": result})
        return redirect("desk:settings_audit")
    return render(
        request,
        "desk/reports/audit.html",
        {
            "organization": organization,
            **state,
            "max_inline": audit_export.INLINE_VERIFY_MAX_EVENTS,
        },
    )


@desk_view
def request_events(request: HttpRequest, reference: str) -> HttpResponse:
    """Every event of one request with its hashes, as JSON; the download is itself an event."""
    request_obj = desk_queries.request_for_desk(request.user, reference)
    allow_methods(request, "GET", "HEAD")
    membership = request.desk.membership_in(request_obj.organization_id)
    if membership is None or membership.role != Role.MANAGER:
        raise PermissionDenied("Only managers download the audit events.")
    export = audit_export.request_events_export(
        request=request_obj, actor=audit.Actor.for_user(request.user)
    )
    response = HttpResponse(
        json.dumps(export, indent=2, ensure_ascii=False), content_type="application/json"
    )
    response["Cache-Control"] = "no-store, private"
    return _attachment(response, f"{request_obj.reference}-events.json")
