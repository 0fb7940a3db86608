"""The letter rules: which letter kind, which refusal ground and which Art. 19 sentence the
law allows (LEGAL.md; issue 16). The one place that decides them.

- `letter_blocker` / `letter_kinds`: which kinds a request's state and the date allow.
- `ground_blocker` / `refusal_grounds`: which refusal grounds apply to which right.
- `withheld_problems`: what a partial refusal must say (each withheld item, its ground, why).
- `art19_facts`: which recipients were told, which were not and why, or that there are none.

Each check returns the rule's message (empty when allowed), so the desk offers only what is
allowed, and the workflow, the letter services and the API refuse the rest with a message
naming the rule. Pure decisions on the request's fields: no writes.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any

from dsr import deadlines
from dsr.models import (
    ERASURE_ONLY_GROUNDS,
    IdentityStatus,
    LetterKind,
    Outcome,
    RefusalGround,
    Request,
    Right,
    Status,
)

CONFIRMED_OPEN = frozenset({Status.IDENTITY_CHECK, Status.IN_PROGRESS, Status.AWAITING_SUBJECT})
# The order a request lives its letters in (what the desk lists).
KIND_ORDER = (
    LetterKind.ACKNOWLEDGEMENT,
    LetterKind.INFORMATION_REQUEST,
    LetterKind.EXTENSION_NOTICE,
    LetterKind.ANSWER,
    LetterKind.PARTIAL_REFUSAL,
    LetterKind.REFUSAL,
    LetterKind.WITHDRAWAL_CONFIRMATION,
)

# --- which letter, when ------------------------------------------------------------------------


def first_month_due(request: Request) -> Any:
    """The end of the first month: the statutory due date plus the days paused, on a
    working day (LEGAL.md, "Extension": the subject is told within the first month)."""
    organization = request.organization
    return deadlines.effective_due_date(
        request.due_date, paused_days=request.paused_days, country=organization.country
    )


def letter_blocker(request: Request, kind: str, *, now: datetime) -> str:
    """Why a letter of `kind` cannot be issued for `request` at `now`; "" when it can."""
    if kind not in LetterKind.values:
        return f"Unknown letter kind {kind!r}."
    if request.minimised_at is not None:
        return "The request was reduced to statistics; it has no letters any more."
    status = request.status
    if kind in (LetterKind.ACKNOWLEDGEMENT, LetterKind.INFORMATION_REQUEST):
        if status not in CONFIRMED_OPEN:
            return (
                "An acknowledgement or a request for information is only sent while the "
                "request is open and its e-mail address confirmed."
            )
    elif kind == LetterKind.EXTENSION_NOTICE:
        if request.extended_due_date is None:
            return "An extension notice needs an extended request (Art. 12(3)): extend it first."
        if status not in CONFIRMED_OPEN:
            return (
                "An extension notice is only sent while the request is open, never after the "
                "answer (Art. 12(3))."
            )
        due = first_month_due(request)
        if deadlines.has_passed(due, now=now, time_zone=request.organization.time_zone):
            return (
                "An extension notice must reach the subject within the first month "
                f"(Art. 12(3)), which ended on {due.isoformat()}."
            )
    elif kind == LetterKind.ANSWER:
        if status != Status.COMPLETED:
            return "An answer is only sent once the request is completed."
    elif kind == LetterKind.PARTIAL_REFUSAL:
        if status != Status.COMPLETED or request.outcome != Outcome.PARTIALLY_FULFILLED:
            return (
                "A partial refusal goes only with a completed request carried out in part "
                "(outcome 'partially fulfilled')."
            )
    elif kind == LetterKind.REFUSAL:
        if status != Status.REFUSED:
            return "A refusal letter is only sent once the request is refused."
    elif kind == LetterKind.WITHDRAWAL_CONFIRMATION and status != Status.WITHDRAWN:
        return "A confirmation of withdrawal is only sent once the request is withdrawn."
    return ""


def letter_kinds(request: Request, *, now: datetime) -> list[str]:
    """The kinds of letter the request allows at `now`, in the order a request lives them."""
    return [str(kind) for kind in KIND_ORDER if not letter_blocker(request, kind, now=now)]


# --- which refusal ground, for which right -------------------------------------------------------

ACCESS_COPY_RIGHTS = frozenset({Right.ACCESS, Right.PORTABILITY})
# Grounds whose letter needs the officer's explanation: the controller must show why
# (Art. 12(5)), say which grounds override (Art. 21(1)), whose rights the copy would
# affect (Art. 15(4), 20(4)), or what the "other" reason is.
EXPLANATION_REQUIRED = frozenset(
    {
        RefusalGround.MANIFESTLY_UNFOUNDED,
        RefusalGround.EXCESSIVE,
        RefusalGround.COMPELLING_GROUNDS,
        RefusalGround.RIGHTS_OF_OTHERS,
        RefusalGround.OTHER,
    }
)


def ground_blocker(
    request: Request, ground: str, *, explanation: str = "", partial: bool = False
) -> str:
    """Why `ground` cannot refuse `request` (wholly, or in part when `partial`); "" when it can."""
    if ground not in RefusalGround.values:
        return f"Unknown refusal ground {ground!r}."
    right = request.right
    if ground in ERASURE_ONLY_GROUNDS:
        # Art. 21(1) names legal claims as its second alternative; Art. 17(3) the others.
        if right == Right.OBJECTION and ground == RefusalGround.LEGAL_CLAIMS:
            if request.direct_marketing:
                return (
                    "An objection to direct marketing cannot be refused: it is absolute "
                    "(Art. 21(3))."
                )
        elif right != Right.ERASURE:
            return "Art. 17(3) grounds only refuse an erasure request."
    if ground == RefusalGround.COMPELLING_GROUNDS:
        if right != Right.OBJECTION:
            return "Compelling legitimate grounds (Art. 21(1)) only refuse an objection."
        if request.direct_marketing:
            return (
                "An objection to direct marketing cannot be refused on compelling legitimate "
                "grounds: it is absolute (Art. 21(3))."
            )
    if ground == RefusalGround.RIGHTS_OF_OTHERS and right not in ACCESS_COPY_RIGHTS:
        return (
            "The rights and freedoms of others (Art. 15(4), 20(4)) only limit an access or "
            "portability request."
        )
    if ground == RefusalGround.IDENTITY_NOT_ESTABLISHED:
        if partial:
            return "Identity not established refuses the whole request, never a part of it."
        if request.identity_status != IdentityStatus.FAILED:
            return "Record that identity could not be established before refusing on that ground."
    if ground in EXPLANATION_REQUIRED and not (explanation or "").strip():
        label = RefusalGround(ground).label
        return f"Refusing on the ground '{label}' needs an explanation of why it applies."
    return ""


def refusal_grounds(request: Request, *, partial: bool = False) -> list[tuple[str, str]]:
    """The grounds the desk offers for `request` (before the explanation is written)."""
    return [
        (value, label)
        for value, label in RefusalGround.choices
        if not ground_blocker(request, value, explanation="-", partial=partial)
    ]


# --- what a partial refusal says ---------------------------------------------------------------

WITHHELD_KEYS = ("what", "ground", "reason")


def withheld_items(items: Iterable[Mapping[str, Any]] | None) -> list[dict[str, str]]:
    """The filled-in withheld items, stripped, in the letter's shape."""
    cleaned = []
    for item in items or []:
        entry = {key: str(item.get(key) or "").strip() for key in WITHHELD_KEYS}
        if any(entry.values()):
            cleaned.append(entry)
    return cleaned


