"""One error shape for every API failure:

{"error": {"code": "not_found", "message": "…", "fields": {...}, "allowed": [...]}}
"""

from __future__ import annotations

from typing import Any

from django.db import InterfaceError, OperationalError
from django.http import Http404
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler
from rest_framework.views import set_rollback

from dsr import storage, workflow
from dsr.api.parsers import RequestTooLarge


class Gone(exceptions.APIException):
    """The thing existed and was removed for good (a letter's PDF, by retention)."""

    status_code = status.HTTP_410_GONE
    default_detail = "Removed."
    default_code = "gone"


CODES = {
    Gone: "gone",
    exceptions.ParseError: "malformed",
    exceptions.AuthenticationFailed: "not_authenticated",
    exceptions.NotAuthenticated: "not_authenticated",
    exceptions.PermissionDenied: "permission_denied",
    exceptions.NotFound: "not_found",
    exceptions.MethodNotAllowed: "method_not_allowed",
    exceptions.NotAcceptable: "not_acceptable",
    exceptions.UnsupportedMediaType: "unsupported_media_type",
    exceptions.Throttled: "throttled",
    exceptions.ValidationError: "invalid",
    RequestTooLarge: "too_large",
}


# The database dropped the connection (a restart, a failover, a terminated backend): nothing
# the caller sent was wrong and nothing was committed, so they are told to try again. A
# create sent again with the same Idempotency-Key is answered once (docs/API.md).
DATABASE_ERRORS = (OperationalError, InterfaceError)
RETRY_AFTER_SECONDS = 5
UNAVAILABLE = "The service is briefly unavailable; nothing was saved. Try again shortly."


# The file storage (the bucket) did not answer: nothing stored was lost, the caller retries.
STORAGE_UNAVAILABLE = (
    "The file storage is briefly unavailable; nothing was lost. Try again in a minute."
)


def unavailable_response(message: str = UNAVAILABLE) -> Response:
    return Response(
        error_body("unavailable", message),
        status=status.HTTP_503_SERVICE_UNAVAILABLE,
        headers={"Retry-After": str(RETRY_AFTER_SECONDS)},
    )


def error_body(code: str, message: str, **extra: Any) -> dict[str, Any]:
    return {"error": {"code": code, "message": message, **extra}}


def _message(detail: Any) -> str:
    if isinstance(detail, list):
        return " ".join(_message(item) for item in detail)
    if isinstance(detail, dict):
        return " ".join(f"{key}: {_message(value)}" for key, value in detail.items())
    return str(detail)


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    if isinstance(exc, DATABASE_ERRORS):
        set_rollback()
        return unavailable_response()
    if storage.bucket_unavailable(exc):
        set_rollback()
        return unavailable_response(STORAGE_UNAVAILABLE)
    if isinstance(exc, workflow.TransitionNotAllowed):
        from dsr.api.serializers import API_ACTIONS

        allowed = [API_ACTIONS[name] for name in exc.allowed if name in API_ACTIONS]
        return Response(
            error_body(exc.code, exc.message, status=exc.status, allowed=allowed),
            status=status.HTTP_409_CONFLICT,
        )
    if isinstance(exc, workflow.NotPermitted):
        return Response(error_body(exc.code, exc.message), status=status.HTTP_403_FORBIDDEN)
    if isinstance(exc, workflow.WorkflowError):
        return Response(error_body(exc.code, exc.message), status=status.HTTP_400_BAD_REQUEST)
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    code = next((name for kind, name in CODES.items() if isinstance(exc, kind)), "error")
    if isinstance(exc, exceptions.ValidationError):
        fields = exc.detail if isinstance(exc.detail, dict) else {"non_field_errors": exc.detail}
        response.data = error_body(code, "The request has invalid fields.", fields=fields)
    else:
        detail = getattr(exc, "detail", str(exc))
        response.data = error_body(code, _message(detail))
    return response
