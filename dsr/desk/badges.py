"""The days-left badge: overdue, due today, due within a week, paused, or closed."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from dsr.models import Request

SOON_DAYS = 7


@dataclass(frozen=True)
class Badge:
    label: str
    css: str  # overdue | today | soon | later | paused | closed
    days_left: int | None


def due_badge(request_obj: Request, today: date) -> Badge:
    if not request_obj.is_open:
        return Badge(request_obj.get_status_display(), "closed", None)
    days = request_obj.days_left(today)
    if request_obj.is_paused:
        return Badge(_("Clock paused"), "paused", days)
    if days < 0:
        label = ngettext("Overdue by %(n)s day", "Overdue by %(n)s days", -days) % {"n": -days}
        return Badge(label, "overdue", days)
    if days == 0:
        return Badge(_("Due today"), "today", days)
    label = ngettext("%(n)s day left", "%(n)s days left", days) % {"n": days}
    return Badge(label, "soon" if days <= SOON_DAYS else "later", days)
