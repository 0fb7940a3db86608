"""Helpers for the desk's tests: requests in a given state, made through the workflow."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from dsr import audit, workflow
from dsr.models import Request
from tests.builders import verified


def days_ago(days: float):
    return timezone.now() - timedelta(days=days)


def assigned(request_obj: Request, assignee, actor_user) -> Request:
    return workflow.request_assign(
        request=request_obj, assignee=assignee, actor=audit.Actor.for_user(actor_user)
    )


def completed(request_obj: Request, user) -> Request:
    request_obj = verified(request_obj, user)
    return workflow.request_complete(
        request=request_obj, outcome="fulfilled", actor=audit.Actor.for_user(user)
    )


def page_references(response) -> list[str]:
    """References listed in the queue's table, in order."""
    return [row.request.reference for row in response.context["rows"]]
