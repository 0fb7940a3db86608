"""The fulfilment pages: who sees what (outsiders get a 404), dry run then confirm, the live
panel, the manager's data source form with its schema check."""

from __future__ import annotations

import json

import pytest
from django.urls import reverse
from django_otp.plugins.otp_totp.models import TOTPDevice
from fulfilment_helpers import manual_source, started

from dsr.demo.systems import OPENMOTICS_MAP
from dsr.fulfilment import delivery
from dsr.models import DataSource, JobStatus, Right, StepStatus


def desk(client, user):
    """A signed-in desk session that passed two-factor (what `desk_view` requires)."""
    device = TOTPDevice.objects.create(user=user, name="test app", confirmed=True)
    client.force_login(user)
    session = client.session
    session["otp_device_id"] = device.persistent_id
    session.save()
    return client


def test_the_officer_runs_a_dry_run_then_confirms(
    client, officer, platform_source, in_progress, django_capture_on_commit_callbacks
):
    request = in_progress(Right.ERASURE)
    desk(client, officer)
    page = client.get(reverse("fulfilment:job", args=[request.pk]))
    assert page.status_code == 200
    assert "Run the dry run" in page.content.decode()

    response = client.post(reverse("fulfilment:plan", args=[request.pk]))
    assert response.status_code == 302
    page = client.get(reverse("fulfilment:job", args=[request.pk])).content.decode()
    assert "Power readings (every 15 minutes)" in page
    assert "300" in page
    assert "Confirm and carry out" in page

    with django_capture_on_commit_callbacks() as enqueued:
        client.post(reverse("fulfilment:confirm", args=[request.pk]))
    job = request.jobs.get()
    assert job.status == JobStatus.RUNNING
    assert job.steps.get().status == StepStatus.QUEUED
    assert len(enqueued) == 1  # one task per step, sent once the transaction commits


def test_the_panel_shows_progress_per_source_with_a_progress_bar(
    client, viewer, organization, platform_source, in_progress, officer_actor
):
    from dsr.fulfilment import jobs, runner

    manual_source(organization)
    request = in_progress(Right.ERASURE)
    job = jobs.job_confirm(
        job=jobs.job_plan(request=request, actor=officer_actor), actor=officer_actor
    )
    for step in job.steps.all():
        runner.step_run(step_id=step.pk)

    desk(client, viewer)
    panel = client.get(reverse("fulfilment:panel", args=[request.pk])).content.decode()
    assert '<progress max="100" value="100"' in panel
    assert "Customer platform" in panel and "Paper archive" in panel
    assert 'data-live="true"' in panel  # the manual task still waits
    assert "Open the task" in panel
    assert "fulfilment/progress.js" in panel
    # A viewer follows, but cannot act, nor add sources.
    assert "Retry" not in panel
    assert client.post(reverse("fulfilment:plan", args=[request.pk])).status_code == 403
    assert "Add a source" not in client.get(reverse("fulfilment:sources")).content.decode()


@pytest.mark.parametrize(
    "name",
    ["fulfilment:job", "fulfilment:panel"],
)
def test_another_organisations_request_is_a_404(client, outsider, in_progress, name):
    request = in_progress(Right.ERASURE)
    desk(client, outsider)
    assert client.get(reverse(name, args=[request.pk])).status_code == 404
    assert client.post(reverse("fulfilment:plan", args=[request.pk])).status_code == 404


def test_another_organisations_step_and_source_are_404s(
    client, outsider, organization, platform_source, in_progress, officer_actor
):

    manual_source(organization)
    job = started(in_progress(Right.ERASURE), officer_actor)
    step = job.steps.first()
    desk(client, outsider)
    assert client.get(reverse("fulfilment:task", args=[step.pk])).status_code == 404
    assert client.post(reverse("fulfilment:retry", args=[step.pk])).status_code == 404
    assert (
        client.get(reverse("fulfilment:source_edit", args=[platform_source.pk])).status_code == 404
    )
    assert "Customer platform" not in client.get(reverse("fulfilment:sources")).content.decode()


def test_the_manual_task_page_records_done_with_a_note(
    client, officer, organization, in_progress, officer_actor
):
    from dsr.fulfilment import jobs, runner

    manual_source(organization)
    request = in_progress(Right.ERASURE)
    job = jobs.job_confirm(
        job=jobs.job_plan(request=request, actor=officer_actor), actor=officer_actor
    )
    step = job.steps.get()
    runner.step_run(step_id=step.pk)
    desk(client, officer)
    url = reverse("fulfilment:task", args=[step.pk])
    assert "Shred the paper file" in client.get(url).content.decode()
    assert client.post(url, {"outcome": "done", "note": ""}).status_code == 400
    client.post(url, {"outcome": "impossible", "note": "The binder was lost in 2019."})
    step.refresh_from_db()
    assert step.status == StepStatus.IMPOSSIBLE
    assert step.completed_by == officer
    assert step.result[0]["reason"] == "The binder was lost in 2019."


def test_the_manager_saves_a_source_only_when_its_map_fits_the_database(
    client, manager, officer, organization, platform_url
):
    desk(client, manager)
    url = reverse("fulfilment:source_new", args=["sql"])
    assert client.get(url).status_code == 200
    broken = json.loads(json.dumps(OPENMOTICS_MAP))
    broken["tables"][0]["export"].append("iban")
    form = {
        "name": "Customer platform",
        "active": "on",
        "database_url": platform_url,
        "map": json.dumps(broken),
        "batch_rows": "1000",
        "organization": organization.slug,
    }
    response = client.post(url, form)
    assert response.status_code == 400
    assert "table &#x27;customers&#x27; has no column &#x27;iban&#x27;" in response.content.decode()
    assert not DataSource.objects.exists()

    response = client.post(url, {**form, "map": json.dumps(OPENMOTICS_MAP)})
    assert response.status_code == 302
    source = DataSource.objects.get()
    assert source.secrets["url"] == platform_url
    listing = client.get(reverse("fulfilment:sources")).content.decode()
    assert "Customer platform" in listing and "sqlite:///" in listing

    # Editing keeps the stored URL when the field is left empty.
    edit = reverse("fulfilment:source_edit", args=[source.pk])
    assert (
        client.post(
            edit, {**form, "database_url": "", "map": json.dumps(OPENMOTICS_MAP)}
        ).status_code
        == 302
    )
    assert DataSource.objects.get().secrets["url"] == platform_url

    desk(client, officer)
    assert client.get(edit).status_code == 404  # officers do not configure sources
    assert client.get(url).status_code == 404


def test_the_subject_status_snippet_links_to_the_package(
    client, platform_source, in_progress, officer_actor
):
    from django.template.loader import render_to_string

    from dsr.fulfilment import jobs, review, runner

    request = in_progress(Right.ACCESS)
    job = jobs.job_confirm(
        job=jobs.job_plan(request=request, actor=officer_actor), actor=officer_actor
    )
    for step in job.steps.all():
        runner.step_run(step_id=step.pk)
    assert delivery.package_create(job_id=job.pk) is None  # in review: nothing yet
    html = render_to_string("fulfilment/_subject_packages.html", {"request_obj": request})
    assert "/package/" not in html
    review.package_release(review=job.review, by=officer_actor)
    package = delivery.package_create(job_id=job.pk)
    html = render_to_string("fulfilment/_subject_packages.html", {"request_obj": request})
    assert delivery.package_url(package) in html
    assert package.file.name not in html  # the stored file is never addressed directly
