"""E-mail intake: messages read from a real IMAP mailbox (Dovecot over TLS) and recorded by
the desk, compared in the same run with a baseline that only fetches and parses them.

    .venv/bin/python bench/email_intake.py            # full run: 10,000 messages
    .venv/bin/python bench/email_intake.py --smoke    # 300 messages; what CI runs

Starts a private Dovecot (.ci/imap-server, needs dovecot-imapd and root) on a free port
and a fresh PostgreSQL database (both removed afterwards), and appends the same N
realistic messages to two folders: plain Dutch/English/French requests, a third with a
small PDF, a fifth HTML-only. Then:

- baseline: the standard library only: `imaplib` over TLS fetches every message of the
  first folder in the same batches the desk uses, and `email` parses it and reads its
  text and files (nothing stored, nothing moved);
- desk: `mailbox_poll` on the second folder: every message recorded once (the original
  encrypted on disk, files checked, guesses, the audit event), then moved to the
  processed folder. First 1,000 messages (10% in smoke), then the rest: the process's peak
  memory (ru_maxrss) after each part shows whether memory stays flat.

Prints one JSON line: messages per second of both, their ratio (target >= 0.5), and the
peak memory after the first part and at the end.
"""

from __future__ import annotations

import argparse
import email
import email.policy
import imaplib
import json
import os
import resource
import shutil
import socket
import ssl
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

# Run as `python bench/email_intake.py`, Python puts bench/ first on the path, where
# bench/queue.py would shadow the standard module: import from the root instead.
_ROOT = Path(__file__).resolve().parent.parent
sys.path[:] = [str(_ROOT)] + [
    entry for entry in sys.path if Path(entry or ".").resolve() != _ROOT / "bench"
]

from bench.common import ADMIN_URL, ROOT, admin  # noqa: E402

BATCH = 500

BODIES = [
    (
        "Inzage in mijn gegevens",
        "Beste,\n\nGraag ontvang ik een kopie van alle persoonsgegevens die u van mij "
        "verwerkt (inzageverzoek, artikel 15 AVG).\n\nMet vriendelijke groet,\nJan Peeters\n",
    ),
    (
        "Please delete my account",
        "Hello,\n\nI would like you to erase all personal data you hold about me and close "
        "my account. Please confirm when this is done.\n\nKind regards,\nEmma Wilson\n",
    ),
    (
        "Demande d'accès à mes données",
        "Bonjour,\n\nJe souhaite exercer mon droit d'accès à mes données personnelles.\n\n"
        "Cordialement,\nClaire Dubois\n",
    ),
]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def messages(count: int) -> list[bytes]:
    from email.message import EmailMessage
    from email.utils import format_datetime, make_msgid

    from tests.builders import blank_pdf

    pdf = blank_pdf()
    result = []
    for number in range(count):
        subject, body = BODIES[number % len(BODIES)]
        message = EmailMessage()
        message["From"] = f"Person {number} <person{number}@example.be>"
        message["To"] = "privacy@ilumen.example"
        message["Subject"] = f"{subject} ({number})"
        message["Date"] = format_datetime(datetime(2026, 11, 30, 9, 0, tzinfo=UTC))
        message["Message-ID"] = make_msgid(domain="bench.example")
        if number % 5 == 4:
            html = "<html><body><p>" + body.replace("\n", "<br>") + "</p></body></html>"
            message.set_content(html, subtype="html")
        else:
            message.set_content(body)
        if number % 3 == 2:
            message.add_attachment(
                pdf, maintype="application", subtype="pdf", filename="identity.pdf"
            )
        result.append(message.as_bytes(policy=email.policy.SMTP))
    return result


def append_all(env: dict[str, str], folders: list[str], raws: list[bytes]) -> None:
    context = ssl.create_default_context(cafile=env["IMAP_CA"])
    client = imaplib.IMAP4_SSL(env["IMAP_HOST"], int(env["IMAP_PORT"]), ssl_context=context)
    client.login(env["IMAP_USER"], env["IMAP_PASSWORD"])
    for folder in folders:
        client.create(folder)
        for raw in raws:
            client.append(folder, None, None, raw)
    client.logout()


