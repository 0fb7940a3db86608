"""The signed register PDF, made by the worker and downloaded as a file.

Laying out a register and signing it (WeasyPrint, pyHanko, the organisation's time-stamp
authority) takes up to ten seconds and calls out; a page any viewer can load must not do
either. So a member asks for the register of a period (a POST), which writes a
`RegisterExport` row and hands its id to the worker; the worker lays it out, signs it and
stores it encrypted; the reports page then links the file. The row, not the broker, is the
truth: `exports_lost` finds exports whose task was lost and the sweep enqueues them again.

Asking again for a period that is being built, or was built today, returns that export; at
most `BUILDING_MAX` exports of one organisation are built at a time, so no member can keep
the worker busy by asking for many periods.
"""

from __future__ import annotations

import hashlib
import logging
import uuid
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from accounts.models import Organization, User
from dsr import audit, broker, crypto
from dsr.desk.reports import register
from dsr.desk.reports.period import Period
from dsr.fulfilment.streams import storage_delete_on_commit
from dsr.models import EventKind, RegisterExport, Request
from dsr.retention import REGISTER_EXPORT_KEPT

log = logging.getLogger(__name__)

# Exports of one organisation being built at the same time.
BUILDING_MAX = 3


class ExportError(Exception):
    """A register that cannot be asked for now; the message says why to a person."""


class ExportRemoved(ExportError):
    """The file was removed by retention; the row and its sha256 stay."""


def _enqueue_build(export_id: int) -> None:
    broker.enqueue("dsr.tasks.register_export_build", export_id)


def _local_midnight(organization: Organization, now: datetime) -> datetime:
    local = timezone.localtime(now, ZoneInfo(organization.time_zone))
    return local.replace(hour=0, minute=0, second=0, microsecond=0)


def building(organization: Organization) -> QuerySet[RegisterExport]:
    # register_export_building (partial index)
    return RegisterExport.objects.filter(organization=organization, built_at__isnull=True, error="")


def current_export(
    organization: Organization, period: Period, *, language: str, now: datetime | None = None
) -> RegisterExport | None:
    """The export of this period that a new ask returns: one being built, or one built
    today (in the organisation's zone) whose file is still there."""
    now = now or timezone.now()
    return (
        RegisterExport.objects.filter(
            organization=organization,
            period_start=period.start,
            period_end=period.end,
            language=language,
        )
        .filter(
            Q(built_at__isnull=True, error="")
            | Q(built_at__gte=_local_midnight(organization, now), removed_at__isnull=True)
        )
        .order_by("-requested_at", "-pk")
        .first()
    )


def latest_export(organization: Organization, period: Period) -> RegisterExport | None:
    """What the reports page shows for this period: the newest export, whatever its state."""
    # register_export_period
    return (
        RegisterExport.objects.filter(
            organization=organization, period_start=period.start, period_end=period.end
        )
        .order_by("-requested_at", "-pk")
        .first()
    )


@transaction.atomic
def register_export_request(
    *, organization: Organization, period: Period, user: User, language: str
) -> RegisterExport:
    """Ask the worker for the signed register of `period`, or return the one already there.

    Raises register.RegisterTooLong (a count, before anything is built) and ExportError when
    the organisation already has BUILDING_MAX exports being built."""
    # One ask at a time per organisation, so two clicks make one export.
    Organization.objects.select_for_update(no_key=True).get(pk=organization.pk)
    existing = current_export(organization, period, language=language)
    if existing is not None:
        return existing
    count = register.register_requests(_requests(organization), period).count()
    if count > register.PDF_ATTACHED_MAX_ROWS:
        raise register.RegisterTooLong(count)
    if building(organization).count() >= BUILDING_MAX:
        raise ExportError(
            _(
                "%(count)s registers are being prepared for this organisation; ask again "
                "when they are ready."
            )
            % {"count": BUILDING_MAX}
        )
    export = RegisterExport.objects.create(
        organization=organization,
        period_start=period.start,
        period_end=period.end,
        language=language,
        requested_by=user,
        requested_at=timezone.now(),
    )
    transaction.on_commit(lambda: _enqueue_build(export.pk))
    return export


def _requests(organization: Organization) -> QuerySet[Request]:
    return Request.objects.filter(organization=organization)


# --- building (the worker) -------------------------------------------------------------------


