"""Review before release (Art. 15(4), 20(4)): a built export waits for an officer.

    review_open        the export job finished: its parts wait in review (or, when every
                       source holds only the subject's own data and the organisation allows
                       it, are released at once)                          (runner, in the job's
                                                                            transaction)
    review_sources     per source and table: row count, columns, extra files
    review_rows        one page of a stored table, read from its encrypted part
    decision_add       exclude a table, column, row or file; redact a value or a text
    decision_undo      take a decision back before release
    package_release    the officer releases: the worker builds the final package from the
                       reviewed parts (dsr.tasks.job_package_create) and delivers it
    review_drop        the request was withdrawn or refused before release: nothing is built
    file_add           a person's manual task adds a file (CSV, PDF, image) to the package

Each change is one Event saying what and why. A redacted value appears in an Event only as
`value_hash`: an HMAC-SHA256 keyed with the review's own salt (kept in the database, never in
an Event), of the value normalised (NFC, case-folded, spaces collapsed). Nothing here reads a
source again: the preview reads the stored, encrypted parts.
"""

from __future__ import annotations

import hashlib
import hmac
import io
import unicodedata
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from dsr import audit, broker, crypto
from dsr.fulfilment.streams import EncryptedUpload
from dsr.models import (
    ConnectorKind,
    DecisionKind,
    EventKind,
    Job,
    JobStep,
    PackageReview,
    Request,
    ReviewDecision,
    ReviewStatus,
    Status,
    StepStatus,
    WithholdReason,
)

PAGE_ROWS = 50
TEXT_MIN = 2
TEXT_MAX = 200
REASON_TEXT_MAX = 500
# A request closed this way gets nothing (the subject withdrew, or the request was refused).
NO_RELEASE_STATUSES = (Status.WITHDRAWN, Status.REFUSED)


class ReviewError(Exception):
    """The decision or the release cannot be made; the message says why, for the officer."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def value_hash(review: PackageReview, value: Any) -> str:
    """How a redacted value is named in an Event: keyed, so the Event alone reveals nothing."""
    text = unicodedata.normalize("NFC", "" if value is None else str(value))
    text = " ".join(text.casefold().split())
    return hmac.new(review.salt.encode(), text.encode(), hashlib.sha256).hexdigest()


def export_steps(job: Job) -> list[JobStep]:
    return list(job.steps.select_related("source").order_by("position", "pk"))


def _releasable(request: Request) -> str:
    """Why the request's package cannot be released now; "" when it can."""
    if request.status in NO_RELEASE_STATUSES:
        return _("The request was withdrawn or refused: nothing is released.")
    if request.minimised_at is not None:
        return _("The request was reduced to statistics: nothing is released.")
    return ""


# --- opening a review -------------------------------------------------------------------


def review_open(job: Job) -> PackageReview:
    """The export job finished (inside its transaction): its parts wait for review.

    Released at once, recorded as such, when the organisation allows release without review
    and a manager marked every source of the job as holding only the subject's own data."""
    review, created = PackageReview.objects.get_or_create(job=job)
    if not created:
        return review
    request = job.request
    organization = request.organization
    steps = export_steps(job)
    own_data = bool(steps) and all(step.source.own_data_only for step in steps)
    audit.record(
        organization=organization,
        kind=EventKind.PACKAGE_IN_REVIEW,
        actor=audit.Actor.system("fulfilment"),
        request=request,
        data={
            "review": review.pk,
            "tables": sum(len(step.state.get("files", [])) for step in steps),
            "files": sum(len(step.state.get("extra_files", [])) for step in steps),
            "own_data_only": own_data,
        },
    )
    if own_data and organization.release_unreviewed_own_data:
        _release(review, audit.Actor.system("fulfilment"), automatic=True)
    return review


# --- what the officer sees ----------------------------------------------------------------


@dataclass
class TableView:
    step: JobStep
    name: str
    label: str
    columns: list[str]
    rows: int
    excluded: bool
    excluded_columns: list[str]


@dataclass
class FileView:
    step: JobStep
    name: str
    content_type: str
    size: int
    excluded: bool


@dataclass
class SourceView:
    step: JobStep
    tables: list[TableView]
    files: list[FileView]


