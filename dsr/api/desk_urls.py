"""/desk/settings/integrations/: API tokens and webhooks (managers)."""

from django.urls import path

from dsr.api import desk_views

app_name = "integrations"
urlpatterns = [
    path("", desk_views.integrations, name="page"),
    path("tokens/", desk_views.token_create, name="token_create"),
    path("tokens/<int:token_id>/revoke/", desk_views.token_revoke, name="token_revoke"),
    path("webhooks/", desk_views.webhook_create, name="webhook_create"),
    path("webhooks/<int:endpoint_id>/toggle/", desk_views.webhook_toggle, name="webhook_toggle"),
]
