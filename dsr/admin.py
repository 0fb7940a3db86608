"""Admin for the request domain. Requests, events and attachments are read-only here:
their state changes only through dsr/workflow.py, which writes the audit chain.

Every relation is scoped and re-checked on save by `accounts.admin.ScopedAdmin`: a processing
activity offers, and accepts, only its own organisation's recipients."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from accounts.admin import ORGANIZATION_FILTER, SameOrganizationForm, ScopedAdmin
from dsr.desk.settings_forms import ListField
from dsr.models import (
    Attachment,
    AuditHead,
    Event,
    Letter,
    PrintBatch,
    ProcessingActivity,
    Recipient,
    Request,
)


class ReadOnlyAdmin(ScopedAdmin):
    read_only_for_staff = True

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Request)
class RequestAdmin(ReadOnlyAdmin):
    list_display = [
        "reference",
        "organization",
        "right",
        "status",
        "channel",
        "received_at",
        "effective_due_date",
        "assignee",
    ]
    list_filter = [ORGANIZATION_FILTER, "status", "right", "channel", "language"]
    search_fields = ["reference", "subject_name", "subject_email"]
    date_hierarchy = "received_at"
    list_select_related = ["organization", "assignee"]


@admin.register(Event)
class EventAdmin(ReadOnlyAdmin):
    list_display = ["sequence", "organization", "kind", "actor_label", "request", "created_at"]
    list_filter = [ORGANIZATION_FILTER, "kind", "actor_kind"]
    list_select_related = ["organization", "request"]


@admin.register(Attachment)
class AttachmentAdmin(ReadOnlyAdmin):
    list_display = ["original_name", "request", "kind", "content_type", "size", "destroyed_at"]
    list_filter = ["kind"]
    list_select_related = ["request"]
    exclude = ["file"]


@admin.register(AuditHead)
class AuditHeadAdmin(ReadOnlyAdmin):
    """The state of each organisation's audit chain: last event, last verification."""

    list_display = [
        "organization",
        "last_sequence",
        "verified_sequence",
        "verified_at",
        "verification_error",
    ]


class RecipientAdminForm(SameOrganizationForm):
    """The categories as the desk's recipients page takes them: a list of short texts."""

    data_categories = ListField(label=_("Data categories received"), required=False)


class ProcessingActivityAdminForm(SameOrganizationForm):
    """The categories as the desk's register page takes them (a list of texts); the
    recipients, the organisation's own only (checked again on save)."""

    data_categories = ListField(label=_("Categories of personal data"))


@admin.register(Recipient)
class RecipientAdmin(ScopedAdmin):
    form = RecipientAdminForm
    list_display = ["name", "organization", "kind", "contact_email"]
    list_filter = [ORGANIZATION_FILTER, "kind"]
    search_fields = ["name"]


@admin.register(ProcessingActivity)
class ProcessingActivityAdmin(ScopedAdmin):
    form = ProcessingActivityAdminForm
    list_display = ["name", "organization", "legal_basis", "retention"]
    list_filter = [ORGANIZATION_FILTER, "legal_basis"]
    filter_horizontal = ["recipients"]


@admin.register(Letter)
class LetterAdmin(ReadOnlyAdmin):
    """Issued letters, read-only: their content is personal data and their file is
    encrypted; officers read them through the desk (dsr/letters/views.py)."""

    list_display = ["request", "kind", "language", "version", "status", "letter_date", "sha256"]
    list_filter = ["kind", "status", "language"]
    list_select_related = ["request"]
    exclude = ["content", "file"]


@admin.register(PrintBatch)
class PrintBatchAdmin(ReadOnlyAdmin):
    list_display = ["pk", "organization", "status", "total", "done", "created_at", "posted_at"]
    list_filter = [ORGANIZATION_FILTER, "status"]
    exclude = ["file"]
