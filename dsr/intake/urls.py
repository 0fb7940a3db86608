"""The subject's pages: the public form and the status page (issue: public intake)."""

from django.urls import path  # noqa: F401

app_name = "intake"
urlpatterns: list = []
