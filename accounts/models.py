"""People and the organisations (controllers) they work for."""

from __future__ import annotations

from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class UserManager(BaseUserManager["User"]):
    use_in_migrations = True

    def _create_user(self, email: str, password: str | None, **extra: object) -> User:
        if not email:
            raise ValueError("A user needs an e-mail address")
        user = self.model(email=self.normalize_email(email).lower(), **extra)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email: str, password: str | None = None, **extra: object) -> User:
        extra.setdefault("is_staff", False)
        extra.setdefault("is_superuser", False)
        return self._create_user(email, password, **extra)

    def create_superuser(self, email: str, password: str | None = None, **extra: object) -> User:
        extra["is_staff"] = True
        extra["is_superuser"] = True
        return self._create_user(email, password, **extra)

    def get_by_natural_key(self, email: str) -> User:
        return self.get(email__iexact=email)


class User(AbstractBaseUser, PermissionsMixin):
    """Someone who signs in to the desk: logs in with an e-mail address."""

    email = models.EmailField(_("e-mail address"), unique=True)
    full_name = models.CharField(_("full name"), max_length=150, blank=True)
    is_staff = models.BooleanField(_("may use the admin site"), default=False)
    is_active = models.BooleanField(_("active"), default=True)
    date_joined = models.DateTimeField(_("date joined"), default=timezone.now)
    language = models.CharField(
        _("language"),
        max_length=2,
        choices=[("en", "English"), ("nl", "Nederlands"), ("fr", "Français")],
        blank=True,
        help_text=_(
            "Of the desk and of the e-mails the desk sends you; empty: the browser's for the "
            "desk, the organisation's for e-mails."
        ),
    )

    objects = UserManager()

    EMAIL_FIELD = "email"
    USERNAME_FIELD = "email"
    REQUIRED_FIELDS: list[str] = []

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")

    def __str__(self) -> str:
        return self.full_name or self.email

    def get_full_name(self) -> str:
        return self.full_name or self.email

    def get_short_name(self) -> str:
        return self.full_name.split(" ")[0] if self.full_name else self.email


class Country(models.TextChoices):
    """Countries the legal calendar and the complaint route are implemented for."""

    BELGIUM = "BE", _("Belgium")
    NETHERLANDS = "NL", _("Netherlands")


class Language(models.TextChoices):
    ENGLISH = "en", _("English")
    DUTCH = "nl", _("Dutch")
    FRENCH = "fr", _("French")


class LetterWindow(models.TextChoices):
    """Which side of a window envelope the subject's address is printed for."""

    LEFT = "left", _("Left window")
    RIGHT = "right", _("Right window")


TIME_ZONES = {Country.BELGIUM: "Europe/Brussels", Country.NETHERLANDS: "Europe/Amsterdam"}


# Top-level paths of the site: an organisation's public form may not shadow them.
RESERVED_SLUGS = frozenset(
    {"admin", "accounts", "api", "desk", "healthz", "media", "r", "static", "request"}
)


def validate_slug_not_reserved(value: str) -> None:
    if value.lower() in RESERVED_SLUGS:
        raise ValidationError(_("This address is used by the desk itself; choose another."))


def default_reminder_days() -> list[int]:
    return [7, 2, 0]


