"""Repeat requests (issue 18): the same subject (normalised e-mail or customer number) asked
for the same right in the same organisation within the 12 months before: the queue and the
request page link the earlier request with its outcome. Information, never a refusal."""

from __future__ import annotations

from datetime import timedelta

import pytest
from desk_helpers import completed
from django.urls import reverse
from django.utils import timezone

from dsr.desk.repeats import repeat_of, repeats_for, year_before
from dsr.models import Right, Status

QUEUE = "/desk/"


def months_ago(months: int, days: int = 0):
    moment = timezone.now() - timedelta(days=days)
    for _ in range(months // 12):
        moment = year_before(moment)
    extra = months % 12
    return moment - timedelta(days=round(extra * 30.4))


def test_eleven_months_is_a_repeat_thirteen_is_not(make_request, officer):
    eleven = completed(
        make_request(received_at=months_ago(11), subject_email="eleven@example.com"), officer
    )
    thirteen = completed(
        make_request(received_at=months_ago(13), subject_email="thirteen@example.com"), officer
    )
    again_eleven = make_request(subject_email="eleven@example.com")
    again_thirteen = make_request(subject_email="thirteen@example.com")
    repeat = repeat_of(again_eleven)
    assert repeat is not None and repeat.earlier == eleven and repeat.count == 1
    assert repeat_of(again_thirteen) is None
    found = repeats_for([eleven, thirteen, again_eleven, again_thirteen])
    assert set(found) == {again_eleven.pk}
    # Information only: the request is still open and nothing was refused.
    again_eleven.refresh_from_db()
    assert again_eleven.status == Status.IDENTITY_CHECK and thirteen.pk not in found


def test_the_e_mail_is_normalised_and_the_customer_number_counts(make_request):
    earlier = make_request(
        received_at=months_ago(3), subject_email="  Jan.PEETERS@Example.com ",
        subject_customer_number="",
    )  # fmt: skip
    now = make_request(subject_email="jan.peeters@example.com")
    assert repeat_of(now).earlier == earlier
    by_number = make_request(
        received_at=months_ago(2), subject_email="other@example.org",
        subject_customer_number="OPM-C7",
    )  # fmt: skip
    later = make_request(subject_email="third@example.org", subject_customer_number="OPM-C7")
    assert repeat_of(later).earlier == by_number


def test_another_right_or_another_subject_is_not_a_repeat(make_request):
    make_request(received_at=months_ago(2), right=Right.ERASURE)
    make_request(received_at=months_ago(2), subject_email="els@example.net")
    assert repeat_of(make_request(right=Right.ACCESS)) is None


def test_the_queue_and_the_page_link_the_earlier_request_with_its_outcome(
    desk_client, make_request, officer
):
    earlier = completed(make_request(received_at=months_ago(11)), officer)
    now = make_request()
    queue = desk_client(officer).get(QUEUE, {"assignee": "any"}).content.decode()
    link = reverse("desk:request", args=[earlier.reference])
    assert "Repeat of" in queue and f'href="{link}"' in queue
    assert earlier.get_outcome_display() in queue
    page = desk_client(officer).get(reverse("desk:request", args=[now.reference])).content
    html = page.decode()
    assert "Repeat request" in html and f'href="{link}"' in html
    assert "not a ground to refuse" in html


def test_never_across_organisations(
    desk_client, make_request, officer, outsider, other_organization
):
    theirs = make_request(received_at=months_ago(2), organization=other_organization)
    ours = make_request()
    assert repeat_of(ours) is None
    assert repeats_for([ours, theirs]) == {}
    html = desk_client(officer).get(QUEUE, {"assignee": "any"}).content.decode()
    assert theirs.reference not in html and "Repeat of" not in html
    page = desk_client(officer).get(reverse("desk:request", args=[ours.reference])).content
    assert theirs.reference.encode() not in page
    later_theirs = make_request(organization=other_organization)
    assert repeat_of(later_theirs).earlier == theirs
    html = desk_client(outsider).get(QUEUE, {"assignee": "any"}).content.decode()
    assert ours.reference not in html


@pytest.mark.postgres
def test_the_repeat_query_can_use_its_indexes(make_request):
    """On PostgreSQL the page's one repeat query is answered from an index (the repeat
    indexes on normalised e-mail and customer number, or the organisation's receipts within
    the window), never by reading dsr_request whole; the normalised e-mail is the indexed
    expression."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    make_request(received_at=months_ago(2), subject_customer_number="OPM-C1")
    now = make_request(subject_customer_number="OPM-C1")
    with CaptureQueriesContext(connection) as captured:
        repeats_for([now])
    (sql,) = [q["sql"] for q in captured.captured_queries if "dsr_request" in q["sql"]]
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute(f"EXPLAIN {sql}")
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert "Seq Scan on dsr_request" not in plan, plan
    assert "lower(TRIM(BOTH FROM subject_email))" in plan, plan
    with connection.cursor() as cursor:  # the expression index answers the e-mail alone
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute(
            'EXPLAIN SELECT id FROM dsr_request WHERE organization_id = %s AND "right" = %s '
            "AND lower(TRIM(BOTH FROM subject_email)) = %s AND received_at >= %s",
            [now.organization_id, now.right, "jan.peeters@example.com", months_ago(12)],
        )
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert "repeat_by_email" in plan, plan
