"""The queue at /desk/: default view, filters with counts, search, pagination, badges,
bulk assign, CSV export, organisation switch, and a query count that does not grow."""

from __future__ import annotations

import csv
import io

import pytest
from django.urls import reverse

from accounts.models import Membership, Role
from dsr import audit, workflow
from dsr.desk.queries import COUNT_CAP, PAGE_SIZE
from dsr.models import Request, Status
from tests.conftest import make_user
from tests.dsr.desk.desk_helpers import (
    assigned,
    completed,
    days_ago,
    page_references,
    verified,
)

QUEUE = "/desk/"


@pytest.fixture
def colleague(organization):
    return make_user("colleague@openmotics.example", organization, Role.OFFICER)


def test_default_view_is_my_open_and_the_unassigned_requests_by_effective_deadline(
    desk_client, officer, colleague, make_request
):
    later_mine = assigned(make_request(received_at=days_ago(2)), officer, officer)
    soon_unassigned = make_request(received_at=days_ago(20))
    # Other subjects: the same subject's earlier requests are linked as repeats (issue 18).
    colleagues = assigned(
        make_request(received_at=days_ago(25), subject_email="els@example.net"), colleague, officer
    )
    closed = completed(
        make_request(received_at=days_ago(26), subject_email="piet@example.net"), officer
    )
    response = desk_client(officer).get(QUEUE)
    assert response.status_code == 200
    assert page_references(response) == [soon_unassigned.reference, later_mine.reference]
    content = response.content.decode()
    assert colleagues.reference not in content and closed.reference not in content


def test_a_request_of_another_organisation_never_appears(
    desk_client, officer, outsider, make_request, other_organization
):
    theirs = make_request(
        organization=other_organization,
        actor=audit.Actor.for_user(outsider),
        subject_name="Piet Hein",
        language="nl",
    )
    response = desk_client(officer).get(QUEUE, {"status": "all", "assignee": "any"})
    assert theirs.reference not in response.content.decode()
    assert "Piet Hein" not in response.content.decode()


@pytest.fixture
def spread(make_request, officer, colleague):
    """One request per interesting case."""
    return {
        "overdue_access": verified(make_request(right="access", received_at=days_ago(40)), officer),
        "soon_erasure": make_request(right="erasure", received_at=days_ago(27), language="fr"),
        "post_objection": make_request(right="objection", channel="post", received_at=days_ago(5)),
        "extended": workflow.request_extend(
            request=make_request(received_at=days_ago(10)),
            reason="Many systems",
            actor=audit.Actor.for_user(officer),
        ),
        "paused": workflow.request_ask_information(
            request=make_request(received_at=days_ago(3)),
            message="Your customer number?",
            actor=audit.Actor.for_user(officer),
        ),
        "colleagues": assigned(make_request(received_at=days_ago(1)), colleague, officer),
        "completed": completed(make_request(received_at=days_ago(30)), officer),
    }


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({"overdue": "on"}, {"overdue_access"}),
        ({"right": "erasure"}, {"soon_erasure"}),
        ({"channel": "post"}, {"post_objection"}),
        ({"language": "fr"}, {"soon_erasure"}),
        ({"due_within": "7"}, {"soon_erasure"}),
        ({"extended": "on"}, {"extended"}),
        ({"paused": "on"}, {"paused"}),
        ({"status": "awaiting_subject"}, {"paused"}),
        ({"status": "in_progress"}, {"overdue_access"}),
        ({"status": "completed", "assignee": "any"}, {"completed"}),
        ({"assignee": "any"}, {"overdue_access", "soon_erasure", "post_objection", "extended",
                               "paused", "colleagues"}),
        ({"assignee": "none"}, {"overdue_access", "soon_erasure", "post_objection", "extended",
                                "paused"}),
        ({"status": "closed", "assignee": "any"}, {"completed"}),
    ],
)  # fmt: skip
def test_each_filter_narrows_the_list(desk_client, officer, spread, colleague, query, expected):
    response = desk_client(officer).get(QUEUE, query)
    assert set(page_references(response)) == {spread[name].reference for name in expected}


def test_filter_by_a_colleague(desk_client, officer, spread, colleague):
    response = desk_client(officer).get(QUEUE, {"assignee": str(colleague.pk)})
    assert page_references(response) == [spread["colleagues"].reference]


def test_counts_per_filter_value(desk_client, officer, spread):
    response = desk_client(officer).get(QUEUE, {"assignee": "any"})
    counts = response.context["facets"].counts
    assert counts["total"] == 6
    assert counts["flag_overdue"] == 1
    assert counts["flag_paused"] == 1
    assert counts["flag_extended"] == 1
    assert counts["right_erasure"] == 1
    assert counts["channel_post"] == 1
    assert counts["status_identity_check"] == 4
    assert counts["assignee_none"] == 5
    html = response.content.decode()
    assert '<a href="?assignee=any&amp;overdue=on">Overdue</a> <span class="count">1</span>' in html


