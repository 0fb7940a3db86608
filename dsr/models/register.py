"""The organisation's register: who receives personal data (Art. 15(1)(c), Art. 19) and
the processing activities (Art. 30) that the access answer is written from."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.db import models
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from accounts.models import Language, Organization

# The texts of a register line or recipient are written in the organisation's default
# language in the model's own fields, and in every other offered language in `texts`:
# {"nl": {"purpose": "...", "data_categories": [...], ...}, "fr": {...}}.
ACTIVITY_TEXTS = (
    "name",
    "purpose",
    "data_categories",
    "retention",
    "source",
    "automated_decision_logic",
)
RECIPIENT_TEXTS = ("name", "purpose", "data_categories")


def _texts_valid(value: Any, fields: tuple[str, ...]) -> None:
    """`texts` is {language: {field: text}}, categories a list of texts."""
    from django.core.exceptions import ValidationError

    if not isinstance(value, dict) or not all(
        language in Language.values and isinstance(entry, dict) for language, entry in value.items()
    ):
        raise ValidationError(_("Texts per language: {language: {field: text}}."))
    for entry in value.values():
        for name, text in entry.items():
            ok = (
                isinstance(text, list) and all(isinstance(item, str) for item in text)
                if name == "data_categories"
                else isinstance(text, str)
            )
            if name not in fields or not ok:
                raise ValidationError(_("Texts per language: {language: {field: text}}."))


def validate_activity_texts(value: Any) -> None:
    _texts_valid(value, ACTIVITY_TEXTS)


def validate_recipient_texts(value: Any) -> None:
    _texts_valid(value, RECIPIENT_TEXTS)


class Recipient(models.Model):
    """A processor or third party that receives personal data (Art. 15(1)(c), Art. 19)."""

    ORGANIZATION_PATH = "organization"

    class Kind(models.TextChoices):
        PROCESSOR = "processor", _("Processor")
        THIRD_PARTY = "third_party", _("Third party")
        JOINT_CONTROLLER = "joint_controller", _("Joint controller")
        GROUP_COMPANY = "group_company", _("Group company")

    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="recipients"
    )
    name = models.CharField(_("name"), max_length=200)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    purpose = models.CharField(_("what they do with the data"), max_length=300, blank=True)
    contact_email = models.EmailField(_("contact for Art. 19 notices"), blank=True)
    country = models.CharField(_("country"), max_length=2, blank=True)
    data_categories = models.JSONField(_("data categories received"), default=list, blank=True)
    # The name, what they do and the categories, in each other offered language.
    texts = models.JSONField(
        _("texts in other languages"),
        default=dict,
        blank=True,
        validators=[validate_recipient_texts],
    )

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["organization", "name"], name="unique_recipient_name"),
        ]

    def __str__(self) -> str:
        return self.name


class ProcessingActivity(models.Model):
    """One line of the organisation's register (Art. 30), the source of the access answer."""

    ORGANIZATION_PATH = "organization"

    class LegalBasis(models.TextChoices):
        CONSENT = "consent", _("Consent (Art. 6(1)(a))")
        CONTRACT = "contract", _("Contract (Art. 6(1)(b))")
        LEGAL_OBLIGATION = "legal_obligation", _("Legal obligation (Art. 6(1)(c))")
        VITAL_INTERESTS = "vital_interests", _("Vital interests (Art. 6(1)(d))")
        PUBLIC_TASK = "public_task", _("Public task (Art. 6(1)(e))")
        LEGITIMATE_INTERESTS = "legitimate_interests", _("Legitimate interests (Art. 6(1)(f))")

    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="processing_activities"
    )
    name = models.CharField(_("name"), max_length=200)
    purpose = models.TextField(_("purpose"))
    data_categories = models.JSONField(_("categories of personal data"), default=list)
    legal_basis = models.CharField(_("legal basis"), max_length=24, choices=LegalBasis.choices)
    retention = models.CharField(_("retention period or its criteria"), max_length=300)
    source = models.CharField(
        _("source of the data"),
        max_length=300,
        default=_("The data subject"),
        help_text=_("Art. 15(1)(g): where the data came from when not from the subject"),
    )
    automated_decision_logic = models.TextField(
        _("automated decision-making and its logic"),
        blank=True,
        help_text=_("Art. 15(1)(h); leave empty when there is none"),
    )
    recipients = models.ManyToManyField(Recipient, blank=True, related_name="activities")
    # The texts above in each other offered language; see ACTIVITY_TEXTS.
    texts = models.JSONField(
        _("texts in other languages"),
        default=dict,
        blank=True,
        validators=[validate_activity_texts],
    )
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        verbose_name = _("processing activity")
        verbose_name_plural = _("processing register")
        ordering = ["position", "name"]
        constraints = [
            models.UniqueConstraint(fields=["organization", "name"], name="unique_activity_name"),
        ]

    def __str__(self) -> str:
        return self.name


