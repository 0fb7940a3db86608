"""The status page's answer upload opens no file before the token and the limits are checked,
and decodes images within the same pixel budget as the public form (issue 14, item 7).

Made as the attack: real multipart posts of PNGs whose headers promise tens of megapixels,
to an unknown token, over the limit, and with the real token; Pillow is wrapped to count every
file opened and every image decoded."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from upload_helpers import DecodeWatch, png_claiming

from dsr import audit, workflow
from dsr.models import Message, Status

pytestmark = pytest.mark.django_db


@pytest.fixture
def watch(monkeypatch) -> DecodeWatch:
    return DecodeWatch().install(monkeypatch)


@pytest.fixture
def waiting(make_request, officer):
    """A request whose officer asked the subject a question: the answer box is open."""
    request_obj = make_request()
    workflow.request_ask_information(
        request=request_obj,
        message="Please send a copy of your identity card.",
        actor=audit.Actor.for_user(officer),
    )
    request_obj.refresh_from_db()
    assert request_obj.status == Status.AWAITING_SUBJECT
    return request_obj


def answer(client, token: str, prefix: str, *files: bytes):
    return client.post(
        f"/r/{token}/answer/",
        {
            "lang": "en",
            f"{prefix}-message": "Here it is.",
            f"{prefix}-files": [
                SimpleUploadedFile(f"id-{n}.png", content) for n, content in enumerate(files)
            ],
        },
    )


def test_an_unknown_token_opens_no_file(client, waiting, watch):
    bomb = png_claiming(7000, 7000)
    response = answer(client, "x" * 43, waiting.reference, bomb, bomb, bomb)
    assert response.status_code == 404
    assert watch.opened == [] and watch.decoded == []


def test_over_the_limit_no_file_is_opened(client, waiting, watch, settings):
    settings.INTAKE_RATE_LIMITS = {**settings.INTAKE_RATE_LIMITS, "status_action_ip": (0, 3600)}
    bomb = png_claiming(7000, 7000)
    response = answer(client, waiting.public_token, waiting.reference, bomb, bomb, bomb)
    assert response.status_code == 429
    assert watch.opened == [] and watch.decoded == []


def test_the_subject_s_own_answer_is_held_to_the_pixel_budget(client, waiting, watch):
    bomb = png_claiming(7000, 7000)
    response = answer(client, waiting.public_token, waiting.reference, bomb)
    assert response.status_code == 400
    assert "too large in pixels" in response.content.decode()
    assert watch.decoded == []
    waiting.refresh_from_db()
    assert waiting.status == Status.AWAITING_SUBJECT
    assert not Message.objects.filter(direction=Message.Direction.FROM_SUBJECT).exists()
