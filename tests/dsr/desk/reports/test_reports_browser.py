"""The reports page in headless Chromium: every chart is drawn with visible bars, beside its
table, and nothing is loaded from another host (the `page` fixture fails the test if so)."""

from __future__ import annotations

import pytest

from dsr import workflow
from dsr.models import RefusalGround, Right
from tests.dsr.desk.desk_helpers import assigned, completed, days_ago, verified
from tests.dsr.desk.reports.test_reports_figures import EXPECTED

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def some_history(make_request, officer, officer_actor):
    """Something for every chart: answers on time and late, an extension, a refusal, an
    identity check, open requests young and old."""
    for index, right in enumerate([Right.ACCESS, Right.ERASURE, Right.OBJECTION]):
        completed(assigned(make_request(right=right, received_at=days_ago(5 + index)),
                           officer, officer), officer)  # fmt: skip
    completed(make_request(received_at=days_ago(50)), officer)  # answered late
    extended = verified(make_request(right=Right.PORTABILITY, received_at=days_ago(9)), officer)
    workflow.request_extend(request=extended, reason="Many systems.", actor=officer_actor)
    refused = verified(make_request(right=Right.ERASURE, received_at=days_ago(12)), officer)
    workflow.request_refuse(request=refused, ground=RefusalGround.LEGAL_CLAIMS,
                            actor=officer_actor)  # fmt: skip
    make_request(received_at=days_ago(40))  # open and overdue
    make_request(received_at=days_ago(1))


def test_the_reports_page_draws_every_chart_beside_its_table(
    page, desk_login, viewer, some_history
):
    desk_login(page, viewer)
    page.get_by_role("link", name="Reports").click()
    assert page.get_by_role("heading", level=1).inner_text().startswith("Reports")

    for slug in EXPECTED:
        chart = page.locator(f"svg#chart-{slug}")
        assert chart.is_visible(), slug
        box = chart.bounding_box()
        assert box["width"] > 250 and box["height"] > 40, (slug, box)
        bars = chart.locator("rect.bar")
        assert bars.count() > 0, slug
        for index in range(bars.count()):
            bar = bars.nth(index).bounding_box()
            assert bar["width"] > 0 and bar["height"] > 5, (slug, index, bar)
        assert chart.get_attribute("role") == "img"
        title = chart.locator("title").first.text_content()
        assert "The figures are in the table beside it." in title
        table = page.locator(f"table#table-{slug}")
        assert table.is_visible(), slug
        assert table.locator("tbody tr").count() >= 2, slug
        # The chart and its table sit side by side on a desktop screen.
        assert table.bounding_box()["x"] > box["x"] + box["width"] - 1, slug

    # Access: two answers, one of them late; its bars show as many lengths.
    timeliness = page.locator("svg#chart-timeliness")
    on_time = timeliness.locator("rect.bar.good").first.bounding_box()["width"]
    late = timeliness.locator("rect.bar.bad").first.bounding_box()["width"]
    assert on_time == pytest.approx(late, rel=0.01)

    with page.expect_download() as download:
        page.get_by_role("link", name="Download “Open backlog by age” as CSV").click()
    assert download.value.suggested_filename.startswith("openmotics-backlog-")

    page.get_by_role("link", name="Last year").click()
    assert "Nothing in this period." in page.locator("svg#chart-received-by-right").text_content()
