"""PAdES signatures on letters with the organisation's own certificate (pyHanko).

A manager uploads a PKCS#12 file and its password on the letter settings page; both are
stored encrypted (dsr.crypto) and never shown again. The worker loads the signer once per
process and certificate (loading a PKCS#12 and an RSA key is slow; signing is not), and
signs each letter with a PAdES baseline signature whose visible box is the "digitally
signed" box the letter layout drew. When the organisation configures a time-stamp
authority, the signature carries an RFC 3161 time-stamp from it (PAdES B-T), asked for
through the egress policy (dsr/egress.py): a TSA URL on an address the policy refuses is
never called, and the error names the refusal, not what answered.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import lru_cache
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.hazmat.primitives.asymmetric.padding import PKCS1v15
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import NameOID
from django.db import transaction

from accounts.models import Organization
from dsr import audit, crypto, egress
from dsr.models import EventKind

FIELD_NAME = "Signature"
MAX_PKCS12_BYTES = 64 * 1024
# Room for the CMS signature container, in bytes: the certificates plus the signature,
# and a time-stamp token with its own certificates when a TSA is configured.
RESERVED_BASE = 8192
RESERVED_TIMESTAMP = 12288
TIMESTAMP_TIMEOUT_SECONDS = 10
# A time-stamp reply is a token and a few certificates: a few kilobytes.
MAX_TIMESTAMP_REPLY_BYTES = 256 * 1024


class CertificateError(ValueError):
    """The uploaded file cannot be used to sign letters; the message says why."""


@dataclass(frozen=True)
class CertificateInfo:
    subject: str
    fingerprint: str  # sha256 of the certificate (DER), hex
    not_after: datetime


def inspect_pkcs12(data: bytes, password: str, *, now: datetime | None = None) -> CertificateInfo:
    """Check that `data` is a PKCS#12 file with a usable signing key and certificate."""
    if not data:
        raise CertificateError("The file is empty.")
    if len(data) > MAX_PKCS12_BYTES:
        raise CertificateError("The file is too large for a PKCS#12 certificate (64 KB at most).")
    try:
        key, certificate, _chain = pkcs12.load_key_and_certificates(
            data, password.encode() if password else None
        )
    except ValueError:
        raise CertificateError(
            "This is not a PKCS#12 (.p12/.pfx) file, or the password is wrong."
        ) from None
    if key is None or certificate is None:
        raise CertificateError("The file must contain both the private key and its certificate.")
    if isinstance(key, rsa.RSAPrivateKey):
        if key.key_size < 2048:
            raise CertificateError("The RSA key is shorter than 2048 bits.")
    elif not isinstance(key, ec.EllipticCurvePrivateKey):
        raise CertificateError("Only RSA and elliptic-curve keys are supported.")
    public = certificate.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    own = key.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    if public != own:
        raise CertificateError("The private key does not belong to the certificate.")
    now = now or datetime.now(UTC)
    if certificate.not_valid_after_utc <= now:
        raise CertificateError("The certificate has expired.")
    if certificate.not_valid_before_utc > now:
        raise CertificateError("The certificate is not valid yet.")
    fingerprint = certificate.fingerprint(hashes.SHA256()).hex()
    return CertificateInfo(
        subject=certificate.subject.rfc4514_string()[:300],
        fingerprint=fingerprint,
        not_after=certificate.not_valid_after_utc,
    )


