"""State builders shared by the tests: the files people send, requests brought to a state
through the workflow, and waiting for a worker. One place; the helper modules of each
folder (`*_helpers.py`) import from here rather than keep their own copies."""

from __future__ import annotations

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
