"""State builders shared by the tests: the files people send, requests brought to a state
through the workflow, and waiting for a worker. One place; the helper modules of each
folder (`*_helpers.py`) import from here rather than keep their own copies."""

from __future__ import annotations

import contextlib
import http.server
import io
import threading
import time
from collections import Counter
from collections.abc import Callable
from pathlib import PurePosixPath
from typing import Any

from accounts.models import Organization, User
from dsr import audit, workflow
from dsr.models import Attachment, AttachmentKind, EvidenceKind, Request


def blank_pdf(
    *, width: int = 100, height: int = 100, metadata: dict[str, str] | None = None
) -> bytes:
    """A real one-page PDF: files are parsed and walked (dsr/attachments.py)."""
    from pypdf import PdfWriter

    writer = PdfWriter()
    writer.add_blank_page(width=width, height=height)
    if metadata:
        writer.add_metadata(metadata)
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


def image(
    kind: str = "PNG",
    *,
    size: tuple[int, int] = (40, 30),
    colour: tuple[int, int, int] = (10, 120, 200),
    **save: Any,
) -> bytes:
    """A small real image of one colour, encoded as `kind` (PNG, JPEG, ...)."""
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", size, colour).save(buffer, kind, **save)
    return buffer.getvalue()


def png(size: tuple[int, int] = (40, 30), colour: tuple[int, int, int] = (10, 120, 200)) -> bytes:
    return image("PNG", size=size, colour=colour)


def identity_document(
    request: Request, content: bytes | None = None, name: str = "id-card.png"
) -> Attachment:
    """An identity document the subject sent with `request` (a small PNG unless `content`)."""
    from dsr.attachments import attachment_store

    return attachment_store(
        request=request,
        content=png() if content is None else content,
        original_name=name,
        kind=AttachmentKind.IDENTITY_PROOF,
        actor=audit.Actor.subject(),
        uploaded_by_subject=True,
    )


def organization_signed(
    organization: Organization,
    manager: User,
    *,
    password: str,
    certificate: bytes | None = None,
    common_name: str = "OpenMotics BVBA letters",
) -> Organization:
    """`organization` with a signing certificate (`certificate`, or a self-signed one made
    here), set by `manager` through the service the desk uses."""
    from dsr.letters import signing

    if certificate is None:
        certificate = signing.self_signed_pkcs12(
            common_name=common_name,
            organization_name="OpenMotics BVBA",
            country="BE",
            password=password,
        )
    signing.organization_set_certificate(
        organization=organization,
        data=certificate,
        password=password,
        actor=audit.Actor.for_user(manager),
    )
    organization.refresh_from_db()
    return organization


def verified(request: Request, by: audit.Actor | Any) -> Request:
    """`request` with its identity verified (by e-mail matching the record): work starts
    there. `by` is an actor or a desk user."""
    actor = by if isinstance(by, audit.Actor) else audit.Actor.for_user(by)
    return workflow.identity_decide(
        request=request, verified=True, evidence=EvidenceKind.EMAIL_MATCHES_RECORD, actor=actor
    )


def wait_for(condition: Callable[[], bool], timeout: float = 60.0, what: str = "") -> None:
    """Poll `condition` until it holds (a worker in another thread or process)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what or condition}")


class HookReceiver:
    """A local webhook endpoint: counts the POSTs it gets per X-DSR-Delivery, and can run a
    fault (`on_post`) while the desk waits for its answer."""

    def __init__(self, on_post: Callable[[], object] | None = None) -> None:
        self.deliveries: Counter[str] = Counter()
        self.lock = threading.Lock()
        receiver = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                self.rfile.read(int(self.headers["Content-Length"]))
                with receiver.lock:
                    receiver.deliveries[self.headers["X-DSR-Delivery"]] += 1
                if on_post is not None:
                    on_post()
                self.send_response(204)
                self.end_headers()

            def log_message(self, *args: object) -> None:
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/hook"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()


def stored_files(folder: str = "") -> list[PurePosixPath]:
    """Every file in the default storage (the test's MEDIA_ROOT, or its prefix in the bucket
    on the S3 leg), as names relative to the storage's root."""
    from django.core.files.storage import default_storage

    found: list[PurePosixPath] = []
    try:
        folders, files = default_storage.listdir(folder)
    except FileNotFoundError:
        return found
    found += [PurePosixPath(folder) / name for name in files]
    for name in folders:
        found += stored_files(str(PurePosixPath(folder) / name))
    return sorted(found)


def stored_bytes(name: PurePosixPath | str) -> bytes:
    """A stored file's bytes as the storage holds them (ciphertext)."""
    from django.core.files.storage import default_storage

    with default_storage.open(str(name), "rb") as handle:
        return handle.read()


