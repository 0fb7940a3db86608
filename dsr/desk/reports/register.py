"""The request register: every request received in a period, for a regulator or an auditor.

One line per request with what proves it was handled (reference, right, channel, the day
received, the statutory and effective due dates, the day answered, the outcome, the refusal
ground) and nothing that names the subject. As CSV (streamed, any length) or as a PDF laid
out and signed like the letters: WeasyPrint through the letter fetcher and fonts
(`letters.render`), a PAdES signature with the organisation's certificate
(`letters.signing`). The PDF always carries the whole register as an embedded CSV file
(PDF/A-3), which the signature covers; it lays the lines out as a table up to
`PDF_MAX_ROWS` of them, the time WeasyPrint takes in the web request being the limit
(docs/REPORTS.md). Above `PDF_ATTACHED_MAX_ROWS` lines there is no PDF: the CSV is the way.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date, datetime

from django.db.models import Case, DateField, QuerySet, When
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from weasyprint import Attachment

from accounts.models import Organization
from dsr.desk.csv_export import csv_lines
from dsr.desk.reports.period import Period
from dsr.desk.reports.queries import ANSWERED_STATUSES, local_date, received_in
from dsr.letters import render, signing
from dsr.models import Channel, Outcome, RefusalGround, Request, Right, Status

# Laying out and signing a register takes up to a second per 100 lines on the development
# machine (docs/BENCHMARKS.md), in the web request: 1,000 lines, a year of most desks, take
# about ten seconds. A longer register is one CSV away, or a shorter period.
PDF_MAX_ROWS = 1000
# The embedded CSV is built in memory (about 120 bytes a line): a few megabytes at most.
PDF_ATTACHED_MAX_ROWS = 100_000


@dataclass(frozen=True)
class RegisterLine:
    reference: str
    right: str
    channel: str
    received: date
    due_date: date
    effective_due_date: date
    answered: date | None
    status: str
    outcome: str
    refusal_ground: str

    @property
    def on_time(self) -> bool | None:
        return None if self.answered is None else self.answered <= self.effective_due_date

    def outcome_label(self) -> str:
        if self.status == Status.COMPLETED:
            return str(Outcome(self.outcome).label) if self.outcome else str(_("Completed"))
        if self.status in (Status.REFUSED, Status.WITHDRAWN):
            return str(Status(self.status).label)
        return str(_("Open: %(status)s") % {"status": Status(self.status).label})

    def cells(self) -> list[str]:
        on_time = {None: "", True: str(_("yes")), False: str(_("no"))}[self.on_time]
        return [
            self.reference,
            str(Right(self.right).label),
            str(Channel(self.channel).label),
            self.received.isoformat(),
            self.due_date.isoformat(),
            self.effective_due_date.isoformat(),
            self.answered.isoformat() if self.answered else "",
            on_time,
            self.outcome_label(),
            str(RefusalGround(self.refusal_ground).label) if self.refusal_ground else "",
        ]


def header() -> list[str]:
    return [
        _("Reference"),
        _("Right"),
        _("Channel"),
        _("Received"),
        _("Statutory due date"),
        _("Effective due date"),
        _("Answered"),
        _("On time"),
        _("Outcome"),
        _("Refusal ground"),
    ]


def register_requests(requests: QuerySet[Request], period: Period) -> QuerySet[Request]:
    return received_in(requests, period).order_by("received_at", "pk")


def register_lines(requests: QuerySet[Request], period: Period) -> Iterator[RegisterLine]:
    """The period's requests in order of receipt; the local dates come from the database."""
    zone = period.zone
    answered = Case(
        When(status__in=ANSWERED_STATUSES, then=local_date("closed_at", zone)),
        default=None,
        output_field=DateField(),
    )
    rows = (
        register_requests(requests, period)
        .annotate(received_on=local_date("received_at", zone), answered_on=answered)
        .values_list(
            "reference",
            "right",
            "channel",
            "received_on",
            "due_date",
            "effective_due_date",
            "answered_on",
            "status",
            "outcome",
            "refusal_ground",
        )
    )
    for row in rows.iterator(chunk_size=2000):
        yield RegisterLine(*row)


def csv_rows(lines: Iterable[RegisterLine]) -> Iterator[list[object]]:
    """The register as CSV rows: the header, then one row per request."""
    yield [str(label) for label in header()]
    for line in lines:
        yield line.cells()


def csv_name(organization: Organization, period: Period) -> str:
    return f"{organization.slug}-register-{period.slug()}.csv"


class RegisterTooLong(Exception):
    """More lines than a PDF built in the web request may hold."""

    def __init__(self, count: int) -> None:
        super().__init__(f"{count} requests")
        self.count = count


@dataclass(frozen=True)
class RegisterPdf:
    pdf: bytes
    lines: int
    pages: int
    signed: bool


def register_pdf(
    requests: QuerySet[Request], *, organization: Organization, period: Period, now: datetime
) -> RegisterPdf:
    """The register as tagged PDF/A-3, with the whole register attached as CSV, signed with
    the organisation's certificate if it has one.

    Raises RegisterTooLong above PDF_ATTACHED_MAX_ROWS lines (before anything is built)."""
    count = register_requests(requests, period).count()
    if count > PDF_ATTACHED_MAX_ROWS:
        raise RegisterTooLong(count)
    lines = list(register_lines(requests, period))
    attached = csv_name(organization, period)
    csv_text = "".join(csv_lines(csv_rows(lines)))
    signer = signing.signer_for(organization)
    files = render.branding_files(organization)
    local_now = timezone.localtime(now, period.zone)
    laid_out = count <= PDF_MAX_ROWS
    html = render_to_string(
        "desk/reports/register_pdf.html",
        {
            "org": organization,
            "period": period,
            "header": header(),
            "lines": [line.cells() for line in lines] if laid_out else [],
            "laid_out": laid_out,
            "table_max": PDF_MAX_ROWS,
            "attached": attached,
            "count": count,
            "answered": sum(1 for line in lines if line.answered is not None),
            "late": sum(1 for line in lines if line.on_time is False),
            "made_at": local_now,
            "signed": signer is not None,
            "lang": get_language() or "en",
            "urls": render.branding_urls(files),
        },
    )
    attachment = Attachment(
        string=csv_text.encode(),
        name=attached,
        description=str(_("The register of requests, one line per request (CSV)")),
        relationship="Data",
    )
    rendered = render.render_pdf(
        html, files=files, for_signing=signer is not None, attachments=[attachment]
    )
    pdf = rendered.pdf
    if signer is not None:
        pdf = signing.sign_for(
            organization,
            rendered,
            signer=signer,
            reason=_("Register of requests received from %(start)s to %(end)s")
            % {"start": period.start.isoformat(), "end": period.end.isoformat()},
        )
    return RegisterPdf(pdf=pdf, lines=count, pages=rendered.page_count, signed=signer is not None)
