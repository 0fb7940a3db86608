"""Forms of the managers' settings pages."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from accounts.models import Language, Organization, Role
from dsr.attachments import sniff_content_type
from dsr.models import ProcessingActivity, Recipient, ReplyTemplate

MAX_IMAGE_SIZE = 1024 * 1024


class ListField(forms.CharField):
    """A JSON list edited as one item per line (or comma separated)."""

    widget = forms.Textarea(attrs={"rows": 3})

    def prepare_value(self, value: Any) -> Any:
        if isinstance(value, list):
            return "\n".join(str(item) for item in value)
        return value

    def clean(self, value: Any) -> list[str]:
        text = super().clean(value) or ""
        items = [item.strip() for line in text.splitlines() for item in line.split(",")]
        return [item for item in items if item][:100]


class OrganizationForm(forms.ModelForm):
    offered_languages = forms.MultipleChoiceField(
        label=_("Languages offered"),
        choices=Language.choices,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Of the public form, the status page and the letters."),
    )
    website = forms.URLField(label=_("Website"), required=False, assume_scheme="https")

    class Meta:
        model = Organization
        fields = [
            "name",
            "legal_name",
            "street_address",
            "postal_code",
            "city",
            "company_number",
            "privacy_email",
            "website",
            "default_language",
            "offered_languages",
            "requires_identity_document",
        ]

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        offered = data.get("offered_languages") or []
        if data.get("default_language") and data["default_language"] not in offered:
            self.add_error("offered_languages", _("Offer the default language too."))
        return data


def _check_image(upload: Any) -> Any:
    if not upload or not hasattr(upload, "read"):
        return upload
    if upload.size > MAX_IMAGE_SIZE:
        raise forms.ValidationError(_("The image is larger than 1 MB."))
    head = upload.read(16)
    upload.seek(0)
    if sniff_content_type(head) not in ("image/png", "image/jpeg"):
        raise forms.ValidationError(_("Upload a PNG or JPEG image."))
    return upload


class SignatoryForm(forms.ModelForm):
    class Meta:
        model = Organization
        fields = ["signatory_name", "signatory_title", "signature_image", "logo"]
        widgets = {
            "signature_image": forms.ClearableFileInput(attrs={"accept": "image/png,image/jpeg"}),
            "logo": forms.ClearableFileInput(attrs={"accept": "image/png,image/jpeg"}),
        }

    def clean_signature_image(self) -> Any:
        return _check_image(self.cleaned_data.get("signature_image"))

    def clean_logo(self) -> Any:
        return _check_image(self.cleaned_data.get("logo"))


class MemberAddForm(forms.Form):
    email = forms.EmailField(label=_("E-mail address"))
    full_name = forms.CharField(label=_("Full name"), max_length=150, required=False)
    role = forms.ChoiceField(label=_("Role"), choices=Role.choices, initial=Role.OFFICER)


class MemberChangeForm(forms.Form):
    role = forms.ChoiceField(label=_("Role"), choices=Role.choices, required=False)
    remove = forms.BooleanField(required=False)


class OwnedForm(forms.ModelForm):
    """A form for a row of one organisation: the organisation is set on the instance by the
    view, never taken from the input, and the per-organisation unique names are checked."""

    def __init__(self, *args: Any, organization: Organization, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.organization = organization
        self.instance.organization = organization

    def _post_clean(self) -> None:
        super()._post_clean()
        try:
            self.instance.validate_constraints()
        except ValidationError as exc:
            self._update_errors(exc)


class RecipientForm(OwnedForm):
    data_categories = ListField(label=_("Data categories received"), required=False)

    class Meta:
        model = Recipient
        fields = ["name", "kind", "purpose", "contact_email", "country", "data_categories"]


class ProcessingActivityForm(OwnedForm):
    data_categories = ListField(label=_("Categories of personal data"))

    class Meta:
        model = ProcessingActivity
        fields = [
            "name",
            "purpose",
            "data_categories",
            "legal_basis",
            "retention",
            "source",
            "automated_decision_logic",
            "recipients",
            "position",
        ]
        widgets = {
            "purpose": forms.Textarea(attrs={"rows": 3}),
            "automated_decision_logic": forms.Textarea(attrs={"rows": 3}),
            "recipients": forms.CheckboxSelectMultiple,
        }

    def __init__(self, *args: Any, organization: Organization, **kwargs: Any) -> None:
        super().__init__(*args, organization=organization, **kwargs)
        self.fields["recipients"].queryset = Recipient.objects.filter(organization=organization)


class ReplyTemplateForm(OwnedForm):
    class Meta:
        model = ReplyTemplate
        fields = ["name", "right", "language", "body"]
        widgets = {"body": forms.Textarea(attrs={"rows": 10})}
        help_texts = {
            "body": _(
                "You may use {reference}, {name}, {organization} and {due_date}; they are "
                "filled in from the request."
            )
        }


OWNED_FORMS: dict[type, type[forms.ModelForm]] = {
    Recipient: RecipientForm,
    ProcessingActivity: ProcessingActivityForm,
    ReplyTemplate: ReplyTemplateForm,
}
