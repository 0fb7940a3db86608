"""Review before release (Art. 15(4)): a built export waits for an officer; exclusions and
redactions are Events with reasons (a redacted value only as a keyed hash); release hands the
build to the worker, which applies the decisions; a closed request gets nothing."""

from __future__ import annotations

import io
import json
import zipfile

import pytest
from django.core.files.storage import default_storage
from fulfilment_helpers import manual_source, started

from dsr import audit
from dsr.attachments import AttachmentRejected
from dsr.fulfilment import delivery, jobs, review, runner
from dsr.fulfilment.packages import package_chunks
from dsr.models import (
    DataPackage,
    DecisionKind,
    EventKind,
    OutboundEmail,
    PackageReview,
    ReviewStatus,
    Right,
    Status,
    StepStatus,
    WithholdReason,
)

THIRD_PERSON = "Els Bogaert"


def execute(url: str, sql: str, **values: str) -> None:
    import sqlalchemy as sa

    from dsr.connectors.sql import normalise_url

    engine = sa.create_engine(normalise_url(url), poolclass=sa.pool.NullPool)
    with engine.begin() as connection:
        connection.execute(sa.text(sql), values)
    engine.dispose()


def household(url: str) -> None:
    """The subject's invoices and ticket name his partner, as a household's records do."""
    execute(url, "UPDATE invoices SET billing_name = :name WHERE number = 'INV-2'",
            name=THIRD_PERSON)  # fmt: skip
    execute(url, "UPDATE support_tickets SET body = :body",
            body=f"Please call my partner {THIRD_PERSON.upper()} about the gateway.")  # fmt: skip


def run_steps(job) -> None:
    for step in job.steps.all():
        while runner.step_run(step_id=step.pk) is not None:
            pass


def finished_in_review(request, actor) -> PackageReview:
    job = started(request, actor)
    run_steps(job)
    job.refresh_from_db()
    return PackageReview.objects.get(job=job)


def zip_texts(package: DataPackage) -> dict[str, str]:
    archive = zipfile.ZipFile(io.BytesIO(b"".join(package_chunks(package))))
    return {name: archive.read(name).decode("utf-8", "replace") for name in archive.namelist()}


def table_named(view_sources, name):
    return next(t for s in view_sources for t in s.tables if t.name == name)


@pytest.fixture
def subject_request(platform_source, platform_url, in_progress):
    household(platform_url)
    return in_progress(Right.ACCESS, language="en")


