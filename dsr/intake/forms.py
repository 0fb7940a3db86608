"""The subject's forms: the request form, the answer to a question, the withdrawal.

They check what a person typed and sent; the rules of the request itself live in
`dsr.workflow`. Every message is translated, and Django ties each error to its field
(`aria-describedby`, `aria-invalid`) when the templates render `{{ field }}`.
"""

from __future__ import annotations

from django import forms
from django.core.files.uploadedfile import UploadedFile
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from accounts.models import Organization
from dsr import attachments
from dsr.attachments import AttachmentRejected, CheckedFile
from dsr.models import AnswerChannel, Right

MAX_FILES = 3
MAX_DESCRIPTION = 10_000

# One plain sentence per right (the issue: "each explained in one plain sentence").
RIGHT_EXPLANATIONS = {
    Right.ACCESS: _("Get a copy of the personal data we hold about you, and learn how we use it."),
    Right.RECTIFICATION: _("Have data about you that is wrong or incomplete corrected."),
    Right.ERASURE: _("Have your personal data deleted."),
    Right.RESTRICTION: _("Have us stop using your data for a while, except to keep it stored."),
    Right.PORTABILITY: _(
        "Receive the data you gave us in a machine-readable file, to take it elsewhere."
    ),
    Right.OBJECTION: _(
        "Object to how we use your data, for example for direct marketing; we then stop."
    ),
    Right.AUTOMATED_DECISION: _(
        "Ask for a person to review a decision about you that a computer took on its own."
    ),
}


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Up to MAX_FILES files. Cleaning only counts them and cleans to the uploads, unopened:
    the view opens and judges them (`UploadForm.files_check`) only after the rate limits and
    the challenge have passed, so a sender who has not passed them costs no decoding."""

    widget = MultipleFileInput

    def __init__(self, **kwargs: object) -> None:
        kwargs.setdefault("required", False)
        super().__init__(**kwargs)
        self.widget.attrs.setdefault("accept", ".pdf,.jpg,.jpeg,.png")

    def clean(self, data: object, initial: object = None) -> list[UploadedFile]:
        uploads = [item for item in (data or []) if isinstance(item, UploadedFile)]
        if len(uploads) > MAX_FILES:
            raise forms.ValidationError(
                gettext("You can send at most %(count)d files.") % {"count": MAX_FILES},
                code="too_many",
            )
        return uploads


def _rejection(name: str, rejected: AttachmentRejected) -> forms.ValidationError:
    return forms.ValidationError(
        "%(name)s: %(reason)s", params={"name": name, "reason": str(rejected)}, code="rejected"
    )


def uploads_check(uploads: list[UploadedFile]) -> list[CheckedFile]:
    """Open and judge each upload with `dsr.attachments.file_check` (sanitised: the subject's
    files); raise one ValidationError per refused file, naming it.

    Every image's header is read before any image is decoded: one over the pixel budget is
    refused undecoded, and so are all of them when together they are over the budget of a
    submission."""
    contents, errors = [], []
    pixels = 0
    for upload in uploads:
        name = attachments.clean_file_name(upload.name or "")
        try:
            if upload.size > attachments.MAX_SIZE:  # refused before it is read
                raise AttachmentRejected(gettext("The file is larger than 10 MB."))
            content = upload.read()
            pixels += attachments.image_pixels(content)
        except AttachmentRejected as rejected:
            errors.append(_rejection(name, rejected))
            continue
        contents.append((name, content))
    if errors:
        raise forms.ValidationError(errors)
    if pixels > attachments.MAX_SUBMISSION_PIXELS:
        raise forms.ValidationError(
            str(attachments.submission_pixels_refusal()), code="too_many_pixels"
        )
    checked = []
    for name, content in contents:
        try:
            checked.append(attachments.file_check(content, name, sanitise=True))
        except AttachmentRejected as rejected:
            errors.append(_rejection(name, rejected))
    if errors:
        raise forms.ValidationError(errors)
    return checked


class SubjectForm(forms.Form):
    """Labels without Django's trailing colon: they read as questions and plain names."""

    def __init__(self, *args: object, **kwargs: object) -> None:
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)


class UploadForm(SubjectForm):
    """A subject's form with files: `is_valid()` checks the text and counts the files;
    `files_check()`, called once the view has applied its limits, opens and judges them."""

    upload_field = ""

    def files_check(self) -> bool:
        """Replace the uploads in `cleaned_data` by the checked files; False, with the
        errors on the field, if any file is refused."""
        if self.upload_field not in self.fields:
            return True
        uploads = self.cleaned_data.get(self.upload_field) or []
        try:
            self.cleaned_data[self.upload_field] = uploads_check(uploads)
        except forms.ValidationError as refused:
            self.add_error(self.upload_field, refused)
            return False
        return True


