"""Four eyes in headless Chromium: the planner of an erasure cannot confirm it nor approve
their own dry run; a viewer sees who planned and that it waits but gets no button; a second
officer approves; then the planner confirms and the page names both."""

from __future__ import annotations

import pytest

from accounts.models import Role
from dsr.models import JobStatus, Right
from tests.conftest import make_user

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_second_pair_of_eyes_in_the_browser(
    page, desk_login, organization, officer, viewer, platform_source, in_progress
):
    organization.four_eyes_erasure = True
    organization.save()
    colleague = make_user("colleague@openmotics.example", organization, Role.OFFICER)
    request = in_progress(Right.ERASURE)
    request_page = f"/desk/requests/{request.reference}/"

    desk_login(page, officer)
    page.goto(f"/desk/fulfilment/requests/{request.pk}/")
    page.get_by_role("button", name="Run the dry run").click()
    page.get_by_role("button", name="Confirm and carry out").click()
    assert "must approve this dry run" in page.locator(".messages").inner_text()
    page.goto(request_page)
    four_eyes = page.locator("#four-eyes")
    assert "Dry run planned by" in four_eyes.inner_text()
    assert "Waiting for a second officer or manager" in four_eyes.inner_text()
    assert four_eyes.get_by_role("button", name="Approve as the second pair of eyes").count() == 0

    page.context.clear_cookies()
    desk_login(page, viewer)
    page.goto(request_page)
    assert "Waiting for a second officer or manager" in page.locator("#four-eyes").inner_text()
    assert page.get_by_role("button", name="Approve as the second pair of eyes").count() == 0

    page.context.clear_cookies()
    desk_login(page, colleague)
    page.goto(request_page)
    page.get_by_role("button", name="Approve as the second pair of eyes").click()
    assert "Approved." in page.locator(".messages").inner_text()

    page.context.clear_cookies()
    desk_login(page, officer)
    page.goto(f"/desk/fulfilment/requests/{request.pk}/")
    page.get_by_role("button", name="Confirm and carry out").click()
    job = request.jobs.get()
    assert job.status == JobStatus.RUNNING and job.confirmed_by == officer
    page.goto(request_page)
    done = page.locator("#four-eyes").inner_text()
    assert f"asked by {officer}, approved by {colleague}" in done
