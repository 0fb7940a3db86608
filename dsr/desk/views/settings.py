"""Settings pages for managers: the organisation, its signatory, members, register,
recipients and reply templates. Everything edits the organisation the desk shows."""

from __future__ import annotations

from dataclasses import dataclass

from django import forms
from django.contrib import messages
from django.db import models
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods

from accounts import members
from accounts.access import visible_to
from accounts.models import Language, Membership, Role
from dsr.attachments import branding_read, sniff_content_type
from dsr.desk.access import allow_methods, desk_view
from dsr.desk.settings_forms import (
    MemberAddForm,
    MemberChangeForm,
    OrganizationForm,
    ProcessingActivityForm,
    RecipientForm,
    ReplyTemplateForm,
    SignatoryForm,
)
from dsr.models import ProcessingActivity, Recipient, ReplyTemplate
from dsr.models.register import register_gaps


@dataclass(frozen=True)
class OwnedKind:
    """A list of rows the organisation owns, edited on one settings page."""

    slug: str
    model: type[models.Model]
    form: type[forms.ModelForm]
    title: str
    singular: str


OWNED: dict[str, OwnedKind] = {
    kind.slug: kind
    for kind in (
        OwnedKind(
            "register",
            ProcessingActivity,
            ProcessingActivityForm,
            gettext_lazy("Processing register"),
            gettext_lazy("processing activity"),
        ),
        OwnedKind(
            "recipients",
            Recipient,
            RecipientForm,
            gettext_lazy("Recipients"),
            gettext_lazy("recipient"),
        ),
        OwnedKind(
            "templates",
            ReplyTemplate,
            ReplyTemplateForm,
            gettext_lazy("Reply templates"),
            gettext_lazy("reply template"),
        ),
    )
}


def _gaps(organization) -> list[tuple[str, list[str]]]:
    """(language, what it lacks) for each offered language a letter would be refused in."""
    return [
        (str(Language(language).label), missing)
        for language, missing in register_gaps(organization).items()
    ]


def _render(request: HttpRequest, template: str, context: dict, status: int = 200):
    context = {"owned_kinds": OWNED.values(), **context}
    return render(request, f"desk/settings/{template}", context, status=status)


@require_http_methods(["GET", "POST"])
@desk_view(manage=True)
def organization_details(request: HttpRequest) -> HttpResponse:
    organization = request.desk.organization
    form = OrganizationForm(request.POST or None, instance=organization)
    if request.method == "POST":
        if form.is_valid():
            form.save()
            messages.success(request, _("Organisation details saved."))
            return redirect("desk:settings")
        return _render(request, "organization.html", {"form": form}, status=400)
    return _render(request, "organization.html", {"form": form})


@require_http_methods(["GET", "POST"])
@desk_view(manage=True)
def signatory(request: HttpRequest) -> HttpResponse:
    organization = request.desk.organization
    form = SignatoryForm(request.POST or None, request.FILES or None, instance=organization)
    if request.method == "POST":
        if form.is_valid():
            form.save()
            messages.success(request, _("Signatory saved."))
            return redirect("desk:settings_signatory")
        return _render(request, "signatory.html", {"form": form}, status=400)
    return _render(request, "signatory.html", {"form": form, "gaps": _gaps(organization)})


def _branding_image(request: HttpRequest, field: str) -> HttpResponse:
    image = getattr(request.desk.organization, field)
    if not image:
        raise Http404("No image")
    content = branding_read(image, 2 * 1024 * 1024) or b""
    content_type = sniff_content_type(content)
    if content_type not in ("image/png", "image/jpeg"):
        raise Http404("Not an image")
    response = HttpResponse(content, content_type=content_type)
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response


@require_GET
@desk_view
def signature_image(request: HttpRequest) -> HttpResponse:
    return _branding_image(request, "signature_image")


@require_GET
@desk_view
def logo_image(request: HttpRequest) -> HttpResponse:
    return _branding_image(request, "logo")


# --- members --------------------------------------------------------------------------------


def _memberships(request: HttpRequest):
    return visible_to(
        request.user,
        Membership.objects.select_related("user").order_by("user__full_name", "user__email"),
        organization=request.desk.organization,
        roles=(Role.MANAGER,),
    )


@require_http_methods(["GET", "POST"])
@desk_view(manage=True)
def member_list(request: HttpRequest) -> HttpResponse:
    form = MemberAddForm(request.POST or None)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                membership = members.member_add(
                    organization=request.desk.organization,
                    inviter=request.user,
                    **form.cleaned_data,
                )
            except members.MemberError as exc:
                form.add_error("email", exc.message)
            else:
                messages.success(request, _("%(who)s added.") % {"who": membership.user})
                return redirect("desk:settings_members")
    context = {"form": form, "memberships": _memberships(request), "roles": Role.choices}
    return _render(request, "members.html", context, status=status)


@desk_view(manage=True)
def member_change(request: HttpRequest, membership_id: int) -> HttpResponse:
    membership = get_object_or_404(_memberships(request), pk=membership_id)
    allow_methods(request, "POST")
    form = MemberChangeForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose a role."))
        return redirect("desk:settings_members")
    remove, role = form.cleaned_data["remove"], form.cleaned_data["role"]
    if not remove and not role:
        return redirect("desk:settings_members")
    try:
        members.member_change(
            membership=membership, role=None if remove else role, actor=request.user
        )
        if remove:
            messages.success(request, _("%(who)s removed.") % {"who": membership.user})
        else:
            messages.success(request, _("Role of %(who)s changed.") % {"who": membership.user})
    except members.MemberError as exc:
        messages.error(request, exc.message)
    return redirect("desk:settings_members")


# --- register, recipients, reply templates ---------------------------------------------------


def _owned_rows(request: HttpRequest, kind: OwnedKind):
    return visible_to(
        request.user,
        kind.model.objects.all(),
        organization=request.desk.organization,
        roles=(Role.MANAGER,),
    )


@require_http_methods(["GET", "POST"])
@desk_view(manage=True)
def owned_list(request: HttpRequest, kind: str) -> HttpResponse:
    spec = OWNED[kind]
    organization = request.desk.organization
    form = spec.form(request.POST or None, organization=organization)
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, _("Saved."))
        return redirect(f"desk:settings_{kind}")
    context = {"kind": spec, "form": form, "rows": _owned_rows(request, spec)}
    if kind in ("register", "recipients"):
        context["gaps"] = _gaps(organization)
    return _render(request, "owned_list.html", context, status=400 if form.errors else 200)


@desk_view(manage=True)
def owned_edit(request: HttpRequest, kind: str, pk: int) -> HttpResponse:
    spec = OWNED[kind]
    row = get_object_or_404(_owned_rows(request, spec), pk=pk)
    allow_methods(request, "GET", "HEAD", "POST")
    form = spec.form(request.POST or None, instance=row, organization=row.organization)
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, _("Saved."))
        return redirect(f"desk:settings_{kind}")
    context = {"kind": spec, "form": form, "row": row}
    return _render(request, "owned_edit.html", context, status=400 if form.errors else 200)


@desk_view(manage=True)
def owned_delete(request: HttpRequest, kind: str, pk: int) -> HttpResponse:
    spec = OWNED[kind]
    row = get_object_or_404(_owned_rows(request, spec), pk=pk)
    allow_methods(request, "POST")
    row.delete()
    messages.success(request, _("Deleted %(name)s.") % {"name": row})
    return redirect(f"desk:settings_{kind}")
