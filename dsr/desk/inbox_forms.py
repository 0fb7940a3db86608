"""The forms of an inbox item's three decisions, prefilled from the mail and its guess."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from accounts.models import Language
from dsr.inbox.guess import suggests_direct_marketing
from dsr.inbox.services import REASON_LIMIT
from dsr.models import InboundMail, Right


def _name_from(item: InboundMail) -> str:
    """The sender's display name, else the part of the address before the @."""
    if item.sender_name.strip():
        return item.sender_name.strip()[:200]
    local = item.sender_address.split("@", 1)[0]
    return " ".join(part.capitalize() for part in local.replace("_", ".").split(".") if part)[:200]


class ConvertForm(forms.Form):
    rights = forms.MultipleChoiceField(
        label=_("Rights asked for"),
        choices=Right.choices,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("One request is created per right."),
    )
    language = forms.ChoiceField(label=_("Language of the request"), choices=())
    subject_name = forms.CharField(label=_("Name"), max_length=200)
    subject_email = forms.EmailField(label=_("E-mail address"), max_length=254)
    direct_marketing = forms.BooleanField(
        label=_("The objection is to direct marketing"),
        required=False,
        help_text=_("Art. 21(3): an objection to direct marketing cannot be refused."),
    )

    def __init__(self, *args: Any, item: InboundMail, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        organization = item.organization
        labels = dict(Language.choices)
        self.fields["language"].choices = [
            (code, labels.get(code, code)) for code in organization.offered_languages
        ]
        guessed = item.language_guess
        self.fields["language"].initial = (
            guessed if guessed in organization.offered_languages else organization.default_language
        )
        self.fields["rights"].initial = [r for r in item.rights_guess if r in Right.values]
        self.fields["subject_name"].initial = _name_from(item)
        self.fields["subject_email"].initial = item.sender_address
        self.fields["direct_marketing"].initial = suggests_direct_marketing(item.guess_detail)

    def clean(self) -> dict:
        cleaned = super().clean()
        if cleaned.get("direct_marketing") and Right.OBJECTION not in (cleaned.get("rights") or []):
            self.add_error(
                "direct_marketing", _("Only an objection can be an objection to direct marketing.")
            )
        return cleaned


class NotRequestForm(forms.Form):
    reason = forms.CharField(
        label=_("Why this is not a request"),
        max_length=REASON_LIMIT,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Kept in the audit log, e.g. \u201cinvoice question, sent to accounts\u201d."),
    )


class LinkForm(forms.Form):
    reference = forms.CharField(
        label=_("Reference of the request"),
        max_length=24,
        widget=forms.TextInput(attrs={"list": "inbox-link-references", "autocomplete": "off"}),
        help_text=_("A request of the same organisation, e.g. one this e-mail adds to."),
    )
