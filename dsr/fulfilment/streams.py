"""Files encrypted at rest, written and read as a stream in fixed-size chunks, and the
ZIP the data package is written as.

Fernet encrypts whole messages, so a large file is cut into chunks of `CHUNK_BYTES`,
each encrypted on its own and written as a 4-byte length and the token. Memory stays
at a few chunks whatever the file's size; any altered chunk fails to decrypt. (The format
is unchanged since the first package: every stored package and part reads back.)

`ZipWriter` writes a ZIP front to back into such a stream (never seeking): an entry is
either deflated as it is written, or copied from data deflated earlier (`Deflater`, the
export's parts) without compressing it again. ZIP64 where sizes or offsets need it.
"""

from __future__ import annotations

import hashlib
import io
import logging
import struct
import tempfile
import time
import zlib
from collections.abc import Callable, Iterable, Iterator
from typing import Any, BinaryIO

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

    def __init__(self, *, local: bool = False) -> None:
        # `local`: a scratch file that never goes to storage (read back with `chunks`).
        self._writer = None if local else storage.stream_writer()
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

    def chunks(self) -> Iterator[bytes]:
        """Read back what was written (decrypted, chunk by chunk), then throw it away:
        for a temporary file that never goes to storage (made with `local=True`)."""
        if self._temporary is None:
            raise ValueError("chunks() reads back a scratch file: EncryptedUpload(local=True)")
        self.stream.close()
        try:
            self._temporary.seek(0)
            yield from decrypted_chunks(self._temporary)
        finally:
            self._temporary.close()


class Deflater:
    """Raw deflate of what is written, with the CRC-32 and sizes a ZIP entry records;
    compressed bytes go to `sink` as they come."""

    def __init__(self, sink: Callable[[bytes], Any], level: int) -> None:
        self._compressor = zlib.compressobj(level, zlib.DEFLATED, -15)
        self._sink = sink
        self.crc = 0
        self.size = 0
        self.compressed = 0

    def write(self, data: bytes) -> None:
        self.crc = zlib.crc32(data, self.crc)
        self.size += len(data)
        if out := self._compressor.compress(data):
            self.compressed += len(out)
            self._sink(out)

    def finish(self) -> dict[str, int]:
        if out := self._compressor.flush():
            self.compressed += len(out)
            self._sink(out)
        return {"crc": self.crc, "size": self.size, "compressed": self.compressed}


_LOCAL = struct.Struct("<IHHHHHIIIHH")
_CENTRAL = struct.Struct("<IHHHHHHIIIHHHHHII")
_DESCRIPTOR64 = struct.Struct("<IIQQ")
_END = struct.Struct("<IHHHHIIH")
_END64 = struct.Struct("<IQHHIIQQQQ")
_LOCATOR64 = struct.Struct("<IIQI")
_MAX32 = 0xFFFFFFFF
_MAX16 = 0xFFFF
_DEFLATED = 8


