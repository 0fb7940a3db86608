"""Access and portability: a streamed, encrypted data package with JSON, CSV, index.html and
the Art. 15 information; downloaded through an expiring, counted link; deleted when done."""

from __future__ import annotations

import csv
import io
import json
import zipfile
from datetime import timedelta

import pytest
from django.core.files.storage import default_storage
from django.urls import reverse
from django.utils import timezone
from fulfilment_helpers import FakeSystem, http_source

from dsr.fulfilment import delivery, jobs, review, runner
from dsr.fulfilment.packages import package_chunks
from dsr.models import (
    DataPackage,
    Event,
    EventKind,
    OutboundEmail,
    ProcessingActivity,
    Recipient,
    Right,
)


@pytest.fixture
def register(organization):
    hosting = Recipient.objects.create(
        organization=organization,
        name="Cloud hosting provider (EU)",
        kind=Recipient.Kind.PROCESSOR,
        country="BE",
        contact_email="privacy@cloud-host.example.com",
        data_categories=["Real-time and historical power measurements"],
        texts={
            "nl": {
                "name": "Aanbieder van cloudhosting (EU)",
                "data_categories": ["Actuele en historische vermogensmetingen"],
            }
        },
    )
    activity = ProcessingActivity.objects.create(
        organization=organization,
        name="Power usage history",
        purpose="Show the customer their power usage.",
        data_categories=["Real-time and historical power measurements"],
        legal_basis="contract",
        retention="As long as the gateway is linked to the account.",
        texts={"nl": DUTCH_LINE},
    )
    activity.recipients.add(hosting)
    return activity


DUTCH_LINE = {
    "name": "Verbruiksgeschiedenis",
    "purpose": "De klant zijn stroomverbruik tonen.",
    "data_categories": ["Actuele en historische vermogensmetingen"],
    "retention": "Zolang de gateway aan het account gekoppeld is.",
    "source": "De betrokkene",
}


def _fulfil(request, officer_actor) -> DataPackage:
    job = jobs.job_plan(request=request, actor=officer_actor)
    job = jobs.job_confirm(job=job, actor=officer_actor)
    for step in job.steps.all():
        while runner.step_run(step_id=step.pk) is not None:
            pass
    # Nothing is built before an officer releases the package (dsr/fulfilment/review.py).
    assert delivery.package_create(job_id=job.pk) is None
    review.package_release(review=job.review, by=officer_actor)
    package = delivery.package_create(job_id=job.pk)
    assert package is not None
    return package


def _archive(package: DataPackage) -> zipfile.ZipFile:
    return zipfile.ZipFile(io.BytesIO(b"".join(package_chunks(package))))


def test_access_package_holds_json_csv_index_and_the_art_15_information(
    platform_source, register, in_progress, officer_actor
):
    request = in_progress(Right.ACCESS)
    package = _fulfil(request, officer_actor)
    archive = _archive(package)

    readings = json.loads(archive.read("customer-platform/power_readings.json"))
    assert len(readings) == 300  # the subject's, not the other customer's 200
    assert set(readings[0]) == {"measured_at", "watts", "kwh_total"}
    rows = list(
        csv.reader(io.StringIO(archive.read("customer-platform/power_readings.csv").decode()))
    )
    assert rows[0] == ["measured_at", "watts", "kwh_total"] and len(rows) == 301
    (customer,) = json.loads(archive.read("customer-platform/customers.json"))
    assert customer["name"] == "Jan Peeters"
    assert len(json.loads(archive.read("customer-platform/invoices.json"))) == 2

    index = archive.read("index.html").decode()
    assert "Power readings (every 15 minutes)" in index
    assert DUTCH_LINE["purpose"] in index  # the subject's language
    assert "Aanbieder van cloudhosting (EU)" in index  # the recipient's Dutch name
    assert "Cloud hosting provider (EU)" not in index
    assert "Gegevensbeschermingsautoriteit" in index  # where to complain (BE)
    information = json.loads(archive.read("information.json"))
    recipient = information["processing"][0]["recipients"][0]
    assert recipient["name"] == "Aanbieder van cloudhosting (EU)"

    with default_storage.open(package.file.name, "rb") as stored:
        at_rest = stored.read()
    assert b"Jan Peeters" not in at_rest and not at_rest.startswith(b"PK")
    mail = OutboundEmail.objects.get(template="package_ready")
    assert mail.to == "jan.peeters@example.com"
    assert delivery.package_url(package) in mail.text_body
    assert Event.objects.filter(request=request, kind=EventKind.PACKAGE_CREATED).count() == 1


def test_portability_leaves_out_tables_the_subject_did_not_provide(
    platform_source, in_progress, officer_actor
):
    package = _fulfil(in_progress(Right.PORTABILITY), officer_actor)
    names = _archive(package).namelist()
    assert "customer-platform/power_readings.json" in names
    assert "customer-platform/invoices.json" not in names