def register_export_build(export_id: int) -> str:
    """Lay out, sign and store one export; idempotent (returns its state).

    The PDF is made outside any transaction; storing it is a short transaction that succeeds
    only while the row is still being built, so a task delivered twice stores once."""
    export = RegisterExport.objects.select_related("organization").filter(pk=export_id).first()
    if export is None:
        return "missing"
    if not export.building:
        return "ready" if export.built_at else "failed"
    organization = export.organization
    period = Period(export.period_start, export.period_end, organization.time_zone)
    with translation.override(export.language):
        made = register.register_pdf(
            _requests(organization), organization=organization, period=period, now=timezone.now()
        )
    moment = timezone.now()
    name = default_storage.save(
        f"registers/{moment:%Y/%m}/{uuid.uuid4().hex}.enc", ContentFile(crypto.encrypt(made.pdf))
    )
    with transaction.atomic():
        locked = RegisterExport.objects.select_for_update().get(pk=export_id)
        if not locked.building:
            storage_delete_on_commit(name)
            return "ready" if locked.built_at else "failed"
        locked.file.name = name
        locked.sha256 = hashlib.sha256(made.pdf).hexdigest()
        locked.size = len(made.pdf)
        locked.lines = made.lines
        locked.signed = made.signed
        locked.built_at = moment
        locked.save()
    return "ready"


def register_export_mark_failed(*, export_id: int, error: str) -> None:
    """The worker gave up: the page says why, and the period can be asked for again."""
    RegisterExport.objects.filter(pk=export_id, built_at__isnull=True, error="").update(
        error=error[:2000]
    )


def failure_message(exc: BaseException, *, transient: bool) -> str:
    """What the reports page says of a failed export (never a remote service's answer)."""
    if isinstance(exc, register.RegisterTooLong):
        return _(
            "The register of this period has %(count)s requests, more than the %(max)s a "
            "PDF can hold here. Choose a shorter period, or download the CSV."
        ) % {"count": exc.count, "max": register.PDF_ATTACHED_MAX_ROWS}
    if transient:
        return _(
            "The register could not be signed now (the time-stamp service did not answer). "
            "Ask for it again in a minute."
        )
    return _("The register could not be made (%(error)s).") % {"error": type(exc).__name__}


def exports_lost(older_than: timedelta = timedelta(minutes=15)) -> QuerySet[RegisterExport]:
    """Exports still being built some minutes after they were asked for: their task was lost."""
    # register_export_building (partial index)
    return RegisterExport.objects.filter(
        built_at__isnull=True, error="", requested_at__lt=timezone.now() - older_than
    ).order_by("requested_at")


# --- downloading ------------------------------------------------------------------------------


def register_export_read(export: RegisterExport) -> bytes:
    """The stored PDF, decrypted and checked against its sha256."""
    if export.removed_at is not None:
        raise ExportRemoved(
            _(
                "This register was removed %(days)s days after it was made; its sha256 "
                "%(sha256)s is kept. Ask for the register again."
            )
            % {"days": REGISTER_EXPORT_KEPT.days, "sha256": export.sha256}
        )
    if not export.ready:
        raise ExportError(_("This register is not ready yet."))
    with export.file.open("rb") as handle:
        pdf = crypto.decrypt(handle.read())
    if hashlib.sha256(pdf).hexdigest() != export.sha256:
        raise ExportError(f"register export {export.pk} does not match its recorded sha256")
    return pdf


def register_csv_downloaded(
    *, organization: Organization, period: Period, actor: audit.Actor
) -> None:
    """Each download of the register as CSV is an audit event too: the period and the format
    (the file is streamed as it is read, so it has no hash to keep)."""
    audit.record(
        organization=organization,
        kind=EventKind.REGISTER_EXPORTED,
        actor=actor,
        data={"start": period.start.isoformat(), "end": period.end.isoformat(), "format": "csv"},
    )


def register_export_downloaded(*, export: RegisterExport, actor: audit.Actor) -> None:
    """Each download is an audit event: the period, the lines, signed or not, the sha256."""
    audit.record(
        organization=export.organization,
        kind=EventKind.REGISTER_EXPORTED,
        actor=actor,
        data={
            "start": export.period_start.isoformat(),
            "end": export.period_end.isoformat(),
            "format": "pdf",
            "requests": export.lines,
            "signed": export.signed,
            "sha256": export.sha256,
            "export": export.pk,
        },
    )


def file_name(export: RegisterExport) -> str:
    period = Period(export.period_start, export.period_end, export.organization.time_zone)
    return f"{export.organization.slug}-register-{period.slug()}.pdf"