def _active(review: PackageReview) -> list[ReviewDecision]:
    return list(review.decisions.filter(undone_at__isnull=True))


def review_sources(review: PackageReview) -> list[SourceView]:
    decisions = _active(review)
    tables_out = {(d.step_id, d.table) for d in decisions if d.kind == DecisionKind.TABLE}
    files_out = {(d.step_id, d.table) for d in decisions if d.kind == DecisionKind.FILE}
    views = []
    for step in export_steps(review.job):
        done = step.status == StepStatus.DONE
        tables = [
            TableView(
                step=step,
                name=info["name"],
                label=info.get("label", info["name"]),
                columns=list(info.get("columns", [])),
                rows=int(info.get("rows", 0)),
                excluded=(step.pk, info["name"]) in tables_out,
                excluded_columns=[
                    d.column
                    for d in decisions
                    if d.kind == DecisionKind.COLUMN
                    and d.step_id == step.pk
                    and d.table == info["name"]
                ],
            )
            for info in (step.state.get("files", []) if done else [])
        ]
        files = [
            FileView(
                step=step,
                name=info["name"],
                content_type=info.get("content_type", ""),
                size=int(info.get("size", 0)),
                excluded=(step.pk, info["name"]) in files_out,
            )
            for info in (step.state.get("extra_files", []) if done else [])
        ]
        views.append(SourceView(step=step, tables=tables, files=files))
    return views


def _table_info(step: JobStep, table: str) -> dict[str, Any]:
    for info in step.state.get("files", []) if step.status == StepStatus.DONE else []:
        if info["name"] == table:
            return info
    raise ReviewError(_("This table is not in the package."))


def _file_info(step: JobStep, name: str) -> dict[str, Any]:
    for info in step.state.get("extra_files", []) if step.status == StepStatus.DONE else []:
        if info["name"] == name:
            return info
    raise ReviewError(_("This file is not in the package."))


def _stored_rows(info: dict[str, Any], start: int, limit: int) -> Iterator[list[Any]]:
    """Rows of a table from its encrypted part (the engine's streaming reader)."""
    from dsr.fulfilment.packages import table_rows

    return table_rows(info, start=start, limit=limit)


@dataclass
class RowPage:
    columns: list[str]
    rows: list[tuple[int, list[Any]]]  # (row number, values)
    page: int
    pages: int
    total: int


