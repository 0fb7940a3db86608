"""Reading a received message: headers, text, files, and what kind of mail it is.

Pure functions on bytes, no database. Hostile input is the normal case: every header is
read with the standard library's `email` package in its modern policy, and any failure of
a part is a "defect" noted on the result, never an exception out of `mail_parse` (a
malformed message must never stop the poll).
"""

from __future__ import annotations

import email
import email.policy
import email.utils
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.message import EmailMessage, Message

# A header value kept at most this long (a subject, a Message-ID).
HEADER_LIMIT = 998
# The text of a message kept for the desk (the original is kept whole, encrypted).
TEXT_LIMIT = 200_000
# Files taken out of one message at most (the others stay in the original).
MAX_FILES = 20

_MESSAGE_ID = re.compile(r"<[^<>\s]{1,900}>")


@dataclass
class MailFile:
    name: str
    declared_type: str
    content: bytes


@dataclass
class ParsedMail:
    message_id: str = ""
    in_reply_to: list[str] = field(default_factory=list)
    references: list[str] = field(default_factory=list)
    sender_address: str = ""
    sender_name: str = ""
    reply_address: str = ""
    to_addresses: list[str] = field(default_factory=list)
    subject: str = ""
    date: datetime | None = None
    text: str = ""
    from_html: bool = False
    files: list[MailFile] = field(default_factory=list)
    received: list[str] = field(default_factory=list)  # Received headers, topmost first
    auto_submitted: str = ""
    precedence: str = ""
    auto_reply_headers: bool = False
    is_delivery_report: bool = False
    bounced_message_ids: list[str] = field(default_factory=list)
    bounce_status: str = ""
    loop_marker: bool = False
    defects: list[str] = field(default_factory=list)


def _header(message: Message, name: str) -> str:
    try:
        value = message.get(name)
    except Exception:  # a header the policy cannot parse: read it raw
        value = None
        for key, raw in message.raw_items() if hasattr(message, "raw_items") else []:
            if key.lower() == name.lower():
                value = raw
                break
    if value is None:
        return ""
    text = str(value)
    return " ".join(text.split())[:HEADER_LIMIT]


def message_ids(value: str) -> list[str]:
    """The Message-IDs in a header value ("<a@b> <c@d>"), in order, lower-cased."""
    return [match.lower() for match in _MESSAGE_ID.findall(value or "")]


def _address(message: Message, name: str) -> tuple[str, str]:
    raw = _header(message, name)
    if not raw:
        return "", ""
    try:
        pairs = email.utils.getaddresses([raw])
    except Exception:
        return "", ""
    for display, address in pairs:
        if "@" in address:
            return display[:200], address.strip().lower()[:254]
    return "", ""


def _decode_text(part: Message) -> str:
    try:
        content = part.get_content()  # type: ignore[attr-defined]
        if isinstance(content, bytes):
            content = content.decode("utf-8", "replace")
        return str(content)
    except Exception:
        payload = part.get_payload(decode=True) or b""
        charset = part.get_content_charset() or "utf-8"
        try:
            return payload.decode(charset, "replace")
        except LookupError:
            return payload.decode("utf-8", "replace")


def _file_name(part: Message, index: int) -> str:
    try:
        name = part.get_filename()
    except Exception:
        name = None
    if not name:
        subtype = (part.get_content_subtype() or "bin")[:10]
        name = f"attachment-{index}.{subtype}"
    return str(name)[:200]


def _html_to_text(html: str) -> str:
    from dsr.inbox.guess import html_to_text

    return html_to_text(html)


def _tidy(text: str) -> str:
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    if len(text) > TEXT_LIMIT:
        text = text[:TEXT_LIMIT] + " […]"
    return text.strip()


