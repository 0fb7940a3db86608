"""Issue 18, review before release: who may see a package in review, who may change or
release it, and that the subject gets nothing before the release.

- a viewer sees the review but cannot exclude, redact, undo or release (403, nothing stored);
- a manager of another organisation gets 404 for the review, its preview rows and its actions;
- the subject cannot download a package in review (there is none, a guessed link is a 404);
- a read-only API token cannot release (403); another organisation's token gets 404;
- the API shows the decisions with the redacted value only as a hash."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse
from jobs_helpers import platform_build, run_queued_steps, sql_source, sqlite_url, started, verified
from rest_framework.test import APIClient

from accounts.models import Role
from dsr.api.tokens import api_token_create
from dsr.fulfilment import delivery, review
from dsr.models import (
    DataPackage,
    DecisionKind,
    EventKind,
    PackageReview,
    ReviewStatus,
    Right,
    WithholdReason,
)
from tests.conftest import make_user

pytestmark = pytest.mark.django_db

SECRET_NAME = "Jan Peeters"


@pytest.fixture
def in_review(tmp_path, settings, organization, make_request, officer_actor) -> PackageReview:
    settings.SQL_SOURCE_SQLITE_DIR = tmp_path
    url = sqlite_url(tmp_path / "platform.sqlite3")
    platform_build(url)
    sql_source(organization, url)
    request = verified(
        make_request(right=Right.ACCESS, subject_customer_number="OPM-C1"), officer_actor
    )
    job = started(request, officer_actor)
    run_queued_steps(job)
    return PackageReview.objects.get(job=job)


def _urls(item: PackageReview) -> dict[str, str]:
    request_id = item.job.request_id
    step = item.job.steps.get()
    return {
        "page": reverse("fulfilment:review", args=[request_id]),
        "preview": reverse("fulfilment:review", args=[request_id])
        + f"?step={step.pk}&table=customers",
        "decide": reverse("fulfilment:review_decide", args=[request_id]),
        "release": reverse("fulfilment:review_release", args=[request_id]),
    }


def _column(item: PackageReview) -> dict[str, object]:
    return {"kind": "column", "step": item.job.steps.get().pk, "table": "customers",
            "column": "phone", "reason": "third_party"}  # fmt: skip


def test_a_viewer_sees_the_review_but_cannot_exclude_redact_undo_or_release(
    in_review, viewer, officer_actor, desk_client
):
    decision = review.decision_add(
        review=in_review, actor=officer_actor, kind=DecisionKind.TEXT, text="Els",
        reason=WithholdReason.THIRD_PARTY,
    )  # fmt: skip
    client = desk_client(viewer)
    urls = _urls(in_review)
    page = client.get(urls["preview"])
    assert page.status_code == 200
    assert b"Release the package" not in page.content and b"Exclude the column" not in page.content
    for url, data in (
        (urls["decide"], _column(in_review)),
        (urls["decide"], {"kind": "text", "text": SECRET_NAME, "reason": "third_party"}),
        (urls["release"], {}),
        (reverse("fulfilment:review_undo", args=[in_review.job.request_id, decision.pk]), {}),
    ):
        assert client.post(url, data).status_code == 403, url
    in_review.refresh_from_db()
    assert in_review.status == ReviewStatus.REVIEW
    assert in_review.decisions.count() == 1 and in_review.decisions.get().undone_at is None
    assert not in_review.job.request.events.filter(kind=EventKind.PACKAGE_RELEASED).exists()


def test_another_organisations_manager_cannot_see_the_review_or_its_rows(
    in_review, other_organization, desk_client
):
    stranger = desk_client(make_user("manager@maxem.example", other_organization, Role.MANAGER))
    urls = _urls(in_review)
    for name in ("page", "preview"):
        response = stranger.get(urls[name])
        assert response.status_code == 404, name
        assert SECRET_NAME.encode() not in response.content
    assert stranger.post(urls["decide"], _column(in_review)).status_code == 404
    assert stranger.post(urls["release"], {}).status_code == 404
    in_review.refresh_from_db()
    assert in_review.status == ReviewStatus.REVIEW and not in_review.decisions.exists()


def test_an_officer_cannot_reach_a_step_of_another_organisations_job(
    in_review, officer, desk_client, other_organization, tmp_path
):
    """The step id in the form is looked up in the review's own job only."""
    from dsr.models import Job, JobStep

    client = desk_client(officer)
    foreign = JobStep.objects.exclude(job=in_review.job).first()
    assert foreign is None or foreign.job_id != in_review.job_id
    data = {**_column(in_review), "step": 10_000_000}
    assert client.post(_urls(in_review)["decide"], data).status_code == 404
    assert Job.objects.count() == 1 and not in_review.decisions.exists()


@pytest.mark.parametrize(
    "data",
    [
        {"kind": "column", "table": "customers", "column": "phone"},  # no reason
        {"kind": "row", "table": "customers", "row": "first", "reason": "third_party"},
        {"kind": "row", "table": "customers", "row": "0", "reason": "third_party"},
        {"kind": "text", "text": "x" * 5000, "reason": "third_party"},
        {"kind": "column", "table": "customers", "column": "phone", "reason": "other"},
        {"kind": "delete-everything", "table": "customers", "reason": "third_party"},
    ],
)
def test_a_careless_officers_form_is_refused_with_a_message_and_stores_nothing(
    in_review, officer, desk_client, data
):
    client = desk_client(officer)
    data = {"step": in_review.job.steps.get().pk, **data}
    response = client.post(_urls(in_review)["decide"], data, follow=True)
    assert response.status_code == 200
    messages = [str(m) for m in response.context["messages"]]
    assert messages and not any(m.startswith("Withheld.") for m in messages)
    assert not in_review.decisions.exists()


