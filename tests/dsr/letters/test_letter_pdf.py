"""The PDF itself: tagged PDF/A-2a with its metadata, signed (PAdES) and verifiable,
time-stamped by the organisation's TSA, stored encrypted with its sha256 (issue 6).

veraPDF (the reference PDF/A validator) is a Java program that cannot be installed here;
these tests check what it would check first: the PDF/A identification in the XMP
metadata, the output intent, the structure tree of a tagged PDF, every font embedded,
the document information agreeing with the XMP metadata, and that signing keeps all of it.
"""

from __future__ import annotations

import hashlib
import io
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest
from letter_helpers import CERTIFICATE_PASSWORD, issue_and_render, make_state, pdf_text
from pypdf import PdfReader

from dsr import audit, crypto
from dsr.letters import services, signing
from dsr.models import Event, EventKind, LetterKind, LetterStatus, Right

pytestmark = pytest.mark.django_db


@pytest.fixture
def refusal(signed_organization, make_request, officer, officer_actor):
    request = make_state(
        make_request, officer_actor, right=Right.ACCESS, state="refused", language="nl"
    )
    return issue_and_render(request, LetterKind.REFUSAL, officer)


def _xmp(reader: PdfReader) -> str:
    return reader.trailer["/Root"]["/Metadata"].get_object().get_data().decode()


def _trust_root(organization):
    from asn1crypto import x509 as asn1_x509
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.serialization import pkcs12

    data = crypto.decrypt(bytes(organization.signing_certificate))
    _key, certificate, _chain = pkcs12.load_key_and_certificates(
        data, CERTIFICATE_PASSWORD.encode()
    )
    return asn1_x509.Certificate.load(certificate.public_bytes(serialization.Encoding.DER))


def _validate(pdf: bytes, organization):
    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.sign.validation import validate_pdf_signature
    from pyhanko_certvalidator import ValidationContext

    reader = PdfFileReader(io.BytesIO(pdf))
    (signature,) = reader.embedded_signatures
    return validate_pdf_signature(
        signature, ValidationContext(trust_roots=[_trust_root(organization)])
    )


def test_letter_is_tagged_pdf_a_2a_with_title_author_and_creation_date(refusal):
    pdf = services.letter_read(refusal)
    reader = PdfReader(io.BytesIO(pdf))
    root = reader.trailer["/Root"]
    xmp = _xmp(reader)

    assert 'pdfaid:part="2"' in xmp and 'pdfaid:conformance="A"' in xmp
    assert "/StructTreeRoot" in root and root["/MarkInfo"]["/Marked"]
    assert root["/Lang"] == "nl"
    (intent,) = root["/OutputIntents"]
    assert intent.get_object()["/S"] == "/GTS_PDFA1"
    assert "/DestOutputProfile" in intent.get_object()

    reference = refusal.request.reference
    info = reader.metadata
    assert reference in info["/Title"] and reference in xmp
    assert info["/Author"] == "OpenMotics BVBA" and "<rdf:li>OpenMotics BVBA</rdf:li>" in xmp
    assert info["/CreationDate"].startswith("D:" + refusal.letter_date.strftime("%Y%m%d"))
    assert "xmp:CreateDate" in xmp
    # PDF/A: the document information and the XMP metadata must agree (pyHanko's producer).
    assert info["/Producer"].startswith("pyHanko")
    assert f'pdf:Producer="{info["/Producer"]}"' in xmp

    for page in reader.pages:
        for font in page["/Resources"]["/Font"].values():
            font = font.get_object()
            descendant = font["/DescendantFonts"][0].get_object()
            assert "/FontFile2" in descendant["/FontDescriptor"], font["/BaseFont"]


def test_stored_file_is_encrypted_and_matches_its_recorded_sha256(refusal):
    raw = refusal.file.read()
    refusal.file.close()
    assert not raw.startswith(b"%PDF")
    pdf = crypto.decrypt(raw)
    assert pdf.startswith(b"%PDF-1.7")
    assert hashlib.sha256(pdf).hexdigest() == refusal.sha256
    assert refusal.size == len(pdf) and refusal.signed
    ready = Event.objects.get(kind=EventKind.LETTER_READY, data__letter=refusal.pk)
    assert ready.data["sha256"] == refusal.sha256