def test_a_finished_export_waits_in_review_and_nothing_reaches_the_subject(
    subject_request, officer_actor, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        item = finished_in_review(subject_request, officer_actor)
    assert item.status == ReviewStatus.REVIEW
    assert item.job.package_wanted_at is None
    assert delivery.package_create(job_id=item.job_id) is None
    assert not DataPackage.objects.exists()
    assert not OutboundEmail.objects.filter(template="package_ready").exists()
    assert subject_request.events.filter(kind=EventKind.PACKAGE_IN_REVIEW).exists()
    # The parts stay for the review (and the sweep does not build them).
    step = item.job.steps.get()
    assert all(default_storage.exists(info["json"]) for info in step.state["files"])
    assert runner.steps_requeue_lost() == 0


def test_the_review_lists_tables_and_pages_rows_from_the_stored_parts(
    subject_request, officer_actor, platform_url
):
    item = finished_in_review(subject_request, officer_actor)
    sources = review.review_sources(item)
    invoices = table_named(sources, "invoices")
    assert invoices.rows == 2 and "billing_name" in invoices.columns
    # The source is not asked again: emptied, the preview still shows what was exported.
    execute(platform_url, "DELETE FROM invoices")
    page = review.review_rows(item, invoices.step, "invoices")
    assert page.total == 2 and page.pages == 1
    names = [values[page.columns.index("billing_name")] for _, values in page.rows]
    assert sorted(names) == sorted(["Jan Peeters", THIRD_PERSON])
    readings = table_named(sources, "power_readings")
    second = review.review_rows(item, readings.step, "power_readings", page=2)
    assert second.page == 2 and second.rows[0][0] == review.PAGE_ROWS
    assert len(second.rows) == review.PAGE_ROWS
    last = review.review_rows(item, readings.step, "power_readings", page=10_000)
    assert last.page == last.pages and last.rows[-1][0] == readings.rows - 1


def test_decisions_are_events_with_reasons_and_the_value_only_as_a_keyed_hash(
    subject_request, officer_actor
):
    item = finished_in_review(subject_request, officer_actor)
    step = item.job.steps.get()
    text = review.decision_add(
        review=item, actor=officer_actor, kind=DecisionKind.TEXT, text=THIRD_PERSON,
        reason=WithholdReason.THIRD_PARTY,
    )  # fmt: skip
    column = review.decision_add(
        review=item, actor=officer_actor, kind=DecisionKind.COLUMN, step=step,
        table="customers", column="phone", reason=WithholdReason.OTHER,
        reason_text="A shared household line.",
    )  # fmt: skip
    cell = review.decision_add(
        review=item, actor=officer_actor, kind=DecisionKind.CELL, step=step,
        table="invoices", column="billing_address", row=0, reason=WithholdReason.TRADE_SECRET,
    )  # fmt: skip
    events = list(subject_request.events.filter(kind=EventKind.PACKAGE_WITHHELD).order_by("pk"))
    assert [e.data["kind"] for e in events] == ["text", "column", "cell"]
    assert [e.data["reason"] for e in events] == ["third_party", "other", "trade_secret"]
    assert events[0].data["value_hash"] == review.value_hash(item, THIRD_PERSON.lower())
    assert events[2].data["value_hash"] == review.value_hash(item, "Gent")
    for event in events:
        stored = json.dumps(event.data) + json.dumps(event.payload or {})
        assert THIRD_PERSON.lower() not in stored.lower() and "Gent" not in stored
    assert events[1].payload == {"reason_text": "A shared household line."}
    assert text.text == THIRD_PERSON and THIRD_PERSON not in text.text_encrypted
    assert item.grounds() == ["third_party", "trade_secret", "other"]

    review.decision_undo(decision=cell, actor=officer_actor)
    assert subject_request.events.filter(kind=EventKind.PACKAGE_WITHHELD_UNDONE).count() == 1
    assert item.grounds() == ["third_party", "other"]
    with pytest.raises(review.ReviewError):
        review.decision_undo(decision=cell, actor=officer_actor)
    assert column.undone_at is None


@pytest.mark.parametrize(
    "fields, message",
    [
        ({"kind": "column", "table": "customers", "column": "nope"}, "column is not"),
        ({"kind": "column", "table": "nope", "column": "phone"}, "table is not"),
        ({"kind": "row", "table": "invoices", "row": 2}, "row is not"),
        ({"kind": "row", "table": "invoices", "row": -1}, "row is not"),
        ({"kind": "cell", "table": "invoices", "column": "number"}, "row is not"),
        ({"kind": "text", "text": " x "}, "at least two"),
        ({"kind": "text", "text": "a\nb"}, "one line"),
        ({"kind": "text", "text": "x" * 201}, "one line"),
        ({"kind": "file", "table": "../../etc/passwd"}, "file is not"),
        ({"kind": "table", "table": "customers", "reason": "other"}, "needs an explanation"),
        ({"kind": "table", "table": "customers", "reason": "because"}, "Choose why"),
        ({"kind": "nonsense", "table": "customers"}, "Unknown kind"),
    ],
)
def test_a_careless_or_hostile_decision_is_refused_with_a_message(
    subject_request, officer_actor, fields, message
):
    item = finished_in_review(subject_request, officer_actor)
    step = item.job.steps.get()
    arguments = {"reason": WithholdReason.THIRD_PARTY, "step": step, **fields}
    with pytest.raises(review.ReviewError) as refused:
        review.decision_add(review=item, actor=officer_actor, **arguments)
    assert message in refused.value.message
    assert not item.decisions.exists()
    assert not subject_request.events.filter(kind=EventKind.PACKAGE_WITHHELD).exists()


def test_a_step_of_another_job_cannot_be_named(
    subject_request, officer_actor, in_progress, platform_source
):
    item = finished_in_review(subject_request, officer_actor)
    other = finished_in_review(in_progress(Right.PORTABILITY, language="en"), officer_actor)
    with pytest.raises(review.ReviewError):
        review.decision_add(
            review=item, actor=officer_actor, kind=DecisionKind.TABLE,
            step=other.job.steps.get(), table="customers", reason=WithholdReason.THIRD_PARTY,
        )  # fmt: skip
    with pytest.raises(review.ReviewError):
        review.review_rows(item, other.job.steps.get(), "customers")


def test_release_builds_the_reviewed_package_and_tells_the_subject(
    subject_request, officer_actor, django_capture_on_commit_callbacks
):
    item = finished_in_review(subject_request, officer_actor)
    step = item.job.steps.get()
    parts = [info["json"] for info in step.state["files"]]
    review.decision_add(
        review=item, actor=officer_actor, kind=DecisionKind.TEXT, text=THIRD_PERSON,
        reason=WithholdReason.THIRD_PARTY,
    )  # fmt: skip
    review.decision_add(
        review=item, actor=officer_actor, kind=DecisionKind.COLUMN, step=step,
        table="customers", column="phone", reason=WithholdReason.THIRD_PARTY,
    )  # fmt: skip
    with django_capture_on_commit_callbacks() as callbacks:
        review.package_release(review=item, by=officer_actor)
    assert len(callbacks) == 1  # the worker's task, by name
    item.refresh_from_db()
    assert item.status == ReviewStatus.RELEASED and item.released_by == officer_actor.user
    released = subject_request.events.get(kind=EventKind.PACKAGE_RELEASED)
    assert released.data["grounds"] == ["third_party"] and not released.data["automatic"]

    with django_capture_on_commit_callbacks(execute=True):
        package = delivery.package_create(job_id=item.job_id)
    assert package is not None
    files = zip_texts(package)
    for name, text in files.items():
        assert THIRD_PERSON.lower() not in text.lower(), name
        assert "+32 470 11 22 33" not in text, name
    assert "Parts withheld" in files["index.html"]
    assert "personal data of other people" in files["index.html"]
    assert "Art. 15(4)" in files["index.html"]
    assert OutboundEmail.objects.filter(template="package_ready").count() == 1
    assert not any(default_storage.exists(name) for name in parts)
    # Released once: no second decision, no second release.
    with pytest.raises(review.ReviewError):
        review.package_release(review=item, by=officer_actor)
    with pytest.raises(review.ReviewError):
        review.decision_add(
            review=item, actor=officer_actor, kind=DecisionKind.TEXT, text="Jan",
            reason=WithholdReason.THIRD_PARTY,
        )  # fmt: skip


def test_withdrawn_before_release_nothing_is_built_and_the_parts_go(
    subject_request, officer_actor, django_capture_on_commit_callbacks
):
    from dsr import workflow

    item = finished_in_review(subject_request, officer_actor)
    parts = [info["json"] for info in item.job.steps.get().state["files"]]
    with django_capture_on_commit_callbacks(execute=True):
        workflow.request_withdraw(request=subject_request, actor=audit.Actor.subject())
    item.refresh_from_db()
    assert item.status == ReviewStatus.DROPPED
    assert not any(default_storage.exists(name) for name in parts)
    with pytest.raises(review.ReviewError):
        review.package_release(review=item, by=officer_actor)
    assert delivery.package_create(job_id=item.job_id) is None
    assert not DataPackage.objects.exists()


def test_withdrawn_after_release_the_worker_builds_and_sends_nothing(
    subject_request, officer_actor, django_capture_on_commit_callbacks
):
    item = finished_in_review(subject_request, officer_actor)
    review.package_release(review=item, by=officer_actor)
    subject_request.status = Status.WITHDRAWN  # as the workflow leaves it, after the release
    subject_request.save(update_fields=["status"])
    assert delivery.package_create(job_id=item.job_id) is None
    assert not DataPackage.objects.exists()
    assert not OutboundEmail.objects.filter(template="package_ready").exists()


def test_own_data_sources_are_released_without_review_only_when_the_organisation_allows(
    organization, platform_source, in_progress, officer_actor, django_capture_on_commit_callbacks
):
    platform_source.own_data_only = True
    platform_source.save(update_fields=["own_data_only"])
    first = finished_in_review(in_progress(Right.ACCESS, language="en"), officer_actor)
    assert first.status == ReviewStatus.REVIEW  # the default is review

    organization.release_unreviewed_own_data = True
    organization.save(update_fields=["release_unreviewed_own_data"])
    request = in_progress(Right.PORTABILITY, language="en")
    second = finished_in_review(request, officer_actor)
    assert second.status == ReviewStatus.RELEASED and second.automatic
    assert second.job.package_wanted_at is not None  # handed to the worker
    event = request.events.get(kind=EventKind.PACKAGE_RELEASED)
    assert event.data["automatic"] is True and event.actor_kind == "system"
    assert delivery.package_create(job_id=second.job_id) is not None


def test_a_source_not_marked_keeps_the_package_in_review_even_when_allowed(
    organization, platform_source, in_progress, officer_actor
):
    organization.release_unreviewed_own_data = True
    organization.save(update_fields=["release_unreviewed_own_data"])
    manual_source(organization, name="Paper archive")  # not marked: another person may appear
    platform_source.own_data_only = True
    platform_source.save(update_fields=["own_data_only"])
    request = in_progress(Right.ACCESS, language="en")
    job = started(request, officer_actor)
    run_steps(job)
    manual = job.steps.get(source__kind="manual")
    jobs.manual_task_complete(step=manual, actor=officer_actor, done=True, note="Scanned.")
    item = PackageReview.objects.get(job=job)
    assert item.status == ReviewStatus.REVIEW and not item.automatic


PDF = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
    b"2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
)


