"""Managers see when the retention purges last ran, what they did, and when they run next."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from dsr import retention
from dsr.desk.access import desk_view

RUN_AT = (3, 30)  # the beat schedule's crontab, in the desk's time zone (config/settings.py)


def next_run(now: datetime) -> datetime:
    local = timezone.localtime(now)
    candidate = local.replace(hour=RUN_AT[0], minute=RUN_AT[1], second=0, microsecond=0)
    return candidate if candidate > local else candidate + timedelta(days=1)


@desk_view(manage=True)
def retention_status(request: HttpRequest) -> HttpResponse:
    organization = request.desk.organization
    return render(
        request,
        "desk/settings/retention.html",
        {
            "last_run": retention.last_run(organization),
            "next_run": next_run(timezone.now()),
            "organization": organization,
        },
    )
