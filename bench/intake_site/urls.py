from django.urls import include, path

from bench.intake_site import views

urlpatterns = [
    path("bench/insert/", views.insert_one, name="bench-insert"),
    path("bench/workflow/", views.workflow_only, name="bench-workflow"),
    path("", include("config.urls")),
]