@transaction.atomic
def organization_set_certificate(
    *, organization: Organization, data: bytes, password: str, actor: audit.Actor
) -> CertificateInfo:
    """Store a checked PKCS#12 and its password, encrypted; record who did it."""
    info = inspect_pkcs12(data, password)
    organization = Organization.objects.select_for_update(no_key=True).get(pk=organization.pk)
    organization.signing_certificate = crypto.encrypt(data)
    organization.signing_certificate_password = crypto.encrypt(password.encode())
    organization.signing_certificate_subject = info.subject
    organization.signing_certificate_fingerprint = info.fingerprint
    organization.signing_certificate_not_after = info.not_after
    organization.save(
        update_fields=[
            "signing_certificate",
            "signing_certificate_password",
            "signing_certificate_subject",
            "signing_certificate_fingerprint",
            "signing_certificate_not_after",
        ]
    )
    audit.record(
        organization=organization,
        kind=EventKind.SIGNING_CERTIFICATE_SET,
        actor=actor,
        data={
            "fingerprint": info.fingerprint,
            "subject": info.subject,
            "not_after": info.not_after,
        },
    )
    return info


def _signer_class() -> type:
    from pyhanko.sign.signers import SimpleSigner
    from pyhanko_certvalidator.util import get_pyca_cryptography_hash

    class LetterSigner(SimpleSigner):
        """pyHanko's SimpleSigner, keeping the loaded private key.

        SimpleSigner parses the key from DER for every signature, and checking an RSA key
        takes longer than rendering half a letter; the key never changes, so parse it once.
        """

        _private_key: Any = None

        def sign_raw(self, data: bytes, digest_algorithm: str) -> bytes:
            mechanism = self.get_signature_mechanism_for_digest(digest_algorithm)
            name = mechanism["algorithm"].native
            if name not in ("rsassa_pkcs1v15", "ecdsa") and not name.endswith("_ecdsa"):
                return super().sign_raw(data, digest_algorithm)
            if self._private_key is None:
                self._private_key = serialization.load_der_private_key(
                    self.signing_key.dump(), password=None
                )
            hash_algorithm = get_pyca_cryptography_hash(digest_algorithm)
            if isinstance(self._private_key, rsa.RSAPrivateKey):
                return self._private_key.sign(data, PKCS1v15(), hash_algorithm)
            return self._private_key.sign(data, ec.ECDSA(hash_algorithm))

    return LetterSigner


def _timestamper_class() -> type:
    from asn1crypto import tsp
    from pyhanko.sign.timestamps import TimeStamper, TimestampRequestError

    class EgressTimeStamper(TimeStamper):
        """An RFC 3161 client whose one HTTP call goes through the egress policy.

        Errors are pyHanko's TimestampRequestError (an OSError: the letter task and the
        register retry them) with the policy's words, never the answer's body."""

        def __init__(self, url: str, *, timeout: float = TIMESTAMP_TIMEOUT_SECONDS) -> None:
            super().__init__()
            self.url = url
            self.timeout = timeout

        async def async_request_tsa_response(self, req: tsp.TimeStampReq) -> tsp.TimeStampResp:
            import asyncio

            return await asyncio.to_thread(self._post, req.dump())

        def _post(self, query: bytes) -> tsp.TimeStampResp:
            try:
                response = egress.request(
                    "POST",
                    self.url,
                    body=query,
                    headers={"Content-Type": "application/timestamp-query"},
                    timeout=self.timeout,
                    max_bytes=MAX_TIMESTAMP_REPLY_BYTES,
                )
            except egress.EgressError as error:
                raise TimestampRequestError(f"time-stamp authority {error}") from None
            if response.status != 200:
                raise TimestampRequestError(
                    f"time-stamp authority answered {egress.status_text(response)}"
                )
            content_type = response.headers.get("content-type", "").split(";")[0].strip()
            if content_type != "application/timestamp-reply":
                raise TimestampRequestError("time-stamp authority sent no time-stamp reply")
            try:
                reply = tsp.TimeStampResp.load(response.body)
                reply["status"].native  # noqa: B018 — parse now: a broken reply fails here
            except (ValueError, TypeError):
                raise TimestampRequestError(
                    "time-stamp authority sent no time-stamp reply"
                ) from None
            return reply

    return EgressTimeStamper


def timestamper_for(url: str) -> Any | None:
    """The organisation's time-stamp client, or None when it has no TSA."""
    return _timestamper_class()(url) if url else None


