"""`manage.py rotate_encryption_key` (dsr/keyrotation.py): every stored object and encrypted
field ends up under the newest key; the old key can then be removed and everything still
reads through the desk's own read paths. Resumable after a crash, with a dry run.

Runs on the file system, and on the S3 bucket when the service leg's server is configured
(the `s3` marker: the same tests against moto's HTTP server).
"""

from __future__ import annotations

import hashlib
import io
import logging
import os
from datetime import date, timedelta

import pytest
from cryptography.fernet import Fernet
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.management import CommandError, call_command
from django.utils import timezone

from dsr import crypto, keyrotation
from dsr.attachments import attachment_read, branding_content, branding_read
from dsr.fulfilment.packages import package_chunks
from dsr.fulfilment.streams import CHUNK_BYTES, EncryptedUpload, stored_chunks
from dsr.letters.printing import print_batch_read
from dsr.letters.stored import letter_read
from dsr.models import (
    Attachment,
    ConnectorKind,
    DataPackage,
    DataSource,
    Job,
    JobStep,
    Letter,
    LetterKind,
    LetterStatus,
    PrintBatch,
    PrintBatchStatus,
    RegisterExport,
    Right,
    WebhookEndpoint,
)
from tests.builders import blank_pdf, identity_document, png

OLD = Fernet.generate_key().decode()
NEW = Fernet.generate_key().decode()

pytestmark = pytest.mark.django_db


@pytest.fixture(params=["filesystem", pytest.param("s3", marks=pytest.mark.s3)])
def storage_kind(request, settings):
    """Each test on the local file system and (marker `s3`) on the configured bucket."""
    from tests.conftest import s3_configured

    if request.param == "filesystem" and s3_configured():
        settings.STORAGES = {
            **settings.STORAGES,
            "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
        }
    return request.param


def _store(prefix: str, plaintext: bytes) -> str:
    return default_storage.save(f"{prefix}/{os.urandom(8).hex()}.enc", ContentFile(plaintext))


def _chunked(name: str, plaintext: bytes) -> str:
    upload = EncryptedUpload()
    upload.stream.write(plaintext)
    return upload.save(name)


