"""The demo data make reports worth showing: every chart has something to draw."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command
from reports_helpers import page_tables

from accounts.models import User

pytestmark = pytest.mark.django_db


def test_the_demo_gives_every_report_figures(desk_client):
    call_command("load_demo", stdout=io.StringIO())
    manager = User.objects.get(email="griet.vanwesemael@openmotics.example")
    html = desk_client(manager).get("/desk/reports/").content.decode()
    tables = page_tables(html)
    totals = {slug: rows[-1] for slug, rows in tables.items()}
    received = int(totals["received-by-right"][1])
    assert received >= 40
    assert int(totals["received-by-channel"][1]) == received
    answered, on_time, late = (int(cell) for cell in totals["timeliness"][1:4])
    assert answered >= 10 and on_time + late == answered
    assert float(totals["days-to-answer"][2]) > 0
    assert int(totals["extensions"][1]) >= 1
    assert int(totals["refusals"][1]) >= 1
    assert int(totals["identity"][1]) >= 10
    assert int(totals["backlog"][1]) >= 10 and int(totals["backlog"][3]) >= 1  # overdue
    assert int(totals["workload"][1]) == int(totals["backlog"][1])
    assert "Nothing in this period." not in html
