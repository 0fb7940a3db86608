"""The seam between letters and fulfilment: what jobs recorded becomes the starting point
of the erasure answer's form; without a job, the officer records it by hand."""

from __future__ import annotations

import pytest
from django.urls import reverse
from letter_helpers import make_state, verify_session

from dsr.connectors.base import Entry
from dsr.fulfilment import records
from dsr.letters import job_outcomes
from dsr.models import Right

pytestmark = pytest.mark.django_db


@pytest.fixture
def erasure(make_request, officer_actor):
    return make_state(
        make_request, officer_actor, right=Right.ERASURE, state="completed", language="en"
    )


def test_without_a_job_the_officer_records_it(erasure):
    assert job_outcomes.fulfilment_record(erasure) is None


def test_a_jobs_record_fills_the_erasure_answer(erasure, monkeypatch, client, officer):
    record = [
        records.SourceRecord(
            source="Customer database",
            connector="sql",
            status="done",
            entries=[
                Entry(action="erased", what="customers", rows=1),
                Entry(action="kept", what="invoices", rows=4, reason="Accounting law (7 years)"),
                Entry(action="exported", what="orders", rows=2),
            ],
        )
    ]
    monkeypatch.setattr(records, "fulfilment_record", lambda request: record)
    result = job_outcomes.fulfilment_record(erasure)
    assert result.systems == [
        job_outcomes.SystemOutcome("Customer database: customers", "erased", ""),
        job_outcomes.SystemOutcome(
            "Customer database: invoices", "kept", "Accounting law (7 years)"
        ),
    ]
    verify_session(client, officer)
    html = client.get(
        reverse("letters:compose", args=[erasure.pk]) + "?kind=answer"
    ).content.decode()
    assert 'value="Customer database: invoices"' in html
    assert "Accounting law (7 years)" in html  # in the form and in the preview
