"""The workflow's actions on a request as one table, read by the desk and the API alike.

Each entry is a workflow action (a key of `workflow.TRANSITIONS`, what
`workflow.allowed_actions` offers), the `workflow` function that performs it, and the
arguments it takes from validated input. The desk pairs an entry with a form
(`dsr/desk/actions.py`), the API with a serializer and a URL (`dsr/api/views.py`); neither
restates the call. The input's field names are the function's argument names.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from dsr import audit, workflow
from dsr.models import Request

REQUIRED = object()  # an argument the validated input always carries


@dataclass(frozen=True)
class WorkflowAction:
    name: str
    function: str  # the name of the `workflow` function
    # argument -> the value when the input leaves it out (an optional API field), or REQUIRED
    arguments: dict[str, Any] = field(default_factory=dict)

    def perform(self, request: Request, data: Mapping[str, Any], actor: audit.Actor) -> object:
        values = {
            argument: data[argument] if default is REQUIRED else data.get(argument, default)
            for argument, default in self.arguments.items()
        }
        return getattr(workflow, self.function)(request=request, actor=actor, **values)


WORKFLOW_ACTIONS: dict[str, WorkflowAction] = {
    action.name: action
    for action in (
        WorkflowAction("assign", "request_assign", {"assignee": REQUIRED}),
        WorkflowAction(
            "decide_identity",
            "identity_decide",
            {"verified": REQUIRED, "evidence": REQUIRED, "note": ""},
        ),
        WorkflowAction("ask_information", "request_ask_information", {"message": REQUIRED}),
        WorkflowAction("record_information", "request_record_information", {"message": ""}),
        WorkflowAction("extend", "request_extend", {"reason": REQUIRED}),
        WorkflowAction("complete", "request_complete", {"outcome": REQUIRED, "note": ""}),
        WorkflowAction("refuse", "request_refuse", {"ground": REQUIRED, "explanation": ""}),
        WorkflowAction(
            "ask_refusal_approval",
            "refusal_approval_ask",
            {"ground": REQUIRED, "explanation": ""},
        ),
        WorkflowAction("withdraw", "request_withdraw", {"reason": ""}),
        WorkflowAction("add_note", "request_add_note", {"text": REQUIRED}),
        WorkflowAction("message_subject", "request_message_subject", {"body": REQUIRED}),
    )
}


def action_perform(
    name: str, *, request: Request, data: Mapping[str, Any], actor: audit.Actor
) -> object:
    """Perform workflow action `name` on `request` with validated `data`."""
    return WORKFLOW_ACTIONS[name].perform(request, data, actor)