def _walk_bounce(part: Message, parsed: ParsedMail) -> None:
    """The returned message (or its headers) inside a delivery report, and its status."""
    content_type = part.get_content_type()
    if content_type == "message/delivery-status":
        for block in part.get_payload() if part.is_multipart() else []:
            status = _header(block, "Status") if isinstance(block, Message) else ""
            if status and not parsed.bounce_status:
                diagnostic = _header(block, "Diagnostic-Code")
                parsed.bounce_status = f"{status} {diagnostic}".strip()[:300]
        if not parsed.bounce_status:
            raw = part.get_payload(decode=False)
            match = re.search(r"(?im)^Status:\s*([0-9.]+)", str(raw))
            if match:
                parsed.bounce_status = match.group(1)
    elif content_type in ("message/rfc822", "message/global"):
        inner = part.get_payload()
        inner = inner[0] if isinstance(inner, list) and inner else inner
        if isinstance(inner, Message):
            parsed.bounced_message_ids += message_ids(_header(inner, "Message-ID"))
    elif content_type in ("text/rfc822-headers", "message/global-headers"):
        text = _decode_text(part)
        match = re.search(r"(?im)^Message-ID:\s*(<[^>]+>)", text)
        if match:
            parsed.bounced_message_ids += message_ids(match.group(1))


def mail_parse(raw: bytes) -> ParsedMail:
    """Everything the desk reads from a message; never raises on malformed input."""
    parsed = ParsedMail()
    try:
        message: EmailMessage = email.message_from_bytes(raw, policy=email.policy.default)  # type: ignore[assignment]
    except Exception as exc:  # pragma: no cover — the parser is built not to raise
        parsed.defects.append(f"unparseable: {type(exc).__name__}")
        return parsed

    ids = message_ids(_header(message, "Message-ID"))
    parsed.message_id = ids[0] if ids else ""
    parsed.in_reply_to = message_ids(_header(message, "In-Reply-To"))
    parsed.references = message_ids(_header(message, "References"))
    parsed.sender_name, parsed.sender_address = _address(message, "From")
    parsed.reply_address = _address(message, "Reply-To")[1]
    try:
        parsed.to_addresses = [
            address.lower()
            for _name, address in email.utils.getaddresses(
                [_header(message, "To"), _header(message, "Cc")]
            )
            if "@" in address
        ][:50]
    except Exception:
        parsed.defects.append("bad To/Cc")
    parsed.subject = _header(message, "Subject")
    try:
        parsed.date = email.utils.parsedate_to_datetime(_header(message, "Date"))
        if parsed.date is not None and parsed.date.tzinfo is None:
            parsed.date = parsed.date.replace(tzinfo=UTC)
    except Exception:
        parsed.date = None
    try:
        parsed.received = [" ".join(str(v).split()) for v in message.get_all("Received") or []]
    except Exception:
        parsed.defects.append("bad Received")
    parsed.auto_submitted = _header(message, "Auto-Submitted").lower()
    parsed.precedence = _header(message, "Precedence").lower()
    parsed.auto_reply_headers = bool(
        _header(message, "X-Autoreply") or _header(message, "X-Autorespond")
    )
    parsed.loop_marker = bool(_header(message, "X-DSR-Desk"))
    content_type = message.get_content_type()
    report_type = (message.get_param("report-type") or "") if content_type else ""
    parsed.is_delivery_report = (
        content_type == "multipart/report" and str(report_type).lower() == "delivery-status"
    )
    parsed.defects += [type(defect).__name__ for defect in message.defects][:10]

    plain: list[str] = []
    html: list[str] = []
    index = 0
    try:
        for part in message.walk():
            parsed.defects += [type(defect).__name__ for defect in part.defects][:10]
            if parsed.is_delivery_report:
                _walk_bounce(part, parsed)
            if part.is_multipart():
                continue
            part_type = part.get_content_type()
            disposition = (part.get_content_disposition() or "").lower()
            if part_type.startswith("message/") and part is not message:
                continue
            if disposition != "attachment" and part_type == "text/plain":
                plain.append(_decode_text(part))
                continue
            if disposition != "attachment" and part_type == "text/html":
                html.append(_decode_text(part))
                continue
            if part_type.startswith("text/") and disposition != "attachment":
                continue
            index += 1
            if len(parsed.files) >= MAX_FILES:
                parsed.defects.append("too many files")
                continue
            try:
                payload = part.get_payload(decode=True) or b""
            except Exception:
                parsed.defects.append("undecodable part")
                continue
            parsed.files.append(
                MailFile(name=_file_name(part, index), declared_type=part_type, content=payload)
            )
    except Exception as exc:
        parsed.defects.append(f"walk failed: {type(exc).__name__}")

    if plain:
        parsed.text = _tidy("\n\n".join(plain))
    elif html:
        parsed.text = _tidy(_html_to_text("\n".join(html)))
        parsed.from_html = True
    parsed.defects = list(dict.fromkeys(parsed.defects))[:20]
    return _without_nul(parsed)


