"""Forms of the queue, the request page's actions and the logging of requests.

Forms only check the shape of the input; the rules (what a state allows, dates of receipt)
are `dsr/workflow.py`'s, which refusal ground fits which right `dsr/letters/rules.py`'s, and
their errors are shown on the form they came from.
"""

from __future__ import annotations

from datetime import datetime, time
from typing import Any
from zoneinfo import ZoneInfo

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import Language, Organization, User
from dsr.attachments import MAX_SIZE, AttachmentRejected, file_check
from dsr.letters import rules
from dsr.models import (
    AnswerChannel,
    Channel,
    EvidenceKind,
    Outcome,
    Request,
    Right,
)

TEXTAREA = forms.Textarea(attrs={"rows": 4})
# Channels an officer logs by hand (web and API requests arrive by themselves).
LOGGED_CHANNELS = [Channel.EMAIL, Channel.POST, Channel.PHONE, Channel.IN_PERSON]
MAX_FILES = 10


class OfficerChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: User) -> str:
        return str(obj)


class BulkAssignForm(forms.Form):
    requests = forms.TypedMultipleChoiceField(coerce=int, choices=(), required=True)
    assignee = forms.ChoiceField(label=_("Assign to"), choices=())

    def __init__(self, *args: Any, officers: list[User], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.officers = {str(officer.pk): officer for officer in officers}
        self.fields["assignee"].choices = [
            ("", _("Nobody (unassign)")),
            *((pk, str(officer)) for pk, officer in self.officers.items()),
        ]
        # Any id is accepted here; the view looks each up among the user's requests (404).
        raw = self.data.getlist("requests") if hasattr(self.data, "getlist") else []
        self.fields["requests"].choices = [(value, value) for value in raw if value.isdigit()]

    def chosen_assignee(self) -> User | None:
        return self.officers.get(self.cleaned_data["assignee"])


class VersionedForm(forms.Form):
    """Carries the request's version as the officer saw it: an action on a request that
    changed in the meantime (another officer, the subject) is refused, not applied blind."""

    version = forms.CharField(widget=forms.HiddenInput, max_length=64)

    def __init__(self, *args: Any, request_obj: Request, **kwargs: Any) -> None:
        self.request_obj = request_obj
        kwargs.setdefault("initial", {})["version"] = request_version(request_obj)
        super().__init__(*args, **kwargs)


def request_version(request_obj: Request) -> str:
    return request_obj.updated_at.isoformat()


class AssignForm(VersionedForm):
    assignee = OfficerChoiceField(
        label=_("Assignee"),
        queryset=User.objects.none(),
        required=False,
        empty_label=_("Nobody"),
    )

    def __init__(self, *args: Any, officers: list[User], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["assignee"].queryset = User.objects.filter(pk__in=[o.pk for o in officers])
        self.fields["assignee"].initial = self.request_obj.assignee_id


class TakeForm(VersionedForm):
    pass


class IdentityForm(VersionedForm):
    decision = forms.ChoiceField(
        label=_("Decision"),
        choices=[
            ("verified", _("Identity verified")),
            ("failed", _("Identity could not be established")),
        ],
        widget=forms.RadioSelect,
    )
    evidence = forms.ChoiceField(label=_("Evidence"), choices=EvidenceKind.choices)
    note = forms.CharField(label=_("Note (internal)"), widget=TEXTAREA, required=False)


class AskInformationForm(VersionedForm):
    message = forms.CharField(
        label=_("What do you need from the subject?"),
        widget=TEXTAREA,
        help_text=_("Sent by e-mail and shown on the subject's status page. The clock pauses."),
    )


class RecordInformationForm(VersionedForm):
    message = forms.CharField(
        label=_("The subject's answer (received by post, phone or in person)"),
        widget=TEXTAREA,
    )


class ExtendForm(VersionedForm):
    reason = forms.CharField(
        label=_("Why the request needs two more months"),
        widget=TEXTAREA,
        help_text=_("The subject must be told the reasons within the first month."),
    )


class CompleteForm(VersionedForm):
    outcome = forms.ChoiceField(label=_("Outcome"), choices=Outcome.choices)
    note = forms.CharField(
        label=_("Note"),
        widget=TEXTAREA,
        required=False,
        help_text=_("Required for a partial answer: what was refused and why."),
    )


class RefuseForm(VersionedForm):
    ground = forms.ChoiceField(label=_("Ground"), choices=())
    explanation = forms.CharField(label=_("Explanation"), widget=TEXTAREA, required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["ground"].choices = refusal_grounds_for(self.request_obj)


def refusal_grounds_for(request_obj: Request) -> list[tuple[str, str]]:
    """The grounds that can refuse this right (`letters.rules`; the workflow checks again)."""
    return rules.refusal_grounds(request_obj)


class WithdrawForm(VersionedForm):
    reason = forms.CharField(label=_("Reason (internal)"), widget=TEXTAREA, required=False)


class NoteForm(forms.Form):
    text = forms.CharField(label=_("Internal note"), widget=TEXTAREA)

    def __init__(self, *args: Any, request_obj: Request, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)


class MessageForm(forms.Form):
    body = forms.CharField(
        label=_("Message to the subject"),
        widget=forms.Textarea(attrs={"rows": 8}),
        help_text=_("Sent by e-mail and shown on the subject's status page."),
    )

    def __init__(self, *args: Any, request_obj: Request, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)


# --- logging a request that came by post, e-mail or phone ----------------------------------


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files in one field; each is checked by its content, not its name."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("widget", MultipleFileInput(attrs={"accept": ".pdf,.jpg,.jpeg,.png"}))
        kwargs.setdefault("required", False)
        super().__init__(*args, **kwargs)

    def clean(self, data: Any, initial: Any = None) -> list:
        files = data if isinstance(data, list | tuple) else ([data] if data else [])
        if len(files) > MAX_FILES:
            raise forms.ValidationError(_("Attach at most %(n)s files.") % {"n": MAX_FILES})
        cleaned = [super(MultipleFileField, self).clean(item, initial) for item in files]
        for upload in cleaned:
            if upload.size > MAX_SIZE:
                raise forms.ValidationError(
                    _("%(name)s is larger than 10 MB.") % {"name": upload.name}
                )
            try:
                file_check(upload.read(), upload.name, sanitise=False)
            except AttachmentRejected as exc:
                raise forms.ValidationError(f"{upload.name}: {exc}") from exc
            upload.seek(0)
        return cleaned


class LogRequestForm(forms.Form):
    rights = forms.MultipleChoiceField(
        label=_("Rights asked for"),
        choices=Right.choices,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("One request is created per right."),
    )
    channel = forms.ChoiceField(
        label=_("Arrived by"),
        choices=[(c, Channel(c).label) for c in LOGGED_CHANNELS],
        widget=forms.RadioSelect,
    )
    received_on = forms.DateField(
        label=_("Date of receipt"),
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text=_("The day it reached the organisation, read or not: the clock runs from it."),
    )
    received_time = forms.TimeField(
        label=_("Time of receipt (optional)"),
        required=False,
        widget=forms.TimeInput(attrs={"type": "time"}),
    )
    language = forms.ChoiceField(label=_("Language of the request"), choices=())
    subject_name = forms.CharField(label=_("Name"), max_length=200)
    subject_email = forms.EmailField(label=_("E-mail address"), required=False)
    subject_postal_address = forms.CharField(
        label=_("Postal address"), widget=forms.Textarea(attrs={"rows": 3}), required=False
    )
    subject_customer_number = forms.CharField(
        label=_("Customer number"), max_length=100, required=False
    )
    description = forms.CharField(label=_("What the subject asks"), widget=TEXTAREA, required=False)
    direct_marketing = forms.BooleanField(
        label=_("The objection is to direct marketing"),
        required=False,
        help_text=_("Art. 21(3): an objection to direct marketing cannot be refused."),
    )
    answer_channel = forms.ChoiceField(
        label=_("Answer by"),
        choices=AnswerChannel.choices,
        widget=forms.RadioSelect,
        help_text=_("Where possible, the way the request came in."),
    )
    scans = MultipleFileField(
        label=_("Scans of the letter or the e-mail"),
        help_text=_("PDF, JPEG or PNG, at most 10 MB each."),
    )
    identity_documents = MultipleFileField(
        label=_("Identity document enclosed (if any)"),
        help_text=_("Destroyed once identity is decided."),
    )

    def __init__(self, *args: Any, organization: Organization, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.organization = organization
        self.fields["language"].choices = _language_choices(organization)
        self.fields["language"].initial = organization.default_language
        self.fields["answer_channel"].initial = AnswerChannel.EMAIL
        self.fields["received_on"].initial = self.today()

    def today(self):
        return timezone.localdate(timezone=ZoneInfo(self.organization.time_zone))

    def clean_received_on(self):
        day = self.cleaned_data["received_on"]
        if day > self.today():
            raise forms.ValidationError(_("The date of receipt cannot be in the future."))
        return day

    def received_at(self) -> datetime:
        """The moment of receipt in the organisation's zone; today without a time is now."""
        zone = ZoneInfo(self.organization.time_zone)
        day, moment = self.cleaned_data["received_on"], self.cleaned_data.get("received_time")
        if moment is None:
            if day == self.today():
                return timezone.now()
            moment = time(12, 0)
        return datetime.combine(day, moment, tzinfo=zone)


def _language_choices(organization: Organization) -> list[tuple[str, str]]:
    labels = dict(Language.choices)
    return [(code, labels.get(code, code)) for code in organization.offered_languages]