def test_a_manual_task_adds_checked_files_that_are_reviewed_like_the_rest(
    organization, in_progress, officer_actor, django_capture_on_commit_callbacks
):
    manual_source(organization, name="Paper archive")
    request = in_progress(Right.ACCESS, language="en")
    job = started(request, officer_actor)
    run_steps(job)
    step = job.steps.get()
    assert step.status == StepStatus.WAITING
    review.file_add(
        step=step, actor=officer_actor, original_name="letters.csv",
        content=f"date,from\n2024-01-01,{THIRD_PERSON}\n".encode(),
    )  # fmt: skip
    review.file_add(step=step, actor=officer_actor, original_name="scan.pdf", content=PDF)
    for name, content in (
        ("evil.pdf", b"MZ\x90\x00 not a pdf"),
        ("evil.csv", b"\xff\xfe\x00bad"),
        ("empty.csv", b""),
    ):
        with pytest.raises(AttachmentRejected):
            review.file_add(step=step, actor=officer_actor, original_name=name, content=content)
    assert request.events.filter(kind=EventKind.PACKAGE_FILE_ADDED).count() == 2

    jobs.manual_task_complete(step=step, actor=officer_actor, done=True, note="Scanned.")
    item = PackageReview.objects.get(job=job)
    files = review.review_sources(item)[0].files
    assert [f.name for f in files] == ["letters.csv", "scan.pdf"]
    with pytest.raises(review.ReviewError):  # the task is done: no more files
        review.file_add(step=step, actor=officer_actor, original_name="late.pdf", content=PDF)
    review.decision_add(
        review=item, actor=officer_actor, kind=DecisionKind.FILE, step=step, table="scan.pdf",
        reason=WithholdReason.LEGAL_PRIVILEGE,
    )  # fmt: skip
    review.decision_add(
        review=item, actor=officer_actor, kind=DecisionKind.TEXT, text=THIRD_PERSON,
        reason=WithholdReason.THIRD_PARTY,
    )  # fmt: skip
    review.package_release(review=item, by=officer_actor)
    with django_capture_on_commit_callbacks(execute=True):
        package = delivery.package_create(job_id=job.pk)
    texts = zip_texts(package)
    assert not any(name.endswith("scan.pdf") for name in texts)
    csv_name = next(name for name in texts if name.endswith("letters.csv"))
    assert "2024-01-01" in texts[csv_name] and THIRD_PERSON not in texts[csv_name]
    assert "legal professional privilege" in texts["index.html"]


