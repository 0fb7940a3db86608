"""The reports page: who sees it, the period and its bad input, the CSV downloads' safety."""

from __future__ import annotations

from datetime import date

import pytest
from django.urls import reverse
from reports_helpers import csv_rows, page_tables

from accounts.models import Membership, Role
from dsr.desk.reports.period import preset_dates
from tests.conftest import make_user
from tests.dsr.desk.desk_helpers import assigned, completed, days_ago

pytestmark = pytest.mark.django_db

REPORTS = "/desk/reports/"


@pytest.mark.parametrize(
    ("preset", "today", "expected"),
    [
        ("last_12_months", date(2026, 7, 15), (date(2025, 7, 16), date(2026, 7, 15))),
        ("last_12_months", date(2028, 2, 29), (date(2027, 3, 1), date(2028, 2, 29))),
        ("this_year", date(2026, 7, 15), (date(2026, 1, 1), date(2026, 12, 31))),
        ("last_year", date(2026, 7, 15), (date(2025, 1, 1), date(2025, 12, 31))),
        ("this_quarter", date(2026, 7, 15), (date(2026, 7, 1), date(2026, 9, 30))),
        ("last_quarter", date(2026, 7, 15), (date(2026, 4, 1), date(2026, 6, 30))),
        ("last_quarter", date(2026, 2, 3), (date(2025, 10, 1), date(2025, 12, 31))),
        ("last_month", date(2026, 3, 31), (date(2026, 2, 1), date(2026, 2, 28))),
        ("last_month", date(2026, 1, 10), (date(2025, 12, 1), date(2025, 12, 31))),
    ],
)
def test_presets(preset, today, expected):
    assert preset_dates(preset, today) == expected


def test_every_member_sees_the_reports_and_the_link_to_them(
    desk_client, officer, viewer, manager, make_request
):
    make_request(received_at=days_ago(3))
    for user in (officer, viewer, manager):
        response = desk_client(user).get(REPORTS)
        assert response.status_code == 200, user
        assert f'href="{REPORTS}"' in response.content.decode()
        assert page_tables(response.content.decode())["received-by-right"][-1] == ["Total", "1"]


def test_signed_out_users_are_sent_to_sign_in(client):
    response = client.get(REPORTS)
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    response = client.get(reverse("desk:reports_register_csv"))
    assert response.status_code == 302


def test_the_default_period_is_the_last_twelve_months(desk_client, officer, make_request):
    make_request(received_at=days_ago(300))
    make_request(received_at=days_ago(400))  # outside
    response = desk_client(officer).get(REPORTS)
    period = response.context["period"]
    assert (period.end - period.start).days in (364, 365)
    assert page_tables(response.content.decode())["received-by-right"][-1] == ["Total", "1"]


def test_a_preset_link_chooses_its_period(desk_client, officer):
    response = desk_client(officer).get(REPORTS, {"preset": "last_year"})
    period = response.context["period"]
    assert period.start.month == 1 and period.start.day == 1
    assert (period.end - period.start).days in (364, 365)
    assert 'class="active" aria-current="true">Last year</a>' in response.content.decode()


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ({"start": "2026-13-01", "end": "2026-12-31"}, "Enter a valid date."),
        (
            {"start": "2026-06-30", "end": "2026-01-01"},
            "The end of the period is before its start.",
        ),
        ({"start": "2026-01-01"}, "Give both dates of the period, or choose a preset."),
        ({"end": "2026-01-01"}, "Give both dates of the period, or choose a preset."),
        ({"start": "2017-01-01", "end": "2018-12-31"}, "cannot start before 25 May 2018"),
        ({"start": "2026-01-01", "end": "9999-12-31"}, "The period cannot end after"),
        ({"preset": "forever"}, "Select a valid choice."),
    ],
)
def test_bad_periods_are_explained_and_show_no_figures(desk_client, officer, query, message):
    client = desk_client(officer)
    response = client.get(REPORTS, query)
    assert response.status_code == 400
    html = response.content.decode()
    assert message in html
    assert 'role="alert"' in html
    assert page_tables(html) == {}
    download = client.get(reverse("desk:reports_timeliness_csv"), query)
    assert download.status_code == 400
    assert message in download.content.decode()
    assert client.get(reverse("desk:reports_register_csv"), query).status_code == 400
    assert client.post(reverse("desk:reports_register_pdf"), query).status_code == 400


def test_reports_only_count_the_organisation_shown(
    desk_client, organization, make_request, other_organization
):
    make_request(received_at=days_ago(5))
    make_request(received_at=days_ago(5), organization=other_organization)
    make_request(received_at=days_ago(6), organization=other_organization)
    both = make_user("both@example.com", other_organization, Role.OFFICER)
    Membership.objects.create(user=both, organization=organization, role=Role.VIEWER)
    client = desk_client(both)
    client.post(reverse("desk:organization_choose"), {"organization": "openmotics"})
    assert page_tables(client.get(REPORTS).content.decode())["received-by-right"][-1] == [
        "Total",
        "1",
    ]
    client.post(reverse("desk:organization_choose"), {"organization": "maxem"})
    assert page_tables(client.get(REPORTS).content.decode())["received-by-right"][-1] == [
        "Total",
        "2",
    ]


@pytest.fixture
def officer_named(organization, officer, make_request):
    """`officer_named(name)`: an officer of that name who answered one request."""

    def make(name: str):
        someone = make_user("someone@openmotics.example", organization, Role.OFFICER)
        someone.full_name = name
        someone.save()
        completed(assigned(make_request(received_at=days_ago(3)), someone, officer), officer)
        return someone

    return make


def test_an_officer_named_like_a_formula_is_text_in_the_csv(desk_client, officer, officer_named):
    formula = '=HYPERLINK("http://evil.example","click")'
    officer_named(formula)
    rows = csv_rows(desk_client(officer).get(reverse("desk:reports_workload_csv")))
    names = [row[0] for row in rows]
    assert formula not in names
    assert ["'" + formula, "0", "0", "1", "0"] in rows


def test_a_name_with_markup_is_text_in_the_page_and_its_chart(desk_client, officer, officer_named):
    officer_named('<script>alert("x")</script>')
    html = desk_client(officer).get(REPORTS).content.decode()
    assert "<script>alert" not in html
    # In the workload table and as the label of its bar in the chart.
    assert html.count("&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;") >= 2


def test_only_get_is_answered(desk_client, officer):
    client = desk_client(officer)
    assert client.post(REPORTS).status_code == 405
    assert client.post(reverse("desk:reports_backlog_csv")).status_code == 405
    assert client.get("/desk/reports/unknown.csv").status_code == 404