class Organization(models.Model):
    """A controller: the company whose customers' requests the desk answers."""

    slug = models.SlugField(
        _("slug"),
        unique=True,
        validators=[validate_slug_not_reserved],
        help_text=_("Used in the public form's address: /<slug>/request/"),
    )
    name = models.CharField(_("name"), max_length=200, help_text=_("The name customers know"))
    legal_name = models.CharField(_("legal name"), max_length=200)
    street_address = models.CharField(_("street and number"), max_length=200)
    postal_code = models.CharField(_("postal code"), max_length=20)
    city = models.CharField(_("city"), max_length=100)
    country = models.CharField(_("country"), max_length=2, choices=Country.choices)
    company_number = models.CharField(
        _("company number"), max_length=40, blank=True, help_text=_("VAT or enterprise number")
    )
    time_zone = models.CharField(
        _("time zone"),
        max_length=64,
        help_text=_("Deadlines are counted in this zone (LEGAL.md)"),
    )
    default_language = models.CharField(
        _("default language"), max_length=2, choices=Language.choices, default=Language.ENGLISH
    )
    offered_languages = models.JSONField(
        _("offered languages"),
        default=list,
        help_text=_('Languages the public form and the letters offer, e.g. ["nl", "fr", "en"]'),
    )
    reference_prefix = models.CharField(
        _("reference prefix"),
        max_length=8,
        unique=True,
        validators=[RegexValidator(r"^[A-Z]{2,8}$", _("Two to eight capital letters."))],
        help_text=_("Requests are numbered PREFIX-YYYY-NNNNN"),
    )
    privacy_email = models.EmailField(_("privacy e-mail address"))
    website = models.URLField(_("website"), blank=True)
    signatory_name = models.CharField(_("signatory name"), max_length=150, blank=True)
    signatory_title = models.CharField(_("signatory title"), max_length=150, blank=True)
    # The signatory's title and the place letters are dated from, in each offered language
    # other than the default one: {"nl": {"signatory_title": "...", "place": "Brussel"}}.
    texts = models.JSONField(_("letter texts in other languages"), default=dict, blank=True)
    requires_identity_document = models.BooleanField(
        _("ask for an identity document on the public form"),
        default=False,
        help_text=_("LEGAL.md: a document is the exception; a confirmed e-mail is often enough"),
    )
    signature_image = models.FileField(_("signature image"), upload_to="branding/", blank=True)
    logo = models.FileField(_("logo"), upload_to="branding/", blank=True)
    # Letters (dsr/letters/): where the subject's address goes, and how letters are signed.
    letter_window = models.CharField(
        _("envelope window"),
        max_length=5,
        choices=LetterWindow.choices,
        default=LetterWindow.LEFT,
        help_text=_("Side of the window envelopes the letters are posted in"),
    )
    # The PKCS#12 file and its password, each encrypted with dsr.crypto (Fernet); set only
    # through the letter settings page, which checks them (dsr/letters/signing.py).
    signing_certificate = models.BinaryField(default=b"", blank=True, editable=False)
    signing_certificate_password = models.BinaryField(default=b"", blank=True, editable=False)
    signing_certificate_subject = models.CharField(
        _("signing certificate"), max_length=300, blank=True, editable=False
    )
    signing_certificate_fingerprint = models.CharField(
        _("certificate SHA-256 fingerprint"), max_length=64, blank=True, editable=False
    )
    signing_certificate_not_after = models.DateTimeField(
        _("certificate valid until"), null=True, blank=True, editable=False
    )
    timestamp_url = models.URLField(
        _("time-stamp authority (TSA) URL"),
        blank=True,
        help_text=_("RFC 3161 time-stamping service; signatures are time-stamped when set"),
    )
    reminder_days = models.JSONField(
        _("reminder thresholds (days left)"),
        default=default_reminder_days,
        help_text=_(
            "Officers are reminded when this many days are left, e.g. [7, 2, 0]; "
            "overdue requests are always reported"
        ),
    )
    identity_document_retention_days = models.PositiveSmallIntegerField(
        _("days to keep identity documents after closing"),
        default=30,
        help_text=_("Documents left after a request closes without an identity decision"),
    )
    request_retention_days = models.PositiveIntegerField(
        _("days to keep closed requests"),
        default=3 * 365,
        help_text=_("After this, a closed request is reduced to what proof and statistics need"),
    )
    # Human control (issue 18): a second member approves what cannot be undone or taken back.
    four_eyes_erasure = models.BooleanField(
        _("four eyes on erasure and anonymisation"),
        default=True,
        help_text=_(
            "Confirming an erasure or anonymisation needs a second officer or manager to "
            "approve the dry run"
        ),
    )
    four_eyes_refusal = models.BooleanField(
        _("four eyes on refusals"),
        default=False,
        help_text=_("Refusing a request needs a second officer or manager to approve it"),
    )
    four_eyes_release = models.BooleanField(
        _("four eyes on releasing a package"),
        default=False,
        help_text=_(
            "Releasing a reviewed data package to the subject needs a second officer or "
            "manager to approve it"
        ),
    )
    release_unreviewed_own_data = models.BooleanField(
        _("release packages of own-data sources without review"),
        default=False,
        help_text=_(
            "A package whose sources a manager marked as holding only the subject's own "
            "data is sent without waiting for review"
        ),
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("organisation")
        verbose_name_plural = _("organisations")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def save(self, *args: object, **kwargs: object) -> None:
        if not self.time_zone and self.country in TIME_ZONES:
            self.time_zone = TIME_ZONES[self.country]
        if not self.offered_languages:
            self.offered_languages = [self.default_language]
        super().save(*args, **kwargs)

    def clean(self) -> None:
        days = self.reminder_days
        if not isinstance(days, list) or not all(
            isinstance(day, int) and not isinstance(day, bool) and 0 <= day <= 60 for day in days
        ):
            raise ValidationError(
                {"reminder_days": _("A list of whole numbers of days between 0 and 60.")}
            )

    @property
    def postal_address_lines(self) -> list[str]:
        return [self.legal_name, self.street_address, f"{self.postal_code} {self.city}"]

    def letter_text(self, name: str, language: str) -> str:
        """The signatory's title ("signatory_title") or the place ("place") in `language`.

        In the default language the title is the field itself and the place the city,
        unless the city has a name of its own in that language ("Brussel" -> "Brussels")."""
        text = (((self.texts or {}).get(language) or {}).get(name) or "").strip()
        if language == self.default_language:
            if name == "place":
                return text or self.city
            return getattr(self, name)
        return text

    @property
    def has_signing_certificate(self) -> bool:
        return bool(self.signing_certificate)


class Role(models.TextChoices):
    VIEWER = "viewer", _("Viewer")
    OFFICER = "officer", _("Privacy officer")
    MANAGER = "manager", _("Manager")


class Membership(models.Model):
    """A user's role in one organisation; a user may belong to several."""

    ORGANIZATION_PATH = "organization"

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="memberships")
    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="memberships"
    )
    role = models.CharField(_("role"), max_length=10, choices=Role.choices, default=Role.OFFICER)
    daily_digest = models.BooleanField(
        _("morning digest"),
        default=True,
        help_text=_("A morning e-mail with my open requests by days left"),
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")
        constraints = [
            models.UniqueConstraint(fields=["user", "organization"], name="one_membership_per_org"),
        ]

    def __str__(self) -> str:
        return f"{self.user} — {self.organization} ({self.get_role_display()})"

    @property
    def can_manage(self) -> bool:
        return self.role == Role.MANAGER


class ApiToken(models.Model):
    """A key for the controller's own systems (REST API), per organisation.

    The secret is shown once when created; only its SHA-256 is stored. The public
    prefix finds the row; the digest is compared in constant time (dsr/api/auth.py).
    """

    ORGANIZATION_PATH = "organization"

    class Scope(models.TextChoices):
        READ = "read", _("Read")
        WRITE = "write", _("Read and write")

    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="api_tokens"
    )
    name = models.CharField(_("name"), max_length=100)
    prefix = models.CharField(max_length=16, unique=True)
    secret_hash = models.CharField(max_length=64)
    scope = models.CharField(_("scope"), max_length=5, choices=Scope.choices, default=Scope.READ)
    created_by = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None

    @property
    def can_write(self) -> bool:
        return self.scope == self.Scope.WRITE
