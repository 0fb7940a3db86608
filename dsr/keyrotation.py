"""Re-encrypt everything stored under the newest key of DSR_ENCRYPTION_KEYS.

DSR_ENCRYPTION_KEYS lists Fernet keys newest first: the first encrypts, every one decrypts
(dsr/crypto.py). To retire a key, put a new one first, run `manage.py rotate_encryption_key`
(this module), then remove the old key. What is re-encrypted:

- stored objects, found through the rows that name them: attachments (identity documents,
  scans, the subject's files), letters, print batches, register exports, data packages,
  the parts of an export step (`JobStep.state["files"]`), and branding images (logos and
  signature images stored before they were encrypted are plain, and reported as such);
- encrypted database fields: data-source secrets, rectification parameters of jobs,
  webhook signing secrets, organisations' signing certificates and their passwords.

Two layouts of stored object exist: one Fernet token (letters, attachments, ...) and the
chunked stream of dsr/fulfilment/streams.py (packages, parts). A chunked object is read and
rewritten one chunk at a time through a temporary file, so memory stays flat whatever its
size; a one-token object is as large as the desk itself reads at once.

Resumable without bookkeeping: whether an object is already under the newest key is read
from the object (its first token verifies under that key alone), so a rerun after a crash
skips what was done at the cost of reading one chunk (or the one token). An object is
replaced whole — a new file moved over the old one on the file system, one PUT of the key on
S3 — so a crash leaves either the old or the new object, never half of one. The row that
names the object is locked while the object is replaced and must still name it, so an
object deleted meanwhile (identity document destroyed, retention) is not brought back.
"""

from __future__ import annotations

import hashlib
import logging
import os
import struct
import tempfile
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.core.files.storage import default_storage
from django.db import models, transaction

from accounts.models import Organization
from dsr.fulfilment import streams
from dsr.models import (
    Attachment,
    DataPackage,
    DataSource,
    Job,
    JobStep,
    Letter,
    PrintBatch,
    RegisterExport,
    WebhookEndpoint,
)

log = logging.getLogger(__name__)

FERNET_PREFIX = b"gAAAAA"  # base64 of the version byte 0x80 and the timestamp's high bytes
_LENGTH = struct.Struct(">I")

# Outcomes, one per object or field.
ROTATED = "rotated"
CURRENT = "already current"
WOULD_ROTATE = "would rotate"
PLAIN = "not encrypted"
MISSING = "missing"
GONE = "deleted meanwhile"
UNREADABLE = "unreadable"


@dataclass
class Report:
    dry_run: bool = False
    counts: dict[str, Counter] = field(default_factory=dict)
    unreadable: list[str] = field(default_factory=list)

    def add(self, kind: str, outcome: str, where: str = "") -> None:
        self.counts.setdefault(kind, Counter())[outcome] += 1
        if outcome == UNREADABLE:
            self.unreadable.append(f"{kind} {where}")

    def total(self, outcome: str) -> int:
        return sum(counter[outcome] for counter in self.counts.values())

    @property
    def ok(self) -> bool:
        return not self.unreadable

    def lines(self) -> list[str]:
        rows = []
        for kind in sorted(self.counts):
            parts = ", ".join(f"{n} {outcome}" for outcome, n in sorted(self.counts[kind].items()))
            rows.append(f"{kind:<28} {parts}")
        return rows


def fingerprint(key: str) -> str:
    """A short public name for a key (a digest: it reveals nothing of the key)."""
    return hashlib.sha256(key.encode()).hexdigest()[:12]


class Keys:
    def __init__(self, keys: list[str]) -> None:
        if not keys:
            raise ValueError("DSR_ENCRYPTION_KEYS is empty")
        self.newest = Fernet(keys[0].encode())
        self.all = MultiFernet([Fernet(key.encode()) for key in keys])

    def current(self, token: bytes) -> bool:
        try:
            self.newest.decrypt(token)
        except InvalidToken:
            return False
        return True

    def rotate(self, token: bytes) -> bytes:
        """The same plaintext under the newest key (raises InvalidToken if no key fits)."""
        return self.all.rotate(token)


# --- stored objects --------------------------------------------------------------------------


@dataclass(frozen=True)
class StoredObject:
    """One object in storage and how to lock the row that names it."""

    kind: str
    name: str
    model: type[models.Model]
    pk: Any
    still_named: Callable[[models.Model], bool]


