"""The request page's actions: each is a form and one call into `dsr/workflow.py`.

`ACTIONS` maps the URL name of an action to its form and the workflow action it performs,
whose call is in the one table the API reads too (`dsr/actions.py`). The desk adds no rule
of its own except one: an action carrying the request's version is refused if the request changed
since the page was shown (someone else acted), so nobody acts on a stale page.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from dsr import audit
from dsr.actions import action_perform
from dsr.desk import forms as desk_forms
from dsr.models import Request

# What the desk adds to a form's data before the workflow call (dsr/actions.py).
Inputs = Callable[[dict[str, Any], audit.Actor], dict[str, Any]]


def _as_is(data: dict[str, Any], actor: audit.Actor) -> dict[str, Any]:
    return data


def _yourself(data: dict[str, Any], actor: audit.Actor) -> dict[str, Any]:
    return {**data, "assignee": actor.user}


def _decision(data: dict[str, Any], actor: audit.Actor) -> dict[str, Any]:
    return {**data, "verified": data["decision"] == "verified"}


@dataclass(frozen=True)
class Action:
    name: str
    workflow_action: str
    form: type[forms.Form]
    done: str
    label: str
    inputs: Inputs = _as_is

    def build(
        self, request_obj: Request, *, officers: list[User], data: Any = None, **initial: Any
    ) -> forms.Form:
        # Each action's fields get ids of their own (`id_extend_reason`, `id_withdraw_reason`):
        # the request page holds every action's form at once, and a label must name one field.
        kwargs: dict[str, Any] = {"request_obj": request_obj, "auto_id": f"id_{self.name}_%s"}
        if self.form is desk_forms.AssignForm:
            kwargs["officers"] = officers
        if initial:
            kwargs["initial"] = initial
        return self.form(data, **kwargs)

    @property
    def versioned(self) -> bool:
        return issubclass(self.form, desk_forms.VersionedForm)

    def perform(self, request_obj: Request, data: dict[str, Any], actor: audit.Actor) -> object:
        return action_perform(
            self.workflow_action, request=request_obj, data=self.inputs(data, actor), actor=actor
        )


ACTIONS: dict[str, Action] = {
    action.name: action
    for action in (
        Action(
            "take",
            "assign",
            desk_forms.TakeForm,
            _("You took this request."),
            _("Take"),
            inputs=_yourself,
        ),
        Action("assign", "assign", desk_forms.AssignForm, _("Assignee changed."), _("Assign")),
        Action(
            "identity",
            "decide_identity",
            desk_forms.IdentityForm,
            _("Identity decision recorded."),
            _("Check identity"),
            inputs=_decision,
        ),
        Action(
            "ask",
            "ask_information",
            desk_forms.AskInformationForm,
            _("Question sent to the subject; the clock is paused until they answer."),
            _("Ask the subject for information"),
        ),
        Action(
            "answer",
            "record_information",
            desk_forms.RecordInformationForm,
            _("Answer recorded; the clock runs again."),
            _("Record the subject's answer"),
        ),
        Action(
            "extend",
            "extend",
            desk_forms.ExtendForm,
            _("Deadline extended by two months."),
            _("Extend the deadline"),
        ),
        Action(
            "complete", "complete", desk_forms.CompleteForm, _("Request completed."), _("Complete")
        ),
        Action("refuse", "refuse", desk_forms.RefuseForm, _("Request refused."), _("Refuse")),
        Action(
            "ask_refusal",
            "ask_refusal_approval",
            desk_forms.RefuseForm,
            _("A second officer or manager is asked to approve this refusal."),
            _("Ask a second pair of eyes to refuse"),
        ),
        Action(
            "withdraw",
            "withdraw",
            desk_forms.WithdrawForm,
            _("Request marked as withdrawn."),
            _("Withdraw"),
        ),
        Action("note", "add_note", desk_forms.NoteForm, _("Note added."), _("Internal note")),
        Action(
            "message",
            "message_subject",
            desk_forms.MessageForm,
            _("Message sent to the subject."),
            _("Message the subject"),
        ),
    )
}


def offered(request_obj: Request, user: User, allowed: list[str]) -> list[str]:
    """Names of the actions to show: allowed by the state (taking only if not yours)."""
    names = [name for name, action in ACTIONS.items() if action.workflow_action in allowed]
    if request_obj.assignee_id == user.pk and "take" in names:
        names.remove("take")
    return names


# Placeholders a reply template may use; filled in from the request (no code runs).
def fill_template(body: str, request_obj: Request) -> str:
    values = {
        "{reference}": request_obj.reference,
        "{name}": request_obj.subject_name,
        "{organization}": request_obj.organization.name,
        "{due_date}": request_obj.effective_due_date.isoformat(),
    }
    for placeholder, value in values.items():
        body = body.replace(placeholder, value)
    return body