def test_a_stored_letter_that_was_changed_is_refused(refusal):
    name = refusal.file.name
    pdf = bytearray(services.letter_read(refusal))
    pdf[100] ^= 1
    with refusal.file.storage.open(name, "wb") as handle:
        handle.write(crypto.encrypt(bytes(pdf)))
    with pytest.raises(services.LetterIntegrityError):
        services.letter_read(refusal)


def test_signature_validates_and_one_changed_byte_breaks_it(refusal, signed_organization):
    pdf = services.letter_read(refusal)
    status = _validate(pdf, signed_organization)
    assert status.intact and status.valid and status.bottom_line
    assert status.coverage.name == "ENTIRE_FILE"
    assert status.signing_cert.sha256.hex() == signed_organization.signing_certificate_fingerprint

    tampered = bytearray(pdf)
    position = len(pdf) // 3  # inside the signed byte range, in the page content
    tampered[position] ^= 0x01
    status = _validate(bytes(tampered), signed_organization)
    assert not status.intact and not status.bottom_line


def test_signature_box_is_a_visible_printed_widget_on_the_signature(refusal):
    reader = PdfReader(io.BytesIO(services.letter_read(refusal)))
    widgets = [
        annotation.get_object()
        for page in reader.pages
        for annotation in page.get("/Annots", [])
        if annotation.get_object().get("/FT") == "/Sig"
    ]
    (widget,) = widgets
    x1, y1, x2, y2 = (float(v) for v in widget["/Rect"])
    assert x2 - x1 > 150 and y2 - y1 > 30  # 75 x 15 mm: visible
    assert int(widget["/F"]) & 4  # printed (PDF/A requires the print flag)
    text = pdf_text(services.letter_read(refusal))
    assert "Digitaal ondertekend (PAdES)" in text


def test_organisation_without_certificate_issues_unsigned_pdf_a(
    organization, make_request, officer, officer_actor
):
    request = make_state(
        make_request, officer_actor, right=Right.ACCESS, state="open", language="en"
    )
    letter = issue_and_render(request, LetterKind.ACKNOWLEDGEMENT, officer)
    pdf = services.letter_read(letter)
    reader = PdfReader(io.BytesIO(pdf))
    assert not letter.signed and "/AcroForm" not in reader.trailer["/Root"]
    assert 'pdfaid:conformance="A"' in _xmp(reader)
    assert reader.metadata["/Producer"].startswith("WeasyPrint")
    assert "Digitally signed" not in pdf_text(pdf)


