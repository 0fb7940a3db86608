"""/api/v1/inbox/: the organisation's inbox items (received e-mails that are not replies),
read-only. Deciding on an item is the desk's (dsr/desk/views/inbox.py).

Scoped by `auth.scope_queryset` like every API read: another organisation's item is a 404;
the body is the safe text the desk shows (never the HTML, never the original message)."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import mixins, serializers, viewsets
from rest_framework.pagination import CursorPagination
from rest_framework.request import Request as ApiRequest
from rest_framework.response import Response

from dsr.api.auth import scope_queryset
from dsr.api.views import ERRORS, READ_ERRORS, RequestCursor
from dsr.inbox.guess import suggestion_words, suggests_direct_marketing
from dsr.models import INBOX_STATUSES, InboundAttachment, InboundMail


class InboxAttachmentSerializer(serializers.ModelSerializer):
    class Meta:
        model = InboundAttachment
        fields = ["original_name", "content_type", "size", "sha256", "accepted", "refusal"]
        read_only_fields = fields


class InboxSuggestionSerializer(serializers.Serializer):
    right = serializers.CharField()
    words = serializers.ListField(child=serializers.CharField())
    direct_marketing = serializers.BooleanField()


class InboxItemSerializer(serializers.ModelSerializer):
    suggested_rights = serializers.SerializerMethodField()
    requests = serializers.SlugRelatedField(slug_field="reference", many=True, read_only=True)
    attachments = InboxAttachmentSerializer(many=True, read_only=True)

    class Meta:
        model = InboundMail
        fields = [
            "id",
            "status",
            "received_at",
            "received_at_source",
            "sender_address",
            "sender_name",
            "subject",
            "body_text",
            "body_from_html",
            "language_guess",
            "suggested_rights",
            "attachments",
            "requests",
            "decided_at",
            "not_request_reason",
        ]
        read_only_fields = fields

    @extend_schema_field(InboxSuggestionSerializer(many=True))
    def get_suggested_rights(self, item: InboundMail) -> list[dict[str, Any]]:
        return [
            {
                "right": right,
                "words": suggestion_words(item.guess_detail, right),
                "direct_marketing": right == "objection"
                and suggests_direct_marketing(item.guess_detail),
            }
            for right in item.rights_guess
        ]


class InboxCursor(RequestCursor):
    """Newest first by id; the same page sizes as the requests."""

    ordering = "-pk"


@extend_schema(tags=["inbox"])
class InboxViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    serializer_class = InboxItemSerializer
    pagination_class: type[CursorPagination] = InboxCursor
    lookup_value_regex = r"\d{1,18}"

    def get_queryset(self):
        return scope_queryset(
            self.request,
            InboundMail.objects.filter(status__in=INBOX_STATUSES).prefetch_related(
                "attachments", "requests"
            ),
        )

    @extend_schema(
        summary="List inbox items",
        description="Received e-mails that are not replies, newest first, with the suggested "
        "language and rights; cursor pages (follow `next`).",
        responses={
            200: InboxItemSerializer(many=True),
            **{code: ERRORS[code] for code in (400, 401, 404, 429)},
        },
    )
    def list(self, request: ApiRequest, *args: Any, **kwargs: Any) -> Response:
        return super().list(request, *args, **kwargs)

    @extend_schema(
        summary="Read one inbox item", responses={200: InboxItemSerializer, **READ_ERRORS}
    )
    def retrieve(self, request: ApiRequest, *args: Any, **kwargs: Any) -> Response:
        return super().retrieve(request, *args, **kwargs)