class ZipWriter:
    """A ZIP written front to back into a binary stream that cannot seek.

    `add_deflated` copies an entry deflated earlier (its CRC and sizes known); `open`
    deflates an entry as it is written (sizes in a data descriptor); `writestr` is `open`
    for a small bytes value. `close` writes the central directory."""

    def __init__(self, stream: BinaryIO, *, level: int = 1) -> None:
        self._stream = stream
        self._level = level
        self._offset = 0
        self._entries: list[tuple[bytes, int, int, int, int, int, int]] = []
        self._names: set[str] = set()
        now = time.localtime()
        self._time = (now.tm_hour << 11) | (now.tm_min << 5) | (now.tm_sec // 2)
        self._date = ((max(now.tm_year, 1980) - 1980) << 9) | (now.tm_mon << 5) | now.tm_mday

    def _write(self, data: bytes) -> None:
        self._stream.write(data)
        self._offset += len(data)

    def _name(self, name: str) -> tuple[bytes, int]:
        if name in self._names:
            raise ValueError(f"duplicate ZIP entry {name!r}")
        self._names.add(name)
        encoded = name.encode()
        return encoded, (0x800 if not name.isascii() else 0)

    def add_deflated(
        self, name: str, *, crc: int, size: int, compressed: int, chunks: Iterable[bytes]
    ) -> None:
        encoded, flags = self._name(name)
        offset = self._offset
        big = size >= _MAX32 or compressed >= _MAX32
        extra = struct.pack("<HHQQ", 1, 16, size, compressed) if big else b""
        self._write(
            _LOCAL.pack(
                0x04034B50,
                45 if big else 20,
                flags,
                _DEFLATED,
                self._time,
                self._date,
                crc,
                _MAX32 if big else compressed,
                _MAX32 if big else size,
                len(encoded),
                len(extra),
            )
            + encoded
            + extra
        )
        written = 0
        for chunk in chunks:
            written += len(chunk)
            self._write(chunk)
        if written != compressed:
            raise ValueError(f"{name}: {written} bytes copied, {compressed} expected")
        self._entries.append((encoded, flags, crc, compressed, size, offset, 45 if big else 20))

    def open(self, name: str) -> _ZipEntry:
        encoded, flags = self._name(name)
        return _ZipEntry(self, encoded, flags | 0x08)

    def writestr(self, name: str, data: bytes) -> None:
        with self.open(name) as entry:
            entry.write(data)

    def close(self) -> None:
        start = self._offset
        for encoded, flags, crc, compressed, size, offset, version in self._entries:
            values = [size, compressed, offset]
            extra_values = [value for value in values if value >= _MAX32]
            extra = (
                struct.pack(f"<HH{len(extra_values)}Q", 1, 8 * len(extra_values), *extra_values)
                if extra_values
                else b""
            )
            self._write(
                _CENTRAL.pack(
                    0x02014B50,
                    (3 << 8) | 45,
                    max(version, 45 if extra else 20),
                    flags,
                    _DEFLATED,
                    self._time,
                    self._date,
                    crc,
                    min(compressed, _MAX32),
                    min(size, _MAX32),
                    len(encoded),
                    len(extra),
                    0,
                    0,
                    0,
                    0o100644 << 16,
                    min(offset, _MAX32),
                )
                + encoded
                + extra
            )
        size = self._offset - start
        count = len(self._entries)
        if count >= _MAX16 or size >= _MAX32 or start >= _MAX32:
            end64 = self._offset
            self._write(_END64.pack(0x06064B50, 44, 45, 45, 0, 0, count, count, size, start))
            self._write(_LOCATOR64.pack(0x07064B50, 0, end64, 1))
        self._write(
            _END.pack(
                0x06054B50,
                0,
                0,
                min(count, _MAX16),
                min(count, _MAX16),
                min(size, _MAX32),
                min(start, _MAX32),
                0,
            )
        )
        self._stream.flush()


class _ZipEntry:
    """One entry deflated as it is written (ZIP64 sizes in its data descriptor)."""

    def __init__(self, archive: ZipWriter, encoded: bytes, flags: int) -> None:
        self._archive = archive
        self._encoded = encoded
        self._flags = flags
        self._offset = archive._offset
        archive._write(
            _LOCAL.pack(
                0x04034B50,
                45,
                flags,
                _DEFLATED,
                archive._time,
                archive._date,
                0,
                _MAX32,
                _MAX32,
                len(encoded),
                20,
            )
            + encoded
            + struct.pack("<HHQQ", 1, 16, 0, 0)
        )
        self._deflater = Deflater(archive._write, archive._level)

    def write(self, data: bytes) -> None:
        self._deflater.write(data)

    def close(self) -> None:
        done = self._deflater.finish()
        self._archive._write(
            _DESCRIPTOR64.pack(0x08074B50, done["crc"], done["compressed"], done["size"])
        )
        self._archive._entries.append(
            (
                self._encoded,
                self._flags,
                done["crc"],
                done["compressed"],
                done["size"],
                self._offset,
                45,
            )
        )

    def __enter__(self) -> _ZipEntry:
        return self

    def __exit__(self, kind: Any, error: Any, traceback: Any) -> None:
        if error is None:
            self.close()


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
