"""What the desk sends and has sent: stored e-mails (dsr/emails.py), deadline reminders
and the morning digest (dsr/reminders.py)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from accounts.models import Organization
from dsr.models.requests import Request


class OutboundEmail(models.Model):
    """An e-mail rendered and stored before it is sent: the database, not the broker, is
    the truth, so a lost task message never loses a mail (dsr/emails.py)."""

    ORGANIZATION_PATH = "organization"

    organization = models.ForeignKey(
        Organization, on_delete=models.PROTECT, related_name="emails", null=True, blank=True
    )
    request = models.ForeignKey(
        Request, on_delete=models.PROTECT, related_name="emails", null=True, blank=True
    )
    template = models.CharField(max_length=80)
    to = models.EmailField()
    reply_to = models.EmailField(blank=True)
    # A letter sent as a PDF attachment: read (and decrypted) only when the mail is sent.
    letter = models.ForeignKey(
        "Letter", on_delete=models.PROTECT, null=True, blank=True, related_name="emails"
    )
    subject = models.CharField(max_length=300)
    text_body = models.TextField()
    html_body = models.TextField()
    created_at = models.DateTimeField(auto_now_add=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.TextField(blank=True)
    # The task could not be handed to the broker at this moment (dsr/broker.py): the sweep
    # enqueues it again, and its next run clears this.
    enqueue_failed_at = models.DateTimeField(null=True, blank=True)
    # The e-mail channel (docs/EMAIL.md): the From the mail carries (the organisation's
    # sender settings, else the platform's), and the Message-ID the desk gave it, which a
    # reply's In-Reply-To/References and a bounce's report refer to (Message-ID -> request).
    from_email = models.CharField(max_length=300, blank=True)
    message_id = models.CharField(max_length=255, blank=True)
    # A bounce (delivery status notification) came back for this mail.
    undeliverable_at = models.DateTimeField(null=True, blank=True)
    undeliverable_reason = models.CharField(max_length=300, blank=True)

    class Meta:
        indexes = [
            # The recovery sweep: mails not sent yet, oldest first.
            models.Index(
                fields=["created_at"], name="email_unsent", condition=Q(sent_at__isnull=True)
            ),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["message_id"], name="outbound_message_id", condition=~Q(message_id="")
            ),
        ]

    def __str__(self) -> str:
        return f"{self.template} to {self.to}"


class Reminder(models.Model):
    """A deadline reminder that was sent: the unique constraint makes each (request,
    threshold) go out once, even with two beat processes or a task delivered twice."""

    ORGANIZATION_PATH = "request__organization"

    request = models.ForeignKey(Request, on_delete=models.CASCADE, related_name="reminders")
    threshold = models.CharField(max_length=12, help_text=_("'days:7', 'days:0' or 'overdue'"))
    effective_due_date = models.DateField()
    sent_at = models.DateTimeField(auto_now_add=True)
    # False for a milder threshold passed over because a more urgent one was sent instead.
    notified = models.BooleanField(default=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["request", "threshold"], name="one_reminder_per_threshold"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.threshold} for {self.request_id}"


class DigestSent(models.Model):
    """The morning digest went to this user on this date (once a day, guaranteed)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    date = models.DateField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "date"], name="one_digest_a_day")]

    def __str__(self) -> str:
        return f"{self.user_id} {self.date}"
