"""REST API v1: requests, their history and files, and the workflow's actions.

Views validate and call dsr/workflow.py; they hold no rules. Every queryset goes
through `auth.scope_queryset`, so another organisation's reference is a 404.
"""

from __future__ import annotations

import hashlib
import uuid
from typing import Any

from django.db import IntegrityError, transaction
from django.http import HttpResponse
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound, PermissionDenied, ValidationError
from rest_framework.pagination import CursorPagination
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.request import Request as ApiRequest
from rest_framework.response import Response

from accounts.models import Organization
from dsr import audit, workflow
from dsr.actions import action_perform
from dsr.api import serializers as s
from dsr.api.auth import may_write, organizations_of, scope_queryset, token_of
from dsr.api.errors import Gone, error_body
from dsr.api.filters import RequestFilter
from dsr.attachments import MAX_SIZE, AttachmentRejected, attachment_store
from dsr.models import IdempotencyKey, PackageReview, Request, ReviewStatus

ERRORS = {
    400: OpenApiResponse(s.ErrorSerializer, description="Invalid input"),
    401: OpenApiResponse(s.ErrorSerializer, description="No or invalid token"),
    403: OpenApiResponse(s.ErrorSerializer, description="Not allowed (e.g. a read-only token)"),
    404: OpenApiResponse(s.ErrorSerializer, description="No such request in your organisation"),
    409: OpenApiResponse(s.ErrorSerializer, description="Not allowed in the current state"),
    413: OpenApiResponse(s.ErrorSerializer, description="Body larger than 2.5 MB"),
    415: OpenApiResponse(s.ErrorSerializer, description="Not JSON, or an unknown charset"),
    422: OpenApiResponse(
        s.ErrorSerializer, description="This Idempotency-Key was used with a different body"
    ),
    429: OpenApiResponse(s.ErrorSerializer, description="Too many requests; see Retry-After"),
}
# 400: also any call the server refuses to read (a disallowed Host header, a bad cursor).
READ_ERRORS = {code: ERRORS[code] for code in (400, 401, 404, 429)}


def _review_waiting(request_obj: Request) -> PackageReview | None:
    """The request's data package waiting in review (issue 18), if there is one."""
    waiting = PackageReview.objects.filter(job__request=request_obj, status=ReviewStatus.REVIEW)
    return waiting.first()


def _no_review_waiting() -> Response:
    return Response(
        error_body("no_package_in_review", "No data package is waiting for review."),
        status=status.HTTP_409_CONFLICT,
    )


def _errors(*codes: int) -> dict[int, OpenApiResponse]:
    return {code: ERRORS[code] for code in codes}


# The view (DRF's `self.action`) -> the workflow action it performs.
WORKFLOW_ACTION_OF = {url.replace("-", "_"): name for name, url in s.API_ACTIONS.items()}
ACTION_RESPONSES = {
    200: s.RequestSerializer,
    **_errors(400, 401, 403, 404, 409, 413, 415, 429),
}


class RequestCursor(CursorPagination):
    """Newest first by id: a unique order, so each page is an index range however deep."""

    ordering = "-pk"
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200

    def get_page_size(self, request: ApiRequest) -> int:
        """`page_size` is one whole number from 1 to 200, or absent; anything else is a 400
        (DRF would quietly use the default)."""
        values = request.query_params.getlist(self.page_size_query_param)
        if not values:
            return self.page_size
        if len(values) != 1 or not values[0].isascii() or not values[0].isdigit():
            raise ValidationError({"page_size": ["A whole number from 1 to 200."]})
        size = int(values[0])
        if not 1 <= size <= self.max_page_size:
            raise ValidationError({"page_size": ["A whole number from 1 to 200."]})
        return size


def actor_of(request: ApiRequest) -> audit.Actor:
    token = token_of(request)
    if token is not None:
        return audit.Actor.api(token.name)
    return audit.Actor.for_user(request.user)