def review_rows(review: PackageReview, step: JobStep, table: str, page: int = 1) -> RowPage:
    """One page of a stored table, as the package holds it (read from the encrypted part,
    never from the source). Memory holds one page; earlier rows are read and skipped."""
    if step.job_id != review.job_id:
        raise ReviewError(_("This table is not in the package."))
    info = _table_info(step, table)
    total = int(info.get("rows", 0))
    pages = max(1, -(-total // PAGE_ROWS))
    page = min(max(1, page), pages)
    start = (page - 1) * PAGE_ROWS
    rows = _stored_rows(info, start, PAGE_ROWS)
    return RowPage(
        columns=list(info.get("columns", [])),
        rows=[(start + offset, list(values)) for offset, values in enumerate(rows)],
        page=page,
        pages=pages,
        total=total,
    )


def _cell_value(info: dict[str, Any], row: int, column: str) -> Any:
    columns = list(info.get("columns", []))
    index = columns.index(column)
    for values in _stored_rows(info, row, 1):
        return list(values)[index]
    raise ReviewError(_("This row is not in the table."))


# --- decisions -------------------------------------------------------------------------------


def _review_locked(review: PackageReview) -> PackageReview:
    locked = (
        PackageReview.objects.select_for_update(of=("self",))
        .select_related("job__request__organization")
        .get(pk=review.pk)
    )
    if locked.status != ReviewStatus.REVIEW:
        raise ReviewError(_("This package was already released; nothing can change in it."))
    blocker = _releasable(locked.job.request)
    if blocker:
        raise ReviewError(blocker)
    return locked


def _reason_checked(reason: str, reason_text: str) -> tuple[str, str]:
    reason_text = (reason_text or "").strip()
    if reason not in WithholdReason.values:
        raise ReviewError(_("Choose why this is withheld."))
    if reason == WithholdReason.OTHER and not reason_text:
        raise ReviewError(_("Say why: the reason “other” needs an explanation."))
    if len(reason_text) > REASON_TEXT_MAX:
        raise ReviewError(_("The explanation is too long (at most 500 characters)."))
    return reason, reason_text


def decision_add(
    *,
    review: PackageReview,
    actor: audit.Actor,
    kind: str,
    reason: str,
    reason_text: str = "",
    step: JobStep | None = None,
    table: str = "",
    column: str = "",
    row: int | None = None,
    text: str = "",
) -> ReviewDecision:
    """Record one exclusion or redaction, with its reason, and its Event."""
    reason, reason_text = _reason_checked(reason, reason_text)
    if kind not in DecisionKind.values:
        raise ReviewError(_("Unknown kind of decision."))
    with transaction.atomic():
        review = _review_locked(review)
        decision = ReviewDecision(
            review=review, kind=kind, reason=reason, reason_text=reason_text,
            created_by=actor.user,
        )  # fmt: skip
        data: dict[str, Any] = {"review": review.pk, "kind": kind, "reason": reason}
        if kind == DecisionKind.TEXT:
            text = unicodedata.normalize("NFC", (text or "").strip())
            if len(text) < TEXT_MIN:
                raise ReviewError(_("Give the text to redact (at least two characters)."))
            if len(text) > TEXT_MAX or "\n" in text or "\r" in text:
                raise ReviewError(_("Redact one line of text of at most 200 characters."))
            decision.text_encrypted = crypto.encrypt(text.encode()).decode()
            decision.value_hash = value_hash(review, text)
            data["value_hash"] = decision.value_hash
        else:
            if step is None or step.job_id != review.job_id:
                raise ReviewError(_("This table is not in the package."))
            step = JobStep.objects.select_related("source").get(pk=step.pk)  # as stored now
            decision.step = step
            data["source"] = step.source.name
            if kind == DecisionKind.FILE:
                decision.table = _file_info(step, table)["name"]
                data["file"] = decision.table
            else:
                info = _table_info(step, table)
                decision.table = info["name"]
                data["table"] = decision.table
                columns = list(info.get("columns", []))
                if kind in (DecisionKind.COLUMN, DecisionKind.CELL):
                    if column not in columns:
                        raise ReviewError(_("This column is not in the table."))
                    decision.column = column
                    data["column"] = column
                if kind in (DecisionKind.ROW, DecisionKind.CELL):
                    if row is None or not 0 <= row < int(info.get("rows", 0)):
                        raise ReviewError(_("This row is not in the table."))
                    decision.row = row
                    data["row"] = row
                if kind == DecisionKind.CELL:
                    decision.value_hash = value_hash(review, _cell_value(info, row, column))
                    data["value_hash"] = decision.value_hash
            duplicate = review.decisions.filter(
                undone_at__isnull=True,
                kind=kind,
                step=step,
                table=decision.table,
                column=decision.column,
                row=decision.row,
            )
            if duplicate.exists():
                raise ReviewError(_("This is already withheld."))
        if kind == DecisionKind.TEXT and any(
            d.value_hash == decision.value_hash
            for d in review.decisions.filter(undone_at__isnull=True, kind=kind)
        ):
            raise ReviewError(_("This text is already redacted."))
        decision.save()
        data["decision"] = decision.pk
        audit.record(
            organization=review.job.request.organization,
            kind=EventKind.PACKAGE_WITHHELD,
            actor=actor,
            request=review.job.request,
            data=data,
            payload={"reason_text": reason_text} if reason_text else None,
        )
    return decision


def decision_undo(*, decision: ReviewDecision, actor: audit.Actor) -> ReviewDecision:
    """Take back a decision before release (its Event stays; the undo is another)."""
    with transaction.atomic():
        review = _review_locked(decision.review)
        locked = ReviewDecision.objects.select_for_update().get(pk=decision.pk)
        if locked.review_id != review.pk or locked.undone_at is not None:
            raise ReviewError(_("This decision was already undone."))
        locked.undone_at = timezone.now()
        locked.undone_by = actor.user
        locked.save(update_fields=["undone_at", "undone_by"])
        audit.record(
            organization=review.job.request.organization,
            kind=EventKind.PACKAGE_WITHHELD_UNDONE,
            actor=actor,
            request=review.job.request,
            data={"review": review.pk, "decision": locked.pk, "kind": locked.kind},
        )
    return locked


# --- release -------------------------------------------------------------------------------


def package_release(*, review: PackageReview, by: audit.Actor) -> PackageReview:
    """The officer releases the reviewed package: the worker builds it and delivers it.

    One service for the desk and the API; a second person's approval, where the organisation
    wants one, is checked by the caller before (the four-eyes gate)."""
    with transaction.atomic():
        locked = _review_locked(review)
        _release(locked, by, automatic=False)
    return locked


def _release(review: PackageReview, actor: audit.Actor, *, automatic: bool) -> None:
    now = timezone.now()
    job = Job.objects.select_for_update(of=("self",)).get(pk=review.job_id)
    review.status = ReviewStatus.RELEASED
    review.released_at = now
    review.released_by = actor.user
    review.automatic = automatic
    review.save(update_fields=["status", "released_at", "released_by", "automatic"])
    job.package_wanted_at = now
    job.package_lease_until = None
    job.save(update_fields=["package_wanted_at", "package_lease_until"])
    decisions = list(review.decisions.filter(undone_at__isnull=True))
    audit.record(
        organization=job.request.organization,
        kind=EventKind.PACKAGE_RELEASED,
        actor=actor,
        request=job.request,
        data={
            "review": review.pk,
            "automatic": automatic,
            "decisions": [d.pk for d in decisions],
            "grounds": review.grounds(),
        },
    )
    job_id = job.pk
    transaction.on_commit(lambda: broker.enqueue("dsr.tasks.job_package_create", job_id))


def review_drop(*, request: Request, actor: audit.Actor) -> None:
    """Withdrawn or refused before release (inside the closing transaction): the reviews
    waiting end dropped, nothing is built, and their parts are deleted once committed."""
    for review in PackageReview.objects.select_for_update(of=("self",)).filter(
        job__request=request, status=ReviewStatus.REVIEW
    ):
        review.status = ReviewStatus.DROPPED
        review.save(update_fields=["status"])
        steps = list(review.job.steps.all())
        transaction.on_commit(lambda steps=steps: review_parts_delete(steps))
        audit.record(
            organization=request.organization,
            kind=EventKind.FULFILMENT_CANCELLED,
            actor=actor,
            request=request,
            data={
                "right": review.job.right,
                "request_status": request.status,
                "package": "not released",
            },
        )


def review_parts_delete(steps: list[JobStep]) -> None:
    """Delete the stored parts of the steps: their tables and the files people added."""
    from dsr.fulfilment.packages import parts_delete
    from dsr.fulfilment.streams import storage_delete

    for step in steps:
        parts_delete(step.state.get("files", []))
        for info in step.state.get("extra_files", []):
            storage_delete(info.get("path") or "")


# --- files a person adds during a manual task ---------------------------------------------

CSV_MAX = 10 * 1024 * 1024


def _csv_checked(content: bytes, name: str) -> tuple[bytes, str]:
    """A CSV file: UTF-8 text, parsed as CSV, at most 10 MB; refused otherwise."""
    import csv

    from dsr.attachments import AttachmentRejected, clean_file_name

    if not content:
        raise AttachmentRejected(_("The file is empty."))
    if len(content) > CSV_MAX:
        raise AttachmentRejected(_("The file is larger than 10 MB."))
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise AttachmentRejected(_("A CSV file must be UTF-8 text.")) from None
    if "\x00" in text:
        raise AttachmentRejected(_("A CSV file must be UTF-8 text."))
    try:
        for _row in csv.reader(io.StringIO(text, newline="")):
            pass
    except csv.Error:
        raise AttachmentRejected(_("This CSV file cannot be read.")) from None
    clean = clean_file_name(name)
    if not clean.lower().endswith(".csv"):
        clean += ".csv"
    return text.encode("utf-8"), clean


def file_add(*, step: JobStep, actor: audit.Actor, content: bytes, original_name: str) -> dict:
    """A person working a manual export task adds a file to the package (before finishing
    the task). CSV is checked as CSV; PDF and images through the uploads' content checks.
    Raises AttachmentRejected with a message for the person."""
    from dsr.attachments import file_check

    if (original_name or "").lower().endswith(".csv"):
        data, name = _csv_checked(content, original_name)
        content_type = "text/csv"
    else:
        checked = file_check(content, original_name, sanitise=False)
        data, name, content_type = checked.content, checked.name, checked.content_type
    upload = EncryptedUpload()
    upload.stream.write(data)
    with transaction.atomic():
        locked = (
            JobStep.objects.select_for_update(of=("self",))
            .select_related("source", "job__request__organization")
            .get(pk=step.pk)
        )
        request = locked.job.request
        if locked.source.kind != ConnectorKind.MANUAL or locked.status != StepStatus.WAITING:
            upload.discard()
            raise ReviewError(_("This task is not waiting for a person."))
        if locked.job.right not in ("access", "portability") or request.status in (
            Status.WITHDRAWN,
            Status.REFUSED,
            Status.COMPLETED,
        ):
            upload.discard()
            raise ReviewError(_("Files can only be added to an open access or portability task."))
        taken = {info["name"] for info in locked.state.get("extra_files", [])}
        stem, dot, extension = name.rpartition(".")
        number = 1
        while name in taken:
            number += 1
            name = f"{stem}-{number}.{extension}" if dot else f"{extension}-{number}"
        path = upload.save(f"fulfilment/{locked.job_id}/{locked.pk}/files/{uuid.uuid4().hex}.enc")
        info = {
            "name": name,
            "content_type": content_type,
            "size": len(data),
            "sha256": hashlib.sha256(data).hexdigest(),
            "path": path,
        }
        locked.state = {
            **locked.state,
            "extra_files": [*locked.state.get("extra_files", []), info],
        }
        locked.save(update_fields=["state"])
        audit.record(
            organization=request.organization,
            kind=EventKind.PACKAGE_FILE_ADDED,
            actor=actor,
            request=request,
            data={
                "source": locked.source.name,
                "content_type": content_type,
                "size": info["size"],
                "sha256": info["sha256"],
            },
            payload={"name": name},
        )
    return info


# --- what the build applies ----------------------------------------------------------------


def review_decisions(review: PackageReview) -> Any:
    """The decisions in force, in the form the package build applies
    (dsr.fulfilment.review_rules.ReviewDecisions)."""
    from dsr.fulfilment import review_rules as rules
    from dsr.fulfilment.packages import table_folders

    folders = table_folders(review.job)
    tables: dict[Any, dict[str, Any]] = {}
    texts, files = [], []
    for d in review.decisions.filter(undone_at__isnull=True).order_by("pk"):
        ground = rules.Ground(d.reason, d.reason_text if d.reason == WithholdReason.OTHER else "")
        if d.kind == DecisionKind.TEXT:
            texts.append(rules.TextRedaction(d.text, ground))
            continue
        if d.kind == DecisionKind.FILE:
            files.append(rules.FileExclusion(d.table, ground, folder=folders[d.step_id]))
            continue
        key = rules.TableKey(folders[d.step_id], d.table)
        entry = tables.setdefault(key, {"excluded": None, "columns": [], "rows": [], "cells": []})
        if d.kind == DecisionKind.TABLE:
            entry["excluded"] = ground
        elif d.kind == DecisionKind.COLUMN:
            entry["columns"].append(rules.ColumnExclusion(d.column, ground))
        elif d.kind == DecisionKind.ROW:
            entry["rows"].append(rules.RowExclusion(d.row, ground))
        elif d.kind == DecisionKind.CELL:
            entry["cells"].append(rules.CellRedaction(d.row, d.column, ground))
    return rules.ReviewDecisions(
        tables={
            key: rules.TableDecisions(
                excluded=value["excluded"],
                columns=tuple(value["columns"]),
                rows=tuple(value["rows"]),
                cells=tuple(value["cells"]),
            )
            for key, value in tables.items()
        },
        texts=tuple(texts),
        files=tuple(files),
    )
