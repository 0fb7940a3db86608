"""Forms of the sign-in pages."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth.forms import PasswordResetForm, SetPasswordForm
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from accounts import lockout
from accounts.models import User
from dsr import emails


class SignInForm(forms.Form):
    email = forms.EmailField(
        label=_("E-mail address"),
        max_length=254,
        widget=forms.EmailInput(attrs={"autocomplete": "username", "autofocus": True}),
    )
    password = forms.CharField(
        label=_("Password"),
        strip=False,
        max_length=1024,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )


class CodeForm(forms.Form):
    code = forms.CharField(
        label=_("One-time code"),
        max_length=20,
        help_text=_("The six digits your authenticator app shows, or one of your recovery codes."),
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "autofocus": True, "inputmode": "text"}
        ),
    )


class EnrolForm(forms.Form):
    code = forms.RegexField(
        label=_("The code your app shows now"),
        regex=r"^\s*\d{3}\s?\d{3}\s*$",
        error_messages={"invalid": _("Type the six digits the app shows.")},
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "autofocus": True}
        ),
    )


class DeskPasswordResetForm(PasswordResetForm):
    """Django's reset form, but the mail goes through the product's outbox (dsr/emails.py):
    stored, sent by the worker, links built from SITE_URL rather than the request's Host."""

    def send_mail(
        self,
        subject_template_name: str,
        email_template_name: str,
        context: dict[str, Any],
        from_email: str | None,
        to_email: str,
        html_email_template_name: str | None = None,
    ) -> None:
        language = translation.get_language() or "en"
        emails.email_queue(
            template="password_reset",
            to=to_email,
            language=language if language in ("en", "nl", "fr") else "en",
            context={"user": context["user"], "uid": context["uid"], "token": context["token"]},
        )


class DeskSetPasswordForm(SetPasswordForm):
    """Setting a new password from the e-mailed link also lifts the account's lockout."""

    def save(self, commit: bool = True) -> User:
        user = super().save(commit=commit)
        lockout.reset_account(email=user.email)
        return user
