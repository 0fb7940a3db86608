"""Forms of the managers' settings pages."""

from __future__ import annotations

import copy
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from accounts.models import Language, Organization, Role
from dsr.attachments import branding_content, sniff_content_type
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


class TextsPerLanguage:
    """Texts edited side by side, one column per offered language (issue 16).

    The model's own fields hold the organisation's default language; a field
    `<name>__<language>` per other offered language holds the rest, saved into the row's
    `texts` JSON. Other languages may stay empty here: a letter in a language a text is
    missing in is refused when it is issued, naming what to fill in."""

    translated: tuple[str, ...] = ()
    fields: dict[str, forms.Field]
    instance: Any
    cleaned_data: dict[str, Any]

    def add_language_fields(self, organization: Organization) -> None:
        default = organization.default_language
        self.languages = [default] + [
            language for language in organization.offered_languages or [] if language != default
        ]
        texts = self.instance.texts or {}
        for name in self.translated:
            base = self.fields[name]
            for language in self.languages[1:]:
                field = copy.deepcopy(base)
                field.required = False
                field.disabled = False
                field.help_text = ""
                field.label = f"{base.label} ({Language(language).label})"
                field.initial = (texts.get(language) or {}).get(name)
                self.fields[f"{name}__{language}"] = field

    def texts_cleaned(self) -> dict[str, Any]:
        """The row's `texts` with this form's columns put in (empty ones left out)."""
        texts = {language: dict(entry) for language, entry in (self.instance.texts or {}).items()}
        for language in self.languages[1:]:
            entry = texts.setdefault(language, {})
            for name in self.translated:
                value = self.cleaned_data.get(f"{name}__{language}")
                value = [item for item in value if item] if isinstance(value, list) else value
                if isinstance(value, str):
                    value = value.strip()
                if value:
                    entry[name] = value
                else:
                    entry.pop(name, None)
            if not entry:
                del texts[language]
        return texts

    def language_rows(self) -> list[tuple[str, list[Any]]]:
        """(label, the bound field of each language) per translated text: the table."""
        return [
            (
                self.fields[name].label,
                [self[name]] + [self[f"{name}__{language}"] for language in self.languages[1:]],
            )
            for name in self.translated
        ]

    def language_labels(self) -> list[str]:
        return [str(Language(language).label) for language in self.languages]

    def plain_fields(self) -> list[Any]:
        translated = set(self.translated) | {
            f"{name}__{language}" for name in self.translated for language in self.languages
        }
        return [field for field in self.visible_fields() if field.name not in translated]


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
            "four_eyes_erasure",
            "four_eyes_refusal",
            "four_eyes_release",
            "release_unreviewed_own_data",
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
    return branding_content(upload.read())  # encrypted, under a random name


class SignatoryForm(TextsPerLanguage, forms.ModelForm):
    # The place a letter is dated from: the city in the default language ("Brussel"),
    # its name in each other language ("Bruxelles", "Brussels").
    place = forms.CharField(
        label=_("Place letters are dated from"),
        required=False,
        max_length=100,
        help_text=_("Empty: the organisation's city"),
    )
    translated = ("signatory_title", "place")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["place"].initial = self.instance.letter_text(
            "place", self.instance.default_language
        )
        self.add_language_fields(self.instance)

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        texts = self.texts_cleaned()
        # The default language's place is stored only where it differs from the city.
        default = self.instance.default_language
        place = (cleaned.get("place") or "").strip()
        entry = texts.setdefault(default, {})
        if place and place != self.instance.city:
            entry["place"] = place
        else:
            entry.pop("place", None)
        if not entry:
            del texts[default]
        self.instance.texts = texts
        return cleaned

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


class RegisterTexts(TextsPerLanguage, OwnedForm):
    """A register row: its texts in each offered language, side by side."""

    def __init__(self, *args: Any, organization: Organization, **kwargs: Any) -> None:
        super().__init__(*args, organization=organization, **kwargs)
        self.add_language_fields(organization)

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        self.instance.texts = self.texts_cleaned()
        return cleaned


class RecipientForm(RegisterTexts):
    data_categories = ListField(label=_("Data categories received"), required=False)
    translated = ("name", "purpose", "data_categories")

    class Meta:
        model = Recipient
        fields = ["name", "kind", "purpose", "contact_email", "country", "data_categories"]


class ProcessingActivityForm(RegisterTexts):
    data_categories = ListField(label=_("Categories of personal data"))
    translated = (
        "name",
        "purpose",
        "data_categories",
        "retention",
        "source",
        "automated_decision_logic",
    )

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
