"""The officer's desk (issue: the officer's desk)."""

from django.urls import path  # noqa: F401

app_name = "desk"
urlpatterns: list = []