class TcpGate:
    """A TCP forwarder on 127.0.0.1 in front of a server: `close()` makes the address refuse
    connections (and drops the open ones), `open()` forwards again. The server behind keeps
    its state, which a moto server that is stopped and started again does not."""

    def __init__(self, target_port: int) -> None:
        import socket

        self.target_port = target_port
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        self._listener: Any = None
        self._connections: list[Any] = []
        self._lock = threading.Lock()

    def open(self) -> None:
        import socket

        listener = socket.socket()
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", self.port))
        listener.listen(50)
        self._listener = listener
        threading.Thread(target=self._accept, args=(listener,), daemon=True).start()

    def _accept(self, listener: Any) -> None:
        import socket

        while True:
            try:
                client, _ = listener.accept()
            except OSError:
                return
            try:
                upstream = socket.create_connection(("127.0.0.1", self.target_port))
            except OSError:
                client.close()
                continue
            with self._lock:
                self._connections += [client, upstream]
            for source, sink in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pipe, args=(source, sink), daemon=True).start()

    @staticmethod
    def _pipe(source: Any, sink: Any) -> None:
        try:
            while data := source.recv(65536):
                sink.sendall(data)
        except OSError:
            pass
        finally:
            for end in (source, sink):
                with contextlib.suppress(OSError):
                    end.close()

    def close(self) -> None:
        import socket

        if self._listener is not None:
            with contextlib.suppress(OSError):  # wakes the accept() of the forwarding thread
                self._listener.shutdown(socket.SHUT_RDWR)
            self._listener.close()
            self._listener = None
        with self._lock:
            for connection in self._connections:
                with contextlib.suppress(OSError):
                    connection.shutdown(socket.SHUT_RDWR)
                    connection.close()
            self._connections.clear()


class S3Server:
    """A moto S3 server of the test's own on 127.0.0.1 (a real HTTP endpoint reached through
    boto3), which the test can stop, freeze and start again to make an outage. moto keeps
    its objects in memory: after `stop()` + `start()` the bucket is new and empty (`freeze()`
    and `thaw()` keep them)."""

    def __init__(self) -> None:
        import socket

        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        self.endpoint = f"http://127.0.0.1:{self.port}"
        self.bucket = "dsr-outage"
        self.process: Any = None
        self.gate: TcpGate | None = None

    def start(self) -> None:
        import subprocess
        import sys
        import urllib.request
        from pathlib import Path

        binary = Path(sys.executable).parent / "moto_server"
        self.process = subprocess.Popen(
            [str(binary), "-H", "127.0.0.1", "-p", str(self.port)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )

        def answers() -> bool:
            try:
                with urllib.request.urlopen(self.endpoint, timeout=1):  # noqa: S310
                    return True
            except OSError:
                return False

        wait_for(answers, timeout=30, what="the moto S3 server to answer")
        self.client().create_bucket(Bucket=self.bucket)
        if self.gate is None:
            self.gate = TcpGate(self.port)
            self.gate.open()

    def stop(self) -> None:
        """The server itself stops (its objects are lost: moto keeps them in memory)."""
        if self.process is not None:
            self.process.kill()
            self.process.wait(timeout=10)
            self.process = None

    def cut(self) -> None:
        """The bucket stops answering (connections refused) but keeps its objects."""
        self.gate.close()

    def restore(self) -> None:
        self.gate.open()

    def client(self) -> Any:
        import boto3

        return boto3.client(
            "s3",
            endpoint_url=self.endpoint,
            region_name="us-east-1",
            aws_access_key_id="testing",
            aws_secret_access_key="testing",
        )

    def storage_settings(self, timeout: int = 2) -> dict[str, Any]:
        return {
            "BACKEND": "dsr.storage.PrivateS3Storage",
            "OPTIONS": {
                "bucket_name": self.bucket,
                "location": "desk",
                "endpoint_url": f"http://127.0.0.1:{self.gate.port}",
                "region_name": "us-east-1",
                "access_key": "testing",
                "secret_key": "testing",
                "addressing_style": "path",
                "timeout": timeout,
            },
        }

    def objects(self) -> dict[str, bytes]:
        """Every object in the bucket, key -> bytes, read with boto3 (not through the desk)."""
        client = self.client()
        found = {}
        for page in client.get_paginator("list_objects_v2").paginate(Bucket=self.bucket):
            for entry in page.get("Contents", ()):
                found[entry["Key"]] = client.get_object(Bucket=self.bucket, Key=entry["Key"])[
                    "Body"
                ].read()
        return found
