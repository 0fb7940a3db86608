"""The public form decodes no uploaded file before the sender has passed the cheap checks
(issue 14, item 7).

Anyone on the network can post the form. Before this fix three 7000 x 7000 PNGs of about
150 KB each, sent without a valid challenge, were decoded (3 x 147 MB of pixels, seconds of
CPU) before the form answered 400. Now the rate limits, the honeypot and the proof of work
(and, without JavaScript, the form's minimum age) are checked first; only then are the files
opened, and an image is decoded only if its header promises at most 40 megapixels, at most
80 megapixels for all the images of one submission.

Made as the attack: real multipart posts to the real view, with PNGs whose headers promise
tens of megapixels; Pillow and pypdf themselves are wrapped to count every file opened and
every image decoded.
"""

from __future__ import annotations

import time

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from upload_helpers import DecodeWatch, form_data, png_claiming

from dsr import attachments
from dsr.intake import challenge
from dsr.models import Attachment, Request

pytestmark = pytest.mark.django_db

POW_BITS = 8
# Generous for a shared CI machine: refusing takes milliseconds, decoding took seconds.
FAST_SECONDS = 2.0
PIXEL_MESSAGE = "too large in pixels"


@pytest.fixture(autouse=True)
def _intake(settings, organization) -> None:
    settings.INTAKE_POW_BITS = POW_BITS
    settings.SITE_URL = "https://desk.example.org"
    organization.requires_identity_document = True
    organization.save()


@pytest.fixture
def watch(monkeypatch) -> DecodeWatch:
    return DecodeWatch().install(monkeypatch)


def bombs(count: int = 3, size: tuple[int, int] = (7000, 7000)) -> list[SimpleUploadedFile]:
    return [
        SimpleUploadedFile(f"id-{n}.png", png_claiming(*size), content_type="image/png")
        for n in range(count)
    ]


def post_timed(client, data) -> tuple[object, float]:
    started = time.perf_counter()
    response = client.post("/openmotics/request/", data)
    return response, time.perf_counter() - started


def test_the_attack_files_are_small_and_promise_147_megabytes_of_pixels_each():
    content = png_claiming(7000, 7000)
    assert len(content) < 300_000
    assert 7000 * 7000 * 3 == 147_000_000


@pytest.mark.parametrize(
    ("challenge_field", "nonce"),
    [
        pytest.param(None, "", id="no-challenge"),
        pytest.param("forged:abc", "123", id="forged"),
        pytest.param("fresh", "999999", id="work-not-done"),
        pytest.param("fresh", "", id="no-javascript-sent-at-once"),
    ],
)
def test_three_huge_pngs_without_a_valid_challenge_are_refused_before_any_is_opened(
    client, organization, watch, challenge_field, nonce
):
    data = form_data(client, organization, bits=POW_BITS, documents=bombs())
    if challenge_field is None:
        del data["challenge"]
    elif challenge_field != "fresh":
        data["challenge"] = challenge_field
    data["pow_nonce"] = nonce
    if challenge_field == "fresh" and nonce:  # a nonce that does not solve the challenge
        while challenge.work_is_done(data["challenge"], data["pow_nonce"], POW_BITS):
            data["pow_nonce"] = str(int(data["pow_nonce"]) + 1)

    response, seconds = post_timed(client, data)

    assert response.status_code == 400
    assert watch.opened == [] and watch.decoded == []  # not even a header was read
    assert seconds < FAST_SECONDS
    assert not Request.objects.exists() and not Attachment.objects.exists()
    # The page says what to do and the person's text is kept (files cannot be kept).
    html = response.content.decode()
    assert "Lotte de Vries" in html
    assert 'name="challenge"' in html


def test_a_filled_honeypot_opens_no_file(client, organization, watch):
    data = form_data(client, organization, bits=POW_BITS, documents=bombs(), fax="+32 2 555")
    response = client.post("/openmotics/request/", data)
    assert response.status_code == 302  # looks like success to the bot
    assert watch.opened == [] and watch.decoded == []
    assert not Request.objects.exists()


def test_over_the_submission_limits_no_file_is_opened(client, organization, settings, watch):
    settings.INTAKE_RATE_LIMITS = {**settings.INTAKE_RATE_LIMITS, "submission_ip": (0, 3600)}
    data = form_data(client, organization, bits=POW_BITS, documents=bombs())
    response, seconds = post_timed(client, data)
    assert response.status_code == 429
    assert watch.opened == [] and watch.decoded == []
    assert seconds < FAST_SECONDS


def test_over_the_form_post_limit_the_body_is_not_even_parsed(
    client, organization, settings, watch
):
    settings.INTAKE_RATE_LIMITS = {**settings.INTAKE_RATE_LIMITS, "form_post_ip": (0, 3600)}
    data = form_data(client, organization, bits=POW_BITS, documents=bombs())
    assert client.post("/openmotics/request/", data).status_code == 429
    assert watch.opened == [] and watch.decoded == []


def test_with_a_valid_challenge_a_100_megapixel_png_is_refused_by_its_header(
    client, organization, watch, recwarn
):
    bomb = SimpleUploadedFile("scan.png", png_claiming(10_000, 10_000, colour=False))
    data = form_data(client, organization, bits=POW_BITS, documents=[bomb])
    response, seconds = post_timed(client, data)
    assert response.status_code == 400
    html = response.content.decode()
    assert "scan.png:" in html and PIXEL_MESSAGE in html
    assert watch.decoded == []  # the header was read, the pixels never
    assert seconds < FAST_SECONDS
    assert not [w for w in recwarn if "DecompressionBomb" in type(w.message).__name__]
    assert not Request.objects.exists()


def test_with_a_valid_challenge_the_7000_pixel_squares_are_refused_undecoded(
    client, organization, watch
):
    data = form_data(client, organization, bits=POW_BITS, documents=bombs())
    response, seconds = post_timed(client, data)
    assert response.status_code == 400
    assert response.content.decode().count(PIXEL_MESSAGE) >= 3
    assert watch.decoded == []
    assert seconds < FAST_SECONDS


def test_the_images_of_one_submission_share_a_pixel_budget(client, organization, watch):
    # Three images of 30 megapixels: each within the budget for one image, not together.
    assert attachments.MAX_IMAGE_PIXELS >= 6000 * 5000
    assert attachments.MAX_SUBMISSION_PIXELS < 3 * 6000 * 5000
    files = bombs(3, (6000, 5000))
    data = form_data(client, organization, bits=POW_BITS, documents=files)
    response = client.post("/openmotics/request/", data)
    assert response.status_code == 400
    assert PIXEL_MESSAGE in response.content.decode()
    assert watch.decoded == []
    assert not Request.objects.exists()


def test_a_real_photo_still_goes_through_after_the_checks(client, organization, watch):
    from tests.dsr.intake.intake_helpers import image_bytes

    photo = SimpleUploadedFile("id.jpg", image_bytes("JPEG", size=(2000, 1500)))
    data = form_data(client, organization, bits=POW_BITS, documents=[photo])
    response = client.post("/openmotics/request/", data)
    assert response.status_code == 302
    assert watch.decoded == [(2000, 1500)]  # decoded once, to re-encode it without metadata
    assert Attachment.objects.count() == 1
