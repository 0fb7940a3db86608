"""The request register: the period's requests without personal data, as CSV and as a PDF
signed with the organisation's certificate (read back with pypdf, checked with pyHanko)."""

from __future__ import annotations

import hashlib
import io
import socket

import pytest
from django.urls import reverse
from pypdf import PdfReader
from reports_helpers import csv_rows

from dsr import tasks
from dsr.desk.reports import register
from dsr.letters import signing
from dsr.models import Event, EventKind, RegisterExport
from tests.builders import organization_signed
from tests.dsr.desk.reports.conftest import PERIOD, TODAY, now_is

pytestmark = pytest.mark.django_db

PASSWORD = "register-test-password"
HEADER = [
    "Reference", "Right", "Channel", "Received", "Statutory due date", "Effective due date",
    "Answered", "On time", "Outcome", "Refusal ground",
]  # fmt: skip
# Received in the first half of 2026, in order of receipt (conftest.py): A B C D E G M H K.
IN_ORDER = "ABCDEGMHK"
PERSONAL = ["Jan Peeters", "jan.peeters@example.com", "Kerkstraat", "Which meter?"]


@pytest.fixture
def certificate() -> bytes:
    return signing.self_signed_pkcs12(
        common_name="OpenMotics BVBA register", organization_name="OpenMotics BVBA",
        country="BE", password=PASSWORD,
    )  # fmt: skip


@pytest.fixture
def signed(organization, manager, certificate):
    return organization_signed(organization, manager, certificate=certificate, password=PASSWORD)


def _validate(pdf: bytes, certificate: bytes):
    from asn1crypto import x509 as asn1_x509
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.serialization import pkcs12
    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.sign.validation import validate_pdf_signature
    from pyhanko_certvalidator import ValidationContext

    _key, trusted, _chain = pkcs12.load_key_and_certificates(certificate, PASSWORD.encode())
    root = asn1_x509.Certificate.load(trusted.public_bytes(serialization.Encoding.DER))
    (signature,) = PdfFileReader(io.BytesIO(pdf)).embedded_signatures
    return validate_pdf_signature(signature, ValidationContext(trust_roots=[root]))


def _lines(pdf: bytes) -> list[str]:
    return [
        line.strip()
        for page in PdfReader(io.BytesIO(pdf)).pages
        for line in page.extract_text().splitlines()
    ]


def _text(pdf: bytes) -> str:
    return " ".join(" ".join(_lines(pdf)).split())


def _download(client, name: str, **query):
    """The CSV is a direct download; the PDF is asked for (POST), built by the worker (its
    task called here in-process) and then downloaded from the link the reports page shows."""
    if name == "csv":
        with now_is(TODAY):
            return client.get(reverse("desk:reports_register_csv"), {**PERIOD, **query})
    with now_is(TODAY):
        asked = client.post(reverse("desk:reports_register_pdf"), {**PERIOD, **query})
    assert asked.status_code == 302
    for export in RegisterExport.objects.filter(built_at__isnull=True, error=""):
        tasks.register_export_build.apply(args=[export.pk]).get()
    export = RegisterExport.objects.order_by("-pk").first()
    if export is None or not export.ready:
        return asked
    with now_is(TODAY):
        page = client.get(asked["Location"]).content.decode()
        url = reverse("desk:reports_register_download", args=[export.pk])
        assert url in page
        return client.get(url)


def test_csv_lists_the_periods_requests_in_order_of_receipt_and_nobody_by_name(
    history, desk_client, viewer
):
    response = _download(desk_client(viewer), "csv")
    assert response.status_code == 200
    assert "openmotics-register-2026-01-01_2026-06-30.csv" in response["Content-Disposition"]
    rows = csv_rows(response)
    assert rows[0] == HEADER
    assert [row[0] for row in rows[1:]] == [history[letter].reference for letter in IN_ORDER]
    by_reference = {row[0]: row[1:] for row in rows[1:]}
    # E: paused ten days, so due 15 May instead of 4 May; answered 12 May, on time.
    assert by_reference[history["E"].reference] == [
        "Access (Art. 15)", "E-mail", "2026-04-01", "2026-05-04", "2026-05-15", "2026-05-12",
        "yes", "Carried out in full", "",
    ]  # fmt: skip
    # C: answered 8 April, six days after its due date.
    assert by_reference[history["C"].reference][5:7] == ["2026-04-08", "no"]
    # D: extended to 16 June.
    assert by_reference[history["D"].reference][3:6] == ["2026-04-16", "2026-06-16", "2026-05-20"]
    assert by_reference[history["B"].reference][7:] == [
        "Refused", "Legal obligation or public task (Art. 17(3)(b))",
    ]  # fmt: skip
    assert by_reference[history["G"].reference][5:8] == ["", "", "Withdrawn"]
    assert by_reference[history["H"].reference][5:8] == ["", "", "Open: In progress"]
    body = "\n".join(",".join(row) for row in rows)
    for personal in PERSONAL:
        assert personal not in body
    (recorded,) = Event.objects.filter(kind=EventKind.REGISTER_EXPORTED)
    assert recorded.data == {"start": "2026-01-01", "end": "2026-06-30", "format": "csv"}
    assert recorded.actor_label == viewer.email and recorded.request is None


