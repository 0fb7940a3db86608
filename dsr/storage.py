"""Object storage: the S3-compatible back-end and what the rest of the desk needs from it.

The desk encrypts every file before it reaches storage (dsr/crypto.py,
dsr/fulfilment/streams.py); this module only moves ciphertext. With
DSR_STORAGE_URL=s3://bucket/prefix, `default_storage` is `PrivateS3Storage`
(django-storages' S3 back-end) which

- never hands out a URL: every file goes through a view that checks access, so
  neither a presigned nor a public link to the bucket exists;
- reads as a stream (the GET's body, a chunk at a time) instead of django-storages'
  download of the whole object before the first byte;
- writes large objects with a multipart upload (`stream_writer`), holding one part
  in memory;
- gives up on an unreachable bucket within DSR_S3_TIMEOUT seconds, so the work that
  needed the file is left for the sweeps (`unavailable` tells an outage from a bug).
"""

from __future__ import annotations

import functools
import logging
import uuid
from typing import Any

from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError, ParamValidationError
from django.core.files import File
from django.core.files.storage import Storage, default_storage
from storages.backends.s3 import S3Storage
from storages.utils import clean_name

__all__ = [
    "PrivateS3Storage",
    "StorageUnavailable",
    "stream_writer",
    "unavailable",
]

# S3's smallest part (except the last) is 5 MiB; 8 MiB keeps a 1 GB object at 128 parts.
PART_BYTES = 8 << 20
# Where an upload lives until its caller names it (then copied inside the bucket).
PENDING_PREFIX = "pending"

logger = logging.getLogger(__name__)


class StorageUnavailable(OSError):
    """The storage did not answer; the work is left for a later attempt.

    An OSError, as the local file system's own failures are: the code that already
    treats those as transient (letters, the register export) retries it too."""


def _client_error_is_outage(error: Any) -> bool:
    response = getattr(error, "response", {}) or {}
    status = response.get("ResponseMetadata", {}).get("HTTPStatusCode") or 0
    code = response.get("Error", {}).get("Code", "")
    return status >= 500 or code in {
        "SlowDown",
        "ServiceUnavailable",
        "RequestTimeout",
        "RequestTimeTooSkewed",
        "InternalError",
        "NoSuchBucket",
    }


def unavailable(error: BaseException) -> bool:
    """Whether `error` means the storage could not be reached (rather than a bug or a
    missing file): the bucket is down, slow, or answers 5xx; the disk is full or gone."""
    if isinstance(error, StorageUnavailable):
        return True
    if isinstance(error, ClientError):
        return _client_error_is_outage(error)
    if isinstance(error, BotoCoreError):
        return not isinstance(error, ParamValidationError)
    if isinstance(error, (FileNotFoundError, IsADirectoryError, NotADirectoryError)):
        return False
    if isinstance(error, OSError):
        # ENOSPC, EIO, a stale network mount: the local file system's outage.
        return True
    cause = error.__cause__ or error.__context__
    return cause is not None and cause is not error and unavailable(cause)


def bucket_unavailable(error: BaseException) -> bool:
    """Narrower than `unavailable`, for pages: the storage itself said it is down (not any
    OSError a view might meet, such as a mail server's refused connection)."""
    if isinstance(error, StorageUnavailable):
        return True
    if isinstance(error, (BotoCoreError, ClientError)):
        return unavailable(error)
    cause = error.__cause__
    return cause is not None and cause is not error and bucket_unavailable(cause)


def _outages_raised(method):
    """S3 errors that mean an outage come out as StorageUnavailable (one type to catch)."""

    @functools.wraps(method)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return method(*args, **kwargs)
        except StorageUnavailable:
            raise
        except (BotoCoreError, ClientError) as error:
            if unavailable(error):
                raise StorageUnavailable(f"the bucket did not answer: {error}") from error
            raise

    return wrapper


def is_s3(storage: Storage | None = None) -> bool:
    return isinstance(storage if storage is not None else default_storage, PrivateS3Storage)


# --- the S3 back-end -----------------------------------------------------------------------


