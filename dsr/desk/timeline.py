"""The request page's one timeline: every event, with the message it is about.

Events are the single record of what happened (letters and jobs write events too), so the
timeline needs no per-kind query: two queries whatever its length."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.utils.translation import gettext_lazy as _

from dsr.models import Event, EvidenceKind, Message, Outcome, RefusalGround, Request

# Payload keys that hold the text of a note, a reason, a message (personal data: payload).
TEXT_KEYS = ("text", "note", "reason", "message", "body", "explanation")
# Facts from `data` worth a line, with the vocabulary that names their values.
FACTS = (
    ("evidence", _("Evidence"), dict(EvidenceKind.choices)),
    ("outcome", _("Outcome"), dict(Outcome.choices)),
    ("ground", _("Ground"), dict(RefusalGround.choices)),
    ("effective_due_date", _("Effective due date"), None),
    ("extended_due_date", _("Extended due date"), None),
    ("paused", _("Days paused"), None),
)


@dataclass(frozen=True)
class TimelineEntry:
    event: Event
    message: Message | None
    text: str = ""
    facts: list[tuple[str, str]] = field(default_factory=list)

    @property
    def is_subject(self) -> bool:
        return self.event.actor_kind == "subject"


def _facts(event: Event) -> list[tuple[str, str]]:
    data, payload = event.data or {}, event.payload or {}
    facts = []
    for key, label, names in FACTS:
        value = data.get(key)
        if value not in (None, "", 0):
            facts.append((str(label), str(names.get(value, value)) if names else str(value)))
    if "assignee" in payload:
        facts.append((str(_("Assignee")), payload["assignee"] or str(_("nobody"))))
    if "name" in payload:
        facts.append((str(_("File")), payload["name"]))
    if event.kind == "attachment.destroyed" and data.get("sha256"):
        facts.append(("sha256", data["sha256"]))
    return facts


def timeline(request_obj: Request) -> list[TimelineEntry]:
    events = list(
        Event.objects.filter(request=request_obj).select_related("actor_user").order_by("sequence")
    )
    messages = {
        message.pk: message
        for message in Message.objects.filter(request=request_obj).prefetch_related("attachments")
    }
    entries = []
    for event in events:
        payload = event.payload or {}
        text = next((payload[key] for key in TEXT_KEYS if payload.get(key)), "")
        entries.append(
            TimelineEntry(
                event=event,
                message=messages.get((event.data or {}).get("message")),
                text=text if isinstance(text, str) else "",
                facts=_facts(event),
            )
        )
    return entries
