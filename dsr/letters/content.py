"""What a letter says, fixed when it is issued, and which letters a request allows.

`letter_content` takes a snapshot of everything the letter prints (the organisation's
letterhead, the subject's address, the dates, the register for an access answer, what
the officer wrote) as plain JSON. The worker renders from that snapshot, so a letter is
the same whenever and however often it is rendered, and a later change to the request
or the register never changes a letter that was issued.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from django.utils import timezone

from accounts.models import Organization
from dsr import deadlines
from dsr.letters import rules
from dsr.models import (
    Letter,
    LetterKind,
    PackageReview,
    RegisterIncomplete,
    RegisterLine,
    Request,
    ReviewStatus,
    Right,
    WithholdReason,
    organization_missing,
    processing_register,
    recipient_names,
)


def available_kinds(request: Request, *, now: datetime | None = None) -> list[str]:
    """The kinds of letter the request allows now: `rules.letter_kinds` decides."""
    return rules.letter_kinds(request, now=now or timezone.now())


def _iso(value: date | None) -> str | None:
    return value.isoformat() if value else None


def _local_date(request: Request, moment: Any) -> str | None:
    if moment is None:
        return None
    from zoneinfo import ZoneInfo

    return moment.astimezone(ZoneInfo(request.organization.time_zone)).date().isoformat()


def organization_content(organization: Organization, language: str | None = None) -> dict[str, Any]:
    """The letterhead and signature, the title and the place in the letter's language."""
    language = language or organization.default_language
    return {
        "id": organization.pk,
        "name": organization.name,
        "legal_name": organization.legal_name,
        "street_address": organization.street_address,
        "postal_code": organization.postal_code,
        "city": organization.city,
        "country": organization.country,
        "company_number": organization.company_number,
        "privacy_email": organization.privacy_email,
        "website": organization.website,
        "signatory_name": organization.signatory_name,
        "signatory_title": organization.letter_text("signatory_title", language),
        "place": organization.letter_text("place", language),
        "letter_window": organization.letter_window,
        "time_zone": organization.time_zone,
    }


def _recipient(recipient: Any) -> dict[str, str]:
    return {"name": recipient.name, "kind": recipient.kind, "country": recipient.country}


def register_content(
    organization: Organization, activity_ids: list[int] | None = None, language: str | None = None
) -> list[dict[str, Any]]:
    """The register lines an access answer lists: Art. 15(1)(a)-(d), (g), (h) per purpose,
    in `language` (RegisterIncomplete names what the register lacks in it)."""
    activities: list[RegisterLine] = processing_register(organization, language, activity_ids)
    return [
        {
            "name": activity.name,
            "purpose": activity.purpose,
            "data_categories": list(activity.data_categories or []),
            "legal_basis": activity.legal_basis,
            "retention": activity.retention,
            "source": activity.source,
            "automated_decision_logic": activity.automated_decision_logic,
            "recipients": [_recipient(r) for r in activity.recipients],
        }
        for activity in activities
    ]


def _lines(value: str) -> list[str]:
    return [line.strip() for line in (value or "").splitlines() if line.strip()]


def package_withheld(request: Request) -> list[dict[str, str]]:
    """The grounds on which the released package withheld parts, each once: the reason code,
    and for "other" the officer's explanation (never what was withheld)."""
    review = (
        PackageReview.objects.filter(
            job__request=request, job__right=request.right, status=ReviewStatus.RELEASED
        )
        .order_by("-released_at")
        .first()
    )
    if review is None:
        return []
    grounds: list[dict[str, str]] = []
    for decision in review.decisions.filter(undone_at__isnull=True).order_by("pk"):
        text = decision.reason_text.strip() if decision.reason == WithholdReason.OTHER else ""
        ground = {"reason": decision.reason, "text": text}
        if ground not in grounds:
            grounds.append(ground)
    order = list(WithholdReason.values)
    return sorted(grounds, key=lambda ground: (order.index(ground["reason"]), ground["text"]))


