"""A task for a named person: a paper archive, a supplier without an API, a mandate to revoke.

Running the step e-mails the person (when an address is given) and waits. An officer
marks the task done with a note, or impossible with a reason (`jobs.manual_task_complete`);
that note is the source's record.
"""

from __future__ import annotations

from collections.abc import Iterator

from django.core.exceptions import ValidationError
from django.core.validators import validate_email

from dsr.connectors.base import (
    CAPABILITIES,
    ConfigError,
    Connector,
    Outcome,
    PlanLine,
    StepContext,
    Subject,
)


class ManualConnector(Connector):
    kind = "manual"

    @property
    def assignee_name(self) -> str:
        return str(self.config.get("assignee_name", "")).strip()

    @property
    def assignee_email(self) -> str:
        return str(self.config.get("assignee_email", "")).strip()

    @property
    def instructions(self) -> str:
        return str(self.config.get("instructions", "")).strip()

    def validate(self) -> None:
        if not self.assignee_name:
            raise ConfigError("name the person who carries out the task")
        if not self.instructions:
            raise ConfigError("write the instructions for the task")
        if self.assignee_email:
            try:
                validate_email(self.assignee_email)
            except ValidationError:
                raise ConfigError("the person's e-mail address is not valid") from None

    def capabilities(self) -> set[str]:
        return set(CAPABILITIES)

    def describe(self) -> Iterator[str]:
        yield self.assignee_name

    def dry_run(self, *, subject: Subject, right: str) -> list[PlanLine]:
        return [
            PlanLine(
                what=self.source.name,
                action="task",
                rows=None,
                detail=f"{self.assignee_name}: {self.instructions[:300]}",
            )
        ]

    def run(self, context: StepContext) -> Outcome:
        return Outcome(waiting=True)