class SubmissionForm(UploadForm):
    """The public request form of one organisation."""

    upload_field = "documents"

    rights = forms.MultipleChoiceField(
        label=_("What would you like us to do?"),
        choices=Right.choices,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": _("Choose at least one right.")},
    )
    direct_marketing = forms.BooleanField(
        label=_("My objection is to direct marketing (newsletters, promotions, advertising)"),
        required=False,
        help_text=_("Then we stop: an objection to direct marketing is never refused."),
    )
    subject_name = forms.CharField(
        label=_("Your name"), max_length=200, widget=forms.TextInput(attrs={"autocomplete": "name"})
    )
    subject_email = forms.EmailField(
        label=_("Your e-mail address"),
        max_length=254,
        help_text=_("We send a link to this address to confirm that the request is yours."),
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )
    subject_customer_number = forms.CharField(
        label=_("Customer or account number (optional)"),
        required=False,
        max_length=100,
        help_text=_("If you have one, it helps us find your data."),
    )
    answer_channel = forms.ChoiceField(
        label=_("How would you like to receive our answer?"),
        choices=AnswerChannel.choices,
        initial=AnswerChannel.EMAIL,
        widget=forms.RadioSelect,
    )
    subject_postal_address = forms.CharField(
        label=_("Postal address"),
        required=False,
        max_length=1000,
        help_text=_("Needed only if you want the answer by post."),
        widget=forms.Textarea(attrs={"rows": 3, "autocomplete": "street-address"}),
    )
    description = forms.CharField(
        label=_("Anything else we should know? (optional)"),
        required=False,
        max_length=MAX_DESCRIPTION,
        help_text=_(
            "For example which account, device or address it is about, or what to correct."
        ),
        widget=forms.Textarea(attrs={"rows": 5}),
    )
    documents = MultipleFileField(
        label=_("Copy of an identity document (optional)"),
        help_text=_(
            "PDF, JPEG or PNG, at most 3 files of 10 MB each. Please cover your photo and "
            "your national register number (Belgium) or BSN (the Netherlands) before you "
            "send it: we do not need them. We delete the copy as soon as we have checked "
            "who you are."
        ),
    )
    # Filled by the page itself: the language, the signed challenge and its proof of work.
    lang = forms.CharField(required=False, widget=forms.HiddenInput)
    challenge = forms.CharField(required=False, widget=forms.HiddenInput)
    pow_nonce = forms.CharField(required=False, max_length=16, widget=forms.HiddenInput)
    # The honeypot: hidden from people (and from screen readers), filled in by naive bots.
    fax = forms.CharField(
        label=_("Leave this field empty"),
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "off", "tabindex": "-1"}),
    )

    def __init__(self, *args: object, organization: Organization, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.organization = organization
        if not organization.requires_identity_document:
            del self.fields["documents"]

    @property
    def is_bot(self) -> bool:
        """The honeypot was filled in: answer as if all went well, store nothing."""
        return bool(self.data.get("fax", "").strip())

    def clean(self) -> dict:
        cleaned = super().clean()
        if (
            cleaned.get("answer_channel") == AnswerChannel.POST
            and not (cleaned.get("subject_postal_address") or "").strip()
        ):
            self.add_error(
                "subject_postal_address",
                gettext("Give your postal address if you want the answer by post."),
            )
        if cleaned.get("direct_marketing") and Right.OBJECTION not in (cleaned.get("rights") or []):
            self.add_error(
                "direct_marketing",
                gettext("Tick the objection too: direct marketing is what you object to."),
            )
        return cleaned

    def rights_with_explanations(self) -> list[dict]:
        """The rights' checkboxes with their one-sentence explanations, for the template."""
        return [
            {"checkbox": checkbox, "explanation": RIGHT_EXPLANATIONS[checkbox.data["value"]]}
            for checkbox in self["rights"]
        ]


class AnswerForm(UploadForm):
    """The subject's answer to an officer's question, with optional files."""

    upload_field = "files"

    message = forms.CharField(
        label=_("Your answer"),
        required=False,
        max_length=MAX_DESCRIPTION,
        widget=forms.Textarea(attrs={"rows": 5}),
    )
    files = MultipleFileField(
        label=_("Files (optional)"),
        help_text=_(
            "PDF, JPEG or PNG, at most 3 files of 10 MB each. On a copy of an identity "
            "document, please cover your photo and your national register number or BSN."
        ),
    )

    def clean(self) -> dict:
        cleaned = super().clean()
        if (
            not self.errors
            and not (cleaned.get("message") or "").strip()
            and not cleaned.get("files")
        ):
            self.add_error("message", gettext("Write an answer or add a file."))
        return cleaned


class WithdrawForm(SubjectForm):
    reason = forms.CharField(
        label=_("Why do you withdraw the request? (optional)"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
