"""Admin for organisations and people, scoped for staff who are not superusers.

A non-superuser sees only the objects of organisations they belong to (through
`accounts.access.visible_to`, the same function every view uses) and may change
configuration only where they are a manager.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.db import models
from django.http import HttpRequest

from accounts import access
from accounts.models import Membership, Organization, Role, User


class ScopedAdmin(admin.ModelAdmin):
    """Scopes querysets and foreign-key choices to the staff user's organisations."""

    #: Non-superusers may never add, change or delete (append-only records).
    read_only_for_staff = False

    def get_queryset(self, request: HttpRequest) -> models.QuerySet:
        queryset = super().get_queryset(request)
        if request.user.is_superuser:
            return queryset
        return access.visible_to(request.user, queryset)

    def formfield_for_foreignkey(self, db_field: Any, request: HttpRequest, **kwargs: Any):
        related = db_field.related_model
        if not request.user.is_superuser and related is Organization:
            kwargs["queryset"] = access.visible_to(
                request.user, Organization.objects.all(), roles=(Role.MANAGER,)
            )
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

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


def _resolve(obj: models.Model, path: str) -> int:
    """Follow "request__organization" to the organisation's id."""
    *hops, last = path.split("__")
    for hop in hops:
        obj = getattr(obj, hop)
    return getattr(obj, f"{last}_id")


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    autocomplete_fields = ["user"]


@admin.register(Organization)
class OrganizationAdmin(ScopedAdmin):
    list_display = ["name", "slug", "country", "reference_prefix", "privacy_email"]
    search_fields = ["name", "legal_name", "slug"]
    prepopulated_fields = {"slug": ["name"]}
    inlines = [MembershipInline]

    def has_add_permission(self, request: HttpRequest, obj: models.Model | None = None) -> bool:
        return request.user.is_superuser


@admin.register(Membership)
class MembershipAdmin(ScopedAdmin):
    list_display = ["user", "organization", "role"]
    list_filter = ["role", "organization"]
    autocomplete_fields = ["user"]


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
