"""Admin for organisations and people, scoped for staff who are not superusers.

Who may do what here (docs/SECURITY.md):
- A member with staff rights sees only the objects of the organisations they belong to
  (through `accounts.access.visible_to`, the same function every view uses) and changes
  configuration only where they are a manager. Every foreign key and many-to-many offers only
  objects of the organisations they manage (people: the members of those organisations), and
  the form checks again on save that each related object belongs to the edited object's
  organisation, so a forged POST naming another organisation's id is a form error.
- The platform operator (a superuser) sees every organisation, creates organisations and sets
  what only the operator sets (address on the site, country, zone, prefix, retention). Even
  the operator cannot link one organisation's object to another's: that is never right.
- Fields the desk's pages check (the signatory and images, the envelope window, the TSA and the
  certificate) are read-only here for everyone and set on those pages; the organisation's
  details are edited through the desk's own form (`OrganizationForm`), with its checks.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.core.exceptions import ObjectDoesNotExist, PermissionDenied
from django.db import models, transaction
from django.http import HttpRequest
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from accounts import access, members
from accounts.models import Membership, Organization, Role, User
from dsr.desk.settings_forms import OrganizationForm


def _resolve(obj: models.Model, path: str) -> int:
    """Follow "request__organization" to the organisation's id ("pk": the object itself)."""
    if path == "pk":
        return obj.pk
    *hops, last = path.split("__")
    for hop in hops:
        obj = getattr(obj, hop)
    return getattr(obj, f"{last}_id")


def _owner_path(model: type[models.Model]) -> str | None:
    try:
        return access.organization_path(model)
    except TypeError:
        return None


def colleagues(user: User) -> models.QuerySet:
    """The people of the organisations `user` manages: whom a manager may pick in the admin."""
    managed = Membership.objects.filter(user=user, role=Role.MANAGER).values("organization_id")
    return User.objects.filter(
        pk__in=Membership.objects.filter(organization_id__in=managed).values("user_id")
    )


def related_choices(
    request: HttpRequest, model: type[models.Model], queryset: models.QuerySet | None = None
) -> models.QuerySet:
    """What a relation to `model` may offer the signed-in staff user: the objects of the
    organisations they manage; people of those organisations; nothing else. The operator:
    everything (the form still refuses links across organisations)."""
    if queryset is None:
        queryset = model._default_manager.all()
    user = request.user
    if user.is_superuser:
        return queryset
    if model is User:
        return queryset.filter(pk__in=colleagues(user).values("pk"))
    if _owner_path(model) is None:
        return queryset.none()
    return access.visible_to(user, queryset, roles=(Role.MANAGER,))


class SameOrganizationForm(forms.ModelForm):
    """Every object a relation names belongs to the edited object's organisation.

    The choices are already scoped (`related_choices`); this is the check on save, which also
    holds for a manager of two organisations and for the operator, who see both."""

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        owner = self._owner_id(data)
        if owner is None:
            return data
        for name, field in self.fields.items():
            if not isinstance(field, forms.ModelChoiceField) or not data.get(name):
                continue
            path = _owner_path(field.queryset.model)
            if path is None or field.queryset.model is Organization:
                continue
            value = data[name]
            related = list(value) if isinstance(field, forms.ModelMultipleChoiceField) else [value]
            if any(_resolve(obj, path) != owner for obj in related):
                self.add_error(
                    name,
                    _("This belongs to another organisation; choose the organisation's own."),
                )
        return data

    def _owner_id(self, data: dict[str, Any]) -> int | None:
        path = _owner_path(self._meta.model)
        if path is None:
            return None
        if path == "pk":
            return self.instance.pk
        first, _separator, rest = path.partition("__")
        if first in self.fields:
            start = data.get(first)
            if start is None:
                return None
            return _resolve(start, rest) if rest else start.pk
        try:
            return _resolve(self.instance, path)
        except (ObjectDoesNotExist, AttributeError):
            return None


class ScopedRelationsMixin:
    """Relations offer only what `related_choices` allows (ModelAdmin and inlines alike)."""

    def formfield_for_foreignkey(self, db_field: Any, request: HttpRequest, **kwargs: Any):
        kwargs["queryset"] = related_choices(
            request, db_field.related_model, kwargs.get("queryset")
        )
        return super().formfield_for_foreignkey(db_field, request, **kwargs)  # type: ignore[misc]

    def formfield_for_manytomany(self, db_field: Any, request: HttpRequest, **kwargs: Any):
        kwargs["queryset"] = related_choices(
            request, db_field.related_model, kwargs.get("queryset")
        )
        return super().formfield_for_manytomany(db_field, request, **kwargs)  # type: ignore[misc]


