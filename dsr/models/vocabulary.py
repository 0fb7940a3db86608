"""The fixed vocabularies of the request domain: rights, channels, statuses, identity
evidence, outcomes, refusal grounds, and the kinds of actors and events in the audit log.

Values are stored in the database and named in migrations; labels are translated."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class Right(models.TextChoices):
    """One request is one right (LEGAL.md, "The rights")."""

    ACCESS = "access", _("Access (Art. 15)")
    RECTIFICATION = "rectification", _("Rectification (Art. 16)")
    ERASURE = "erasure", _("Erasure (Art. 17)")
    RESTRICTION = "restriction", _("Restriction of processing (Art. 18)")
    PORTABILITY = "portability", _("Data portability (Art. 20)")
    OBJECTION = "objection", _("Objection (Art. 21)")
    AUTOMATED_DECISION = "automated_decision", _("Automated decision-making (Art. 22)")


class Channel(models.TextChoices):
    WEB = "web", _("Web form")
    EMAIL = "email", _("E-mail")
    POST = "post", _("Post")
    PHONE = "phone", _("Phone")
    IN_PERSON = "in_person", _("In person")
    API = "api", _("API")


class AnswerChannel(models.TextChoices):
    EMAIL = "email", _("E-mail")
    POST = "post", _("Post")


class Status(models.TextChoices):
    UNVERIFIED = "unverified", _("Waiting for e-mail confirmation")
    IDENTITY_CHECK = "identity_check", _("Identity check")
    IN_PROGRESS = "in_progress", _("In progress")
    AWAITING_SUBJECT = "awaiting_subject", _("Waiting for the subject")
    COMPLETED = "completed", _("Completed")
    REFUSED = "refused", _("Refused")
    WITHDRAWN = "withdrawn", _("Withdrawn")


OPEN_STATUSES = (
    Status.UNVERIFIED,
    Status.IDENTITY_CHECK,
    Status.IN_PROGRESS,
    Status.AWAITING_SUBJECT,
)
CLOSED_STATUSES = (Status.COMPLETED, Status.REFUSED, Status.WITHDRAWN)
# Open and the clock runs (not waiting for the e-mail confirmation or for the subject):
# what "overdue" and the reminders mean; the partial index running_by_effective_due.
RUNNING_STATUSES = (Status.IDENTITY_CHECK, Status.IN_PROGRESS)
# The open statuses as plain strings, for index conditions (stable in migrations).
OPEN_STATUS_VALUES = ["unverified", "identity_check", "in_progress", "awaiting_subject"]


class IdentityStatus(models.TextChoices):
    NOT_CHECKED = "not_checked", _("Not checked yet")
    VERIFIED = "verified", _("Verified")
    FAILED = "failed", _("Could not be established")


class EvidenceKind(models.TextChoices):
    """How identity was established (LEGAL.md, "Identity"): a document is the exception."""

    EMAIL_MATCHES_RECORD = "email_matches_record", _("Confirmed e-mail matches the customer record")
    ACCOUNT_SESSION = "account_session", _("Request made from the customer's logged-in account")
    CUSTOMER_DETAILS = "customer_details", _("Customer number and details match the record")
    IDENTITY_DOCUMENT = "identity_document", _("Copy of an identity document")
    IN_PERSON = "in_person", _("Seen in person")
    OTHER = "other", _("Other")


class Outcome(models.TextChoices):
    FULFILLED = "fulfilled", _("Carried out in full")
    PARTIALLY_FULFILLED = "partially_fulfilled", _("Carried out in part (partial refusal)")
    NO_DATA = "no_data", _("No personal data held about the subject")


class RefusalGround(models.TextChoices):
    """The fixed list of refusal grounds (LEGAL.md, "Refusal and fees", Art. 17(3), 21)."""

    MANIFESTLY_UNFOUNDED = "manifestly_unfounded", _("Manifestly unfounded (Art. 12(5))")
    EXCESSIVE = "excessive", _("Excessive, in particular repetitive (Art. 12(5))")
    IDENTITY_NOT_ESTABLISHED = (
        "identity_not_established",
        _("Identity could not be established (Art. 11(2), 12(2))"),
    )
    FREEDOM_OF_EXPRESSION = (
        "freedom_of_expression",
        _("Freedom of expression and information (Art. 17(3)(a))"),
    )
    LEGAL_OBLIGATION = "legal_obligation", _("Legal obligation or public task (Art. 17(3)(b))")
    PUBLIC_HEALTH = "public_health", _("Public interest in public health (Art. 17(3)(c))")
    ARCHIVING_RESEARCH = (
        "archiving_research",
        _("Archiving, scientific or historical research, statistics (Art. 17(3)(d))"),
    )
    LEGAL_CLAIMS = "legal_claims", _("Legal claims (Art. 17(3)(e), 21(1))")
    COMPELLING_GROUNDS = "compelling_grounds", _("Compelling legitimate grounds (Art. 21(1))")
    RIGHTS_OF_OTHERS = (
        "rights_of_others",
        _("Rights and freedoms of others (Art. 15(4), 20(4))"),
    )
    OTHER = "other", _("Other (explained)")


# Grounds that only make sense for some rights (an Art. 17(3) ground answers an erasure);
# which ground applies to which right is decided in dsr/letters/rules.py.
ERASURE_ONLY_GROUNDS = frozenset(
    {
        RefusalGround.FREEDOM_OF_EXPRESSION,
        RefusalGround.LEGAL_OBLIGATION,
        RefusalGround.PUBLIC_HEALTH,
        RefusalGround.ARCHIVING_RESEARCH,
        RefusalGround.LEGAL_CLAIMS,
    }
)
OBJECTION_ONLY_GROUNDS = frozenset({RefusalGround.COMPELLING_GROUNDS})


class ActorKind(models.TextChoices):
    USER = "user", _("User")
    SUBJECT = "subject", _("Data subject")
    SYSTEM = "system", _("System")
    API = "api", _("API token")


class EventKind(models.TextChoices):
    RECEIVED = "request.received", _("Request received")
    EMAIL_CONFIRMED = "request.email_confirmed", _("E-mail address confirmed")
    ASSIGNED = "request.assigned", _("Assigned")
    IDENTITY_VERIFIED = "identity.verified", _("Identity verified")
    IDENTITY_FAILED = "identity.failed", _("Identity not established")
    INFORMATION_REQUESTED = "information.requested", _("Information asked from the subject")
    INFORMATION_RECEIVED = "information.received", _("Information received from the subject")
    EXTENDED = "request.extended", _("Deadline extended")
    COMPLETED = "request.completed", _("Completed")
    REFUSED = "request.refused", _("Refused")
    WITHDRAWN = "request.withdrawn", _("Withdrawn")
    NOTE = "request.note", _("Internal note")
    REMINDER_SENT = "request.reminder", _("Deadline reminder sent")
    MINIMISED = "request.minimised", _("Reduced to what proof and statistics need")
    RETENTION_RUN = "retention.run", _("Retention run")
    MESSAGE_SENT = "message.sent", _("Message sent to the subject")
    ATTACHMENT_ADDED = "attachment.added", _("Attachment added")
    ATTACHMENT_DESTROYED = "attachment.destroyed", _("Attachment destroyed")
    ATTACHMENT_VIEWED = "attachment.viewed", _("Identity document viewed")
    LETTER_ISSUED = "letter.issued", _("Letter issued")
    LETTER_CORRECTED = "letter.corrected", _("Corrected letter issued (new version)")
    LETTER_READY = "letter.ready", _("Letter rendered and signed")
    LETTER_FAILED = "letter.failed", _("Letter could not be rendered")
    LETTER_EMAILED = "letter.emailed", _("Letter sent by e-mail")
    LETTER_QUEUED_FOR_POST = "letter.queued_for_post", _("Letter queued for post")
    LETTER_POSTED = "letter.posted", _("Letter posted")
    LETTER_DOWNLOADED = "letter.downloaded", _("Letter downloaded")
    SIGNING_CERTIFICATE_SET = "organization.signing_certificate", _("Signing certificate set")
    DATA_SOURCE_SAVED = "fulfilment.source_saved", _("Data source saved")
    FULFILMENT_PLANNED = "fulfilment.planned", _("Fulfilment dry run")
    FULFILMENT_CONFIRMED = "fulfilment.confirmed", _("Fulfilment confirmed and started")
    FULFILMENT_STEP_DONE = "fulfilment.step_done", _("Fulfilment step done")
    FULFILMENT_STEP_FAILED = "fulfilment.step_failed", _("Fulfilment step failed")
    FULFILMENT_STEP_IMPOSSIBLE = "fulfilment.step_impossible", _("Fulfilment step impossible")
    FULFILMENT_STEP_RETRIED = "fulfilment.step_retried", _("Fulfilment step retried")
    FULFILMENT_FINISHED = "fulfilment.finished", _("Fulfilment finished")
    # The request closed (withdrawn, refused, completed) before its job ended.
    FULFILMENT_CANCELLED = "fulfilment.cancelled", _("Fulfilment cancelled")
    FULFILMENT_STEP_CANCELLED = "fulfilment.step_cancelled", _("Fulfilment step stopped")
    PACKAGE_CREATED = "package.created", _("Data package created")
    PACKAGE_DOWNLOADED = "package.downloaded", _("Data package downloaded")
    PACKAGE_DELETED = "package.deleted", _("Data package deleted")
    PACKAGE_IN_REVIEW = "package.in_review", _("Data package waiting for review")
    PACKAGE_WITHHELD = "package.withheld", _("Part of the data package withheld")
    PACKAGE_WITHHELD_UNDONE = "package.withheld_undone", _("Withholding undone")
    PACKAGE_FILE_ADDED = "package.file_added", _("File added to the data package")
    PACKAGE_RELEASED = "package.released", _("Data package released")
    ART19_NOTICE = "art19.notice", _("Recipient notified (Art. 19)")
    EVENTS_EXPORTED = "audit.events_exported", _("Audit events downloaded")
    REGISTER_EXPORTED = "reports.register_exported", _("Request register downloaded")
    MEMBER_ROLE_CHANGED = "organization.member_role", _("Member's role changed")
    MEMBER_REMOVED = "organization.member_removed", _("Member removed")
    WEBHOOK_PAUSED = "organization.webhook_paused", _("Webhook endpoint paused")
    WEBHOOK_RESUMED = "organization.webhook_resumed", _("Webhook endpoint resumed")
    # Four eyes (issue 18): a second member approves an erasure's dry run, a refusal, a release.
    APPROVAL_REQUESTED = "approval.requested", _("Second pair of eyes asked")
    APPROVAL_GIVEN = "approval.given", _("Approved by a second pair of eyes")
    # Identity matched against the organisation's data sources (read-only, counts and hashes).
    IDENTITY_MATCHED = "identity.matched", _("Identity matched against the data sources")
    # The e-mail channel (docs/EMAIL.md)
    MAIL_SETTINGS_SAVED = "organization.mail_settings", _("Mailbox or sender settings saved")
    MAIL_RECEIVED = "mail.received", _("E-mail received in the inbox")
    MAIL_REPLY_RECEIVED = "mail.reply_received", _("E-mail received from the subject")
    MAIL_BOUNCED = "mail.bounced", _("E-mail to the subject could not be delivered")
    INBOX_CONVERTED = "inbox.converted", _("E-mail turned into requests")
    INBOX_NOT_REQUEST = "inbox.not_request", _("E-mail marked as not a request")
    INBOX_LINKED = "inbox.linked", _("E-mail linked to a request")
