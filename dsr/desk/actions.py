"""The request page's actions: each is a form and one call into `dsr/workflow.py`.

`ACTIONS` maps the URL name of an action to its form, the workflow action it needs to be
allowed (`workflow.allowed_actions`), and the call. The desk adds no rule of its own
except one: an action carrying the request's version is refused if the request changed
since the page was shown (someone else acted), so nobody acts on a stale page.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from dsr import audit, workflow
from dsr.desk import forms as desk_forms
from dsr.models import Request

Perform = Callable[[Request, dict[str, Any], audit.Actor], object]


@dataclass(frozen=True)
class Action:
    name: str
    workflow_action: str
    form: type[forms.Form]
    perform: Perform
    done: str
    label: str

    def build(
        self, request_obj: Request, *, officers: list[User], data: Any = None, **initial: Any
    ) -> forms.Form:
        kwargs: dict[str, Any] = {"request_obj": request_obj}
        if self.form is desk_forms.AssignForm:
            kwargs["officers"] = officers
        if initial:
            kwargs["initial"] = initial
        return self.form(data, **kwargs)

    @property
    def versioned(self) -> bool:
        return issubclass(self.form, desk_forms.VersionedForm)


def _assign(request_obj: Request, data: dict[str, Any], actor: audit.Actor) -> object:
    return workflow.request_assign(request=request_obj, assignee=data["assignee"], actor=actor)


def _take(request_obj: Request, data: dict[str, Any], actor: audit.Actor) -> object:
    return workflow.request_assign(request=request_obj, assignee=actor.user, actor=actor)


def _identity(request_obj: Request, data: dict[str, Any], actor: audit.Actor) -> object:
    return workflow.identity_decide(
        request=request_obj,
        verified=data["decision"] == "verified",
        evidence=data["evidence"],
        note=data["note"],
        actor=actor,
    )


def _ask(request_obj: Request, data: dict[str, Any], actor: audit.Actor) -> object:
    return workflow.request_ask_information(
        request=request_obj, message=data["message"], actor=actor
    )


def _answer(request_obj: Request, data: dict[str, Any], actor: audit.Actor) -> object:
    return workflow.request_record_information(
        request=request_obj, message=data["message"], actor=actor
    )


def _extend(request_obj: Request, data: dict[str, Any], actor: audit.Actor) -> object:
    return workflow.request_extend(request=request_obj, reason=data["reason"], actor=actor)


def _complete(request_obj: Request, data: dict[str, Any], actor: audit.Actor) -> object:
    return workflow.request_complete(
        request=request_obj, outcome=data["outcome"], note=data["note"], actor=actor
    )


def _refuse(request_obj: Request, data: dict[str, Any], actor: audit.Actor) -> object:
    return workflow.request_refuse(
        request=request_obj, ground=data["ground"], explanation=data["explanation"], actor=actor
    )


def _withdraw(request_obj: Request, data: dict[str, Any], actor: audit.Actor) -> object:
    return workflow.request_withdraw(request=request_obj, reason=data["reason"], actor=actor)


def _note(request_obj: Request, data: dict[str, Any], actor: audit.Actor) -> object:
    return workflow.request_add_note(request=request_obj, text=data["text"], actor=actor)


def _message(request_obj: Request, data: dict[str, Any], actor: audit.Actor) -> object:
    return workflow.request_message_subject(request=request_obj, body=data["body"], actor=actor)


ACTIONS: dict[str, Action] = {
    action.name: action
    for action in (
        Action(
            "take", "assign", desk_forms.TakeForm, _take, _("You took this request."), _("Take")
        ),
        Action(
            "assign",
            "assign",
            desk_forms.AssignForm,
            _assign,
            _("Assignee changed."),
            _("Assign"),
        ),
        Action(
            "identity",
            "decide_identity",
            desk_forms.IdentityForm,
            _identity,
            _("Identity decision recorded."),
            _("Check identity"),
        ),
        Action(
            "ask",
            "ask_information",
            desk_forms.AskInformationForm,
            _ask,
            _("Question sent to the subject; the clock is paused until they answer."),
            _("Ask the subject for information"),
        ),
        Action(
            "answer",
            "record_information",
            desk_forms.RecordInformationForm,
            _answer,
            _("Answer recorded; the clock runs again."),
            _("Record the subject's answer"),
        ),
        Action(
            "extend",
            "extend",
            desk_forms.ExtendForm,
            _extend,
            _("Deadline extended by two months."),
            _("Extend the deadline"),
        ),
        Action(
            "complete",
            "complete",
            desk_forms.CompleteForm,
            _complete,
            _("Request completed."),
            _("Complete"),
        ),
        Action(
            "refuse", "refuse", desk_forms.RefuseForm, _refuse, _("Request refused."), _("Refuse")
        ),
        Action(
            "withdraw",
            "withdraw",
            desk_forms.WithdrawForm,
            _withdraw,
            _("Request marked as withdrawn."),
            _("Withdraw"),
        ),
        Action(
            "note", "add_note", desk_forms.NoteForm, _note, _("Note added."), _("Internal note")
        ),
        Action(
            "message",
            "message_subject",
            desk_forms.MessageForm,
            _message,
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
