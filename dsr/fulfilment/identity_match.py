"""Identity matched against the records (issue 18): a read-only search of the sources.

While a request is in the identity check, an officer asks the organisation's data sources
which of them know the subject's e-mail address or customer number
(`dsr/connectors/matching.py`). Nothing in a source changes and nothing is copied into the
desk but, per source and part, which fields matched, how many records, and a keyed hash of
each matched record's key (HMAC with the desk's secret: the same record gives the same hash
next time, and a hash names no customer number). The result is an Event; the identity
decision that follows references it (dsr/workflow.py, `identity_decide`).

It runs in the web process like the dry run does, with the sources' own tight limits: SQL
sources connect through the SQL source policy (5 s connect timeout, never the desk's own
database) and HTTP sources through the egress policy with their configured timeout.
"""

from __future__ import annotations

import logging
from typing import Any

from django.db import transaction
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext as _

from accounts import access
from dsr import audit
from dsr.connectors import connector_for
from dsr.connectors.base import ConnectorError
from dsr.connectors.matching import MAX_KEYS, match, ordered
from dsr.fulfilment.runner import subject_of
from dsr.models import (
    ActorKind,
    ConnectorKind,
    DataSource,
    Event,
    EventKind,
    Request,
    Status,
)

log = logging.getLogger(__name__)

SEARCHABLE = (ConnectorKind.SQL, ConnectorKind.HTTP)


class MatchError(Exception):
    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def key_hash(source: DataSource, key: Any) -> str:
    """A keyed hash of a record's key in `source` (never the key itself)."""
    return salted_hmac("dsr.identity_match", f"{source.pk}:{key}", algorithm="sha256").hexdigest()


def _check(request: Request, actor: audit.Actor) -> None:
    if actor.kind != ActorKind.USER or not access.can_act(actor.user, request.organization):
        raise MatchError(_("Only officers and managers of this organisation can run a match."))
    if request.status != Status.IDENTITY_CHECK:
        raise MatchError(_("The records are matched during the identity check only."))


def identity_match(*, request: Request, actor: audit.Actor) -> Event:
    """Search every active SQL and HTTP source for the subject; record counts and hashes."""
    _check(request, actor)
    subject = subject_of(request)
    results: list[dict[str, Any]] = []
    sources = DataSource.objects.filter(
        organization=request.organization, active=True, kind__in=SEARCHABLE
    ).order_by("name")
    for source in sources:
        entry: dict[str, Any] = {"source": source.name, "kind": source.kind, "parts": []}
        try:
            for line in match(connector_for(source), subject):
                entry["parts"].append(
                    {
                        "what": line.what,
                        "fields": line.fields,
                        "rows": line.rows,
                        "keys": [key_hash(source, key) for key in line.keys[:MAX_KEYS]],
                    }
                )
        except ConnectorError as error:
            entry["error"] = str(error)
        except Exception as error:  # one source must not break the whole match
            log.exception("identity match of source %s failed", source.pk)
            entry["error"] = type(error).__name__
        entry["fields"] = ordered({name for part in entry["parts"] for name in part["fields"]})
        entry["rows"] = sum(part["rows"] for part in entry["parts"])
        results.append(entry)
    with transaction.atomic():
        locked = Request.objects.select_for_update(of=("self",)).get(pk=request.pk)
        _check(locked, actor)
        return audit.record(
            organization=request.organization,
            kind=EventKind.IDENTITY_MATCHED,
            actor=actor,
            request=locked,
            data={
                "sources": results,
                "searched": {
                    "email": bool(subject.email),
                    "customer_number": bool(subject.customer_number),
                },
            },
        )


def latest_match(request: Request) -> Event | None:
    return (
        Event.objects.filter(request=request, kind=EventKind.IDENTITY_MATCHED)
        .order_by("-sequence")
        .first()
    )


FIELD_LABELS = {"email": "e-mail", "customer_number": "customer number"}


def _fields_text(fields: list[str]) -> str:
    labels = [str(_(FIELD_LABELS.get(name, name))) for name in fields]
    if len(labels) <= 1:
        return "".join(labels)
    return _("%(first)s and %(last)s") % {"first": ", ".join(labels[:-1]), "last": labels[-1]}


def match_sentences(data: dict[str, Any]) -> list[str]:
    """The match as the officer reads it: "e-mail and customer number match Customer
    platform", one sentence per source."""
    sentences = []
    for entry in data.get("sources", []):
        if entry.get("error"):
            sentences.append(
                _("%(source)s could not be searched (%(error)s).")
                % {"source": entry["source"], "error": entry["error"]}
            )
        elif entry.get("fields"):
            sentences.append(
                _("%(fields)s match %(source)s (%(rows)s records).")
                % {
                    "fields": _fields_text(entry["fields"]),
                    "source": entry["source"],
                    "rows": entry["rows"],
                }
            )
        elif entry.get("rows"):
            sentences.append(
                _("%(source)s knows the subject (%(rows)s records).")
                % {"source": entry["source"], "rows": entry["rows"]}
            )
        else:
            sentences.append(_("%(source)s does not know the subject.") % entry)
    return sentences