def test_an_http_source_answers_with_tables_that_join_the_package(
    organization, in_progress, officer_actor
):
    tables = {
        "orders": {"label": "Webshop orders", "columns": ["order", "total"], "rows": [["W1", 9]]}
    }
    with FakeSystem([(200, {}), (200, {"status": "done", "tables": tables})]) as system:
        http_source(organization, system.url)
        package = _fulfil(in_progress(Right.ACCESS), officer_actor)
    archive = _archive(package)
    assert json.loads(archive.read("webshop/orders.json")) == [{"order": "W1", "total": 9}]
    assert "Webshop orders" in archive.read("index.html").decode()


def test_the_package_is_built_once_however_often_asked(platform_source, in_progress, officer_actor):
    request = in_progress(Right.ACCESS)
    package = _fulfil(request, officer_actor)
    assert delivery.package_create(job_id=package.job_id) is None
    assert DataPackage.objects.count() == 1
    assert Event.objects.filter(request=request, kind=EventKind.PACKAGE_CREATED).count() == 1


def test_each_download_is_counted_and_recorded_until_the_limit(
    client, settings, platform_source, in_progress, officer_actor, make_request
):
    settings.PACKAGE_MAX_DOWNLOADS = 2
    request = in_progress(Right.ACCESS)
    package = _fulfil(request, officer_actor)
    url = reverse("fulfilment:package_download", args=[request.public_token, package.token])

    for download in (1, 2):
        response = client.get(url)
        assert response.status_code == 200
        assert response["Content-Type"] == "application/zip"
        assert "no-store" in response["Cache-Control"]
        body = b"".join(response.streaming_content)
        assert zipfile.ZipFile(io.BytesIO(body)).read("index.html")
        assert (
            Event.objects.filter(request=request, kind=EventKind.PACKAGE_DOWNLOADED).count()
            == download
        )
    assert client.get(url).status_code == 404  # used up
    other = make_request(right=Right.ACCESS, subject_email="someone@example.org")
    elsewhere = reverse("fulfilment:package_download", args=[other.public_token, package.token])
    assert client.get(elsewhere).status_code == 404
    guessed = reverse("fulfilment:package_download", args=[request.public_token, "x" * 43])
    assert client.get(guessed).status_code == 404
    assert client.post(url).status_code == 405


def test_an_expired_package_is_gone_and_the_purge_deletes_its_file(
    client, platform_source, in_progress, officer_actor, django_capture_on_commit_callbacks
):
    request = in_progress(Right.ACCESS)
    package = _fulfil(request, officer_actor)
    url = reverse("fulfilment:package_download", args=[request.public_token, package.token])
    lifetime = package.expires_at - package.created_at
    assert abs(lifetime - timedelta(days=7)) < timedelta(seconds=5)
    DataPackage.objects.filter(pk=package.pk).update(expires_at=timezone.now())

    assert client.get(url).status_code == 404
    with django_capture_on_commit_callbacks(execute=True):  # the file goes once committed
        assert delivery.packages_purge() == 1
    assert delivery.packages_purge() == 0
    package.refresh_from_db()
    assert package.deleted_at is not None
    assert not default_storage.exists(package.file.name)
    deleted = Event.objects.get(request=request, kind=EventKind.PACKAGE_DELETED)
    assert deleted.data["reason"] == "expired"
    assert not Event.objects.filter(kind=EventKind.PACKAGE_DOWNLOADED).exists()


def test_the_art_15_information_is_in_the_subjects_language(
    platform_source, register, in_progress, officer_actor
):
    request = in_progress(Right.ACCESS)  # the subject writes in Dutch
    assert request.language == "nl"
    information = json.loads(_archive(_fulfil(request, officer_actor)).read("information.json"))
    (line,) = information["processing"]
    assert line["activity"] == "Verbruiksgeschiedenis"
    assert line["purpose"] == DUTCH_LINE["purpose"]
    assert line["data_categories"] == DUTCH_LINE["data_categories"]
    assert line["retention"] == DUTCH_LINE["retention"]
    assert line["source"] == "De betrokkene"
    assert line["legal_basis"] == "Overeenkomst (art. 6(1)(b))"
    assert [r["name"] for r in line["recipients"]] == ["Aanbieder van cloudhosting (EU)"]
    english = {register.name, register.purpose, register.retention, *register.data_categories}
    english.add("Cloud hosting provider (EU)")
    assert not english & set(json.dumps(information, ensure_ascii=False).split('"'))


def test_a_package_in_a_language_the_register_lacks_is_refused_naming_the_entries(
    platform_source, register, in_progress, officer_actor
):
    register.texts = {"nl": {**DUTCH_LINE, "retention": ""}}
    register.save()
    request = in_progress(Right.ACCESS)
    with pytest.raises(jobs.JobError) as refused:
        jobs.job_plan(request=request, actor=officer_actor)
    assert str(refused.value) == (
        "The register has no Dutch text for: retention of “Verbruiksgeschiedenis”"
    )