def _file_field(kind: str, model: type[models.Model], field_name: str, gone: str = ""):
    """The objects named by `model.field_name`; `gone` is the field a deletion sets (the
    object is deleted after that commit, so such rows are left alone)."""

    def named(row: models.Model, name: str) -> bool:
        return getattr(row, field_name).name == name and not (gone and getattr(row, gone))

    def objects() -> Iterator[StoredObject]:
        rows = model.objects.exclude(**{field_name: ""})
        if gone:
            rows = rows.filter(**{f"{gone}__isnull": True})
        for pk, name in rows.order_by("pk").values_list("pk", field_name).iterator(500):
            if name:
                yield StoredObject(kind, name, model, pk, lambda row, name=name: named(row, name))

    return objects


def _step_parts() -> Iterator[StoredObject]:
    rows = JobStep.objects.exclude(state={}).order_by("pk").values_list("pk", "state")
    for pk, state in rows.iterator(chunk_size=200):
        for info in (state or {}).get("files", []) or []:
            for part in ("json", "csv", "preview"):
                name = info.get(part)
                if name:
                    yield StoredObject(
                        "export step part",
                        name,
                        JobStep,
                        pk,
                        lambda row, name=name: any(
                            name in (entry.get("json"), entry.get("csv"), entry.get("preview"))
                            for entry in (row.state or {}).get("files", []) or []
                        ),
                    )


SOURCES: list[Callable[[], Iterator[StoredObject]]] = [
    _file_field("attachment", Attachment, "file", gone="destroyed_at"),
    _file_field("letter", Letter, "file"),
    _file_field("print batch", PrintBatch, "file"),
    _file_field("register export", RegisterExport, "file", gone="removed_at"),
    _file_field("data package", DataPackage, "file", gone="deleted_at"),
    _step_parts,
    _file_field("branding image (logo)", Organization, "logo"),
    _file_field("branding image (signature)", Organization, "signature_image"),
]


def stored_objects() -> Iterator[StoredObject]:
    for source in SOURCES:
        yield from source()


def _layout(head: bytes) -> str:
    if head.startswith(streams.MAGIC):
        return "chunked"
    if head.startswith(FERNET_PREFIX):
        return "token"
    return "plain"


def _first_chunk_current(handle: BinaryIO, keys: Keys) -> bool:
    """Whether the first chunk is under the newest key (raises InvalidToken when no key
    opens it). An object is always rewritten whole, so the first chunk speaks for all."""
    header = handle.read(_LENGTH.size)
    if len(header) != _LENGTH.size:
        return True  # no chunk at all: nothing to rotate
    (length,) = _LENGTH.unpack(header)
    token = handle.read(length)
    if keys.current(token):
        return True
    keys.all.decrypt(token)
    return False


def _rotate_chunks(handle: BinaryIO, out: BinaryIO, keys: Keys) -> None:
    """Copy a chunked object (after its magic) token by token under the newest key."""
    out.write(streams.MAGIC)
    while header := handle.read(_LENGTH.size):
        if len(header) != _LENGTH.size:
            raise InvalidToken("truncated encrypted file")
        (length,) = _LENGTH.unpack(header)
        token = handle.read(length)
        if len(token) != length:
            raise InvalidToken("truncated encrypted file")
        rotated = keys.rotate(token)
        out.write(_LENGTH.pack(len(rotated)))
        out.write(rotated)


def _local_path(name: str) -> Path | None:
    try:
        return Path(default_storage.path(name))
    except NotImplementedError:
        return None


def _spool(name: str) -> tempfile._TemporaryFileWrapper:
    path = _local_path(name)
    # Next to the file on the file system (so the move is atomic), anywhere for S3.
    return tempfile.NamedTemporaryFile(
        dir=path.parent if path else None, prefix=".rotating-", delete=False
    )


LEFTOVER_SECONDS = 3600


def _leftovers_remove() -> None:
    """Temporary files a killed run left next to the objects (ciphertext only), once they
    are old enough not to be another run's."""
    root = _local_path("")
    if root is None or not root.is_dir():
        return
    import time

    cutoff = time.time() - LEFTOVER_SECONDS
    for path in root.rglob(".rotating-*"):
        try:
            if path.is_file() and path.stat().st_mtime < cutoff:
                path.unlink()
        except OSError:
            continue


def _replace(item: StoredObject, spooled: str, expected_size: int) -> bool:
    """Put the re-encrypted file in place of the object, under the lock of the row naming
    it; False when the row no longer names it or the object changed since it was read."""
    with transaction.atomic():
        row = item.model.objects.select_for_update().filter(pk=item.pk).first()
        if row is None or not item.still_named(row):
            return False
        if not default_storage.exists(item.name) or default_storage.size(item.name) != (
            expected_size
        ):
            return False
        path = _local_path(item.name)
        if path is not None:
            mode = getattr(default_storage, "file_permissions_mode", None)
            if mode is not None:
                os.chmod(spooled, mode)
            os.replace(spooled, path)
        else:
            storage: Any = default_storage
            storage.connection.meta.client.upload_file(
                spooled,
                storage.bucket_name,
                storage.key(item.name),
                ExtraArgs={"ContentType": "application/octet-stream"},
                Config=storage.transfer_config,
            )
    return True