@pytest.mark.parametrize("term", ["Katrien", "VAN DAMME", "opm-2026-00001", "00001", "example.net"])
def test_search_by_reference_name_or_email(desk_client, officer, make_request, term):
    found = make_request(subject_name="Katrien Van Damme", subject_email="katrien.vd@example.net")
    other = make_request(subject_name="Jan Peeters", subject_email="jan@example.com")
    assert found.reference == "OPM-2026-00001"
    response = desk_client(officer).get(QUEUE, {"q": term})
    assert page_references(response) == [found.reference]
    assert other.reference not in page_references(response)


def test_a_search_too_short_to_use_the_index_says_so(desk_client, officer, make_request):
    make_request()
    response = desk_client(officer).get(QUEUE, {"q": "ja"})
    assert page_references(response) == []
    assert b"Ensure this value has at least 3 characters" in response.content


def test_pagination(desk_client, officer, make_request, settings):
    for _ in range(PAGE_SIZE + 3):
        make_request(received_at=days_ago(3))
    client = desk_client(officer)
    first = client.get(QUEUE)
    assert len(page_references(first)) == PAGE_SIZE
    assert b"Page 1 of 2" in first.content and b"53 requests" in first.content
    second = client.get(QUEUE, {"page": "2"})
    assert len(page_references(second)) == 3
    assert not set(page_references(first)) & set(page_references(second))


def test_counting_stops_at_the_cap(desk_client, officer, make_request, monkeypatch):
    from dsr.desk import queries

    monkeypatch.setattr(queries, "COUNT_CAP", 3)
    for _ in range(5):
        make_request()
    response = desk_client(officer).get(QUEUE)
    assert response.context["paginator"].capped
    assert b"More than 3 requests" in response.content
    assert response.context["facets"].capped
    assert b'<span class="count">3+</span>' in response.content


def test_days_left_badges(desk_client, officer, make_request):
    overdue = verified(make_request(received_at=days_ago(45)), officer)
    soon = make_request(received_at=days_ago(27))
    later = make_request(received_at=days_ago(1))
    badges = {
        row.request.reference: (row.badge.css, row.badge.label)
        for row in desk_client(officer).get(QUEUE).context["rows"]
    }
    assert badges[overdue.reference][0] == "overdue"
    assert badges[overdue.reference][1].startswith("Overdue by ")
    assert badges[soon.reference][0] in {"soon", "today"}
    assert badges[later.reference][0] == "later"


def test_the_number_of_queries_does_not_grow_with_the_rows(
    desk_client, officer, colleague, make_request, django_assert_num_queries
):
    client = desk_client(officer)
    client.get(QUEUE)  # warm up: sessions, content types
    for index in range(3):
        assigned(make_request(received_at=days_ago(index + 1)), officer, officer)
    with django_assert_num_queries(10):  # 8 + the page's repeat requests + the inbox count
        small = client.get(QUEUE, {"assignee": "any"})
    for index in range(40):
        request_obj = make_request(received_at=days_ago(index % 30))
        if index % 2:
            assigned(request_obj, colleague, officer)
    with django_assert_num_queries(10):
        large = client.get(QUEUE, {"assignee": "any"})
    assert len(page_references(large)) > len(page_references(small))


# --- bulk assign ---------------------------------------------------------------------------


def test_bulk_assign_assigns_every_ticked_request(desk_client, officer, colleague, make_request):
    first, second, untouched = make_request(), make_request(), make_request()
    response = desk_client(officer).post(
        reverse("desk:queue_assign"),
        {"requests": [first.pk, second.pk], "assignee": str(colleague.pk), "next": "/desk/?x=1"},
    )
    assert response.status_code == 302 and response.url == "/desk/?x=1"
    assert {r.assignee for r in Request.objects.filter(pk__in=[first.pk, second.pk])} == {colleague}
    untouched.refresh_from_db()
    assert untouched.assignee is None
    assert first.events.filter(kind="request.assigned").count() == 1


def test_bulk_assign_skips_closed_requests_and_says_so(desk_client, officer, make_request):
    open_one, closed = make_request(), completed(make_request(), officer)
    response = desk_client(officer).post(
        reverse("desk:queue_assign"),
        {"requests": [open_one.pk, closed.pk], "assignee": str(officer.pk)},
        follow=True,
    )
    assert f"Not assigned (closed): {closed.reference}".encode() in response.content
    closed.refresh_from_db()
    assert closed.assignee is None


def test_bulk_assign_with_a_request_of_another_organisation_changes_nothing(
    desk_client, officer, outsider, make_request, other_organization
):
    ours = make_request()
    theirs = make_request(organization=other_organization, actor=audit.Actor.for_user(outsider))
    response = desk_client(officer).post(
        reverse("desk:queue_assign"), {"requests": [ours.pk, theirs.pk], "assignee": officer.pk}
    )
    assert response.status_code == 404
    ours.refresh_from_db()
    assert ours.assignee is None


