"""The organisation's register: who receives personal data (Art. 15(1)(c), Art. 19) and
the processing activities (Art. 30) that the access answer is written from."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from accounts.models import Organization


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


def processing_register(organization: Organization) -> models.QuerySet[ProcessingActivity]:
    """The organisation's register, in its order, each line with its recipients: the one
    read behind the access letter, the data package's Art. 15 information and Art. 19."""
    return ProcessingActivity.objects.filter(organization=organization).prefetch_related(
        "recipients"
    )