class RegisterIncomplete(Exception):
    """The register lacks texts in the language a letter or package is written in."""

    def __init__(self, language: str, missing: list[str]) -> None:
        self.language = language
        self.missing = missing
        super().__init__(
            gettext("The register has no %(language)s text for: %(entries)s")
            % {"language": Language(language).label, "entries": ", ".join(missing)}
        )


def _text(instance: Any, texts: dict, name: str, language: str, default: str) -> Any:
    if language == default:
        return getattr(instance, name)
    value = (texts.get(language) or {}).get(name)
    if name == "data_categories":
        return [item.strip() for item in value or [] if item and item.strip()]
    return (value or "").strip()


@dataclass(frozen=True)
class RegisterRecipient:
    """A recipient as a letter in one language prints it: its name and texts in that language."""

    recipient: Recipient
    name: str
    purpose: str
    data_categories: list[str]

    @property
    def pk(self) -> int:
        return self.recipient.pk

    def __getattr__(self, name: str) -> Any:  # kind, country, contact_email ...
        return getattr(self.recipient, name)


@dataclass(frozen=True)
class RegisterLine:
    """One processing activity in one language (Art. 15(1)(a)-(d), (g), (h))."""

    activity: ProcessingActivity
    name: str
    purpose: str
    data_categories: list[str]
    retention: str
    source: str
    automated_decision_logic: str
    recipients: list[RegisterRecipient] = field(default_factory=list)

    @property
    def pk(self) -> int:
        return self.activity.pk

    @property
    def legal_basis(self) -> str:
        return self.activity.legal_basis

    def get_legal_basis_display(self) -> str:
        return self.activity.get_legal_basis_display()


def recipient_in(recipient: Recipient, language: str, default: str) -> RegisterRecipient:
    texts = recipient.texts or {}
    return RegisterRecipient(
        recipient=recipient,
        name=_text(recipient, texts, "name", language, default),
        purpose=_text(recipient, texts, "purpose", language, default),
        data_categories=list(_text(recipient, texts, "data_categories", language, default)),
    )


def activity_in(activity: ProcessingActivity, language: str, default: str) -> RegisterLine:
    texts = activity.texts or {}
    values = {name: _text(activity, texts, name, language, default) for name in ACTIVITY_TEXTS}
    values["source"] = str(values["source"])
    values["data_categories"] = list(values["data_categories"])
    return RegisterLine(
        activity=activity,
        recipients=[recipient_in(r, language, default) for r in activity.recipients.all()],
        **values,
    )


