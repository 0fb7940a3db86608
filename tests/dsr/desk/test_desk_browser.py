"""An officer's morning in headless Chromium: sign in with a one-time code, filter the queue
to overdue access requests, open one, check identity, ask for information, and complete
another request."""

from __future__ import annotations

import pytest

from dsr.models import Request, Status
from tests.dsr.desk.desk_helpers import days_ago, verified

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_an_officers_morning(page, desk_login, officer, make_request):
    overdue_access = make_request(
        right="access", received_at=days_ago(40), subject_name="Ann Overdue"
    )
    make_request(right="erasure", received_at=days_ago(40), subject_name="Eva Erasure")
    make_request(right="access", received_at=days_ago(2), subject_name="Tom Recent")
    to_complete = verified(make_request(right="portability", subject_name="Paul Done"), officer)

    desk_login(page, officer)
    assert page.get_by_role("heading", level=1).inner_text().startswith("Requests")

    page.get_by_label("Overdue", exact=True).check()
    page.get_by_label("Right", exact=True).select_option("access")
    page.get_by_role("button", name="Apply").click()
    table = page.locator("table.requests")
    assert "Ann Overdue" in table.inner_text()
    assert "Eva Erasure" not in table.inner_text() and "Tom Recent" not in table.inner_text()
    assert "Overdue by" in table.locator(".badge.overdue").first.inner_text()

    page.get_by_role("link", name=overdue_access.reference).click()
    assert page.get_by_role("heading", level=1).inner_text().startswith(overdue_access.reference)
    identity = page.locator("details.action-identity")
    identity.get_by_label("Identity verified").check()
    identity.get_by_label("Evidence").select_option("customer_details")
    identity.get_by_role("button", name="Check identity").click()
    assert "Identity decision recorded." in page.locator(".messages").inner_text()
    assert "Verified" in page.locator("#identity").inner_text()

    ask = page.locator("details.action-ask")
    ask.locator("summary").click()
    ask.get_by_label("What do you need from the subject?").fill(
        "Please confirm the address of the installation."
    )
    ask.get_by_role("button", name="Ask the subject for information").click()
    assert "the clock is paused" in page.locator(".messages").inner_text()
    assert "Waiting for the subject" in page.locator(".state").inner_text()
    assert (
        "Please confirm the address of the installation." in page.locator(".timeline").inner_text()
    )

    page.goto(f"/desk/requests/{to_complete.reference}/")
    complete = page.locator("details.action-complete")
    complete.locator("summary").click()
    complete.get_by_label("Outcome").select_option("fulfilled")
    complete.get_by_role("button", name="Complete").click()
    assert "Request completed." in page.locator(".messages").inner_text()

    overdue_access.refresh_from_db()
    to_complete.refresh_from_db()
    assert overdue_access.status == Status.AWAITING_SUBJECT
    assert overdue_access.identity_evidence == "customer_details"
    assert to_complete.status == Status.COMPLETED
    assert Request.objects.filter(status=Status.COMPLETED).count() == 1
