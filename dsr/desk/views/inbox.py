"""The desk's inbox: received e-mails that are not replies, and the officer's decisions.

Items are found through `dsr.inbox.services.inbox_item_for` (visible_to): another
organisation's item is a 404 whatever the method. Members who only view see the list and
the item; deciding (and downloading the original .eml) needs an officer or a manager of
the item's organisation (403 otherwise). Each decision is one POST with the desk's
one-time form token, calling one service that records an Event.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Count
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.views.decorators.clickjacking import xframe_options_sameorigin

from accounts import access
from dsr import workflow
from dsr.desk.access import allow_methods, desk_view
from dsr.desk.inbox_forms import ConvertForm, LinkForm, NotRequestForm
from dsr.desk.once import once
from dsr.desk.views.request_page import FILE_CSP
from dsr.inbox import services
from dsr.inbox.guess import suggestion_words, suggests_direct_marketing
from dsr.models import InboundMail, InboundStatus, Request, Right
from dsr.models.vocabulary import OPEN_STATUSES

PAGE_SIZE = 50
# The references offered when linking (the officer may type any other of the organisation).
LINK_SUGGESTIONS = 200
FILTERS = ("new", "decided", "all")
# The text shown on the page; a longer mail is cut there (the whole is in the .eml).
BODY_SHOWN = 100_000


def _right_labels() -> dict[str, str]:
    return {value: str(label) for value, label in Right.choices}


def _suggestions(item: InboundMail) -> list[dict]:
    """The guess as the officer reads it: each right with the words that suggested it."""
    labels, detail = _right_labels(), item.guess_detail
    return [
        {
            "right": right,
            "label": labels.get(right, right),
            "words": suggestion_words(detail, right)[:5],
            "direct_marketing": right == Right.OBJECTION and suggests_direct_marketing(detail),
        }
        for right in item.rights_guess
        if right in labels
    ]


@desk_view
def inbox(request: HttpRequest) -> HttpResponse:
    allow_methods(request, "GET", "HEAD")
    organization = request.desk.organization
    shown = request.GET.get("show", "new")
    shown = shown if shown in FILTERS else "new"
    items = (
        services.inbox_items(request.user, organization)
        .select_related("decided_by")
        .defer("body_text", "references", "to_addresses")  # a list needs no mail text
        .annotate(attachment_count=Count("attachments"))
    )
    if shown == "new":
        items = items.filter(status=InboundStatus.NEW)
    elif shown == "decided":
        items = items.exclude(status=InboundStatus.NEW)
    page = Paginator(items, PAGE_SIZE).get_page(request.GET.get("page"))
    rows = [{"item": item, "suggestions": _suggestions(item)} for item in page.object_list]
    return render(
        request,
        "desk/inbox.html",
        {
            "organization": organization,
            "page": page,
            "rows": rows,
            "shown": shown,
            "new_count": services.inbox_new_count(request.user, organization),
        },
    )


def _render_item(
    request: HttpRequest,
    item: InboundMail,
    *,
    bound: tuple[str, object] | None = None,
    error: str = "",
    status: int = 200,
) -> HttpResponse:
    can_act = access.membership_can_act(request.desk.membership_in(item.organization_id))
    forms: dict[str, object] = {}
    references: list[str] = []
    if can_act and item.status == InboundStatus.NEW:
        forms = {
            "convert": ConvertForm(item=item),
            "not_request": NotRequestForm(),
            "link": LinkForm(),
        }
        if bound is not None:
            forms[bound[0]] = bound[1]
        # The sender's own open requests first, then the organisation's latest ones.
        open_requests = Request.objects.filter(
            organization=item.organization, status__in=OPEN_STATUSES
        )
        own = list(
            open_requests.filter(subject_email__iexact=item.sender_address)
            .order_by("-received_at")
            .values_list("reference", flat=True)[:20]
        )
        latest = open_requests.order_by("-received_at").values_list("reference", flat=True)
        references = list(dict.fromkeys([*own, *latest[:LINK_SUGGESTIONS]]))
    context = {
        "item": item,
        "body": item.body_text[:BODY_SHOWN],
        "body_cut": len(item.body_text) > BODY_SHOWN,
        "organization": item.organization,
        "can_act": can_act,
        "suggestions": _suggestions(item),
        "attachments": list(item.attachments.all()),
        "decided_requests": list(item.requests.order_by("reference")),
        "forms": forms,
        "bound_action": bound[0] if bound else "",
        "action_error": error,
        "link_references": references,
    }
    return render(request, "desk/inbox_item.html", context, status=status)


@desk_view
def inbox_item(request: HttpRequest, item_id: int) -> HttpResponse:
    item = services.inbox_item_for(request.user, item_id)
    allow_methods(request, "GET", "HEAD")
    return _render_item(request, item)


def _acting_item(request: HttpRequest, item_id: int) -> InboundMail:
    """The item for a decision: 404 if not visible, 405 unless POST, 403 for a viewer."""
    item = services.inbox_item_for(request.user, item_id)
    allow_methods(request, "POST")
    if not access.membership_can_act(request.desk.membership_in(item.organization_id)):
        raise PermissionDenied("Viewers cannot act on the inbox.")
    return item


def _decide(request: HttpRequest, item: InboundMail, name: str, form, act) -> HttpResponse:
    if not form.is_valid():
        return _render_item(request, item, bound=(name, form), status=400)
    try:
        result = act(form.cleaned_data)
    except services.AlreadyDecided as exc:
        messages.error(request, exc.message)
        return redirect("desk:inbox_item", item_id=item.pk)
    except workflow.InvalidInput as exc:
        form.add_error(None, exc.message)
        return _render_item(request, item, bound=(name, form), error=exc.message, status=400)
    except workflow.NotPermitted as exc:
        raise PermissionDenied(exc.message) from exc
    return result


@desk_view
@once  # a double click turns the e-mail into requests once
def inbox_convert(request: HttpRequest, item_id: int) -> HttpResponse:
    item = _acting_item(request, item_id)
    form = ConvertForm(request.POST, item=item)

    def act(data: dict) -> HttpResponse:
        created = services.inbox_convert(
            item=item,
            user=request.user,
            rights=data["rights"],
            language=data["language"],
            subject_name=data["subject_name"],
            subject_email=data["subject_email"],
            direct_marketing=data["direct_marketing"],
        )
        references = ", ".join(r.reference for r in created)
        messages.success(
            request, _("Created %(references)s from the e-mail.") % {"references": references}
        )
        return redirect("desk:request", reference=created[0].reference)

    return _decide(request, item, "convert", form, act)


@desk_view
@once
def inbox_not_request(request: HttpRequest, item_id: int) -> HttpResponse:
    item = _acting_item(request, item_id)
    form = NotRequestForm(request.POST)

    def act(data: dict) -> HttpResponse:
        services.inbox_not_request(item=item, user=request.user, reason=data["reason"])
        messages.success(request, _("Marked as not a request."))
        return redirect("desk:inbox")

    return _decide(request, item, "not_request", form, act)


@desk_view
@once
def inbox_link(request: HttpRequest, item_id: int) -> HttpResponse:
    item = _acting_item(request, item_id)
    form = LinkForm(request.POST)

    def act(data: dict) -> HttpResponse:
        linked = services.inbox_link(item=item, user=request.user, reference=data["reference"])
        messages.success(
            request,
            _("The e-mail was added to %(reference)s.") % {"reference": linked.reference},
        )
        return redirect("desk:request", reference=linked.reference)

    return _decide(request, item, "link", form, act)


def _file_response(content: bytes, content_type: str, name: str, *, inline: bool) -> HttpResponse:
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = content_disposition_header(
        as_attachment=not inline, filename=name
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = FILE_CSP + (
        "" if content_type == "application/pdf" else "; sandbox"
    )
    response["Cache-Control"] = "no-store, private"
    response["Cross-Origin-Resource-Policy"] = "same-origin"
    return response


@desk_view
def inbox_original(request: HttpRequest, item_id: int) -> HttpResponse:
    """The message as received (.eml), to officers and managers: it holds everything the
    sender sent, including files the desk refused to show."""
    item = services.inbox_item_for(request.user, item_id)
    allow_methods(request, "GET", "HEAD")
    if not access.membership_can_act(request.desk.membership_in(item.organization_id)):
        raise PermissionDenied("The original message is for officers and managers.")
    content = services.inbound_original_read(item)
    return _file_response(
        content, "message/rfc822", services.original_file_name(item), inline=False
    )


@xframe_options_sameorigin
@desk_view
def inbox_file(request: HttpRequest, item_id: int, attachment_id: int) -> HttpResponse:
    """A file of the message that passed the upload checks (PDF/JPEG/PNG), decrypted."""
    item = services.inbox_item_for(request.user, item_id)
    attachment = services.inbox_attachment_for(request.user, item, attachment_id)
    allow_methods(request, "GET", "HEAD")
    content = services.inbound_attachment_read(attachment)
    return _file_response(
        content,
        attachment.content_type,
        attachment.original_name,
        inline=attachment.content_type != "application/pdf",
    )