def letter_content(
    *,
    request: Request,
    kind: str,
    letter_date: date,
    issued_at: datetime | None = None,
    fields: dict[str, Any] | None = None,
    previous: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """Everything the letter prints, as plain JSON (see the module docstring).

    `fields` is what the officer entered on the compose form (all optional): `note`,
    `information`, `enclosures` (list), `systems` (list of {system, action, legal_ground}),
    `recipients_told` (list of names), `not_told_reason`, `activity_ids`, `withheld` (list of
    {what, ground, reason}: a partial refusal, checked by `rules.withheld_problems`),
    `view_considered` (an automated-decision answer: the subject's view was weighed).
    `previous` is {"version", "letter_date"} of the letter a correction replaces.
    """
    fields = fields or {}
    organization = request.organization
    content: dict[str, Any] = {
        "kind": kind,
        "language": request.language,
        "right": request.right,
        "reference": request.reference,
        "letter_date": letter_date.isoformat(),
        "issued_at": issued_at.isoformat() if issued_at else None,
        "organization": organization_content(organization, request.language),
        "subject": {
            "name": request.subject_name,
            "postal_address": _lines(request.subject_postal_address),
            "email": request.subject_email,
            "customer_number": request.subject_customer_number,
        },
        "request": {
            "channel": request.channel,
            "status": request.status,
            "received": _local_date(request, request.received_at),
            "due_date": _iso(request.due_date),
            "effective_due_date": _iso(request.effective_due_date),
            "extended_due_date": _iso(request.extended_due_date),
            "extension_reason": request.extension_reason,
            "extended": _local_date(request, request.extended_at),
            "paused": request.paused_since is not None,
            "identity_status": request.identity_status,
            "outcome": request.outcome,
            "outcome_note": request.outcome_note,
            "refusal_ground": request.refusal_ground,
            "refusal_explanation": request.refusal_explanation,
            "closed": _local_date(request, request.closed_at),
        },
        "note": (fields.get("note") or "").strip(),
        # Art. 22(3): the answer says the subject's view was weighed only when it was.
        "view_considered": bool(fields.get("view_considered")),
        "information": (fields.get("information") or "").strip(),
        "enclosures": [e for e in fields.get("enclosures") or [] if e],
        "systems": list(fields.get("systems") or []),
        "recipients_told": list(fields.get("recipients_told") or []),
        "withheld": rules.withheld_items(fields.get("withheld")),
        "previous": previous,
    }
    if kind == LetterKind.ANSWER and request.right in rules.ART19_RIGHTS:
        # Art. 19: only what is true about the recipients (rules.art19_facts), named in the
        # letter's language (RegisterIncomplete names a recipient without a name in it).
        names = recipient_names(organization, request.language)
        content["recipients_told"] = [names.get(n, n) for n in content["recipients_told"]]
        content["art19"] = rules.art19_facts(
            told=content["recipients_told"],
            register_recipients=names.values(),
            not_told_reason=fields.get("not_told_reason") or "",
        )
    if kind == LetterKind.ANSWER and request.right in rules.ACCESS_COPY_RIGHTS:
        # Art. 15(4), 20(4): the grounds on which the package's review withheld parts.
        content["package_withheld"] = package_withheld(request)
    if kind == LetterKind.ANSWER and request.right == Right.ACCESS:
        content["register"] = register_content(
            organization, fields.get("activity_ids"), request.language
        )
    return content


def letter_draft(
    *,
    request: Request,
    kind: str,
    now: datetime,
    fields: dict[str, Any] | None = None,
    corrects: Letter | None = None,
) -> dict[str, Any]:
    """What a letter issued at `now` says: the one snapshot behind the compose page's
    preview and `services.letter_issue`, so the preview is exactly what will be issued.

    Dated in the organisation's zone; `corrects` is the issued letter a correction replaces.
    Raises RegisterIncomplete when the organisation lacks a text in the letter's language
    (the signatory's title, the place, a register entry an access answer prints)."""
    missing = organization_missing(request.organization, request.language)
    letter_date = deadlines.receipt_date(now, time_zone=request.organization.time_zone)
    try:
        content = letter_content(
            request=request,
            kind=kind,
            letter_date=letter_date,
            issued_at=now,
            fields=fields,
            previous=(
                {"version": corrects.version, "letter_date": corrects.letter_date.isoformat()}
                if corrects is not None
                else None
            ),
        )
    except RegisterIncomplete as error:
        raise RegisterIncomplete(request.language, missing + error.missing) from None
    if missing:
        raise RegisterIncomplete(request.language, missing)
    return content