def test_bulk_assign_to_someone_outside_the_organisation_is_refused(
    desk_client, officer, outsider, make_request
):
    ours = make_request()
    desk_client(officer).post(
        reverse("desk:queue_assign"), {"requests": [ours.pk], "assignee": str(outsider.pk)}
    )
    ours.refresh_from_db()
    assert ours.assignee is None


def test_viewers_get_no_bulk_assign(desk_client, viewer, officer, make_request):
    ours = make_request()
    client = desk_client(viewer)
    page = client.get(QUEUE)
    assert page.status_code == 200 and ours.reference.encode() in page.content
    assert b'id="bulk-assign"' not in page.content
    response = client.post(
        reverse("desk:queue_assign"), {"requests": [ours.pk], "assignee": str(officer.pk)}
    )
    assert response.status_code == 403


# --- CSV export ----------------------------------------------------------------------------


def test_export_is_the_filtered_list_and_safe_to_open_in_a_spreadsheet(
    desk_client, officer, make_request
):
    make_request(subject_name='=HYPERLINK("http://evil.example")', right="access")
    make_request(subject_name="+31 6 1234", subject_email="a@example.com", right="access")
    make_request(subject_name="@SUM(A1)", right="access")
    make_request(subject_name="-2+3", right="access")
    make_request(subject_name="Not exported", right="erasure")
    response = desk_client(officer).get(reverse("desk:queue_export"), {"right": "access"})
    assert response["Content-Type"].startswith("text/csv")
    assert "attachment" in response["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))
    names = [row[5] for row in rows[1:]]
    assert sorted(names) == sorted(
        ['\'=HYPERLINK("http://evil.example")', "'+31 6 1234", "'@SUM(A1)", "'-2+3"]
    )
    assert rows[0][0] == "Reference"


def test_csv_safe_leaves_ordinary_values_alone():
    from dsr.desk.csv_export import csv_safe

    assert csv_safe("Jan Peeters") == "Jan Peeters"
    assert csv_safe(-3) == -3
    assert csv_safe("\tcmd") == "'\tcmd"


# --- organisation switch -------------------------------------------------------------------


def test_organisation_switch_is_kept_in_the_session_and_checked(
    desk_client, officer, outsider, other_organization, make_request
):
    ours = make_request()
    theirs = make_request(organization=other_organization, actor=audit.Actor.for_user(outsider))
    Membership.objects.create(user=officer, organization=other_organization, role=Role.VIEWER)
    client = desk_client(officer)
    assert ours.reference.encode() in client.get(QUEUE).content  # the first joined
    response = client.post(reverse("desk:organization_choose"), {"organization": "maxem"})
    assert response.status_code == 302
    page = client.get(QUEUE)
    assert theirs.reference.encode() in page.content
    assert ours.reference.encode() not in page.content
    assert b'id="bulk-assign"' not in page.content  # a viewer there
    client.post(reverse("desk:organization_choose"), {"organization": "openmotics"})
    assert ours.reference.encode() in client.get(QUEUE).content


def test_switching_to_an_organisation_one_is_not_a_member_of_is_404(
    desk_client, officer, other_organization
):
    client = desk_client(officer)
    response = client.post(reverse("desk:organization_choose"), {"organization": "maxem"})
    assert response.status_code == 404
    assert client.get(QUEUE).context["request"].desk.organization.slug == "openmotics"


def test_cap_constant_is_documented_as_ten_thousand():
    assert COUNT_CAP == 10_000
    assert Status.IN_PROGRESS in [s for s in Status]


def test_search_results_keep_the_deadline_order(desk_client, officer, make_request):
    later = make_request(subject_name="Lotte Wouters", received_at=days_ago(1))
    sooner = make_request(subject_name="Lars Wouters", received_at=days_ago(20))
    make_request(subject_name="Someone Else")
    response = desk_client(officer).get(QUEUE, {"q": "wouters"})
    assert page_references(response) == [sooner.reference, later.reference]


def test_a_search_matching_more_than_the_cap_still_lists_the_most_urgent_first(
    desk_client, officer, make_request, monkeypatch
):
    from dsr.desk import filters

    monkeypatch.setattr(filters, "COUNT_CAP", 2)
    urgent = make_request(subject_name="Wouters Urgent", received_at=days_ago(25))
    for _ in range(4):
        make_request(subject_name="Wouters", received_at=days_ago(1))
    response = desk_client(officer).get(QUEUE, {"q": "wouters"})
    references = page_references(response)
    assert len(references) == 5 and references[0] == urgent.reference


def test_search_terms_only_look_where_they_can_match():
    from dsr.desk.filters import search_condition

    assert "reference" not in str(search_condition("Peeters"))
    assert "subject_email" not in str(search_condition("Jan Peeters"))
    assert "subject_name" not in str(search_condition("jan@example.com"))
    assert "reference" in str(search_condition("00042"))
    assert search_condition("   ") is None
