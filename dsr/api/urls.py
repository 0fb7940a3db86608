"""/api/v1/ (the API), /api/schema/ (OpenAPI 3), /api/docs/ (Swagger UI served by the app)."""

from csp.decorators import csp_update
from django.http import HttpRequest, JsonResponse
from django.urls import include, path, re_path
from django.views.decorators.csrf import csrf_exempt
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
from rest_framework.routers import SimpleRouter

from dsr.api.errors import error_body
from dsr.api.inbox import InboxViewSet
from dsr.api.views import RequestViewSet

router = SimpleRouter()
router.register("requests", RequestViewSet, basename="request")
router.register("inbox", InboxViewSet, basename="inbox")


@csrf_exempt  # a POST to no address is a 404 too, not a CSRF page
def not_found(request: HttpRequest) -> JsonResponse:
    """Any other address under /api/ is a 404 in the API's error shape, not an HTML page."""
    return JsonResponse(error_body("not_found", "No such address in the API."), status=404)


app_name = "api"
urlpatterns = [
    path("v1/", include(router.urls)),
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    # Swagger UI under the site's Content-Security-Policy: the split view serves its start-up
    # script from /api/docs/?script (no inline script), the page's template has no inline
    # style, and Swagger UI's stylesheet draws its icons as data: images.
    path(
        "docs/",
        csp_update({"img-src": ["data:"]})(
            SpectacularSwaggerSplitView.as_view(
                url_name="api:schema", template_name="api/swagger_ui.html"
            )
        ),
        name="docs",
    ),
    # Last, and only for addresses ending in "/", so APPEND_SLASH still redirects the others.
    re_path(r"^[\s\S]*/$", not_found),
]