class _TimeStampAuthority(BaseHTTPRequestHandler):
    """An RFC 3161 time-stamp authority on 127.0.0.1, signing with pyHanko's test TSA."""

    stamper = None
    hits: list[str] = []

    def do_POST(self) -> None:
        from asn1crypto import tsp

        body = self.rfile.read(int(self.headers["Content-Length"]))
        self.hits.append(self.headers.get("Content-Type", ""))
        response = self.stamper.request_tsa_response(tsp.TimeStampReq.load(body))
        data = response.dump()
        self.send_response(200)
        self.send_header("Content-Type", "application/timestamp-reply")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def timestamp_authority():
    """A real TSA over HTTP on the loopback interface, with its own self-signed RSA certificate."""
    from datetime import UTC, datetime, timedelta

    from asn1crypto import keys
    from asn1crypto import x509 as asn1_x509
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import rsa
    from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID
    from pyhanko.sign.timestamps import DummyTimeStamper

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Test TSA")])
    now = datetime.now(UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(days=1))
        .not_valid_after(now + timedelta(days=30))
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.TIME_STAMPING]), critical=True)
        .sign(key, hashes.SHA256())
    )
    tsa_certificate = asn1_x509.Certificate.load(
        certificate.public_bytes(serialization.Encoding.DER)
    )
    tsa_key = keys.PrivateKeyInfo.load(
        key.private_bytes(
            serialization.Encoding.DER,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    handler = type(
        "Handler",
        (_TimeStampAuthority,),
        {"stamper": DummyTimeStamper(tsa_cert=tsa_certificate, tsa_key=tsa_key), "hits": []},
    )
    server = HTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/", handler, tsa_certificate
    finally:
        server.shutdown()
        server.server_close()


def test_signature_carries_a_time_stamp_from_the_configured_tsa(
    signed_organization, make_request, officer, officer_actor, timestamp_authority
):
    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.sign.validation import validate_pdf_signature
    from pyhanko_certvalidator import ValidationContext

    url, handler, tsa_certificate = timestamp_authority
    signed_organization.timestamp_url = url
    signed_organization.save()
    request = make_state(
        make_request, officer_actor, right=Right.ACCESS, state="open", language="fr"
    )
    letter = issue_and_render(request, LetterKind.ACKNOWLEDGEMENT, officer)

    assert handler.hits == ["application/timestamp-query"]
    assert letter.timestamped
    pdf = services.letter_read(letter)
    (signature,) = PdfFileReader(io.BytesIO(pdf)).embedded_signatures
    status = validate_pdf_signature(
        signature,
        ValidationContext(trust_roots=[_trust_root(signed_organization)]),
        ts_validation_context=ValidationContext(trust_roots=[tsa_certificate]),
    )
    assert status.bottom_line and status.intact
    assert status.timestamp_validity is not None and status.timestamp_validity.valid
    assert status.timestamp_validity.intact


def test_tsa_that_does_not_answer_is_retried_then_fails_the_letter(
    signed_organization, make_request, officer, officer_actor
):
    """The task retries what may pass (a TSA down); this is the path it takes at the end."""
    import socket

    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    signed_organization.timestamp_url = f"http://127.0.0.1:{port}/"
    signed_organization.save()
    request = make_state(
        make_request, officer_actor, right=Right.ACCESS, state="open", language="en"
    )
    from letter_helpers import issue

    letter = issue(request, LetterKind.ACKNOWLEDGEMENT, officer)
    with pytest.raises(services.transient_errors()):
        services.letter_render(letter.pk)
    services.letter_mark_failed(letter_id=letter.pk, error="TimestampRequestError: refused")
    letter.refresh_from_db()
    assert letter.status == LetterStatus.FAILED and not letter.file
    assert Event.objects.filter(kind=EventKind.LETTER_FAILED, data__letter=letter.pk).exists()


def test_certificate_is_checked_and_stored_encrypted(organization, manager, certificate_pkcs12):
    actor = audit.Actor.for_user(manager)
    with pytest.raises(signing.CertificateError, match="password"):
        signing.organization_set_certificate(
            organization=organization, data=certificate_pkcs12, password="wrong", actor=actor
        )
    with pytest.raises(signing.CertificateError):
        signing.organization_set_certificate(
            organization=organization, data=b"%PDF-1.7 not a p12", password="x", actor=actor
        )
    info = signing.organization_set_certificate(
        organization=organization,
        data=certificate_pkcs12,
        password=CERTIFICATE_PASSWORD,
        actor=actor,
    )
    organization.refresh_from_db()
    stored = bytes(organization.signing_certificate)
    assert certificate_pkcs12 not in stored and CERTIFICATE_PASSWORD.encode() not in bytes(
        organization.signing_certificate_password
    )
    assert crypto.decrypt(stored) == certificate_pkcs12
    assert organization.signing_certificate_fingerprint == info.fingerprint
    assert "OpenMotics BVBA" in organization.signing_certificate_subject
    event = Event.objects.get(kind=EventKind.SIGNING_CERTIFICATE_SET)
    assert event.data["fingerprint"] == info.fingerprint and event.request is None


def test_expired_certificate_is_refused():
    from datetime import UTC, datetime, timedelta

    data = signing.self_signed_pkcs12(
        common_name="Old", organization_name="Old", country="BE", password="pw", days=1
    )
    with pytest.raises(signing.CertificateError, match="expired"):
        signing.inspect_pkcs12(data, "pw", now=datetime.now(UTC) + timedelta(days=3))
