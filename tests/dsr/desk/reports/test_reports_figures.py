"""The reports against figures worked out by hand from the fixed history (conftest.py), on
whichever database the suite runs on (SQLite and PostgreSQL give the same figures); each
CSV download holds exactly what the page shows; the page's cost does not grow with the data.
"""

from __future__ import annotations

import pytest
from django.urls import reverse
from reports_helpers import NONE, csv_rows, on_screen, page_tables

from tests.dsr.desk.reports.conftest import PERIOD, TODAY, now_is

pytestmark = pytest.mark.django_db

REPORTS = "/desk/reports/"

# Body rows then the total row, as the page shows them. Rights in the order of the model:
# access, rectification, erasure, restriction, portability, objection, automated decision.
EXPECTED = {
    # Received 1 Jan - 30 Jun: A, C, E (access); D; B, K (erasure); M; H; G. Not J (December),
    # not I (July), not Maxem's X.
    "received-by-right": [
        ["Access (Art. 15)", "3"],
        ["Rectification (Art. 16)", "1"],
        ["Erasure (Art. 17)", "2"],
        ["Restriction of processing (Art. 18)", "1"],
        ["Data portability (Art. 20)", "1"],
        ["Objection (Art. 21)", "1"],
        ["Automated decision-making (Art. 22)", "0"],
        ["Total", "9"],
    ],
    # E-mail: A, D, E, G, M, K; post: B; phone: C; in person: H.
    "received-by-channel": [
        ["Web form", "0"],
        ["E-mail", "6"],
        ["Post", "1"],
        ["Phone", "1"],
        ["In person", "1"],
        ["API", "0"],
        ["Total", "9"],
    ],
    # Answered (completed or refused) 1 Jan - 30 Jun: J, A, C, E (access), D, B, M. Not K
    # (6 July), not G (withdrawn). Late against the effective date: C only. After the
    # statutory date: C, E (paused) and D (extended).
    "timeliness": [
        ["Access (Art. 15)", "4", "3", "1", "2"],
        ["Rectification (Art. 16)", "1", "1", "0", "1"],
        ["Erasure (Art. 17)", "1", "1", "0", "0"],
        ["Restriction of processing (Art. 18)", "1", "1", "0", "0"],
        ["Data portability (Art. 20)", "0", "0", "0", "0"],
        ["Objection (Art. 21)", "0", "0", "0", "0"],
        ["Automated decision-making (Art. 22)", "0", "0", "0", "0"],
        ["All rights", "7", "6", "1", "3"],
    ],
    # Days from receipt to answer: A 18, J 26, C 37, E 41 (access); D 65; B 15; M 9.
    # Access, 4 answers sorted 18 26 37 41: median (26 + 37) / 2 = 31.5; 90th percentile at
    # position 0.9 x 3 = 2.7: 37 + 0.7 x (41 - 37) = 39.8.
    # All 7 sorted 9 15 18 26 37 41 65: median 26; 90th at 0.9 x 6 = 5.4: 41 + 0.4 x 24 = 50.6.
    "days-to-answer": [
        ["Access (Art. 15)", "4", "31.5", "39.8"],
        ["Rectification (Art. 16)", "1", "65.0", "65.0"],
        ["Erasure (Art. 17)", "1", "15.0", "15.0"],
        ["Restriction of processing (Art. 18)", "1", "9.0", "9.0"],
        ["Data portability (Art. 20)", "0", NONE, NONE],
        ["Objection (Art. 21)", "0", NONE, NONE],
        ["Automated decision-making (Art. 22)", "0", NONE, NONE],
        ["All rights", "7", "26.0", "50.6"],
    ],
    # D, extended on 20 March.
    "extensions": [
        ["Access (Art. 15)", "0"],
        ["Rectification (Art. 16)", "1"],
        ["Erasure (Art. 17)", "0"],
        ["Restriction of processing (Art. 18)", "0"],
        ["Data portability (Art. 20)", "0"],
        ["Objection (Art. 21)", "0"],
        ["Automated decision-making (Art. 22)", "0"],
        ["Total", "1"],
    ],
    # B (legal obligation) and M (identity not established).
    "refusals": [
        ["Manifestly unfounded (Art. 12(5))", "0"],
        ["Excessive, in particular repetitive (Art. 12(5))", "0"],
        ["Identity could not be established (Art. 11(2), 12(2))", "1"],
        ["Freedom of expression and information (Art. 17(3)(a))", "0"],
        ["Legal obligation or public task (Art. 17(3)(b))", "1"],
        ["Public interest in public health (Art. 17(3)(c))", "0"],
        ["Archiving, scientific or historical research, statistics (Art. 17(3)(d))", "0"],
        ["Legal claims (Art. 17(3)(e), 21(1))", "0"],
        ["Compelling legitimate grounds (Art. 21(1))", "0"],
        ["Rights and freedoms of others (Art. 15(4), 20(4))", "0"],
        ["Other (explained)", "0"],
        ["Total", "2"],
    ],
    # Of the 9 received: A, K e-mail; B, D customer details; C document (M's failed);
    # E in person; H other; G never checked.
    "identity": [
        ["Confirmed e-mail matches the customer record", "2", "0"],
        ["Request made from the customer's logged-in account", "0", "0"],
        ["Customer number and details match the record", "2", "0"],
        ["Copy of an identity document", "1", "1"],
        ["Seen in person", "1", "0"],
        ["Other", "1", "0"],
        ["All evidence", "7", "1"],
    ],
    # Open on 15 July: I (5 days, paused) and H (44 days, due 1 July: overdue).
    "backlog": [
        ["0 to 7 days", "1", "1", "0"],
        ["8 to 14 days", "0", "0", "0"],
        ["15 to 30 days", "0", "0", "0"],
        ["31 to 60 days", "1", "0", "1"],
        ["61 to 90 days", "0", "0", "0"],
        ["91 days or more", "0", "0", "0"],
        ["All open requests", "2", "1", "1"],
    ],
    # Manager: B, D answered. Officer: H open and overdue; J, A, C answered, C late.
    # Unassigned: I open; E, M answered.
    "workload": [
        ["Manager", "0", "0", "2", "0"],
        ["Officer", "1", "1", "3", "1"],
        ["Unassigned", "1", "0", "2", "0"],
        ["Everyone", "2", "1", "7", "1"],
    ],
}