def activity_missing(activity: ProcessingActivity, language: str, default: str) -> list[str]:
    """What `activity` (and its recipients) lack in `language`, as an officer reads it."""
    if language == default:
        return []
    line = activity_in(activity, language, default)
    label = line.name or activity.name
    labels = {
        "name": _("name of “%(name)s”"),
        "purpose": _("purpose of “%(name)s”"),
        "data_categories": _("categories of “%(name)s”"),
        "retention": _("retention of “%(name)s”"),
        "source": _("source of “%(name)s”"),
        "automated_decision_logic": _("automated-decision logic of “%(name)s”"),
    }
    missing = [
        str(labels[name]) % {"name": label}
        for name in ACTIVITY_TEXTS
        if getattr(activity, name) and not getattr(line, name)
    ]
    for recipient in line.recipients:
        missing += _recipient_missing(recipient)
    return missing


def _recipient_missing(
    entry: RegisterRecipient, fields: tuple[str, ...] = RECIPIENT_TEXTS
) -> list[str]:
    labels = {
        "name": _("name of recipient “%(name)s”"),
        "purpose": _("description of recipient “%(name)s”"),
        "data_categories": _("categories of recipient “%(name)s”"),
    }
    return [
        str(labels[name]) % {"name": entry.recipient.name}
        for name in fields
        if getattr(entry.recipient, name) and not getattr(entry, name)
    ]


def recipient_names(organization: Organization, language: str) -> dict[str, str]:
    """Every recipient's name (as the register stores it, in the default language) -> its
    name in `language`, in the register's order: what an Art. 19 answer names.

    Raises RegisterIncomplete when a recipient has no name in `language`."""
    default = organization.default_language
    entries = [
        recipient_in(recipient, language, default)
        for recipient in Recipient.objects.filter(organization=organization).order_by("name")
    ]
    missing = [text for entry in entries for text in _recipient_missing(entry, ("name",))]
    if missing:
        raise RegisterIncomplete(language, missing)
    return {entry.recipient.name: entry.name for entry in entries}


def organization_missing(organization: Organization, language: str) -> list[str]:
    """The signatory's title and the place a letter in `language` is dated from."""
    if language == organization.default_language:
        return []
    texts = (organization.texts or {}).get(language) or {}
    missing = []
    if organization.signatory_title and not (texts.get("signatory_title") or "").strip():
        missing.append(str(_("the signatory's title")))
    if organization.city and not (texts.get("place") or "").strip():
        missing.append(str(_("the place letters are dated from")))
    return missing


def register_gaps(organization: Organization) -> dict[str, list[str]]:
    """What each offered language lacks before a letter can be written in it, by language:
    the settings pages show it, so a manager fills it in before an officer is refused."""
    activities = ProcessingActivity.objects.filter(organization=organization).prefetch_related(
        "recipients"
    )
    default = organization.default_language
    gaps = {}
    for language in organization.offered_languages or []:
        missing = organization_missing(organization, language) + [
            entry
            for activity in activities
            for entry in activity_missing(activity, language, default)
        ]
        if language != default:  # an Art. 19 answer names every recipient
            missing += [
                entry
                for recipient in Recipient.objects.filter(organization=organization)
                for entry in _recipient_missing(
                    recipient_in(recipient, language, default), ("name",)
                )
            ]
        if missing:
            gaps[language] = list(dict.fromkeys(missing))
    return gaps


def processing_register(
    organization: Organization, language: str | None = None, activity_ids: Any = None
) -> list[RegisterLine]:
    """The organisation's register in `language` (its default language when None), in its
    order, each line with its recipients: the one read behind the access letter, the data
    package's Art. 15 information and Art. 19.

    Raises RegisterIncomplete, naming every missing entry, when a line lacks a text in
    `language`: a letter is never written half in another language."""
    language = language or organization.default_language
    activities = ProcessingActivity.objects.filter(organization=organization).prefetch_related(
        "recipients"
    )
    if activity_ids is not None:
        activities = activities.filter(pk__in=activity_ids)
    default = organization.default_language
    missing = [entry for a in activities for entry in activity_missing(a, language, default)]
    if missing:
        raise RegisterIncomplete(language, list(dict.fromkeys(missing)))
    return [activity_in(activity, language, default) for activity in activities]
