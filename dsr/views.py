import json
import sys

from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.views import defaults
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from accounts.models import Organization
from dsr.api.errors import DATABASE_ERRORS, RETRY_AFTER_SECONDS, UNAVAILABLE, error_body


@require_GET
def home(request: HttpRequest) -> HttpResponse:
    organizations = Organization.objects.order_by("name")
    return render(request, "home.html", {"organizations": organizations})


@never_cache
@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    """For load balancers: the web process is up and its database answers."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return JsonResponse({"status": "ok"})


def server_error(request: HttpRequest) -> HttpResponse:
    """Django's handler500, for what no view handled (a middleware's query, a desk page).

    A database that dropped the connection is a 503 with Retry-After, not a 500: JSON in the
    API's error shape under /api/, a plain page elsewhere saying to try again. The page is
    rendered without the request's context, which would query the database again."""
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
