"""The request domain's models, one module per seam; every name is re-exported here, so
`from dsr.models import Request` is how the rest of the code imports them.

- `vocabulary.py`    rights, channels, statuses, evidence, outcomes, refusal grounds, event kinds
- `requests.py`      ReferenceCounter, Request, Attachment, Message, ReplyTemplate
- `events.py`        Event (append-only, hash-chained), AuditHead
- `notifications.py` OutboundEmail, Reminder, DigestSent
- `integrations.py`  IdempotencyKey, WebhookEndpoint, WebhookDelivery
- `register.py`      Recipient, ProcessingActivity
- `letters.py`       Letter, PrintBatch, RegisterExport
- `fulfilment.py`    DataSource, Job, JobStep, DataPackage, Art19Notice
- `approvals.py`     Approval (four eyes)
- `mail.py`          MailSettings, Mailbox, InboundMail, InboundAttachment (docs/EMAIL.md)

The app label stays `dsr`: table names, model names and migrations are those of the
single module this package was split from.
"""

from dsr.models.approvals import Approval, ApprovalKind
from dsr.models.events import (
    AuditHead,
    Event,
    EventQuerySet,
)
from dsr.models.fulfilment import (
    ACTIVE_STEP_STATUSES,
    ARTICLE_19_RIGHTS,
    EXPORT_RIGHTS,
    FINAL_STEP_STATUSES,
    FULFILMENT_RIGHTS,
    Art19Notice,
    ConnectorKind,
    DataPackage,
    DataSource,
    DecisionKind,
    Job,
    JobStatus,
    JobStep,
    PackageReview,
    ReviewDecision,
    ReviewStatus,
    StepStatus,
    WithholdReason,
    new_package_token,
)
from dsr.models.integrations import (
    IdempotencyKey,
    WebhookDelivery,
    WebhookEndpoint,
)
from dsr.models.letters import (
    Letter,
    LetterKind,
    LetterStatus,
    PrintBatch,
    PrintBatchStatus,
    RegisterExport,
)
from dsr.models.mail import (
    INBOX_STATUSES,
    InboundAttachment,
    InboundMail,
    InboundStatus,
    Mailbox,
    MailboxAuth,
    MailSettings,
    ReceivedAtSource,
)
from dsr.models.notifications import (
    DigestSent,
    OutboundEmail,
    Reminder,
)
from dsr.models.register import (
    ProcessingActivity,
    Recipient,
    RegisterIncomplete,
    RegisterLine,
    organization_missing,
    processing_register,
    recipient_names,
)
from dsr.models.requests import (
    Attachment,
    AttachmentKind,
    Message,
    ReferenceCounter,
    ReplyTemplate,
    Request,
    new_public_token,
)
from dsr.models.vocabulary import (
    CLOSED_STATUSES,
    ERASURE_ONLY_GROUNDS,
    OBJECTION_ONLY_GROUNDS,
    OPEN_STATUS_VALUES,
    OPEN_STATUSES,
    RUNNING_STATUSES,
    ActorKind,
    AnswerChannel,
    Channel,
    EventKind,
    EvidenceKind,
    IdentityStatus,
    Outcome,
    RefusalGround,
    Right,
    Status,
)

__all__ = [
    "ACTIVE_STEP_STATUSES",
    "ARTICLE_19_RIGHTS",
    "CLOSED_STATUSES",
    "ERASURE_ONLY_GROUNDS",
    "EXPORT_RIGHTS",
    "FINAL_STEP_STATUSES",
    "FULFILMENT_RIGHTS",
    "INBOX_STATUSES",
    "OBJECTION_ONLY_GROUNDS",
    "OPEN_STATUSES",
    "OPEN_STATUS_VALUES",
    "RUNNING_STATUSES",
    "ActorKind",
    "AnswerChannel",
    "Approval",
    "ApprovalKind",
    "Art19Notice",
    "Attachment",
    "AttachmentKind",
    "AuditHead",
    "Channel",
    "ConnectorKind",
    "DataPackage",
    "DataSource",
    "DecisionKind",
    "DigestSent",
    "Event",
    "EventKind",
    "EventQuerySet",
    "EvidenceKind",
    "IdempotencyKey",
    "IdentityStatus",
    "InboundAttachment",
    "InboundMail",
    "InboundStatus",
    "Job",
    "JobStatus",
    "JobStep",
    "Letter",
    "LetterKind",
    "LetterStatus",
    "MailSettings",
    "Mailbox",
    "MailboxAuth",
    "Message",
    "OutboundEmail",
    "Outcome",
    "PackageReview",
    "PrintBatch",
    "PrintBatchStatus",
    "ProcessingActivity",
    "ReceivedAtSource",
    "Recipient",
    "ReferenceCounter",
    "RefusalGround",
    "RegisterExport",
    "RegisterIncomplete",
    "RegisterLine",
    "Reminder",
    "ReplyTemplate",
    "Request",
    "ReviewDecision",
    "ReviewStatus",
    "Right",
    "Status",
    "StepStatus",
    "WebhookDelivery",
    "WebhookEndpoint",
    "WithholdReason",
    "new_package_token",
    "new_public_token",
    "organization_missing",
    "processing_register",
    "recipient_names",
]
