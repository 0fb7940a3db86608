from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from accounts.models import ApiToken
from dsr.models import WebhookEndpoint


class TokenForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=100, help_text=_("e.g. Customer app"))
    scope = forms.ChoiceField(label=_("Scope"), choices=ApiToken.Scope.choices)


class WebhookForm(forms.Form):
    url = forms.URLField(label=_("Endpoint URL"), max_length=500, assume_scheme="https")
    topics = forms.MultipleChoiceField(
        label=_("Events"),
        choices=WebhookEndpoint.Topic.choices,
        widget=forms.CheckboxSelectMultiple,
    )
