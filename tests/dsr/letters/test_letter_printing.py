"""The print queue: letters waiting for post, merged into one PDF in which every letter
starts on an odd page, then marked posted with one Event per letter."""

from __future__ import annotations

import io

import pytest
from django.urls import reverse
from letter_helpers import issue_and_render, make_state, pdf_text, verify_session
from pypdf import PdfReader

from dsr import audit
from dsr.letters import printing, services
from dsr.models import Event, EventKind, LetterKind, PrintBatch, PrintBatchStatus, Right

pytestmark = pytest.mark.django_db


@pytest.fixture
def queued(organization, make_request, officer, officer_actor, register):
    """Three letters queued for post: a 1-page, a 2-page and another 1-page letter."""
    actor = audit.Actor.for_user(officer)
    letters = []
    for right, state, kind, language in (
        (Right.OBJECTION, "withdrawn", LetterKind.WITHDRAWAL_CONFIRMATION, "nl"),
        (Right.ACCESS, "completed", LetterKind.ANSWER, "en"),
        (Right.ACCESS, "open", LetterKind.ACKNOWLEDGEMENT, "fr"),
    ):
        request = make_state(
            make_request, officer_actor, right=right, state=state, language=language
        )
        letter = issue_and_render(request, kind, officer)
        services.letter_queue_for_post(letter=letter, actor=actor)
        letters.append(letter)
    return letters


def test_queue_lists_waiting_letters_oldest_first(client, officer, queued):
    verify_session(client, officer)
    html = client.get(reverse("letters:print_queue")).content.decode()
    positions = [html.index(letter.request.reference) for letter in queued]
    assert positions == sorted(positions)


def test_batch_merges_letters_each_on_an_odd_page_then_marks_them_posted(
    client, officer, queued, django_capture_on_commit_callbacks
):
    pages = [letter.page_count for letter in queued]
    assert pages == [1, 2, 1]
    verify_session(client, officer)
    with django_capture_on_commit_callbacks() as callbacks:
        response = client.post(
            reverse("letters:print_queue"),
            {"organization": queued[0].request.organization_id, "letters": [q.pk for q in queued]},
        )
    batch = PrintBatch.objects.get()
    assert response.status_code == 302 and response["Location"].endswith(f"/desk/print/{batch.pk}/")
    assert len(callbacks) == 1 and batch.status == PrintBatchStatus.BUILDING
    page = client.get(reverse("letters:print_batch", args=[batch.pk])).content.decode()
    assert 'http-equiv="refresh"' in page and "<progress" in page

    assert printing.print_batch_build(batch.pk) == PrintBatchStatus.READY
    batch.refresh_from_db()
    assert batch.done == batch.total == 3
    response = client.get(reverse("letters:print_batch_download", args=[batch.pk]))
    merged = PdfReader(io.BytesIO(b"".join(response.streaming_content)))
    # 1 page + blank, 2 pages, 1 page + blank: every letter starts on an odd page.
    assert len(merged.pages) == batch.page_count == 6
    starts = [0, 2, 4]
    for start, letter in zip(starts, queued, strict=True):
        assert letter.request.reference in merged.pages[start].extract_text()
    assert merged.pages[1].extract_text().strip() == ""
    assert merged.pages[5].extract_text().strip() == ""

    client.post(reverse("letters:print_batch_posted", args=[batch.pk]))
    posted = Event.objects.filter(kind=EventKind.LETTER_POSTED)
    assert sorted(posted.values_list("data__letter", flat=True)) == sorted(q.pk for q in queued)
    assert {event.request_id for event in posted} == {q.request_id for q in queued}
    batch.refresh_from_db()
    assert batch.status == PrintBatchStatus.POSTED and not batch.file  # the copy is deleted
    assert not printing.waiting_for_post(officer).exists()


def test_viewer_sees_the_queue_but_cannot_print(client, viewer, queued):
    verify_session(client, viewer)
    assert client.get(reverse("letters:print_queue")).status_code == 200
    response = client.post(
        reverse("letters:print_queue"),
        {"organization": queued[0].request.organization_id, "letters": [queued[0].pk]},
    )
    assert response.status_code == 403 and not PrintBatch.objects.exists()


def test_outsider_sees_no_letters_and_no_batch(client, outsider, officer, queued):
    batch = printing.print_batch_create(
        organization=queued[0].request.organization,
        letters=queued,
        actor=audit.Actor.for_user(officer),
    )
    verify_session(client, outsider)
    html = client.get(reverse("letters:print_queue")).content.decode()
    assert all(letter.request.reference not in html for letter in queued)
    for name in ("letters:print_batch", "letters:print_batch_download"):
        assert client.get(reverse(name, args=[batch.pk])).status_code == 404
    assert client.post(reverse("letters:print_batch_posted", args=[batch.pk])).status_code == 404
    response = client.post(
        reverse("letters:print_queue"),
        {"organization": queued[0].request.organization_id, "letters": [queued[0].pk]},
    )
    assert PrintBatch.objects.count() == 1 and response.status_code in (302, 404)


@pytest.mark.parametrize("chunk", [2, 50])
def test_merged_letters_keep_their_text_and_odd_starts_across_chunks(queued, chunk, monkeypatch):
    monkeypatch.setattr(printing, "MERGE_CHUNK", chunk)
    merged, pages = printing.merge_letters(services.letter_read(q) for q in queued)
    assert pages == 6
    reader = PdfReader(io.BytesIO(merged))
    for start, letter in zip([0, 2, 4], queued, strict=True):
        assert letter.request.reference in reader.pages[start].extract_text()
    assert all(letter.request.reference in pdf_text(merged) for letter in queued)
