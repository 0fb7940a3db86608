"""Managers see when the retention purges last ran, what they did, and when they run next."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from dsr import retention
from dsr.desk.access import desk_view


@desk_view(manage=True)
def retention_status(request: HttpRequest) -> HttpResponse:
    organization = request.desk.organization
    return render(
        request,
        "desk/settings/retention.html",
        {
            "last_run": retention.last_run(organization),
            "next_run": retention.next_run(timezone.now()),
            "organization": organization,
        },
    )
