"""Repeat requests (issue 18): the same subject (normalised e-mail or customer number) asked
for the same right in the same organisation within the 12 months before: the queue and the
request page link the earlier request with its outcome. Information, never a refusal."""

from __future__ import annotations

from datetime import timedelta

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
