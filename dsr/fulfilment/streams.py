"""Files encrypted at rest, written and read as a stream in fixed-size chunks.

Fernet encrypts whole messages, so a large file is cut into chunks of `CHUNK_BYTES`,
each encrypted on its own and written as a 4-byte length and the token. Memory stays
at a few chunks whatever the file's size; any altered chunk fails to decrypt.
"""

from __future__ import annotations

import hashlib
import io
import logging
import struct
import tempfile
from collections.abc import Iterator
from typing import BinaryIO

from django.core.files import File
from django.core.files.storage import default_storage

from dsr import broker, crypto, storage

log = logging.getLogger(__name__)

MAGIC = b"DSR-CHUNKS-1\n"
CHUNK_BYTES = 1 << 20
_LENGTH = struct.Struct(">I")


class EncryptedWriter(io.RawIOBase):
    """A write-only, unseekable binary stream that encrypts into `target` chunk by chunk."""

    def __init__(self, target: BinaryIO) -> None:
        super().__init__()
        self._target = target
        self._buffer = bytearray()
        self.plaintext_bytes = 0
        self.plaintext_sha256 = hashlib.sha256()
        target.write(MAGIC)

    def writable(self) -> bool:
        return True

    def write(self, data: bytes | bytearray | memoryview) -> int:  # type: ignore[override]
        self._buffer += data
        self.plaintext_bytes += len(data)
        self.plaintext_sha256.update(data)
        while len(self._buffer) >= CHUNK_BYTES:
            self._emit(bytes(self._buffer[:CHUNK_BYTES]))
            del self._buffer[:CHUNK_BYTES]
        return len(data)

    def _emit(self, chunk: bytes) -> None:
        token = crypto.encrypt(chunk)
        self._target.write(_LENGTH.pack(len(token)))
        self._target.write(token)

    def close(self) -> None:
        if not self.closed:
            if self._buffer:
                self._emit(bytes(self._buffer))
                self._buffer.clear()
            self._target.flush()
        super().close()


def decrypted_chunks(source: BinaryIO) -> Iterator[bytes]:
    """The plaintext of an encrypted file, one chunk at a time (raises on tampering)."""
    if source.read(len(MAGIC)) != MAGIC:
        raise crypto.InvalidToken("not an encrypted DSR Desk file")
    while header := source.read(_LENGTH.size):
        if len(header) != _LENGTH.size:
            raise crypto.InvalidToken("truncated encrypted file")
        (length,) = _LENGTH.unpack(header)
        token = source.read(length)
        if len(token) != length:
            raise crypto.InvalidToken("truncated encrypted file")
        yield crypto.decrypt(token)


def stored_chunks(name: str) -> Iterator[bytes]:
    """Decrypted chunks of a file in Django storage; the file is closed at the end.

    The file is opened at the call, not at the first chunk: a storage that is down fails
    here (a 503 page), not halfway through a streaming response that already said 200."""
    stored = default_storage.open(name, "rb")
    return _closing_chunks(stored)


def _closing_chunks(stored: BinaryIO) -> Iterator[bytes]:
    with stored:
        yield from decrypted_chunks(stored)


class EncryptedUpload:
    """Write plaintext through `.stream`; `save(name)` puts the encrypted file in storage.

    On the local file system the ciphertext goes to a temporary file first (the storage
    wants a file to copy); on S3 it goes straight into the bucket as a multipart upload
    under a pending name, renamed (copied inside the bucket) by `save`. Neither way holds
    the whole file in memory.
    """

    def __init__(self) -> None:
        self._writer = storage.stream_writer()
        if self._writer is not None:
            self._temporary = None
            self.stream = EncryptedWriter(self._writer)  # type: ignore[arg-type]
        else:
            self._temporary = tempfile.TemporaryFile()  # noqa: SIM115 — closed in save/discard
            self.stream = EncryptedWriter(self._temporary)

    def save(self, name: str) -> str:
        if self._writer is not None:
            return self._save_streamed(name)
        self.stream.close()
        self._temporary.seek(0)
        try:
            if default_storage.exists(name):
                default_storage.delete(name)
            return default_storage.save(name, File(self._temporary, name=name))
        finally:
            self._temporary.close()

    def _save_streamed(self, name: str) -> str:
        try:
            self.stream.close()
            self._writer.complete()
        except BaseException:
            self._writer.abort()
            raise
        try:
            return storage.move_pending(default_storage, self._writer.name, name)
        except BaseException:
            _forget(self._writer.name)
            raise

    def discard(self) -> None:
        if self._writer is not None:
            self._writer.abort()  # what the stream still writes on closing is dropped
            self.stream.close()
            return
        self.stream.close()
        self._temporary.close()


def _forget(name: str) -> None:
    """Delete a pending object if the bucket answers (its lifecycle rule does otherwise)."""
    try:
        default_storage.delete(name)
    except Exception as error:
        if not storage.unavailable(error):
            raise


def storage_delete(name: str) -> None:
    """Delete a stored file. When the storage does not answer, the deletion is handed to the
    worker (dsr.tasks.storage_delete), which tries again until it does: an identity
    document destroyed or a package purged during an outage must not stay in the bucket."""
    if not name:
        return
    try:
        default_storage.delete(name)
    except Exception as error:
        if not storage.unavailable(error):
            raise
        log.warning("storage unavailable; deleting %s is left to the worker", name)
        if not broker.enqueue("dsr.tasks.storage_delete", name):
            log.error("could not delete %s nor hand it to the worker: delete it by hand", name)


def storage_delete_on_commit(*names: str) -> None:
    """`storage_delete` each name once the current transaction commits."""
    from django.db import transaction

    def delete() -> None:
        for name in names:
            storage_delete(name)

    if any(names):
        transaction.on_commit(delete)
