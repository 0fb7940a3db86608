"""Issue 18's browser test: an officer opens a built package in review, excludes a column,
redacts a third person's name across all tables and releases; the worker builds the package;
the subject downloads it from their status page and the name is nowhere in the zip (every
file searched), while index.html states the ground."""

from __future__ import annotations

import io
import zipfile

import pytest
from fulfilment_helpers import sql_source, started, verified
from test_review import THIRD_PERSON, household, run_steps

from dsr.models import DataPackage, OutboundEmail, PackageReview, ReviewStatus, Right
from tests.builders import wait_for

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SUBJECT_PHONE = "+32 470 11 22 33"


def test_officer_reviews_redacts_and_releases_then_the_subject_downloads(
    page, browser_context, live_server, desk_login, celery_worker, organization, platform_url,
    make_request, officer, officer_actor,
):  # fmt: skip
    sql_source(organization, platform_url)
    household(platform_url)
    request = verified(
        make_request(right=Right.ACCESS, subject_customer_number="OPM-C1", language="en"),
        officer_actor,
    )
    job = started(request, officer_actor)
    run_steps(job)
    wait_for(lambda: PackageReview.objects.filter(job=job).exists(), what="the review")
    assert not DataPackage.objects.exists()

    desk_login(page, officer)
    page.goto(f"/desk/requests/{request.reference}/")
    panel = page.locator("#fulfilment-panel")
    assert "Waiting for review" in panel.inner_text()
    panel.get_by_role("link", name="Review and release").click()
    assert page.get_by_role("heading", level=1).inner_text().startswith("Review of the data")

    # The customers table: its rows as exported, read from the stored package.
    page.get_by_role("link", name="Show the rows of Customer account").click()
    preview = page.locator("table.review-rows")
    assert SUBJECT_PHONE in preview.inner_text()
    column = page.locator("#exclude-column")
    column.locator("select[name=column]").select_option("phone")
    column.locator("select[name=reason]").select_option("third_party")
    column.get_by_role("button", name="Exclude the column").click()
    assert "Withheld." in page.locator(".messages").inner_text()
    assert "phone" in page.locator("#decisions").inner_text()

    # The partner's name, everywhere in the package (upper case in the ticket).
    page.get_by_role("link", name="Show the rows of Invoices").click()
    assert THIRD_PERSON in page.locator("table.review-rows").inner_text()
    redact = page.locator("#redact-text")
    redact.locator("input[name=text]").fill(THIRD_PERSON)
    redact.locator("select[name=reason]").select_option("third_party")
    redact.get_by_role("button", name="Redact everywhere").click()
    assert "Withheld." in page.locator(".messages").inner_text()
    assert OutboundEmail.objects.filter(template="package_ready").count() == 0

    page.get_by_role("button", name="Release the package to the subject").click()
    assert "Released." in page.locator(".messages").inner_text()
    assert "Released to the subject" in page.locator("#review-status").inner_text()
    wait_for(lambda: DataPackage.objects.filter(job=job).exists(), what="the worker's build")
    assert PackageReview.objects.get(job=job).status == ReviewStatus.RELEASED
    assert OutboundEmail.objects.filter(template="package_ready").count() == 1

    subject = browser_context.browser.new_context(base_url=live_server.url)
    try:
        status_page = subject.new_page()
        status_page.goto(f"/r/{request.public_token}/")
        with status_page.expect_download() as download_info:
            status_page.locator("ul.packages a[href*='/package/']").click()
        with open(download_info.value.path(), "rb") as handle:
            archive = zipfile.ZipFile(io.BytesIO(handle.read()))
    finally:
        subject.close()

    names = archive.namelist()
    assert any(name.endswith("invoices.json") for name in names)
    assert any(name.endswith("support_tickets.csv") for name in names)
    for name in names:
        text = archive.read(name).decode("utf-8", "replace")
        assert THIRD_PERSON.lower() not in text.lower(), name
        assert SUBJECT_PHONE not in text, name
    index = archive.read("index.html").decode()
    assert "Parts withheld" in index
    assert "personal data of other people" in index
    assert "Art. 15(4)" in index
    assert "complain to the supervisory authority" in index
    assert "Jan Peeters" in index  # the subject's own data is all there
