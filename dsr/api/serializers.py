"""What the API reads and writes. Writes are validated here and carried out by dsr/workflow.py."""

from __future__ import annotations

from typing import Any

from django.utils import timezone
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from accounts.models import Language, User
from dsr import workflow
from dsr.api.auth import may_write
from dsr.api.fields import (
    Rfc3339DateTimeField,
    StrictCharField,
    StrictEmailField,
    StrictSlugField,
)
from dsr.models import (
    AnswerChannel,
    Approval,
    Attachment,
    AttachmentKind,
    Channel,
    Event,
    EvidenceKind,
    Job,
    JobStep,
    Letter,
    Outcome,
    PackageReview,
    RefusalGround,
    Request,
    ReviewDecision,
    Right,
)

# The workflow's action names as the API's action paths (those the API offers).
API_ACTIONS = {
    "assign": "assign",
    "decide_identity": "verify-identity",
    "ask_information": "request-information",
    "record_information": "information-received",
    "extend": "extend",
    "refuse": "refuse",
    "complete": "complete",
    "withdraw": "withdraw",
    "ask_refusal_approval": "ask-refusal-approval",
}

# The public form owns the web channel (with its e-mail confirmation); the API logs the rest.
API_CHANNELS = [choice for choice in Channel.choices if choice[0] != Channel.WEB]


class StrictSerializer(serializers.Serializer):
    """Unknown fields are an error, not silently ignored (a typo must not lose data)."""

    def to_internal_value(self, data: Any) -> Any:
        if not isinstance(data, dict):
            raise serializers.ValidationError(
                {"non_field_errors": ["Expected a JSON object."]}, code="invalid"
            )
        unknown = sorted(set(data) - set(self.fields))
        if unknown:
            raise serializers.ValidationError(
                {name: ["Unknown field."] for name in unknown}, code="unknown_field"
            )
        return super().to_internal_value(data)


