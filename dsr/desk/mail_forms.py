"""The managers' form for the e-mail channel: sender settings and the IMAP mailbox."""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from dsr import egress
from dsr.mail.config import SENDER_FIELDS
from dsr.models import MailboxAuth

_CONTROL = {chr(code) for code in range(32)} | {"\x7f"}


def _one_line(value: str) -> str:
    if any(character in _CONTROL for character in value):
        raise ValidationError(_("Use one line without control characters."))
    return value.strip()


class MailForm(forms.Form):
    from_address = forms.EmailField(
        label=_("Sender address"),
        required=False,
        help_text=_("The From of the desk's mails to subjects. Empty: the platform's sender."),
    )
    from_name = forms.CharField(label=_("Sender name"), required=False, max_length=120)
    reply_to_address = forms.EmailField(
        label=_("Reply-to address"),
        required=False,
        help_text=_("Where subjects' replies go; empty: the sender address."),
    )
    own_server_hostnames = forms.CharField(
        label=_("Our mail servers"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_(
            "Host names of your own receiving mail servers, one per line. The date of "
            "receipt is read from their Received header only."
        ),
    )
    enabled = forms.BooleanField(label=_("Read this mailbox"), required=False)
    host = forms.CharField(label=_("IMAP server"), required=False, max_length=253)
    port = forms.IntegerField(label=_("Port"), min_value=1, max_value=65535, initial=993)
    username = forms.CharField(label=_("User name"), required=False, max_length=254)
    auth = forms.ChoiceField(label=_("Sign in with"), choices=MailboxAuth.choices)
    secret = forms.CharField(
        label=_("Password or access token"),
        required=False,
        max_length=4096,
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "new-password"}),
        help_text=_("Stored encrypted and never shown. Leave empty to keep the stored one."),
    )
    folder = forms.CharField(label=_("Folder to read"), max_length=200, initial="INBOX")
    processed_folder = forms.CharField(
        label=_("Folder for processed mail"), max_length=200, initial="DSR-processed"
    )

    def __init__(self, *args, has_secret: bool = False, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.has_secret = has_secret

    def clean_from_name(self) -> str:
        return _one_line(self.cleaned_data["from_name"])

    def clean_host(self) -> str:
        host = _one_line(self.cleaned_data["host"]).lower()
        if host and (not all(c.isalnum() or c in ".-:[]" for c in host) or len(host) > 253):
            raise ValidationError(_("Enter a host name such as imap.example.com."))
        return host

    def clean_username(self) -> str:
        return _one_line(self.cleaned_data["username"])

    def clean_secret(self) -> str:
        return _one_line(self.cleaned_data["secret"])

    def clean_folder(self) -> str:
        return _one_line(self.cleaned_data["folder"])

    def clean_processed_folder(self) -> str:
        return _one_line(self.cleaned_data["processed_folder"])

    def clean_own_server_hostnames(self) -> str:
        names = [line.strip() for line in self.cleaned_data["own_server_hostnames"].splitlines()]
        names = [name.lower() for name in names if name]
        for name in names:
            if not all(c.isalnum() or c in ".-" for c in name):
                raise ValidationError(_("Enter host names such as mx1.example.com, one per line."))
        return "\n".join(names[:20])

    def clean(self) -> dict:
        data = super().clean()
        if self.errors:
            return data
        if data.get("folder") and data.get("folder") == data.get("processed_folder"):
            self.add_error("processed_folder", _("Use a folder other than the one read."))
        if data.get("enabled"):
            for name in ("host", "username"):
                if not data.get(name):
                    self.add_error(name, _("Needed to read the mailbox."))
            if not data.get("secret") and not self.has_secret:
                self.add_error("secret", _("Needed to read the mailbox."))
        if data.get("host") and not self.errors:
            try:
                egress.checked_address(data["host"], data["port"])
            except egress.EgressError as error:
                self.add_error(
                    "host",
                    _("This server cannot be used: %(reason)s.") % {"reason": str(error)},
                )
        return data

    @property
    def wants_mailbox(self) -> bool:
        return bool(self.cleaned_data.get("host"))

    def sender(self) -> dict:
        return {name: self.cleaned_data[name] for name in SENDER_FIELDS}

    def mailbox(self) -> dict:
        return {
            name: self.cleaned_data[name]
            for name in (
                "enabled",
                "host",
                "port",
                "username",
                "auth",
                "folder",
                "processed_folder",
            )
        }