class World:
    """One of everything the desk encrypts, written under the OLD key."""

    def __init__(self, request, officer) -> None:
        self.pdf = blank_pdf()
        # Through the desk's own service (re-encoded, encrypted, stored).
        self.attachment = identity_document(request)
        self.scan = attachment_read(self.attachment)
        self.letter = Letter.objects.create(
            request=request,
            kind=LetterKind.ACKNOWLEDGEMENT,
            language="en",
            status=LetterStatus.READY,
            letter_date=date(2026, 3, 2),
            issued_at=timezone.now(),
            file=_store("letters", crypto.encrypt(self.pdf)),
            sha256=hashlib.sha256(self.pdf).hexdigest(),
            size=len(self.pdf),
        )
        self.batch = PrintBatch.objects.create(
            organization=request.organization,
            status=PrintBatchStatus.READY,
            file=_store("print", crypto.encrypt(self.pdf)),
        )
        self.register = RegisterExport.objects.create(
            organization=request.organization,
            period_start=date(2026, 1, 1),
            period_end=date(2026, 12, 31),
            language="en",
            requested_at=timezone.now(),
            file=_store("registers", crypto.encrypt(self.pdf)),
        )
        self.source = DataSource(
            organization=request.organization, name="Platform", kind=ConnectorKind.MANUAL
        )
        self.source.set_secrets({"password": "hunter2-source"})
        self.source.save()
        self.job = Job.objects.create(
            request=request,
            right=Right.ACCESS,
            planned_at=timezone.now(),
            parameters_encrypted=crypto.encrypt(b'{"corrections": {}}').decode(),
        )
        # Several chunks, so streaming and the first-chunk check are both exercised.
        self.big = os.urandom(2 * CHUNK_BYTES + 12345)
        self.part = _chunked(f"parts/{os.urandom(6).hex()}/t.json.enc", b'[{"kWh": 3}]')
        self.step = JobStep.objects.create(
            job=self.job,
            source=self.source,
            state={"files": [{"name": "t", "json": self.part, "csv": "", "preview": ""}]},
        )
        self.package = DataPackage.objects.create(
            job=self.job,
            request=request,
            file=_chunked(f"packages/{request.organization_id}/p.zip.enc", self.big),
            expires_at=timezone.now() + timedelta(days=7),
            max_downloads=5,
        )
        self.webhook = WebhookEndpoint.objects.create(
            organization=request.organization,
            url="https://hooks.example.com/dsr",
            secret=crypto.encrypt(b"whsec-secret"),
        )
        organization = request.organization
        # The logo as the settings page stores it: encrypted, under a random name.
        self.logo_png = png()
        organization.logo = branding_content(self.logo_png)
        organization.signing_certificate = crypto.encrypt(b"PKCS12-bytes")
        organization.signing_certificate_password = crypto.encrypt(b"p12-password")
        organization.save()
        self.organization = organization

    def objects(self) -> list[str]:
        return [
            self.attachment.file.name,
            self.letter.file.name,
            self.batch.file.name,
            self.register.file.name,
            self.part,
            self.package.file.name,
            self.organization.logo.name,
        ]

    def assert_all_readable(self) -> None:
        """Through the desk's own read paths, with whatever keys are configured now."""
        assert attachment_read(Attachment.objects.get(pk=self.attachment.pk)) == self.scan
        assert letter_read(Letter.objects.get(pk=self.letter.pk)) == self.pdf
        assert print_batch_read(PrintBatch.objects.get(pk=self.batch.pk)) == self.pdf
        with default_storage.open(self.register.file.name, "rb") as handle:
            assert crypto.decrypt(handle.read()) == self.pdf
        assert b"".join(stored_chunks(self.part)) == b'[{"kWh": 3}]'
        assert b"".join(package_chunks(DataPackage.objects.get(pk=self.package.pk))) == self.big
        assert DataSource.objects.get(pk=self.source.pk).secrets == {"password": "hunter2-source"}
        job = Job.objects.get(pk=self.job.pk)
        assert crypto.decrypt(job.parameters_encrypted.encode()) == b'{"corrections": {}}'
        webhook = WebhookEndpoint.objects.get(pk=self.webhook.pk)
        assert crypto.decrypt(bytes(webhook.secret)) == b"whsec-secret"
        organization = type(self.organization).objects.get(pk=self.organization.pk)
        assert branding_read(organization.logo, 2 * 1024 * 1024) == self.logo_png
        assert crypto.decrypt(bytes(organization.signing_certificate)) == b"PKCS12-bytes"
        assert crypto.decrypt(bytes(organization.signing_certificate_password)) == b"p12-password"


@pytest.fixture
def world(storage_kind, settings, make_request, officer) -> World:
    settings.ENCRYPTION_KEYS = [OLD]
    return World(make_request(), officer)


def run(*arguments: str) -> str:
    out = io.StringIO()
    call_command("rotate_encryption_key", *arguments, stdout=out)
    return out.getvalue()


def raw(name: str) -> bytes:
    with default_storage.open(name, "rb") as handle:
        return handle.read()


def test_rotation_then_the_old_key_can_go(world, settings, caplog):
    settings.ENCRYPTION_KEYS = [NEW, OLD]
    before = {name: raw(name) for name in world.objects()}
    with caplog.at_level(logging.INFO, logger="dsr.keyrotation"):
        output = run()
    assert "12 rotated" in output  # 7 objects and 5 encrypted fields
    assert "0 unreadable" in output
    assert "2 missing" not in output
    # Every object was rewritten in place, under the same name: the rows still find it.
    for name, old in before.items():
        assert raw(name) != old
    settings.ENCRYPTION_KEYS = [NEW]
    world.assert_all_readable()
    # The log line says that a rotation ran and how it went, naming no secret.
    (line,) = [r.getMessage() for r in caplog.records if "key rotation" in r.getMessage()]
    assert "ran" in line and "12 rotated" in line
    assert keyrotation.fingerprint(NEW) in line
    for secret in (NEW, OLD, "hunter2", "whsec", "p12-password"):
        assert secret not in line and secret not in output


def test_without_rotation_removing_the_old_key_breaks_reading(world, settings):
    """The test above can fail: without the command, the new key alone reads nothing."""
    settings.ENCRYPTION_KEYS = [NEW]
    with pytest.raises(crypto.InvalidToken):
        attachment_read(Attachment.objects.get(pk=world.attachment.pk))
    with pytest.raises(crypto.InvalidToken):
        b"".join(package_chunks(DataPackage.objects.get(pk=world.package.pk)))


