"""The sql connector: a map checked against the real schema, dry runs that change nothing,
erasure by the map in bounded batches, and runs that resume after a crash counting each
row once."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone
from fulfilment_helpers import (
    MARIADB_URL,
    SUBJECT_NUMBER,
    manual_source,
    platform_build,
    query,
    scalar,
    sql_source,
)

from dsr.connectors.anonymise import coarsen_location, coarsen_timestamp, keyed_hash
from dsr.connectors.base import ConfigError
from dsr.demo.systems import OPENMOTICS_MAP
from dsr.fulfilment import jobs, records, runner
from dsr.models import DataSource, Event, EventKind, JobStatus, Right, StepStatus

JAN_READINGS = "SELECT count(*) FROM power_readings WHERE gateway_id = 1"
ELS_READINGS = "SELECT count(*) FROM power_readings WHERE gateway_id = 2"


HASH = {"method": "hash"}


def _tables(**changes):
    tables = [dict(table) for table in OPENMOTICS_MAP["tables"]]
    for table in tables:
        table.update(changes.get(table["table"], {}))
    return tables


def _run(job) -> None:
    for step in job.steps.all():
        while runner.step_run(step_id=step.pk) is not None:
            pass


def _start(request, officer_actor, **plan):
    job = jobs.job_plan(request=request, actor=officer_actor, **plan)
    return jobs.job_confirm(job=job, actor=officer_actor)


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        (
            {"newsletter_subscriptions": {"table": "newsletter"}},
            "table 'newsletter' does not exist",
        ),
        (
            {"customers": {"export": ["name", "mail"]}},
            "table 'customers' has no column 'mail' (export)",
        ),
        (
            {"gateways": {"foreign_key": "owner_id"}},
            "table 'gateways' has no column 'owner_id' (foreign key)",
        ),
        (
            {"invoices": {"erase": {"action": "keep"}}},
            "keeping rows needs a 'legal_ground' and a 'retention'",
        ),
        (
            {"customers": {"erase": {"action": "delete"}}},
            "'customers' cannot be deleted while 'invoices' is kept",
        ),
        (
            {
                "gateways": {
                    "erase": {"action": "anonymise", "columns": {"latitude": {"method": "hash"}}}
                }
            },
            "a keyed hash needs a text column",
        ),
    ],
)
def test_a_map_that_does_not_fit_the_database_is_refused_with_a_clear_error(
    organization, platform_url, changes, message
):
    with pytest.raises(ConfigError) as error:
        sql_source(organization, platform_url, tables=_tables(**changes))
    assert message in str(error.value)
    assert not DataSource.objects.exists()


def test_the_database_url_is_stored_encrypted(organization, platform_url):
    source = sql_source(organization, platform_url)
    assert platform_url not in source.secrets_encrypted
    assert DataSource.objects.get().secrets["url"] == platform_url
    assert DataSource.objects.get().secrets["hash_key"]


def test_dry_run_counts_the_rows_per_table_and_changes_nothing(
    platform_source, platform_url, in_progress, officer_actor
):
    request = in_progress(Right.ERASURE)
    job = jobs.job_plan(request=request, actor=officer_actor)

    lines = {line["what"]: line for line in job.steps.get().plan["lines"]}
    assert lines["Power readings (every 15 minutes)"]["rows"] == 300
    assert lines["Power readings (every 15 minutes)"]["action"] == "delete"
    assert lines["Customer account"]["rows"] == 1  # matched case-insensitively by e-mail
    assert lines["Customer account"]["action"] == "anonymise"
    assert lines["Invoices"] == {
        "what": "Invoices",
        "action": "keep",
        "rows": 2,
        "detail": lines["Invoices"]["detail"],
    }
    assert "accounting law" in lines["Invoices"]["detail"]
    assert job.status == JobStatus.PLANNED
    assert job.steps.get().status == StepStatus.PLANNED
    assert scalar(platform_url, JAN_READINGS) == 300
    assert scalar(platform_url, "SELECT name FROM customers WHERE id = 1") == "Jan Peeters"


def test_erasure_deletes_anonymises_and_keeps_as_the_map_says(
    platform_source, platform_url, in_progress, officer_actor
):
    request = in_progress(Right.ERASURE)
    job = _start(request, officer_actor)
    _run(job)

    assert scalar(platform_url, JAN_READINGS) == 0
    assert scalar(platform_url, ELS_READINGS) == 200  # nobody else's data is touched
    name, email, phone, postcode, city = query(
        platform_url, "SELECT name, email, phone, postal_code, city FROM customers WHERE id = 1"
    )[0]
    assert (name, phone, postcode, city) == ("(erased)", None, "90", "Gent")
    assert email.startswith("anon-") and "peeters" not in email.lower()
    assert scalar(platform_url, "SELECT count(*) FROM invoices WHERE customer_id = 1") == 2
    assert scalar(platform_url, "SELECT count(*) FROM newsletter_subscriptions") == 1
    assert scalar(platform_url, "SELECT name FROM customers WHERE id = 2") == "Els Bogaert"

    (record,) = records.fulfilment_record(request)
    assert record.status == StepStatus.DONE
    entries = {entry.what: entry for entry in record.entries}
    assert (
        entries["Power readings (every 15 minutes)"].action,
        entries["Power readings (every 15 minutes)"].rows,
    ) == ("erased", 300)
    assert entries["Customer account"].action == "anonymised"
    assert "keyed hash" in entries["Customer account"].reason
    assert entries["Invoices"].action == "kept"
    assert entries["Invoices"].rows == 2
    assert entries["Invoices"].retention == "7 years after the end of the financial year"
    job.refresh_from_db()
    assert job.status == JobStatus.FINISHED
    step = job.steps.get()
    assert (step.rows_done, step.percent) == (304, 100)


def test_running_a_finished_step_again_changes_nothing_and_records_nothing_twice(
    platform_source, platform_url, in_progress, officer_actor
):
    request = in_progress(Right.ERASURE)
    job = _start(request, officer_actor)
    _run(job)
    step = job.steps.get()
    events = list(Event.objects.filter(request=request).values_list("kind", flat=True))
    result = step.result

    assert runner.step_run(step_id=step.pk) is None
    assert runner.steps_requeue_lost(now=timezone.now() + timedelta(days=1)) == 0

    step.refresh_from_db()
    assert step.result == result
    assert list(Event.objects.filter(request=request).values_list("kind", flat=True)) == events
    assert events.count(EventKind.FULFILMENT_STEP_DONE) == 1
    assert events.count(EventKind.FULFILMENT_FINISHED) == 1


class Killed(BaseException):
    """Stands in for SIGKILL: nothing in the step catches it."""


@pytest.mark.parametrize(
    ("killed_at_checkpoint", "when"),
    [(2, "before"), (2, "after"), (3, "before"), (3, "after"), (5, "after"), (8, "before")],
)
def test_a_run_killed_anywhere_resumes_and_handles_every_row_once(
    platform_source,
    platform_url,
    in_progress,
    officer_actor,
    monkeypatch,
    killed_at_checkpoint,
    when,
):
    request = in_progress(Right.ERASURE)
    job = _start(request, officer_actor)
    step = job.steps.get()
    real_checkpoint = runner._Context.checkpoint
    calls = {"n": 0}

    def dying_checkpoint(self, **kwargs):
        calls["n"] += 1
        if calls["n"] == killed_at_checkpoint and when == "before":
            raise Killed  # before the batch was written down
        real_checkpoint(self, **kwargs)
        if calls["n"] == killed_at_checkpoint:
            raise Killed  # written down, not yet committed in the source

    monkeypatch.setattr(runner._Context, "checkpoint", dying_checkpoint)
    with pytest.raises(Killed):
        runner.step_run(step_id=step.pk)
    monkeypatch.setattr(runner._Context, "checkpoint", real_checkpoint)
    step.refresh_from_db()
    assert step.status == StepStatus.RUNNING  # abandoned mid-way, lease still running

    # Another worker cannot take it while the lease runs; the sweep hands it over after.
    assert runner.step_run(step_id=step.pk) is None
    assert runner.steps_requeue_lost(now=timezone.now() + timedelta(hours=1)) == 1
    assert runner.step_run(step_id=step.pk) is None

    step.refresh_from_db()
    assert step.status == StepStatus.DONE
    entries = {entry["what"]: entry for entry in step.result}
    assert entries["Power readings (every 15 minutes)"]["rows"] == 300
    assert entries["Gateways"]["rows"] == 1
    assert entries["Customer account"]["rows"] == 1
    assert scalar(platform_url, JAN_READINGS) == 0
    assert scalar(platform_url, ELS_READINGS) == 200
    assert Event.objects.filter(request=request, kind=EventKind.FULFILMENT_STEP_DONE).count() == 1


def test_restriction_sets_the_flag_on_the_subjects_rows_only(
    platform_source, platform_url, in_progress, officer_actor
):
    request = in_progress(Right.RESTRICTION)
    _run(_start(request, officer_actor))
    assert query(platform_url, "SELECT id, processing_restricted FROM customers ORDER BY id") == [
        (1, 1),
        (2, 0),
    ]
    (record,) = records.fulfilment_record(request)
    assert [(e.action, e.what, e.rows) for e in record.entries] == [
        ("restricted", "Customer account", 1)
    ]


def test_rectification_corrects_only_the_columns_the_map_allows(
    platform_source, platform_url, in_progress, officer_actor
):
    request = in_progress(Right.RECTIFICATION)
    _run(
        _start(
            request,
            officer_actor,
            corrections={"customers": {"street": "Nieuwstraat 5", "email": "x@example.com"}},
        )
    )
    assert query(platform_url, "SELECT street, email FROM customers WHERE id = 1") == [
        ("Nieuwstraat 5", "Jan.Peeters@Example.com")
    ]
    (record,) = records.fulfilment_record(request)
    assert [(e.action, e.rows, e.reason) for e in record.entries] == [("rectified", 1, "street")]


def test_a_subject_found_by_customer_number_only(
    organization, platform_source, platform_url, in_progress, officer_actor
):
    request = in_progress(
        Right.ERASURE,
        subject_email="another.address@example.org",
        subject_customer_number=SUBJECT_NUMBER,
    )
    job = jobs.job_plan(request=request, actor=officer_actor)
    lines = {line["what"]: line["rows"] for line in job.steps.get().plan["lines"]}
    assert lines["Customer account"] == 1
    assert lines["Newsletter subscription"] == 0  # matched by e-mail only


def test_an_unreachable_database_fails_its_step_clearly_and_the_job_goes_on(
    organization, platform_url, in_progress, officer_actor
):
    sql_source(organization, platform_url)
    down = sql_source(organization, platform_url, name="Old CRM", max_attempts=2)
    down.set_secrets({"url": "postgresql://crm:secret@127.0.0.1:1/crm"})
    down.save()
    manual_source(organization)
    request = in_progress(Right.ERASURE)
    job = _start(request, officer_actor)
    _run(job)

    steps = {step.source.name: step for step in job.steps.all()}
    failed = steps["Old CRM"]
    assert failed.status == StepStatus.FAILED
    # The class of failure, never the driver's text (which names addresses and ports).
    assert "cannot connect to the database (connection refused)" in failed.last_error
    assert "127.0.0.1" not in failed.last_error
    assert "secret" not in failed.last_error  # the password never shows
    assert "gave up after 2 attempts" in failed.last_error
    assert steps["Customer platform"].status == StepStatus.DONE
    assert steps["Paper archive"].status == StepStatus.WAITING
    assert scalar(platform_url, JAN_READINGS) == 0


def test_the_anonymisations_are_idempotent():
    key = b"k"
    once = keyed_hash("jan@example.com", key=key, length=None)
    assert once.startswith("anon-") and keyed_hash(once, key=key, length=None) == once
    assert keyed_hash("jan@example.com", key=key, length=20) == once[:20]
    assert coarsen_location(51.054321, decimals=1) == coarsen_location(51.1, decimals=1) == 51.1
    assert coarsen_location("9000", keep=2) == coarsen_location("90", keep=2) == "90"
    assert coarsen_timestamp("2024-05-17 13:45:12", to="month") == "2024-05-01 00:00:00"
    assert coarsen_timestamp("2024-05-01 00:00:00", to="month") == "2024-05-01 00:00:00"


@pytest.mark.mariadb
def test_the_same_map_works_on_mariadb(organization, in_progress, officer_actor):
    platform_build(MARIADB_URL)
    try:
        sql_source(organization, MARIADB_URL)
        request = in_progress(Right.ERASURE)
        _run(_start(request, officer_actor))
        assert scalar(MARIADB_URL, JAN_READINGS) == 0
        assert scalar(MARIADB_URL, ELS_READINGS) == 200
        (record,) = records.fulfilment_record(request)
        rows = {entry.what: entry.rows for entry in record.entries}
        assert rows["Power readings (every 15 minutes)"] == 300
        assert rows["Invoices"] == 2
    finally:
        import sqlalchemy as sa

        from dsr.demo.systems import demo_metadata

        engine = sa.create_engine(MARIADB_URL)
        demo_metadata(None)[0].drop_all(engine)
        engine.dispose()