def test_the_subject_cannot_download_before_the_release(in_review, officer_actor):
    request = in_review.job.request
    assert delivery.package_create(job_id=in_review.job_id) is None
    assert not DataPackage.objects.exists()
    assert delivery.packages_for_subject(request) == []
    subject = Client()
    status_page = subject.get(f"/r/{request.public_token}/")
    assert b"/package/" not in status_page.content
    guessed = reverse("fulfilment:package_download", args=[request.public_token, "x" * 43])
    assert subject.get(guessed).status_code == 404


def _api(organization, creator, scope: str) -> APIClient:
    _, secret = api_token_create(
        organization=organization, name=f"{scope} token", scope=scope, created_by=creator
    )
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {secret}")
    return client


def test_a_read_only_token_cannot_release_and_a_foreign_one_cannot_find_it(
    in_review, manager, other_organization, officer_actor
):
    review.decision_add(
        review=in_review, actor=officer_actor, kind=DecisionKind.TEXT, text="Els Bogaert",
        reason=WithholdReason.THIRD_PARTY,
    )  # fmt: skip
    reference = in_review.job.request.reference
    url = f"/api/v1/requests/{reference}/release-package/"
    reader = _api(in_review.job.request.organization, manager, "read")
    refused = reader.post(url, {}, format="json")
    assert refused.status_code == 403
    assert refused.json()["error"]["code"] == "permission_denied"
    jobs = reader.get(f"/api/v1/requests/{reference}/jobs/").json()
    shown = jobs[0]["review"]
    assert shown["status"] == "review" and shown["grounds"] == ["third_party"]
    assert shown["decisions"][0]["value_hash"] and "Els" not in str(jobs)

    stranger = make_user("manager@maxem.example", other_organization, Role.MANAGER)
    foreign = _api(other_organization, stranger, "write")
    assert foreign.post(url, {}, format="json").status_code == 404
    in_review.refresh_from_db()
    assert in_review.status == ReviewStatus.REVIEW

    writer = _api(in_review.job.request.organization, manager, "write")
    released = writer.post(url, {}, format="json")
    assert released.status_code == 200, released.content
    assert released.json()[0]["review"]["status"] == "released"
    again = writer.post(url, {}, format="json")
    assert again.status_code == 409


def test_where_the_organisation_asks_for_four_eyes_one_officer_cannot_release_on_the_desk(
    in_review, officer, desk_client
):
    organization = in_review.job.request.organization
    organization.four_eyes_release = True
    organization.save(update_fields=["four_eyes_release"])
    response = desk_client(officer).post(_urls(in_review)["release"], {}, follow=True)
    assert response.status_code == 200
    assert any("four eyes" in str(m) for m in response.context["messages"])
    assert b'id="four-eyes-hint"' in response.content
    in_review.refresh_from_db()
    assert in_review.status == ReviewStatus.REVIEW
    assert not in_review.job.request.events.filter(kind=EventKind.PACKAGE_RELEASED).exists()


def test_files_added_in_a_manual_task_pass_the_content_checks_and_viewers_cannot_add(
    organization, make_request, officer_actor, officer, viewer, desk_client
):
    from django.core.files.uploadedfile import SimpleUploadedFile
    from fulfilment_helpers import manual_source

    manual_source(organization, name="Paper archive")
    request = verified(make_request(right=Right.ACCESS), officer_actor)
    job = started(request, officer_actor)
    run_queued_steps(job)
    step = job.steps.get()
    url = reverse("fulfilment:task_file", args=[step.pk])

    def upload(client, name: str, content: bytes):
        return client.post(url, {"file": SimpleUploadedFile(name, content)}, follow=True)

    assert upload(desk_client(viewer), "a.csv", b"a,b\n1,2\n").status_code == 403
    officer_client = desk_client(officer)
    for name, content in (
        ("invoice.pdf", b"<html><script>alert(1)</script></html>"),  # not a PDF at all
        ("letters.csv", b"\x00\x01\x02binary"),
        ("photo.png", b"%PDF-1.4\n/JavaScript (app.alert(1))\n%%EOF"),  # an active PDF
    ):
        response = upload(officer_client, name, content)
        assert response.status_code == 200
        assert any(str(m).startswith("Not added") for m in response.context["messages"]), name
    step.refresh_from_db()
    assert step.state.get("extra_files", []) == []
    response = upload(officer_client, "../../letters.csv", b"date,from\n2024-01-01,Els\n")
    assert any("added to the package" in str(m) for m in response.context["messages"])
    step.refresh_from_db()
    (added,) = step.state["extra_files"]
    assert added["name"] == "letters.csv" and added["content_type"] == "text/csv"
    assert request.events.filter(kind=EventKind.PACKAGE_FILE_ADDED).count() == 1
