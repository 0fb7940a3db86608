"""The officer's desk: queue, request page and its actions, logging, reports, settings."""

from django.urls import path

from dsr.desk.actions import ACTIONS
from dsr.desk.reports import views as reports
from dsr.desk.reports.tables import TABLES
from dsr.desk.views import (
    human_control,
    inbox,
    log_request,
    mail_settings,
    queue,
    request_page,
    retention,
    settings,
)

app_name = "desk"
urlpatterns = [
    path("", queue.queue, name="queue"),
    path("export.csv", queue.queue_export, name="queue_export"),
    path("assign/", queue.queue_assign, name="queue_assign"),
    path("organization/", queue.organization_choose, name="organization_choose"),
    path("log/", log_request.log_request, name="log_request"),
    path("inbox/", inbox.inbox, name="inbox"),
    path("inbox/<int:item_id>/", inbox.inbox_item, name="inbox_item"),
    path("inbox/<int:item_id>/convert/", inbox.inbox_convert, name="inbox_convert"),
    path("inbox/<int:item_id>/not-request/", inbox.inbox_not_request, name="inbox_not_request"),
    path("inbox/<int:item_id>/link/", inbox.inbox_link, name="inbox_link"),
    path("inbox/<int:item_id>/original.eml", inbox.inbox_original, name="inbox_original"),
    path("inbox/<int:item_id>/files/<int:attachment_id>/", inbox.inbox_file, name="inbox_file"),
    path("requests/<str:reference>/", request_page.request_page, name="request"),
    path("requests/<str:reference>/events.json", reports.request_events, name="request_events"),
    path(
        "requests/<str:reference>/files/<int:attachment_id>/",
        request_page.request_file,
        name="request_file",
    ),
    path(
        "requests/<str:reference>/approvals/<int:approval_id>/approve/",
        human_control.approval_give,
        name="approval_give",
    ),
    path(
        "requests/<str:reference>/approvals/<int:approval_id>/refuse/",
        human_control.approval_refuse,
        name="approval_refuse",
    ),
    path(
        "requests/<str:reference>/approvals/release/",
        human_control.release_ask,
        name="approval_release_ask",
    ),
    path(
        "requests/<str:reference>/identity-match/",
        human_control.identity_match_run,
        name="identity_match",
    ),
    *(
        path(
            f"requests/<str:reference>/{name}/",
            request_page.request_action,
            {"action": name},
            name=f"request_{name}",
        )
        for name in ACTIONS
    ),
    path("reports/", reports.reports_page, name="reports"),
    path("reports/register.csv", reports.register_csv, name="reports_register_csv"),
    path("reports/register.pdf", reports.register_pdf, name="reports_register_pdf"),
    path(
        "reports/register/<int:export_id>.pdf",
        reports.register_download,
        name="reports_register_download",
    ),
    *(
        path(f"reports/{slug}.csv", reports.table_csv, {"table": slug}, name=f"reports_{slug}_csv")
        for slug in TABLES
    ),
    path("settings/", settings.organization_details, name="settings"),
    path("settings/audit/", reports.audit_status, name="settings_audit"),
    path("settings/retention/", retention.retention_status, name="settings_retention"),
    path("settings/signatory/", settings.signatory, name="settings_signatory"),
    path("settings/mail/", mail_settings.mail_settings, name="settings_mail"),
    path("settings/mail/test/", mail_settings.mail_settings_test, name="settings_mail_test"),
    path("settings/signature.png", settings.signature_image, name="settings_signature_image"),
    path("settings/logo.png", settings.logo_image, name="settings_logo_image"),
    path("settings/members/", settings.member_list, name="settings_members"),
    path(
        "settings/members/<int:membership_id>/",
        settings.member_change,
        name="settings_member",
    ),
    *(
        pattern
        for kind in settings.OWNED
        for pattern in (
            path(
                f"settings/{kind}/",
                settings.owned_list,
                {"kind": kind},
                name=f"settings_{kind}",
            ),
            path(
                f"settings/{kind}/<int:pk>/",
                settings.owned_edit,
                {"kind": kind},
                name=f"settings_{kind}_edit",
            ),
            path(
                f"settings/{kind}/<int:pk>/delete/",
                settings.owned_delete,
                {"kind": kind},
                name=f"settings_{kind}_delete",
            ),
        )
    ),
]