def test_dry_run_counts_and_changes_nothing(world, settings):
    settings.ENCRYPTION_KEYS = [NEW, OLD]
    before = {name: raw(name) for name in world.objects()}
    output = run("--dry-run")
    assert "12 to rotate" in output and "0 rotated" in output
    assert "Nothing was changed" in output
    assert {name: raw(name) for name in world.objects()} == before
    settings.ENCRYPTION_KEYS = [NEW]
    with pytest.raises(crypto.InvalidToken):
        _ = DataSource.objects.get(pk=world.source.pk).secrets


def test_a_crash_halfway_and_a_rerun_finishes_skipping_what_was_done(world, settings, monkeypatch):
    settings.ENCRYPTION_KEYS = [NEW, OLD]
    replaced = []
    real_replace = keyrotation._replace

    def crash_after_three(item, spooled, size):
        if len(replaced) == 3:
            raise KeyboardInterrupt("the operator's terminal closed")
        replaced.append(item.name)
        return real_replace(item, spooled, size)

    monkeypatch.setattr(keyrotation, "_replace", crash_after_three)
    with pytest.raises(KeyboardInterrupt):
        run()
    monkeypatch.setattr(keyrotation, "_replace", real_replace)
    # Whatever was interrupted is whole: the old key still reads it all.
    world.assert_all_readable()
    reads = []
    real_open = default_storage.open

    def counting_open(name, mode="rb"):
        reads.append(name)
        return real_open(name, mode)

    default_storage.exists("x")  # the lazy storage made, so its instance can be patched
    monkeypatch.setattr(default_storage._wrapped, "open", counting_open)
    report = keyrotation.rotate()
    monkeypatch.undo()
    # Fields were done in the first run (they come first); 3 objects too.
    assert report.total(keyrotation.CURRENT) == 5 + 3
    assert report.total(keyrotation.ROTATED) == 4
    # Skipping costs one read per object; a chunked object rotated now (the package and
    # the part come late) is read a second time to copy it, not more.
    assert len(reads) == 7 + 2
    settings.ENCRYPTION_KEYS = [NEW]
    world.assert_all_readable()
    # A third run finds nothing to do.
    settings.ENCRYPTION_KEYS = [NEW, OLD]
    assert "0 rotated" in run() and "12 already current" in run("--dry-run")


def test_no_leftover_files_next_to_the_objects(world, settings, storage_kind):
    settings.ENCRYPTION_KEYS = [NEW, OLD]
    run()
    if storage_kind == "filesystem":
        leftovers = [
            path
            for path in __import__("pathlib").Path(settings.MEDIA_ROOT).rglob("*")
            if path.name.startswith(".rotating-")
        ]
        assert leftovers == []
    else:
        keys = default_storage.keys()
        assert len(keys) == len(world.objects())


def test_an_object_deleted_meanwhile_is_not_brought_back(world, settings, monkeypatch):
    """The identity document is destroyed while the command re-encrypts it: the row no
    longer names it when the command would put it back, so it stays gone."""
    settings.ENCRYPTION_KEYS = [NEW, OLD]
    name = world.attachment.file.name
    real_replace = keyrotation._replace

    def destroy_first(item, spooled, size):
        if item.name == name:
            Attachment.objects.filter(pk=world.attachment.pk).update(
                file="", destroyed_at=timezone.now()
            )
            default_storage.delete(name)
        return real_replace(item, spooled, size)

    monkeypatch.setattr(keyrotation, "_replace", destroy_first)
    report = keyrotation.rotate()
    assert report.counts["attachment"][keyrotation.GONE] == 1
    assert not default_storage.exists(name)