#: The organisation filter of the admin's lists: only the organisations in the (scoped) list,
#: so a list never names another organisation.
ORGANIZATION_FILTER = ("organization", admin.RelatedOnlyFieldListFilter)


class ScopedAdmin(ScopedRelationsMixin, admin.ModelAdmin):
    """Scopes querysets and every relation's choices to the staff user's organisations."""

    form = SameOrganizationForm
    #: Non-superusers may never add, change or delete (append-only records).
    read_only_for_staff = False

    def get_queryset(self, request: HttpRequest) -> models.QuerySet:
        queryset = super().get_queryset(request)
        if request.user.is_superuser:
            return queryset
        return access.visible_to(request.user, queryset)

    def _is_member(self, request: HttpRequest) -> bool:
        return (
            request.user.is_active and request.user.is_staff and request.user.memberships.exists()
        )

    def _manages(self, request: HttpRequest, obj: models.Model | None) -> bool:
        memberships = request.user.memberships.filter(role=Role.MANAGER)
        if obj is None:
            return memberships.exists()
        path = access.organization_path(type(obj))
        organization_id = obj.pk if path == "pk" else _resolve(obj, path)
        return memberships.filter(organization_id=organization_id).exists()

    def has_module_permission(self, request: HttpRequest) -> bool:
        return request.user.is_superuser or self._is_member(request)

    def has_view_permission(self, request: HttpRequest, obj: models.Model | None = None) -> bool:
        return request.user.is_superuser or self._is_member(request)

    def has_add_permission(self, request: HttpRequest, obj: models.Model | None = None) -> bool:
        if self.read_only_for_staff and not request.user.is_superuser:
            return False
        return request.user.is_superuser or self._manages(request, None)

    def has_change_permission(self, request: HttpRequest, obj: models.Model | None = None) -> bool:
        if self.read_only_for_staff and not request.user.is_superuser:
            return False
        return request.user.is_superuser or self._manages(request, obj)

    def has_delete_permission(self, request: HttpRequest, obj: models.Model | None = None) -> bool:
        return self.has_change_permission(request, obj)


class MembershipForm(SameOrganizationForm):
    """The desk's rule on roles: an organisation keeps at least one manager."""

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        membership = self.instance
        role = data.get("role")
        if membership.pk and role and role != Role.MANAGER:
            was_manager = Membership.objects.filter(pk=membership.pk, role=Role.MANAGER).exists()
            others = Membership.objects.filter(
                organization_id=membership.organization_id, role=Role.MANAGER
            ).exclude(pk=membership.pk)
            if was_manager and not others.exists():
                self.add_error("role", _("An organisation keeps at least one manager."))
        return data


class MembershipInline(ScopedRelationsMixin, admin.TabularInline):
    """People are added here (the operator); removing someone is the desk's members page or
    the membership's own admin page, which keep a manager and hand back their work."""

    model = Membership
    form = MembershipForm
    extra = 0
    can_delete = False

    def get_autocomplete_fields(self, request: HttpRequest) -> list[str]:
        return ["user"] if request.user.is_superuser else []


class OrganizationAdminForm(OrganizationForm):
    """The desk's organisation form (its language checks) with the admin's fields."""

    class Meta(OrganizationForm.Meta):
        fields = "__all__"


DESK_LETTERS_HELP = _(
    "Set by a manager on the desk's letter settings page ({url}), which checks the time-stamp "
    "authority's address and the certificate."
)