def rotate_object(item: StoredObject, keys: Keys, *, dry_run: bool) -> str:
    try:
        if not default_storage.exists(item.name):
            return MISSING
        size = default_storage.size(item.name)
        handle = default_storage.open(item.name, "rb")
    except FileNotFoundError:
        return MISSING
    spooled = None
    try:
        with handle:
            head = handle.read(len(streams.MAGIC))
            layout = _layout(head)
            if layout == "plain":
                return PLAIN
            if layout == "chunked":
                if _first_chunk_current(handle, keys):
                    return CURRENT
                if dry_run:
                    return WOULD_ROTATE
                out = _spool(item.name)
                spooled = out.name
                # Read again from the start: the first chunk was consumed by the check.
                with out, default_storage.open(item.name, "rb") as again:
                    again.read(len(streams.MAGIC))
                    _rotate_chunks(again, out, keys)
            else:
                token = head + handle.read()
                if keys.current(token):
                    return CURRENT
                rotated = keys.rotate(token)
                if dry_run:
                    return WOULD_ROTATE
                out = _spool(item.name)
                spooled = out.name
                with out:
                    out.write(rotated)
        if not _replace(item, spooled, size):
            return GONE
        if _local_path(item.name) is not None:
            spooled = None  # moved into place
        return ROTATED
    except InvalidToken:
        return UNREADABLE
    finally:
        if spooled:
            Path(spooled).unlink(missing_ok=True)


# --- encrypted database fields ---------------------------------------------------------------


@dataclass(frozen=True)
class EncryptedField:
    kind: str
    model: type[models.Model]
    name: str
    text: bool  # a TextField holding the token as text, else a BinaryField


FIELDS = [
    EncryptedField("data-source secrets", DataSource, "secrets_encrypted", True),
    EncryptedField("job parameters", Job, "parameters_encrypted", True),
    EncryptedField("webhook secret", WebhookEndpoint, "secret", False),
    EncryptedField("signing certificate", Organization, "signing_certificate", False),
    EncryptedField(
        "signing certificate password", Organization, "signing_certificate_password", False
    ),
]


def rotate_fields(spec: EncryptedField, keys: Keys, report: Report, *, dry_run: bool) -> None:
    empty = "" if spec.text else b""
    pks = list(
        spec.model.objects.exclude(**{spec.name: empty})
        .exclude(**{f"{spec.name}__isnull": True})
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    for pk in pks:
        with transaction.atomic():
            value = (
                spec.model.objects.select_for_update()
                .filter(pk=pk)
                .values_list(spec.name, flat=True)
                .first()
            )
            if not value:
                continue
            token = value.encode() if spec.text else bytes(value)
            if keys.current(token):
                report.add(spec.kind, CURRENT)
                continue
            try:
                rotated = keys.rotate(token)
            except InvalidToken:
                report.add(spec.kind, UNREADABLE, f"#{pk}")
                continue
            if dry_run:
                report.add(spec.kind, WOULD_ROTATE)
                continue
            spec.model.objects.filter(pk=pk).update(
                **{spec.name: rotated.decode() if spec.text else rotated}
            )
            report.add(spec.kind, ROTATED)


# --- the whole run ---------------------------------------------------------------------------


def rotate(
    *, dry_run: bool = False, progress: Callable[[str, str, str], None] | None = None
) -> Report:
    """Re-encrypt every stored object and encrypted field under the newest key."""
    keys = Keys(list(settings.ENCRYPTION_KEYS))
    report = Report(dry_run=dry_run)
    if not dry_run:
        _leftovers_remove()
    for spec in FIELDS:
        rotate_fields(spec, keys, report, dry_run=dry_run)
    for item in stored_objects():
        outcome = rotate_object(item, keys, dry_run=dry_run)
        report.add(item.kind, outcome, f"{item.model._meta.label}#{item.pk}")
        if progress:
            progress(item.kind, item.name, outcome)
    log.info(
        "encryption key rotation %s: newest key %s of %d; %d rotated, %d already current, "
        "%d would rotate, %d not encrypted, %d missing, %d unreadable",
        "dry run" if dry_run else "ran",
        fingerprint(settings.ENCRYPTION_KEYS[0]),
        len(settings.ENCRYPTION_KEYS),
        report.total(ROTATED),
        report.total(CURRENT),
        report.total(WOULD_ROTATE),
        report.total(PLAIN),
        report.total(MISSING),
        report.total(UNREADABLE),
    )
    return report