@extend_schema(tags=["requests"])
class RequestViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    serializer_class = s.RequestSerializer
    lookup_field = "reference"
    lookup_value_regex = r"[A-Z]{2,8}-\d{4}-\d{5,}"
    pagination_class = RequestCursor
    filter_backends = [DjangoFilterBackend]
    filterset_class = RequestFilter

    def get_queryset(self):
        return scope_queryset(
            self.request, Request.objects.select_related("organization", "assignee")
        )

    def _writable(self) -> Request:
        request_obj = self.get_object()
        if not may_write(self.request, request_obj.organization):
            raise PermissionDenied("You may read this request but not act on it.")
        return request_obj

    def _input(self, serializer_class: type) -> dict[str, Any]:
        serializer = serializer_class(data=self.request.data)
        serializer.is_valid(raise_exception=True)
        return serializer.validated_data

    def _answer(self, request_obj: Request, code: int = status.HTTP_200_OK) -> Response:
        return Response(self._serialized(request_obj), status=code)

    def _serialized(self, request_obj: Request) -> dict[str, Any]:
        """The request as the API shows it. A write calls this inside its transaction, so the
        answer is built from what is committed and nothing is read after the commit: a
        connection lost then cannot turn a stored request into an error (a client that
        believes it failed, or retries without an Idempotency-Key and files it twice)."""
        request_obj = self.get_queryset().get(pk=request_obj.pk)
        serializer = s.RequestSerializer(request_obj, context=self.get_serializer_context())
        return serializer.data

    @extend_schema(
        summary="List requests",
        description="The queue's filters; newest first; cursor pages (follow `next`).",
        parameters=[
            OpenApiParameter(
                "due_within",
                {"type": "integer", "minimum": 0, "maximum": 366},
                description="Open requests due within this many days (overdue included).",
            )
        ],
        responses={200: s.RequestSerializer(many=True), **_errors(400, 401, 404, 429)},
    )
    def list(self, request: ApiRequest, *args: Any, **kwargs: Any) -> Response:
        return super().list(request, *args, **kwargs)

    @extend_schema(summary="Read one request", responses={200: s.RequestSerializer, **READ_ERRORS})
    def retrieve(self, request: ApiRequest, *args: Any, **kwargs: Any) -> Response:
        return super().retrieve(request, *args, **kwargs)

    @extend_schema(
        summary="File a request (one right)",
        description="Creates one request for one right. Send an `Idempotency-Key` header to "
        "retry safely: the same key with the same body returns the same request.",
        parameters=[
            OpenApiParameter(
                "Idempotency-Key", OpenApiTypes.STR, OpenApiParameter.HEADER, required=False
            )
        ],
        request=s.RequestCreateSerializer,
        responses={
            201: s.RequestSerializer,
            200: s.RequestSerializer,
            **_errors(400, 401, 403, 413, 415, 422, 429),
        },
        examples=[
            OpenApiExample(
                "In-app 'delete my account' button",
                value={
                    "right": "erasure",
                    "language": "nl",
                    "subject_name": "Jan Peeters",
                    "subject_email": "jan.peeters@example.com",
                    "subject_customer_number": "OPM-C10442",
                    "description": "Verwijder mijn account uit de app.",
                },
                request_only=True,
            )
        ],
    )
    def create(self, request: ApiRequest) -> Response:
        data = self._input(s.RequestCreateSerializer)
        organization = self._organization(data.pop("organization", None))
        key = request.headers.get("Idempotency-Key", "").strip()
        token = token_of(request)
        if key and token is not None:
            return self._create_idempotent(token, key, organization, data)
        with transaction.atomic():
            (created,) = self._submit(organization, data)
            answer = self._serialized(created)
        return Response(answer, status=status.HTTP_201_CREATED)

    def _organization(self, slug: str | None) -> Organization:
        organizations = organizations_of(self.request)
        if slug:
            organization = organizations.filter(slug=slug).first()
            if organization is None:
                raise ValidationError({"organization": ["Unknown organisation."]})
        else:
            candidates = list(organizations[:2])
            if len(candidates) != 1:
                raise ValidationError({"organization": ["Say which organisation."]})
            organization = candidates[0]
        if not may_write(self.request, organization):
            raise PermissionDenied("You may not file requests for this organisation.")
        return organization

    def _submit(self, organization: Organization, data: dict[str, Any]) -> list[Request]:
        right = data.pop("right")
        return workflow.submission_create(
            organization=organization, rights=[right], actor=actor_of(self.request), **data
        )

    def _create_idempotent(
        self, token: Any, key: str, organization: Organization, data: dict[str, Any]
    ) -> Response:
        if len(key) > 200:
            raise ValidationError({"Idempotency-Key": ["At most 200 characters."]})
        body_hash = hashlib.sha256(self.request.body).hexdigest()
        try:
            with transaction.atomic():
                (created,) = self._submit(organization, dict(data))
                IdempotencyKey.objects.create(
                    token=token, key=key, body_hash=body_hash, submission_id=created.submission_id
                )
                answer = self._serialized(created)
            return Response(answer, status=status.HTTP_201_CREATED)
        except IntegrityError:
            previous = IdempotencyKey.objects.filter(token=token, key=key).first()
            if previous is None:
                raise
        if previous.body_hash != body_hash:
            return Response(
                error_body(
                    "idempotency_key_reused",
                    "This Idempotency-Key was used with a different body.",
                ),
                status=status.HTTP_422_UNPROCESSABLE_ENTITY,
            )
        original = self.get_queryset().filter(submission_id=previous.submission_id).first()
        response = self._answer(original, status.HTTP_200_OK)
        response["Idempotent-Replayed"] = "true"
        return response

    # --- history and files --------------------------------------------------------------------

    @extend_schema(
        summary="The request's events (its audit trail, with hashes)",
        responses={200: s.EventSerializer(many=True), **READ_ERRORS},
    )
    @action(detail=True, methods=["get"], pagination_class=None, filter_backends=[])
    def events(self, request: ApiRequest, reference: str) -> Response:
        request_obj = self.get_object()
        events = request_obj.events.order_by("sequence")
        return Response(s.EventSerializer(events, many=True).data)

    @extend_schema(
        methods=["GET"],
        summary="The request's attachments (metadata)",
        responses={200: s.AttachmentSerializer(many=True), **READ_ERRORS},
    )
    @extend_schema(
        methods=["POST"],
        summary="Upload an attachment (same file rules as the public form)",
        request={"multipart/form-data": s.AttachmentUploadSerializer},
        responses={201: s.AttachmentSerializer, **_errors(400, 401, 403, 404, 429)},
    )
    @action(
        detail=True,
        methods=["get", "post"],
        pagination_class=None,
        filter_backends=[],
        parser_classes=[MultiPartParser, FormParser],
    )
    def attachments(self, request: ApiRequest, reference: str) -> Response:
        if request.method == "GET":
            request_obj = self.get_object()
            return Response(
                s.AttachmentSerializer(request_obj.attachments.order_by("pk"), many=True).data
            )
        request_obj = self._writable()
        data = self._input(s.AttachmentUploadSerializer)
        upload = data["file"]
        if upload.size > MAX_SIZE:  # refused before it is read into memory
            raise ValidationError({"file": ["The file is larger than 10 MB."]})
        try:
            attachment = attachment_store(
                request=request_obj,
                content=upload.read(),
                original_name=upload.name,
                kind=data["kind"],
                actor=actor_of(request),
            )
        except AttachmentRejected as rejected:
            raise ValidationError({"file": [str(rejected)]}) from None
        return Response(s.AttachmentSerializer(attachment).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        summary="The request's letters (every version), with links to the signed PDFs",
        responses={200: s.LetterSerializer(many=True), **READ_ERRORS},
    )
    @action(detail=True, methods=["get"], pagination_class=None, filter_backends=[])
    def letters(self, request: ApiRequest, reference: str) -> Response:
        request_obj = self.get_object()
        letters = request_obj.letters.select_related("request").order_by("issued_at", "version")
        return Response(s.LetterSerializer(letters, many=True).data)

    @extend_schema(
        summary="Download a letter's signed PDF",
        responses={(200, "application/pdf"): OpenApiTypes.BINARY, **READ_ERRORS},
    )
    @action(
        detail=True,
        methods=["get"],
        url_path=r"letters/(?P<letter_id>[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})/pdf",
        pagination_class=None,
        filter_backends=[],
    )
    def letter_pdf(self, request: ApiRequest, reference: str, letter_id: str) -> HttpResponse:
        from dsr.letters import services as letters

        request_obj = self.get_object()
        try:
            letter_uuid = uuid.UUID(letter_id)
        except ValueError:
            raise NotFound() from None
        letter = request_obj.letters.filter(public_id=letter_uuid).first()
        if letter is None:
            raise NotFound()
        try:
            content = letters.letter_download(letter=letter, actor=actor_of(request))
        except letters.LetterNotReady:
            raise NotFound() from None
        except letters.LetterRemoved as removed:
            raise Gone(str(removed)) from None
        response = HttpResponse(content, content_type="application/pdf")
        response["Content-Disposition"] = f'attachment; filename="{letter.file_name}"'
        return response

    @extend_schema(
        summary="Fulfilment jobs in the controller's systems, with progress per source",
        responses={200: s.JobSerializer(many=True), **READ_ERRORS},
    )
    @action(detail=True, methods=["get"], pagination_class=None, filter_backends=[])
    def jobs(self, request: ApiRequest, reference: str) -> Response:
        request_obj = self.get_object()
        jobs = request_obj.jobs.prefetch_related("steps__source").order_by("planned_at")
        return Response(s.JobSerializer(jobs, many=True).data)

    @extend_schema(
        summary="Release the reviewed data package to the subject",
        description=(
            "Access and portability: the package waiting in review is built from the reviewed "
            "parts by the worker and the subject is told. 409 when there is none waiting."
        ),
        request=None,
        responses={200: s.JobSerializer(many=True), **_errors(401, 403, 404, 409, 429)},
    )
    @action(
        detail=True,
        methods=["post"],
        url_path="release-package",
        pagination_class=None,
        filter_backends=[],
    )
    def release_package(self, request: ApiRequest, reference: str) -> Response:
        from dsr import four_eyes
        from dsr.fulfilment import release_gate
        from dsr.fulfilment import review as package_review

        request_obj = self._writable()
        waiting = _review_waiting(request_obj)
        if waiting is None:
            return _no_review_waiting()
        try:
            # Four eyes on releases, where the organisation asks for it (issue 18).
            release_gate.package_release_checked(review=waiting, by=actor_of(self.request))
        except four_eyes.ApprovalError as error:
            return Response(error_body(error.code, error.message), status=status.HTTP_409_CONFLICT)
        except package_review.ReviewError as error:
            return Response(
                error_body("not_releasable", error.message), status=status.HTTP_409_CONFLICT
            )
        jobs = request_obj.jobs.prefetch_related("steps__source").order_by("planned_at")
        return Response(s.JobSerializer(jobs, many=True).data)

    # --- actions, each through dsr/workflow.py ------------------------------------------------

    def _act(self, serializer_class: type) -> Response:
        """This view's workflow action (`s.API_ACTIONS` names it by URL), performed through
        the table the desk reads too (`dsr/actions.py`)."""
        request_obj = self._writable()
        data = self._input(serializer_class)
        with transaction.atomic():  # the answer is read before the commit (`_serialized`)
            result = action_perform(
                WORKFLOW_ACTION_OF[self.action],
                request=request_obj,
                data=data,
                actor=actor_of(self.request),
            )
            answer = self._serialized(result if isinstance(result, Request) else request_obj)
        return Response(answer)

    @extend_schema(
        summary="Assign (or unassign)", request=s.AssignSerializer, responses=ACTION_RESPONSES
    )
    @action(detail=True, methods=["post"])
    def assign(self, request: ApiRequest, reference: str) -> Response:
        return self._act(s.AssignSerializer)

    @extend_schema(
        summary="Record the identity decision",
        request=s.VerifyIdentitySerializer,
        responses=ACTION_RESPONSES,
    )
    @action(detail=True, methods=["post"], url_path="verify-identity")
    def verify_identity(self, request: ApiRequest, reference: str) -> Response:
        return self._act(s.VerifyIdentitySerializer)

    @extend_schema(
        summary="Ask the subject for information (pauses the clock)",
        request=s.MessageSerializer,
        responses=ACTION_RESPONSES,
    )
    @action(detail=True, methods=["post"], url_path="request-information")
    def request_information(self, request: ApiRequest, reference: str) -> Response:
        return self._act(s.MessageSerializer)

    @extend_schema(
        summary="Record that the subject answered (resumes the clock)",
        request=s.OptionalMessageSerializer,
        responses=ACTION_RESPONSES,
    )
    @action(detail=True, methods=["post"], url_path="information-received")
    def information_received(self, request: ApiRequest, reference: str) -> Response:
        return self._act(s.OptionalMessageSerializer)

    @extend_schema(
        summary="Extend by two months (once, within the first month)",
        request=s.ExtendSerializer,
        responses=ACTION_RESPONSES,
    )
    @action(detail=True, methods=["post"])
    def extend(self, request: ApiRequest, reference: str) -> Response:
        return self._act(s.ExtendSerializer)

    @extend_schema(
        summary="Refuse on a ground", request=s.RefuseSerializer, responses=ACTION_RESPONSES
    )
    @action(detail=True, methods=["post"])
    def refuse(self, request: ApiRequest, reference: str) -> Response:
        return self._act(s.RefuseSerializer)

    @extend_schema(
        summary="Complete with an outcome", request=s.CompleteSerializer, responses=ACTION_RESPONSES
    )
    @action(detail=True, methods=["post"])
    def complete(self, request: ApiRequest, reference: str) -> Response:
        return self._act(s.CompleteSerializer)

    @extend_schema(summary="Withdraw", request=s.WithdrawSerializer, responses=ACTION_RESPONSES)
    @action(detail=True, methods=["post"])
    def withdraw(self, request: ApiRequest, reference: str) -> Response:
        return self._act(s.WithdrawSerializer)

    # --- four eyes (issue 18) ----------------------------------------------------------------

    @extend_schema(
        summary="Ask a second officer or manager to approve a refusal (four eyes)",
        description=(
            "Where the organisation asks for four eyes on refusals, `refuse` is answered "
            "`approval_needed` until another officer or manager approved exactly this ground "
            "and explanation."
        ),
        request=s.RefuseSerializer,
        responses=ACTION_RESPONSES,
    )
    @action(detail=True, methods=["post"], url_path="ask-refusal-approval")
    def ask_refusal_approval(self, request: ApiRequest, reference: str) -> Response:
        return self._act(s.RefuseSerializer)

    @extend_schema(
        summary="Approvals asked and given (four eyes)",
        description=(
            "Open approvals first: waiting for a second officer or manager, or given and not "
            "yet used. An erasure's dry run, a refusal or a package release waits here."
        ),
        responses={200: s.ApprovalSerializer(many=True), **READ_ERRORS},
    )
    @action(detail=True, methods=["get"], pagination_class=None, filter_backends=[])
    def approvals(self, request: ApiRequest, reference: str) -> Response:
        from dsr import four_eyes

        request_obj = self.get_object()
        return Response(s.ApprovalSerializer(four_eyes.pending_for(request_obj), many=True).data)

    @extend_schema(
        summary="Approve as the second pair of eyes",
        description=(
            "Only a person signed in to the desk (the API with their session) who is an "
            "officer or manager of the organisation and did not ask: never the asker, a "
            "viewer, another organisation's member or an API token (no person behind it)."
        ),
        request=None,
        responses={200: s.ApprovalSerializer, **_errors(401, 403, 404, 409, 429)},
    )
    @action(
        detail=True,
        methods=["post"],
        url_path=r"approvals/(?P<approval_id>[0-9]{1,18})/approve",
        pagination_class=None,
        filter_backends=[],
    )
    def approve(self, request: ApiRequest, reference: str, approval_id: str) -> Response:
        from dsr import four_eyes
        from dsr.models import Approval

        request_obj = self._writable()
        approval = Approval.objects.filter(request=request_obj, pk=int(approval_id)).first()
        if approval is None:
            raise NotFound()
        try:
            approval = four_eyes.approval_give(approval=approval, actor=actor_of(self.request))
        except four_eyes.ApprovalError as error:
            code = (
                status.HTTP_403_FORBIDDEN
                if error.code == "not_permitted"
                else status.HTTP_409_CONFLICT
            )
            return Response(error_body(error.code, error.message), status=code)
        return Response(s.ApprovalSerializer(approval).data)

    @extend_schema(
        summary="Ask a second officer or manager to approve releasing the package (four eyes)",
        description=(
            "Where the organisation asks for four eyes on releases: the approval covers the "
            "package as reviewed now; `release-package` answers `approval_needed` (409) "
            "without it. 409 when no package waits in review or the organisation does not ask."
        ),
        request=None,
        responses={200: s.ApprovalSerializer, **_errors(401, 403, 404, 409, 429)},
    )
    @action(
        detail=True,
        methods=["post"],
        url_path="ask-release-approval",
        pagination_class=None,
        filter_backends=[],
    )
    def ask_release_approval(self, request: ApiRequest, reference: str) -> Response:
        from dsr import four_eyes
        from dsr.fulfilment import release_gate
        from dsr.models import ApprovalKind

        request_obj = self._writable()
        waiting = _review_waiting(request_obj)
        if waiting is None:
            return _no_review_waiting()
        if not four_eyes.required(request_obj.organization, ApprovalKind.RELEASE):
            return Response(
                error_body(
                    "four_eyes_off", "This organisation does not ask for four eyes on releases."
                ),
                status=status.HTTP_409_CONFLICT,
            )
        approval = release_gate.release_approval_ask(review=waiting, actor=actor_of(self.request))
        return Response(s.ApprovalSerializer(approval).data)
