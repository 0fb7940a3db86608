"""Forms of the letters pages: composing a letter, the print queue, the letter settings."""

from __future__ import annotations

from typing import Any

from django import forms
from django.forms import formset_factory
from django.utils.translation import gettext_lazy as _

from accounts.models import LetterWindow, Organization
from dsr import egress
from dsr.letters import job_outcomes, rules
from dsr.models import (
    LetterKind,
    Message,
    ProcessingActivity,
    Recipient,
    Request,
    Right,
)

TEXT_LIMIT = 5000
RECIPIENTS_TOLD_RIGHTS = tuple(rules.ART19_RIGHTS)
ENCLOSURE_RIGHTS = (Right.ACCESS, Right.PORTABILITY)


class SystemOutcomeForm(forms.Form):
    """One system of an erasure answer (filled by fulfilment jobs once issue 7 lands)."""

    system = forms.CharField(label=_("System"), max_length=200, required=False)
    action = forms.ChoiceField(
        label=_("What was done"),
        required=False,
        choices=[
            ("", "—"),
            (job_outcomes.ERASED, _("Erased")),
            (job_outcomes.ANONYMISED, _("Anonymised")),
            (job_outcomes.KEPT, _("Kept")),
        ],
    )
    legal_ground = forms.CharField(
        label=_("Legal ground for keeping"), max_length=300, required=False
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if data.get("system") and not data.get("action"):
            self.add_error("action", _("Say what was done in this system."))
        if data.get("action") == job_outcomes.KEPT and not data.get("legal_ground"):
            self.add_error("legal_ground", _("Say on which legal ground the data were kept."))
        return data


SystemOutcomeFormSet = formset_factory(SystemOutcomeForm, extra=4, max_num=30, absolute_max=30)


class WithheldItemForm(forms.Form):
    """One thing a partial refusal withholds: what, on which ground, and why (Art. 12(4))."""

    what = forms.CharField(
        label=_("What was not done or not given"), max_length=500, required=False
    )
    ground = forms.ChoiceField(label=_("Ground"), required=False, choices=())
    reason = forms.CharField(
        label=_("Why the ground applies"),
        widget=forms.Textarea(attrs={"rows": 2}),
        required=False,
        max_length=TEXT_LIMIT,
    )

    def __init__(self, *args: Any, request_obj: Request, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["ground"].choices = [
            ("", "—"),
            *rules.refusal_grounds(request_obj, partial=True),
        ]


class BaseWithheldItemFormSet(forms.BaseFormSet):
    def __init__(self, *args: Any, request_obj: Request, **kwargs: Any) -> None:
        self.request_obj = request_obj
        super().__init__(*args, form_kwargs={"request_obj": request_obj}, **kwargs)

    def clean(self) -> None:
        if any(self.errors):
            return
        problems = rules.withheld_problems(self.request_obj, items_from(self))
        if problems:
            raise forms.ValidationError(problems)


WithheldItemFormSet = formset_factory(
    WithheldItemForm, formset=BaseWithheldItemFormSet, extra=3, max_num=20, absolute_max=20
)


class LetterForm(forms.Form):
    """What the officer adds to a letter; the fields depend on its kind and the right."""

    note = forms.CharField(
        label=_("Additional paragraph (optional)"),
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
        max_length=TEXT_LIMIT,
    )

    def __init__(self, *args: Any, request: Request, kind: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.request_obj = request
        self.kind = kind
        organization = request.organization
        record = job_outcomes.fulfilment_record(request)
        answer = kind == LetterKind.ANSWER
        if kind == LetterKind.INFORMATION_REQUEST:
            last = (
                request.messages.filter(kind=Message.Kind.INFORMATION_REQUEST)
                .order_by("-created_at")
                .first()
            )
            self.fields["information"] = forms.CharField(
                label=_("What we need from the subject"),
                widget=forms.Textarea(attrs={"rows": 4}),
                max_length=TEXT_LIMIT,
                initial=last.body if last else "",
            )
        if answer and request.right == Right.ACCESS:
            activities = ProcessingActivity.objects.filter(organization=organization)
            self.fields["activities"] = forms.ModelMultipleChoiceField(
                label=_("Register lines that concern the subject (Art. 15(1))"),
                queryset=activities,
                widget=forms.CheckboxSelectMultiple,
                required=False,
                initial=list(activities.values_list("pk", flat=True)),
            )
        if answer and request.right == Right.AUTOMATED_DECISION:
            self.fields["view_considered"] = forms.BooleanField(
                label=_(
                    "The subject expressed a point of view, and the review took it into account"
                ),
                required=False,
            )
        if answer and request.right in ENCLOSURE_RIGHTS:
            self.fields["enclosures"] = forms.CharField(
                label=_("Enclosed with the letter (one per line)"),
                widget=forms.Textarea(attrs={"rows": 3}),
                required=False,
                max_length=TEXT_LIMIT,
                initial="\n".join(record.enclosures) if record else "",
            )
        if answer and request.right in RECIPIENTS_TOLD_RIGHTS:
            recipients = Recipient.objects.filter(organization=organization)
            self.fields["recipients_told"] = forms.ModelMultipleChoiceField(
                label=_("Recipients informed (Art. 19)"),
                queryset=recipients,
                widget=forms.CheckboxSelectMultiple,
                required=False,
                initial=(
                    list(recipients.filter(name__in=record.recipients_told)) if record else []
                ),
            )
        if answer and request.right in RECIPIENTS_TOLD_RIGHTS:
            self.fields["not_told_reason"] = forms.CharField(
                label=_("Why recipients in the register were not informed (Art. 19)"),
                help_text=_(
                    "Printed under the recipients not ticked above, e.g. they never received "
                    "this person's data, or informing them proved impossible."
                ),
                widget=forms.Textarea(attrs={"rows": 2}),
                required=False,
                max_length=TEXT_LIMIT,
            )

    @property
    def wants_systems(self) -> bool:
        return self.kind == LetterKind.ANSWER and self.request_obj.right == Right.ERASURE

    @property
    def wants_withheld(self) -> bool:
        return self.kind == LetterKind.PARTIAL_REFUSAL

    def letter_fields(self, items: list[dict[str, str]] | None = None) -> dict[str, Any]:
        """The cleaned input, in the shape `content.letter_content` takes; `items` are the
        formset's rows: the systems of an erasure answer or a partial refusal's withheld items."""
        data = self.cleaned_data
        fields: dict[str, Any] = {
            "note": data.get("note", ""),
            "information": data.get("information", ""),
            "systems": (items or []) if self.wants_systems else [],
        }
        if self.wants_withheld:
            fields["withheld"] = items or []
        if "not_told_reason" in self.fields:
            fields["not_told_reason"] = data.get("not_told_reason", "")
        if "view_considered" in self.fields:
            fields["view_considered"] = bool(data.get("view_considered"))
        if "enclosures" in self.fields:
            fields["enclosures"] = [
                line.strip() for line in data.get("enclosures", "").splitlines() if line.strip()
            ]
        if "activities" in self.fields:
            fields["activity_ids"] = [activity.pk for activity in data.get("activities") or []]
        if "recipients_told" in self.fields:
            fields["recipients_told"] = [r.name for r in data.get("recipients_told") or []]
        return fields


def items_from(formset: Any) -> list[dict[str, str]]:
    """The filled-in rows of the compose page's formset (systems, or withheld items)."""
    if formset is None:
        return []
    if isinstance(formset, BaseWithheldItemFormSet):
        return rules.withheld_items(
            form.cleaned_data for form in formset.forms if hasattr(form, "cleaned_data")
        )
    return systems_from(formset)


def systems_from(formset: Any) -> list[dict[str, str]]:
    return [
        {
            "system": form.cleaned_data["system"],
            "action": form.cleaned_data["action"],
            "legal_ground": form.cleaned_data.get("legal_ground", ""),
        }
        for form in formset.forms
        if form.cleaned_data.get("system")
    ]


def systems_initial(request: Request) -> list[dict[str, str]]:
    record = job_outcomes.fulfilment_record(request)
    if record is None:
        return []
    return [
        {"system": item.system, "action": item.action, "legal_ground": item.legal_ground}
        for item in record.systems
    ]


class PrintSelectionForm(forms.Form):
    """The letters the mailroom selected, all of one organisation."""

    organization = forms.IntegerField(widget=forms.HiddenInput)
    letters = forms.TypedMultipleChoiceField(coerce=int, choices=[])

    def __init__(self, *args: Any, letter_ids: list[int], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["letters"].choices = [(pk, pk) for pk in letter_ids]


class LetterSettingsForm(forms.ModelForm):
    """A manager's letter settings: the envelope window, the TSA and the certificate."""

    timestamp_url = forms.URLField(
        label=_("Time-stamp authority (TSA) URL"),
        required=False,
        assume_scheme="https",
        help_text=_("RFC 3161 time-stamping service; signatures are time-stamped when set"),
    )
    certificate = forms.FileField(
        label=_("Signing certificate (PKCS#12: .p12 or .pfx)"),
        required=False,
        help_text=_("Leave empty to keep the current certificate."),
    )
    certificate_password = forms.CharField(
        label=_("Certificate password"),
        required=False,
        widget=forms.PasswordInput(render_value=False),
        max_length=200,
    )

    class Meta:
        model = Organization
        fields = ["letter_window", "timestamp_url"]
        widgets = {"letter_window": forms.RadioSelect(choices=LetterWindow.choices)}

    def clean_timestamp_url(self) -> str:
        url = self.cleaned_data.get("timestamp_url", "")
        if url and not url.lower().startswith(("https://", "http://")):
            raise forms.ValidationError(_("A time-stamp authority is reached over HTTP(S)."))
        if url:
            try:
                egress.check_url(url)  # the egress policy: no internal addresses
            except egress.EgressError as error:
                raise forms.ValidationError(
                    _("This time-stamp authority cannot be used: %(reason)s") % {"reason": error}
                ) from None
        return url