def _without_nul(parsed: ParsedMail) -> ParsedMail:
    """No NUL character in any text: PostgreSQL's text and jsonb refuse it (and no reader
    needs it). The original keeps every byte."""
    for name, value in vars(parsed).items():
        if isinstance(value, str):
            setattr(parsed, name, value.replace("\x00", ""))
        elif isinstance(value, list):
            setattr(
                parsed, name, [v.replace("\x00", "") if isinstance(v, str) else v for v in value]
            )
    for mail_file in parsed.files:
        mail_file.name = mail_file.name.replace("\x00", "")
        mail_file.declared_type = mail_file.declared_type.replace("\x00", "")
    return parsed


# -- the date of receipt

_RECEIVED_BY = re.compile(r"\bby\s+([A-Za-z0-9.\-]+)", re.IGNORECASE)


def received_by_own_server(
    received: list[str], hostnames: list[str]
) -> tuple[datetime, str] | None:
    """The date in the topmost `Received:` header added by one of `hostnames`, and that host.

    Headers are added on top, so the topmost ones are the receiving side's; a sender can
    write any `Received:` header below them, which is why only a header whose "by" host is
    one of the organisation's own servers counts, and the first (topmost) such one."""
    wanted = {name.lower().rstrip(".") for name in hostnames if name}
    if not wanted:
        return None
    for header in received:
        by = _RECEIVED_BY.search(header.split(";")[0])
        if not by or by.group(1).lower().rstrip(".") not in wanted:
            continue
        if ";" not in header:
            return None
        try:
            when = email.utils.parsedate_to_datetime(header.rsplit(";", 1)[1].strip())
        except (TypeError, ValueError, IndexError):
            return None
        if when is None:
            return None
        if when.tzinfo is None:
            when = when.replace(tzinfo=UTC)
        return when, by.group(1).lower().rstrip(".")
    return None


# -- classification

AUTO_SUBJECT = re.compile(
    r"^\s*(automatic reply|auto[- ]?reply|autoreply|out of (the )?office|afwezig|"
    r"automatisch antwoord|r[ée]ponse automatique|absence)\b",
    re.IGNORECASE,
)


def is_auto_reply(parsed: ParsedMail) -> bool:
    """RFC 3834 `Auto-Submitted` other than "no", `Precedence: bulk/junk/list/auto_reply`,
    the vendors' auto-reply headers, or (with none of those) an out-of-office subject."""
    if parsed.auto_submitted and parsed.auto_submitted.split(";")[0].strip() != "no":
        return True
    if parsed.precedence in ("bulk", "junk", "list", "auto_reply"):
        return True
    if parsed.auto_reply_headers:
        return True
    return bool(AUTO_SUBJECT.match(parsed.subject))


def is_bounce(parsed: ParsedMail) -> bool:
    if parsed.is_delivery_report:
        return True
    sender = parsed.sender_address
    return sender.startswith(("mailer-daemon@", "postmaster@")) and bool(
        re.search(r"(undeliver|delivery status|failure|returned mail)", parsed.subject, re.I)
    )
