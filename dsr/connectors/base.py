"""What every connector offers, and the small vocabulary jobs and letters share.

A connector is built from a `DataSource` and answers four questions: is the
configuration right (`validate`), which rights can it carry out (`capabilities`),
what would happen (`dry_run`), and do it (`run`). `run` is called again after a
crash or a retry with the same `StepContext.state`, so it must be idempotent: it
resumes from the bookmark in `state` and never counts a row twice.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from contextlib import AbstractContextManager
from dataclasses import asdict, dataclass, field
from typing import Any, Protocol

from dsr.models import DataSource, Right

# Which capability each right needs from a source.
CAPABILITY_FOR_RIGHT = {
    Right.ACCESS: "export",
    Right.PORTABILITY: "export",
    Right.ERASURE: "erase",
    Right.RECTIFICATION: "rectify",
    Right.RESTRICTION: "restrict",
}
CAPABILITIES = ("find", "export", "erase", "rectify", "restrict")


class ConnectorError(Exception):
    """Something a person must read: the message says what and where."""


class ConfigError(ConnectorError):
    """The source's configuration is wrong (shown on the data source form)."""


class PermanentError(ConnectorError):
    """Trying again will not help: the step fails with this reason."""


class TransientError(ConnectorError):
    """Unreachable, timed out, busy: the step is tried again later, with back-off."""


class LeaseLost(Exception):
    """Another worker took the step over (this one was too slow); stop quietly."""


class RequestClosed(LeaseLost):
    """The request was withdrawn, refused or completed: stop before the next batch.

    Raised by `StepContext.checkpoint`; a connector lets it pass (rolling back the batch in
    flight) and the step ends cancelled with `record_so_far` as its record."""


@dataclass
class Entry:
    """One line of what happened in a source: the record letters and the officer read.

    `action` is one of ACTIONS; `what` names the table or part of the system; `rows`
    is how many records (None when a person did it by hand); `reason` the legal ground
    for keeping, the anonymisation applied, or the person's note.
    """

    action: str
    what: str
    rows: int | None = None
    reason: str = ""
    retention: str = ""

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Entry:
        return cls(
            action=str(data.get("action", "")),
            what=str(data.get("what", "")),
            rows=data.get("rows") if isinstance(data.get("rows"), int) else None,
            reason=str(data.get("reason", "") or ""),
            retention=str(data.get("retention", "") or ""),
        )


# The actions an Entry can record.
ACTIONS = (
    "erased",
    "anonymised",
    "restricted",
    "rectified",
    "kept",
    "exported",
    "provided",
    "impossible",
)


@dataclass
class PlanLine:
    """One line of a dry run: what would happen to which part, and to how many rows."""

    what: str
    action: str
    rows: int | None = None
    detail: str = ""

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class Subject:
    """Whom a step is about, as the request identifies them."""

    reference: str
    name: str
    email: str
    customer_number: str
    language: str = "en"

    def field(self, name: str) -> str:
        return {
            "subject_email": self.email,
            "subject_customer_number": self.customer_number,
            "subject_name": self.name,
        }.get(name, "")


@dataclass
class Outcome:
    """What a run ended with: done with its record, or waiting for the system."""

    entries: list[Entry] = field(default_factory=list)
    waiting: bool = False
    # Waiting: poll again after this many seconds (None: wait for a callback or a person).
    poll_after: float | None = None
    # Waiting: give up when nothing came after this many seconds (None: wait for ever).
    wait_limit: float | None = None


class TableWriter(Protocol):
    def write(self, row: tuple | list) -> None: ...

    def write_many(self, rows: Iterable[Sequence[Any]]) -> None: ...


class StepContext(Protocol):
    """What a connector may use while running a step (implemented in dsr/fulfilment/runner.py)."""

    subject: Subject
    right: str
    state: dict[str, Any]
    corrections: dict[str, dict[str, Any]]
    callback_url: str
    token: str

    def checkpoint(self, *, rows_done: int | None = None, rows_total: int | None = None) -> None:
        """Commit `state` (and progress) and extend the lease; raises LeaseLost, or
        RequestClosed when the request was closed (nothing more may change)."""

    def export_table(
        self, *, name: str, label: str, columns: list[str]
    ) -> AbstractContextManager[TableWriter]:
        """A writer for one table of the data package (JSON + CSV, encrypted)."""


class Connector:
    """Base class: one instance per DataSource."""

    kind = ""

    def __init__(self, source: DataSource) -> None:
        self.source = source
        self.config: dict[str, Any] = source.config or {}

    @property
    def secrets(self) -> dict[str, Any]:
        return self.source.secrets

    # Retry policy, per source (tests and slow systems may change it in the config).
    @property
    def max_attempts(self) -> int:
        return max(1, int(self.config.get("max_attempts", 5)))

    def retry_delay(self, attempt: int) -> float:
        """Seconds before attempt `attempt + 1`: exponential back-off, capped at an hour."""
        base = float(self.config.get("retry_seconds", 30))
        return min(3600.0, base * 2 ** max(0, attempt - 1))

    def validate(self) -> None:
        raise NotImplementedError

    def capabilities(self) -> set[str]:
        raise NotImplementedError

    def supports(self, right: str) -> bool:
        needed = CAPABILITY_FOR_RIGHT.get(right)
        return needed is not None and needed in self.capabilities()

    def dry_run(self, *, subject: Subject, right: str) -> list[PlanLine]:
        raise NotImplementedError

    def run(self, context: StepContext) -> Outcome:
        raise NotImplementedError

    def record_so_far(self, state: dict[str, Any], right: str) -> list[Entry]:
        """What a stopped run did, read from its committed bookmark (a cancelled step's
        record). Empty where the desk cannot know: a person or the system was doing it."""
        return []

    def poll(self, context: StepContext) -> Outcome:
        """Ask a system that answered 202 whether it is done (http only)."""
        raise PermanentError("this connector does not poll")

    def describe(self) -> Iterator[str]:
        """Short lines for the data source list (no secrets)."""
        return iter(())