class OptionalChoiceField(serializers.ChoiceField):
    """A choice that is not made yet: stored as "", shown as null."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(allow_null=True, read_only=True, **kwargs)

    def to_representation(self, value: Any) -> Any:
        return value or None


class RequestSerializer(serializers.ModelSerializer):
    identity_evidence = OptionalChoiceField(choices=EvidenceKind.choices)
    outcome = OptionalChoiceField(choices=Outcome.choices)
    refusal_ground = OptionalChoiceField(choices=RefusalGround.choices)
    organization = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    assignee = serializers.SerializerMethodField(help_text="The assignee's e-mail, or null.")
    days_left = serializers.SerializerMethodField(
        help_text="Days until the effective due date in the organisation's time zone; "
        "negative when overdue."
    )
    allowed_actions = serializers.SerializerMethodField(
        help_text="The actions the request's state allows now."
    )
    status_page_url = serializers.SerializerMethodField(
        help_text="The subject's private status page: whoever holds it may answer and withdraw "
        "as the subject. Given only to callers that act for the subject (a `write` token, an "
        "officer or manager); `null` for a `read` token and a viewer. Give it only to the subject."
    )

    class Meta:
        model = Request
        fields = [
            "reference",
            "organization",
            "submission_id",
            "right",
            "status",
            "channel",
            "language",
            "answer_channel",
            "received_at",
            "due_date",
            "extended_due_date",
            "effective_due_date",
            "days_left",
            "paused_days",
            "identity_status",
            "identity_evidence",
            "assignee",
            "outcome",
            "refusal_ground",
            "closed_at",
            "subject_name",
            "subject_email",
            "subject_postal_address",
            "subject_customer_number",
            "description",
            "direct_marketing",
            "allowed_actions",
            "status_page_url",
        ]
        read_only_fields = fields

    @extend_schema_field(serializers.EmailField(allow_null=True))
    def get_assignee(self, request_obj: Request) -> str | None:
        return request_obj.assignee.email if request_obj.assignee else None

    def get_days_left(self, request_obj: Request) -> int:
        from dsr import deadlines

        today = deadlines.receipt_date(timezone.now(), time_zone=request_obj.organization.time_zone)
        return request_obj.days_left(today)

    @extend_schema_field(serializers.ListField(child=serializers.CharField()))
    def get_allowed_actions(self, request_obj: Request) -> list[str]:
        return [
            API_ACTIONS[name]
            for name in workflow.allowed_actions(request_obj)
            if name in API_ACTIONS
        ]

    @extend_schema_field(serializers.URLField(allow_null=True))
    def get_status_page_url(self, request_obj: Request) -> str | None:
        """The link is the subject's key: whoever holds it may answer and withdraw as the
        subject. So it goes only to a caller that may act on the request (`auth.may_write`:
        a write token of the organisation, an officer or manager), never to a read token or a
        viewer, and to nobody when the serializer is not told who is asking."""
        request = self.context.get("request")
        if request is None:
            return None
        decided = self.context.setdefault("acts_for_subject", {})  # once per organisation
        if request_obj.organization_id not in decided:
            decided[request_obj.organization_id] = may_write(request, request_obj.organization)
        if not decided[request_obj.organization_id]:
            return None
        return request_obj.status_url()


class RequestCreateSerializer(StrictSerializer):
    organization = StrictSlugField(
        required=False,
        help_text="Slug of the organisation; only for desk sessions of several organisations "
        "(a token always acts for its own).",
    )
    right = serializers.ChoiceField(choices=Right.choices)
    channel = serializers.ChoiceField(choices=API_CHANNELS, default=Channel.API)
    language = serializers.ChoiceField(choices=Language.choices)
    answer_channel = serializers.ChoiceField(
        choices=AnswerChannel.choices, default=AnswerChannel.EMAIL
    )
    received_at = Rfc3339DateTimeField(
        required=False,
        help_text="When the request reached the controller (for requests received through "
        "another channel), as RFC 3339 with an offset (`Z` or `±hh:mm`, e.g. "
        "`2026-11-18T10:00:00+01:00`); defaults to now; never in the future.",
    )
    subject_name = StrictCharField(max_length=200)
    subject_email = StrictEmailField(required=False, allow_blank=True, max_length=254)
    subject_postal_address = StrictCharField(required=False, allow_blank=True, max_length=1000)
    subject_customer_number = StrictCharField(required=False, allow_blank=True, max_length=100)
    description = StrictCharField(required=False, allow_blank=True, max_length=20_000)
    direct_marketing = serializers.BooleanField(
        default=False,
        help_text="An objection (`right` objection) to direct marketing (Art. 21(2)); no ground "
        "refuses it (Art. 21(3)).",
    )


class EventSerializer(serializers.ModelSerializer):
    class Meta:
        model = Event
        fields = [
            "sequence",
            "created_at",
            "kind",
            "actor_kind",
            "actor_label",
            "data",
            "payload",
            "payload_hash",
            "previous_hash",
            "hash",
        ]
        read_only_fields = fields


class AttachmentSerializer(serializers.ModelSerializer):
    class Meta:
        model = Attachment
        fields = [
            "id",
            "kind",
            "original_name",
            "content_type",
            "size",
            "sha256",
            "created_at",
            "destroyed_at",
        ]
        read_only_fields = fields


class AttachmentUploadSerializer(StrictSerializer):
    file = serializers.FileField(help_text="PDF, JPEG or PNG, at most 10 MB.")
    kind = serializers.ChoiceField(
        choices=AttachmentKind.choices, default=AttachmentKind.CORRESPONDENCE
    )


class LetterSerializer(serializers.ModelSerializer):
    id = serializers.UUIDField(source="public_id", read_only=True)
    download_url = serializers.SerializerMethodField(help_text="The signed PDF, when ready.")
    removed_at = serializers.DateTimeField(
        read_only=True,
        allow_null=True,
        help_text="When retention removed the PDF; the sha256 stays as proof.",
    )

    class Meta:
        model = Letter
        fields = [
            "id",
            "kind",
            "language",
            "version",
            "status",
            "letter_date",
            "issued_at",
            "sha256",
            "page_count",
            "signed",
            "timestamped",
            "emailed_at",
            "post_queued_at",
            "posted_at",
            "removed_at",
            "download_url",
        ]
        read_only_fields = fields

    def get_download_url(self, letter: Letter) -> str | None:
        if not letter.is_ready or letter.removed_at is not None:
            return None
        return f"/api/v1/requests/{letter.request.reference}/letters/{letter.public_id}/pdf/"


class JobStepSerializer(serializers.ModelSerializer):
    source = serializers.CharField(source="source.name", read_only=True)

    class Meta:
        model = JobStep
        fields = ["source", "status", "rows_total", "rows_done", "attempts", "last_error",
                  "started_at", "finished_at", "result"]  # fmt: skip
        read_only_fields = fields


class ReviewDecisionSerializer(serializers.ModelSerializer):
    """An exclusion or redaction: where and why; a redacted value only as its keyed hash."""

    source = serializers.CharField(source="step.source.name", read_only=True, default=None)

    class Meta:
        model = ReviewDecision
        fields = ["id", "kind", "source", "table", "column", "row", "reason", "value_hash",
                  "created_at", "undone_at"]  # fmt: skip
        read_only_fields = fields


class PackageReviewSerializer(serializers.ModelSerializer):
    grounds = serializers.ListField(child=serializers.CharField(), read_only=True)
    decisions = ReviewDecisionSerializer(many=True, read_only=True)

    class Meta:
        model = PackageReview
        fields = ["status", "created_at", "released_at", "automatic", "grounds", "decisions"]
        read_only_fields = fields


class JobSerializer(serializers.ModelSerializer):
    steps = JobStepSerializer(many=True, read_only=True)
    review = serializers.SerializerMethodField(
        help_text="Access and portability: the data package's review before release, or null."
    )

    class Meta:
        model = Job
        fields = ["id", "right", "status", "planned_at", "confirmed_at", "finished_at", "steps",
                  "review"]  # fmt: skip
        read_only_fields = fields

    @extend_schema_field(PackageReviewSerializer(allow_null=True))
    def get_review(self, job: Job) -> dict[str, Any] | None:
        review = PackageReview.objects.filter(job=job).first()
        if review is None:
            return None
        data = PackageReviewSerializer(review).data
        data["grounds"] = review.grounds()
        return data


# --- actions ----------------------------------------------------------------------------------


class AssignSerializer(StrictSerializer):
    assignee = StrictEmailField(
        allow_null=True, help_text="An officer's e-mail address, or null to unassign."
    )

    def validate_assignee(self, value: str | None) -> User | None:
        """The person with this address (the workflow checks they are an officer here)."""
        if not value:
            return None
        assignee = User.objects.filter(email__iexact=value).first()
        if assignee is None:
            raise serializers.ValidationError("No officer with this e-mail address.")
        return assignee


class VerifyIdentitySerializer(StrictSerializer):
    verified = serializers.BooleanField(
        help_text="true: identity established (identity documents are destroyed); "
        "false: it could not be."
    )
    evidence = serializers.ChoiceField(choices=EvidenceKind.choices)
    note = StrictCharField(required=False, allow_blank=True, max_length=20_000)


class MessageSerializer(StrictSerializer):
    message = StrictCharField(max_length=20_000)


class OptionalMessageSerializer(StrictSerializer):
    message = StrictCharField(required=False, allow_blank=True, max_length=20_000)


class ExtendSerializer(StrictSerializer):
    reason = StrictCharField(max_length=20_000)


class RefuseSerializer(StrictSerializer):
    ground = serializers.ChoiceField(choices=RefusalGround.choices)
    explanation = StrictCharField(required=False, allow_blank=True, max_length=20_000)


class CompleteSerializer(StrictSerializer):
    outcome = serializers.ChoiceField(choices=Outcome.choices)
    note = StrictCharField(required=False, allow_blank=True, max_length=20_000)


class WithdrawSerializer(StrictSerializer):
    reason = StrictCharField(required=False, allow_blank=True, max_length=20_000)


class ErrorDetailSerializer(serializers.Serializer):
    code = serializers.CharField(help_text="Machine-readable, e.g. `transition_not_allowed`.")
    message = serializers.CharField(help_text="For people.")
    fields = serializers.DictField(required=False, help_text="Per-field messages.")
    allowed = serializers.ListField(
        child=serializers.CharField(), required=False, help_text="Actions allowed now (409)."
    )


class ErrorSerializer(serializers.Serializer):
    error = ErrorDetailSerializer()


class ApprovalSerializer(serializers.ModelSerializer):
    """Four eyes (issue 18): who asked a second officer or manager to approve what, and who
    approved it; `summary` names sources and row counts or the ground, never personal data."""

    requested_by = serializers.EmailField(source="requested_by.email", default=None)
    approved_by = serializers.EmailField(source="approved_by.email", default=None)
    pending = serializers.BooleanField(source="is_pending")
    summary = serializers.JSONField()

    class Meta:
        model = Approval
        fields = ["id", "kind", "covers", "summary", "requested_by", "requested_at",
                  "approved_by", "approved_at", "pending"]  # fmt: skip
        read_only_fields = fields