def withheld_problems(request: Request, items: Iterable[Mapping[str, Any]] | None) -> list[str]:
    """What is wrong with a partial refusal's withheld items: at least one, each saying what
    was withheld, on which ground (one that applies to the right) and why (Art. 12(4))."""
    cleaned = withheld_items(items)
    if not cleaned:
        return ["A partial refusal needs at least one withheld item, with its ground and reason."]
    problems = []
    for number, item in enumerate(cleaned, start=1):
        if not item["what"]:
            problems.append(f"Withheld item {number}: say what was not done or not given.")
        if not item["ground"]:
            problems.append(f"Withheld item {number}: choose the ground.")
        else:
            blocker = ground_blocker(request, item["ground"], explanation="-", partial=True)
            if blocker:
                problems.append(f"Withheld item {number}: {blocker}")
        if not item["reason"]:
            problems.append(f"Withheld item {number}: say why the ground applies (Art. 12(4)).")
    return problems


# --- what an answer says about recipients (Art. 19) ---------------------------------------------

ART19_RIGHTS = frozenset({Right.ERASURE, Right.RECTIFICATION, Right.RESTRICTION})


def art19_facts(
    *, told: Iterable[str], register_recipients: Iterable[str], not_told_reason: str = ""
) -> dict[str, Any]:
    """What an erasure, rectification or restriction answer may say about recipients.

    `told`: the recipients actually told (the fulfilment record's Art. 19 notices, or what
    the officer ticked); `register_recipients`: every recipient in the register. The letter
    prints only what is true: the names told; the register's recipients not told, with the
    officer's reason (Art. 19: impossible or disproportionate effort); or that the register
    names no recipient at all. Recipients are always named, so the letter never needs to
    offer "on request, we tell you who they are"."""
    told_names = list(dict.fromkeys(name for name in told if name))
    known = list(dict.fromkeys(name for name in register_recipients if name))
    not_told = [name for name in known if name not in told_names]
    return {
        "told": told_names,
        "not_told": not_told,
        "not_told_reason": (not_told_reason or "").strip(),
        "none_in_register": not known and not told_names,
    }