class _StreamingBody(File):
    """A read-only file over the body of one GET: reads come off the socket as asked."""

    def __init__(self, storage: PrivateS3Storage, name: str) -> None:
        self._storage = storage
        body, size = storage._get(name)
        super().__init__(body, name)
        self._body = body
        self._size = size
        self._closed = False
        self.mode = "rb"

    def open(self, mode: str | None = None) -> _StreamingBody:
        if self._closed:  # opened again (FieldFile.open after a close): a new GET
            self._body, self._size = self._storage._get(self.name)
            self.file = self._body
            self._closed = False
        return self

    @property
    def closed(self) -> bool:
        return self._closed

    def close(self) -> None:
        self._closed = True
        self._body.close()

    @property
    def size(self) -> int:  # type: ignore[override]
        return self._size

    @_outages_raised
    def read(self, amount: int | None = -1) -> bytes:
        if amount is None or amount < 0:
            return self._body.read()
        return self._body.read(amount)

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return False

    def chunks(self, chunk_size: int | None = None):  # type: ignore[override]
        size = chunk_size or self.DEFAULT_CHUNK_SIZE
        while data := self.read(size):
            yield data

    def __iter__(self):
        return self.chunks()


class PrivateS3Storage(S3Storage):
    """django-storages' S3 back-end as the desk uses it (see the module's docstring)."""

    def __init__(self, **options: Any) -> None:
        timeout = options.pop("timeout", 20)
        options.setdefault("file_overwrite", False)  # as FileSystemStorage: never replace
        options.setdefault("querystring_auth", True)
        options.setdefault("default_acl", None)  # the bucket's own: private
        options.setdefault(
            "client_config",
            Config(
                s3={"addressing_style": options.get("addressing_style")},
                # A bucket that does not even accept the connection is known to be down
                # after a few seconds; an answer may take up to the configured time.
                connect_timeout=min(timeout, 5),
                read_timeout=timeout,
                retries={"max_attempts": 2, "mode": "standard"},
            ),
        )
        super().__init__(**options)
        from boto3.s3.transfer import TransferConfig

        # A few parts in flight, not boto3's ten: memory stays a few parts whatever the size.
        self.transfer_config = TransferConfig(
            multipart_threshold=PART_BYTES,
            multipart_chunksize=PART_BYTES,
            max_concurrency=2,
        )

    def url(self, name: str, *args: Any, **kwargs: Any) -> str:
        raise NotImplementedError(
            "Stored files are served by the desk's views, which check access; "
            "the bucket is never linked to"
        )

    def key(self, name: str) -> str:
        return self._normalize_name(clean_name(name))

    @_outages_raised
    def _get(self, name: str) -> tuple[Any, int]:
        try:
            answer = self.connection.meta.client.get_object(
                Bucket=self.bucket_name, Key=self.key(name)
            )
        except ClientError as err:
            if err.response.get("Error", {}).get("Code") in {"NoSuchKey", "404"}:
                raise FileNotFoundError(f"File does not exist: {name}") from None
            raise
        return answer["Body"], answer.get("ContentLength", 0)

    @_outages_raised
    def _open(self, name: str, mode: str = "rb") -> File:
        if "w" in mode or "a" in mode or "+" in mode:
            return super()._open(name, mode)
        return _StreamingBody(self, name)

    @_outages_raised
    def _save(self, name: str, content: Any) -> str:
        return super()._save(name, content)

    @_outages_raised
    def delete(self, name: str) -> None:
        super().delete(name)

    @_outages_raised
    def exists(self, name: str) -> bool:
        return super().exists(name)

    @_outages_raised
    def size(self, name: str) -> int:
        return super().size(name)

    @_outages_raised
    def listdir(self, name: str) -> tuple[list[str], list[str]]:
        return super().listdir(name)

    # The listing a test or an operator needs (keys with the prefix).
    @_outages_raised
    def keys(self, prefix: str = "") -> list[str]:
        client = self.connection.meta.client
        found: list[str] = []
        start = self.key(prefix) if prefix else (self.location.rstrip("/") + "/").lstrip("/")
        for page in client.get_paginator("list_objects_v2").paginate(
            Bucket=self.bucket_name, Prefix=start
        ):
            found += [entry["Key"] for entry in page.get("Contents", ())]
        return found