def baseline(env: dict[str, str], folder: str) -> tuple[int, float]:
    """Fetch and parse every message with the standard library only."""
    started = time.perf_counter()
    context = ssl.create_default_context(cafile=env["IMAP_CA"])
    client = imaplib.IMAP4_SSL(env["IMAP_HOST"], int(env["IMAP_PORT"]), ssl_context=context)
    client.login(env["IMAP_USER"], env["IMAP_PASSWORD"])
    client.select(folder, readonly=True)
    _, data = client.uid("SEARCH", None, "ALL")
    uids = data[0].split()
    parsed = 0
    for start in range(0, len(uids), BATCH):
        chunk = b",".join(uids[start : start + BATCH]).decode()
        client.uid("FETCH", chunk, "(UID RFC822.SIZE INTERNALDATE)")
        _, bodies = client.uid("FETCH", chunk, "(UID BODY.PEEK[])")
        for item in bodies:
            if not isinstance(item, tuple):
                continue
            message = email.message_from_bytes(item[1], policy=email.policy.default)
            body = message.get_body(preferencelist=("plain", "html"))
            if body is not None:
                body.get_content()
            for part in message.iter_attachments():
                part.get_payload(decode=True)
            parsed += 1
    client.logout()
    return parsed, time.perf_counter() - started


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--smoke", action="store_true", help="300 messages, for CI")
    parser.add_argument("--messages", type=int, default=10_000)
    args = parser.parse_args()
    count = 300 if args.smoke else args.messages
    first_part = max(1, count // 10)

    imap_dir = Path(tempfile.mkdtemp(prefix="dsr-bench-imap-"))
    var_dir = Path(os.environ.get("DSR_VAR_DIR") or tempfile.mkdtemp(prefix="dsr-bench-"))
    database = f"dsr_bench_email_{os.getpid()}"
    script = ROOT / ".ci" / "imap-server"
    try:
        return _run(args.smoke, count, first_part, imap_dir, var_dir, database, script)
    finally:
        # Whatever failed, no Dovecot and no database stay behind.
        subprocess.run(
            [str(script), "stop", str(imap_dir)],
            check=False,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        shutil.rmtree(imap_dir, ignore_errors=True)


def _run(smoke, count, first_part, imap_dir, var_dir, database, script) -> None:
    with open(imap_dir / "start.log", "wb") as log:
        subprocess.run(
            [str(script), "start", str(imap_dir), str(free_port())],
            check=True,
            stdout=log,
            stderr=log,
        )
    env = dict(
        line.split("=", 1) for line in (imap_dir / "env").read_text().splitlines() if "=" in line
    )
    from cryptography.fernet import Fernet

    os.environ.update(
        {
            "DATABASE_URL": ADMIN_URL.rsplit("/", 1)[0] + "/" + database,
            "DJANGO_SETTINGS_MODULE": "config.settings",
            "DEBUG": "false",
            "SECRET_KEY": "bench-only-" + os.urandom(24).hex(),
            "DSR_ENCRYPTION_KEYS": Fernet.generate_key().decode(),
            "ALLOWED_HOSTS": "localhost",
            "DSR_VAR_DIR": str(var_dir),
            "DSR_EGRESS_ALLOW": "127.0.0.0/8,::1/128",
            "DSR_EGRESS_CA_FILE": env["IMAP_CA"],
            "LOG_LEVEL": "WARNING",
        }
    )
    admin(f"CREATE DATABASE {database}")
    try:
        import django

        django.setup()
        from django.core.management import call_command
        from django.db import connections

        from dsr.demo.data import ORGANIZATIONS
        from dsr.demo.loader import _organization
        from dsr.mail.imap import mailbox_poll
        from dsr.models import InboundMail, Mailbox

        call_command("migrate", verbosity=0)
        organization = _organization(ORGANIZATIONS[0])
        raws = messages(count)
        append_all(env, ["base", "desk"], raws)
        del raws

        parsed, base_seconds = baseline(env, "base")
        mailbox = Mailbox(
            organization=organization,
            enabled=True,
            host=env["IMAP_HOST"],
            port=int(env["IMAP_PORT"]),
            username=env["IMAP_USER"],
            folder="desk",
            processed_folder="desk-done",
        )
        mailbox.set_secret(env["IMAP_PASSWORD"])
        mailbox.save()
        started = time.perf_counter()
        first = mailbox_poll(mailbox, limit=first_part)
        peak_first = peak_mb()
        rest = mailbox_poll(mailbox)
        desk_seconds = time.perf_counter() - started
        peak_end = peak_mb()
        recorded = InboundMail.objects.filter(organization=organization).count()
        failed = first.failed + rest.failed
        connections.close_all()
    finally:
        try:
            from django.db import connections as all_connections

            all_connections.close_all()
        except Exception:  # noqa: S110 — Django may not be set up yet
            pass
        admin(f"DROP DATABASE IF EXISTS {database} WITH (FORCE)")
    base_rate = parsed / base_seconds
    desk_rate = recorded / desk_seconds
    print(
        json.dumps(
            {
                "bench": "email_intake",
                "smoke": smoke,
                "messages": count,
                "recorded": recorded,
                "failed": failed,
                "baseline_messages_per_second": round(base_rate, 1),
                "desk_messages_per_second": round(desk_rate, 1),
                "ratio": round(desk_rate / base_rate, 3),
                "target_ratio": 0.5,
                "peak_rss_mb_after_first": round(peak_first, 1),
                "first_part_messages": first_part,
                "peak_rss_mb_at_end": round(peak_end, 1),
            }
        )
    )


if __name__ == "__main__":
    main()