@admin.register(Organization)
class OrganizationAdmin(ScopedAdmin):
    form = OrganizationAdminForm
    list_display = ["name", "slug", "country", "reference_prefix", "privacy_email"]
    search_fields = ["name", "legal_name", "slug"]
    inlines = [MembershipInline]

    #: Set on the desk's pages, which check them: read-only here for everyone.
    desk_fields = [
        "signatory_name",
        "signatory_title",
        "signature_image",
        "logo",
        "letter_window",
        "timestamp_url",
        "signing_certificate_subject",
        "signing_certificate_fingerprint",
        "signing_certificate_not_after",
    ]
    #: They decide deadlines and references: chosen when the organisation is created.
    fixed_fields = ["slug", "country", "time_zone", "reference_prefix"]
    #: The platform operator's: how long evidence is kept.
    operator_fields = ["identity_document_retention_days", "request_retention_days"]

    def get_fieldsets(self, request: HttpRequest, obj: Any = None) -> list:
        letters_url = (
            reverse("letters:settings", args=[obj.pk]) if obj else "/desk/letters/organization/"
        )
        return [
            (None, {"fields": ["name", "legal_name", "slug", "company_number"]}),
            (
                _("Address and calendar"),
                {"fields": ["street_address", "postal_code", "city", "country", "time_zone"]},
            ),
            (
                _("Public form and requests"),
                {
                    "fields": [
                        "privacy_email",
                        "website",
                        "default_language",
                        "offered_languages",
                        "requires_identity_document",
                        "reference_prefix",
                        "reminder_days",
                    ]
                },
            ),
            (
                _("Signatory and images"),
                {
                    "fields": ["signatory_name", "signatory_title", "signature_image", "logo"],
                    "description": _(
                        "Set by a manager on the desk's signatory page ({url}), which checks "
                        "the images."
                    ).format(url=reverse("desk:settings_signatory")),
                },
            ),
            (
                _("Letters"),
                {
                    "fields": [
                        "letter_window",
                        "timestamp_url",
                        "signing_certificate_subject",
                        "signing_certificate_fingerprint",
                        "signing_certificate_not_after",
                    ],
                    "description": DESK_LETTERS_HELP.format(url=letters_url),
                },
            ),
            (
                _("Retention"),
                {
                    "fields": self.operator_fields,
                    "description": _("Set by the platform operator."),
                },
            ),
        ]

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        fields = list(self.desk_fields)
        if obj is not None:
            fields += self.fixed_fields
        if not request.user.is_superuser:
            fields += self.operator_fields
        return fields

    def get_prepopulated_fields(self, request: HttpRequest, obj: Any = None) -> dict:
        return {"slug": ["name"]} if obj is None else {}

    def has_add_permission(self, request: HttpRequest, obj: models.Model | None = None) -> bool:
        return request.user.is_superuser


@admin.register(Membership)
class MembershipAdmin(ScopedAdmin):
    form = MembershipForm
    list_display = ["user", "organization", "role"]
    list_filter = ["role", ORGANIZATION_FILTER]

    def get_autocomplete_fields(self, request: HttpRequest) -> list[str]:
        # The user admin (and so its search) is the operator's; staff pick from a short list.
        return ["user"] if request.user.is_superuser else []

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        # A membership is one person in one organisation: only its role and digest change.
        return ["user", "organization"] if obj is not None else []

    def has_delete_permission(self, request: HttpRequest, obj: models.Model | None = None) -> bool:
        # Staff remove members on the desk's members page; the operator here, by the same rules.
        return request.user.is_superuser

    def delete_model(self, request: HttpRequest, obj: Membership) -> None:
        try:
            members.member_remove(membership=obj)
        except members.MemberError as error:
            raise PermissionDenied(error.message) from error

    @transaction.atomic
    def delete_queryset(self, request: HttpRequest, queryset: models.QuerySet) -> None:
        for membership in queryset:
            self.delete_model(request, membership)


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    ordering = ["email"]
    list_display = ["email", "full_name", "is_active", "is_staff", "last_login"]
    search_fields = ["email", "full_name"]
    list_filter = ["is_active", "is_staff", "is_superuser"]
    fieldsets = [
        (None, {"fields": ["email", "password"]}),
        ("Person", {"fields": ["full_name"]}),
        ("Access", {"fields": ["is_active", "is_staff", "is_superuser", "groups"]}),
        ("Dates", {"fields": ["last_login", "date_joined"]}),
    ]
    add_fieldsets = [(None, {"classes": ["wide"], "fields": ["email", "password1", "password2"]})]

    def get_queryset(self, request: HttpRequest) -> models.QuerySet:
        queryset = super().get_queryset(request)
        if request.user.is_superuser:
            return queryset
        # Staff see the people they work with, and nobody else.
        colleagues = Membership.objects.filter(
            organization__in=request.user.memberships.values("organization_id")
        ).values("user_id")
        return queryset.filter(pk__in=colleagues)

    def has_module_permission(self, request: HttpRequest) -> bool:
        return request.user.is_superuser

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return request.user.is_superuser

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return request.user.is_superuser

    def has_add_permission(self, request: HttpRequest) -> bool:
        return request.user.is_superuser

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return request.user.is_superuser
