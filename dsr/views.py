import json
import sys

from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.views import defaults
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_safe

from accounts.models import Organization
from dsr import readiness, storage
from dsr.api.errors import (
    DATABASE_ERRORS,
    RETRY_AFTER_SECONDS,
    STORAGE_UNAVAILABLE,
    UNAVAILABLE,
    error_body,
)


@require_GET
def home(request: HttpRequest) -> HttpResponse:
    organizations = Organization.objects.order_by("name")
    return render(request, "home.html", {"organizations": organizations})


@never_cache
@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    """Liveness: the web process is up and its database answers (readiness: `readyz`)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return JsonResponse({"status": "ok"})


@never_cache
@require_safe
def readyz(request: HttpRequest) -> JsonResponse:
    """Readiness, for a load balancer: the database, the broker, the cache and the storage,
    each "ok", "unavailable" or "timeout"; 200 only when all are ok, 503 otherwise. No
    sign-in, no rate limit, nothing but those words (dsr/readiness.py)."""
    state = readiness.readiness()
    response = JsonResponse(state.as_json(), status=200 if state.ready else 503)
    if not state.ready:
        response.headers["Retry-After"] = "5"
    return response


def server_error(request: HttpRequest) -> HttpResponse:
    """Django's handler500, for what no view handled (a middleware's query, a desk page).

    A database that dropped the connection is a 503 with Retry-After, not a 500: JSON in the
    API's error shape under /api/, a plain page elsewhere saying to try again. The page is
    rendered without the request's context, which would query the database again."""
    error = sys.exc_info()[1]
    if (
        error is not None
        and not isinstance(error, DATABASE_ERRORS)
        and storage.bucket_unavailable(error)
    ):
        # The bucket did not answer: say so, on a page in the visitor's language.
        headers = {"Retry-After": str(RETRY_AFTER_SECONDS)}
        if request.path.startswith("/api/"):
            body = json.dumps(error_body("unavailable", STORAGE_UNAVAILABLE))
            return HttpResponse(body, status=503, content_type="application/json", headers=headers)
        return HttpResponse(render_to_string("503_storage.html"), status=503, headers=headers)
    if isinstance(sys.exc_info()[1], DATABASE_ERRORS):
        headers = {"Retry-After": str(RETRY_AFTER_SECONDS)}
        if request.path.startswith("/api/"):
            body = json.dumps(error_body("unavailable", UNAVAILABLE))
            return HttpResponse(body, status=503, content_type="application/json", headers=headers)
        return HttpResponse(render_to_string("503.html"), status=503, headers=headers)
    return defaults.server_error(request)


def bad_request(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    """Django's handler400, for what no view handled (a Host header the site does not serve,
    another suspicious request): JSON in the API's error shape under /api/, Django's page
    elsewhere. Nothing of the refused request is echoed."""
    if request.path.startswith("/api/"):
        body = json.dumps(error_body("invalid", "The request could not be read."))
        return HttpResponse(body, status=400, content_type="application/json")
    return defaults.bad_request(request, exception)
