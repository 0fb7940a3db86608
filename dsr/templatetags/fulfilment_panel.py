"""`{% fulfilment_progress request_obj as progress %}`: what fulfilment/_request_panel.html shows.

The desk's request page includes the panel with only `request_obj` and `can_act`; this tag
gathers the job and its steps (one query for the job, one for the steps)."""

from __future__ import annotations

from django import template

from dsr.fulfilment import delivery, records
from dsr.models import FULFILMENT_RIGHTS, Request

register = template.Library()


@register.simple_tag
def fulfilment_progress(request_obj: Request) -> records.Progress:
    return records.job_progress(request_obj)


@register.filter
def fulfilment_right(request_obj: Request) -> bool:
    return request_obj.right in FULFILMENT_RIGHTS


@register.simple_tag
def subject_packages(request_obj: Request) -> list:
    """The data packages the subject can still download (for the status page)."""
    return delivery.packages_for_subject(request_obj)
