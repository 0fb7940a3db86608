"""The controller's own endpoint: a signed JSON call, answered at once or later.

Every call carries `X-DSR-Timestamp` (Unix seconds) and `X-DSR-Signature:
sha256=<hex>`, the HMAC-SHA256 of `<timestamp>.<body>` with the source's secret; the
system answers the same way when it calls back. The body:

    {"action": "erase", "right": "erasure", "reference": "OPM-2026-00042",
     "step": "<token>", "dry_run": false, "callback_url": "https://desk/.../callback/<token>/",
     "subject": {"name": ..., "email": ..., "customer_number": ...}, "corrections": {...}}

Answers: `200` with the result (below); `202` with an optional `poll_url`, then a signed
POST of the result to `callback_url`, or the desk polls `poll_url` (GET, signed) until it
says done. A result is `{"status": "done", "entries": [{"action": "erased", "what":
"Orders", "rows": 3}], "tables": {"orders": {"label": "Orders", "columns": [...], "rows":
[[...], ...]}}}` or `{"status": "failed", "reason": "..."}`. Timeouts, connection errors,
`408`, `429` and `5xx` are retried with back-off; other `4xx` fail the step at once.

Every call (the dry run in the web process, the steps and polls in the worker) goes through
the egress policy (dsr/egress.py): the endpoint and any poll URL the system gives must be
public addresses unless the operator allow-lists their network, redirects are answers (a
`3xx` fails the step), and a failure is recorded by its class ("HTTP 404", "refused:
loopback address"), never with the system's body or address.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlsplit

from django.core.serializers.json import DjangoJSONEncoder

from dsr import egress
from dsr.connectors.base import (
    ACTIONS,
    CAPABILITIES,
    ConfigError,
    Connector,
    Entry,
    Outcome,
    PermanentError,
    PlanLine,
    StepContext,
    Subject,
    TransientError,
)
from dsr.models import Right

SIGNATURE_HEADER = "X-DSR-Signature"
TIMESTAMP_HEADER = "X-DSR-Timestamp"
# A signed message older or newer than this is refused (replay protection).
SIGNATURE_TOLERANCE_SECONDS = 300
MAX_ANSWER_BYTES = 50 * 1024 * 1024
ACTION_FOR_RIGHT = {
    Right.ACCESS: "export",
    Right.PORTABILITY: "export",
    Right.ERASURE: "erase",
    Right.RECTIFICATION: "rectify",
    Right.RESTRICTION: "restrict",
}
DONE_ACTION = {
    Right.ACCESS: "exported",
    Right.PORTABILITY: "exported",
    Right.ERASURE: "erased",
    Right.RECTIFICATION: "rectified",
    Right.RESTRICTION: "restricted",
}


def sign(secret: str, timestamp: str, body: bytes) -> str:
    digest = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256)
    return "sha256=" + digest.hexdigest()


def signature_valid(
    secret: str, *, timestamp: str, signature: str, body: bytes, now: float | None = None
) -> bool:
    """True for a signature made with `secret` over this body, within the time tolerance."""
    if not secret or not timestamp or not signature:
        return False
    try:
        moment = int(timestamp)
    except ValueError:
        return False
    if abs((now if now is not None else time.time()) - moment) > SIGNATURE_TOLERANCE_SECONDS:
        return False
    return hmac.compare_digest(sign(secret, timestamp, body), signature)


class HttpConnector(Connector):
    kind = "http"

    @property
    def url(self) -> str:
        return str(self.config.get("url", ""))

    @property
    def timeout(self) -> float:
        return float(self.config.get("timeout_seconds", 10))

    @property
    def poll_seconds(self) -> float:
        return float(self.config.get("poll_seconds", 30))

    @property
    def wait_limit(self) -> float:
        return float(self.config.get("wait_hours", 24)) * 3600

    @property
    def secret(self) -> str:
        return str(self.secrets.get("hmac_secret", ""))

    def validate(self) -> None:
        try:
            egress.check_url(self.url)
        except egress.EgressError as error:
            raise ConfigError(str(error)) from None
        if len(self.secret) < 16:
            raise ConfigError("the HMAC secret must be at least 16 characters")
        unknown = set(self.config.get("capabilities", [])) - set(CAPABILITIES)
        if unknown:
            raise ConfigError(f"unknown capabilities: {', '.join(sorted(unknown))}")
        if not self.config.get("capabilities"):
            raise ConfigError("say what the endpoint can do (export, erase, rectify, restrict)")

    def capabilities(self) -> set[str]:
        return {"find", *self.config.get("capabilities", [])}

    def describe(self) -> Iterator[str]:
        yield self.url
        yield ", ".join(sorted(self.capabilities()))

    # -- the wire

    def _call(self, method: str, url: str, payload: dict[str, Any] | None) -> tuple[int, Any]:
        """One signed exchange under the egress policy. Errors name the class of failure
        only: the answer's body and the address stay out of the job page."""
        body = b"" if payload is None else json.dumps(payload, cls=DjangoJSONEncoder).encode()
        timestamp = str(int(time.time()))
        try:
            response = egress.request(
                method,
                url,
                body=body if method == "POST" else None,
                headers={
                    "Content-Type": "application/json",
                    "Accept": "application/json",
                    "User-Agent": "DSR-Desk",
                    TIMESTAMP_HEADER: timestamp,
                    SIGNATURE_HEADER: sign(self.secret, timestamp, body),
                },
                timeout=self.timeout,
                max_bytes=MAX_ANSWER_BYTES,
            )
        except egress.EgressError as error:
            if error.transient:
                raise TransientError(str(error)) from None
            raise PermanentError(str(error)) from None
        status = response.status
        if status in (408, 429) or status >= 500:
            raise TransientError(egress.status_text(response))
        if status >= 300:
            raise PermanentError(egress.status_text(response))
        try:
            answer = json.loads(response.body or b"{}")
        except ValueError:
            raise PermanentError(f"HTTP {status} without JSON") from None
        return status, answer

    def _payload(
        self, *, subject: Subject, right: str, token: str, dry_run: bool, **extra: Any
    ) -> dict[str, Any]:
        return {
            "action": ACTION_FOR_RIGHT[right],
            "right": right,
            "reference": subject.reference,
            "step": token,
            "dry_run": dry_run,
            "subject": {
                "name": subject.name,
                "email": subject.email,
                "customer_number": subject.customer_number,
            },
            **extra,
        }

    # -- dry run and run

    def dry_run(self, *, subject: Subject, right: str) -> list[PlanLine]:
        status, answer = self._call(
            "POST", self.url, self._payload(subject=subject, right=right, token="", dry_run=True)
        )
        action = ACTION_FOR_RIGHT[right]
        plan = answer.get("plan") if status == 200 and isinstance(answer, dict) else None
        if not isinstance(plan, list):
            return [
                PlanLine(self.source.name, action, None, "the system does not report a dry run")
            ]
        return [
            PlanLine(
                what=str(line.get("what", self.source.name)),
                action=str(line.get("action", action)),
                rows=line.get("rows") if isinstance(line.get("rows"), int) else None,
                detail=str(line.get("detail", "")),
            )
            for line in plan
            if isinstance(line, dict)
        ]

    def run(self, context: StepContext) -> Outcome:
        state = context.state
        if state.get("accepted"):
            if state.get("poll_url"):
                return self.poll(context)
            if time.time() < float(state.get("wait_until", 0)):
                return Outcome(waiting=True, wait_limit=float(state["wait_until"]) - time.time())
            raise PermanentError(
                f"the system accepted the call but sent no result within "
                f"{self.wait_limit / 3600:g} hours"
            )
        payload = self._payload(
            subject=context.subject,
            right=context.right,
            token=context.token,
            dry_run=False,
            callback_url=context.callback_url,
            corrections=context.corrections,
        )
        status, answer = self._call("POST", self.url, payload)
        if status == 202:
            poll_url = answer.get("poll_url", "") if isinstance(answer, dict) else ""
            if poll_url and (
                not isinstance(poll_url, str) or urlsplit(poll_url).scheme not in ("http", "https")
            ):
                raise PermanentError("the system gave a poll URL that is not http(s)")
            state.update(accepted=True, poll_url=poll_url, wait_until=time.time() + self.wait_limit)
            context.checkpoint()
            return Outcome(
                waiting=True,
                poll_after=self.poll_seconds if poll_url else None,
                wait_limit=self.wait_limit,
            )
        return self.result(context, answer)

    def poll(self, context: StepContext) -> Outcome:
        status, answer = self._call("GET", context.state["poll_url"], None)
        if status == 202 or (isinstance(answer, dict) and answer.get("status") == "pending"):
            if time.time() > float(context.state.get("wait_until", 0)):
                raise PermanentError(
                    f"the system did not finish within {self.wait_limit / 3600:g} hours"
                )
            return Outcome(waiting=True, poll_after=self.poll_seconds, wait_limit=self.wait_limit)
        return self.result(context, answer)

    def result(self, context: StepContext, answer: Any) -> Outcome:
        """Turn the system's result (sync answer, poll or callback) into the step's record."""
        if not isinstance(answer, dict) or answer.get("status") not in ("done", "failed"):
            raise PermanentError("the system's answer has no 'status' of 'done' or 'failed'")
        if answer["status"] == "failed":
            reason = str(answer.get("reason", "")).strip() or "no reason given"
            raise PermanentError(f"the system could not do it: {reason[:1000]}")
        entries = []
        for raw in answer.get("entries") or []:
            entry = Entry.from_dict(raw if isinstance(raw, dict) else {})
            if entry.action not in ACTIONS:
                raise PermanentError(f"the system answered an unknown action '{entry.action}'")
            entries.append(entry)
        tables = answer.get("tables") or {}
        if context.right in (Right.ACCESS, Right.PORTABILITY) and isinstance(tables, dict):
            for name, table in tables.items():
                if not isinstance(table, dict):
                    continue
                columns = [str(column) for column in table.get("columns", [])]
                rows = table.get("rows", [])
                label = str(table.get("label") or name)
                with context.export_table(name=str(name), label=label, columns=columns) as out:
                    for row in rows:
                        out.write(row if isinstance(row, list) else [row])
                if not any(entry.what == label for entry in entries):
                    entries.append(Entry("exported", label, len(rows)))
        if not entries:
            entries.append(Entry(DONE_ACTION[context.right], self.source.name))
        return Outcome(entries=entries)
