"""The manager's data source form, the officer's rectification form, a package review's
decision form and the manual task's file form."""

from __future__ import annotations

import json
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from dsr.connectors.base import CAPABILITIES
from dsr.connectors.sql import masked_url
from dsr.models import ConnectorKind, DataSource, DecisionKind, WithholdReason

MANUAL_FIELDS = ("assignee_name", "assignee_email", "instructions")
SQL_MAP_EXAMPLE = """{"tables": [
  {"table": "customers", "key": "id", "match": {"email": "subject_email"},
   "export": ["id", "name", "email"],
   "erase": {"action": "anonymise", "columns": {"name": {"method": "fixed", "value": "-"},
                                                 "email": {"method": "hash"}}}},
  {"table": "orders", "parent": "customers", "foreign_key": "customer_id",
   "export": ["id", "ordered_at"], "erase": {"action": "delete"}}
]}"""


class DataSourceForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=120)
    description = forms.CharField(label=_("Description"), required=False, widget=forms.Textarea)
    active = forms.BooleanField(label=_("Active"), required=False, initial=True)
    own_data_only = forms.BooleanField(
        label=_("Holds only the subject's own data"),
        required=False,
        help_text=_(
            "Nothing about other people (household members, staff, other customers). When the "
            "organisation allows it, a package made only of such sources is released without "
            "review."
        ),
    )
    data_categories = forms.MultipleChoiceField(
        label=_("Data categories this system holds"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Recipients registered for these categories are told of erasures (Art. 19)."),
    )

    def __init__(self, *args: Any, kind: str, categories: list[str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.kind = kind
        self.fields["data_categories"].choices = [(c, c) for c in categories]
        if kind == ConnectorKind.SQL:
            self.fields["database_url"] = forms.CharField(
                label=_("Database URL"),
                required=False,
                widget=forms.PasswordInput(render_value=False),
                help_text=_(
                    "postgresql://user:password@host/db, mysql://..., sqlite:////path/file. "
                    "Stored encrypted; leave empty to keep the stored one."
                ),
            )
            self.fields["map"] = forms.CharField(
                label=_("Map (JSON)"),
                widget=forms.Textarea(attrs={"rows": 18, "spellcheck": "false"}),
                help_text=_("How to find the subject and what to do per table. Example: %s")
                % SQL_MAP_EXAMPLE,
            )
            self.fields["batch_rows"] = forms.IntegerField(
                label=_("Rows per batch"), min_value=1, max_value=100_000, initial=10_000
            )
        elif kind == ConnectorKind.HTTP:
            self.fields["url"] = forms.URLField(label=_("Endpoint URL"))
            self.fields["hmac_secret"] = forms.CharField(
                label=_("HMAC secret"),
                required=False,
                widget=forms.PasswordInput(render_value=False),
                help_text=_("Shared with the system; leave empty to keep the stored one."),
            )
            self.fields["capabilities"] = forms.MultipleChoiceField(
                label=_("What the endpoint can do"),
                choices=[(c, c) for c in CAPABILITIES if c != "find"],
                widget=forms.CheckboxSelectMultiple,
            )
            self.fields["timeout_seconds"] = forms.IntegerField(
                label=_("Time-out (seconds)"), min_value=1, max_value=300, initial=10
            )
        else:
            self.fields["assignee_name"] = forms.CharField(label=_("Person"), max_length=200)
            self.fields["assignee_email"] = forms.EmailField(
                label=_("Their e-mail address"), required=False
            )
            self.fields["instructions"] = forms.CharField(
                label=_("Instructions"), widget=forms.Textarea
            )

    @classmethod
    def initial_for(cls, source: DataSource) -> dict[str, Any]:
        config = source.config or {}
        initial: dict[str, Any] = {
            "name": source.name,
            "description": source.description,
            "active": source.active,
            "own_data_only": source.own_data_only,
            "data_categories": source.data_categories,
        }
        if source.kind == ConnectorKind.SQL:
            initial["map"] = json.dumps({"tables": config.get("tables", [])}, indent=2)
            initial["batch_rows"] = config.get("batch_rows", 10_000)
        elif source.kind == ConnectorKind.HTTP:
            initial.update(
                url=config.get("url", ""),
                capabilities=config.get("capabilities", []),
                timeout_seconds=config.get("timeout_seconds", 10),
            )
        else:
            for key in MANUAL_FIELDS:
                initial[key] = config.get(key, "")
        return initial

    def clean_map(self) -> dict[str, Any]:
        try:
            value = json.loads(self.cleaned_data["map"])
        except ValueError as error:
            raise forms.ValidationError(_("The map is not valid JSON: %s") % error) from None
        if not isinstance(value, dict):
            raise forms.ValidationError(_('The map must be a JSON object with "tables".'))
        return value

    def config_and_secrets(self, existing: dict[str, Any]) -> tuple[dict, dict]:
        data = self.cleaned_data
        config = dict(existing)
        if self.kind == ConnectorKind.SQL:
            config.update(tables=data["map"].get("tables"), batch_rows=data["batch_rows"])
            return config, {"url": data.get("database_url", "")}
        if self.kind == ConnectorKind.HTTP:
            config.update(
                url=data["url"],
                capabilities=list(data["capabilities"]),
                timeout_seconds=data["timeout_seconds"],
            )
            return config, {"hmac_secret": data.get("hmac_secret", "")}
        config.update({key: data[key] for key in MANUAL_FIELDS})
        return config, {}


def source_address(source: DataSource) -> str:
    """Where the source is, without its secrets (for lists)."""
    if source.kind == ConnectorKind.SQL:
        return masked_url(source.secrets.get("url", ""))
    if source.kind == ConnectorKind.HTTP:
        return str(source.config.get("url", ""))
    return str(source.config.get("assignee_name", ""))


class CorrectionsForm(forms.Form):
    corrections = forms.CharField(
        label=_("Corrections"),
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_(
            "One per line: table.column = new value (e.g. customers.street = Kerkstraat 1)"
        ),
    )

    def clean_corrections(self) -> dict[str, dict[str, str]]:
        corrections: dict[str, dict[str, str]] = {}
        for number, line in enumerate(self.cleaned_data["corrections"].splitlines(), 1):
            if not line.strip():
                continue
            target, separator, value = line.partition("=")
            table, dot, column = target.strip().rpartition(".")
            if not separator or not dot or not table or not column:
                raise forms.ValidationError(
                    _("Line %(number)s: write table.column = new value.") % {"number": number}
                )
            corrections.setdefault(table, {})[column.strip()] = value.strip()
        if not corrections:
            raise forms.ValidationError(_("Say what to correct."))
        return corrections


class TaskForm(forms.Form):
    outcome = forms.ChoiceField(
        label=_("Outcome"),
        choices=[("done", _("Done")), ("impossible", _("Impossible"))],
        widget=forms.RadioSelect,
    )
    note = forms.CharField(
        label=_("Note: what was done, or why it is impossible"), widget=forms.Textarea
    )


class ReviewDecisionForm(forms.Form):
    """One exclusion or redaction in a package's review; the service checks the rest."""

    kind = forms.ChoiceField(choices=DecisionKind.choices, widget=forms.HiddenInput)
    step = forms.IntegerField(required=False, widget=forms.HiddenInput)
    table = forms.CharField(required=False, max_length=200, widget=forms.HiddenInput)
    column = forms.CharField(label=_("Column"), required=False, max_length=200)
    row = forms.IntegerField(label=_("Row number"), required=False, min_value=1)
    text = forms.CharField(
        label=_("Text to redact everywhere in the package"),
        required=False,
        max_length=200,
        help_text=_("Another person's name or e-mail address, exactly as it is written"),
    )
    reason = forms.ChoiceField(label=_("Reason"), choices=WithholdReason.choices)
    reason_text = forms.CharField(
        label=_("Explanation (required for “other”; the subject reads it)"),
        required=False,
        max_length=500,
    )


class PackageFileForm(forms.Form):
    file = forms.FileField(
        label=_("Add a file to the data package (CSV, PDF, JPEG or PNG)"),
        help_text=_("It is reviewed with the rest before anything is sent to the subject."),
    )