class MultipartWriter:
    """A write-only stream into one new object of `storage`, uploaded in parts as written.

    One part (PART_BYTES) is held in memory. `complete()` makes the object; `abort()`
    (or an error) leaves nothing behind in the bucket.
    """

    def __init__(self, storage: PrivateS3Storage, name: str) -> None:
        self.storage = storage
        self.name = name
        self._key = storage.key(name)
        self._client = storage.connection.meta.client
        self._buffer = bytearray()
        self._parts: list[dict[str, Any]] = []
        self._upload_id: str | None = None
        self._aborted = False
        self.closed = False

    def writable(self) -> bool:
        return True

    def write(self, data: bytes | bytearray | memoryview) -> int:
        if self._aborted:
            return len(data)
        self._buffer += data
        if len(self._buffer) >= PART_BYTES:
            self._send(bytes(self._buffer[:PART_BYTES]))
            del self._buffer[:PART_BYTES]
        return len(data)

    def flush(self) -> None:
        pass

    @_outages_raised
    def _send(self, body: bytes) -> None:
        if self._upload_id is None:
            self._upload_id = self._client.create_multipart_upload(
                Bucket=self.storage.bucket_name,
                Key=self._key,
                ContentType="application/octet-stream",
            )["UploadId"]
        number = len(self._parts) + 1
        answer = self._client.upload_part(
            Bucket=self.storage.bucket_name,
            Key=self._key,
            UploadId=self._upload_id,
            PartNumber=number,
            Body=body,
        )
        self._parts.append({"ETag": answer["ETag"], "PartNumber": number})

    @property
    def multipart(self) -> bool:
        return self._upload_id is not None

    @_outages_raised
    def complete(self) -> None:
        if self.closed:
            return
        if self._upload_id is None:
            # Small: one PUT.
            self._client.put_object(
                Bucket=self.storage.bucket_name,
                Key=self._key,
                Body=bytes(self._buffer),
                ContentType="application/octet-stream",
            )
        else:
            if self._buffer:
                self._send(bytes(self._buffer))
            self._client.complete_multipart_upload(
                Bucket=self.storage.bucket_name,
                Key=self._key,
                UploadId=self._upload_id,
                MultipartUpload={"Parts": self._parts},
            )
        self._buffer.clear()
        self.closed = True

    def abort(self) -> None:
        if self.closed:
            return
        self.closed = self._aborted = True
        self._buffer.clear()
        if self._upload_id is not None:
            try:
                self._client.abort_multipart_upload(
                    Bucket=self.storage.bucket_name, Key=self._key, UploadId=self._upload_id
                )
            except (BotoCoreError, ClientError):
                # The bucket's lifecycle rule (AbortIncompleteMultipartUpload) cleans up.
                logger.warning("could not abort the multipart upload of %s", self.name)


def stream_writer(storage: Storage | None = None) -> MultipartWriter | None:
    """A multipart writer to a fresh pending object, or None where the storage has none
    (the local file system: the caller spools to a temporary file)."""
    storage = storage if storage is not None else default_storage
    if not is_s3(storage):
        return None
    return MultipartWriter(storage, f"{PENDING_PREFIX}/{uuid.uuid4().hex}.part")


@_outages_raised
def move_pending(storage: PrivateS3Storage, pending: str, name: str) -> str:
    """Give a completed pending object its final name (a copy inside the bucket, then the
    pending one is deleted); returns the name as stored."""
    if storage.exists(name):
        storage.delete(name)
    final = storage.get_available_name(name)
    client = storage.connection.meta.client
    client.copy(
        {"Bucket": storage.bucket_name, "Key": storage.key(pending)},
        storage.bucket_name,
        storage.key(final),
        ExtraArgs={"ContentType": "application/octet-stream"},
        Config=storage.transfer_config,
    )
    storage.delete(pending)
    return final