@lru_cache(maxsize=16)
def _load_signer(organization_id: int, fingerprint: str, encrypted: bytes, password: bytes):
    from pyhanko.sign.signers import SimpleSigner

    loaded = SimpleSigner.load_pkcs12_data(
        crypto.decrypt(encrypted), other_certs=[], passphrase=crypto.decrypt(password) or None
    )
    return _signer_class()(
        signing_cert=loaded.signing_cert,
        signing_key=loaded.signing_key,
        cert_registry=loaded.cert_registry,
    )


def signer_for(organization: Organization) -> Any | None:
    """The organisation's signer, or None when it has no certificate."""
    if not organization.signing_certificate:
        return None
    return _load_signer(
        organization.pk,
        organization.signing_certificate_fingerprint,
        bytes(organization.signing_certificate),
        bytes(organization.signing_certificate_password),
    )


def sign_for(organization: Organization, rendered: Any, *, signer: Any, reason: str) -> bytes:
    """Sign a document laid out by `render.render_pdf(..., for_signing=True)` in the
    signature box it drew, as `organization` signs: its city, its time-stamp service."""
    if rendered.signature_box is None:
        raise ValueError("The layout has no signature box.")
    page_index, box = rendered.signature_box
    return sign_pdf(
        rendered.pdf,
        signer=signer,
        page_index=page_index,
        box=box,
        location=organization.city,
        reason=reason,
        timestamp_url=organization.timestamp_url,
    )


def sign_pdf(
    pdf: bytes,
    *,
    signer: Any,
    page_index: int,
    box: tuple[float, float, float, float],
    location: str = "",
    reason: str = "",
    timestamp_url: str = "",
) -> bytes:
    """Sign `pdf` (PAdES) with a visible signature field over `box` on that page.

    The box's appearance is empty: what it says was laid out by the letter itself, in the
    letter's fonts, so the signed PDF stays PDF/A (no unembedded font is introduced).
    """
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
    from pyhanko.sign import fields, signers
    from pyhanko.stamp import StaticStampStyle

    writer = IncrementalPdfFileWriter(io.BytesIO(pdf))
    metadata = signers.PdfSignatureMetadata(
        field_name=FIELD_NAME,
        md_algorithm="sha256",
        subfilter=fields.SigSeedSubFilter.PADES,
        location=location or None,
        reason=reason or None,
    )
    timestamper = timestamper_for(timestamp_url)
    pdf_signer = signers.PdfSigner(
        metadata,
        signer=signer,
        timestamper=timestamper,
        stamp_style=StaticStampStyle(border_width=0, background=None),
        new_field_spec=fields.SigFieldSpec(sig_field_name=FIELD_NAME, on_page=page_index, box=box),
    )
    output = io.BytesIO()
    reserved = RESERVED_BASE + sum(len(c.dump()) for c in signer.cert_registry) * 2
    if timestamper is not None:
        reserved += RESERVED_TIMESTAMP
    pdf_signer.sign_pdf(writer, output=output, bytes_reserved=reserved)
    return output.getvalue()


def self_signed_pkcs12(
    *, common_name: str, organization_name: str, country: str, password: str, days: int = 3650
) -> bytes:
    """A self-signed signing certificate in a PKCS#12 file (demo data and tests).

    Real organisations upload a certificate issued by a trust-service provider; a
    self-signed one proves integrity but not, to a third party, who signed."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name(
        [
            x509.NameAttribute(NameOID.COMMON_NAME, common_name[:64]),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, organization_name[:64]),
            x509.NameAttribute(NameOID.COUNTRY_NAME, country),
        ]
    )
    now = datetime.now(UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(days=1))
        .not_valid_after(now + timedelta(days=days))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=True,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=False,
                crl_sign=False,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .sign(key, hashes.SHA256())
    )
    return pkcs12.serialize_key_and_certificates(
        common_name.encode()[:64],
        key,
        certificate,
        None,
        serialization.BestAvailableEncryption(password.encode()),
    )
