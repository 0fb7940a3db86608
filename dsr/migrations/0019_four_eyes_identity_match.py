# Four eyes (Approval) and the identity-match event kind (issue 18).

import django.db.models.deletion
import django.db.models.functions.text
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("dsr", "0018_package_review"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AlterField(
            model_name="event",
            name="kind",
            field=models.CharField(
                choices=[
                    ("request.received", "Request received"),
                    ("request.email_confirmed", "E-mail address confirmed"),
                    ("request.assigned", "Assigned"),
                    ("identity.verified", "Identity verified"),
                    ("identity.failed", "Identity not established"),
                    ("information.requested", "Information asked from the subject"),
                    ("information.received", "Information received from the subject"),
                    ("request.extended", "Deadline extended"),
                    ("request.completed", "Completed"),
                    ("request.refused", "Refused"),
                    ("request.withdrawn", "Withdrawn"),
                    ("request.note", "Internal note"),
                    ("request.reminder", "Deadline reminder sent"),
                    ("request.minimised", "Reduced to what proof and statistics need"),
                    ("retention.run", "Retention run"),
                    ("message.sent", "Message sent to the subject"),
                    ("attachment.added", "Attachment added"),
                    ("attachment.destroyed", "Attachment destroyed"),
                    ("attachment.viewed", "Identity document viewed"),
                    ("letter.issued", "Letter issued"),
                    ("letter.corrected", "Corrected letter issued (new version)"),
                    ("letter.ready", "Letter rendered and signed"),
                    ("letter.failed", "Letter could not be rendered"),
                    ("letter.emailed", "Letter sent by e-mail"),
                    ("letter.queued_for_post", "Letter queued for post"),
                    ("letter.posted", "Letter posted"),
                    ("letter.downloaded", "Letter downloaded"),
                    ("organization.signing_certificate", "Signing certificate set"),
                    ("fulfilment.source_saved", "Data source saved"),
                    ("fulfilment.planned", "Fulfilment dry run"),
                    ("fulfilment.confirmed", "Fulfilment confirmed and started"),
                    ("fulfilment.step_done", "Fulfilment step done"),
                    ("fulfilment.step_failed", "Fulfilment step failed"),
                    ("fulfilment.step_impossible", "Fulfilment step impossible"),
                    ("fulfilment.step_retried", "Fulfilment step retried"),
                    ("fulfilment.finished", "Fulfilment finished"),
                    ("fulfilment.cancelled", "Fulfilment cancelled"),
                    ("fulfilment.step_cancelled", "Fulfilment step stopped"),
                    ("package.created", "Data package created"),
                    ("package.downloaded", "Data package downloaded"),
                    ("package.deleted", "Data package deleted"),
                    ("package.in_review", "Data package waiting for review"),
                    ("package.withheld", "Part of the data package withheld"),
                    ("package.withheld_undone", "Withholding undone"),
                    ("package.file_added", "File added to the data package"),
                    ("package.released", "Data package released"),
                    ("art19.notice", "Recipient notified (Art. 19)"),
                    ("audit.events_exported", "Audit events downloaded"),
                    ("reports.register_exported", "Request register downloaded"),
                    ("organization.member_role", "Member's role changed"),
                    ("organization.member_removed", "Member removed"),
                    ("organization.webhook_paused", "Webhook endpoint paused"),
                    ("organization.webhook_resumed", "Webhook endpoint resumed"),
                    ("approval.requested", "Second pair of eyes asked"),
                    ("approval.given", "Approved by a second pair of eyes"),
                    ("identity.matched", "Identity matched against the data sources"),
                ],
                max_length=40,
            ),
        ),
        migrations.CreateModel(
            name="Approval",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                (
                    "kind",
                    models.CharField(
                        choices=[
                            ("erasure", "Erasure or anonymisation (dry run)"),
                            ("refusal", "Refusal"),
                            ("release", "Release of the data package"),
                        ],
                        max_length=10,
                    ),
                ),
                ("covers", models.CharField(max_length=64)),
                ("summary", models.JSONField(blank=True, default=dict)),
                ("parameters", models.JSONField(blank=True, default=dict)),
                ("requested_at", models.DateTimeField()),
                ("approved_at", models.DateTimeField(blank=True, null=True)),
                ("lapsed_at", models.DateTimeField(blank=True, null=True)),
                ("used_at", models.DateTimeField(blank=True, null=True)),
                (
                    "approved_by",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
                (
                    "request",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="approvals",
                        to="dsr.request",
                    ),
                ),
                (
                    "requested_by",
                    models.ForeignKey(
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
            ],
            options={
                "ordering": ["-requested_at", "-pk"],
                "indexes": [models.Index(fields=["request", "kind"], name="approval_request_kind")],
            },
        ),
        migrations.AddIndex(
            model_name="request",
            index=models.Index(
                models.F("organization"),
                models.F("right"),
                django.db.models.functions.text.Lower(
                    django.db.models.functions.text.Trim("subject_email")
                ),
                models.F("received_at"),
                name="repeat_by_email",
            ),
        ),
        migrations.AddIndex(
            model_name="request",
            index=models.Index(
                condition=models.Q(("subject_customer_number", ""), _negated=True),
                fields=["organization", "right", "subject_customer_number", "received_at"],
                name="repeat_by_customer_number",
            ),
        ),
    ]
