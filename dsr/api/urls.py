"""/api/v1/ (the API), /api/schema/ (OpenAPI 3), /api/docs/ (Swagger UI served by the app)."""

from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView
from rest_framework.routers import SimpleRouter

from dsr.api.views import RequestViewSet

router = SimpleRouter()
router.register("requests", RequestViewSet, basename="request")

app_name = "api"
urlpatterns = [
    path("v1/", include(router.urls)),
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    path("docs/", SpectacularSwaggerView.as_view(url_name="api:schema"), name="docs"),
]