@pytest.fixture
def shown(history, desk_client, viewer):
    """The page as a viewer (the least a member can be) sees it on 15 July 2026."""
    with now_is(TODAY):
        client = desk_client(viewer)
        response = client.get(REPORTS, PERIOD)
    assert response.status_code == 200
    return client, response


def test_every_table_shows_the_hand_computed_figures(shown):
    _client, response = shown
    tables = page_tables(response.content.decode())
    assert list(tables) == list(EXPECTED)
    for slug, expected in EXPECTED.items():
        assert tables[slug][1:] == expected, slug


def test_each_csv_download_holds_what_the_page_shows(shown):
    client, response = shown
    tables = page_tables(response.content.decode())
    with now_is(TODAY):
        for slug in EXPECTED:
            download = client.get(reverse(f"desk:reports_{slug}_csv"), PERIOD)
            assert download.status_code == 200
            assert download["Content-Type"] == "text/csv; charset=utf-8"
            assert (
                f"openmotics-{slug}-2026-01-01_2026-06-30.csv" in (download["Content-Disposition"])
            )
            assert on_screen(csv_rows(download)) == tables[slug], slug


def test_each_chart_draws_its_table(shown):
    _client, response = shown
    html = response.content.decode()
    for slug in EXPECTED:
        assert f'<svg class="chart" id="chart-{slug}" role="img"' in html
    # Access: 3 on time and 1 late make one bar of 4; the longest bar is 440 wide.
    assert '<rect class="bar good" x="0.0" y="39" width="330.0" height="14">' in html
    assert "<title>Access (Art. 15): Late 1</title>" in html


def test_a_period_without_requests_shows_zeros_and_says_the_charts_are_empty(
    history, desk_client, officer
):
    with now_is(TODAY):
        response = desk_client(officer).get(REPORTS, {"start": "2019-01-01", "end": "2019-12-31"})
    tables = page_tables(response.content.decode())
    assert tables["received-by-right"][-1] == ["Total", "0"]
    assert tables["days-to-answer"][-1] == ["All rights", "0", NONE, NONE]
    # The backlog is today's, whatever the period.
    assert tables["backlog"][-1] == ["All open requests", "2", "1", "1"]
    assert response.content.decode().count("Nothing in this period.") == 8


def test_the_page_costs_the_same_number_of_queries_however_many_requests(
    desk_client, officer, make_request, django_assert_num_queries
):
    from tests.dsr.desk.desk_helpers import completed, days_ago

    client = desk_client(officer)
    client.get(REPORTS)  # warm up: sessions, content types
    for index in range(2):
        completed(make_request(received_at=days_ago(40 + index)), officer)
    with django_assert_num_queries(16):  # 14 + the register PDF + the inbox count
        small = client.get(REPORTS)
    for index in range(30):
        request_obj = make_request(right=["access", "erasure", "objection"][index % 3],
                                   received_at=days_ago(10 + index * 5))  # fmt: skip
        if index % 2:
            completed(request_obj, officer)
    with django_assert_num_queries(16):  # 14 + the register PDF + the inbox count
        large = client.get(REPORTS)
    assert page_tables(small.content.decode())["received-by-right"][-1] == ["Total", "2"]
    assert page_tables(large.content.decode())["received-by-right"][-1] == ["Total", "32"]


def test_medians_and_percentiles_are_computed_by_the_database(history, desk_client, officer):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = desk_client(officer)
    with now_is(TODAY), CaptureQueriesContext(connection) as captured:
        client.get(REPORTS, PERIOD)
    sql = "\n".join(query["sql"] for query in captured.captured_queries)
    if connection.vendor == "postgresql":
        assert sql.count("PERCENTILE_CONT(0.5) WITHIN GROUP (ORDER BY") == 2  # per right, all
    else:  # one window query returns only the rows around the wanted positions
        assert sql.count("ROW_NUMBER() OVER (PARTITION BY") == 1