@pytest.mark.parametrize(
    "language, expected",
    [
        ("en", ["Article 15(4) GDPR", "personal data of other people", "A household line."]),
        ("nl", ["artikel 15, lid 4, AVG", "persoonsgegevens van andere personen"]),
        ("fr", ["article 15, paragraphe 4, du RGPD", "personnelles d\u2019autres personnes"]),
    ],
)
def test_the_answer_letter_lists_the_grounds_never_what(
    subject_request, officer_actor, language, expected
):
    from django.utils import timezone

    from dsr.letters import content as letter_content
    from dsr.letters import render
    from dsr.models import LetterKind, Outcome

    item = finished_in_review(subject_request, officer_actor)
    step = item.job.steps.get()
    review.decision_add(
        review=item, actor=officer_actor, kind=DecisionKind.TEXT, text=THIRD_PERSON,
        reason=WithholdReason.THIRD_PARTY,
    )  # fmt: skip
    review.decision_add(
        review=item, actor=officer_actor, kind=DecisionKind.COLUMN, step=step,
        table="customers", column="phone", reason=WithholdReason.OTHER,
        reason_text="A household line.",
    )  # fmt: skip
    undone = review.decision_add(
        review=item, actor=officer_actor, kind=DecisionKind.TABLE, step=step,
        table="invoices", reason=WithholdReason.TRADE_SECRET,
    )  # fmt: skip
    review.decision_undo(decision=undone, actor=officer_actor)
    before = letter_content.package_withheld(subject_request)
    assert before == []  # not released: the letter does not speak of it yet
    review.package_release(review=item, by=officer_actor)
    subject_request.language = language
    subject_request.status = Status.COMPLETED
    subject_request.outcome = Outcome.FULFILLED
    subject_request.save(update_fields=["language", "status", "outcome"])
    content = letter_content.letter_content(
        request=subject_request, kind=LetterKind.ANSWER, letter_date=timezone.now().date()
    )
    assert content["package_withheld"] == [
        {"reason": "third_party", "text": ""},
        {"reason": "other", "text": "A household line."},
    ]
    html = render.render_html(content, signed=False)
    for phrase in expected:
        assert phrase in html, phrase
    assert THIRD_PERSON not in html


