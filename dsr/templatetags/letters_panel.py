"""`{% letters_panel request_obj as panel %}`: what templates/letters/_request_panel.html shows.

The desk's request page includes the panel with only `request_obj` and `can_act`; this tag
gathers the rest (the request's letters in one query, the kinds its state allows)."""

from __future__ import annotations

from typing import Any

from django import template

from dsr.letters.services import delivery_mode, letter_kinds_for
from dsr.models import AnswerChannel, LetterStatus, Request

register = template.Library()


@register.simple_tag
def letters_panel(request_obj: Request) -> dict[str, Any]:
    letters = list(
        request_obj.letters.select_related("issued_by", "previous").order_by("issued_at", "pk")
    )
    corrected = {letter.previous_id for letter in letters if letter.previous_id}
    return {
        "letters": letters,
        "corrected": corrected,
        "kinds": letter_kinds_for(request_obj),
        "rendering": any(letter.status == LetterStatus.RENDERING for letter in letters),
        "by_post": request_obj.answer_channel == AnswerChannel.POST,
        "email_mode": delivery_mode(request_obj),
        "has_address": bool(request_obj.subject_postal_address.strip()),
    }