def test_pdf_is_signed_with_the_organisations_certificate_and_lists_the_same_requests(
    history, signed, certificate, desk_client, officer
):
    response = _download(desk_client(officer), "pdf")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    pdf = response.content
    text = _text(pdf)
    assert "Register of data-subject requests, 2026-01-01 to 2026-06-30" in text
    assert "9 requests received in the period; 7 answered" in text
    assert "1 of them after the effective due date" in text
    for letter in IN_ORDER:
        assert history[letter].reference in text, letter
    for letter in "JIX":  # before or after the period; another organisation
        assert history[letter].reference not in text, letter
    for personal in PERSONAL:
        assert personal not in text
    assert "Digitally signed (PAdES)" in text
    # Laid out as a table: each request is one line of the page, its cells in order.
    assert (
        f"{history['E'].reference} Access (Art. 15) E-mail 2026-04-01 2026-05-04 2026-05-15 "
        "2026-05-12 yes Carried out in full"
    ) in _lines(pdf)

    status = _validate(pdf, certificate)
    assert status.intact and status.valid and status.bottom_line
    assert status.coverage.name == "ENTIRE_FILE"
    assert status.signing_cert.sha256.hex() == signed.signing_certificate_fingerprint
    tampered = bytearray(pdf)
    tampered[len(pdf) // 3] ^= 0x01
    assert not _validate(bytes(tampered), certificate).intact

    (recorded,) = Event.objects.filter(kind=EventKind.REGISTER_EXPORTED)
    assert recorded.data["format"] == "pdf" and recorded.data["requests"] == 9
    assert recorded.data["signed"] is True
    assert recorded.data["sha256"] == hashlib.sha256(pdf).hexdigest()


def test_without_a_certificate_the_pdf_is_not_signed_and_does_not_say_it_is(
    history, desk_client, officer
):
    from pyhanko.pdf_utils.reader import PdfFileReader

    page = desk_client(officer).get("/desk/reports/", PERIOD).content.decode()
    assert "Register as PDF (not signed: no certificate)" in page
    response = _download(desk_client(officer), "pdf")
    assert response.status_code == 200
    assert list(PdfFileReader(io.BytesIO(response.content)).embedded_signatures) == []
    assert "Digitally signed" not in _text(response.content)
    assert history["A"].reference in _text(response.content)


def _attached(pdf: bytes) -> dict[str, bytes]:
    return {name: data for name, (data, *_more) in PdfReader(io.BytesIO(pdf)).attachments.items()}


def test_the_pdf_carries_the_whole_register_as_csv_covered_by_the_signature(
    history, signed, certificate, desk_client, officer
):
    client = desk_client(officer)
    pdf = _download(client, "pdf").content
    name = "openmotics-register-2026-01-01_2026-06-30.csv"
    assert _attached(pdf) == {name: b"".join(_download(client, "csv").streaming_content)}
    assert f"The whole register is attached to this PDF as the file “{name}”" in _text(pdf)
    assert "covered by the signature" in _text(pdf)
    root = PdfReader(io.BytesIO(pdf)).trailer["/Root"]
    xmp = root["/Metadata"].get_object().get_data().decode()
    assert 'pdfaid:part="3"' in xmp and 'pdfaid:conformance="A"' in xmp  # PDF/A-3a: any file
    assert "/AF" in root  # the file's relationship to the document, as PDF/A-3 requires
    assert _validate(pdf, certificate).bottom_line


def test_a_register_longer_than_the_table_is_read_in_its_attachment(
    history, signed, certificate, desk_client, officer, monkeypatch
):
    monkeypatch.setattr(register, "PDF_MAX_ROWS", 8)
    client = desk_client(officer)
    response = _download(client, "pdf")
    assert response.status_code == 200
    text = _text(response.content)
    assert "The register has 9 requests, more than the 8 this PDF lays out as a table" in text
    assert history["A"].reference not in text  # no table
    (csv_file,) = _attached(response.content).values()
    assert [row.split(",")[0] for row in csv_file.decode().splitlines()[1:]] == [
        history[letter].reference for letter in IN_ORDER
    ]
    assert _validate(response.content, certificate).bottom_line
    (recorded,) = Event.objects.filter(kind=EventKind.REGISTER_EXPORTED)
    assert recorded.data["requests"] == 9


def test_a_register_too_long_for_a_pdf_says_so_and_records_nothing(
    history, desk_client, officer, monkeypatch
):
    monkeypatch.setattr(register, "PDF_ATTACHED_MAX_ROWS", 8)
    client = desk_client(officer)
    response = _download(client, "pdf")
    assert response.status_code == 302
    assert response["Location"] == "/desk/reports/?start=2026-01-01&end=2026-06-30#register"
    assert not RegisterExport.objects.exists()
    with now_is(TODAY):
        page = client.get(response["Location"]).content.decode()
    assert "The register of this period has 9 requests, more than the 8 a PDF can hold" in page
    assert not Event.objects.filter(kind=EventKind.REGISTER_EXPORTED).exists()


def test_a_time_stamp_service_that_does_not_answer_is_a_message_not_an_error(
    history, signed, desk_client, officer
):
    client = desk_client(officer)
    with socket.socket() as silent:  # bound but never listening: connections are refused
        silent.bind(("127.0.0.1", 0))
        signed.timestamp_url = f"http://127.0.0.1:{silent.getsockname()[1]}/"
        signed.save()
        response = _download(client, "pdf")
    assert response.status_code == 302
    with now_is(TODAY):
        page = client.get(response["Location"]).content.decode()
    assert "could not be signed now" in page
    assert not Event.objects.filter(kind=EventKind.REGISTER_EXPORTED).exists()
    assert RegisterExport.objects.get().error  # asked again, it is built afresh