def test_an_object_under_no_configured_key_is_reported_not_destroyed(world, settings):
    stranger = Fernet.generate_key().decode()
    settings.ENCRYPTION_KEYS = [stranger]
    foreign = crypto.encrypt(b"%PDF-1.7 another install's letter")
    default_storage.delete(world.letter.file.name)
    default_storage.save(world.letter.file.name, ContentFile(foreign))
    settings.ENCRYPTION_KEYS = [NEW, OLD]
    with pytest.raises(CommandError) as error:
        run()
    assert f"dsr.Letter#{world.letter.pk}" in str(error.value)
    assert raw(world.letter.file.name) == foreign  # left exactly as it was
    settings.ENCRYPTION_KEYS = [NEW]
    assert attachment_read(Attachment.objects.get(pk=world.attachment.pk)) == world.scan


def test_plain_branding_images_are_reported_and_left_alone(world, settings):
    """Logos stored before branding images were encrypted: read as they are, left alone."""
    image = png()
    world.organization.logo.save("logo.png", ContentFile(image), save=True)
    settings.ENCRYPTION_KEYS = [NEW, OLD]
    report = keyrotation.rotate()
    assert report.counts["branding image (logo)"][keyrotation.PLAIN] == 1
    assert raw(world.organization.logo.name) == image


def test_a_large_package_is_rotated_in_constant_memory(storage_kind, settings, make_request):
    """A 24 MiB package: the command's peak traced allocation stays a few chunks."""
    import tracemalloc

    settings.ENCRYPTION_KEYS = [OLD]
    request = make_request()
    job = Job.objects.create(request=request, right=Right.ACCESS, planned_at=timezone.now())
    upload = EncryptedUpload()
    block = os.urandom(CHUNK_BYTES)
    for _ in range(24):
        upload.stream.write(block)
    package = DataPackage.objects.create(
        job=job,
        request=request,
        file=upload.save("packages/big.zip.enc"),
        expires_at=timezone.now() + timedelta(days=7),
        max_downloads=5,
    )
    settings.ENCRYPTION_KEYS = [NEW, OLD]
    tracemalloc.start()
    try:
        report = keyrotation.rotate()
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert report.counts["data package"][keyrotation.ROTATED] == 1
    assert peak < 12 * CHUNK_BYTES, f"peak {peak / CHUNK_BYTES:.1f} MiB"
    settings.ENCRYPTION_KEYS = [NEW]
    total = sum(len(chunk) for chunk in package_chunks(package))
    assert total == 24 * CHUNK_BYTES


def test_a_storage_outage_stops_the_run_with_a_clear_message(world, settings, monkeypatch):
    settings.ENCRYPTION_KEYS = [NEW, OLD]
    real_replace = keyrotation._replace
    calls = []

    def outage(item, spooled, size):
        if calls:
            raise OSError(5, "Input/output error")
        calls.append(item.name)
        return real_replace(item, spooled, size)

    monkeypatch.setattr(keyrotation, "_replace", outage)
    with pytest.raises(CommandError, match="Run the command again"):
        run()
    monkeypatch.setattr(keyrotation, "_replace", real_replace)
    assert "6 rotated" in run()  # the other six objects; fields and the first were done
    settings.ENCRYPTION_KEYS = [NEW]
    world.assert_all_readable()


def test_a_package_being_purged_is_left_for_the_purge(world, settings):
    """The purge marks the row, commits, then deletes the object: a rotation in between
    must not write the object back after the purge deleted it, so it does not touch it."""
    from dsr.models import DataPackage as Package

    Package.objects.filter(pk=world.package.pk).update(deleted_at=timezone.now())
    before = raw(world.package.file.name)
    settings.ENCRYPTION_KEYS = [NEW, OLD]
    report = keyrotation.rotate()
    assert "data package" not in report.counts
    assert raw(world.package.file.name) == before


def test_a_killed_runs_temporary_files_are_removed_by_the_next(world, settings, storage_kind):
    if storage_kind != "filesystem":
        pytest.skip("temporary files sit next to the objects on the file system only")
    from pathlib import Path

    folder = Path(default_storage.path(world.letter.file.name)).parent
    stale, fresh = folder / ".rotating-stale", folder / ".rotating-fresh"
    stale.write_bytes(b"gAAAAA-ciphertext")
    fresh.write_bytes(b"gAAAAA-another-run")
    two_hours_ago = __import__("time").time() - 7200
    os.utime(stale, (two_hours_ago, two_hours_ago))
    settings.ENCRYPTION_KEYS = [NEW, OLD]
    run()
    assert not stale.exists()
    assert fresh.exists()  # possibly another run's, still being written