def test_a_review_never_released_leaves_nothing_once_the_request_is_minimised(
    subject_request, officer_actor, django_capture_on_commit_callbacks
):
    """Completed without a release (the officer answered another way): the parts stay for
    the review until the request is reduced to statistics, then go with the redacted text."""
    from dsr import retention, workflow
    from dsr.models import Outcome, ReviewDecision

    item = finished_in_review(subject_request, officer_actor)
    parts = [info["json"] for info in item.job.steps.get().state["files"]]
    review.decision_add(
        review=item, actor=officer_actor, kind=DecisionKind.TEXT, text=THIRD_PERSON,
        reason=WithholdReason.OTHER, reason_text=f"{THIRD_PERSON} lives there too",
    )  # fmt: skip
    request = workflow.request_complete(
        request=subject_request, outcome=Outcome.FULFILLED, note="Sent on paper.",
        actor=officer_actor,
    )  # fmt: skip
    assert all(default_storage.exists(name) for name in parts)
    with django_capture_on_commit_callbacks(execute=True):
        retention.request_minimise(request=request)
    assert not any(default_storage.exists(name) for name in parts)
    decision = ReviewDecision.objects.get()
    assert decision.text_encrypted == "" and decision.reason_text == ""
    assert decision.value_hash == review.value_hash(item, THIRD_PERSON)
