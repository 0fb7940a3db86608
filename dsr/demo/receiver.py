"""A stand-in for the demo controllers' own systems: the other end of the http connector.

`python manage.py demo_receiver` (started by `make run`) listens on 127.0.0.1:8719 and
answers as a webshop, an app back-end or a building portal would: it checks the desk's
HMAC signature; a search ("find") says which records know the subject; a dry run reports
what it holds; an export is answered at once with the
data; an erasure, rectification or restriction is accepted (202) and its result posted,
signed, to the desk's callback URL two seconds later.
"""

from __future__ import annotations

import hashlib
import json
import logging
import threading
import time
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from dsr.connectors.http import SIGNATURE_HEADER, TIMESTAMP_HEADER, sign, signature_valid

log = logging.getLogger(__name__)

DEMO_RECEIVER_HOST = "127.0.0.1"
DEMO_RECEIVER_PORT = 8719
DEMO_RECEIVER_URL = f"http://{DEMO_RECEIVER_HOST}:{DEMO_RECEIVER_PORT}"
# Demo only: both ends of the demo share it; real sources get their own secret on the form.
DEMO_RECEIVER_SECRET = "demo-receiver-shared-secret-2026"  # noqa: S105
CALLBACK_DELAY_SECONDS = 2.0
SYSTEMS = {
    "openmotics": ("Webshop account", "Webshop orders"),
    "ilumen": ("iLusmart app profile", "App notifications"),
    "zensor": ("Portal account", "Building dashboards"),
}
DONE = {"erase": "erased", "rectify": "rectified", "restrict": "restricted"}


def _orders(email: str) -> list[list[Any]]:
    seed = int(hashlib.sha256(email.lower().encode()).hexdigest()[:6], 16)
    return [
        [f"W{seed % 90000 + 10000}-{n}", f"2025-{1 + (seed + n) % 12:02d}-{1 + n * 7:02d}",
         f"{49 + (seed * (n + 1)) % 400}.00"]
        for n in range(1 + seed % 3)
    ]  # fmt: skip


def post_signed(url: str, payload: dict[str, Any], secret: str) -> int:
    body = json.dumps(payload).encode()
    timestamp = str(int(time.time()))
    request = urllib.request.Request(  # noqa: S310 — the desk's own callback URL
        url,
        data=body,
        method="POST",
        headers={
            "Content-Type": "application/json",
            TIMESTAMP_HEADER: timestamp,
            SIGNATURE_HEADER: sign(secret, timestamp, body),
        },
    )
    with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
        return response.status


class DemoReceiver(BaseHTTPRequestHandler):
    secret = DEMO_RECEIVER_SECRET
    callback_delay = CALLBACK_DELAY_SECONDS

    def log_message(self, format: str, *args: Any) -> None:
        log.info("demo receiver: " + format, *args)

    def _answer(self, status: int, payload: dict[str, Any]) -> None:
        body = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        if not signature_valid(
            self.secret,
            timestamp=self.headers.get(TIMESTAMP_HEADER, ""),
            signature=self.headers.get(SIGNATURE_HEADER, ""),
            body=body,
        ):
            self._answer(401, {"status": "failed", "reason": "bad signature"})
            return
        call = json.loads(body)
        account, detail = SYSTEMS.get(self.path.strip("/"), ("Account", "Records"))
        subject = call.get("subject") or {}
        email = subject.get("email", "")
        orders = _orders(email) if email else []
        action = call.get("action", "")
        if action == "find":
            # A read-only search (the desk's identity match): which records know the
            # subject, and their keys. This stand-in knows every address except those of
            # "unknown" people, and a customer number only beside a known address.
            known = bool(email) and not email.lower().startswith("unknown")
            matched = ["email"] + (["customer_number"] if subject.get("customer_number") else [])
            key = "A-" + hashlib.sha256(email.lower().encode()).hexdigest()[:8]
            found = (
                [
                    {"what": account, "matched": matched, "rows": 1, "keys": [key]},
                    {"what": detail, "matched": ["email"], "rows": len(orders),
                     "keys": [order[0] for order in orders]},
                ]
                if known
                else []
            )  # fmt: skip
            self._answer(200, {"status": "done", "found": found})
            return
        if call.get("dry_run"):
            self._answer(
                200,
                {
                    "status": "done",
                    "plan": [
                        {"what": account, "action": action, "rows": 1 if email else 0},
                        {"what": detail, "action": action, "rows": len(orders)},
                    ],
                },
            )
            return
        if action == "export":
            self._answer(
                200,
                {
                    "status": "done",
                    "tables": {
                        "account": {
                            "label": account,
                            "columns": ["name", "email", "customer_number"],
                            "rows": [[subject.get("name"), email, subject.get("customer_number")]],
                        },
                        "records": {
                            "label": detail,
                            "columns": ["reference", "date", "amount_eur"],
                            "rows": orders,
                        },
                    },
                },
            )
            return
        self._answer(202, {"status": "accepted"})
        result = {
            "status": "done",
            "entries": [
                {"action": DONE.get(action, "erased"), "what": account, "rows": 1},
                {"action": DONE.get(action, "erased"), "what": detail, "rows": len(orders)},
            ],
        }
        threading.Thread(
            target=self._call_back, args=(call.get("callback_url", ""), result), daemon=True
        ).start()

    def _call_back(self, url: str, result: dict[str, Any]) -> None:
        time.sleep(self.callback_delay)
        try:
            post_signed(url, result, self.secret)
        except Exception:
            log.warning("demo receiver: callback to %s failed", url, exc_info=True)


def serve(host: str = DEMO_RECEIVER_HOST, port: int = DEMO_RECEIVER_PORT) -> ThreadingHTTPServer:
    return ThreadingHTTPServer((host, port), DemoReceiver)
