"""A submission and its files, whoever brings it in: the subject on the public form
(`dsr.intake.services.submission_receive`) or an officer logging a letter, an e-mail or a
call (the desk's "Log a request").

All or nothing: the requests (`workflow.submission_create`), every copy of every file and
whatever the caller adds before the commit (the public form's confirmation mail) are written
in one transaction. A file is written to storage before its row, so when the transaction
rolls back (a refused file, a database error) the files already written are removed too:
nothing is left in storage that no row points to.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime

from django.db import transaction

from accounts.models import Organization
from dsr import audit, workflow
from dsr.attachments import (
    AttachmentRejected,
    CheckedFile,
    attachment_files_delete,
    attachment_store,
    file_check,
)
from dsr.models import AnswerChannel, Attachment, Request


@dataclass(frozen=True)
class SubmittedFile:
    """A file that comes with a submission: stored on each of its requests as `kind`.

    `content` is raw bytes (checked here, sanitised when the subject sent it) or a
    `CheckedFile` the caller already checked."""

    content: bytes | CheckedFile
    name: str
    kind: str


class SubmittedFileRejected(AttachmentRejected):
    """A file of the submission cannot be stored (nothing was); `file` says which."""

    def __init__(self, file: SubmittedFile, message: str) -> None:
        super().__init__(message)
        self.file = file


def submission_store(
    *,
    organization: Organization,
    rights: list[str],
    channel: str,
    language: str,
    subject_name: str,
    actor: audit.Actor,
    subject_email: str = "",
    subject_postal_address: str = "",
    subject_customer_number: str = "",
    description: str = "",
    answer_channel: str = AnswerChannel.EMAIL,
    received_at: datetime | None = None,
    direct_marketing: bool = False,
    files: Sequence[SubmittedFile] = (),
    uploaded_by_subject: bool = False,
    before_commit: Callable[[list[Request]], object] | None = None,
) -> list[Request]:
    """Register a submission (one request per right) with its files, in one transaction.

    Each request gets its own copy of each file: identity is decided per request
    (`workflow.identity_decide` destroys that request's documents), so a decision on one
    right never removes a document another right still waits on. Each file is checked
    once; a refused one raises `SubmittedFileRejected` and nothing is kept, in the
    database or in storage. `before_commit(requests)` runs last, inside the transaction."""
    stored: list[Attachment] = []
    try:
        # The chain's lock is taken at the very end, just before the commit: concurrent
        # submissions to one organisation do not wait on each other's files or e-mails.
        with transaction.atomic(), audit.appended_at_end(organization):
            requests = workflow.submission_create(
                organization=organization,
                rights=rights,
                channel=channel,
                language=language,
                actor=actor,
                subject_name=subject_name,
                subject_email=subject_email,
                subject_postal_address=subject_postal_address,
                subject_customer_number=subject_customer_number,
                description=description,
                answer_channel=answer_channel,
                received_at=received_at,
                direct_marketing=direct_marketing,
            )
            checked = [(file, _checked(file, sanitise=uploaded_by_subject)) for file in files]
            for request in requests:
                for file, content in checked:
                    try:
                        attachment = attachment_store(
                            request=request,
                            content=content,
                            original_name=content.name,
                            kind=file.kind,
                            actor=actor,
                            uploaded_by_subject=uploaded_by_subject,
                        )
                    except AttachmentRejected as exc:
                        raise SubmittedFileRejected(file, str(exc)) from exc
                    stored.append(attachment)
            if before_commit is not None:
                before_commit(requests)
    except BaseException:
        attachment_files_delete(stored)
        raise
    return requests


def _checked(file: SubmittedFile, *, sanitise: bool) -> CheckedFile:
    if isinstance(file.content, CheckedFile):
        return file.content
    try:
        return file_check(file.content, file.name, sanitise=sanitise)
    except AttachmentRejected as exc:
        raise SubmittedFileRejected(file, str(exc)) from exc
