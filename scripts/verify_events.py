#!/usr/bin/env python3
"""Check a DSR Desk events download on your own machine, with Python's standard library only.

    python3 verify_events.py OPM-2026-00042-events.json

A download (/desk/requests/<reference>/events.json) holds every event of one request as the
desk's hash chain recorded it. For each event this script recomputes its hash, the SHA-256
of the canonical JSON (keys sorted, no spaces, UTF-8, non-ASCII characters as they are) of

    organization, sequence, previous, request, created_at, kind, actor_kind, actor_label,
    data, payload_hash

and compares it with the event's `hash`. Where two events of the download are neighbours in
the organisation's chain (sequence n and n + 1), it checks that the later one's `previous` is
the earlier one's `hash`; the chain's first event must follow 64 zeros; an event at the
sequence of the head recorded in the download must have the head's hash. Every event of a
download has its place in the chain: one without a sequence or hash is itself a problem.

Exit status 0 when everything holds, 1 naming each event that does not, 2 for a file that
is not a download of this kind. See docs/AUDIT.md, "Verifying an export".
"""

from __future__ import annotations

import hashlib
import json
import sys

FORMAT = "dsr-desk-events/1"
FIELDS = (
    "organization",
    "sequence",
    "previous",
    "request",
    "created_at",
    "kind",
    "actor_kind",
    "actor_label",
    "data",
    "payload_hash",
)


def event_hash(event: dict) -> str:
    material = {name: event[name] for name in FIELDS}
    canonical = json.dumps(material, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def check(export: dict) -> tuple[list[str], list[str]]:
    """(problems, notes) about one download."""
    problems, notes = [], []
    organization = export["organization"]["id"]
    request = export["request"]["id"]
    head = export["chain_head"]
    genesis = export.get("genesis_previous", "0" * 64)
    chained = {}
    for event in export["events"]:
        if event.get("sequence") is None or not event.get("hash"):
            problems.append(f"an event ({event.get('kind')}) without its place in the chain")
            continue
        name = f"event #{event['sequence']} ({event['kind']})"
        if event["sequence"] in chained:
            problems.append(f"{name}: a second event with the same sequence number")
            continue
        chained[event["sequence"]] = event
        if event["organization"] != organization or event["request"] != request:
            problems.append(f"{name}: belongs to another organisation or request")
        if event_hash(event) != event["hash"]:
            problems.append(f"{name}: altered — its hash does not match its contents")
        if event["sequence"] == 1 and event["previous"] != genesis:
            problems.append(f"{name}: the chain's first event does not start from 64 zeros")
        if event["sequence"] == head["sequence"] and event["hash"] != head["hash"]:
            problems.append(f"{name}: is the chain's head but has another hash than the head")
    links = 0
    for sequence, event in sorted(chained.items()):
        before = chained.get(sequence - 1)
        if before is None:
            continue
        links += 1
        if event["previous"] != before["hash"]:
            problems.append(
                f"event #{sequence} ({event['kind']}): does not follow event #{sequence - 1} "
                "(reordered, or one of them replaced)"
            )
    notes.append(f"{len(chained)} chained events checked, {links} links between neighbours")
    return problems, notes


def main(argv: list[str]) -> int:
    if len(argv) != 2:
        print(__doc__.strip().splitlines()[2].strip(), file=sys.stderr)
        return 2
    try:
        with open(argv[1], encoding="utf-8") as handle:
            export = json.load(handle)
        if export.get("format") != FORMAT:
            raise ValueError(f"not a {FORMAT} download")
        problems, notes = check(export)
    except (OSError, ValueError, KeyError, TypeError) as exc:
        print(f"cannot check {argv[1]}: {exc}", file=sys.stderr)
        return 2
    reference = export["request"]["reference"]
    for note in notes:
        print(f"{reference}: {note}")
    for problem in problems:
        print(f"{reference}: FAILED {problem}")
    if problems:
        return 1
    print(f"{reference}: OK, every hash matches")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
