"""The queue: filters, counts, pagination, bulk assign, CSV export, organisation switch."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse, QueryDict, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from accounts.models import Language
from dsr import audit, workflow
from dsr.desk import queries
from dsr.desk.access import desk_view, organization_switch
from dsr.desk.badges import Badge, due_badge
from dsr.desk.csv_export import csv_lines
from dsr.desk.filters import QueueFilter, queue_data
from dsr.desk.forms import BulkAssignForm
from dsr.desk.repeats import Repeat, repeats_for
from dsr.models import Channel, Request, Right, Status

CSV_CHUNK = 2000


@dataclass(frozen=True)
class QueueRow:
    request: Request
    badge: Badge
    repeat: Repeat | None = None  # the same subject asked the same within 12 months


@dataclass(frozen=True)
class FacetLink:
    label: str
    count: int
    url: str
    active: bool


def _link(query: QueryDict, key: str, value: str) -> tuple[str, bool]:
    changed = query.copy()
    changed.pop("page", None)
    active = query.get(key) == value
    if active:
        changed.pop(key, None)
    else:
        changed[key] = value
    return "?" + changed.urlencode(), active


def facet_groups(
    query: QueryDict, facets: queries.Facets, officers: list
) -> list[tuple[str, list[FacetLink]]]:
    """The counts beside the queue, each a link that narrows (or widens) the list."""

    def group(key: str, items: list[tuple[str, str, str]]) -> list[FacetLink]:
        links = []
        for value, label, count_key in items:
            url, active = _link(query, key, value)
            links.append(FacetLink(str(label), facets.get(count_key), url, active))
        return links

    deadline = []
    for key, value, label, count_key in (
        ("overdue", "on", _("Overdue"), "flag_overdue"),
        ("due_within", str(queries.SOON_DAYS), _("Due within 7 days"), "flag_soon"),
        ("extended", "on", _("Extended"), "flag_extended"),
        ("paused", "on", _("Clock paused"), "flag_paused"),
    ):
        url, active = _link(query, key, value)
        deadline.append(FacetLink(str(label), facets.get(count_key), url, active))

    def vocabulary(key: str, choices: list[tuple[str, str]]) -> list[FacetLink]:
        return group(key, [(value, label, f"{key}_{value}") for value, label in choices])

    people = [("me", _("Mine"), "assignee_me"), ("none", _("Unassigned"), "assignee_none")]
    people += [(str(person.pk), str(person), f"assignee_{person.pk}") for person in officers]
    return [
        (_("Status"), vocabulary("status", Status.choices)),
        (_("Deadline"), deadline),
        (_("Right"), vocabulary("right", Right.choices)),
        (_("Assignee"), group("assignee", people)),
        (_("Channel"), vocabulary("channel", Channel.choices)),
        (_("Language"), vocabulary("language", Language.choices)),
    ]


def _queue_filter(request: HttpRequest) -> tuple[QueueFilter, list, date]:
    desk = request.desk
    officers = queries.officers_of(desk.organization)
    today = queries.organization_today(desk.organization)
    queue = QueueFilter(
        queue_data(request.GET),
        queryset=queries.desk_requests(desk.user, desk.organization).select_related("assignee"),
        user=desk.user,
        officers=officers,
        today=today,
    )
    return queue, officers, today


@require_GET
@desk_view
def queue(request: HttpRequest) -> HttpResponse:
    queue_filter, officers, today = _queue_filter(request)
    requests = queue_filter.qs if queue_filter.is_valid() else queue_filter.queryset.none()
    paginator = queries.CappedPaginator(requests, queries.PAGE_SIZE)
    page = paginator.get_page(request.GET.get("page"))
    objects = list(page.object_list)
    repeats = repeats_for(objects)  # one query for the page
    rows = [
        QueueRow(
            request=request_obj,
            badge=due_badge(request_obj, today),
            repeat=repeats.get(request_obj.pk),
        )
        for request_obj in objects
    ]
    facets = queries.facet_counts(requests, today=today, user=request.user, officers=officers)
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        "facet_groups": facet_groups(request.GET, facets, officers),
        "count_cap": f"{queries.COUNT_CAP:,}",
        "filter": queue_filter,
        "rows": rows,
        "page": page,
        "paginator": paginator,
        "facets": facets,
        "officers": officers,
        "today": today,
        "query": query.urlencode(),
        "can_act": request.desk.can_act,
        "bulk_form": BulkAssignForm(officers=officers),
    }
    return render(request, "desk/queue.html", context)


def _csv_rows(requests, today: date) -> Iterator[list[object]]:
    yield [
        _("Reference"),
        _("Right"),
        _("Status"),
        _("Channel"),
        _("Language"),
        _("Name"),
        _("E-mail address"),
        _("Received"),
        _("Statutory due date"),
        _("Extended due date"),
        _("Effective due date"),
        _("Days left"),
        _("Assignee"),
    ]
    for request_obj in requests.iterator(chunk_size=CSV_CHUNK):
        yield [
            request_obj.reference,
            request_obj.get_right_display(),
            request_obj.get_status_display(),
            request_obj.get_channel_display(),
            request_obj.language,
            request_obj.subject_name,
            request_obj.subject_email,
            timezone.localtime(request_obj.received_at).strftime("%Y-%m-%d %H:%M"),
            request_obj.due_date.isoformat(),
            request_obj.extended_due_date.isoformat() if request_obj.extended_due_date else "",
            request_obj.effective_due_date.isoformat(),
            request_obj.days_left(today) if request_obj.is_open else "",
            request_obj.assignee.email if request_obj.assignee else "",
        ]


@require_GET
@desk_view
def queue_export(request: HttpRequest) -> HttpResponse:
    """The filtered list as CSV, streamed: memory stays flat however long the list."""
    queue_filter, _officers, today = _queue_filter(request)
    if not queue_filter.is_valid():
        raise Http404("Invalid filter")
    response = StreamingHttpResponse(
        csv_lines(_csv_rows(queue_filter.qs, today)), content_type="text/csv; charset=utf-8"
    )
    name = f"{request.desk.organization.slug}-requests-{today.isoformat()}.csv"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    response["X-Content-Type-Options"] = "nosniff"
    return response


def _back_to_queue(request: HttpRequest) -> HttpResponse:
    target = request.POST.get("next", "")
    if target.startswith("/desk/") and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}
    ):
        return redirect(target)
    return redirect("desk:queue")


@require_POST
@desk_view(act=True)
def queue_assign(request: HttpRequest) -> HttpResponse:
    """Assign (or unassign) the ticked requests. All of them must be the user's to act on,
    or nothing happens (404); closed ones are skipped and said so."""
    desk = request.desk
    form = BulkAssignForm(request.POST, officers=queries.officers_of(desk.organization))
    if not form.is_valid():
        messages.error(request, _("Tick at least one request and choose whom to assign."))
        return _back_to_queue(request)
    ids = set(form.cleaned_data["requests"])
    chosen = list(queries.desk_requests(desk.user, desk.organization).filter(pk__in=ids))
    if len(chosen) != len(ids):
        raise Http404("No such request")
    assignee = form.chosen_assignee()
    done, skipped = workflow.requests_assign(
        requests=chosen, assignee=assignee, actor=audit.Actor.for_user(desk.user)
    )
    if done:
        messages.success(
            request,
            _("Assigned %(count)s requests to %(who)s.")
            % {"count": len(done), "who": assignee or _("nobody")},
        )
    if skipped:
        messages.warning(
            request,
            _("Not assigned (closed): %(references)s.")
            % {"references": ", ".join(request_obj.reference for request_obj in skipped)},
        )
    return _back_to_queue(request)


@require_POST
@desk_view
def organization_choose(request: HttpRequest) -> HttpResponse:
    membership = organization_switch(request, request.desk, request.POST.get("organization", ""))
    if membership is None:
        raise Http404("No such organisation")
    return redirect("desk:queue")
